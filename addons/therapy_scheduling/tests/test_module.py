import datetime as dt
import unittest
from zoneinfo import ZoneInfo

from trytond import backend
from trytond.model.exceptions import SQLConstraintError, ValidationError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from ..care_team import CareTeamSettings
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
    def test_client_search_and_list_columns(self):
        """The search bar finds a client by its party (name, code, phone,
        email) as before the search was split per index, and by number or
        preferred name; the list's names and contact columns read as rows
        give what each record gives"""
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        Employee = pool.get('company.employee')
        Location = pool.get('therapy.location')
        company = create_company()
        with set_company(company):
            clinician = create_clinician("Dr. Rowe")
            location = create_location()
            ann, ben, nameless = Party.create([{
                        'name': "Ann Quist",
                        'contact_mechanisms': [('create', [
                                    {'type': 'phone',
                                        'value': '+12125550147',
                                        'active': False},
                                    {'type': 'phone',
                                        'value': '+12125550199'},
                                    {'type': 'email',
                                        'value': 'ann@example.com'}])],
                        }, {'name': "Ben Otte"}, {}])
            first, second, third = Client.create([
                    {'party': ann.id, 'preferred_name': "Annie",
                        'primary_clinician': clinician.id,
                        'location': location.id},
                    {'party': ben.id},
                    {'party': nameless.id}])

            def found(operator, value):
                return sorted(c.id for c in Client.search(
                        [('rec_name', operator, value)]))
            self.assertEqual(found('ilike', '%quist%'), [first.id])
            self.assertEqual(found('ilike', '%annie%'), [first.id])
            self.assertEqual(found('ilike', '%0199%'), [first.id])
            # an archived party, a deactivated phone: found, as before
            self.assertEqual(found('ilike', '%0147%'), [first.id])
            Party.write([ben], {'active': False})
            self.assertEqual(found('ilike', '%otte%'), [second.id])
            self.assertEqual(found('not ilike', '%otte%'),
                sorted([first.id, third.id]))
            self.assertEqual(found('ilike', '%@example%'), [first.id])
            self.assertEqual(found('=', second.number), [second.id])
            self.assertEqual(found('=', nameless.code), [third.id])
            self.assertEqual(found('not ilike', '%quist%'),
                sorted([second.id, third.id]))

            rows = Client.read([first.id, second.id, third.id],
                ['phone', 'email', 'mobile', 'rec_name',
                    'primary_clinician.rec_name', 'location.rec_name',
                    'company.rec_name', 'party.rec_name'])
            for row in rows:
                client = Client(row['id'])
                self.assertEqual(row['phone'], client.party.phone)
                self.assertEqual(row['email'], client.party.email)
                self.assertEqual(row['mobile'], client.party.mobile)
                self.assertEqual(row['party.']['rec_name'],
                    client.party.name or f'[{client.party.code}]')
            self.assertEqual(rows[0]['phone'], '+1 212-555-0199')
            self.assertEqual(rows[1]['phone'], '')
            self.assertEqual(rows[0]['primary_clinician.']['rec_name'],
                "Dr. Rowe")
            self.assertEqual(rows[0]['location.']['rec_name'],
                location.name)
            self.assertEqual(rows[0]['company.']['rec_name'],
                company.party.name)
            unsaved = Employee(party=clinician.party)
            self.assertEqual(
                Employee.get_rec_name([unsaved], 'rec_name'),
                {None: "Dr. Rowe"})
            self.assertEqual(Location.get_rec_name(
                    [Location(name="Annex")], 'rec_name'), {None: "Annex"})

    @unittest.skipIf(backend.name != 'postgresql', "PostgreSQL's indexes")
    @with_transaction()
    def test_search_bar_trigram_indexes(self):
        "A name typed in the search bar has trigram indexes to use"
        cursor = Transaction().connection.cursor()
        cursor.execute("SELECT indexdef FROM pg_indexes "
            "WHERE tablename IN ('party_party', 'therapy_client')")
        definitions = [d for d, in cursor if 'gin_trgm_ops' in d]
        for table, column in [('party_party', 'name'),
                ('therapy_client', 'number'),
                ('therapy_client', 'preferred_name')]:
            self.assertTrue(any(f'ON public.{table} ' in d
                    and f'COALESCE({column},' in d for d in definitions),
                (table, column, definitions))

    @with_transaction()
    def test_today_and_settings_follow_changes(self):
        """Today is the company's date where it is, the practice's
        settings what was saved last, both changed within a transaction
        (each is kept across reads)"""
        pool = Pool()
        Date = pool.get('ir.date')
        Configuration = pool.get('therapy.configuration')
        company = create_company()
        with set_company(company):
            # UTC+14 and UTC-11: never the same date
            for zone in ['Pacific/Kiritimati', 'Pacific/Pago_Pago']:
                company.timezone = zone
                company.save()
                self.assertEqual(Date.today(),
                    dt.datetime.now(ZoneInfo(zone)).date())
            self.assertEqual(CareTeamSettings.window(), (180, 90))
            Configuration.write([Configuration(1)],
                {'care_team_days_back': 30})
            self.assertEqual(CareTeamSettings.window(), (30, 90))

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
