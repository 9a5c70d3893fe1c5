"""Remittances: what a payer paid and adjusted, claim by claim and line by
line, as its 835 (ERA) or its paper EOB says it.

One therapy.remittance is one payment (an 835 transaction set, ST/SE): the
payer, its trace number (TRN02: the EFT trace or the check number), amount,
method and date. Its claims (CLP) are matched to our claims by the number
we sent (CLP01 = CLM01), else by the payer's claim number; their service
lines (SVC) to our claim lines by the line control number we sent (REF*6R),
else by procedure code, modifiers, date and units. Every adjustment (CAS)
keeps its group, reason and amount and the action its rule gave it; the
provider-level adjustments (PLB) keep their reason, reference and amount.

Posting (remittance_posting.py) turns a draft remittance into ledger moves
with no manual step when everything matches; a posted remittance is the
audit record of what the payer said and is never edited. The same payer's
trace number is a remittance once: a file read twice is refused."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .adjustment_rules import ACTIONS
from .carc import remarks_text, text as carc_text
from .remittance_posting import RemittancePostingMixin

ZERO = Decimal(0)
SOURCES = [
    ('835', "835 (ERA)"),
    ('manual', "Paper EOB"),
    ]
METHODS = [
    (None, ""),
    ('ACH', "ACH (EFT)"),
    ('CHK', "Check"),
    ('BOP', "Financial institution option"),
    ('FWT', "Federal Reserve wire"),
    ('NON', "No payment"),
    ]
STATES = [
    ('draft', "Draft"),
    ('posted', "Posted"),
    ]
# X12 CLP02 claim status codes
CLAIM_STATUSES = [
    ('1', "Processed as primary"),
    ('2', "Processed as secondary"),
    ('3', "Processed as tertiary"),
    ('4', "Denied"),
    ('19', "Processed as primary, forwarded"),
    ('20', "Processed as secondary, forwarded"),
    ('21', "Processed as tertiary, forwarded"),
    ('22', "Reversal of previous payment"),
    ('23', "Not our claim, forwarded"),
    ('25', "Predetermination pricing only"),
    ]
GROUPS = [
    ('CO', "Contractual obligation (CO)"),
    ('PR', "Patient responsibility (PR)"),
    ('OA', "Other adjustment (OA)"),
    ('PI', "Payer initiated (PI)"),
    ('CR', "Correction and reversal (CR)"),
    ]
ACTION_NAMES = {
    'write_off': "Written off (contract)",
    'hold_denial': "Denied: held on the payer",
    'transfer_patient': "Billed to the client",
    'transfer_next_payer': "Billed to the next payer",
    'write_off_other': "Written off (beneficiary may not be billed)",
    'informational': "Informational",
    'duplicate': "Duplicate claim",
    'review': "To review",
    }
ACTION_SELECTION = [(None, "")] + [(a, ACTION_NAMES[a]) for a in ACTIONS]


# what a paper EOB is typed into, kept as the payer said it once posted
_DRAFT = {'readonly': Eval('remittance_state', 'draft') != 'draft'}


def _money(string, help=None):
    return Monetary(string, currency='currency', digits='currency',
        states=_DRAFT, help=help)


class PostedReadonly:
    """A remittance and its parts are the payer's words: written by the
    import, the paper-EOB form while in draft, and the posting only. A part
    takes its currency and state from its remittance (parent_remittance)"""
    __slots__ = ()

    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    remittance_state = fields.Function(
        fields.Selection(STATES, "Remittance State"),
        'get_remittance_state')

    @classmethod
    def get_currency(cls, records, name):
        # for all the records at once, a remittance's currency once: the
        # ORM checks each amount's digits with it, on thousands of rows
        # an import creates
        currencies, result = {}, {}
        for record in records:
            remittance = record.parent_remittance
            if remittance.id not in currencies:
                currencies[remittance.id] = (remittance.currency.id
                    if remittance.currency else None)
            result[record.id] = currencies[remittance.id]
        return result

    @classmethod
    def get_remittance_state(cls, records, name):
        return {r.id: r.parent_remittance.state for r in records}

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if not external or mode == 'create':
            return
        for record in records:
            if record.remittance_state != 'draft':
                raise AccessError(gettext(
                        'therapy_billing.msg_remittance_posted_readonly',
                        remittance=record.parent_remittance.rec_name))


class Remittance(RemittancePostingMixin, Workflow, ModelSQL, ModelView):
    "Remittance"
    __name__ = 'therapy.remittance'
    _rec_name = 'trace_number'
    _draft = {'readonly': Eval('state') != 'draft'}

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    payer = fields.Many2One(
        'therapy.payer', "Payer", required=True, ondelete='RESTRICT',
        states=_draft, context={'company': Eval('company', -1)},
        depends={'company'})
    source = fields.Selection(SOURCES, "Source", required=True,
        readonly=True)
    trace_number = fields.Char(
        "Trace Number", required=True, states=_draft,
        help="TRN02: the EFT trace number or the check number; the bank "
        "deposit carries the same.")
    payer_identifier = fields.Char("Payer Identifier", readonly=True,
        help="TRN03: the payer's identifier (1 and its tax ID).")
    payment_amount = Monetary(
        "Payment", currency='currency', digits='currency', required=True,
        states=_draft,
        help="BPR02: what the payer paid: the claims' payments less the "
        "provider-level adjustments.")
    payment_method = fields.Selection(METHODS, "Method", states=_draft)
    payment_date = fields.Date(
        "Payment Date", required=True, states=_draft,
        help="BPR16: the day the money is paid; the posting's date.")
    claims = fields.One2Many(
        'therapy.remittance.claim', 'remittance', "Claims", states=_draft)
    provider_adjustments = fields.One2Many(
        'therapy.remittance.provider_adjustment', 'remittance',
        "Provider Adjustments", states=_draft)
    move = fields.Many2One('account.move', "Move", readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    claims_matched = fields.Function(
        fields.Integer("Claims Matched"), 'get_counts')
    claims_unmatched = fields.Function(
        fields.Integer("Claims Unmatched"), 'get_counts')
    unapplied = fields.Function(
        Monetary("Unapplied", currency='currency', digits='currency',
            help="Paid for claims not found: held as unapplied insurance "
            "cash until they are matched."),
        'get_unapplied')
    posting_log = fields.Text("Posting Log", readonly=True,
        help="What the posting did that needs a person: adjustments to "
        "review, lines not found.")
    state = fields.Selection(STATES, "State", required=True, readonly=True)
    del _draft

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('trace_unique', Unique(t, t.company, t.payer, t.trace_number),
                'therapy_billing.msg_remittance_trace_unique'),
            ]
        cls._order = [('payment_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('draft', 'posted')}
        cls._buttons.update({
                'post': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_source(cls):
        return 'manual'

    @classmethod
    def default_payment_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_counts(self, name):
        # counted, not browsed: a remittance answers thousands of claims
        RemittanceClaim = Pool().get('therapy.remittance.claim')
        return RemittanceClaim.search_count([
                ('remittance', '=', self.id),
                ('claim', '!=' if name == 'claims_matched' else '=', None),
                ])

    def get_unapplied(self, name):
        RemittanceClaim = Pool().get('therapy.remittance.claim')
        return sum((r['paid'] for r in RemittanceClaim.search_read([
                        ('remittance', '=', self.id),
                        ('claim', '=', None),
                        ], fields_names=['paid'])), ZERO)

    def get_rec_name(self, name):
        return f'{self.payer.rec_name} {self.trace_number}'

    @classmethod
    def check_modification(cls, mode, remittances, values=None,
            external=False):
        super().check_modification(
            mode, remittances, values=values, external=external)
        if not external or mode == 'create':
            return
        for remittance in remittances:
            if remittance.state != 'draft' or (
                    mode == 'write' and {'state', 'move', 'source',
                        'company'} & set(values)):
                raise AccessError(gettext(
                        'therapy_billing.msg_remittance_posted_readonly',
                        remittance=remittance.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('posted')
    def post(cls, remittances):
        cls.match(remittances)
        cls.post_remittances(remittances)


class RemittanceClaim(PostedReadonly, ModelSQL, ModelView):
    "Remittance Claim"
    __name__ = 'therapy.remittance.claim'

    remittance = fields.Many2One(
        'therapy.remittance', "Remittance", required=True,
        ondelete='CASCADE')
    claim = fields.Many2One(
        'therapy.claim', "Claim", ondelete='RESTRICT',
        help="Our claim the payer answers; none when it matched none (its "
        "payment waits as unapplied cash).")
    claim_number = fields.Char("Claim Number", required=True,
        help="CLP01: the claim number we sent (CLM01).")
    status = fields.Selection(CLAIM_STATUSES, "Status", required=True,
        help="CLP02: how the payer processed the claim.")
    charge = _money("Charge", "CLP03: what the claim billed.")
    paid = _money("Paid", "CLP04: what the payer paid for the claim.")
    patient_responsibility = _money("Patient Responsibility", "CLP05.")
    payer_claim_number = fields.Char("Payer Claim Number",
        help="CLP07: the payer's number for the claim.")
    client_name = fields.Char("Client", help="NM1*QC as the payer names "
        "the patient.")
    interest = _money("Interest", "AMT*I: prompt-pay interest the payer "
        "included in what it paid (CLP04); posted to interest income.")
    crossover_payer = fields.Char("Crossover Payer",
        help="NM1*TT: the payer this one forwarded the claim to (with "
        "CLP02 19, 20 or 21).")
    reverses = fields.Many2One(
        'therapy.remittance.claim', "Reverses", readonly=True,
        help="The earlier answer this reversal (CLP02 = 22) takes back.")
    lines = fields.One2Many(
        'therapy.remittance.line', 'remittance_claim', "Service Lines")
    adjustments = fields.One2Many(
        'therapy.remittance.adjustment', 'remittance_claim', "Adjustments",
        filter=[('line', '=', None)],
        help="Claim-level adjustments (CAS without a service line).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('remittance')
        cls._order = [('remittance', 'DESC'), ('id', 'ASC')]

    @classmethod
    def default_status(cls):
        return '1'

    @classmethod
    def default_charge(cls):
        return ZERO

    default_paid = default_charge

    @fields.depends('claim', 'payer_claim_number')
    def on_change_claim(self):
        "A paper EOB names the claim: its number and charge follow"
        if self.claim:
            self.claim_number = self.claim.number
            self.charge = self.claim.total
            self.payer_claim_number = (self.payer_claim_number
                or self.claim.payer_claim_number)

    @property
    def parent_remittance(self):
        return self.remittance

    def get_rec_name(self, name):
        return f'{self.claim_number} ({self.remittance.trace_number})'

    @property
    def all_adjustments(self):
        return list(self.adjustments) + [a for l in self.lines
            for a in l.adjustments]


class RemittanceLine(PostedReadonly, ModelSQL, ModelView):
    "Remittance Service Line"
    __name__ = 'therapy.remittance.line'

    remittance_claim = fields.Many2One(
        'therapy.remittance.claim', "Claim", required=True,
        ondelete='CASCADE')
    claim_line = fields.Many2One(
        'therapy.claim.line', "Claim Line", ondelete='RESTRICT',
        domain=[('claim', '=', Eval('claim', -1))],
        help="Our claim line the payer answers (REF*6R, else code, "
        "modifiers, date and units).")
    claim = fields.Function(
        fields.Many2One('therapy.claim', "Claim"), 'on_change_with_claim')
    control_number = fields.Char("Line Control Number",
        help="REF*6R: the line control number we sent.")
    procedure_code = fields.Char("Procedure", help="SVC01-2.")
    modifiers = fields.Char("Modifiers", help="SVC01-3 to 6.")
    service_date = fields.Date("Date of Service")
    units = fields.Numeric("Units", digits=(16, 2), help="SVC05.")
    billed_procedure_code = fields.Char("Billed Procedure",
        help="SVC06-2: the procedure we billed, when the payer answers "
        "another one.")
    billed_modifiers = fields.Char("Billed Modifiers", help="SVC06-3 to 6.")
    billed_units = fields.Numeric("Billed Units", digits=(16, 2),
        help="SVC07: the units we billed, when the payer paid others.")
    charge = _money("Charge", "SVC02.")
    paid = _money("Paid", "SVC03.")
    allowed = _money("Allowed", "AMT*B6: what the contract allows.")
    remarks = fields.Char("Remarks", help="LQ*HE: remittance advice "
        "remark codes (RARC).")
    remarks_text = fields.Function(
        fields.Char("What the Remarks Say"), 'on_change_with_remarks_text')
    adjustments = fields.One2Many(
        'therapy.remittance.adjustment', 'line', "Adjustments")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('remittance_claim')

    @classmethod
    def default_charge(cls):
        return ZERO

    default_paid = default_charge

    @fields.depends('remarks')
    def on_change_with_remarks_text(self, name=None):
        return remarks_text(self.remarks) or None

    @fields.depends('remittance_claim', '_parent_remittance_claim.claim')
    def on_change_with_claim(self, name=None):
        if self.remittance_claim:
            return self.remittance_claim.claim

    @fields.depends('claim_line')
    def on_change_claim_line(self):
        "A paper EOB names the line: what it billed follows"
        line = self.claim_line
        if line:
            self.control_number = line.control_number
            self.procedure_code = line.procedure_code
            self.modifiers = ' '.join(line.modifiers) or None
            self.service_date = line.service_date
            self.units = line.units
            self.charge = line.billed

    @property
    def parent_remittance(self):
        return self.remittance_claim.remittance

    def get_rec_name(self, name):
        return ' '.join(filter(None, [self.control_number,
                    self.procedure_code, str(self.service_date or '')]))


class RemittanceAdjustment(PostedReadonly, ModelSQL, ModelView):
    "Remittance Adjustment"
    __name__ = 'therapy.remittance.adjustment'

    # required, filled from the line for one typed on a service line (its
    # form does not show it)
    remittance_claim = fields.Many2One(
        'therapy.remittance.claim', "Claim", required=True,
        ondelete='CASCADE')
    line = fields.Many2One(
        'therapy.remittance.line', "Service Line", ondelete='CASCADE',
        domain=[('remittance_claim', '=', Eval('remittance_claim', -1))])
    group = fields.Selection(GROUPS, "Group", required=True,
        help="CAS01: who the amount is on.")
    reason = fields.Char("Reason", required=True,
        help="CAS02: the claim adjustment reason code (CARC), e.g. 45.")
    amount = Monetary("Amount", currency='currency', digits='currency',
        required=True)
    quantity = fields.Numeric("Quantity", digits=(16, 2))
    description = fields.Function(
        fields.Char("Description", help="What the reason code says."),
        'get_description')
    remarks_text = fields.Function(
        fields.Char("Remarks", help="What the remark codes (RARC) the "
            "payer sent with the service line say."),
        'get_remarks_text')
    action = fields.Selection(ACTION_SELECTION, "Action", readonly=True,
        help="What the posting did with it (the adjustment rules).")
    claim = fields.Function(
        fields.Many2One('therapy.claim', "Claim"), 'get_claim',
        searcher='search_claim')
    payer_balance = fields.Function(
        Monetary("Payer Balance", currency='currency', digits='currency',
            help="What the payer still owes on the line (or claim)."),
        'get_payer_balance')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('remittance_claim')
        cls._order = [('remittance_claim', 'DESC'), ('id', 'ASC')]

    @classmethod
    def preprocess_values(cls, mode, values):
        "An adjustment typed on a service line belongs to its claim"
        RemittanceLine = Pool().get('therapy.remittance.line')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('line') and not values.get(
                'remittance_claim'):
            values['remittance_claim'] = RemittanceLine(
                values['line']).remittance_claim.id
        return values

    def get_claim(self, name):
        claim = self.remittance_claim.claim
        return claim.id if claim else None

    @classmethod
    def search_claim(cls, name, clause):
        return [('remittance_claim.' + clause[0],) + tuple(clause[1:])]

    def get_description(self, name):
        return carc_text(self.reason)

    def get_remarks_text(self, name):
        return self.line.remarks_text if self.line else None

    def get_payer_balance(self, name):
        if self.line and self.line.claim_line:
            return self.line.claim_line.payer_balance
        claim = self.remittance_claim.claim
        return sum((l.payer_balance for l in claim.lines), ZERO
            ) if claim else ZERO

    @property
    def parent_remittance(self):
        return self.remittance_claim.remittance

    def get_rec_name(self, name):
        return f'{self.group}-{self.reason} {self.amount}'


class RemittanceProviderAdjustment(PostedReadonly, ModelSQL, ModelView):
    "Remittance Provider Adjustment"
    __name__ = 'therapy.remittance.provider_adjustment'

    remittance = fields.Many2One(
        'therapy.remittance', "Remittance", required=True,
        ondelete='CASCADE')
    provider = fields.Char("Provider", help="PLB01: the provider's ID.")
    reason = fields.Char("Reason", required=True,
        help="PLB03-1: L6 interest, WO overpayment recovery, FB "
        "forwarding balance, 72 authorized return...")
    reference = fields.Char("Reference",
        help="PLB03-2: the claim or the earlier remittance it concerns.")
    amount = Monetary("Amount", currency='currency', digits='currency',
        required=True,
        help="As the payer signs it: positive takes money back from the "
        "payment, negative adds to it (interest).")
    claim = fields.Many2One('therapy.claim', "Claim", readonly=True,
        ondelete='RESTRICT',
        help="The claim the reference names (the payer's claim number or "
        "ours), found when the remittance was posted.")
    paired = fields.Many2One(
        'therapy.remittance.provider_adjustment', "Paired With",
        readonly=True,
        help="A forwarding balance (FB) withheld here that an earlier "
        "remittance paid ahead, or the one that withholds it later.")
    account = fields.Many2One('account.account', "Account", readonly=True,
        help="Where the posting put it: its provider adjustment rule's "
        "account, else interest income (L6), payer credit balances (WO, "
        "FB), or unapplied insurance cash until someone looks at it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('remittance')

    @property
    def parent_remittance(self):
        return self.remittance
