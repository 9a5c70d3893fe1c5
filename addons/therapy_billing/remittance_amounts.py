"""What one remittance's posting counts before it writes anything: the
rows of its move, and what they do to each claim line's balance and
roll-ups (the posting rules are in remittance_posting.py).

The claim lines, service lines and adjustments an answer touches are read
for a slice of answers at once, as rows where a record per line read
through its relations cost more than the posting of its payment."""
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model.fields import SQL_OPERATORS
from trytond.pool import Pool
from trytond.transaction import Transaction

from .adjustment_rules import plan
from .batch import slices
from . import rows_sql
from .ledger_sql import line_row

ZERO = Decimal(0)
ROLLUP = {'CO': 'co', 'OA': 'oa', 'PI': 'pi', 'CR': 'oa', 'PR': 'pr'}
# the claim line's amounts an answer adds to
ROLLUPS = ['allowed', 'paid', 'co', 'pr', 'oa', 'pi']
PATIENT = {'transfer_patient', 'transfer_next_payer', 'write_off_other'}


class Part:
    """A service line (SVC) or one of its adjustments (CAS) as the posting
    reads it: a row's values (and the adjustment's action, set by the
    posting), not a record. A remittance has tens of thousands, and their
    records' first read of a field, every column of a window of them,
    cost more than posting their amounts"""

    def __init__(self, model, **values):
        self._model = model
        self.__dict__.update(values)

    @property
    def rec_name(self):
        return Pool().get(self._model)(self.id).rec_name


class Amounts:
    "The ledger lines of one remittance's move, and what they did to lines"

    def __init__(self, remittance):
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        Rule = pool.get('therapy.remittance.rule')
        self.remittance = remittance
        self.company = remittance.company
        self.payer = remittance.payer
        self.rules = Rule.rules_for(self.payer)
        configuration = Configuration(1)
        accounts = {}

        def account(name):
            # thousands of lines a remittance, a few accounts
            if name not in accounts:
                accounts[name] = configuration.billing_account(
                    name, self.company)
            return accounts[name]
        self.account = account
        self.lines = []
        # {claim line id: (account id, party id)} of its payer receivable
        self.receivables = {}
        self.balances = {}
        # one record per claim line: each read of a relation is a new
        # instance, and the roll-ups must add up on the one saved
        self.records = {}
        self.adjustments = []
        self.transfers = defaultdict(lambda: ZERO)
        self.reversed_transfers = defaultdict(lambda: ZERO)
        # the claims an answer was taken back from (their paid payer
        # invoice is open again)
        self.reversed_claims = set()
        self.log = []
        # {claim id: Claim.payers_after()}, read for a slice of answers at
        # once (Claim.payers_of)
        self.coverage = {}
        # {answer id: its service lines}, {service line id: its
        # adjustments}, as Parts (read_parts)
        self.services = {}
        self.service_adjustments = defaultdict(list)
        # {claim line id: paid}, as the posting left it, of the lines it
        # paid (the others' is the ledger's)
        self.paid = {}
        # {claim line id: what the payer owed on it before this move},
        # read for a slice of claims at once (read_lines)
        self.opening = {}
        # {claim line id: invoiced and its claim active}, of the lines
        # read_lines read
        self.active = {}
        # {claim line id: invoiced}, {claim id: [its active lines' ids],
        # in the order of its lines}, and the lines as records of a
        # slice's browse, of the claims read_lines read
        self.billed = {}
        self.claim_lines = {}
        self.browsed = {}
        # {service line id: its claim line id}, of read_parts
        self.service_line = {}

    # the move's lines are rows for ledger_sql.post_move (dicts of ids):
    # a remittance makes thousands, and an unsaved account.move.line
    # record cost more to make and to read back than its posting

    def move_line(self, account, amount, origin, party=None):
        """Dr amount (Cr when negative) on account, or on the configured
        account of that name"""
        if isinstance(account, str):
            account = self.account(account)
        self.lines.append(line_row(account.id, amount, origin,
                (party or self.payer.party).id
                if account.party_required else None))

    def record(self, claim_line):
        return self.records.setdefault(claim_line.id, claim_line)

    def line(self, line_id):
        """The record of a claim line of the claims read_lines read: made
        by the slice's browse, its fields are read with the slice's"""
        if line_id not in self.records:
            self.records[line_id] = self.browsed.get(line_id) or Pool().get(
                'therapy.claim.line')(line_id)
        return self.records[line_id]

    def line_of(self, service):
        """The claim line record a service line (SVC, a Part of
        read_parts, which maps every one) answers, or None"""
        line_id = self.service_line[service.id]
        return self.line(line_id) if line_id is not None else None

    def is_billed(self, claim_line):
        "Has the payer been invoiced claim_line?"
        if claim_line.id in self.billed:
            return self.billed[claim_line.id]
        return bool(claim_line.invoice_line)

    def lines_of(self, claim):
        """The lines of claim the payer is billed by, in order: its
        invoiced lines when it is active, else none"""
        if claim.id in self.claim_lines:
            return [self.line(i) for i in self.claim_lines[claim.id]]
        return [l for l in claim.lines if l.invoice_line] if (
            claim.active) else []

    def read_lines(self, claim_ids):
        """Read, for the lines of the claims, the payer receivable
        (account, party) and what the payer owes before this move (the
        ledger's balance of an invoiced line of an active claim, else
        nothing). The lines, their invoices and claims' states as rows and
        the balances with one getter call: a line's invoice line, invoice
        and claim as records cost more than the posting of its payment"""
        pool = Pool()
        Claim = pool.get('therapy.claim')
        ClaimLine = pool.get('therapy.claim.line')
        InvoiceLine = pool.get('account.invoice.line')
        Invoice = pool.get('account.invoice')
        line = ClaimLine.__table__()
        claim = Claim.__table__()
        invoice_line = InvoiceLine.__table__()
        invoice = Invoice.__table__()
        cursor = Transaction().connection.cursor()
        owed = []
        for chunk in slices(sorted(set(claim_ids))):
            for claim_id in chunk:
                self.claim_lines[claim_id] = []
            cursor.execute(*line.join(claim,
                    condition=line.claim == claim.id
                    ).join(invoice_line, 'LEFT',
                    condition=line.invoice_line == invoice_line.id
                    ).join(invoice, 'LEFT',
                    condition=invoice_line.invoice == invoice.id).select(
                    line.claim, line.id, line.invoice_line, invoice.account,
                    invoice.party, claim.state, claim.frequency_code,
                    *(getattr(line, n) for n in ROLLUPS),
                    where=SQL_OPERATORS['in'](line.claim, chunk),
                    # the order of a claim's lines (ClaimLine._order)
                    order_by=[line.claim.asc, line.sequence.asc,
                        line.id.asc]))
            line_ids, rollups = [], {}
            for (claim_id, line_id, billed, account, party, state,
                    frequency_code, *amounts) in cursor:
                line_ids.append(line_id)
                rollups[line_id] = dict(zip(ROLLUPS, amounts))
                if account is not None:
                    self.receivables.setdefault(line_id, (account, party))
                self.billed[line_id] = billed is not None
                self.active[line_id] = bool(
                    billed and Claim.is_active(state, frequency_code))
                if self.active[line_id]:
                    owed.append(line_id)
                    self.claim_lines[claim_id].append(line_id)
                else:
                    self.opening[line_id] = ZERO
            # records made by one browse a slice: made one by one through
            # the answers' relations, each read its own window of lines
            # and made a record of every line's invoice line there; their
            # roll-ups are all the answers read of them
            for ids in slices(line_ids):
                records = ClaimLine.browse(ids)
                rows_sql.preload(ClaimLine, records, ROLLUPS, rollups)
                self.browsed.update(zip(ids, records))
        for chunk in slices(owed):
            self.opening.update(ClaimLine.get_balances(
                    ClaimLine.browse(chunk), ['payer_balance'])[
                    'payer_balance'])

    def read_parts(self, answer_ids):
        """The service lines of the answers and their adjustments, in the
        order of their One2Many fields (id), as Parts: read through each
        answer's and each line's field they were a fifth of posting the
        answers, and as records of one browse their fields' first read
        was a tenth"""
        pool = Pool()
        RemittanceLine = pool.get('therapy.remittance.line')
        Adjustment = pool.get('therapy.remittance.adjustment')
        service = RemittanceLine.__table__()
        adjustment = Adjustment.__table__()
        cursor = Transaction().connection.cursor()
        of_answer = []
        for answer_id in answer_ids:
            self.services[answer_id] = []
        for chunk in slices(sorted(set(answer_ids))):
            cursor.execute(*service.select(service.remittance_claim,
                    service.id, service.claim_line, service.paid,
                    service.allowed,
                    where=SQL_OPERATORS['in'](service.remittance_claim, chunk),
                    order_by=[service.id.asc]))
            for answer_id, service_id, line_id, paid, allowed in cursor:
                of_answer.append(service_id)
                self.service_line[service_id] = line_id
                self.services[answer_id].append(Part(
                        RemittanceLine.__name__, id=service_id, paid=paid,
                        allowed=allowed))
        for chunk in slices(of_answer):
            cursor.execute(*adjustment.select(adjustment.line, adjustment.id,
                    adjustment.group, adjustment.reason, adjustment.amount,
                    adjustment.action,
                    where=SQL_OPERATORS['in'](adjustment.line, chunk),
                    order_by=[adjustment.id.asc]))
            for line_id, id_, group, reason, amount, action in cursor:
                self.service_adjustments[line_id].append(Part(
                        Adjustment.__name__, id=id_, group=group,
                        reason=reason, amount=amount, action=action))

    def services_of(self, answer):
        "The service lines of answer, read with others' when it was"
        if answer.id not in self.services:
            self.read_parts([answer.id])
        return self.services[answer.id]

    def receivable(self, claim_line, amount):
        "Cr amount off the payer's receivable of claim_line (Dr if negative)"
        claim_line = self.record(claim_line)
        if claim_line.id not in self.receivables:
            invoice = claim_line.invoice_line.invoice
            self.receivables[claim_line.id] = (
                invoice.account.id, invoice.party.id)
        account, party = self.receivables[claim_line.id]
        self.lines.append(line_row(account, -amount, claim_line, party))
        self.balances[claim_line] = self.balance(claim_line) - amount

    def balance(self, claim_line):
        "What the payer owes on claim_line with this move's lines counted"
        claim_line = self.record(claim_line)
        if claim_line not in self.balances:
            if claim_line.id in self.opening:
                self.balances[claim_line] = self.opening[claim_line.id]
            else:
                self.balances[claim_line] = (claim_line.payer_balance
                    if claim_line.active and claim_line.invoice_line
                    else ZERO)
        return self.balances[claim_line]

    # --- one line's answer -------------------------------------------------
    def pay(self, claim_line, paid, origin):
        """The payer's payment on claim_line: what it owed off its
        receivable, the rest to payer credit balances"""
        claim_line = self.record(claim_line)
        if not paid:
            return
        applied = paid if paid < 0 else min(paid, max(
                self.balance(claim_line), ZERO))
        self.move_line('insurance_clearing_account', paid, origin)
        if applied:
            self.receivable(claim_line, applied)
            claim_line.paid += applied
            self.paid[claim_line.id] = claim_line.paid
        if paid - applied:
            self.move_line('payer_credit_account', -(paid - applied), origin)
            self.log.append(gettext(
                    'therapy_billing.msg_remittance_log_overpaid',
                    line=claim_line.rec_name, amount=paid - applied))

    def adjust(self, claim_line, adjustments, claim):
        "Post each adjustment of claim_line as its rule says"
        claim_line = self.record(claim_line)
        if claim.id not in self.coverage:
            self.coverage[claim.id] = claim.payers_after()
        actions = plan(adjustments, rules=self.rules,
            **self.coverage[claim.id])
        for action, adjustment in actions:
            adjustment.action = action
            self.adjustments.append(adjustment)
            amount = adjustment.amount
            if not amount:
                continue
            if action == 'write_off':
                self.move_line('contractual_account', amount, claim_line)
                self.receivable(claim_line, amount)
                rollup = ROLLUP[adjustment.group]
                setattr(claim_line, rollup,
                    getattr(claim_line, rollup) + amount)
            elif action in PATIENT:
                if amount > 0:
                    self.transfers[claim_line] += amount
                    self.balances[claim_line] = (
                        self.balance(claim_line) - amount)
                else:
                    # a reversal takes the client's share back
                    self.move_line('transfer_account', amount, claim_line)
                    self.receivable(claim_line, amount)
                    claim_line.pr += amount
                    self.reversed_transfers[claim_line] -= amount
            elif action in {'review', 'duplicate'}:
                self.log.append(gettext(
                        'therapy_billing.msg_remittance_log_review',
                        line=claim_line.rec_name,
                        adjustment=adjustment.rec_name))

    def unapplied(self, amount, origin, reason):
        "A payment for nothing we can find: held, never dropped"
        if not amount:
            return
        self.move_line('insurance_clearing_account', amount, origin)
        self.move_line('unapplied_cash_account', -amount, origin)
        self.log.append(reason)
