"""Billing from the server side: who may do what, the daily authorization
email (real SMTP on loopback), secondary claims, fee and coverage rules,
and series that would run past their authorization."""
import datetime as dt
import unittest
from decimal import Decimal

from trytond.model.exceptions import AccessError, ValidationError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_clinical.tests.test_clinical import create_user
from therapy_scheduling.tests.fixtures import (
    create_client, create_clinician, create_location, create_service)
from therapy_scheduling.tests.outbox import Outbox


class Practice:
    "A Medicaid-like payer that authorizes ABA, a covered client"

    def __init__(self):
        pool = Pool()
        Party = pool.get('party.party')
        Payer = pool.get('therapy.payer')
        Coverage = pool.get('therapy.coverage')
        Authorization = pool.get('therapy.authorization')
        self.location = create_location()
        self.aba = create_service('97153', "ABA treatment", 60,
            discipline='aba', timed=True)
        self.jamie = create_clinician("Jamie Fox", discipline='aba')
        self.alex = create_clinician("Alex Kim", discipline='aba')
        self.client = create_client("Riley Park",
            primary_clinician=self.jamie.id)
        self.other = create_client("Sam Other", primary_clinician=self.alex.id)
        party, = Party.create([{'name': "State Medicaid"}])
        self.medicaid, = Payer.create([{
                    'party': party.id, 'filing_indicator': 'MC',
                    'service_rules': [('create', [{
                                    'service': self.aba.id,
                                    'authorization_required': True}])],
                    }])
        today = dt.date.today()
        self.coverage, self.other_coverage = Coverage.create([{
                    'client': c.id, 'payer': self.medicaid.id,
                    'member_id': 'M1', 'start_date': today
                    - dt.timedelta(days=30),
                    } for c in [self.client, self.other]])
        self.authorization, self.other_authorization = Authorization.create([{
                    'client': cov.client.id, 'coverage': cov.id,
                    'number': f'PA-{i}', 'approved': 4,
                    'services': [('add', [self.aba.id])],
                    'start_date': today,
                    'end_date': today + dt.timedelta(days=20),
                    } for i, cov in enumerate(
                    [self.coverage, self.other_coverage])])

    def book(self, client, days, clinician=None):
        Appointment = Pool().get('therapy.appointment')
        start = dt.datetime.combine(
            dt.date.today() + dt.timedelta(days=days), dt.time(15))
        appointment, = Appointment.create([{
                    'client': client.id,
                    'clinician': (clinician or self.jamie).id,
                    'location': self.location.id, 'service': self.aba.id,
                    'start': start, 'end': start + dt.timedelta(hours=1),
                    }])
        return appointment


def as_user(user):
    transaction = Transaction()
    return transaction.set_user(user.id), transaction.set_context(
        _check_access=True)


class BillingTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_billing')

    @with_transaction()
    def test_roles(self):
        pool = Pool()
        Payer = pool.get('therapy.payer')
        Coverage = pool.get('therapy.coverage')
        Authorization = pool.get('therapy.authorization')
        Claim = pool.get('therapy.claim')
        Party = pool.get('party.party')
        with set_company(create_company()):
            practice = Practice()
            party, = Party.create([{'name': "Another Plan"}])
            users = {name: create_user(name, groups, employee) for name,
                groups, employee in [
                    ('biller', ['therapy_scheduling.group_biller'], None),
                    ('desk', ['therapy_scheduling.group_front_desk'], None),
                    ('books', ['therapy_scheduling.group_accountant'], None),
                    ('jamie', ['therapy_scheduling.group_clinician'],
                        practice.jamie),
                    ]}

            def run(name):
                user, context = as_user(users[name])
                return user, context

            user, context = run('biller')
            with user, context:
                Payer.create([{'party': party.id}])
                Coverage.write([practice.coverage], {'copay': Decimal(20)})
                Claim.search([])
            user, context = run('desk')
            with user, context:
                self.assertEqual(len(Coverage.search([])), 2)
                # the front desk enters and corrects cards, a biller
                # verifies them with the payer
                Coverage.write([practice.coverage], {'copay': 0})
                with self.assertRaises(AccessButtonError):
                    Coverage.verify([practice.coverage])
                with self.assertRaises(AccessError):
                    Coverage.delete([practice.coverage])
                with self.assertRaises(AccessError):
                    Payer.write([practice.medicaid], {'unit_rule': 'midpoint'})
                with self.assertRaises(AccessError):
                    Claim.search([])
            user, context = run('books')
            with user, context:
                Claim.search([])
                with self.assertRaises(AccessError):
                    Claim.create([{'client': practice.client.id}])
            user, context = run('jamie')
            with user, context:
                self.assertEqual(Authorization.search([]),
                    [practice.authorization])
                self.assertEqual(
                    Authorization(practice.authorization.id).remaining, 4)
                with self.assertRaises(AccessError):
                    Coverage.search([])
                with self.assertRaises(AccessError):
                    Authorization.read(
                        [practice.authorization.id], ['coverage'])

    @with_transaction()
    def test_series_preview_stops_at_the_authorization(self):
        pool = Pool()
        Series = pool.get('therapy.appointment.series')
        with set_company(create_company()):
            practice = Practice()
            series, = Series.create([{
                        'client': practice.client.id,
                        'clinician': practice.jamie.id,
                        'location': practice.location.id,
                        'service': practice.aba.id,
                        'first_date': dt.date.today() + dt.timedelta(days=1),
                        'start_time': dt.time(10),
                        'frequency': 'weekly', 'end_type': 'count',
                        'count': 3,
                        }])
            # two sessions booked already: the third of the series is the
            # fifth of four approved
            practice.book(practice.client, 0)
            practice.book(practice.client, 2)
            problems = [p for _, p in series.preview()]
            self.assertEqual(problems[:2], [None] * 2)
            self.assertIn('PA-0', problems[2] or '')

    @with_transaction()
    def test_secondary_claim_after_primary(self):
        pool = Pool()
        Claim = pool.get('therapy.claim')
        Coverage = pool.get('therapy.coverage')
        Payer = pool.get('therapy.payer')
        Party = pool.get('party.party')
        with set_company(create_company()):
            practice = Practice()
            party, = Party.create([{'name': "Supplement Plan"}])
            supplement, = Payer.create([{'party': party.id}])
            secondary, = Coverage.create([{
                        'client': practice.client.id, 'payer': supplement.id,
                        'member_id': 'S1', 'priority': '2',
                        'start_date': dt.date.today()
                        - dt.timedelta(days=30)}])
            with self.assertRaisesRegex(ValidationError, 'Secondary'):
                Coverage.create([{
                            'client': practice.client.id,
                            'payer': supplement.id, 'member_id': 'S2',
                            'priority': '2', 'start_date': dt.date.today()}])
            claim, = Claim.create([{
                        'company': practice.client.company.id,
                        'client': practice.client.id,
                        'coverage': practice.coverage.id,
                        'date': dt.date.today()}])
            Claim.write([claim], {'state': 'accepted'})
            Claim.pay([claim])
            second, = Claim.search([('primary_claim', '=', claim.id)])
            self.assertEqual(second.coverage, secondary)
            self.assertIn('moved no patient responsibility',
                ' '.join(second.scrub()))
            Claim.deny([claim])  # not allowed from paid: nothing new
            self.assertEqual(
                Claim.search([('primary_claim', '=', claim.id)]), [second])

    @with_transaction()
    def test_no_missed_appointment_fee_for_medicaid(self):
        "Medicaid forbids billing its beneficiaries for a no-show"
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Charge = pool.get('therapy.charge')
        Configuration = pool.get('therapy.configuration')
        Coverage = pool.get('therapy.coverage')
        with set_company(create_company()):
            practice = Practice()
            Configuration.write([Configuration(1)], {
                    'no_show_fee': Decimal(75)})
            medicaid = practice.book(practice.client, 1)
            Coverage.write([practice.other_coverage], {
                    'end_date': dt.date.today() - dt.timedelta(days=1)})
            uninsured = practice.book(practice.other, 1, practice.alex)
            Appointment.no_show([medicaid, uninsured])
            self.assertEqual(
                [(c.client, c.kind, c.amount) for c in Charge.search([])],
                [(practice.other, 'no_show', Decimal(75))])

    @with_transaction()
    def test_claims_per_date_or_per_month(self):
        pool = Pool()
        Charge = pool.get('therapy.charge')
        Claim = pool.get('therapy.claim')
        Configuration = pool.get('therapy.configuration')
        with set_company(create_company()):
            practice = Practice()
            first = dt.date.today().replace(day=1)

            def charges():
                return Charge.create([{
                            'company': practice.client.company.id,
                            'client': practice.client.id, 'kind': 'service',
                            'date': first + dt.timedelta(days=d),
                            'procedure_code': '97153', 'units': 4,
                            'amount': Decimal(120),
                            'responsibility': 'payer',
                            'coverage': practice.coverage.id,
                            'payer': practice.medicaid.id,
                            } for d in [0, 1]])
            self.assertEqual(len(Claim.from_charges(charges())), 2)
            Configuration.write([Configuration(1)],
                {'claim_grouping': 'month'})
            claim, = Claim.from_charges(charges())
            self.assertEqual((claim.date, len(claim.charges), claim.total),
                (first, 2, Decimal(240)))

    @with_transaction()
    def test_fee_lookup_prefers_modifiers_and_refuses_overlaps(self):
        pool = Pool()
        Fee = pool.get('therapy.fee')
        with set_company(create_company()):
            practice = Practice()
            year = dt.date.today().replace(month=1, day=1)
            Fee.create([
                    {'service': practice.aba.id, 'amount': Decimal(30),
                        'start_date': year},
                    {'service': practice.aba.id, 'amount': Decimal(36),
                        'modifiers': 'hn, ', 'start_date': year},
                    {'service': practice.aba.id, 'amount': Decimal(24),
                        'payer': practice.medicaid.id, 'start_date': year},
                    ])
            today = dt.date.today()
            self.assertEqual(Fee.charge_for(practice.aba, today), 30)
            self.assertEqual(Fee.charge_for(practice.aba, today, 'HN'), 36)
            self.assertEqual(Fee.charge_for(practice.aba, today, 'GT'), 30)
            self.assertEqual(Fee.expected_for(
                    practice.aba, today, practice.medicaid), 24)
            self.assertIsNone(Fee.charge_for(
                    practice.aba, year - dt.timedelta(days=1)))
            with self.assertRaisesRegex(ValidationError, 'already in effect'):
                Fee.create([{'service': practice.aba.id,
                            'amount': Decimal(31), 'start_date': today}])


class AuthorizationEmailTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_billing')
        cls.outbox = Outbox()
        cls.outbox.start()

    @classmethod
    def tearDownClass(cls):
        cls.outbox.stop()

    @with_transaction()
    def test_daily_warning_to_the_front_desk(self):
        Authorization = Pool().get('therapy.authorization')
        with set_company(create_company()):
            practice = Practice()
            create_user('desk', ['therapy_scheduling.group_front_desk'],
                email='desk@example.com')
            create_user('other', ['therapy_scheduling.group_biller'],
                email='biller@example.com')
            for days in [1, 8, 15, 19]:
                practice.book(practice.client, days)
            self.assertEqual(
                Authorization.search([('attention', '=', 'exhausted')]),
                [practice.authorization])
            self.assertEqual(
                Authorization.search([('attention', '=', 'expiry')]),
                [practice.other_authorization])
            sent = Authorization.send_warnings()
            Transaction().commit()
        self.assertEqual(sent, ['desk@example.com'])
        (to,), message = self.outbox.emails[0]
        body = message.get_content()
        self.assertIn("1 expiring within 30 days", body)
        self.assertIn("1 used up", body)
        self.assertNotIn("Riley", body)


class AuthorizationStateTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_billing')

    @with_transaction()
    def test_ended_authorization_reads_expired(self):
        "Past its end date it is expired, not '80% used' nor exhausted"
        Authorization = Pool().get('therapy.authorization')
        with set_company(create_company()):
            practice = Practice()
            for days in [1, 8, 15, 19]:
                practice.book(practice.client, days)
            self.assertEqual(practice.authorization.attention, 'exhausted')
            today = dt.date.today()
            Authorization.write([practice.authorization], {
                    'start_date': today - dt.timedelta(days=60),
                    'end_date': today - dt.timedelta(days=1)})
            self.assertEqual(
                Authorization(practice.authorization.id).attention,
                'expired')
            self.assertEqual(Authorization.search([
                        ('attention', '=', 'expired')]),
                [practice.authorization])
