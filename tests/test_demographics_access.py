"""Who may change what identifies a client and who supervises whom, tried
from each role's side: names, addresses and contact details (where
reminders go) are the front desk's and the owner's; a supervisor, which
grants reading the supervisee's notes, is set by the owner or the clinical
director only."""
import unittest

from sql import Column

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_clinical.tests.test_clinical import create_user
from therapy_scheduling.tests.fixtures import (
    create_client, create_clinician)


def as_user(user):
    transaction = Transaction()
    context = transaction.set_context(_check_access=True)
    return transaction.set_user(user.id), context


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
            user, context = as_user(users[name])
            with user, context:
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
        user, context = as_user(users['desk'])
        with user, context:
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
        with set_company(create_company()):
            supervisor = create_clinician("Avery Brooks")
            supervisee = create_clinician("Morgan Patel")
            desk = create_user('desk', ['therapy_scheduling.group_front_desk'])
            owner = create_user('owner', ['therapy_scheduling.group_owner'])
            director = create_user('director', [
                    'therapy_scheduling.group_clinician',
                    'therapy_clinical.group_clinical_director'])
        user, context = as_user(desk)
        with user, context:
            with self.assertRaises(AccessError):
                Employee.write([supervisee], {'supervisor': supervisor.id})
        for allowed in [owner, director]:
            user, context = as_user(allowed)
            with user, context:
                Employee.write([supervisee], {'supervisor': supervisor.id})
                Employee.write([supervisee], {'supervisor': None})
