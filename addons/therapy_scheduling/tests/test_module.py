import datetime as dt

from trytond.model.exceptions import SQLConstraintError, ValidationError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

from .fixtures import create_clinician, create_location


class TherapySchedulingTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Therapy Scheduling module"
    module = 'therapy_scheduling'

    @with_transaction()
    def test_client_number_from_sequence(self):
        "Clients are numbered on creation, copies get a new number"
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        company = create_company()
        with set_company(company):
            first, second = Client.create([
                    {'party': Party.create([{'name': "Ann"}])[0].id},
                    {'party': Party.create([{'name': "Ben"}])[0].id},
                    ])
            self.assertTrue(first.number.startswith('C'))
            self.assertNotEqual(first.number, second.number)
            self.assertEqual(first.status, 'inquiry')
            self.assertIn(first.number, first.rec_name)

    @with_transaction()
    def test_minor_needs_guardian_to_be_active(self):
        "An active minor must have a guardian who can consent"
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        company = create_company()
        with set_company(company):
            child, parent = Party.create([{'name': "Kid"}, {'name': "Mom"}])
            client = Client(
                party=child,
                birth_date=dt.date.today().replace(year=dt.date.today().year - 9))
            client.save()
            self.assertTrue(client.minor)
            with self.assertRaisesRegex(ValidationError, 'guardian'):
                Client.activate([client])
            Client.write([client], {'guardians': [('create', [{
                                'party': parent.id,
                                'relationship': 'parent'}])]})
            Client.activate([client])
            self.assertEqual(client.status, 'active')
            self.assertEqual(client.admission_date, dt.date.today())
            Client.discharge([client])
            self.assertEqual(client.discharge_date, dt.date.today())

    @with_transaction()
    def test_contact_party_of_a_minor_is_the_guardian(self):
        "Reminders and offers for a child go to the parent who consents"
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        company = create_company()
        with set_company(company):
            kid, aunt, mom, adult = Party.create([
                    {'name': "Kid"}, {'name': "Aunt"}, {'name': "Mom"},
                    {'name': "Adult"}])
            child, grown = Client.create([{
                        'party': kid.id,
                        'birth_date': dt.date.today().replace(
                            year=dt.date.today().year - 7),
                        'guardians': [('create', [
                                    {'party': aunt.id,
                                        'legal_guardian': False},
                                    {'party': mom.id}])],
                        }, {'party': adult.id}])
            self.assertEqual(child.contact_party(), mom)
            self.assertEqual(grown.contact_party(), adult)

    @with_transaction()
    def test_one_client_per_party(self):
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        company = create_company()
        with set_company(company):
            party, = Party.create([{'name': "Ann"}])
            Client.create([{'party': party.id}])
            with self.assertRaises(SQLConstraintError):
                Client.create([{'party': party.id}])

    @with_transaction()
    def test_clinician_identifiers(self):
        "NPI and taxonomy codes are checked"
        company = create_company()
        with set_company(company):
            create_clinician("Dr. Valid", npi='1234567893',
                taxonomy_code='1041C0700X', credential='lcsw')
            with self.assertRaisesRegex(ValidationError, 'NPI'):
                create_clinician("Dr. Typo", npi='1234567890')
            with self.assertRaisesRegex(ValidationError, 'taxonomy'):
                create_clinician("Dr. Tax", taxonomy_code='1041C0700')

    @with_transaction()
    def test_supervisor_cycle_refused(self):
        Employee = Pool().get('company.employee')
        company = create_company()
        with set_company(company):
            boss = create_clinician("Boss")
            junior = create_clinician("Junior", supervisor=boss)
            with self.assertRaisesRegex(ValidationError, 'supervise'):
                Employee.write([boss], {'supervisor': junior.id})

    @with_transaction()
    def test_service_code_and_group(self):
        Service = Pool().get('therapy.service')
        company = create_company()
        with set_company(company):
            service = Service(name="Psychotherapy 60", code='90837',
                duration=dt.timedelta(minutes=53),
                discipline='mental_health')
            service.save()
            self.assertEqual(service.rec_name, '90837 Psychotherapy 60')
            with self.assertRaisesRegex(ValidationError, 'CPT'):
                Service.create([{'name': "Bad", 'code': 'ABCDE',
                            'duration': dt.timedelta(minutes=30),
                            'discipline': 'speech'}])
            with self.assertRaisesRegex(ValidationError, 'group'):
                Service.create([{'name': "Solo", 'code': '90834',
                            'duration': dt.timedelta(minutes=45),
                            'discipline': 'mental_health',
                            'max_attendees': 6}])

    @with_transaction()
    def test_location_rooms_and_phone(self):
        Room = Pool().get('therapy.room')
        company = create_company()
        with set_company(company):
            location = create_location()
            location.phone = "not a phone"
            with self.assertRaisesRegex(ValidationError, 'phone'):
                location.save()
            room, = Room.create([{'location': location.id, 'name': "Blue"}])
            self.assertEqual(room.rec_name, "Main Street / Blue")
            with self.assertRaises(SQLConstraintError):
                Room.create([{'location': location.id, 'name': "Blue"}])


del ModuleTestCase
