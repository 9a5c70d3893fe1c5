"""Who may change what identifies a client and who supervises whom, tried
from each role's side: names, addresses and contact details (where
reminders go) are the front desk's and the owner's; a supervisor, which
grants reading the supervisee's notes, is set by the owner or the clinical
director only; supervision and group changes are logged, and the log is
read by the owner and the director and changed by no one."""
import unittest

from sql import Column

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import (
    as_user, create_client, create_clinician, create_user)


class DemographicsAccessTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module(['therapy_clinical', 'therapy_billing'])

    @with_transaction()
    def test_who_edits_client_demographics(self):
        pool = Pool()
        Party = pool.get('party.party')
        Contact = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        with set_company(create_company()):
            client = create_client("Robin Vale")
            email, = Contact.create([{'party': client.party.id,
                        'type': 'email', 'value': 'robin@example.com'}])
            users = {name: create_user(name, groups) for name, groups in [
                    ('desk', ['therapy_scheduling.group_front_desk']),
                    ('clinician', ['therapy_scheduling.group_clinician']),
                    ('owner', ['therapy_scheduling.group_owner']),
                    ]}
        party = client.party
        for name in ['clinician']:
            with as_user(users[name]):
                # reading stays open: the schedule shows names
                self.assertEqual(Party(party.id).name, "Robin Vale")
                with self.assertRaises(AccessError, msg=name):
                    Party.write([party], {'name': "Someone Else"})
                with self.assertRaises(AccessError, msg=name):
                    Contact.write([email], {'value': 'x@evil.example'})
                with self.assertRaises(AccessError, msg=name):
                    Address.delete(list(party.addresses))
                with self.assertRaises(AccessError, msg=name):
                    Party.create([{'name': "New"}])
        with as_user(users['desk']):
            Contact.write([email], {'value': 'robin.vale@example.com'})
            Party.write([party], {'name': "Robin A. Vale"})
        # the old reminder address is kept with who changed it
        history = Transaction().connection.cursor()
        table = Contact.__table_history__()
        history.execute(*table.select(
                table.value, table.write_uid,
                where=table.id == email.id,
                order_by=[Column(table, '__id').asc]))
        rows = list(history)
        self.assertEqual((rows[0][0], rows[-1][0]),
            ('robin@example.com', 'robin.vale@example.com'))
        self.assertEqual(rows[-1][1], users['desk'].id)

    @with_transaction()
    def test_only_owner_or_director_sets_a_supervisor(self):
        Employee = Pool().get('company.employee')
        AccessChange = Pool().get('therapy.access.change')
        with set_company(create_company()):
            supervisor = create_clinician("Avery Brooks")
            supervisee = create_clinician("Morgan Patel")
            desk = create_user('desk', ['therapy_scheduling.group_front_desk'])
            owner = create_user('owner', ['therapy_scheduling.group_owner'])
            director = create_user('director', [
                    'therapy_scheduling.group_clinician',
                    'therapy_clinical.group_clinical_director'])
        with as_user(desk):
            with self.assertRaises(AccessError):
                Employee.write([supervisee], {'supervisor': supervisor.id})
        for allowed in [owner, director]:
            with as_user(allowed):
                Employee.write([supervisee], {'supervisor': supervisor.id})
                Employee.write([supervisee], {'supervisor': None})
        with as_user(director):
            Employee.write([supervisee], {
                    'supervisor': supervisor.id, 'cosign_required': True})
        # every change is logged with who made it, before and after
        changes = [(c.changed_by, c.kind, c.employee, c.old_value,
                c.new_value) for c in reversed(AccessChange.search(
                    [('employee', '=', supervisee.id)]))]
        self.assertEqual(changes, [
                (owner, 'supervisor', supervisee, None, "Avery Brooks"),
                (owner, 'supervisor', supervisee, "Avery Brooks", None),
                (director, 'supervisor', supervisee, None, "Avery Brooks"),
                (director, 'supervisor', supervisee, "Avery Brooks", None),
                (director, 'supervisor', supervisee, None, "Avery Brooks"),
                (director, 'cosign_required', supervisee, "no", "yes"),
                ])
        # read by the owner and the director, changed by no one
        with as_user(desk):
            with self.assertRaises(AccessError):
                AccessChange.search([])
        for reader in [owner, director]:
            with as_user(reader):
                logged = AccessChange.search([])
                self.assertTrue(logged)
                with self.assertRaises(AccessError):
                    AccessChange.write(logged, {'new_value': "Nobody"})
                with self.assertRaises(AccessError):
                    AccessChange.delete(logged)
                with self.assertRaises(AccessError):
                    AccessChange.create([{'kind': 'supervisor',
                                'changed_at': logged[0].changed_at}])

    @with_transaction()
    def test_group_changes_are_logged(self):
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        AccessChange = pool.get('therapy.access.change')
        biller_group = ModelData.get_id('therapy_scheduling', 'group_biller')
        with set_company(create_company()):
            desk = create_user('desk', ['therapy_scheduling.group_front_desk'])
            admin = User(1)
        with as_user(desk):
            # only the administrator grants roles
            with self.assertRaises(AccessError):
                User.write([desk], {'groups': [('add', [biller_group])]})
        with as_user(admin):
            User.write([desk], {'groups': [('add', [biller_group])]})
            User.write([desk], {'groups': [('remove', [biller_group])]})
        changes = [(c.changed_by, c.kind, c.group.id) for c in AccessChange.search(
                [('user', '=', desk.id), ('group', '=', biller_group)],
                order=[('id', 'ASC')])]
        self.assertEqual(changes, [
                (admin, 'group_added', biller_group),
                (admin, 'group_removed', biller_group),
                ])
