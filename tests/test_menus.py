"""Each role sees the menus its day uses, and opens its own home at login.

The menus a user sees are what sao shows: `ir.ui.menu` searched as that
user with access checks on. ERP menus (Parties, Products, Banking) are for
the owner and the accountant; the clinical and billing entries follow the
roles of README's table."""
import unittest

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import create_user

MODULES = ['therapy_scheduling', 'therapy_clinical', 'therapy_billing',
    'therapy_portal', 'therapy_reporting']
ROLES = {
    'desk': ['therapy_scheduling.group_front_desk'],
    'clinician': ['therapy_scheduling.group_clinician'],
    'supervisor': ['therapy_scheduling.group_clinician',
        'therapy_scheduling.group_supervisor'],
    'biller': ['therapy_scheduling.group_biller'],
    'accountant': ['therapy_scheduling.group_accountant',
        'account.group_account'],
    'owner': ['therapy_scheduling.group_owner'],
    }


def visible_menus(user):
    Menu = Pool().get('ir.ui.menu')
    User = Pool().get('res.user')
    transaction = Transaction()
    with transaction.set_user(user.id), transaction.set_context(
            User.get_preferences(context_only=True), _check_access=True):
        return {m.complete_name for m in Menu.search([])}


class MenusTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module(MODULES)

    @with_transaction()
    def test_each_role_sees_its_menus(self):
        with set_company(create_company()):
            menus = {name: visible_menus(create_user(name, groups))
                for name, groups in ROLES.items()}
        tops = {name: {m for m in seen if ' / ' not in m}
            for name, seen in menus.items()}
        for role in ['desk', 'clinician', 'supervisor', 'biller']:
            with self.subTest(role=role):
                self.assertEqual(tops[role], {'Caseload'})
        for role in ['accountant', 'owner']:
            with self.subTest(role=role):
                self.assertLessEqual(
                    {'Caseload', 'Parties', 'Products', 'Banking'},
                    tops[role])

        def has(role, *names):
            for name in names:
                self.assertIn(f'Caseload / {name}', menus[role], role)

        for role in ROLES:
            # everyone sets up their own authenticator app
            has(role, 'Two-Step Sign-in')

        def lacks(role, *names):
            for name in names:
                self.assertNotIn(f'Caseload / {name}', menus[role], role)

        has('desk', 'Clients', 'Schedule / Day Sheet',
            'Schedule / Find a Slot', 'Schedule / Waitlist',
            'Billing / Coverages')
        lacks('desk', 'Schedule / My Calendar', 'Clinical / Notes',
            'Billing / Claims', 'Billing / Remittances',
            'Billing / Denial Queue', 'Configuration')
        has('clinician', 'Clients', 'Schedule / My Calendar',
            'Clinical / Notes to Write', 'Billing / Authorizations')
        lacks('clinician', 'Schedule / Waitlist', 'Schedule / Rooms',
            'Schedule / Find a Slot', 'Billing / Services & Charges',
            'Billing / Claims', 'Billing / Remittances', 'Configuration')
        has('supervisor', 'Clinical / Licenses & Supervision')
        has('biller', 'Billing / Claims', 'Billing / Payers',
            'Billing / Remittances', 'Billing / Denial Queue',
            'Clinical / Note Status for Billing', 'Schedule / Appointments')
        lacks('biller', 'Schedule / Day Sheet', 'Schedule / Waitlist',
            'Clinical / Notes', 'Configuration')
        lacks('accountant', 'Clients', 'Schedule / Appointments')
        has('accountant', 'Billing / Remittances',
            'Billing / Reassociation / Remittances Awaiting Deposit',
            'Billing / Reassociation / Deposits Without Remittance')
        has('biller', 'Billing / Reassociation / Remittances Awaiting Deposit')
        for role in ['desk', 'clinician', 'supervisor']:
            lacks(role, 'Billing / Reassociation')
        has('owner', 'Configuration / Settings', 'Schedule / Day Sheet',
            'Billing / Claims', 'Configuration / Staff Two-Step Sign-in')
        for role in ROLES:
            # break-glass is for the users designated ahead of time
            lacks(role, 'Emergency Access')
        for role in ROLES:
            if role != 'owner':
                lacks(role, 'Configuration / Staff Two-Step Sign-in')
        reports = [f'Billing / Reports / {name}' for name in [
                'A/R Aging by Payer', 'A/R Aging by Client', 'Days to Pay',
                'Acceptance and Denials by Payer', 'Denials by Reason',
                'Denials by Procedure', 'Underpayments']]
        for role in ['biller', 'owner']:
            has(role, *reports)
        for role in ['desk', 'clinician', 'supervisor']:
            lacks(role, 'Billing / Reports', *reports)
        has('accountant', *reports[:2])
        lacks('accountant', *reports[2:])

    @with_transaction()
    def test_home_opens_at_login(self):
        pool = Pool()
        RoleHome = pool.get('therapy.role.home')
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        Action = pool.get('ir.action')

        def action(module, xml_id):
            return Action(ModelData.get_id(module, xml_id))
        day_sheet = action('therapy_scheduling', 'act_appointment_day_sheet')
        calendar = action('therapy_scheduling', 'act_my_calendar')
        owner_home = action('therapy_reporting', 'act_home_owner')
        role, other = Group.create([{'name': "Test Role"},
                {'name': "Role Without Home"}])
        RoleHome.create([{
                    'group': role.id, 'action': day_sheet.id,
                    'sequence': 99}])
        with set_company(create_company()):
            tester = create_user('tester', [])
            owner = create_user('owner', ROLES['owner'])
            chosen = create_user('chosen', [])
            nobody = create_user('nobody', [])
        User.write([tester, chosen], {'groups': [('add', [role.id])]})
        User.write([owner], {'groups': [('add', [role.id])]})
        User.write([nobody], {'groups': [('add', [other.id])]})
        User.write([chosen], {'actions': [('add', [calendar.id])]})

        def login_actions(user):
            with Transaction().set_user(user.id):
                return User.get_preferences()['actions']

        self.assertEqual(login_actions(tester), [day_sheet.id])
        # the role first by sequence wins: the owner's home (10)
        self.assertEqual(login_actions(owner), [owner_home.id])
        # no home for the role: nothing opens, as before
        self.assertEqual(login_actions(nobody), [])
        # a user's own login actions win over the role's home
        self.assertEqual(login_actions(chosen), [calendar.id])
