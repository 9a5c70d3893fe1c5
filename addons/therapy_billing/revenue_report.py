"""Revenue-cycle views for the biller and the owner: A/R aging by payer
and by client, days to pay per payer, first-pass acceptance and denial
rates by payer, reason code (CARC) and procedure code (CPT), and
underpaid remittance lines.

Each is a table_query model read through a context model (the day the
aging is seen on, the period of the others), as Tryton's own reporting
(sale_reporting, account.aged_balance). The aging comes from the ledger:
open lines of the insurance and patient receivable accounts (their
account type's billing role), aged from their maturity date. The rates
come from the claim events and the posted remittances; the arithmetic
(buckets, median, p90, rates) is in revenue_stats.py. A row that names a
client or a client's guarantor is PHI (PHIMixin)."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.transaction import Transaction

from therapy_scheduling.phi import PHIMixin
from therapy_scheduling.report_sql import CurrencyMixin, table_query_columns

from .carc import text as carc_text
from .revenue_stats import (
    BUCKETS, bucket_starts, median, percentile, rate)

KINDS = [
    ('insurance', "Payer"),
    ('patient', "Client"),
    ]
PERIOD_DAYS = 365


def _company():
    return Transaction().context.get('company') or -1


def _period():
    "The context's period: (first day, last day)"
    context = Transaction().context
    today = Pool().get('ir.date').today()
    end = context.get('to_date') or today
    start = context.get('from_date') or end - dt.timedelta(days=PERIOD_DAYS)
    return start, end



class AgingContext(ModelView):
    "A/R Aging Context"
    __name__ = 'therapy.ar.aging.context'

    date = fields.Date("As Of", required=True,
        help="The day the receivables are aged on.")

    @classmethod
    def default_date(cls):
        return Transaction().context.get('date') or Pool().get(
            'ir.date').today()


class Aging(PHIMixin, CurrencyMixin, ModelSQL, ModelView):
    "A/R Aging"
    __name__ = 'therapy.ar.aging'

    party = fields.Many2One('party.party', "Owed By", readonly=True,
        help="The payer's party, or the client's guarantor.")
    kind = fields.Selection(KINDS, "Kind", readonly=True)
    days_0_30 = Monetary(BUCKETS[0][3], currency='currency',
        digits='currency', readonly=True)
    days_31_60 = Monetary(BUCKETS[1][3], currency='currency',
        digits='currency', readonly=True)
    days_61_90 = Monetary(BUCKETS[2][3], currency='currency',
        digits='currency', readonly=True)
    days_91_120 = Monetary(BUCKETS[3][3], currency='currency',
        digits='currency', readonly=True)
    days_over_120 = Monetary(BUCKETS[4][3], currency='currency',
        digits='currency', readonly=True)
    total = Monetary("Total", currency='currency', digits='currency',
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('total', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Line = pool.get('account.move.line')
        Move = pool.get('account.move')
        Account = pool.get('account.account')
        AccountType = pool.get('account.account.type')
        Reconciliation = pool.get('account.move.reconciliation')
        line = Line.__table__()
        move = Move.__table__()
        account = Account.__table__()
        type_ = AccountType.__table__()
        reconciliation = Reconciliation.__table__()
        date = Transaction().context.get('date') or Pool().get(
            'ir.date').today()
        since = Coalesce(line.maturity_date, move.date)
        starts = bucket_starts(date)
        age = Case(*((since >= start, i) for i, start in enumerate(starts)),
            else_=len(starts))
        amount = line.debit - line.credit
        rows = (line
            .join(move, condition=line.move == move.id)
            .join(account, condition=line.account == account.id)
            .join(type_, condition=account.type == type_.id)
            .join(reconciliation, 'LEFT',
                condition=line.reconciliation == reconciliation.id)
            .select(
                line.party.as_('party'), type_.billing_role.as_('kind'),
                age.as_('age'), amount.as_('amount'),
                where=(move.company == _company())
                & (move.state == 'posted')
                & (move.date <= date)
                & (line.party != Null)
                & ((line.reconciliation == Null)
                    | (reconciliation.date > date))
                & (type_.receivable == Literal(True))
                & type_.billing_role.in_(['insurance', 'patient'])))

        def bucket(index):
            return Sum(Case((rows.age == index, rows.amount), else_=0))
        return rows.select(
            (rows.party * 2 + Case((rows.kind == 'patient', 1), else_=0)
                ).as_('id'),
            rows.party.as_('party'),
            Max(rows.kind).as_('kind'),
            *(bucket(i).as_(name) for i, (_, _, name, _) in
                enumerate(BUCKETS)),
            Sum(rows.amount).as_('total'),
            *table_query_columns(cls),
            group_by=[rows.party, rows.kind],
            having=Sum(rows.amount) != 0)


class PeriodContext(ModelView):
    "Revenue Cycle Context"
    __name__ = 'therapy.revenue.context'

    from_date = fields.Date("From", required=True)
    to_date = fields.Date("To", required=True)

    @classmethod
    def default_to_date(cls):
        return Transaction().context.get('to_date') or Pool().get(
            'ir.date').today()

    @classmethod
    def default_from_date(cls):
        return Transaction().context.get('from_date') or (
            cls.default_to_date() - dt.timedelta(days=PERIOD_DAYS))


class DaysToPay(ModelSQL, ModelView):
    """Days to Pay

    Per payer, the claims paid in the period (their first Paid event):
    how many days from their first submission, median and p90"""
    __name__ = 'therapy.payer.days_to_pay'

    payer = fields.Many2One('therapy.payer', "Payer", readonly=True)
    claims = fields.Function(fields.Integer("Claims Paid"), 'get_days')
    median_days = fields.Function(
        fields.Float("Median Days", digits=(6, 1)), 'get_days')
    p90_days = fields.Function(
        fields.Float("90th Percentile Days", digits=(6, 1),
            help="90% of the claims were paid within this many days."),
        'get_days')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('payer', 'ASC'), ('id', 'ASC')]

    @classmethod
    def _paid_events(cls):
        "Paid events of the company's claims in the period, with the payer"
        pool = Pool()
        Event = pool.get('therapy.claim.event')
        Claim = pool.get('therapy.claim')
        Coverage = pool.get('therapy.coverage')
        event = Event.__table__()
        claim = Claim.__table__()
        coverage = Coverage.__table__()
        start, end = _period()
        return (event
            .join(claim, condition=event.claim == claim.id)
            .join(coverage, condition=claim.coverage == coverage.id)
            .select(coverage.payer.as_('payer'), event.claim.as_('claim'),
                where=(claim.company == _company())
                & (event.state == 'paid')
                & (event.at >= dt.datetime.combine(start, dt.time()))
                & (event.at < dt.datetime.combine(
                        end + dt.timedelta(days=1), dt.time()))))

    @classmethod
    def table_query(cls):
        paid = cls._paid_events()
        return paid.select(
            paid.payer.as_('id'), paid.payer.as_('payer'),
            *table_query_columns(cls),
            group_by=[paid.payer])

    @classmethod
    def claim_days(cls, payers):
        "{payer id: [days from first submission to first payment]}"
        Event = Pool().get('therapy.claim.event')
        start, end = _period()
        firsts = defaultdict(dict)
        for event in Event.search([
                    ('claim.coverage.payer', 'in', [p.id for p in payers]),
                    ('state', 'in', ['submitted', 'paid']),
                    ], order=[('at', 'ASC'), ('id', 'ASC')]):
            firsts[event.claim].setdefault(event.state, event.at)
        days = defaultdict(list)
        for claim, at in firsts.items():
            if {'submitted', 'paid'} <= set(at) and (
                    start <= at['paid'].date() <= end):
                days[claim.payer.id].append(
                    (at['paid'].date() - at['submitted'].date()).days)
        return days

    @classmethod
    def get_days(cls, records, names):
        days = cls.claim_days([r.payer for r in records])
        result = {n: {} for n in names}
        for record in records:
            values = days.get(record.payer.id, [])
            for name, value in [
                    ('claims', len(values)),
                    ('median_days', median(values)),
                    ('p90_days', percentile(values, 90)),
                    ]:
                if name in result:
                    result[name][record.id] = value
        return result


class RateMixin:
    "Adjudicated and denied service lines of the period, and their rate"
    __slots__ = ()
    lines = fields.Integer("Lines Adjudicated", readonly=True,
        help="Service lines the payers answered in the period's posted "
        "remittances (reversals apart).")
    denied_lines = fields.Integer("Lines Denied", readonly=True,
        help="Of those, the lines a denial is held on.")
    denial_rate = fields.Function(
        fields.Float("Denial %", digits=(4, 1)), 'get_denial_rate')

    def get_denial_rate(self, name):
        return rate(self.denied_lines, self.lines)

    @classmethod
    def _adjudicated(cls):
        """The period's adjudicated service lines: payer, procedure code,
        denied (1/0) and the denial's reason code"""
        pool = Pool()
        RemittanceLine = pool.get('therapy.remittance.line')
        RemittanceClaim = pool.get('therapy.remittance.claim')
        Remittance = pool.get('therapy.remittance')
        Adjustment = pool.get('therapy.remittance.adjustment')
        line = RemittanceLine.__table__()
        answer = RemittanceClaim.__table__()
        remittance = Remittance.__table__()
        adjustment = Adjustment.__table__()
        start, end = _period()
        denials = adjustment.select(
            adjustment.line.as_('line'), Min(adjustment.reason).as_('reason'),
            where=adjustment.action == 'hold_denial',
            group_by=[adjustment.line])
        return (line
            .join(answer, condition=line.remittance_claim == answer.id)
            .join(remittance, condition=answer.remittance == remittance.id)
            .join(denials, 'LEFT', condition=denials.line == line.id)
            .select(
                line.id.as_('line'),
                remittance.payer.as_('payer'),
                line.procedure_code.as_('procedure_code'),
                Case((denials.line != Null, 1), else_=0).as_('denied'),
                denials.reason.as_('reason'),
                where=(remittance.company == _company())
                & (remittance.state == 'posted')
                & (answer.status != '22')
                & (remittance.payment_date >= start)
                & (remittance.payment_date <= end)))


class PayerRates(RateMixin, ModelSQL, ModelView):
    """Payer Acceptance and Denials

    Per payer: the original claims answered in the period and how many the
    payer took at first submission (never rejected nor denied), and the
    share of service lines denied"""
    __name__ = 'therapy.payer.rates'

    payer = fields.Many2One('therapy.payer', "Payer", readonly=True)
    claims = fields.Function(fields.Integer("Claims Answered",
            help="Original claims submitted and answered (accepted, "
            "rejected, paid or denied) in the period."), 'get_first_pass')
    first_pass = fields.Function(fields.Integer("Accepted First Time",
            help="Of those, the claims never rejected nor denied."),
        'get_first_pass')
    first_pass_rate = fields.Function(
        fields.Float("First-Pass %", digits=(4, 1)), 'get_first_pass')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('payer', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        rows = cls._adjudicated()
        return rows.select(
            rows.payer.as_('id'), rows.payer.as_('payer'),
            Count(rows.line).as_('lines'), Sum(rows.denied).as_('denied_lines'),
            *table_query_columns(cls),
            group_by=[rows.payer])

    @classmethod
    def get_first_pass(cls, records, names):
        Event = Pool().get('therapy.claim.event')
        start, end = _period()
        states = defaultdict(list)
        for event in Event.search([
                    ('claim.coverage.payer', 'in',
                        [r.payer.id for r in records]),
                    ('claim.frequency_code', '=', '1'),
                    ('state', 'in', ['submitted', 'accepted', 'rejected',
                            'paid', 'partial', 'denied']),
                    ], order=[('at', 'ASC'), ('id', 'ASC')]):
            states[event.claim].append((event.state, event.at.date()))
        counts = defaultdict(lambda: [0, 0])
        for claim, seen in states.items():
            answers = [d for s, d in seen if s != 'submitted']
            if not answers or 'submitted' not in {s for s, _ in seen}:
                continue
            if not start <= answers[0] <= end:
                continue
            count = counts[claim.payer.id]
            count[0] += 1
            if not {'rejected', 'denied'} & {s for s, _ in seen}:
                count[1] += 1
        result = {n: {} for n in names}
        for record in records:
            answered, first = counts[record.payer.id]
            for name, value in [('claims', answered), ('first_pass', first),
                    ('first_pass_rate', rate(first, answered))]:
                if name in result:
                    result[name][record.id] = value
        return result


class ReasonRates(RateMixin, ModelSQL, ModelView):
    """Denials by Reason

    Per reason code (CARC): the lines denied for it in the period, as a
    share of all the lines adjudicated"""
    __name__ = 'therapy.carc.rates'

    reason = fields.Char("Reason", readonly=True)
    description = fields.Function(fields.Char("Description"),
        'get_description')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('denied_lines', 'DESC'), ('reason', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        rows = cls._adjudicated()
        totals = rows.select(Count(rows.line).as_('total'))
        denied = rows.select(
            Min(rows.line).as_('id'), rows.reason.as_('reason'),
            Count(rows.line).as_('denied'),
            where=rows.denied == 1,
            group_by=[rows.reason])
        return denied.join(totals, condition=Literal(True)).select(
            denied.id.as_('id'), denied.reason.as_('reason'),
            totals.total.as_('lines'), denied.denied.as_('denied_lines'),
            *table_query_columns(cls))

    def get_description(self, name):
        return carc_text(self.reason)


class ProcedureRates(RateMixin, ModelSQL, ModelView):
    """Denials by Procedure

    Per procedure code (CPT) the payers adjudicated in the period: lines
    answered, lines denied"""
    __name__ = 'therapy.cpt.rates'

    procedure_code = fields.Char("Procedure Code", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('procedure_code', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        rows = cls._adjudicated()
        return rows.select(
            Min(rows.line).as_('id'),
            rows.procedure_code.as_('procedure_code'),
            Count(rows.line).as_('lines'), Sum(rows.denied).as_('denied_lines'),
            *table_query_columns(cls),
            group_by=[rows.procedure_code])


class Underpayment(PHIMixin, CurrencyMixin, ModelSQL, ModelView):
    """Underpayment

    A posted remittance's service line the payer allowed (or paid plus the
    client's share) below its contracted fee for the code, by more than the
    billing configuration's tolerance. Denied lines are the denial
    queue's, not here"""
    __name__ = 'therapy.underpayment'

    remittance_line = fields.Many2One('therapy.remittance.line',
        "Remittance Line", readonly=True)
    claim_line = fields.Many2One('therapy.claim.line', "Claim Line",
        readonly=True)
    payer = fields.Many2One('therapy.payer', "Payer", readonly=True)
    payment_date = fields.Date("Payment Date", readonly=True)
    service_date = fields.Date("Date of Service", readonly=True)
    procedure_code = fields.Char("Procedure Code", readonly=True)
    contracted = Monetary("Contracted", currency='currency',
        digits='currency', readonly=True,
        help="The payer's fee schedule line for the code that day.")
    allowed = Monetary("Allowed", currency='currency', digits='currency',
        readonly=True,
        help="What the payer allowed (AMT*B6), else paid plus the client's "
        "share.")
    shortfall = Monetary("Shortfall", currency='currency', digits='currency',
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('payment_date', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        RemittanceLine = pool.get('therapy.remittance.line')
        RemittanceClaim = pool.get('therapy.remittance.claim')
        Remittance = pool.get('therapy.remittance')
        Adjustment = pool.get('therapy.remittance.adjustment')
        ClaimLine = pool.get('therapy.claim.line')
        Charge = pool.get('therapy.charge')
        Fee = pool.get('therapy.fee')
        Configuration = pool.get('therapy.configuration')
        line = RemittanceLine.__table__()
        answer = RemittanceClaim.__table__()
        remittance = Remittance.__table__()
        adjustment = Adjustment.__table__()
        claim_line = ClaimLine.__table__()
        charge = Charge.__table__()
        exact = Fee.__table__()
        plain = Fee.__table__()
        start, end = _period()
        # SQLite keeps a Decimal parameter as bytes: compared as a number
        # only once cast
        tolerance = Fee.amount.sql_cast(Literal(
                Configuration(1).underpayment_tolerance or Decimal(0)))
        shares = adjustment.select(
            adjustment.line.as_('line'),
            Sum(Case((adjustment.group == 'PR', adjustment.amount),
                    else_=0)).as_('patient'),
            Sum(Case((adjustment.action == 'hold_denial', 1),
                    else_=0)).as_('denials'),
            group_by=[adjustment.line])

        def fee(table, modifiers):
            return ((table.service == charge.service)
                & (table.payer == remittance.payer)
                & modifiers
                & (table.start_date <= claim_line.service_date)
                & ((table.end_date == Null)
                    | (table.end_date >= claim_line.service_date)))
        contracted = Coalesce(exact.amount, plain.amount)
        allowed = Coalesce(line.allowed,
            line.paid + Coalesce(shares.patient, 0))
        return (line
            .join(answer, condition=line.remittance_claim == answer.id)
            .join(remittance, condition=answer.remittance == remittance.id)
            .join(claim_line, condition=line.claim_line == claim_line.id)
            .join(charge, condition=claim_line.charge == charge.id)
            .join(shares, 'LEFT', condition=shares.line == line.id)
            # a one-modifier line's own fee (e.g. GT), else the plain code's
            .join(exact, 'LEFT', condition=fee(exact,
                    (claim_line.modifier_1 != Null)
                    & (claim_line.modifier_2 == Null)
                    & (exact.modifiers == claim_line.modifier_1)))
            .join(plain, 'LEFT', condition=fee(plain,
                    plain.modifiers == Null))
            .select(
                line.id.as_('id'),
                line.id.as_('remittance_line'),
                claim_line.id.as_('claim_line'),
                remittance.payer.as_('payer'),
                remittance.payment_date.as_('payment_date'),
                claim_line.service_date.as_('service_date'),
                claim_line.procedure_code.as_('procedure_code'),
                contracted.as_('contracted'),
                allowed.as_('allowed'),
                (contracted - allowed).as_('shortfall'),
                *table_query_columns(cls),
                where=(remittance.company == _company())
                & (remittance.state == 'posted')
                & (answer.status != '22')
                & (remittance.payment_date >= start)
                & (remittance.payment_date <= end)
                & (Coalesce(shares.denials, 0) == 0)
                & (contracted - allowed > tolerance)))
