"""Remittances posted into the ledger (REVENUE-CYCLE.md §3 and §5), each
path ending with the ledger invariants: a payer's answer with a contract
write-off and a client's share, a denial held, a claim we cannot find,
a reversal and its correction, interest, and what is refused."""
import datetime as dt
import unittest
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_billing import ledger_invariants
from therapy_scheduling.tests.fixtures import as_user, create_user

from .test_ledger import LedgerPractice

D = Decimal


def answer(claim_number, status='1', paid=D(0), adjustments=(),
        control_number=None, charge=D(150), payer_claim_number='PCN1',
        allowed=None):
    """A remittance claim (CLP) with one service line (SVC) whose
    adjustments are (group, reason, amount)"""
    return {
        'claim_number': claim_number,
        'status': status,
        'charge': charge,
        'paid': paid,
        'patient_responsibility': sum((a for g, _, a in adjustments
                    if g == 'PR'), D(0)),
        'payer_claim_number': payer_claim_number,
        'lines': [('create', [{
                        'control_number': control_number,
                        'procedure_code': '90834',
                        'units': D(1),
                        'charge': charge,
                        'paid': paid,
                        'allowed': allowed,
                        }])],
        '_adjustments': adjustments,
        }


class RemittanceCase(unittest.TestCase):
    "A test case with the remittance tests' small practice and helpers"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_billing')

    def remittance(self, practice, trace, answers, payment=None,
            offsets=()):
        "A draft remittance of the practice's payer"
        pool = Pool()
        Remittance = pool.get('therapy.remittance')
        Adjustment = pool.get('therapy.remittance.adjustment')
        claims = []
        for values in answers:
            values = dict(values)
            adjustments = values.pop('_adjustments')
            claims.append((values, adjustments))
        paid = sum((v['paid'] for v, _ in claims), D(0))
        remittance, = Remittance.create([{
                    'company': practice.company.id,
                    'payer': practice.payer.id,
                    'trace_number': trace,
                    'payment_method': 'ACH',
                    'payment_date': dt.date.today(),
                    'payment_amount': paid - sum(
                        (a for _, _, a in offsets), D(0))
                    if payment is None else payment,
                    'claims': [('create', [v for v, _ in claims])],
                    'provider_adjustments': [('create', [{
                                    'reason': r, 'reference': ref,
                                    'amount': a} for r, ref, a in offsets])],
                    }])
        for (_, adjustments), remittance_claim in zip(
                claims, remittance.claims):
            line, = remittance_claim.lines
            Adjustment.create([{
                        'remittance_claim': remittance_claim.id,
                        'line': line.id,
                        'group': g, 'reason': r, 'amount': a,
                        } for g, r, a in adjustments])
        return Remittance(remittance.id)

    def practice(self):
        "LedgerPractice, its guarantor with an address to invoice"
        Address = Pool().get('party.address')
        practice = LedgerPractice()
        Address.create([{'party': practice.client.guarantor.id,
                    'street': "1 Elm St", 'city': "Salem"}])
        return practice

    def post(self, remittance):
        Remittance = Pool().get('therapy.remittance')
        Remittance.post([remittance])
        return Remittance(remittance.id)

    def line(self, practice):
        return Pool().get('therapy.claim.line')(practice.line.id)

    def claim(self, practice):
        return Pool().get('therapy.claim')(practice.claim.id)

    def assert_ledger(self, practice):
        self.assertEqual(
            ledger_invariants.problems(practice.company), [])

    def balance(self, practice, name):
        "The debit - credit of the configured account name"
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        MoveLine = pool.get('account.move.line')
        account = Configuration(1).billing_account(name, practice.company)
        return sum((l.debit - l.credit for l in MoveLine.search([
                        ('account', '=', account.id),
                        ('move.state', '=', 'posted')])), D(0))

    def first_answer(self, practice):
        """The payer's first answer (EFT4: 90 paid, CO-45 35, PR-3 25),
        posted: (claim number, its adjustments)"""
        number = practice.claim.number
        first = [('CO', '45', D(35)), ('PR', '3', D(25))]
        self.post(self.remittance(practice, 'EFT4', [answer(
                        number, paid=D(90), adjustments=first)]))
        return number, first

    def patient_invoices(self, practice):
        Invoice = Pool().get('account.invoice')
        return Invoice.search([
                ('party', '=', practice.client.guarantor.id),
                ('state', 'in', ['posted', 'paid']),
                ], order=[('id', 'ASC')])


class RemittanceTestCase(RemittanceCase):

    @with_transaction()
    def test_client_share_written_off_when_the_payer_forbids_billing(self):
        """A payer that forbids billing its beneficiaries (Medicaid, QMB):
        the client's share leaves the payer in the remittance's move and is
        written off from the responsibility transfer, no invoice to the
        guarantor, the transfer netted and reconciled"""
        pool = Pool()
        Payer = pool.get('therapy.payer')
        MoveLine = pool.get('account.move.line')
        Configuration = pool.get('therapy.configuration')
        with set_company(create_company()):
            practice = self.practice()
            Payer.write([practice.payer],
                {'beneficiary_billing_prohibited': True})
            remittance = self.post(self.remittance(practice, 'EFT9', [
                        answer(practice.claim.number, paid=D(80),
                            control_number=practice.line.control_number,
                            adjustments=[('CO', '45', D(35)),
                                ('PR', '3', D(35))])]))
            self.assertEqual(
                [a.action for a in remittance.claims[0].all_adjustments],
                ['write_off', 'write_off_other'])
            self.assertEqual(self.patient_invoices(practice), [])
            transfer = Configuration(1).billing_account(
                'transfer_account', practice.company)
            lines = MoveLine.search([('account', '=', transfer.id)])
            self.assertEqual(sorted((l.debit, l.credit) for l in lines),
                [(D(0), D(35)), (D(35), D(0))])
            # the share's debit is in the remittance's move
            self.assertIn(remittance.move,
                [l.move for l in lines if l.debit])
            self.assertTrue(all(l.reconciliation for l in lines))
            self.assertEqual(
                self.balance(practice, 'write_off_account'), D(35))
            line = self.line(practice)
            self.assertEqual((line.paid, line.co, line.pr,
                    line.payer_balance), (D(80), D(35), D(35), D(0)))
            self.assertEqual(self.claim(practice).state, 'closed')
            self.assert_ledger(practice)

    @with_transaction()
    def test_paid_with_contract_write_off_and_client_share(self):
        """CO-45 written off, PR-2 and PR-3 billed to the guarantor, the
        payer owes nothing and the claim is paid; closed once the client
        pays the share, paid again when that payment is taken back"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        ClaimLine = pool.get('therapy.claim.line')
        MoveLine = pool.get('account.move.line')
        Reconciliation = pool.get('account.move.reconciliation')
        Configuration = pool.get('therapy.configuration')
        with set_company(create_company()):
            practice = self.practice()
            remittance = self.remittance(practice, 'EFT1', [answer(
                        practice.claim.number, paid=D(80),
                        control_number=practice.line.control_number,
                        allowed=D(115), adjustments=[('CO', '45', D(35)),
                            ('PR', '2', D(10)), ('PR', '3', D(25))])])
            remittance = self.post(remittance)
            self.assertEqual(remittance.state, 'posted')
            self.assertEqual(remittance.claims_matched, 1)
            line = self.line(practice)
            self.assertEqual((line.paid, line.co, line.pr, line.allowed,
                    line.payer_balance, line.patient_responsibility),
                (D(80), D(35), D(35), D(115), D(0), D(35)))
            self.assertEqual(self.claim(practice).state, 'paid')
            # the line paid, written off and its client's share moved to
            # the responsibility transfer on its receivable in one line of
            # the remittance's move, the answer's payment into clearing in
            # one
            invoice = line.invoice_line.invoice
            self.assertEqual(sorted(
                    (l.account == invoice.account, l.debit, l.credit)
                    for l in remittance.move.lines
                    if l.account == invoice.account
                    or l.account.code == '1.1.5'),
                [(False, D(80), D(0)), (True, D(0), D(150))])
            self.assertEqual([(l.debit, l.credit)
                    for l in remittance.move.lines
                    if l.account == Configuration(1).billing_account(
                        'transfer_account', practice.company)],
                [(D(35), D(0))])
            self.assertEqual(
                [a.action for a in remittance.claims[0].all_adjustments],
                ['write_off', 'transfer_patient', 'transfer_patient'])
            invoice, = self.patient_invoices(practice)
            self.assertEqual(invoice.total_amount, D(35))
            # the line as the claim line's own description names it (the
            # posting reads it as rows)
            self.assertIn(line._get_invoice_line_description(),
                invoice.lines[0].description)
            self.assertIn(practice.line.control_number,
                invoice.lines[0].description)
            self.assertEqual(
                self.balance(practice, 'insurance_clearing_account'), D(80))
            self.assertEqual(
                self.balance(practice, 'contractual_account'), D(35))
            self.assert_ledger(practice)

            # Kim pays the $35: the invoice is paid (by the queue, which
            # processes it) and the claim closed, both balances at 0
            cash, = pool.get('account.account').search([
                    ('code', '=', '1.1.1'),
                    ('company', '=', practice.company.id)])
            move, = ClaimLine._post_moves([(practice.company, [
                            MoveLine(account=cash, debit=D(35),
                                credit=D(0)),
                            MoveLine(account=invoice.account, debit=D(0),
                                credit=D(35), party=invoice.party),
                            ])], "Kim pays her share")
            paid, = [l for l in move.lines if l.account == invoice.account]
            MoveLine.reconcile(list(invoice.lines_to_pay) + [paid])
            Invoice.process([invoice])
            self.assertEqual(Invoice(invoice.id).state, 'paid')
            claim = self.claim(practice)
            self.assertEqual(claim.state, 'closed')
            self.assertEqual([e.state for e in claim.events][-2:],
                ['paid', 'closed'])
            self.assert_ledger(practice)

            # the payment bounces: Kim owes the share again
            Reconciliation.delete([Pool().get('account.move.line')(
                        paid.id).reconciliation])
            Invoice.process([Invoice(invoice.id)])
            self.assertEqual(Invoice(invoice.id).state, 'posted')
            claim = self.claim(practice)
            self.assertEqual(claim.state, 'paid')
            self.assertIn('taken back', claim.events[-1].reason)
            self.assert_ledger(practice)

    @with_transaction()
    def test_denial_is_held_on_the_payer(self):
        "CO-197 posts nothing: the balance waits in the denial queue"
        Adjustment = Pool().get('therapy.remittance.adjustment')
        with set_company(create_company()):
            practice = self.practice()
            self.post(self.remittance(practice, 'EFT2', [answer(
                            practice.claim.number, status='4',
                            adjustments=[('CO', '197', D(150))])],
                    payment=D(0)))
            claim = self.claim(practice)
            self.assertEqual(claim.state, 'denied')
            self.assertEqual(claim.payer_reason, 'CO-197 Precertification/'
                'authorization/notification absent')
            self.assertEqual(self.line(practice).payer_balance, D(150))
            queue = Adjustment.search([
                    ('action', '=', 'hold_denial'),
                    ('claim.state', '=', 'denied')])
            self.assertEqual([(a.reason, a.payer_balance) for a in queue],
                [('197', D(150))])
            self.assert_ledger(practice)

    @with_transaction()
    def test_practice_rules_come_before_the_defaults(self):
        """PI-45 is reviewed by default; the practice's rule for this
        payer writes it off as its contract; a rule for every payer (hold
        every CO) comes before the default (CO-45 written off), a payer's
        rule (CO-253 written off) before it"""
        pool = Pool()
        Rule = pool.get('therapy.remittance.rule')
        with set_company(create_company()):
            practice = self.practice()
            Rule.create([
                    {'payer': practice.payer.id, 'group': 'PI',
                        'reason': ' 45', 'action': 'write_off'},
                    {'group': 'CO', 'reason': '*',
                        'action': 'hold_denial'},
                    {'payer': practice.payer.id, 'group': 'CO',
                        'reason': '253', 'action': 'write_off'},
                    ])
            self.assertEqual(Rule.rules_for(practice.payer)[:2],
                [('PI', '45', 'write_off'), ('CO', '253', 'write_off')])
            remittance = self.post(self.remittance(practice, 'EFT20', [
                        answer(practice.claim.number, paid=D(100),
                            adjustments=[('PI', '45', D(40)),
                                ('CO', '253', D(2)),
                                ('CO', '45', D(8))])]))
            actions = sorted((a.group, a.reason, a.action)
                for a in remittance.claims[0].lines[0].adjustments)
            self.assertEqual(actions, [('CO', '253', 'write_off'),
                    ('CO', '45', 'hold_denial'), ('PI', '45', 'write_off')])
            line = self.line(practice)
            self.assertEqual((line.paid, line.pi, line.co,
                    line.payer_balance), (D(100), D(40), D(2), D(8)))
            self.assert_ledger(practice)

    @with_transaction()
    def test_who_keeps_the_rules_and_applies_cash(self):
        """The adjustment and provider adjustment rules are the biller's
        and the owner's to keep: the accountant reads them, the front desk
        and clinicians not at all; Apply to Claim and Apply to Line are
        refused to the accountant"""
        pool = Pool()
        Rule = pool.get('therapy.remittance.rule')
        PLBRule = pool.get('therapy.plb.rule')
        RemittanceClaim = pool.get('therapy.remittance.claim')
        RemittanceLine = pool.get('therapy.remittance.line')
        with set_company(create_company()):
            practice = self.practice()
            rule, = Rule.create([{'group': 'PI', 'reason': '45',
                        'action': 'write_off'}])
            remittance = self.post(self.remittance(practice, 'EFT40', [
                        answer('CLM-TYPO', paid=D(105),
                            adjustments=[('CO', '45', D(45))])]))
            users = {group: create_user(f'remittance_{group}',
                    [f'therapy_scheduling.group_{group}'])
                for group in ['front_desk', 'clinician', 'biller',
                    'accountant']}
            plb_rule, = PLBRule.create([{'reason': '72',
                        'account': Pool().get('therapy.configuration')(1
                            ).billing_account('write_off_account',
                            practice.company).id}])
        for group in ['front_desk', 'clinician']:
            with self.subTest(group=group), as_user(users[group]):
                for Model, record in [(Rule, rule), (PLBRule, plb_rule)]:
                    with self.assertRaises(AccessError):
                        Model.read([record.id], ['reason'])
                    with self.assertRaises(AccessError):
                        Model.search([])
                    with self.assertRaises(AccessError):
                        Model.export_data([Model(record.id)], ['reason'])
        with as_user(users['accountant']):
            self.assertEqual(Rule.search([]), [rule])
            self.assertEqual(PLBRule.search([]), [plb_rule])
            with self.assertRaises(AccessError):
                Rule.write([Rule(rule.id)], {'action': 'review'})
            with self.assertRaises(AccessError):
                PLBRule.write([PLBRule(plb_rule.id)], {'reason': 'CS'})
            with self.assertRaises(AccessButtonError):
                RemittanceClaim.apply_to_claim(
                    [RemittanceClaim(remittance.claims[0].id)])
            with self.assertRaises(AccessButtonError):
                RemittanceLine.apply_to_line(
                    [RemittanceLine(remittance.claims[0].lines[0].id)])
        with as_user(users['biller']):
            Rule.write([Rule(rule.id)], {'action': 'review'})
        self.assertEqual(Rule(rule.id).action, 'review')
        self.assert_ledger(practice)

    @with_transaction()
    def test_claim_not_found_is_unapplied_cash(self):
        "A payment for a claim we never sent is held, never dropped"
        with set_company(create_company()):
            practice = self.practice()
            remittance = self.post(self.remittance(practice, 'EFT3', [
                        answer('CLM-NOT-OURS', paid=D(60),
                            adjustments=[('CO', '45', D(90))])]))
            self.assertEqual(remittance.claims_unmatched, 1)
            self.assertEqual(remittance.unapplied, D(60))
            self.assertIn('CLM-NOT-OURS', remittance.posting_log)
            self.assertEqual(
                self.balance(practice, 'unapplied_cash_account'), D(-60))
            self.assertEqual(self.line(practice).payer_balance, D(150))
            self.assert_ledger(practice)

    @with_transaction()
    def test_unapplied_cash_applied_later(self):
        """A payment for a claim number the payer mistyped waits as
        unapplied cash; applied to our claim, it leaves unapplied cash and
        pays the claim once, in a move of its own, logged"""
        pool = Pool()
        RemittanceClaim = pool.get('therapy.remittance.claim')
        Claim = pool.get('therapy.claim')
        with set_company(create_company()):
            practice = self.practice()
            Claim.submit([practice.claim])
            remittance = self.post(self.remittance(practice, 'EFT30', [
                        answer('CLM-TYPO', paid=D(105),
                            adjustments=[('CO', '45', D(45))])]))
            self.assertEqual(
                self.balance(practice, 'unapplied_cash_account'), D(-105))
            held, = remittance.claims
            RemittanceClaim.apply(held, self.claim(practice))
            held = RemittanceClaim(held.id)
            self.assertEqual(held.claim, self.claim(practice))
            self.assertTrue(held.applied_move)
            self.assertEqual(held.applied_move.state, 'posted')
            self.assertEqual(
                self.balance(practice, 'unapplied_cash_account'), D(0))
            self.assertEqual(
                self.balance(practice, 'insurance_clearing_account'),
                D(105))
            line = self.line(practice)
            self.assertEqual((line.paid, line.co, line.payer_balance),
                (D(105), D(45), D(0)))
            self.assertEqual(self.claim(practice).state, 'closed')
            self.assertIn('CLM-TYPO', Pool().get('therapy.remittance')(
                    remittance.id).posting_log)
            self.assertEqual(Pool().get('therapy.remittance')(
                    remittance.id).unapplied, D(0))
            self.assert_ledger(practice)
            # once: an applied answer is not applied again
            with self.assertRaises(UserError) as raised:
                RemittanceClaim.apply(held, self.claim(practice))
            self.assertIn('not held as unapplied cash',
                raised.exception.message)
            self.assert_ledger(practice)

    @with_transaction()
    def test_unmatched_line_applied_later(self):
        """The payer answers our claim with a line we cannot tie to ours
        (another code, no line control number): its payment waits as
        unapplied cash and its adjustments post nothing; applied to our
        line, it pays and adjusts that line once, logged"""
        pool = Pool()
        RemittanceLine = pool.get('therapy.remittance.line')
        Remittance = pool.get('therapy.remittance')
        with set_company(create_company()):
            practice = self.practice()
            values = answer(practice.claim.number, paid=D(105),
                adjustments=[('CO', '45', D(45))])
            values['lines'][0][1][0]['procedure_code'] = '90837'
            remittance = self.post(self.remittance(practice, 'EFT31',
                    [values]))
            service, = remittance.claims[0].lines
            self.assertIsNone(service.claim_line)
            self.assertEqual(
                self.balance(practice, 'unapplied_cash_account'), D(-105))
            self.assertEqual(self.line(practice).payer_balance, D(150))

            RemittanceLine.apply(service, self.line(practice))
            service = RemittanceLine(service.id)
            self.assertEqual(service.claim_line, self.line(practice))
            self.assertEqual(service.applied_move.state, 'posted')
            self.assertEqual(
                self.balance(practice, 'unapplied_cash_account'), D(0))
            line = self.line(practice)
            self.assertEqual((line.paid, line.co, line.payer_balance),
                (D(105), D(45), D(0)))
            self.assertEqual(self.claim(practice).state, 'closed')
            self.assertIn('Line ', Remittance(remittance.id).posting_log)
            self.assert_ledger(practice)
            with self.assertRaises(UserError) as raised:
                RemittanceLine.apply(service, self.line(practice))
            self.assertIn('not held as unapplied cash',
                raised.exception.message)
            self.assert_ledger(practice)

    @with_transaction()
    def test_reversal_then_correction(self):
        """CLP02 = 22 takes the first answer back exactly (the client's
        share invoice credited) and the correction posts the new one"""
        with set_company(create_company()):
            practice = self.practice()
            number, first = self.first_answer(practice)
            second = self.post(self.remittance(practice, 'EFT5', [
                        answer(number, status='22', paid=D(-90),
                            charge=D(-150), adjustments=[
                                (g, r, -a) for g, r, a in first]),
                        answer(number, paid=D(100), allowed=D(120),
                            adjustments=[
                                ('CO', '45', D(30)), ('PR', '3', D(20))]),
                        ]))
            reversal, correction = second.claims
            self.assertEqual(reversal.reverses.remittance.trace_number,
                'EFT4')
            line = self.line(practice)
            # the correction's allowed amount lands on the line the
            # reversal touched first in the same file
            self.assertEqual((line.paid, line.co, line.pr, line.allowed,
                    line.payer_balance),
                (D(100), D(30), D(20), D(120), D(0)))
            self.assertEqual(self.claim(practice).state, 'paid')
            # the first share refunded (nothing was paid on it), the new
            # one billed
            Invoice = Pool().get('account.invoice')
            self.assertEqual(sorted((i.state, i.total_amount)
                    for i in Invoice.search([
                            ('party', '=', practice.client.guarantor.id)])),
                [('cancelled', D(25)), ('posted', D(-25)), ('posted', D(20))])
            self.assertEqual(
                self.balance(practice, 'insurance_clearing_account'), D(100))
            self.assertEqual(
                self.balance(practice, 'contractual_account'), D(30))
            self.assert_ledger(practice)

    @with_transaction()
    def test_reversal_alone_opens_the_paid_invoice_again(self):
        """A reversal in a remittance of its own: the payer owes the claim
        again and its paid invoice is open again (unreconciled); the
        correction a week later pays it, and it is reconciled again"""
        def reconciled(practice):
            invoice = self.claim(practice).payer_invoice
            return all(l.reconciliation for l in invoice.lines_to_pay)

        with set_company(create_company()):
            practice = self.practice()
            number, first = self.first_answer(practice)
            self.assertTrue(reconciled(practice))
            self.post(self.remittance(practice, 'EFT5', [answer(
                            number, status='22', paid=D(-90),
                            charge=D(-150), adjustments=[
                                (g, r, -a) for g, r, a in first])]))
            self.assertEqual(self.claim(practice).state, 'accepted')
            self.assertFalse(reconciled(practice))
            self.assertEqual(self.line(practice).payer_balance, D(150))
            self.assert_ledger(practice)
            self.post(self.remittance(practice, 'EFT6', [answer(
                            number, paid=D(100), adjustments=[
                                ('CO', '45', D(30)), ('PR', '3', D(20))])]))
            self.assertEqual(self.claim(practice).state, 'paid')
            self.assertTrue(reconciled(practice))
            self.assert_ledger(practice)

    @with_transaction()
    def test_reversal_must_take_back_what_was_posted(self):
        "A reversal of 80 against an answer that paid 90 is refused"
        with set_company(create_company()):
            practice = self.practice()
            number, first = self.first_answer(practice)
            reversal = self.remittance(practice, 'EFT5', [answer(
                        number, status='22', paid=D(-80), charge=D(-150),
                        adjustments=[('CO', '45', D(-45)),
                            ('PR', '3', D(-25))])])
            with self.assertRaises(UserError) as raised:
                self.post(reversal)
            self.assertIn('CO 45.00, PR 25.00, paid 80.00',
                raised.exception.message)
            self.assertIn('CO 35.00, PR 25.00, paid 90.00',
                raised.exception.message)

    @with_transaction()
    def test_interest_and_recoupment(self):
        """PLB L6 interest adds to the payment (interest income), WO takes
        money back (payer credit balances): BPR02 = CLP04 - PLB"""
        with set_company(create_company()):
            practice = self.practice()
            remittance = self.post(self.remittance(practice, 'EFT6', [
                        answer(practice.claim.number, paid=D(115),
                            adjustments=[('CO', '45', D(35))])],
                    offsets=[('L6', None, D('-2.50')),
                        ('WO', 'PCN0', D(10))]))
            self.assertEqual(remittance.payment_amount, D('107.50'))
            self.assertEqual(
                self.balance(practice, 'insurance_clearing_account'),
                D('107.50'))
            self.assertEqual(
                self.balance(practice, 'interest_account'), D('-2.50'))
            self.assertEqual(
                self.balance(practice, 'payer_credit_account'), D(10))
            self.assert_ledger(practice)

    @with_transaction()
    def test_claim_level_adjustment_lowers_the_lines_payment(self):
        """A claim-level CO-45 of 30 under a line paid 100: the payer paid
        CLP04 = 70, and 70 is what reaches the clearing account (CLP03 -
        CLP04 = the line's PR-2 50 + the claim's CO-45 30)"""
        Adjustment = Pool().get('therapy.remittance.adjustment')
        with set_company(create_company()):
            practice = self.practice()
            values = answer(practice.claim.number, paid=D(100),
                control_number=practice.line.control_number,
                adjustments=[('PR', '2', D(50))])
            values['paid'] = D(70)
            remittance = self.remittance(practice, 'EFT9', [values])
            Adjustment.create([{
                        'remittance_claim': remittance.claims[0].id,
                        'group': 'CO', 'reason': '45', 'amount': D(30),
                        }])
            remittance = self.post(remittance)
            self.assertEqual(remittance.payment_amount, D(70))
            line = self.line(practice)
            self.assertEqual((line.paid, line.co, line.pr, line.payer_balance),
                (D(70), D(30), D(50), D(0)))
            self.assertEqual(
                self.balance(practice, 'insurance_clearing_account'), D(70))
            self.assertEqual(
                self.balance(practice, 'payer_credit_account'), D(0))
            self.assertEqual(self.claim(practice).state, 'paid')
            self.assert_ledger(practice)

    @with_transaction()
    def test_refused_and_kept(self):
        """An unbalanced remittance posts nothing; a trace number is one
        payment; a posted remittance is not edited"""
        pool = Pool()
        Remittance = pool.get('therapy.remittance')
        RemittanceLine = pool.get('therapy.remittance.line')
        Move = pool.get('account.move')
        with set_company(create_company()):
            practice = self.practice()
            moves = Move.search([], count=True)
            unbalanced = self.remittance(practice, 'EFT7', [answer(
                        practice.claim.number, paid=D(90),
                        adjustments=[('CO', '45', D(60))])],
                payment=D(100))
            with self.assertRaises(UserError) as raised:
                Remittance.post([unbalanced])
            self.assertIn('does not balance', raised.exception.message)
            # the payment balances, a line does not: 150 is 90 + 50 + 10
            line_short = self.remittance(practice, 'EFT7b', [answer(
                        practice.claim.number, paid=D(90),
                        adjustments=[('CO', '45', D(50))])],
                payment=D(90))
            with self.assertRaises(UserError) as raised:
                Remittance.post([line_short])
            self.assertRegex(raised.exception.message,
                rf'claim {practice.claim.number}, line 90834: .* is not the '
                r'payment plus the adjustments \(10(\.00)? is not')
            self.assertEqual(Move.search([], count=True), moves)
            self.assertEqual(self.line(practice).paid, D(0))
            posted = self.post(self.remittance(practice, 'EFT8', [answer(
                            practice.claim.number, paid=D(115),
                            adjustments=[('CO', '45', D(35))])]))
            biller = create_user('biller', ['therapy_scheduling.group_biller'])
            with Transaction().set_user(biller.id), \
                    Transaction().set_context(_check_access=True):
                for model, records, values in [
                        (Remittance, [posted], {'trace_number': 'EFT9'}),
                        (RemittanceLine, posted.claims[0].lines,
                            {'paid': D(150)}),
                        (Remittance, [unbalanced], {'state': 'posted'}),
                        ]:
                    with self.subTest(model=model.__name__, values=values):
                        with self.assertRaisesRegex(
                                AccessError, 'is posted'):
                            model.write(records, values)
            self.assert_ledger(practice)
            # last: a refused insert ends the transaction on PostgreSQL
            with self.assertRaises(UserError) as raised:
                self.remittance(practice, 'EFT8', [], payment=D(0))
            self.assertIn('already recorded', raised.exception.message)

    @with_transaction()
    def test_only_billing_roles_read_remittances(self):
        """A remittance names clients and what they owe: the front desk and
        clinicians read it by no route; the accountant reads, not posts"""
        pool = Pool()
        Remittance = pool.get('therapy.remittance')
        RemittanceClaim = pool.get('therapy.remittance.claim')
        Adjustment = pool.get('therapy.remittance.adjustment')
        with set_company(create_company()):
            practice = self.practice()
            remittance = self.remittance(practice, 'EFT10', [answer(
                        practice.claim.number, paid=D(115),
                        adjustments=[('CO', '45', D(35))])])
            users = {group: create_user(f'remittance_{group}',
                    [f'therapy_scheduling.group_{group}'])
                for group in ['front_desk', 'clinician', 'biller',
                    'accountant']}
        answer_ = remittance.claims[0]
        adjustment = answer_.lines[0].adjustments[0]
        for group in ['front_desk', 'clinician']:
            with self.subTest(group=group), as_user(users[group]):
                for Model, record in [(Remittance, remittance),
                        (RemittanceClaim, answer_), (Adjustment, adjustment)]:
                    with self.assertRaises(AccessError):
                        Model.read([record.id], ['rec_name'])
                    with self.assertRaises(AccessError):
                        Model.search([])
                    with self.assertRaises(AccessError):
                        Model.export_data([Model(record.id)], ['id'])
        with as_user(users['accountant']):
            self.assertEqual(Remittance.search([]), [remittance])
            with self.assertRaises(AccessButtonError):
                Remittance.post([Remittance(remittance.id)])
        with as_user(users['biller']):
            Remittance.post([Remittance(remittance.id)])
        self.assertEqual(Remittance(remittance.id).state, 'posted')
        self.assert_ledger(practice)
