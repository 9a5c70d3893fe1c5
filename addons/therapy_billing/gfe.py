"""Good Faith Estimates (No Surprises Act, 45 CFR 149.610; issue 17).

A client who is uninsured or not using insurance (no coverage in force, or
a self-pay primary: the same rule charge.py bills by) is owed an estimate
of the expected charges: each service with its CPT code, how often and
how many times over a period of at most 12 months, the fee per session
(the practice charge, or the client's sliding-scale tier fee, never above
the practice charge), the total and the diagnosis codes when known, with
the notices the rule requires (documents.py prints them).

Workflow: draft (the front desk or a biller checks and adjusts the
lines) -> issued (numbers frozen, the PDF rendered once and kept with its
SHA-256; the client sees it in the portal) -> acknowledged (the client or
guardian confirmed receipt in the portal: who and when) or superseded (a
newer estimate of the same client issued over the same period). Issued
estimates are never changed: write and delete are refused on the server,
not only in the view, and the workflow fields (state, issue, receipt,
document) are the server's to set, whatever an RPC call sends.

When one is made:
- on request: the client's *Good Faith Estimate* button (front desk,
  billers, owner);
- on booking: a future session booked for a self-pay client who has no
  estimate covering its date. The booking only queues the work
  (`__queue__`): the estimate is made in a transaction of its own right
  after the booking commits (or by the queue worker), so a booking never
  fails nor waits because of it, and a series of 26 sessions makes one
  estimate. A daily cron would also keep bookings safe, but could leave a
  client without an estimate past the rule's one business day.

The check against the bill: `billed` is what the client was charged
(session charges billed to the client, not void) for dates in the
estimate's period; an issued or acknowledged estimate is flagged when that
exceeds its total by $400 or more, the amount from which the client may
dispute the bill. The flag is searchable, on the estimate and the client,
so the owner or a biller lists those to review."""
import datetime as dt
import hashlib
import logging
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling import clock

logger = logging.getLogger(__name__)

# what the client may dispute: a bill this much above the estimate
DISPUTE_THRESHOLD = Decimal(400)
# an estimate covers at most 12 months (149.610(b)(1)(ii) for recurring
# services)
MAX_PERIOD = relativedelta(years=1)
# the workflow's own fields: only the server writes them
SERVER_FIELDS = {'state', 'issue_date', 'issued_by', 'issued_at',
    'acknowledged_at', 'acknowledged_by', 'superseded_by', 'document',
    'document_name', 'document_hash', 'origin'}
CONTEXT_KEY = '_gfe_workflow'  # dropped from RPC contexts (trytond/rpc.py)
STATES = {'readonly': Eval('state') != 'draft'}


class EstimateError(ValidationError):
    pass


def server_owned(func):
    "Run a transition with the right to write the workflow's fields"
    def wrapper(cls, *args, **kwargs):
        with Transaction().set_context(**{CONTEXT_KEY: True}):
            return func(cls, *args, **kwargs)
    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def self_pay(client, date):
    """Whether client has no insurance in force at date: no coverage, or a
    self-pay primary (charge.py bills the client then)"""
    Coverage = Pool().get('therapy.coverage')
    coverages = Coverage.for_client(client, date)
    return not coverages or coverages[0].payer.self_pay


class GoodFaithEstimate(Workflow, ModelSQL, ModelView):
    "Good Faith Estimate"
    __name__ = 'therapy.good_faith_estimate'
    _history = True

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='RESTRICT',
        states=STATES, domain=[('company', '=', Eval('company', -1))])
    origin = fields.Selection([
            ('booking', "First booking"),
            ('request', "Requested"),
            ], "Made On", readonly=True)
    period_start = fields.Date(
        "Period From", required=True, states=STATES,
        help="The first day the estimate covers.")
    period_end = fields.Date(
        "Period To", required=True, states=STATES,
        domain=[('period_end', '>=', Eval('period_start', None))],
        help="At most 12 months after the first day.")
    diagnosis_codes = fields.Char(
        "Diagnosis Codes", states=STATES,
        help="ICD-10-CM codes when known, primary first.")
    lines = fields.One2Many(
        'therapy.good_faith_estimate.line', 'estimate', "Expected Services",
        states=STATES)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    total = fields.Function(Monetary(
            "Estimated Total", currency='currency', digits='currency'),
        'on_change_with_total')
    billed = fields.Function(Monetary(
            "Billed in the Period", currency='currency', digits='currency',
            help="Session charges billed to the client for dates in the "
            "period, not void."),
        'get_billed')
    over_by = fields.Function(Monetary(
            "Billed Above the Estimate", currency='currency',
            digits='currency'),
        'get_billed')
    over_estimate = fields.Function(fields.Boolean(
            "Over the Estimate by $400",
            help="Issued, and billed $400 or more above the estimate: the "
            "client may dispute the bill."),
        'get_billed', searcher='search_over_estimate')
    state = fields.Selection([
            ('draft', "Draft"),
            ('issued', "Issued"),
            ('acknowledged', "Acknowledged"),
            ('superseded', "Superseded"),
            ], "State", required=True, readonly=True, sort=False)
    issue_date = fields.Date("Date Issued", readonly=True)
    issued_by = fields.Many2One('res.user', "Issued By", readonly=True)
    issued_at = fields.DateTime("Issued At", readonly=True)
    acknowledged_at = fields.DateTime("Receipt Acknowledged At", readonly=True)
    acknowledged_by = fields.Char(
        "Receipt Acknowledged By", readonly=True,
        help="The portal login that acknowledged receipt, and as whom.")
    superseded_by = fields.Many2One(
        'therapy.good_faith_estimate', "Superseded By", readonly=True)
    document = fields.Binary(
        "Document", filename='document_name', readonly=True,
        help="The PDF as issued to the client.")
    document_name = fields.Char("Document Name", readonly=True)
    document_hash = fields.Char(
        "Document SHA-256", readonly=True,
        help="The fingerprint of the PDF as issued.")

    # the workflow's own fields: only the server writes them (extended by
    # the modules that add such fields)
    _server_fields = SERVER_FIELDS

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('period_start', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'issued'),
            ('issued', 'acknowledged'),
            ('issued', 'superseded'),
            ('acknowledged', 'superseded'),
            }
        cls._buttons.update({
                'issue': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_origin(cls):
        return 'request'

    @classmethod
    def default_period_start(cls):
        return Pool().get('ir.date').today()

    @fields.depends('period_start')
    def on_change_period_start(self):
        if self.period_start:
            self.period_end = self.period_start + MAX_PERIOD - dt.timedelta(
                days=1)

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('lines')
    def on_change_with_total(self, name=None):
        return sum(((l.quantity or 0) * (l.unit_price or 0)
                for l in self.lines or []), Decimal(0))

    def get_rec_name(self, name):
        return gettext('therapy_billing.msg_gfe_rec_name',
            client=self.client.rec_name,
            date=self.issue_date or self.period_start)

    @classmethod
    def get_billed(cls, estimates, names):
        """What the client was billed in each estimate's period, how much
        above the estimate, and whether that is a dispute's $400"""
        Charge = Pool().get('therapy.charge')
        result = {n: {} for n in names}
        with without_check_access():
            for estimate in estimates:
                billed = sum((c.amount for c in Charge.search([
                                ('client', '=', estimate.client.id),
                                ('kind', '=', 'service'),
                                ('responsibility', '=', 'client'),
                                ('state', '!=', 'void'),
                                ('date', '>=', estimate.period_start),
                                ('date', '<=', estimate.period_end),
                                ])), Decimal(0))
                over = billed - estimate.total
                values = {
                    'billed': billed,
                    'over_by': max(over, Decimal(0)),
                    'over_estimate': (
                        estimate.state in {'issued', 'acknowledged'}
                        and over >= DISPUTE_THRESHOLD),
                    }
                for name in names:
                    result[name][estimate.id] = values[name]
        return result

    @classmethod
    def search_over_estimate(cls, name, clause):
        _, operator, value = clause[:3]
        estimates = cls.search([('state', 'in', ['issued', 'acknowledged'])])
        flagged = [e.id for e in estimates if e.over_estimate]
        wanted = (operator == '=') == bool(value)
        return [('id', 'in' if wanted else 'not in', flagged)]

    @classmethod
    def validate_fields(cls, estimates, field_names):
        super().validate_fields(estimates, field_names)
        if field_names and not field_names & {'period_start', 'period_end'}:
            return
        for estimate in estimates:
            if estimate.period_end >= estimate.period_start + MAX_PERIOD:
                raise EstimateError(gettext(
                        'therapy_billing.msg_gfe_period_too_long',
                        estimate=estimate.rec_name,
                        end=estimate.period_start + MAX_PERIOD
                        - dt.timedelta(days=1)))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not Transaction().context.get(CONTEXT_KEY):
            # a new estimate is a draft, whatever the call says
            for name in cls._server_fields - {'origin'}:
                values.pop(name, None)
            values['origin'] = 'request'
        return values

    @classmethod
    def check_modification(cls, mode, estimates, values=None,
            external=False):
        super().check_modification(
            mode, estimates, values=values, external=external)
        server = Transaction().context.get(CONTEXT_KEY)
        owned = cls._server_fields
        if mode == 'write' and external and not server and (
                values.keys() & owned):
            raise AccessError(gettext(
                    'therapy_billing.msg_gfe_server_owned',
                    fields=', '.join(sorted(values.keys() & owned))))
        if mode in {'write', 'delete'} and not server:
            for estimate in estimates:
                if estimate.state != 'draft':
                    raise AccessError(gettext(
                            'therapy_billing.msg_gfe_issued_readonly',
                            estimate=estimate.rec_name,
                            date=estimate.issue_date))

    @classmethod
    def copy(cls, estimates, default=None):
        "A copy is a new draft, to correct and issue in place of the old"
        default = dict(default or {})
        for name in cls._server_fields:
            default.setdefault(name)
        default['state'] = 'draft'
        default['origin'] = 'request'
        with Transaction().set_context(**{CONTEXT_KEY: True}):
            return super().copy(estimates, default=default)

    @classmethod
    @ModelView.button
    @server_owned
    @Workflow.transition('issued')
    def issue(cls, estimates):
        """Freeze the estimate, render and keep its PDF, and supersede the
        client's earlier ones over the same days"""
        pool = Pool()
        Report = pool.get('therapy.good_faith_estimate.report', type='report')
        today = pool.get('ir.date').today()
        for estimate in estimates:
            if not estimate.lines:
                raise EstimateError(gettext(
                        'therapy_billing.msg_gfe_no_lines',
                        estimate=estimate.rec_name))
            if not self_pay(estimate.client, estimate.period_start):
                raise EstimateError(gettext(
                        'therapy_billing.msg_gfe_insured',
                        client=estimate.client.rec_name,
                        date=estimate.period_start))
        cls.write(estimates, {
                'issue_date': today,
                'issued_by': Transaction().user or None,
                'issued_at': clock.now(),
                })
        issued = cls.browse(estimates)
        for estimate in issued:
            with without_check_access():
                content = Report.render_pdf(estimate)
            estimate.document = content
            estimate.document_name = (
                f'good-faith-estimate-{estimate.client.number}-'
                f'{estimate.issue_date:%Y%m%d}.pdf')
            estimate.document_hash = hashlib.sha256(content).hexdigest()
        cls.save(issued)
        for estimate in estimates:
            older = cls.search([
                    ('client', '=', estimate.client.id),
                    ('id', '!=', estimate.id),
                    ('state', 'in', ['issued', 'acknowledged']),
                    ('period_start', '<=', estimate.period_end),
                    ('period_end', '>=', estimate.period_start),
                    ])
            if older:
                cls.supersede(older, estimate)

    @classmethod
    @server_owned
    @Workflow.transition('superseded')
    def supersede(cls, estimates, newer):
        cls.write(estimates, {'superseded_by': newer.id})

    @classmethod
    @server_owned
    @Workflow.transition('acknowledged')
    def acknowledge(cls, estimates, by):
        """Record the receipt: by whom (the portal's words for the login
        and its role) and when"""
        cls.write(estimates, {
                'acknowledged_by': by,
                'acknowledged_at': clock.now(),
                })

    @classmethod
    def prepare(cls, client, start, origin):
        """The values of a draft estimate of client from start: the
        services booked or planned in series over the period, with their
        fees, and the client's diagnoses"""
        pool = Pool()
        Line = pool.get('therapy.good_faith_estimate.line')
        end = start + MAX_PERIOD - dt.timedelta(days=1)
        codes = ', '.join(d.code.code for d in sorted(
                (d for d in getattr(client, 'diagnoses', [])
                    if d.active_problem),
                key=lambda d: (d.rank or 0, d.id))[:12])
        return {
            'company': client.company.id,
            'client': client.id,
            'origin': origin,
            'period_start': start,
            'period_end': end,
            'diagnosis_codes': codes or None,
            'lines': [('create', Line.expected(client, start, end))],
            }

    @classmethod
    def make(cls, clients, start=None, origin='request'):
        """Draft estimates of clients (start: today), returned. The
        server's reading: the series, fees, tiers and problem list behind
        the lines are read whatever the requesting role may open (the
        front desk does not read diagnoses)"""
        today = Pool().get('ir.date').today()
        with Transaction().set_context(**{CONTEXT_KEY: True}), \
                without_check_access():
            return cls.create([cls.prepare(c, start or today, origin)
                    for c in clients])

    @classmethod
    def covered(cls, clients_dates):
        """{client id} of clients_dates ({client: date}) that have an
        estimate (not superseded) whose period holds the date"""
        estimates = cls.search([
                ('client', 'in', [c.id for c in clients_dates]),
                ('state', '!=', 'superseded'),
                ])
        dates = {c.id: d for c, d in clients_dates.items()}
        return {e.client.id for e in estimates
            if e.period_start <= dates[e.client.id] <= e.period_end}

    @classmethod
    def queue_for_bookings(cls, appointments):
        """Queue an estimate for each self-pay client of appointments
        booked ahead who has none covering the session"""
        Client = Pool().get('therapy.client')
        today = Pool().get('ir.date').today()
        first = {}
        for appointment in appointments:
            if appointment.state == 'cancelled':
                continue
            date = appointment.local_date
            if date < today:
                continue  # history written after the fact: nothing to warn
            clients = ([appointment.client] if appointment.client
                else [a.client for a in appointment.attendees])
            for client in clients:
                if client not in first or date < first[client]:
                    first[client] = date
        if not first:
            return
        with without_check_access():
            covered = cls.covered(first)
            due = [c for c, d in first.items()
                if c.id not in covered and self_pay(c, d)]
        if due:
            Client.__queue__.make_good_faith_estimates(due)

    @classmethod
    def make_for_bookings(cls, clients):
        """The queued estimates: each client's from their first upcoming
        session, unless one covers it by now or they are insured"""
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        today = pool.get('ir.date').today()
        first = {}
        for client in clients:
            appointments = Appointment.search([
                    ('attendees.client', '=', client.id),
                    ('state', '!=', 'cancelled'),
                    ('start', '>=', dt.datetime.combine(
                            today - dt.timedelta(days=1), dt.time())),
                    ], order=[('start', 'ASC')], limit=5)
            dates = [a.local_date for a in appointments
                if a.local_date >= today]
            if dates:
                first[client] = dates[0]
        covered = cls.covered(first) if first else set()
        made = []
        for client, date in first.items():
            if client.id in covered or not self_pay(client, date):
                continue
            made += cls.make([client], date, 'booking')
        return made


class GoodFaithEstimateLine(ModelSQL, ModelView):
    "Good Faith Estimate Line"
    __name__ = 'therapy.good_faith_estimate.line'

    estimate = fields.Many2One(
        'therapy.good_faith_estimate', "Estimate", required=True,
        ondelete='CASCADE')
    service = fields.Many2One(
        'therapy.service', "Service", required=True, ondelete='RESTRICT')
    procedure_code = fields.Char(
        "CPT Code", required=True,
        help="The code the session is billed under.")
    description = fields.Char("Description", required=True)
    frequency = fields.Char(
        "Frequency", help="How often, e.g. weekly; as booked otherwise.")
    quantity = fields.Integer(
        "Sessions", required=True, domain=[('quantity', '>=', 1)],
        help="How many over the estimate's period.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    unit_price = Monetary(
        "Fee per Session", currency='currency', digits='currency',
        required=True, domain=[('unit_price', '>=', 0)])
    sliding_tier = fields.Many2One(
        'therapy.sliding.tier', "Sliding Scale Tier", readonly=True,
        ondelete='RESTRICT',
        help="The tier whose fee this is; empty: the practice charge.")
    amount = fields.Function(Monetary(
            "Amount", currency='currency', digits='currency'),
        'on_change_with_amount')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('estimate')
        cls._order = [('estimate', 'ASC'), ('id', 'ASC')]

    @fields.depends('estimate', '_parent_estimate.company')
    def on_change_with_currency(self, name=None):
        if self.estimate and self.estimate.company:
            return self.estimate.company.currency

    @fields.depends('quantity', 'unit_price')
    def on_change_with_amount(self, name=None):
        return (self.quantity or 0) * (self.unit_price or Decimal(0))

    @fields.depends('service', 'estimate', '_parent_estimate.client',
        '_parent_estimate.period_start')
    def on_change_service(self):
        "The service's code and the client's fee for it"
        if not self.service:
            return
        self.procedure_code = self.service.code
        self.description = self.service.name
        if self.estimate and self.estimate.client:
            self.unit_price, self.sliding_tier = self.fee(
                self.estimate.client, self.service,
                self.estimate.period_start or Pool().get(
                    'ir.date').today())

    @staticmethod
    def fee(client, service, date):
        """(fee per session, tier or None): the sliding-scale tier's fee
        when the client has one in force, never above the practice charge
        (as charge.py bills it), else the practice charge"""
        pool = Pool()
        Fee = pool.get('therapy.fee')
        SlidingScale = pool.get('therapy.sliding.scale')
        practice = Fee.charge_for(service, date) or Decimal(0)
        scale = SlidingScale.current(client, date)
        tier = scale.tier if scale else None
        if tier:
            return (min(tier.fee, practice) if practice else tier.fee), tier
        return practice, None

    @classmethod
    def expected(cls, client, start, end):
        """Line values of what client is expected to have between start
        and end: the occurrences of their series, and their other
        sessions booked, per service"""
        pool = Pool()
        Series = pool.get('therapy.appointment.series')
        Appointment = pool.get('therapy.appointment')
        counts, frequencies = {}, {}
        series_ids = []
        for series in Series.search([
                    ('client', '=', client.id),
                    ('state', 'in', ['draft', 'active']),
                    ]):
            occurrences = series.occurrences(start, end)
            if not occurrences:
                continue
            series_ids.append(series.id)
            counts[series.service] = counts.get(series.service, 0) + len(
                occurrences)
            frequencies.setdefault(series.service, frequency_text(series))
        for appointment in Appointment.search([
                    ('attendees.client', '=', client.id),
                    ('state', '!=', 'cancelled'),
                    ('start', '>=', dt.datetime.combine(
                            start - dt.timedelta(days=1), dt.time())),
                    ('start', '<', dt.datetime.combine(
                            end + dt.timedelta(days=2), dt.time())),
                    ]):
            if (appointment.series and appointment.series.id in series_ids
                    ) or not start <= appointment.local_date <= end:
                continue
            service = appointment.service
            counts[service] = counts.get(service, 0) + 1
            frequencies.setdefault(service,
                gettext('therapy_billing.msg_gfe_frequency_booked'))
        vlist = []
        for service in sorted(counts, key=lambda s: (s.code, s.id)):
            unit_price, tier = cls.fee(client, service, start)
            vlist.append({
                    'service': service.id,
                    'procedure_code': service.code,
                    'description': service.name,
                    'frequency': frequencies[service],
                    'quantity': counts[service],
                    'unit_price': unit_price,
                    'sliding_tier': tier.id if tier else None,
                    })
        return vlist

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if Transaction().context.get(CONTEXT_KEY):
            return
        for line in lines:
            if line.estimate.state != 'draft':
                raise AccessError(gettext(
                        'therapy_billing.msg_gfe_issued_readonly',
                        estimate=line.estimate.rec_name,
                        date=line.estimate.issue_date))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        # the tier is the server's finding, not a typed value
        if not Transaction().context.get(CONTEXT_KEY):
            values.pop('sliding_tier', None)
        return values


def frequency_text(series):
    "A series' frequency in words, for the estimate"
    key = ('weekly' if series.frequency == 'weekly' else 'monthly')
    if (series.interval or 1) == 1:
        return gettext(f'therapy_billing.msg_gfe_frequency_{key}')
    return gettext(f'therapy_billing.msg_gfe_frequency_{key}_n',
        n=series.interval)


class Client(metaclass=PoolMeta):
    __name__ = 'therapy.client'

    good_faith_estimates = fields.One2Many(
        'therapy.good_faith_estimate', 'client', "Good Faith Estimates",
        readonly=True)
    over_good_faith_estimate = fields.Function(fields.Boolean(
            "Billed over the Estimate",
            help="An issued Good Faith Estimate of the client was exceeded "
            "by $400 or more."),
        'get_over_good_faith_estimate',
        searcher='search_over_good_faith_estimate')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'request_good_faith_estimate': {
                    'icon': 'tryton-add',
                    },
                })

    @classmethod
    def get_over_good_faith_estimate(cls, clients, name):
        Estimate = Pool().get('therapy.good_faith_estimate')
        with without_check_access():
            flagged = {e.client.id for e in Estimate.search([
                        ('client', 'in', [c.id for c in clients]),
                        ('over_estimate', '=', True),
                        ])}
        return {c.id: c.id in flagged for c in clients}

    @classmethod
    def search_over_good_faith_estimate(cls, name, clause):
        _, operator, value = clause[:3]
        wanted = (operator == '=') == bool(value)
        return [('good_faith_estimates', 'where' if wanted else 'not where',
                [('over_estimate', '=', True)])]

    @classmethod
    @ModelView.button
    def request_good_faith_estimate(cls, clients):
        """A draft estimate for each client from today, to check and
        issue; refused for a client with insurance in force"""
        Estimate = Pool().get('therapy.good_faith_estimate')
        today = Pool().get('ir.date').today()
        for client in clients:
            if not self_pay(client, today):
                raise EstimateError(gettext(
                        'therapy_billing.msg_gfe_insured',
                        client=client.rec_name, date=today))
        Estimate.make(clients, today, 'request')

    @classmethod
    def make_good_faith_estimates(cls, clients):
        "The queue's task of a booking (GoodFaithEstimate.queue_for_bookings)"
        with without_check_access():
            Pool().get('therapy.good_faith_estimate').make_for_bookings(
                clients)


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    @classmethod
    def create(cls, vlist):
        appointments = super().create(vlist)
        Pool().get('therapy.good_faith_estimate').queue_for_bookings(
            appointments)
        return appointments
