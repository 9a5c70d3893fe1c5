"""The ledger invariants catch what they are for: each check is broken on
purpose once, on a real ledger, and must name the problem."""
import datetime as dt
import unittest
from contextlib import contextmanager
from decimal import Decimal

from trytond.modules.account.tests.test_module import (
    create_chart, get_fiscalyear)
from trytond.modules.account_invoice.tests.test_module import (
    set_invoice_sequences)
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_billing import ledger_invariants
from therapy_scheduling.tests.fixtures import (
    Practice, create_client, create_clinician, create_service, create_user)


class LedgerPractice(Practice):
    "A chart, a payer, a client with a $25 copay, a posted $150 claim"

    def __init__(self):
        pool = Pool()
        Party = pool.get('party.party')
        Payer = pool.get('therapy.payer')
        Coverage = pool.get('therapy.coverage')
        Charge = pool.get('therapy.charge')
        Claim = pool.get('therapy.claim')
        FiscalYear = pool.get('account.fiscalyear')
        today = dt.date.today()
        self.company = Pool().get('company.company')(
            Transaction().context['company'])
        create_chart(self.company)
        fiscalyear = set_invoice_sequences(get_fiscalyear(self.company,
                start_date=today - dt.timedelta(days=200),
                end_date=today + dt.timedelta(days=30)))
        fiscalyear.save()
        FiscalYear.create_period([fiscalyear])
        super().__init__()
        self.service = create_service()
        self.clinician = create_clinician("Noa Lind", npi='1234567893')
        self.client = create_client("Kim Reyes")
        party, = Party.create([{'name': "Harbor Health",
                    'addresses': [('create', [{}])]}])
        self.payer, = Payer.create([{'party': party.id}])
        self.coverage, = Coverage.create([{
                    'client': self.client.id, 'payer': self.payer.id,
                    'member_id': 'M1', 'copay': Decimal(25),
                    'start_date': today - dt.timedelta(days=100)}])
        self.charge, = Charge.create([{
                    'company': self.company.id, 'client': self.client.id,
                    'kind': 'service', 'date': today - dt.timedelta(days=3),
                    'service': self.service.id, 'procedure_code': '90834',
                    'units': 1, 'unit_price': Decimal(150),
                    'amount': Decimal(150), 'responsibility': 'payer',
                    'coverage': self.coverage.id, 'payer': self.payer.id,
                    'diagnosis_codes': 'F41.1',
                    'rendering': self.clinician.id}])
        claims, _ = Charge.bill_charges([self.charge])
        self.claim, = claims
        Claim.ready([self.claim])
        self.line, = Claim(self.claim.id).lines

    def problems(self):
        return ledger_invariants.problems(self.company)


class LedgerCase(unittest.TestCase):
    "A test case with a LedgerPractice whose ledger holds"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_billing')

    @contextmanager
    def practice(self):
        with set_company(create_company()):
            practice = LedgerPractice()
            self.assertEqual(practice.problems(), [])
            yield practice


class LedgerInvariantsTestCase(LedgerCase):

    @with_transaction()
    def test_revenue_posted_twice(self):
        "A second invoice for the same claim line is revenue twice"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        with self.practice() as practice:
            invoice = practice.claim._get_invoice()
            Invoice.save([invoice])
            Invoice.post([invoice])
            problems = practice.problems()
            self.assertTrue(any('300.00 of revenue, expected 150' in p
                    for p in problems), problems)

    @with_transaction()
    def test_payer_not_billed_in_full(self):
        "A claim line billing less than its charge"
        ClaimLine = Pool().get('therapy.claim.line')
        with self.practice() as practice:
            ClaimLine.write([practice.line], {'billed': Decimal(125)})
            problems = practice.problems()
            self.assertTrue(any('bills 125' in p for p in problems), problems)

    @with_transaction()
    def test_rollup_without_ledger(self):
        "A payment rolled up on a line the ledger never saw"
        ClaimLine = Pool().get('therapy.claim.line')
        with self.practice() as practice:
            ClaimLine.write([practice.line], {'paid': Decimal(100)})
            problems = practice.problems()
            self.assertTrue(any('is not paid + adjustments' in p
                    for p in problems), problems)

    @with_transaction()
    def test_patient_share_kept_in_transfer(self):
        """A patient responsibility moved off the payer but never billed
        onward stays in the transfer account"""
        pool = Pool()
        ClaimLine = pool.get('therapy.claim.line')
        Claim = pool.get('therapy.claim')
        with self.practice() as practice:
            invoice = Claim(practice.claim.id).payer_invoice
            ClaimLine._post_moves([(practice.company, [
                            practice.line._get_move_line(
                                invoice.account, Decimal(-25), invoice.party),
                            practice.line._get_move_line(
                                self.transfer_account(practice), Decimal(25)),
                            ])], "transfer never billed")
            ClaimLine.write([practice.line], {'pr': Decimal(25)})
            problems = practice.problems()
            self.assertTrue(any('does not net to zero (25' in p
                    for p in problems), problems)

    def transfer_account(self, practice):
        Configuration = Pool().get('therapy.configuration')
        return Configuration(1).billing_account(
            'transfer_account', practice.company)

    @with_transaction()
    def test_deposit_negative(self):
        "A guarantor's deposits used beyond what they paid"
        pool = Pool()
        ClaimLine = pool.get('therapy.claim.line')
        Configuration = pool.get('therapy.configuration')
        MoveLine = pool.get('account.move.line')
        with self.practice() as practice:
            deposit = Configuration(1).billing_account(
                'deposit_account', practice.company)
            cash, = Pool().get('account.account').search([
                    ('code', '=', '1.1.1'),
                    ('company', '=', practice.company.id)])
            ClaimLine._post_moves([(practice.company, [
                            MoveLine(account=deposit, debit=Decimal(10),
                                credit=Decimal(0), party=practice.client.party),
                            MoveLine(account=cash, debit=Decimal(0),
                                credit=Decimal(10)),
                            ])], "deposit refunded twice")
            problems = practice.problems()
            self.assertTrue(any('deposits of Kim Reyes are negative' in p
                    for p in problems), problems)

    @with_transaction()
    def test_charge_on_two_claims(self):
        "The same charge on a second active claim of the same payer"
        Claim = Pool().get('therapy.claim')
        with self.practice() as practice:
            other, = Claim.create([{
                        'company': practice.company.id,
                        'client': practice.client.id,
                        'coverage': practice.coverage.id,
                        'date': practice.charge.date}])
            Claim.add_lines([(other, [practice.charge])])
            problems = practice.problems()
            self.assertTrue(any('sits on 2 active claim lines' in p
                    for p in problems), problems)

    @with_transaction()
    def test_correction_posts_once(self):
        "A claim corrected and made ready again posts nothing more"
        pool = Pool()
        Claim = pool.get('therapy.claim')
        MoveLine = pool.get('account.move.line')
        with self.practice() as practice:
            claim = Claim(practice.claim.id)
            before = MoveLine.search([], count=True)
            Claim.submit([claim])
            Claim.do_reject([claim], "A7:164 member not found")
            Claim.correct([claim])
            Claim.ready([claim])
            self.assertEqual(MoveLine.search([], count=True), before)
            self.assertEqual(practice.problems(), [])
            self.assertEqual([e.reason for e in claim.events if e.reason],
                ["A7:164 member not found"])

    @with_transaction()
    def test_transfer_more_than_owed(self):
        "The payer cannot move on more than it still owes on a line"
        ClaimLine = Pool().get('therapy.claim.line')
        with self.practice() as practice:
            with self.assertRaisesRegex(Exception, 'more than the payer'):
                ClaimLine.transfer_responsibility(
                    {practice.line: Decimal(151)})

    @with_transaction()
    def test_server_owned_fields(self):
        "What a client sends cannot post, state or re-bill a claim"
        pool = Pool()
        Claim = pool.get('therapy.claim')
        ClaimLine = pool.get('therapy.claim.line')
        Charge = pool.get('therapy.charge')
        with self.practice() as practice:
            claim = Claim(practice.claim.id)
            biller = create_user('biller', ['therapy_scheduling.group_biller'])
            as_biller = Transaction().set_user(biller.id)
            with as_biller, Transaction().set_context(_check_access=True):
                for model, records, values, message in [
                        (Claim, [claim], {'state': 'paid'}, 'its buttons'),
                        (Claim, [claim], {'payer_reason': "none"},
                            'its buttons'),
                        (Claim, [claim], {'coverage': claim.coverage.id},
                            'not a draft'),
                        (ClaimLine, [practice.line], {'paid': 150},
                            'only its modifiers'),
                        (ClaimLine, [practice.line], {'modifier_1': 'HO'},
                            'not a draft'),
                        (Charge, [practice.charge], {'state': 'pending'},
                            'by billing it'),
                        ]:
                    with self.subTest(model=model.__name__, values=values):
                        with self.assertRaisesRegex(AccessError, message):
                            model.write(records, values)
                Claim.write([claim], {'payer_claim_number': 'ICN-1'})
            Claim.correct([claim])
            with Transaction().set_user(biller.id), \
                    Transaction().set_context(_check_access=True):
                ClaimLine.write([practice.line], {'modifier_1': 'HO'})
            self.assertEqual(ClaimLine(practice.line.id).modifiers, ['HO'])
