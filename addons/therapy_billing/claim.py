"""Claims: a client's charges for one payer and date of service (or month).

Workflow: draft -> ready (scrubbed; posts the payer invoice) -> submitted
-> accepted / rejected (the payer's reason; Correct takes it back to draft
to fix and resend) -> paid / partially paid / denied, as the payer's
remittances (835 or paper EOB, remittance.py) leave its balances ->
appealed -> closed. A claim the payer accepted is corrected by a
replacement claim (frequency code 7) or cancelled by a void claim (8),
both keeping the line control numbers. Each claim's money posts once: a
claim made ready again, or its replacement, takes over the posted invoice
when nothing changed, else credits it and posts a new one; a void credits
it. Every transition is a therapy.claim.event row: the state, who, when,
and the payer's reason."""
from collections import defaultdict
from decimal import Decimal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.model.fields import SQL_OPERATORS
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, Id
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from therapy_scheduling import clock

from . import rows_sql
from .batch import slices
from .claim_ledger import ClaimLedgerMixin
from .scrubber import ClaimScrubMixin
from .claim_line import MAX_DIAGNOSES
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
    ('replaced', "Replaced"),
    ('voided', "Voided"),
    ]
# X12 837P CLM05-3 claim frequency type codes
FREQUENCIES = [
    ('1', "Original (1)"),
    ('7', "Replacement (7)"),
    ('8', "Void (8)"),
    ]
# states in which the payer has the claim: corrected by a new claim
WITH_PAYER = ['accepted', 'paid', 'partial', 'denied', 'appealed', 'closed']
# what only the workflow and posting write (readonly is not enforced on
# what a client sends); a draft claim's coverage and lines stay editable
SERVER_OWNED = {'company', 'number', 'client', 'date', 'frequency_code',
    'original_claim', 'primary_claim', 'payer_invoice', 'payer_reason',
    'state', 'crossed_over'}
DRAFT_ONLY = {'coverage', 'lines', 'diagnoses', 'delay_reason',
    'referral_number', 'referring_provider', 'referring_npi', 'onset_date',
    'initial_treatment_date'}
# what a claim's detail carries to its replacement, void or secondary
DETAIL = ['delay_reason', 'referral_number', 'referring_provider',
    'referring_npi', 'onset_date', 'initial_treatment_date']
# X12 837P CLM20: why a claim is sent after the payer's filing limit
DELAY_REASONS = [
    (None, ""),
    ('1', "Proof of eligibility unknown or unavailable"),
    ('2', "Litigation"),
    ('3', "Authorization delays"),
    ('4', "Delay in certifying provider"),
    ('5', "Delay in supplying billing forms"),
    ('6', "Delay in delivery of custom-made appliances"),
    ('7', "Third party processing delay"),
    ('8', "Delay in eligibility determination"),
    ('9', "Original claim rejected or denied for a reason unrelated to "
        "the billing limitation rules"),
    ('10', "Administration delay in the prior approval process"),
    ('11', "Other"),
    ('15', "Natural disaster"),
    ]


class Claim(ClaimScrubMixin, ClaimLedgerMixin, Workflow, ModelSQL, ModelView):
    "Claim"
    __name__ = 'therapy.claim'
    _history = True

    _draft = {'readonly': Eval('state') != 'draft'}
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    number = fields.Char("Number", required=True, readonly=True,
        help="CLM01: the patient control number the payer answers with.")
    client = fields.Many2One(
        'therapy.client', "Client", required=True, readonly=True,
        ondelete='RESTRICT')
    coverage = fields.Many2One(
        'therapy.coverage', "Coverage", required=True, ondelete='RESTRICT',
        domain=[('client', '=', Eval('client', -1))], states=_draft)
    payer = fields.Function(
        fields.Many2One('therapy.payer', "Payer"), 'on_change_with_payer')
    date = fields.Date("Date of Service", required=True, readonly=True)
    frequency_code = fields.Selection(
        FREQUENCIES, "Frequency", required=True, readonly=True,
        help="CLM05-3: an original claim, or the replacement or void of "
        "one the payer has.")
    original_claim = fields.Many2One(
        'therapy.claim', "Original Claim", readonly=True,
        ondelete='RESTRICT',
        help="The claim this replacement or void corrects.")
    corrections = fields.One2Many(
        'therapy.claim', 'original_claim', "Corrections", readonly=True)
    payer_claim_number = fields.Char(
        "Payer Claim Number",
        states={'readonly': Eval('state').in_(['closed', 'replaced', 'voided'])},
        help="CLP07: the payer's number for the claim (its remittance or "
        "EOB gives it); a replacement or void sends it as REF*F8.")
    primary_claim = fields.Many2One(
        'therapy.claim', "Primary Claim", readonly=True,
        ondelete='RESTRICT',
        help="For a secondary coverage: the primary payer's claim, whose "
        "patient responsibility this claim bills.")
    secondary_claims = fields.One2Many(
        'therapy.claim', 'primary_claim', "Secondary Claims", readonly=True)
    crossed_over = fields.Boolean("Crossed Over", readonly=True,
        help="The primary payer forwarded this secondary claim itself "
        "(crossover, CLP02 19/20/21): it is not sent from here, and the "
        "payer's 835 answers it.")
    lines = fields.One2Many(
        'therapy.claim.line', 'claim', "Lines",
        states={'readonly': Eval('state') != 'draft'})
    delay_reason = fields.Selection(
        DELAY_REASONS, "Delay Reason", sort=False, states=_draft,
        help="CLM20: why the claim is late; a claim past the timely filing "
        "limit is sent only with one (and the payer's proof of it).")
    referral_number = fields.Char(
        "Referral Number", states=_draft,
        help="REF*9F: the referral the plan issued, where it requires one.")
    referring_provider = fields.Many2One(
        'party.party', "Referring Provider", states=_draft,
        context={'company': Eval('company', -1)}, depends={'company'},
        help="2310A: the physician who referred the client or certified the "
        "plan of care (Medicare PT/OT, Medicaid ABA and speech).")
    referring_npi = fields.Char(
        "Referring NPI", states=_draft,
        help="The referring provider's NPI (NPPES).")
    onset_date = fields.Date(
        "Onset Date", states=_draft,
        help="DTP*431: onset of the current illness or injury (PT/OT).")
    initial_treatment_date = fields.Date(
        "Initial Treatment Date", states=_draft,
        help="DTP*454: first treatment for this condition (PT/OT).")
    diagnoses = fields.One2Many(
        'therapy.claim.diagnosis', 'claim', "Diagnoses", states=_draft,
        size=MAX_DIAGNOSES)
    charges = fields.Function(
        fields.Many2Many('therapy.charge', None, None, "Charges"),
        'get_charges')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    total = fields.Function(
        Monetary("Total Charge", currency='currency', digits='currency',
            help="CLM02: the sum of the lines billed."),
        'get_total')
    expected_copay = fields.Function(
        Monetary("Expected Copay", currency='currency', digits='currency',
            help="The coverage's copay per visit: shown, not posted. The "
            "client's share is billed when the payer's answer names it."),
        'get_copays')
    collected_at_desk = fields.Function(
        Monetary("Collected at the Desk", currency='currency',
            digits='currency',
            help="Copays taken for these visits, held as deposits."),
        'get_copays')
    payer_invoice = fields.Many2One(
        'account.invoice', "Payer Invoice", readonly=True)
    invoices = fields.Function(
        fields.Many2Many('account.invoice', None, None, "Invoices",
            help="Every invoice and credit note of the claim's lines."),
        'get_invoices')
    payer_reason = fields.Char("Payer's Reason", readonly=True,
        help="Why the payer rejected or denied the claim, as it said it.")
    next_action = fields.Function(
        fields.Text("Next Step"), 'get_next_action')
    events = fields.One2Many(
        'therapy.claim.event', 'claim', "History", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, required=True,
        sort=False)
    del _draft

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('number_unique', Unique(t, t.company, t.number),
                'therapy_billing.msg_claim_number_unique'),
            ]
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
            ('accepted', 'closed'),
            ('partial', 'paid'),
            ('denied', 'appealed'),
            ('partial', 'appealed'),
            ('appealed', 'paid'),
            ('appealed', 'partial'),
            ('appealed', 'denied'),
            ('paid', 'closed'),
            ('partial', 'closed'),
            ('denied', 'closed'),
            ('accepted', 'replaced'),
            ('paid', 'replaced'),
            ('partial', 'replaced'),
            ('denied', 'replaced'),
            ('appealed', 'replaced'),
            ('closed', 'replaced'),
            ('draft', 'voided'),
            ('ready', 'voided'),
            ('rejected', 'voided'),
            ('accepted', 'voided'),
            ('paid', 'voided'),
            ('partial', 'voided'),
            ('denied', 'voided'),
            ('appealed', 'voided'),
            ('closed', 'voided'),
            }
        cls._buttons.update({
                'ready': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'correct': {
                    'invisible': ~Eval('state').in_(['ready', 'rejected']),
                    'depends': ['state'],
                    },
                'submit': {
                    'invisible': Eval('state') != 'ready',
                    'depends': ['state'],
                    },
                'accept': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'appeal': {
                    'invisible': ~Eval('state').in_(['denied', 'partial']),
                    'depends': ['state'],
                    },
                'write_off': {
                    'invisible': Eval('state') != 'denied',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': ~Eval('state').in_(
                        ['accepted', 'paid', 'partial', 'denied']),
                    'depends': ['state'],
                    },
                'replace': {
                    'invisible': (~Eval('state').in_(WITH_PAYER)
                        | (Eval('frequency_code') == '8')),
                    'depends': ['state', 'frequency_code'],
                    },
                'void': {
                    'invisible': (~Eval('state').in_(
                            ['ready', 'rejected'] + WITH_PAYER)
                        | (Eval('frequency_code') == '8')),
                    'depends': ['state', 'frequency_code'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_frequency_code(cls):
        return '1'

    @fields.depends('coverage')
    def on_change_with_payer(self, name=None):
        return self.coverage.payer if self.coverage else None

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_total(self, name):
        return sum((l.billed for l in self.lines), Decimal(0))

    def get_charges(self, name):
        return list({l.charge.id: None for l in self.lines})

    def get_rec_name(self, name):
        return self.number

    @classmethod
    def search_rec_name(cls, name, clause):
        "A claim typed by its number, or by the payer's number for it"
        if clause[1].startswith('!') or clause[1].startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number',) + tuple(clause[1:]),
            ('payer_claim_number',) + tuple(clause[1:]),
            ]

    @property
    def active(self):
        "Is the payer billed by this claim now (not corrected away)?"
        return self.is_active(self.state, self.frequency_code)

    @staticmethod
    def is_active(state, frequency_code):
        "active, from a claim's row"
        return state not in {'replaced', 'voided'} and frequency_code != '8'

    @property
    def visits(self):
        "The appointments of the sessions billed"
        return list({l.charge.appointment: None for l in self.lines
                if l.charge.appointment and l.charge.kind == 'service'})

    @classmethod
    def get_copays(cls, claims, names):
        """The copay a claim's visits should have had, and what was taken
        for them at the desk: one search of the desk payments for all the
        claims read together"""
        pool = Pool()
        DeskPayment = pool.get('therapy.desk.payment')
        result = {name: {} for name in names}
        visits = {c: c.visits for c in claims}
        if 'expected_copay' in names:
            for claim in claims:
                if (claim.primary_claim or not claim.coverage.copay
                        or claim.beneficiary_billing_prohibited()):
                    copay = Decimal(0)
                else:
                    copay = min(claim.coverage.copay * len(visits[claim]),
                        claim.total)
                result['expected_copay'][claim.id] = copay
        if 'collected_at_desk' in names:
            appointments = list({a.id for found in visits.values()
                    for a in found})
            taken = defaultdict(Decimal)
            for sub_ids in grouped_slice(
                    appointments, backend.MAX_QUERY_PARAMS):
                for payment in DeskPayment.search([
                            ('appointment', 'in', list(sub_ids)),
                            ('kind', '=', 'copay'),
                            ]):
                    taken[payment.appointment.id] += payment.amount
            for claim in claims:
                result['collected_at_desk'][claim.id] = sum(
                    (taken[a.id] for a in visits[claim]), Decimal(0))
        return result

    def get_invoices(self, name):
        InvoiceLine = Pool().get('account.invoice.line')
        origins = [str(l) for l in self.lines]
        lines = InvoiceLine.search([('origin', 'in', origins)])
        lines += InvoiceLine.search(
            [('origin', 'in', [str(l) for l in lines])])
        invoices = {l.invoice.id for l in lines}
        invoices |= {l.invoice_line.invoice.id for l in self.lines
            if l.invoice_line}
        return sorted(invoices)

    def get_next_action(self, name):
        if self.state == 'draft':
            problems = self.scrub()
            if problems:
                return gettext('therapy_billing.msg_next_draft_problems',
                    problems='\n'.join(f'- {p}' for p in problems))
            return gettext('therapy_billing.msg_next_draft')
        if self.state in {'rejected', 'denied', 'replaced', 'voided'}:
            corrections = ', '.join(c.rec_name for c in self.corrections)
            return gettext(f'therapy_billing.msg_next_{self.state}',
                reason=self.payer_reason or '-', corrections=corrections)
        return gettext(f'therapy_billing.msg_next_{self.state}')

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number'):
            sequence = Configuration(1).claim_sequence
            if not sequence:
                raise ClaimError(gettext(
                        'therapy_billing.msg_claim_sequence_missing'))
            values['number'] = sequence.get()
        return values

    @classmethod
    def check_modification(cls, mode, claims, values=None, external=False):
        super().check_modification(
            mode, claims, values=values, external=external)
        if not external or mode != 'write':
            return
        if values.keys() & SERVER_OWNED:
            raise AccessError(gettext(
                    'therapy_billing.msg_claim_server_owned',
                    fields=', '.join(sorted(values.keys() & SERVER_OWNED))))
        if values.keys() & DRAFT_ONLY:
            for claim in claims:
                if claim.state != 'draft':
                    raise AccessError(gettext(
                            'therapy_billing.msg_claim_not_draft',
                            claim=claim.rec_name))

    def next_coverage(self):
        "The coverage that pays what this primary claim's payer leaves"
        Coverage = Pool().get('therapy.coverage')
        if self.primary_claim:
            return None
        return next((c for c in Coverage.for_client(self.client, self.date)
                if c.priority == '2' and not c.payer.self_pay), None)

    def beneficiary_billing_prohibited(self):
        "May a payer of the visit not let its beneficiary be billed?"
        Coverage = Pool().get('therapy.coverage')
        return any(c.payer.beneficiary_billing_prohibited
            for c in Coverage.for_client(self.client, self.date))

    def payers_after(self):
        """What the patient responsibility this claim's payer names may
        become: {'next_payer': a next payer bills it,
        'beneficiary_billing_prohibited': no one may bill the client}"""
        Coverage = Pool().get('therapy.coverage')
        return self.payers_with([(c.priority, c.payer)
                for c in Coverage.for_client(self.client, self.date)],
            bool(self.primary_claim))

    @staticmethod
    def payers_with(coverages, secondary):
        """payers_after of a claim from its client's coverages in effect
        [(priority, payer)]; secondary: is it a secondary claim (no payer
        follows its own)"""
        return {
            'next_payer': not secondary and any(
                priority == '2' and not payer.self_pay
                for priority, payer in coverages),
            'beneficiary_billing_prohibited': any(
                payer.beneficiary_billing_prohibited
                for _, payer in coverages),
            }

    @classmethod
    def payers_of(cls, claims):
        """{claim id: payers_after()} of claims (records or ids), in one
        search of coverages a slice of claims. The claims and coverages
        are read as rows: a remittance asks it of thousands, and their
        records (each coverage's payer one more) cost more than the
        answers"""
        pool = Pool()
        Coverage = pool.get('therapy.coverage')
        Payer = pool.get('therapy.payer')
        claim = cls.__table__()
        cursor = Transaction().connection.cursor()
        payers, found = {}, {}
        for chunk in slices(sorted({int(c) for c in claims})):
            cursor.execute(*claim.select(claim.id, claim.client, claim.date,
                    claim.primary_claim,
                    where=SQL_OPERATORS['in'](claim.id, chunk)))
            rows = cursor.fetchall()
            by_client = defaultdict(list)
            # Coverage.for_client's search and order
            for coverage in Coverage.search_read([
                        ('client', 'in', list({r[1] for r in rows})),
                        ], order=[('priority', 'ASC'), ('id', 'ASC')],
                    fields_names=['client', 'priority', 'payer',
                        'start_date', 'end_date']):
                by_client[coverage['client']].append(coverage)
            new = {c['payer'] for coverages in by_client.values()
                for c in coverages} - payers.keys()
            payers.update((p.id, p) for p in Payer.browse(list(new)))
            for claim_id, client_id, date, primary in rows:
                found[claim_id] = cls.payers_with([
                        (c['priority'], payers[c['payer']])
                        for c in by_client[client_id]
                        if Coverage.dates_cover(
                            c['start_date'], c['end_date'], date)],
                    primary is not None)
        return found

    # --- making claims ------------------------------------------------------
    @classmethod
    def from_charges(cls, charges):
        """Draft claims for the payer charges to bill: one per client,
        coverage and date of service (or month); returns them"""
        pool = Pool()
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
        cls.add_lines(list(zip(claims, (sorted(g, key=lambda c: (c.date,
                                c.id)) for _, g in groups))))
        cls.log_events(claims, 'draft')
        return claims

    @classmethod
    def add_lines(cls, claims_charges):
        """Lines and diagnoses of new claims from their charges: the
        diagnoses in the order the charges list them (primary first), each
        line pointing at its charge's"""
        pool = Pool()
        Line = pool.get('therapy.claim.line')
        Diagnosis = pool.get('therapy.claim.diagnosis')
        ICD10 = pool.get('therapy.icd10')
        codes = {c for _, charges in claims_charges for charge in charges
            for c in charge.diagnosis_code_list}
        icd10 = {i.code: i for i in ICD10.search(
                [('code', 'in', list(codes))])} if codes else {}
        lines, diagnoses = [], []
        for claim, charges in claims_charges:
            order = []
            for charge in charges:
                order += [c for c in charge.diagnosis_code_list
                    if c in icd10 and c not in order]
            order = order[:MAX_DIAGNOSES]
            diagnoses += [{'claim': claim.id, 'sequence': i,
                    'code': icd10[c].id} for i, c in enumerate(order, 1)]
            for sequence, charge in enumerate(charges, 1):
                pointers = [order.index(c) + 1
                    for c in charge.diagnosis_code_list if c in order]
                lines.append(dict(Line.charge_values(
                            charge, sequence, pointers,
                            payer=claim.coverage.payer), claim=claim.id,
                        control_number=f'{claim.number}-{sequence}'))
        Diagnosis.create(diagnoses)
        Line.create(lines)

    def _copy(self, **values):
        """Values of a claim carrying this one's lines and diagnoses: a
        replacement, a void or a secondary claim"""
        return dict({
                'company': self.company.id,
                'client': self.client.id,
                'coverage': self.coverage.id,
                'date': self.date,
                'diagnoses': [('create', [{'sequence': d.sequence,
                                'code': d.code.id}
                            for d in self.diagnoses])],
                }, **self._detail_values(), **values)

    def _detail_values(self):
        "The claim's detail (referral, referring provider, dates) as values"
        values = {}
        for name in DETAIL:
            value = getattr(self, name)
            values[name] = value.id if hasattr(value, 'id') else value
        return values

    @classmethod
    def _copy_lines(cls, pairs, correction):
        """Lines of the new claims in pairs (new, source): a correction's
        keep the control numbers, a secondary claim's get new ones"""
        Line = Pool().get('therapy.claim.line')
        vlist = []
        for new, source in pairs:
            for line in source.lines:
                values = dict(line.copy_values(), claim=new.id)
                if correction:
                    values.update(control_number=line.control_number,
                        original_line=line.id)
                else:
                    values.update(primary_line=line.id,
                        control_number=f'{new.number}-{line.sequence}')
                vlist.append(values)
        Line.create(vlist)

    @classmethod
    def adjudicated(cls, claims):
        """Draft the secondary claims of adjudicated primary claims, when
        the client has a secondary coverage that day"""
        existing = {c.primary_claim for c in cls.search([
                    ('primary_claim', 'in', [c.id for c in claims]),
                    ('state', 'not in', ['replaced', 'voided']),
                    ])}
        pairs = [(claim, claim.next_coverage()) for claim in claims
            if claim.active and claim not in existing]
        pairs = [(c, coverage) for c, coverage in pairs if coverage]
        secondaries = cls.create([claim._copy(coverage=coverage.id,
                    primary_claim=claim.id) for claim, coverage in pairs])
        cls._copy_lines(list(zip(secondaries, (c for c, _ in pairs))),
            correction=False)
        cls.log_events(secondaries, 'draft')
        return secondaries

    @classmethod
    def cross_over(cls, forwarded):
        """The drafted secondary claims of primary claims whose payer
        forwarded them {primary: crossover payer's name}: billed (their
        payer invoice posted) and submitted without a file, so that
        nobody sends the payer a duplicate"""
        secondaries = cls.search([
                ('primary_claim', 'in', [c.id for c in forwarded]),
                ('state', '=', 'draft'),
                ])
        if not secondaries:
            return []
        cls.post_invoices(secondaries)
        for claim in secondaries:
            claim.crossed_over = True
            claim.state = 'submitted'
        cls.save(secondaries)
        by_reason = defaultdict(list)
        for claim in secondaries:
            primary = claim.primary_claim
            by_reason[gettext('therapy_billing.msg_claim_crossed_over',
                    payer=primary.payer.rec_name,
                    crossover=forwarded[primary] or claim.payer.rec_name)[
                    :500]].append(claim)
        for reason, claims in by_reason.items():
            cls.log_events(claims, 'submitted', reason)
        return secondaries

    @classmethod
    def log_events(cls, claims, state, reason=None):
        "An event of each claim: by rows, a remittance settles thousands"
        Event = Pool().get('therapy.claim.event')
        rows_sql.create(Event, [
                {'claim': c.id, 'state': state, 'reason': reason}
                for c in claims], 'claim')

    # --- the workflow -------------------------------------------------------
    @classmethod
    @ModelView.button
    @Workflow.transition('ready')
    def ready(cls, claims):
        "Scrub, then post the payer invoices in one pass"
        problems = [(c, c.scrub()) for c in claims]
        if any(p for _, p in problems):
            raise ClaimError(gettext('therapy_billing.msg_claim_scrub',
                    problems='\n'.join(f'{c.rec_name}:\n' + '\n'.join(
                            f'- {p}' for p in found)
                        for c, found in problems if found)))
        cls.post_invoices(claims)
        cls.log_events(claims, 'ready')

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def correct(cls, claims):
        """Back to draft to fix and send again: its posted invoice stays
        and is only credited if the fix changes what it bills"""
        cls.log_events(claims, 'draft')

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, claims):
        cls.log_events(claims, 'submitted')

    @classmethod
    @ModelView.button
    @Workflow.transition('accepted')
    def accept(cls, claims):
        cls.log_events(claims, 'accepted')

    @classmethod
    @ModelView.button_action('therapy_billing.wizard_claim_reject')
    def reject(cls, claims):
        pass

    @classmethod
    @Workflow.transition('rejected')
    def do_reject(cls, claims, reason):
        cls.write(claims, {'payer_reason': reason})
        cls.log_events(claims, 'rejected', reason)

    @classmethod
    @ModelView.button
    @Workflow.transition('appealed')
    def appeal(cls, claims):
        cls.log_events(claims, 'appealed')

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, claims):
        cls.log_events(claims, 'closed')

    @classmethod
    @Workflow.transition('closed')
    def close_settled(cls, claims):
        "Closed by the balances: the payer's and the client's are 0"
        cls.log_events(claims, 'closed',
            gettext('therapy_billing.msg_claim_settled'))

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def write_off(cls, claims):
        """Give up a denied claim: what the payer still owes goes to the
        denial write-offs (Dr write-offs, Cr the payer's receivable)"""
        Line = Pool().get('therapy.claim.line')
        Line.post_adjustments('co', {l: l.payer_balance
                for c in claims for l in c.lines if l.payer_balance > 0},
            'write_off_account')
        cls.log_events(claims, 'closed')

    @classmethod
    @ModelView.button
    def replace(cls, claims):
        "A replacement claim (7) to correct what the payer has: in draft"
        cls._correct(claims, '7')

    @classmethod
    @ModelView.button
    def void(cls, claims):
        """Cancel a claim: one the payer has gets a void claim (8) to
        send, which credits the invoice when posted; one it does not have
        is credited at once"""
        with_payer = [c for c in claims if c.state in WITH_PAYER]
        cls._correct(with_payer, '8')
        now = [c for c in claims if c not in with_payer]
        invoices = [c.previous_invoice() for c in now]
        Pool().get('account.invoice').credit_billing(
            [i for i in invoices if i])
        cls.mark_voided(now)
        cls.release_charges(now)

    @classmethod
    def _correct(cls, claims, frequency):
        for claim in claims:
            pending = [c for c in claim.corrections
                if c.state == 'draft']
            if pending:
                raise ClaimError(gettext(
                        'therapy_billing.msg_claim_correction_pending',
                        claim=claim.rec_name, correction=pending[0].rec_name))
        corrections = cls.create([c._copy(frequency_code=frequency,
                    original_claim=c.id,
                    primary_claim=(c.primary_claim.id if c.primary_claim
                        else None),
                    payer_claim_number=c.payer_claim_number)
                for c in claims])
        cls._copy_lines(list(zip(corrections, claims)), correction=True)
        cls.log_events(corrections, 'draft')
        return corrections

    @classmethod
    @Workflow.transition('replaced')
    def mark_replaced(cls, claims):
        cls.log_events(claims, 'replaced')

    @classmethod
    @Workflow.transition('voided')
    def mark_voided(cls, claims, reason=None):
        cls.log_events(claims, 'voided', reason)

    @classmethod
    def release_charges(cls, claims):
        """The charges of voided claims no other claim bills go back to be
        billed (to the right payer), or voided"""
        Charge = Pool().get('therapy.charge')
        charges = Charge.browse(list({l.charge.id for c in claims
                    for l in c.lines if not c.primary_claim}))
        Charge.write([c for c in charges if not c.claim], {
                'state': 'pending'})


class ClaimEvent(ModelSQL, ModelView):
    "Claim Event"
    __name__ = 'therapy.claim.event'

    claim = fields.Many2One(
        'therapy.claim', "Claim", required=True, ondelete='CASCADE')
    state = fields.Selection(STATES, "State", readonly=True)
    reason = fields.Char("Reason", readonly=True)
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
            values['at'] = clock.now()
        return values


class ClaimReasonStart(ModelView):
    "Payer's Reason"
    __name__ = 'therapy.claim.reason.start'

    code = fields.Char("Code",
        help="As the payer gave it: a CARC such as CO-16 or CO-197, or "
        "the clearinghouse's rejection code.")
    reason = fields.Char("Reason", required=True,
        help="What the payer says is wrong, e.g. \"member ID not found\".")


class ClaimReject(Wizard):
    "Reject Claim"
    __name__ = 'therapy.claim.reject'

    start = StateView('therapy.claim.reason.start',
        'therapy_billing.claim_reason_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Record", 'record', 'tryton-ok', default=True),
            ])
    record = StateTransition()

    def reason(self):
        return ' '.join(filter(None, [self.start.code, self.start.reason]))

    def transition_record(self):
        Claim = Pool().get('therapy.claim')
        Claim.do_reject(list(self.records), self.reason())
        return 'end'


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
