"""Who changes a client's demographics (issue 16): the front desk and the
owner change the names, addresses and contacts of a client's own party,
emergency contact and guardians; billers and accountants read them and
keep the other parties (payers, suppliers) up to date, tried over the
user's own calls."""
import unittest

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

from .fixtures import as_user, create_client, create_user

SCHEDULING = 'therapy_scheduling.'


class PartyAccessTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @with_transaction()
    def test_only_the_office_changes_client_demographics(self):
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        Contact = pool.get('party.contact_mechanism')
        Guardian = pool.get('therapy.client.guardian')
        with set_company(create_company()):
            client = create_client("Pat Doe")
            parent, payer = Party.create([{'name': "Sam Doe"},
                    {'name': "Harbor Health"}])
            Guardian.create([{'client': client.id, 'party': parent.id,
                        'relationship': 'parent'}])
            address, = Address.create([{'party': client.party.id,
                        'city': "Salem"}])
            self.assertEqual(Party.search([('client_person', '=', True)]),
                sorted([client.party, parent], key=lambda p: p.id))
            self.assertEqual(Party.search([('client_person', '=', False),
                        ('id', 'in', [client.party.id, payer.id])]),
                [payer])
            users = {role: create_user(role, [SCHEDULING + f'group_{role}'])
                for role in ['biller', 'accountant', 'front_desk']}
            users['desk_biller'] = create_user('desk_biller', [
                    SCHEDULING + 'group_front_desk',
                    SCHEDULING + 'group_biller'])
            for role in ['biller', 'accountant']:
                with self.subTest(role=role), as_user(users[role]):
                    # they read a client's demographics (statements, claims)
                    self.assertEqual(Party.read([client.party.id],
                            ['name'])[0]['name'], "Pat Doe")
                    for change in [
                            lambda: Party.write([client.party],
                                {'name': "Someone Else"}),
                            lambda: Party.write([parent],
                                {'name': "Someone Else"}),
                            lambda: Address.write([address],
                                {'city': "Elsewhere"}),
                            lambda: Address.create([{
                                        'party': client.party.id}]),
                            lambda: Contact.create([{
                                        'party': parent.id, 'type': 'email',
                                        'value': 'x@example.com'}]),
                            lambda: Address.delete([address]),
                            ]:
                        with self.assertRaises(AccessError):
                            change()
                    # a payer's party is theirs to keep
                    Party.write([payer], {'name': "Harbor Health Plan"})
                    Address.create([{'party': payer.id, 'city': "Boston"}])
                    Contact.create([{'party': payer.id, 'type': 'phone',
                                'value': '+16175550100'}])
            for role in ['front_desk', 'desk_biller']:
                with self.subTest(role=role), as_user(users[role]):
                    Party.write([client.party], {'name': "Pat Doe-Lee"})
                    Address.write([address], {'city': "Lynn"})
                    Contact.create([{'party': parent.id, 'type': 'email',
                                'value': 'sam@example.com'}])
            self.assertEqual((Party(client.party.id).name,
                    Address(address.id).city), ("Pat Doe-Lee", "Lynn"))
