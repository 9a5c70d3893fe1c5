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

from therapy_scheduling.tests.fixtures import (
    as_user, CommittingTestMixin, create_client, create_clinician,
    create_service, create_user, day_at)
from therapy_scheduling.tests.outbox import OutboxMixin

from .. import ledger_invariants
from ..exceptions import ClaimError
from .fixtures import BillingPractice


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
            practice = BillingPractice()
            party, = Party.create([{'name': "Another Plan"}])
            users = {name: create_user(name, groups, employee) for name,
                groups, employee in [
                    ('biller', ['therapy_scheduling.group_biller'], None),
                    ('desk', ['therapy_scheduling.group_front_desk'], None),
                    ('books', ['therapy_scheduling.group_accountant'], None),
                    ('jamie', ['therapy_scheduling.group_clinician'],
                        practice.jamie),
                    ]}

            with as_user(users['biller']):
                Payer.create([{'party': party.id}])
                Coverage.write([practice.coverage], {'copay': Decimal(20)})
                Claim.search([])
            with as_user(users['desk']):
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
            with as_user(users['books']):
                Claim.search([])
                with self.assertRaises(AccessError):
                    Claim.create([{'client': practice.client.id}])
            with as_user(users['jamie']):
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
            practice = BillingPractice()
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
            practice.book(day_at(0))
            practice.book(day_at(2))
            problems = [p for _, p in series.preview()]
            self.assertEqual(problems[:2], [None] * 2)
            self.assertIn('PA-0', problems[2] or '')

    @with_transaction()
    def test_accountant_reads_claims_not_diagnoses(self):
        "The ledger needs what was billed and paid, not the diagnoses"
        pool = Pool()
        Claim = pool.get('therapy.claim')
        ClaimDiagnosis = pool.get('therapy.claim.diagnosis')
        ICD10 = pool.get('therapy.icd10')
        with set_company(create_company()):
            practice = BillingPractice()
            autism, = ICD10.search([('code', '=', 'F84.0')])
            claim, = Claim.create([{
                        'company': practice.client.company.id,
                        'client': practice.client.id,
                        'coverage': practice.coverage.id,
                        'date': dt.date.today(),
                        'diagnoses': [('create', [{
                                        'sequence': 1, 'code': autism.id}])],
                        }])
            books = create_user('books_dx',
                ['therapy_scheduling.group_accountant'])
            biller = create_user('biller_dx',
                ['therapy_scheduling.group_biller'])
            with as_user(books):
                self.assertEqual(Claim.read([claim.id], ['client']),
                    [{'id': claim.id, 'client': practice.client.id}])
                for attempt in [
                        lambda: Claim.read([claim.id], ['diagnoses']),
                        lambda: Claim.search(
                            [('diagnoses.code.code', '=', 'F84.0')]),
                        lambda: Claim.export_data(
                            [Claim(claim.id)], ['diagnoses/code/code']),
                        lambda: ClaimDiagnosis.search([]),
                        lambda: ClaimDiagnosis.read(
                            [d.id for d in claim.diagnoses], ['rec_name']),
                        ]:
                    with self.subTest(line=attempt.__code__.co_firstlineno), \
                            self.assertRaises(AccessError):
                        attempt()
            with as_user(biller):
                self.assertEqual(Claim.search(
                        [('diagnoses.code.code', '=', 'F84.0')]), [claim])

    @with_transaction()
    def test_secondary_claim_after_primary(self):
        pool = Pool()
        Claim = pool.get('therapy.claim')
        Coverage = pool.get('therapy.coverage')
        Payer = pool.get('therapy.payer')
        Party = pool.get('party.party')
        with set_company(create_company()):
            practice = BillingPractice()
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
            # what the payer's answer does once it names a share
            Claim.adjudicated([claim])
            second, = Claim.search([('primary_claim', '=', claim.id)])
            self.assertEqual(second.coverage, secondary)
            self.assertIn('moved no patient responsibility',
                ' '.join(second.scrub()))
            # adjudicated again (a second remittance for the same claim):
            # the secondary claim is not drafted twice
            self.assertEqual(Claim.adjudicated([claim]), [])
            self.assertEqual(
                Claim.search([('primary_claim', '=', claim.id)]), [second])

    @with_transaction()
    def test_scrubber_findings_by_reason(self):
        "Each check of the scrubber holds a claim back under its reason"
        pool = Pool()
        Charge = pool.get('therapy.charge')
        Claim = pool.get('therapy.claim')
        ClaimDiagnosis = pool.get('therapy.claim.diagnosis')
        ClaimLine = pool.get('therapy.claim.line')
        Employee = pool.get('company.employee')
        ICD10 = pool.get('therapy.icd10')
        Payer = pool.get('therapy.payer')
        with set_company(create_company()):
            practice = BillingPractice()
            Employee.write([practice.jamie, practice.alex],
                {'npi': '1245319599'})
            today = dt.date.today()

            def claim(authorization=practice.authorization, code='F84.0'):
                charge, = Charge.create([{
                            'company': practice.client.company.id,
                            'client': practice.client.id, 'kind': 'service',
                            'date': today, 'service': practice.aba.id,
                            'procedure_code': '97153', 'units': 4,
                            'amount': Decimal(120),
                            'responsibility': 'payer',
                            'coverage': practice.coverage.id,
                            'payer': practice.medicaid.id,
                            'rendering': practice.jamie.id,
                            'diagnosis_codes': code,
                            'authorization': (authorization.id
                                if authorization else None),
                            }])
                claim, = Claim.from_charges([charge])
                return claim

            def reasons(claim):
                return sorted({r for r, _ in Claim(claim.id).scrub_findings()})

            first = claim()
            self.assertEqual(Claim(first.id).scrub_findings(), [])
            # the same session billed twice to the payer: both are held
            second = claim(authorization=None)
            self.assertEqual(reasons(first), ['duplicate'])
            self.assertEqual(reasons(second), ['authorization', 'duplicate'])
            self.assertEqual(
                set(Claim.search([('scrub_reasons', '=', 'duplicate')])),
                {first, second})
            self.assertEqual(
                Claim.search([('scrub_reasons', '=', 'authorization')]),
                [second])
            Claim.delete([second])
            self.assertEqual(reasons(first), [])

            # a check digit off by one (the employee form refuses it: a bad
            # import, say)
            employee = Employee.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*employee.update([employee.npi], ['1245319598'],
                    where=employee.id == practice.jamie.id))
            for cache in Transaction().cache.values():
                cache.clear()  # the records read before hold the old NPI
            self.assertEqual(reasons(first), ['provider'])
            cursor.execute(*employee.update([employee.npi], ['1245319599'],
                    where=employee.id == practice.jamie.id))
            for cache in Transaction().cache.values():
                cache.clear()
            # an associate, for a payer that pays nothing for associates
            Employee.write([practice.jamie],
                {'supervisor': practice.alex.id})
            Payer.write([practice.medicaid], {'associates': 'refuse'})
            self.assertIn('does not accept associates',
                ' '.join(Claim(first.id).scrub()))
            # a payer billing under the supervisor: the new claim's line
            # names the supervisor, and nothing holds it
            Payer.write([practice.medicaid], {'associates': 'supervisor'})
            Claim.delete([first])
            first = claim()
            self.assertEqual(
                [l.rendering for l in Claim(first.id).lines], [practice.alex])
            self.assertEqual(reasons(first), [])

            # a category instead of a code, and a pointer to nothing
            diagnosis, = Claim(first.id).diagnoses
            f84, = ICD10.search([('code', '=', 'F84')])
            ClaimDiagnosis.write([diagnosis], {'code': f84.id})
            line, = Claim(first.id).lines
            ClaimLine.write([line], {'diagnosis_2': 5})
            self.assertEqual(reasons(first), ['diagnosis'])
            self.assertEqual(len(Claim(first.id).scrub()), 2)
            ClaimDiagnosis.write([diagnosis], {'code': ICD10.search(
                            [('code', '=', 'F84.0')])[0].id})
            ClaimLine.write([line], {'diagnosis_2': None})

            # outside the coverage's dates, and past timely filing
            coverage = practice.coverage
            start = coverage.start_date
            coverage.start_date = today + dt.timedelta(days=1)
            coverage.save()
            self.assertEqual(reasons(first), ['coverage'])
            coverage.start_date = start
            coverage.save()
            with Transaction().set_context(
                    billing_date=today + dt.timedelta(days=400)):
                self.assertEqual(reasons(first), ['timely_filing'])
                # held: nothing changes, the message names the claim
                with self.assertRaisesRegex(ClaimError, first.number):
                    Claim.ready([Claim(first.id)])
            self.assertEqual(Claim(first.id).state, 'draft')
            self.assertEqual(reasons(first), [])

            # a 45-minute psychotherapy code for a 30-minute session
            line, = Claim(first.id).lines
            ClaimLine.write([line], {'procedure_code': '90834'})
            charge = Charge.__table__()
            cursor.execute(*charge.update([charge.minutes], [30],
                    where=charge.id == line.charge.id))
            for cache in Transaction().cache.values():
                cache.clear()
            self.assertEqual(reasons(first), ['coding'])
            self.assertIn('charge 90832', ' '.join(Claim(first.id).scrub()))

    @with_transaction()
    def test_payer_modifier_rules(self):
        """The payer's modifier rules on its charges and claim lines: the
        discipline, the assistant, GT in place of 95; never more than a
        line holds"""
        pool = Pool()
        Party = pool.get('party.party')
        Payer = pool.get('therapy.payer')
        Rule = pool.get('therapy.payer.modifier')
        Coverage = pool.get('therapy.coverage')
        Charge = pool.get('therapy.charge')
        Claim = pool.get('therapy.claim')
        with set_company(create_company()):
            practice = BillingPractice()
            exercise = create_service('97110', "Therapeutic exercise", 30,
                discipline='physical', timed=True)
            pt = create_clinician("Pat Reed", discipline='physical',
                credential='pt')
            pta = create_clinician("Lou Ames", discipline='physical',
                credential='pta')
            party, = Party.create([{'name': "Harbor Medicare Advantage"}])
            plan, = Payer.create([{
                        'party': party.id, 'filing_indicator': '16',
                        'signed_note_required': False,
                        'modifier_rules': [('create', [
                                    {'sequence': 10, 'discipline': 'physical',
                                        'modifier': 'gp'},
                                    {'sequence': 20, 'discipline': 'speech',
                                        'modifier': 'GN'},
                                    {'sequence': 30, 'discipline': 'physical',
                                        'credentials': ['pta', 'cota'],
                                        'modifier': 'CQ'},
                                    {'sequence': 40, 'modality': 'telehealth',
                                        'modifier': 'GT', 'replaces': '95'},
                                    ])],
                        }])
            client = create_client("Ruth Gold")
            self_paying = create_client("Ben Ochs")
            Coverage.create([{
                        'client': client.id, 'payer': plan.id,
                        'member_id': 'H55120', 'start_date': (
                            dt.date.today() - dt.timedelta(days=30)),
                        }])

            def charged(hour, clinician, client=client, **values):
                appointment = practice.book(day_at(-1, hour), client,
                    clinician, exercise, state='completed', **values)
                charge, = Charge.search([
                        ('appointment', '=', appointment.id)])
                return charge

            self.assertEqual(charged(13, pt).modifiers, 'GP')
            assisted = charged(14, pta, modality='telehealth')
            self.assertEqual(assisted.modifiers, 'GT,GP,CQ')
            # no payer, no payer's rules: telehealth is 95
            self.assertEqual(
                charged(15, pt, self_paying, modality='telehealth').modifiers,
                '95')
            claim, = Claim.from_charges([assisted])
            line, = claim.lines
            self.assertEqual(line.modifiers, ['GT', 'GP', 'CQ'])

            def coding(claim):
                return [m for r, m in Claim(claim.id).scrub_findings()
                    if r == 'coding']
            self.assertEqual(coding(claim), [])

            # five would not fit a line: the claim is held, not cut
            Rule.create([{'payer': plan.id, 'sequence': 50 + i,
                        'discipline': 'physical', 'modifier': code}
                    for i, code in enumerate(['KX', 'U1'])])
            crowded = charged(16, pta, modality='telehealth')
            self.assertEqual(crowded.modifiers, 'GT,GP,CQ,KX,U1')
            claim, = Claim.from_charges([crowded])
            problem, = coding(claim)
            self.assertIn('5 modifiers (GT, GP, CQ, KX, U1)', problem)

            with self.assertRaises(ValidationError):
                Rule.create([{'payer': plan.id, 'modifier': '9.'}])
            # the charges and claims made on the way keep the ledger whole
            self.assertEqual(ledger_invariants.problems(pool.get(
                        'company.company')(Transaction().context['company'])),
                [])

    @with_transaction()
    def test_no_missed_appointment_fee_for_medicaid(self):
        "Medicaid forbids billing its beneficiaries for a no-show"
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Charge = pool.get('therapy.charge')
        Configuration = pool.get('therapy.configuration')
        Coverage = pool.get('therapy.coverage')
        with set_company(create_company()):
            practice = BillingPractice()
            Configuration.write([Configuration(1)], {
                    'no_show_fee': Decimal(75)})
            medicaid = practice.book(day_at(1))
            Coverage.write([practice.other_coverage], {
                    'end_date': dt.date.today() - dt.timedelta(days=1)})
            uninsured = practice.book(day_at(1), practice.other, practice.alex)
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
            practice = BillingPractice()
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
            practice = BillingPractice()
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

    @with_transaction()
    def test_coverages_of_one_priority_do_not_overlap(self):
        """A client has one primary (and one secondary) coverage on any
        day: a second one that meets it, even on its last day, is refused
        until the first ends; another priority the same days is kept"""
        pool = Pool()
        Coverage = pool.get('therapy.coverage')
        with set_company(create_company()):
            practice = BillingPractice()
            today = dt.date.today()
            primary = practice.coverage

            def new(start, priority='1', end=None):
                return Coverage.create([{
                            'client': practice.client.id,
                            'payer': practice.medicaid.id,
                            'member_id': 'M2', 'priority': priority,
                            'start_date': start, 'end_date': end}])

            # one that ends before the current one starts is history
            new(primary.start_date - dt.timedelta(days=60),
                end=primary.start_date - dt.timedelta(days=1))
            secondary, = new(today, priority='2')
            Coverage.write([primary], {'end_date': today})
            replacement, = new(today + dt.timedelta(days=1))
            self.assertEqual(Coverage.search([
                        ('client', '=', practice.client.id),
                        ('priority', '=', '1'),
                        ] + Coverage.in_effect_domain(
                        today + dt.timedelta(days=1))), [replacement])
            # refused last: a refused row stays in this test's transaction
            with self.assertRaisesRegex(ValidationError, 'already has'):
                new(today + dt.timedelta(days=5), priority='2')
            with self.assertRaisesRegex(ValidationError, 'already has'):
                new(today, end=today)  # the first one's last day


class AuthorizationEmailTestCase(
        CommittingTestMixin, OutboxMixin, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_billing')
        super().setUpClass()

    @with_transaction()
    def test_daily_warning_to_the_front_desk(self):
        Authorization = Pool().get('therapy.authorization')
        with set_company(create_company()):
            practice = BillingPractice()
            create_user('desk', ['therapy_scheduling.group_front_desk'],
                email='desk@example.com')
            create_user('other', ['therapy_scheduling.group_biller'],
                email='biller@example.com')
            for days in [1, 8, 15, 19]:
                practice.book(day_at(days))
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
            practice = BillingPractice()
            for days in [1, 8, 15, 19]:
                practice.book(day_at(days))
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
