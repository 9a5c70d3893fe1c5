"""New Client: one screen creates the party (contact mechanisms, a US
address), the client and a minor's guardian; bad input changes nothing.
Also the client form's phone and email, which write to the party."""
import datetime as dt
import unittest

from trytond.model.exceptions import ValidationError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

from .fixtures import create_client, create_location, run_new_client


def us_state(code='NY'):
    pool = Pool()
    Country = pool.get('country.country')
    Subdivision = pool.get('country.subdivision')
    us, = Country.create([{'name': "United States", 'code': 'US'}])
    state, = Subdivision.create([{'country': us.id, 'code': f'US-{code}',
                'name': "New York", 'type': 'state'}])
    return state


class NewClientTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @with_transaction()
    def test_new_minor_with_guardian(self):
        pool = Pool()
        Party = pool.get('party.party')
        with set_company(create_company()):
            location = create_location()
            state = us_state()
            parties = Party.search([], count=True)
            client = run_new_client({
                    'first_name': "Maya", 'middle_name': "J",
                    'last_name': "Rivera", 'preferred_name': "May",
                    'pronouns': "she/her",
                    'birth_date': dt.date.today().replace(
                        year=dt.date.today().year - 9),
                    'phone': "(718) 555-0142", 'email': "maya@example.com",
                    'street': "12 Court Street", 'city': "Brooklyn",
                    'state': state.id, 'postal_code': "11201",
                    'guardian_name': "Luis Rivera",
                    'guardian_relationship': 'parent',
                    'guardian_email': "luis@example.com",
                    'location': location.id,
                    })
            self.assertEqual(client.party.name, "Maya J Rivera")
            self.assertEqual(
                (client.preferred_name, client.pronouns, client.status,
                    client.location),
                ("May", "she/her", 'active', location))
            # a mobile: reminders by text go there
            self.assertEqual(client.mobile, "+1 718-555-0142")
            self.assertEqual(client.email, "maya@example.com")
            address, = client.party.addresses
            self.assertEqual(
                (address.street, address.city, address.postal_code,
                    address.subdivision, address.country.code),
                ("12 Court Street", "Brooklyn", "11201", state, 'US'))
            guardian, = client.guardians
            self.assertEqual(
                (guardian.party.name, guardian.party.email,
                    guardian.legal_guardian, guardian.guarantor),
                ("Luis Rivera", "luis@example.com", True, True))
            self.assertEqual(client.contact_party(), guardian.party)
            # the client's and the guardian's
            self.assertEqual(Party.search([], count=True), parties + 2)

    @with_transaction()
    def test_bad_input_creates_nothing(self):
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        with set_company(create_company()):
            create_location()
            parties = Party.search([], count=True)
            clients = Client.search([], count=True)
            adult = dt.date(1990, 5, 1)
            for values, message in [
                    ({'first_name': " ", 'last_name': "Doe",
                            'birth_date': adult}, "first and last names"),
                    ({'first_name': "Jo", 'last_name': "Doe",
                            'birth_date': adult, 'postal_code': "1120"},
                        "not a US ZIP code"),
                    ({'first_name': "Jo", 'last_name': "Doe",
                            'birth_date': adult, 'phone': "555"},
                        "not a valid phone number"),
                    ({'first_name': "Jo", 'last_name': "Doe",
                            'birth_date': adult, 'email': "jo@"},
                        "not an email address"),
                    ({'first_name': "Kid", 'last_name': "Doe",
                            'birth_date': dt.date.today().replace(
                                year=dt.date.today().year - 5)},
                        "is a minor"),
                    ]:
                with self.subTest(message=message):
                    with self.assertRaisesRegex(ValidationError, message):
                        run_new_client(values)
            self.assertEqual(Party.search([], count=True), parties)
            self.assertEqual(Client.search([], count=True), clients)

    @with_transaction()
    def test_phone_and_email_edit_the_party(self):
        pool = Pool()
        Client = pool.get('therapy.client')
        with set_company(create_company()):
            client = create_client("Ann Lee")
            Client.write([client], {
                    'phone': "+1 718-555-0100", 'email': "ann@example.com"})
            self.assertEqual(
                [(m.type, m.value) for m in client.party.contact_mechanisms],
                [('phone', "+1 718-555-0100"), ('email', "ann@example.com")])
            Client.write([client], {
                    'phone': "+1 718-555-0199", 'email': "",
                    'mobile': "+1 917-555-0123"})
            self.assertEqual(
                sorted((m.type, m.value)
                    for m in client.party.contact_mechanisms),
                [('mobile', "+1 917-555-0123"), ('phone', "+1 718-555-0199")])
            client = Client(client.id)
            self.assertEqual(
                (client.phone, client.mobile, client.email or None),
                ("+1 718-555-0199", "+1 917-555-0123", None))

