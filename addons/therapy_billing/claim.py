"""Claims: a client's charges for one payer and date of service.

Workflow: draft -> ready (scrubbed; posts the payer's invoice and the
client's copay) -> submitted -> accepted / rejected (corrected back to
draft) -> paid / partially paid / denied -> appealed -> closed. Every
transition is a therapy.claim.event row: the state, who, when."""
import datetime as dt
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, Id
from trytond.transaction import Transaction

from . import ledger
from .exceptions import ClaimError

STATES = [
    ('draft', "Draft"),
    ('ready', "Ready"),
    ('submitted', "Submitted"),
    ('accepted', "Accepted"),
    ('rejected', "Rejected"),
    ('paid', "Paid"),
    ('partial', "Partially Paid"),
    ('denied', "Denied"),
    ('appealed', "Appealed"),
    ('closed', "Closed"),
    ]


class Claim(Workflow, ModelSQL, ModelView):
    "Claim"
    __name__ = 'therapy.claim'
    _history = True

    _draft = {'readonly': Eval('state') != 'draft'}
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    number = fields.Char("Number", readonly=True)
    client = fields.Many2One(
        'therapy.client', "Client", required=True, readonly=True,
        ondelete='RESTRICT')
    coverage = fields.Many2One(
        'therapy.coverage', "Coverage", required=True, ondelete='RESTRICT',
        domain=[('client', '=', Eval('client', -1))], states=_draft)
    payer = fields.Function(
        fields.Many2One('therapy.payer', "Payer"), 'on_change_with_payer')
    date = fields.Date("Date of Service", required=True, readonly=True)
    charges = fields.One2Many(
        'therapy.charge', 'claim', "Charges", readonly=True)
    primary_claim = fields.Many2One(
        'therapy.claim', "Primary Claim", readonly=True,
        help="For a secondary coverage: the claim of the primary payer, "
        "whose payment (from its remittance) this claim reports.")
    primary_paid = Monetary(
        "Paid by Primary", currency='currency', digits='currency',
        readonly=True,
        help="Filled in from the primary payer's remittance.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    total = fields.Function(
        Monetary("Total Charge", currency='currency', digits='currency'),
        'get_total')
    copay = Monetary(
        "Client Copay", currency='currency', digits='currency',
        readonly=True)
    payer_invoice = fields.Many2One(
        'account.invoice', "Payer Invoice", readonly=True)
    client_invoice = fields.Many2One(
        'account.invoice', "Copay Invoice", readonly=True)
    events = fields.One2Many(
        'therapy.claim.event', 'claim', "History", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, required=True,
        sort=False)
    del _draft

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'ready'),
            ('ready', 'draft'),
            ('ready', 'submitted'),
            ('submitted', 'accepted'),
            ('submitted', 'rejected'),
            ('rejected', 'draft'),
            ('accepted', 'paid'),
            ('accepted', 'partial'),
            ('accepted', 'denied'),
            ('partial', 'paid'),
            ('denied', 'appealed'),
            ('partial', 'appealed'),
            ('appealed', 'paid'),
            ('appealed', 'partial'),
            ('appealed', 'denied'),
            ('paid', 'closed'),
            ('partial', 'closed'),
            ('denied', 'closed'),
            }
        buttons = {
            'ready': ['draft'],
            'submit': ['ready'],
            'accept': ['submitted'],
            'reject': ['submitted'],
            'correct': ['rejected'],
            'pay': ['accepted', 'partial', 'appealed'],
            'pay_partially': ['accepted', 'appealed'],
            'deny': ['accepted', 'appealed'],
            'appeal': ['denied', 'partial'],
            'close': ['paid', 'partial', 'denied'],
            }
        cls._buttons.update({
                name: {
                    'invisible': ~Eval('state').in_(states),
                    'depends': ['state'],
                    } for name, states in buttons.items()})

    @classmethod
    def default_state(cls):
        return 'draft'

    @fields.depends('coverage')
    def on_change_with_payer(self, name=None):
        return self.coverage.payer if self.coverage else None

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_total(self, name):
        return sum((c.amount for c in self.lines()), ledger.zero())

    def lines(self):
        "The charges billed: a secondary claim bills its primary's"
        return self.primary_claim.charges if self.primary_claim else (
            self.charges)

    def get_rec_name(self, name):
        return self.number or f'#{self.id}'

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number'):
            sequence = Configuration(1).claim_sequence
            if sequence:
                values['number'] = sequence.get()
        return values

    @classmethod
    def from_charges(cls, charges):
        """Draft claims for the payer charges to bill: one per client,
        coverage and date of service; returns them"""
        pool = Pool()
        Charge = pool.get('therapy.charge')
        Configuration = pool.get('therapy.configuration')
        monthly = Configuration(1).claim_grouping == 'month'
        groups = defaultdict(list)
        for charge in charges:
            if (charge.state == 'pending' and charge.responsibility == 'payer'
                    and not charge.claim):
                period = (charge.date.replace(day=1) if monthly
                    else charge.date)
                groups[(charge.client, charge.coverage, period)].append(
                    charge)
        # numbered in the order of the dates of service
        groups = sorted(groups.items(),
            key=lambda g: (g[0][2], g[0][0].id, g[0][1].id))
        claims = cls.create([{
                    'company': charges_[0].company.id,
                    'client': client.id,
                    'coverage': coverage.id,
                    'date': min(c.date for c in charges_),
                    } for (client, coverage, _), charges_ in groups])
        for claim, (_, charges_) in zip(claims, groups):
            Charge.write(charges_, {'claim': claim.id})
        cls.log_events(claims, 'draft')
        return claims

    @classmethod
    def log_events(cls, claims, state):
        Event = Pool().get('therapy.claim.event')
        Event.create([{'claim': c.id, 'state': state} for c in claims])

    def scrub(self):
        "What keeps the claim from a payer: a list of messages"
        pool = Pool()
        Date = pool.get('ir.date')
        problems = []
        if self.primary_claim:
            if self.primary_paid is None:
                problems.append(gettext(
                        'therapy_billing.msg_claim_primary_unpaid',
                        primary=self.primary_claim.rec_name))
            return problems  # posted by the remittance step
        limit = self.coverage.payer.timely_filing_days
        if (Date.today() - self.date).days > limit:
            problems.append(gettext(
                    'therapy_billing.msg_claim_timely_filing',
                    days=limit, date=self.date))
        if not self.charges:
            problems.append(gettext('therapy_billing.msg_claim_no_charges'))
        if not self.coverage.member_id:
            problems.append(gettext('therapy_billing.msg_claim_member_id'))
        for charge in self.charges:
            if not charge.diagnosis_codes:
                problems.append(gettext(
                        'therapy_billing.msg_claim_no_diagnosis',
                        charge=charge.rec_name))
            if charge.units <= 0 or charge.amount <= 0:
                problems.append(gettext(
                        'therapy_billing.msg_claim_no_amount',
                        charge=charge.rec_name))
            if charge.rendering and not charge.rendering.npi:
                problems.append(gettext(
                        'therapy_billing.msg_claim_no_npi',
                        clinician=charge.rendering.rec_name))
            if charge.state == 'void':
                problems.append(gettext(
                        'therapy_billing.msg_claim_void_charge',
                        charge=charge.rec_name))
        return problems

    @classmethod
    @ModelView.button
    @Workflow.transition('ready')
    def ready(cls, claims):
        pool = Pool()
        Charge = pool.get('therapy.charge')
        for claim in claims:
            if problems := claim.scrub():
                raise ClaimError(gettext(
                        'therapy_billing.msg_claim_scrub',
                        claim=claim.rec_name,
                        problems='\n'.join(f'- {p}' for p in problems)))
        for claim in claims:
            claim.post_invoices()
        cls.save(claims)
        Charge.write([c for claim in claims for c in claim.charges],
            {'state': 'billed'})
        cls.log_events(claims, 'ready')

    def post_invoices(self):
        """The payer's invoice, less the copay, which the client owes (a
        secondary claim: less what the primary paid)"""
        charges = self.lines()
        collected = self.copay_collected()
        copay = ledger.zero() if self.primary_claim else min(
            collected.total_amount if collected
            else (self.coverage.copay or ledger.zero()), self.total)
        payer = self.coverage.payer
        description = gettext('therapy_billing.msg_claim_invoice',
            claim=self.rec_name)
        invoice = ledger.new_invoice(self.company, payer.party, description)
        invoice.lines = [ledger.charge_line(invoice, c) for c in charges]
        first = charges[0]
        if self.primary_claim and self.primary_paid:
            invoice.lines += (ledger.amount_line(invoice,
                    ledger.revenue_account(first), -self.primary_paid,
                    gettext('therapy_billing.msg_primary_paid_line',
                        claim=self.primary_claim.rec_name)),)
        if copay:
            invoice.lines += (ledger.amount_line(invoice,
                    ledger.revenue_account(first), -copay,
                    gettext('therapy_billing.msg_copay_line',
                        date=self.date)),)
        ledger.post([invoice])
        self.payer_invoice = invoice
        self.copay = copay
        if copay and not collected:
            client_invoice = ledger.new_invoice(self.company,
                ledger.guarantor(self.client), gettext('therapy_billing.msg_copay_invoice',
                    client=self.client.number, date=self.date))
            client_invoice.lines = [ledger.amount_line(client_invoice,
                    ledger.revenue_account(first), copay,
                    gettext('therapy_billing.msg_copay_line',
                        date=self.date))]
            ledger.post([client_invoice])
            self.client_invoice = client_invoice
        elif copay:
            self.client_invoice = collected

    def copay_collected(self):
        "The copay invoice made at check-in for this date, if any"
        for charge in self.lines():
            if charge.appointment and charge.appointment.copay_invoice:
                return charge.appointment.copay_invoice

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def correct(cls, claims):
        cls.log_events(claims, 'draft')

    @classmethod
    def adjudicated(cls, claims):
        """Draft the secondary claims of adjudicated primary claims, when
        the client has a secondary coverage that day"""
        Coverage = Pool().get('therapy.coverage')
        existing = {c.primary_claim for c in cls.search([
                    ('primary_claim', 'in', [c.id for c in claims])])}
        vlist = []
        for claim in claims:
            if claim.primary_claim or claim in existing:
                continue
            secondary = [c for c in Coverage.for_client(
                    claim.client, claim.date)
                if c.priority == '2' and not c.payer.self_pay]
            if secondary:
                vlist.append({
                        'company': claim.company.id,
                        'client': claim.client.id,
                        'coverage': secondary[0].id,
                        'date': claim.date,
                        'primary_claim': claim.id,
                        })
        secondaries = cls.create(vlist)
        cls.log_events(secondaries, 'draft')
        return secondaries

    @classmethod
    def _simple(cls, state):
        @classmethod
        @ModelView.button
        @Workflow.transition(state)
        def transition(cls, claims):
            cls.log_events(claims, state)
            if state in {'paid', 'partial', 'denied'}:
                cls.adjudicated(claims)
        return transition


for _name, _state in [('submit', 'submitted'), ('accept', 'accepted'),
        ('reject', 'rejected'), ('pay', 'paid'), ('pay_partially', 'partial'),
        ('deny', 'denied'), ('appeal', 'appealed'), ('close', 'closed')]:
    setattr(Claim, _name, Claim._simple.__func__(Claim, _state))
del _name, _state


class ClaimEvent(ModelSQL, ModelView):
    "Claim Event"
    __name__ = 'therapy.claim.event'

    claim = fields.Many2One(
        'therapy.claim', "Claim", required=True, ondelete='CASCADE')
    state = fields.Selection(STATES, "State", readonly=True)
    user = fields.Many2One('res.user', "By", readonly=True)
    at = fields.DateTime("At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('claim')
        cls._order = [('at', 'ASC'), ('id', 'ASC')]

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            values['user'] = Transaction().user or None
            values['at'] = dt.datetime.now().replace(microsecond=0)
        return values


class Charge(metaclass=PoolMeta):
    __name__ = 'therapy.charge'

    claim = fields.Many2One(
        'therapy.claim', "Claim", readonly=True, ondelete='RESTRICT')
    client_invoice = fields.Many2One(
        'account.invoice', "Client Invoice", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'bill': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    },
                })

    @classmethod
    @ModelView.button
    def bill(cls, charges):
        "Payer charges into draft claims, client charges onto invoices"
        Claim = Pool().get('therapy.claim')
        Claim.from_charges(charges)
        cls.bill_clients(charges)

    @classmethod
    def bill_clients(cls, charges):
        """Invoice the client charges to each guarantor: one invoice per
        guarantor and date"""
        groups = defaultdict(list)
        for charge in charges:
            if charge.state == 'pending' and charge.responsibility == 'client':
                groups[(ledger.guarantor(charge.client), charge.date,
                        charge.company)].append(charge)
        invoices = []
        for (party, date, company), charges_ in groups.items():
            invoice = ledger.new_invoice(company, party,
                gettext('therapy_billing.msg_client_invoice', date=date))
            invoice.lines = [ledger.charge_line(invoice, c)
                for c in charges_]
            invoices.append((invoice, charges_))
        ledger.post([i for i, _ in invoices])
        for invoice, charges_ in invoices:
            cls.write(charges_, {'state': 'billed',
                    'client_invoice': invoice.id})
        return [i for i, _ in invoices]


class Configuration(metaclass=PoolMeta):
    __name__ = 'therapy.configuration'

    claim_sequence = fields.Many2One(
        'ir.sequence', "Claim Sequence",
        domain=[
            ('sequence_type', '=',
                Id('therapy_billing', 'sequence_type_claim')),
            ])

    claim_grouping = fields.Selection([
            ('date', "A claim per date of service"),
            ('month', "A claim per month"),
            ], "Claim Grouping", required=True,
        help="How a client's charges for one payer are gathered into "
        "claims (monthly claims suit ABA and daily programs).")

    @classmethod
    def default_claim_grouping(cls):
        return 'date'

    @classmethod
    def default_claim_sequence(cls):
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id('therapy_billing', 'sequence_claim')
        except KeyError:
            return None
