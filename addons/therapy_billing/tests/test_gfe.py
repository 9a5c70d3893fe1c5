"""Good Faith Estimates (gfe.py) on a real database: a self-pay client's
booking makes one with its lines and total to the cent, an insured
client's makes none, the PDF carries the notices and the total, issuing
freezes it against every write, and charges billed $400 or more above it
raise the flag ($399.99 does not)."""
import datetime as dt
import io
import unittest
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import (
    Practice, as_user, create_client, create_clinician, create_service,
    create_user, day_at)

from ..gfe import EstimateError


def pdf_text(data):
    from pypdf import PdfReader
    return '\n'.join(p.extract_text() for p in PdfReader(
            io.BytesIO(data)).pages)


class EstimatePractice(Practice):
    """Sam pays for himself, Ivy is insured, Tia pays on the sliding
    scale; individual psychotherapy (90834) at $150.00"""

    def __init__(self):
        pool = Pool()
        Party = pool.get('party.party')
        Payer = pool.get('therapy.payer')
        Coverage = pool.get('therapy.coverage')
        Fee = pool.get('therapy.fee')
        Tier = pool.get('therapy.sliding.tier')
        SlidingScale = pool.get('therapy.sliding.scale')
        ICD10 = pool.get('therapy.icd10')
        Diagnosis = pool.get('therapy.client.diagnosis')
        super().__init__()
        today = dt.date.today()
        self.service = create_service()
        self.clinician = create_clinician("Dana Lee")
        self.sam = self.client = create_client("Sam Self")
        self.ivy = create_client("Ivy Insured")
        self.tia = create_client("Tia Tier")
        Fee.create([{'service': self.service.id, 'amount': Decimal('150.00'),
                    'start_date': today - dt.timedelta(days=30)}])
        party, = Party.create([{'name': "Acme Health"}])
        payer, = Payer.create([{'party': party.id}])
        Coverage.create([{'client': self.ivy.id, 'payer': payer.id,
                    'member_id': 'A1',
                    'start_date': today - dt.timedelta(days=30)}])
        self.tier, = Tier.create([{'name': "Tier B",
                    'max_percent': Decimal(200), 'fee': Decimal('60.00')}])
        SlidingScale.create([{'client': self.tia.id, 'household_size': 1,
                    'annual_income': Decimal(15000), 'region': 'contiguous',
                    'evidence_date': today,
                    'review_due': today + dt.timedelta(days=365)}])
        anxiety, = ICD10.search([('code', '=', 'F41.1')])
        Diagnosis.create([{'client': self.sam.id, 'code': anxiety.id}])


def run_queue():
    "Run the tasks queued so far (a booking's estimate), as after commit"
    Queue = Pool().get('ir.queue')
    tasks = Queue.search([('finished_at', '=', None)])
    for task in tasks:
        task.run()
    return len(tasks)


class GoodFaithEstimateTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_billing')

    def book_sam(self, practice):
        "Three sessions of Sam's, queued estimate made: his estimate"
        Estimate = Pool().get('therapy.good_faith_estimate')
        for days in [3, 10, 17]:
            practice.book(day_at(days))
        run_queue()
        estimate, = Estimate.search([('client', '=', practice.sam.id)])
        return estimate

    @with_transaction()
    def test_booking_makes_the_estimate_of_a_self_pay_client(self):
        pool = Pool()
        Estimate = pool.get('therapy.good_faith_estimate')
        with set_company(create_company()):
            practice = EstimatePractice()
            estimate = self.book_sam(practice)
            self.assertEqual(estimate.state, 'draft')
            self.assertEqual(estimate.origin, 'booking')
            first = (dt.date.today() + dt.timedelta(days=3))
            self.assertEqual(estimate.period_start, first)
            self.assertEqual(estimate.period_end,
                first.replace(year=first.year + 1) - dt.timedelta(days=1))
            self.assertEqual(estimate.diagnosis_codes, 'F41.1')
            self.assertEqual([(l.procedure_code, l.frequency, l.quantity,
                        l.unit_price, l.amount, l.sliding_tier)
                    for l in estimate.lines],
                [('90834', "As booked", 3, Decimal('150.00'),
                        Decimal('450.00'), None)])
            self.assertEqual(estimate.total, Decimal('450.00'))

            # booked again within the period: no second estimate
            practice.book(day_at(24))
            self.assertEqual(run_queue(), 0)
            self.assertEqual(
                Estimate.search_count([('client', '=', practice.sam.id)]), 1)

            # insured: none; on the sliding scale: the tier's fee
            practice.book(day_at(4), client=practice.ivy)
            practice.book(day_at(5), client=practice.tia)
            practice.book(day_at(12), client=practice.tia)
            run_queue()
            self.assertEqual(
                Estimate.search([('client', '=', practice.ivy.id)]), [])
            tia, = Estimate.search([('client', '=', practice.tia.id)])
            self.assertEqual([(l.quantity, l.unit_price, l.sliding_tier)
                    for l in tia.lines],
                [(2, Decimal('60.00'), practice.tier)])
            self.assertEqual(tia.total, Decimal('120.00'))

            # a session written in the past asks for nothing
            practice.book(day_at(-20), client=practice.tia)
            self.assertEqual(run_queue(), 0)

    @with_transaction()
    def test_issue_renders_the_pdf_and_locks_the_estimate(self):
        pool = Pool()
        Estimate = pool.get('therapy.good_faith_estimate')
        Line = pool.get('therapy.good_faith_estimate.line')
        Report = pool.get('therapy.good_faith_estimate.report',
            type='report')
        with set_company(create_company()):
            practice = EstimatePractice()
            estimate = self.book_sam(practice)
            desk = create_user('desk_gfe',
                ['therapy_scheduling.group_front_desk'])
            biller = create_user('biller_gfe',
                ['therapy_scheduling.group_biller'])
            clinician = create_user('clin_gfe',
                ['therapy_scheduling.group_clinician'], practice.clinician)
            with as_user(desk):
                # the workflow's fields are the server's, even on a draft
                with self.assertRaises(AccessError) as refused:
                    Estimate.write([Estimate(estimate.id)],
                        {'state': 'acknowledged'})
                self.assertIn("cannot be typed in", str(refused.exception))
                Estimate.issue([Estimate(estimate.id)])
            estimate = Estimate(estimate.id)
            self.assertEqual(estimate.state, 'issued')
            self.assertEqual(estimate.issue_date, dt.date.today())
            self.assertEqual(estimate.issued_by, desk)
            content = bytes(estimate.document)
            self.assertTrue(content.startswith(b'%PDF'))
            text = pdf_text(content)
            for words in ["Good Faith Estimate", "Sam Self", "90834",
                    "$450.00", "F41.1", "www.cms.gov/nosurprises",
                    "at least $400 more", "within 120 calendar days",
                    "a $25 fee to use the dispute process",
                    "not a contract", "Keep a copy",
                    f"Date issued: {dt.date.today()}"]:
                self.assertIn(words, text.replace('\n', ' '))

            with as_user(desk):
                for attempt in [
                        lambda: Estimate.write([Estimate(estimate.id)], {
                                'period_end': estimate.period_start}),
                        lambda: Estimate.delete([Estimate(estimate.id)]),
                        lambda: Line.write(list(estimate.lines),
                            {'quantity': 1}),
                        lambda: Line.delete(list(estimate.lines)),
                        ]:
                    with self.assertRaises(AccessError) as refused:
                        attempt()
                    self.assertIn("was issued on", str(refused.exception))
                    self.assertIn("supersedes this one",
                        str(refused.exception))
                # the diagnoses are the biller's to print
                with self.assertRaises(AccessError):
                    Report.execute([estimate.id], {})
            with as_user(biller):
                kind, printed, _, _ = Report.execute([estimate.id], {})
                self.assertEqual(bytes(printed), content)
            with as_user(clinician):
                with self.assertRaises(AccessError):
                    Estimate.search([])

            # a corrected one supersedes it
            with as_user(biller):
                Pool().get('therapy.client').request_good_faith_estimate(
                    [practice.sam])
                new, = Estimate.search([('client', '=', practice.sam.id),
                        ('state', '=', 'draft')])
                self.assertEqual(new.origin, 'request')
                Estimate.issue([new])
            self.assertEqual(Estimate(estimate.id).state, 'superseded')
            self.assertEqual(Estimate(estimate.id).superseded_by, new)

    @with_transaction()
    def test_front_desk_requests_an_estimate_not_for_the_insured(self):
        pool = Pool()
        Client = pool.get('therapy.client')
        Estimate = pool.get('therapy.good_faith_estimate')
        with set_company(create_company()):
            practice = EstimatePractice()
            practice.book(day_at(3))
            desk = create_user('desk_ask',
                ['therapy_scheduling.group_front_desk'])
            with as_user(desk):
                Client.request_good_faith_estimate([Client(practice.sam.id)])
                estimate, = Estimate.search([])
                self.assertEqual(estimate.origin, 'request')
                self.assertEqual(estimate.total, Decimal('150.00'))
                # the diagnoses are filled in, not shown to the front desk
                with self.assertRaises(AccessError):
                    Estimate.read([estimate.id], ['diagnosis_codes'])
                with self.assertRaises(EstimateError) as refused:
                    Client.request_good_faith_estimate(
                        [Client(practice.ivy.id)])
                self.assertIn("has insurance coverage in force",
                    str(refused.exception))
            self.assertEqual(Estimate(estimate.id).diagnosis_codes, 'F41.1')

    @with_transaction()
    def test_a_series_is_counted_over_the_estimates_months(self):
        "Every other week for a year, and a session booked apart"
        pool = Pool()
        Series = pool.get('therapy.appointment.series')
        Estimate = pool.get('therapy.good_faith_estimate')
        with set_company(create_company()):
            practice = EstimatePractice()
            today = dt.date.today()
            first = today + dt.timedelta(days=7)
            Series.create([{'client': practice.sam.id,
                        'clinician': practice.clinician.id,
                        'location': practice.location.id,
                        'service': practice.service.id,
                        'first_date': first, 'start_time': dt.time(10),
                        'frequency': 'weekly', 'interval': 2,
                        'end_type': 'never', 'skip_holidays': False}])
            practice.book(day_at(3))
            estimate, = Estimate.make([practice.sam])
            end = today.replace(year=today.year + 1) - dt.timedelta(days=1)
            self.assertEqual((estimate.period_start, estimate.period_end),
                (today, end))
            # every 14 days from the first date to the period's end
            every_other_week = (end - first).days // 14 + 1
            line, = estimate.lines
            self.assertEqual((line.procedure_code, line.frequency,
                    line.quantity),
                ('90834', "Every 2 weeks", every_other_week + 1))
            self.assertEqual(estimate.total,
                Decimal('150.00') * (every_other_week + 1))

    @with_transaction()
    def test_billed_400_over_the_estimate_raises_the_flag(self):
        pool = Pool()
        Estimate = pool.get('therapy.good_faith_estimate')
        Charge = pool.get('therapy.charge')
        Client = pool.get('therapy.client')
        with set_company(create_company()):
            practice = EstimatePractice()
            estimate = self.book_sam(practice)
            Estimate.issue([estimate])

            def bill(amount, days, **values):
                Charge.create([{
                            'company': Transaction().context['company'],
                            'client': practice.sam.id, 'kind': 'service',
                            'date': estimate.period_start
                            + dt.timedelta(days=days),
                            'service': practice.service.id,
                            'procedure_code': '90834', 'units': 1,
                            'unit_price': amount, 'amount': amount,
                            'responsibility': 'client', **values}])

            def flagged():
                return Estimate(estimate.id).over_estimate

            # $849.99 billed: $399.99 over the $450.00 estimate
            bill(Decimal('600.00'), 0)
            bill(Decimal('249.99'), 7)
            # neither outside the period, a void charge nor a fee counts
            bill(Decimal('500.00'), -1)
            bill(Decimal('500.00'), 8, state='void')
            bill(Decimal('500.00'), 9, kind='no_show', procedure_code=None)
            self.assertEqual(Estimate(estimate.id).billed,
                Decimal('849.99'))
            self.assertEqual(Estimate(estimate.id).over_by,
                Decimal('399.99'))
            self.assertFalse(flagged())
            self.assertEqual(
                Estimate.search([('over_estimate', '=', True)]), [])
            self.assertEqual(
                Client.search([('over_good_faith_estimate', '=', True)]), [])

            bill(Decimal('0.01'), 14)
            self.assertEqual(Estimate(estimate.id).over_by,
                Decimal('400.00'))
            self.assertTrue(flagged())
            self.assertEqual(
                Estimate.search([('over_estimate', '=', True)]), [estimate])
            self.assertIn(estimate,
                Estimate.search([('over_estimate', '!=', False)]))
            self.assertNotIn(estimate,
                Estimate.search([('over_estimate', '=', False)]))
            self.assertEqual(
                Client.search([('over_good_faith_estimate', '=', True)]),
                [practice.sam])
            self.assertTrue(Client(practice.sam.id).over_good_faith_estimate)

