"""The revenue-cycle views on a small practice (one payer, one client, a
$150 claim): the denial queue's deadline, assignee, next step and
resubmission; the A/R aging from the ledger; days to pay; first-pass and
denial rates by payer, reason and procedure; underpayments against the fee
schedule; and who may read them. Every path that posts ends with the
ledger invariants."""
import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import as_user, create_user

from .test_remittance import RemittanceCase, answer

D = Decimal
REPORTS = ['therapy.ar.aging', 'therapy.payer.days_to_pay',
    'therapy.payer.rates', 'therapy.carc.rates', 'therapy.cpt.rates',
    'therapy.underpayment']


class RevenueReportTestCase(RemittanceCase):

    def submitted(self):
        "The practice with its claim sent to the payer"
        Claim = Pool().get('therapy.claim')
        practice = self.practice()
        Claim.submit([self.claim(practice)])
        return practice

    def deny(self, practice, reason, trace='EFT1'):
        return self.post(self.remittance(practice, trace, [answer(
                        practice.claim.number, status='4',
                        control_number=practice.line.control_number,
                        adjustments=[('CO', reason, D(150))])],
                payment=D(0)))

    def pay(self, practice, trace='EFT1', allowed=D(115)):
        "$80 paid, $35 written off, $35 the client's share"
        return self.post(self.remittance(practice, trace, [answer(
                        practice.claim.number, paid=D(80),
                        control_number=practice.line.control_number,
                        allowed=allowed, adjustments=[('CO', '45', D(35)),
                            ('PR', '2', D(10)), ('PR', '3', D(25))])]))

    def queue(self):
        """What Billing > Denial Queue lists to this company's biller, in
        its order (the tests run as root, whom no company rule limits:
        another test's committed denials must not show)"""
        pool = Pool()
        Action = pool.get('ir.action.act_window')
        ModelData = pool.get('ir.model.data')
        Adjustment = pool.get('therapy.remittance.adjustment')
        action = Action(ModelData.get_id('therapy_billing',
                'act_denial_queue'))
        decode = PYSONDecoder({}).decode
        company = Transaction().context['company']
        return Adjustment.search(decode(action.domain)
            + [('remittance_claim.remittance.company', '=', company)],
            order=decode(action.order))

    def rows(self, name, **context):
        Model = Pool().get(name)
        with Transaction().set_context(**context):
            return Model.search([])

    @with_transaction()
    def test_denial_queue_deadline_next_action_and_assignee(self):
        """A CO-197 denial: appeal by the payer's limit, assigned by a
        biller on the posted remittance, nothing else written"""
        pool = Pool()
        Payer = pool.get('therapy.payer')
        Adjustment = pool.get('therapy.remittance.adjustment')
        today = dt.date.today()
        with set_company(create_company()):
            practice = self.submitted()
            Payer.write([practice.payer], {'appeal_days': 60})
            self.deny(practice, '197')
            denial, = self.queue()
            self.assertEqual((denial.reason, denial.payer, denial.denied_on,
                    denial.appeal_deadline, denial.next_action),
                ('197', practice.payer, today,
                    today + dt.timedelta(days=60), 'appeal'))
            biller = create_user('biller', ['therapy_scheduling.group_biller'])
            with as_user(biller):
                Adjustment.write([Adjustment(denial.id)],
                    {'assignee': biller.id})
                with self.assertRaisesRegex(AccessError, 'is posted'):
                    Adjustment.write([Adjustment(denial.id)],
                        {'assignee': None, 'reason': '45'})
            denial = Adjustment(denial.id)
            self.assertEqual((denial.assignee, denial.reason),
                (biller, '197'))
            self.assert_ledger(practice)

    @with_transaction()
    def test_denial_queue_default_deadline_and_appealed_claim(self):
        "180 days when the payer says nothing; an appealed claim waits"
        Claim = Pool().get('therapy.claim')
        today = dt.date.today()
        with set_company(create_company()):
            practice = self.submitted()
            self.assertEqual(practice.payer.appeal_days, 180)
            self.deny(practice, '50')
            Claim.appeal([self.claim(practice)])
            denial, = self.queue()
            self.assertEqual((denial.appeal_deadline, denial.next_action),
                (today + dt.timedelta(days=180), 'wait_appeal'))
            self.assert_ledger(practice)

    @with_transaction()
    def test_correct_and_resubmit_drafts_the_replacement(self):
        "CO-16 (claim lacks information): resubmitted as a corrected claim"
        pool = Pool()
        Adjustment = pool.get('therapy.remittance.adjustment')
        Claim = pool.get('therapy.claim')
        with set_company(create_company()):
            practice = self.submitted()
            self.deny(practice, '16')
            denial, = self.queue()
            self.assertEqual(denial.next_action, 'correct')
            biller = create_user('biller', ['therapy_scheduling.group_biller'])
            with as_user(biller):
                Adjustment.resubmit([Adjustment(denial.id)])
            claim = self.claim(practice)
            correction, = claim.corrections
            self.assertEqual((correction.frequency_code, correction.state,
                    correction.payer_claim_number),
                ('7', 'draft', 'PCN1'))
            self.assertEqual(Adjustment(denial.id).next_action,
                'wait_correction')
            # posting the replacement takes the claim off the queue
            Claim.ready([correction])
            self.assertEqual(self.claim(practice).state, 'replaced')
            self.assertEqual(self.queue(), [])
            self.assert_ledger(practice)

    @with_transaction()
    def test_aging_from_the_ledger_payer_then_client(self):
        """The claim's $150 is the payer's, 0-30 days today and 31-60 on
        day 45; once paid the payer owes nothing and the client's $35
        share is the guarantor's"""
        pool = Pool()
        Party = pool.get('party.party')
        today = dt.date.today()
        with set_company(create_company()):
            practice = self.submitted()
            payer_party = Party(practice.payer.party.id)
            row, = self.rows('therapy.ar.aging')
            self.assertEqual((row.party, row.kind, row.days_0_30,
                    row.days_31_60, row.total),
                (payer_party, 'insurance', D(150), D(0), D(150)))
            row, = self.rows('therapy.ar.aging',
                date=today + dt.timedelta(days=45))
            self.assertEqual((row.days_0_30, row.days_31_60, row.total),
                (D(0), D(150), D(150)))
            row, = self.rows('therapy.ar.aging',
                date=today + dt.timedelta(days=121))
            self.assertEqual((row.days_91_120, row.days_over_120),
                (D(0), D(150)))
            self.pay(practice)
            row, = self.rows('therapy.ar.aging')
            self.assertEqual((row.party, row.kind, row.days_0_30, row.total),
                (practice.client.guarantor, 'patient', D(35), D(35)))
            # the day before the claim was billed, nobody owed anything
            self.assertEqual(self.rows('therapy.ar.aging',
                    date=today - dt.timedelta(days=1)), [])
            self.assert_ledger(practice)

    @with_transaction()
    def test_days_to_pay_and_first_pass(self):
        "Submitted and paid today: one claim, 0 days, accepted first time"
        with set_company(create_company()):
            practice = self.submitted()
            self.assertEqual(self.rows('therapy.payer.days_to_pay'), [])
            self.pay(practice)
            row, = self.rows('therapy.payer.days_to_pay')
            self.assertEqual((row.payer, row.claims, row.median_days,
                    row.p90_days), (practice.payer, 1, 0.0, 0.0))
            row, = self.rows('therapy.payer.rates')
            self.assertEqual((row.payer, row.claims, row.first_pass,
                    row.first_pass_rate, row.lines, row.denied_lines,
                    row.denial_rate),
                (practice.payer, 1, 1, 100.0, 1, 0, 0.0))
            row, = self.rows('therapy.cpt.rates')
            self.assertEqual((row.procedure_code, row.lines,
                    row.denied_lines, row.denial_rate),
                ('90834', 1, 0, 0.0))
            self.assertEqual(self.rows('therapy.carc.rates'), [])
            # a period before the payment holds nothing
            yesterday = dt.date.today() - dt.timedelta(days=1)
            self.assertEqual(self.rows('therapy.payer.days_to_pay',
                    to_date=yesterday), [])
            self.assertEqual(self.rows('therapy.payer.rates',
                    to_date=yesterday), [])
            self.assert_ledger(practice)

    @with_transaction()
    def test_denial_rates_by_payer_reason_and_procedure(self):
        "A denied claim is no first pass; its line is denied for CO-197"
        with set_company(create_company()):
            practice = self.submitted()
            self.deny(practice, '197')
            row, = self.rows('therapy.payer.rates')
            self.assertEqual((row.claims, row.first_pass,
                    row.first_pass_rate, row.lines, row.denied_lines,
                    row.denial_rate), (1, 0, 0.0, 1, 1, 100.0))
            row, = self.rows('therapy.carc.rates')
            self.assertEqual((row.reason, row.description, row.lines,
                    row.denied_lines, row.denial_rate),
                ('197', 'Precertification/authorization/notification '
                    'absent', 1, 1, 100.0))
            row, = self.rows('therapy.cpt.rates')
            self.assertEqual((row.lines, row.denied_lines), (1, 1))
            self.assertEqual(self.rows('therapy.payer.days_to_pay'), [])
            self.assertEqual(self.rows('therapy.underpayment'), [])
            self.assert_ledger(practice)

    @with_transaction()
    def test_underpayment_against_the_contracted_fee(self):
        """Contracted $120, allowed $115: $5 short, over the $1.00
        tolerance; not with a $10 tolerance nor when allowed in full"""
        pool = Pool()
        Fee = pool.get('therapy.fee')
        Configuration = pool.get('therapy.configuration')
        today = dt.date.today()
        with set_company(create_company()):
            practice = self.submitted()
            Fee.create([{'service': practice.service.id,
                        'payer': practice.payer.id, 'amount': D(120),
                        'start_date': today - dt.timedelta(days=30)}])
            self.pay(practice)
            self.assertEqual(
                Configuration(1).underpayment_tolerance, D('1.00'))
            row, = self.rows('therapy.underpayment')
            self.assertEqual((row.payer, row.claim_line, row.procedure_code,
                    row.contracted, row.allowed, row.shortfall),
                (practice.payer, practice.line, '90834', D(120), D(115),
                    D(5)))
            Configuration.write([Configuration(1)],
                {'underpayment_tolerance': D(10)})
            self.assertEqual(self.rows('therapy.underpayment'), [])
            self.assert_ledger(practice)

    @with_transaction()
    def test_allowed_in_full_is_no_underpayment(self):
        "Allowed $120 of a $120 contract: nothing to chase"
        Fee = Pool().get('therapy.fee')
        today = dt.date.today()
        with set_company(create_company()):
            practice = self.submitted()
            Fee.create([{'service': practice.service.id,
                        'payer': practice.payer.id, 'amount': D(115),
                        'start_date': today - dt.timedelta(days=30)}])
            self.pay(practice)
            self.assertEqual(self.rows('therapy.underpayment'), [])
            self.assert_ledger(practice)

    @with_transaction()
    def test_who_reads_the_reports(self):
        """The front desk and clinicians read none of them by any route;
        the accountant reads the aging only; the biller and owner all"""
        pool = Pool()
        with set_company(create_company()):
            practice = self.submitted()
            users = {group: create_user(group,
                    [f'therapy_scheduling.group_{group}'])
                for group in ['front_desk', 'clinician', 'biller',
                    'accountant', 'owner']}
            aging, = self.rows('therapy.ar.aging')
            for group in ['front_desk', 'clinician']:
                for name in REPORTS:
                    Model = pool.get(name)
                    with self.subTest(group=group, model=name), \
                            as_user(users[group]):
                        with self.assertRaises(AccessError):
                            Model.search([])
                        with self.assertRaises(AccessError):
                            Model.read([aging.id], ['id'])
                        with self.assertRaises(AccessError):
                            Model.export_data([Model(aging.id)], ['id'])
            with as_user(users['accountant']):
                Aging = pool.get('therapy.ar.aging')
                self.assertEqual(
                    [r.total for r in Aging.search([])], [D(150)])
                with self.assertRaises(AccessError):
                    pool.get('therapy.underpayment').search([])
            for group in ['biller', 'owner']:
                with self.subTest(group=group), as_user(users[group]):
                    for name in REPORTS:
                        pool.get(name).search([])
                    self.assertEqual([r.party for r in pool.get(
                                'therapy.ar.aging').search([])],
                        [practice.payer.party])
