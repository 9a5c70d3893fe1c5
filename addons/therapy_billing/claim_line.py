"""Claim lines: one row per service line per claim (837P loop 2400).

A line is what went to the payer: procedure code and modifiers, units, the
billed amount (SV102: the practice charge, in full), place of service,
date, up to four pointers into the claim's diagnoses, rendering clinician,
authorization, and its line control number (REF*6R), which a replacement
claim keeps. Primary and secondary claims have their own lines (the
secondary's point at the primary's). The invoice line a line produced is
its receivable; the remittance work fills the roll-ups (allowed, paid,
adjustments by group) and posts onto the line through
transfer_responsibility and post_adjustments, so that for every line
receivable = paid + adjustments + payer balance."""
from collections import defaultdict
from decimal import Decimal

from sql import Null
from sql.operators import Equal

from trytond.i18n import gettext
from trytond.model import Exclude, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.model.fields import SQL_OPERATORS
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from therapy_scheduling.booking import PLACES_OF_SERVICE

from . import rows_sql
from .batch import slices
from .exceptions import ClaimError
from .ledger_sql import line_row, post_move

MAX_POINTERS = 4  # SV107: four diagnosis pointers a line
MAX_DIAGNOSES = 12  # HI: twelve diagnoses a claim
ROLLUPS = ['allowed', 'paid', 'co', 'pr', 'oa', 'pi', 'patient_responsibility']
ADJUSTMENT_GROUPS = ['co', 'pr', 'oa', 'pi']
# what a biller may fix on a draft claim's line; the rest is the charge's,
# the posting's or the remittance's
EDITABLE = {'modifier_1', 'modifier_2', 'modifier_3', 'modifier_4',
    'diagnosis_1', 'diagnosis_2', 'diagnosis_3', 'diagnosis_4'}


def is_associate(employee):
    "A clinician whose work is supervised (a pre-licensed associate)"
    return bool(employee and employee.supervisor)


def _pointer(number):
    return fields.Integer(
        f"Diagnosis Pointer {number}",
        domain=['OR', (f'diagnosis_{number}', '=', None),
            [(f'diagnosis_{number}', '>=', 1),
                (f'diagnosis_{number}', '<=', MAX_DIAGNOSES)]],
        states={'readonly': Eval('claim_state') != 'draft'},
        help="The number of one of the claim's diagnoses.")


def _rollup(string, help):
    return Monetary(string, currency='currency', digits='currency',
        readonly=True, help=help)


def _describe(service_date, procedure_code, modifiers, units,
        client_number, control_number):
    "A claim line as the invoice lines that bill it name it"
    code = ' '.join([procedure_code or ''] + modifiers).strip()
    return (f'{service_date} {code} x{units} '
        f'({client_number}, {control_number})')


class LineCodes:
    "A claim line's diagnosis pointers and modifiers as lists, set ones only"
    __slots__ = ()

    @property
    def pointers(self):
        return [p for p in (self.diagnosis_1, self.diagnosis_2,
                self.diagnosis_3, self.diagnosis_4) if p]

    @property
    def modifiers(self):
        return [m for m in (self.modifier_1, self.modifier_2,
                self.modifier_3, self.modifier_4) if m]


class ClaimLine(LineCodes, ModelSQL, ModelView):
    "Claim Line"
    __name__ = 'therapy.claim.line'

    claim = fields.Many2One(
        'therapy.claim', "Claim", required=True, ondelete='CASCADE',
        readonly=True)
    claim_state = fields.Function(
        fields.Selection('get_claim_states', "Claim State"),
        'on_change_with_claim_state')
    charge = fields.Many2One(
        'therapy.charge', "Charge", required=True, ondelete='RESTRICT',
        readonly=True)
    sequence = fields.Integer("Line", required=True, readonly=True,
        help="LX: the line's number on the claim.")
    control_number = fields.Char(
        "Line Control Number", required=True, readonly=True,
        help="REF*6R: how the payer's remittance names this line; a "
        "replacement claim keeps the original's.")
    original_line = fields.Many2One(
        'therapy.claim.line', "Corrects Line", readonly=True,
        ondelete='RESTRICT',
        help="The line of the original claim this replacement or void "
        "line corrects.")
    primary_line = fields.Many2One(
        'therapy.claim.line', "Primary Claim Line", readonly=True,
        ondelete='RESTRICT',
        help="On a secondary claim: the primary payer's line for the same "
        "service, whose patient responsibility this line bills.")
    procedure_code = fields.Char("Procedure Code", readonly=True)
    modifier_1 = fields.Char("Modifier 1", size=2,
        states={'readonly': Eval('claim_state') != 'draft'})
    modifier_2 = fields.Char("Modifier 2", size=2,
        states={'readonly': Eval('claim_state') != 'draft'})
    modifier_3 = fields.Char("Modifier 3", size=2,
        states={'readonly': Eval('claim_state') != 'draft'})
    modifier_4 = fields.Char("Modifier 4", size=2,
        states={'readonly': Eval('claim_state') != 'draft'})
    units = fields.Integer("Units", readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    billed = Monetary(
        "Billed", currency='currency', digits='currency', readonly=True,
        help="SV102: the practice charge, in full, whatever the payer "
        "will allow.")
    place_of_service = fields.Selection(
        [(None, "")] + PLACES_OF_SERVICE, "Place of Service", readonly=True)
    service_date = fields.Date("Date of Service", readonly=True)
    diagnosis_1 = _pointer(1)
    diagnosis_2 = _pointer(2)
    diagnosis_3 = _pointer(3)
    diagnosis_4 = _pointer(4)
    diagnosis_codes = fields.Function(
        fields.Char("Diagnoses"), 'get_diagnosis_codes')
    rendering = fields.Many2One(
        'company.employee', "Rendering Clinician", readonly=True,
        ondelete='RESTRICT')
    authorization = fields.Many2One(
        'therapy.authorization', "Authorization", readonly=True,
        ondelete='RESTRICT')
    invoice_line = fields.Many2One(
        'account.invoice.line', "Invoice Line", readonly=True,
        ondelete='RESTRICT',
        help="The receivable this line is: the payer invoice's line.")
    receivable = fields.Function(
        Monetary("Receivable", currency='currency', digits='currency',
            help="What the payer is invoiced for this line: the full "
            "charge on a primary claim, the transferred patient "
            "responsibility on a secondary one."),
        'get_balances')
    payer_balance = fields.Function(
        Monetary("Payer Balance", currency='currency', digits='currency',
            help="What the payer still owes on this line, from the ledger."),
        'get_balances')
    allowed = _rollup("Allowed", "AMT*B6: what the payer allowed.")
    paid = _rollup("Paid", "SVC03: what the payer paid.")
    co = _rollup("Contractual (CO)",
        "Adjustments the patient may not be billed for.")
    pr = _rollup("Patient Responsibility (PR)",
        "Deductible, coinsurance, copay: moved on to the next payer or "
        "the guarantor.")
    oa = _rollup("Other Adjustments (OA)", "")
    pi = _rollup("Payer Initiated (PI)", "")
    patient_responsibility = _rollup("Billed to Guarantor",
        "The part of the patient responsibility invoiced to the guarantor.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # not cls.__access__.add('claim'): that would let whoever reads the
        # claim read its diagnoses (the accountant); access rows and a rule
        # of their own in claim.xml
        t = cls.__table__()
        cls._sql_constraints += [
            ('claim_sequence_unique', Unique(t, t.claim, t.sequence),
                'therapy_billing.msg_claim_line_sequence_unique'),
            # a control number is new on one line; only corrections of
            # that line (replacement, void) repeat it
            ('control_number_unique',
                Exclude(t, (t.control_number, Equal),
                    where=t.original_line == Null),
                'therapy_billing.msg_claim_line_control_unique'),
            ]
        cls._order = [('claim', 'DESC'), ('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if not external:
            return
        if mode != 'write' or values.keys() - EDITABLE:
            raise AccessError(gettext(
                    'therapy_billing.msg_claim_line_server_owned'))
        for line in lines:
            if line.claim.state != 'draft':
                raise AccessError(gettext(
                        'therapy_billing.msg_claim_not_draft',
                        claim=line.claim.rec_name))

    @classmethod
    def default_allowed(cls):
        return Decimal(0)

    default_paid = default_co = default_pr = default_oa = default_pi = (
        default_allowed)
    default_patient_responsibility = default_allowed

    @classmethod
    def get_claim_states(cls):
        Claim = Pool().get('therapy.claim')
        return Claim.fields_get(['state'])['state']['selection']

    @fields.depends('claim', '_parent_claim.state')
    def on_change_with_claim_state(self, name=None):
        return self.claim.state if self.claim else None

    @fields.depends('claim', '_parent_claim.company')
    def on_change_with_currency(self, name=None):
        if self.claim and self.claim.company:
            return self.claim.company.currency

    def get_rec_name(self, name):
        return f'{self.claim.rec_name}/{self.sequence}'

    def get_diagnosis_codes(self, name):
        codes = {d.sequence: d.code.code for d in self.claim.diagnoses}
        return ', '.join(codes[p] for p in self.pointers if p in codes)

    @property
    def active(self):
        "Is this line what the payer is billed now (not corrected away)?"
        return self.claim.active

    # --- building lines -----------------------------------------------------
    @classmethod
    def charge_values(cls, charge, sequence, pointers, payer=None):
        """Values of a new line billing charge; a payer that bills an
        associate's sessions under the supervisor gets the supervisor as
        rendering and the associate nowhere"""
        rendering = charge.rendering
        if (payer and payer.associates == 'supervisor'
                and is_associate(rendering)):
            rendering = rendering.supervisor
        modifiers = [m.strip() for m in (charge.modifiers or '').split(',')
            if m.strip()][:4]
        values = {
            'charge': charge.id,
            'sequence': sequence,
            'procedure_code': charge.procedure_code,
            'units': charge.units,
            'billed': charge.amount,
            'place_of_service': charge.place_of_service,
            'service_date': charge.date,
            'rendering': rendering.id if rendering else None,
            'authorization': (charge.authorization.id
                if charge.authorization else None),
            }
        for index, modifier in enumerate(modifiers, 1):
            values[f'modifier_{index}'] = modifier
        for index, pointer in enumerate(pointers[:MAX_POINTERS], 1):
            values[f'diagnosis_{index}'] = pointer
        return values

    def copy_values(self):
        "The line as sent, for a correction or a secondary claim"
        values = {name: getattr(self, name) for name in [
                'sequence', 'procedure_code', 'modifier_1', 'modifier_2',
                'modifier_3', 'modifier_4', 'units', 'billed',
                'place_of_service', 'service_date', 'diagnosis_1',
                'diagnosis_2', 'diagnosis_3', 'diagnosis_4']}
        values.update({
                'charge': self.charge.id,
                'rendering': self.rendering.id if self.rendering else None,
                'authorization': (self.authorization.id
                    if self.authorization else None),
                })
        return values

    # --- posting ------------------------------------------------------------
    def receivable_amount(self):
        """What to invoice the payer for this line: the full charge, or on
        a secondary claim the patient responsibility the primary payer
        moved on"""
        if self.primary_line:
            return self.primary_line.pr
        return self.billed

    def get_invoice_line(self, invoice):
        "The payer invoice's line for this claim line, or None"
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        amount = self.receivable_amount()
        if not amount:
            return None
        line = InvoiceLine(invoice=invoice, type='line',
            company=invoice.company, currency=invoice.currency, origin=self,
            taxes=[])
        if self.primary_line:
            line.quantity = 1
            line.unit_price = amount
        else:
            product = self.charge.service.product if self.charge.service \
                else None
            if product:
                line.product = product
                line.on_change_product()
                line.taxes = []
            line.quantity = self.units
            line.unit_price = self.charge.unit_price
        line.account = self._get_invoice_line_account()
        line.description = self._get_invoice_line_description()
        return line

    def _get_invoice_line_account(self):
        """Revenue for a primary claim's line; a secondary's receivable
        comes from the responsibility transfer, never from revenue"""
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        if self.primary_line:
            return Configuration(1).billing_account(
                'transfer_account', self.claim.company)
        return self.charge.revenue_account()

    def _get_invoice_line_description(self):
        return _describe(self.service_date, self.procedure_code,
            self.modifiers, self.units, self.claim.client.number,
            self.control_number)

    @classmethod
    def invoice_line_descriptions(cls, line_ids):
        """{line id: _get_invoice_line_description()} read as rows: a
        remittance bills a client's share for hundreds of lines, and each
        line's claim and client as records cost more than the invoice"""
        pool = Pool()
        Claim = pool.get('therapy.claim')
        Client = pool.get('therapy.client')
        line = cls.__table__()
        claim = Claim.__table__()
        client = Client.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        for chunk in slices(sorted(set(line_ids))):
            cursor.execute(*line.join(claim,
                    condition=line.claim == claim.id
                    ).join(client, condition=claim.client == client.id
                    ).select(line.id, line.service_date, line.procedure_code,
                    line.modifier_1, line.modifier_2, line.modifier_3,
                    line.modifier_4, line.units, client.number,
                    line.control_number,
                    where=SQL_OPERATORS['in'](line.id, chunk)))
            for (id_, date, code, *modifiers, units, number,
                    control_number) in cursor:
                result[id_] = _describe(date, code,
                    [m for m in modifiers if m], units, number,
                    control_number)
        return result

    @classmethod
    def get_balances(cls, lines, names):
        """The receivable (the posted invoice line this line bills, or
        nothing once credited) and the payer balance: the receivable less
        what the ledger took off it with this line as origin (payments,
        adjustments, transfers), on this line and on the lines it
        corrects that share its invoice line. Read as rows, a few queries
        a slice of lines: a remittance reads thousands, and records cost
        a hundred times the queries"""
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        Move = pool.get('account.move')
        InvoiceLine = pool.get('account.invoice.line')
        Invoice = pool.get('account.invoice')
        Currency = pool.get('currency.currency')
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        invoice_line = InvoiceLine.__table__()
        invoice = Invoice.__table__()
        move_line = MoveLine.__table__()
        move = Move.__table__()
        result = {n: {} for n in names}
        currencies = {}
        for chunk in slices([l.id for l in lines]):
            # the lines, and the lines they correct up their chains
            billed, todo = {}, chunk
            while todo:
                cursor.execute(*table.select(table.id, table.invoice_line,
                        table.original_line,
                        where=SQL_OPERATORS['in'](table.id, todo)))
                billed.update((i, (b, o)) for i, b, o in cursor)
                todo = list({o for _, o in billed.values()
                        if o and o not in billed})
            heads = {}
            for sub_ids in slices({b for b, _ in billed.values() if b}):
                cursor.execute(*invoice_line.join(invoice,
                        condition=invoice_line.invoice == invoice.id
                        ).select(invoice_line.id, invoice_line.quantity,
                        invoice_line.unit_price, invoice.account,
                        invoice.move, invoice.currency,
                        where=SQL_OPERATORS['in'](invoice_line.id, sub_ids)
                        & invoice.state.in_(['posted', 'paid'])))
                heads.update((r[0], r[1:]) for r in cursor)
            chains = {}
            for id_ in chunk:
                invoice_line_id = billed[id_][0]
                if invoice_line_id not in heads:
                    continue
                chain, current = [], id_
                while current and billed[current][0] == invoice_line_id:
                    chain.append(f'{cls.__name__},{current}')
                    current = billed[current][1]
                chains[id_] = (heads[invoice_line_id], chain)
            moved = defaultdict(list)
            origins = list({o for _, c in chains.values() for o in c})
            accounts = list({h[2] for h, _ in chains.values()})
            for sub_origins in slices(origins):
                cursor.execute(*move_line.join(move,
                        condition=move_line.move == move.id
                        ).select(move_line.origin, move_line.account,
                        move_line.move, move_line.debit, move_line.credit,
                        where=SQL_OPERATORS['in'](
                            move_line.origin, sub_origins)
                        & SQL_OPERATORS['in'](move_line.account, accounts)
                        & (move.state == 'posted')))
                for origin, account, move_id, debit, credit in cursor:
                    moved[origin].append((account, move_id, debit - credit))
            for id_ in chunk:
                receivable = balance = Decimal(0)
                if id_ in chains:
                    (quantity, unit_price, account, move_id,
                        currency), chain = chains[id_]
                    if currency not in currencies:
                        currencies[currency] = Currency(currency)
                    # the invoice line's amount, as Tryton computes it
                    receivable = currencies[currency].round(
                        Decimal(str(quantity or 0))
                        * (unit_price or Decimal(0)))
                    balance = receivable + sum((amount
                            for origin in chain
                            for a, m, amount in moved[origin]
                            if a == account and m != move_id), Decimal(0))
                values = {'receivable': receivable, 'payer_balance': balance}
                for name in names:
                    result[name][id_] = values[name]
        return result

    # --- what the remittance posts onto lines -------------------------------
    def _get_move_line(self, account, amount, party=None):
        "A ledger line of amount (debit if positive) with this line as origin"
        MoveLine = Pool().get('account.move.line')
        return MoveLine(account=account, origin=self,
            debit=amount if amount > 0 else Decimal(0),
            credit=-amount if amount < 0 else Decimal(0),
            party=party if account.party_required else None)

    @classmethod
    def _post_moves(cls, pairs, description):
        """Post the pairs of ledger lines [(company, [line, line])], one
        move a company in the billing journal, dated the billing date (as
        one remittance posts one move)"""
        pool = Pool()
        Date = pool.get('ir.date')
        Configuration = pool.get('therapy.configuration')
        journal = Configuration(1).billing_journal
        if not journal:
            raise ClaimError(gettext(
                    'therapy_billing.msg_billing_journal_missing'))
        by_company = defaultdict(list)
        for company, pair in pairs:
            by_company[company].extend(pair)
        moves = []
        for company, lines in by_company.items():
            date = Transaction().context.get('billing_date')
            if not date:
                with Transaction().set_context(company=company.id):
                    date = Date.today()
            moves.append(post_move(company, journal, date, description,
                    lines))
        return moves

    def check_balance(self, amount, balance=None, active=None):
        """amount may come off the payer's balance: the ledger's, or
        balance when the caller counted it already (and active, whether
        the line is what the payer is billed, when it knows)"""
        if amount <= 0:
            raise ClaimError(gettext(
                    'therapy_billing.msg_claim_line_amount_positive',
                    line=self.rec_name))
        if balance is None:
            balance = self.payer_balance
        if active is None:
            active = self.active
        if not active or amount > balance:
            raise ClaimError(gettext(
                    'therapy_billing.msg_claim_line_amount_exceeds',
                    line=self.rec_name, amount=amount, balance=balance))

    @classmethod
    def post_adjustments(cls, group, amounts, account_name):
        """Take amounts {line: amount} off the payer's balance to the
        configured account account_name (Dr account, Cr the payer's
        receivable) as adjustments of group (co, oa, pi)"""
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        if group not in set(ADJUSTMENT_GROUPS) - {'pr'}:
            # a programming error, checked under python -O too
            raise ValueError(f"not an adjustment group: {group}")
        pairs = []
        for line, amount in amounts.items():
            line.check_balance(amount)
            invoice = line.invoice_line.invoice
            account = Configuration(1).billing_account(
                account_name, line.claim.company)
            pairs.append((line.claim.company, [
                        line._get_move_line(account, amount),
                        line._get_move_line(
                            invoice.account, -amount, invoice.party),
                        ]))
            setattr(line, group, getattr(line, group) + amount)
        if not pairs:
            return
        cls._post_moves(pairs, gettext('therapy_billing.msg_adjustment_move',
                group=group.upper()))
        cls.save(list(amounts))
        Claim = pool.get('therapy.claim')
        Claim.reconcile_payer_invoices(list({l.claim for l in amounts}))

    def _move_row(self, account, amount, party=None):
        """As _get_move_line, a row for ledger_sql.post_move (ids): a
        remittance moves thousands of shares, and an unsaved record a
        ledger line cost more than its posting. account: a record, or the
        id of a receivable with its party"""
        if not isinstance(account, int):
            party = party.id if party and account.party_required else None
            account = account.id
        return line_row(account, amount, self, party)

    @classmethod
    def transfer_rows(cls, amounts, balances=None, receivables=None,
            active=None, company=None):
        """The ledger rows moving the patient responsibility amounts {line:
        amount} off the payer: [(company, [Dr responsibility transfer, Cr
        the payer's receivable])], each amount checked against what the
        payer owes (balances: {line id: payer balance} and active: {line
        id: is it what the payer is billed}, as far as the caller read them)
        and added to the line's PR roll-up (saved by
        transfer_responsibility); company: the company of all the lines,
        when the caller knows it (their claims are not read for it)"""
        Configuration = Pool().get('therapy.configuration')
        pairs = []
        balances = balances or {}
        receivables = receivables or {}
        active = active or {}
        accounts = {}
        for line, amount in amounts.items():
            line.check_balance(amount, balances.get(line.id),
                active.get(line.id))
            line_company = company or line.claim.company
            if line_company not in accounts:
                accounts[line_company] = Configuration(1).billing_account(
                    'transfer_account', line_company)
            transfer = accounts[line_company]
            if line.id in receivables:
                account, party = receivables[line.id]
            else:
                invoice = line.invoice_line.invoice
                account, party = invoice.account.id, invoice.party.id
            pairs.append((line_company, [
                        line._move_row(transfer, amount),
                        line._move_row(account, -amount, party),
                        ]))
            line.pr += amount
        return pairs

    @classmethod
    def transfer_responsibility(cls, amounts, reconcile=True,
            balances=None, receivables=None, payers=None, posted=False):
        """Move the patient responsibility amounts {line: amount} the payer
        named (PR) off its receivable: Dr responsibility transfer, Cr the
        payer's receivable. It then goes to the next payer (its secondary
        claim bills it), else to the guarantor (a patient invoice, the
        visit's deposits applied), or is written off when a payer of the
        visit forbids billing its beneficiary. reconcile=False leaves the
        payer invoices to the caller (a remittance settles its claims after);
        balances: {line id: payer balance}, receivables: {line id: (account
        id, party id)} and payers: {claim id: Claim.payers_after()} the
        caller read or counted already. posted: the caller posted
        transfer_rows(amounts) in its own move (a remittance's)"""
        pool = Pool()
        Claim = pool.get('therapy.claim')
        if not amounts:
            return
        if not posted:
            cls._post_moves(cls.transfer_rows(amounts, balances,
                    receivables), gettext('therapy_billing.msg_transfer_move'))
        claim_of = {l: l.claim for l in amounts}
        claims = list(set(claim_of.values()))
        if reconcile:
            Claim.reconcile_payer_invoices(claims)
        payers = dict(payers or {})
        payers.update(Claim.payers_of(
                [c for c in claims if c.id not in payers]))
        onward = [c for c in claims if payers[c.id]['next_payer']]
        Claim.adjudicated(onward)
        rest = {l: a for l, a in amounts.items()
            if claim_of[l] not in onward}
        prohibited = {c.id for c in set(claim_of[l] for l in rest)
            if payers[c.id]['beneficiary_billing_prohibited']}
        write_off = {l: a for l, a in rest.items()
            if claim_of[l].id in prohibited}
        cls.write_off_responsibility(write_off)
        Claim.bill_patient_responsibility(
            {l: a for l, a in rest.items() if l not in write_off},
            claim_of=claim_of, save=False)
        # the PR roll-up and the client's share in one write (the company's
        # digits: a line's currency is a Function field computed for every
        # line read with it)
        rows_sql.save(cls, list(amounts),
            # a claim alone: the others' records are not read for it
            digits=Claim(claims[0].id).company.currency.digits)

    @classmethod
    def write_off_responsibility(cls, amounts):
        """A patient responsibility no one may be billed for (Medicaid,
        QMB): Dr write-offs, Cr responsibility transfer"""
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        Claim = pool.get('therapy.claim')
        configuration = Configuration(1)
        if not amounts:
            return
        pairs = []
        accounts = {}
        for line, amount in amounts.items():
            company = line.claim.company
            if company not in accounts:
                accounts[company] = [configuration.billing_account(name,
                        company)
                    for name in ['write_off_account', 'transfer_account']]
            write_off, transfer = accounts[company]
            pairs.append((company, [
                        line._move_row(write_off, amount),
                        line._move_row(transfer, -amount),
                        ]))
        cls._post_moves(pairs, gettext(
                'therapy_billing.msg_responsibility_write_off_move'))
        Claim.reconcile_transfers(list({l.claim for l in amounts}))


class ClaimDiagnosis(ModelSQL, ModelView):
    "Claim Diagnosis"
    __name__ = 'therapy.claim.diagnosis'

    claim = fields.Many2One(
        'therapy.claim', "Claim", required=True, ondelete='CASCADE',
        readonly=True)
    sequence = fields.Integer(
        "Pointer", required=True,
        domain=[('sequence', '>=', 1), ('sequence', '<=', MAX_DIAGNOSES)],
        help="The number lines point at (HI: A-L).")
    code = fields.Many2One(
        'therapy.icd10', "ICD-10-CM Code", required=True,
        ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # not cls.__access__.add('claim'): that would let whoever reads the
        # claim read its diagnoses (the accountant); access rows and a rule
        # of their own in claim.xml
        t = cls.__table__()
        cls._sql_constraints += [
            ('claim_sequence_unique', Unique(t, t.claim, t.sequence),
                'therapy_billing.msg_claim_diagnosis_unique'),
            ]
        cls._order = [('claim', 'ASC'), ('sequence', 'ASC'), ('id', 'ASC')]

    def get_rec_name(self, name):
        return f'{self.sequence}: {self.code.code}'

    @classmethod
    def check_modification(cls, mode, diagnoses, values=None,
            external=False):
        super().check_modification(
            mode, diagnoses, values=values, external=external)
        if external:
            for diagnosis in diagnoses:
                if diagnosis.claim.state != 'draft':
                    raise AccessError(gettext(
                            'therapy_billing.msg_claim_not_draft',
                            claim=diagnosis.claim.rec_name))
