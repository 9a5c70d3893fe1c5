"""Revenue leakage (issue 17): the places money stops on its way from a
session to the bank, each a list to work with the amount at stake.

Two table_query models read through one context model (the thresholds in
days, a location, a clinician), as Tryton's sale_reporting:
- therapy.leakage.item: one row per thing to work (a session, a charge, a
  claim, a denial, an underpaid line) with its kind, location, clinician,
  client, the record to open and the amount at stake;
- therapy.leakage: those rows summed per (kind, location, clinician): a
  count and an amount; opening a row lists its items.

Amounts are in the company's currency: what was charged or billed when a
charge or a claim exists; for a session not charged yet, its estimate at
the practice's fee schedule (the practice's charge for the booked
service, per 15-minute unit for a timed code, 0 without a fee line).
Client balances not statemented (statements sent are recorded by
therapy_billing's statement run, Record as Sent and the portal's download)
are in leakage_statement.py: at stake the guarantor's patient balance.
Eligibility (the payer's latest 271) is a row only with therapy_edi
(leakage_edi.py)."""
import datetime as dt
import math

from sql import Cast, Literal, Null, Union
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.operators import Concat, Exists

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from therapy_billing.revenue_stats import median
from therapy_scheduling import clock
from therapy_scheduling.phi import PHIMixin
from therapy_scheduling.report_sql import (
    CurrencyMixin, minutes_between, table_query_columns)

KINDS = [
    ('no_note', "Sessions without a final note"),
    ('no_charge', "Final notes without a charge"),
    ('unclaimed', "Charges not on a claim"),
    ('unsent', "Claims not sent"),
    ('unacknowledged', "Claims sent, not acknowledged"),
    ('unpaid', "Claims past the payer's days to pay"),
    ('denial', "Denials near or past the appeal deadline"),
    ('underpaid', "Underpaid lines"),
    ('authorization', "Sessions booked past their authorization"),
    ]
# fixed numbers: row ids are built from them (ineligible comes with EDI)
KIND_NUMBERS = {
    'no_note': 1, 'no_charge': 2, 'unclaimed': 3, 'unsent': 4,
    'unacknowledged': 5, 'unpaid': 6, 'denial': 7, 'underpaid': 8,
    'authorization': 9, 'ineligible': 10, 'unstatemented': 11,
    }
# an item's id: kind number * ITEM_SPAN + its record's id; a summary
# row's: kind number * SUMMARY_SPAN + location * 10**6 + clinician (both
# below 2**53, what the web client's numbers hold)
ITEM_SPAN = 10 ** 11
SUMMARY_SPAN = 10 ** 12
PLACE_SPAN = 10 ** 6
# the thresholds in days, with the context's defaults
DEFAULTS = {
    'note_days': 3,
    'charge_days': 7,
    'claim_days': 2,
    'ack_days': 3,
    'pay_days': 30,
    'deadline_days': 14,
    'statement_days': 30,
    'look_back_days': 365,
    }
# how far back the payers' days to pay and the underpaid lines are read
HISTORY_DAYS = 365
RECORDS = [
    ('therapy.appointment', "Session"),
    ('therapy.charge', "Charge"),
    ('therapy.claim', "Claim"),
    ('therapy.remittance.adjustment', "Denial"),
    ('therapy.remittance.line', "Remittance Line"),
    ]
SESSION = 'therapy.appointment'


def thresholds():
    "The context's thresholds in days (never negative), defaults otherwise"
    context = Transaction().context
    values = {}
    for name, default in DEFAULTS.items():
        value = context.get(name)
        values[name] = max(0, int(default if value is None else value))
    return values



class LeakageContext(ModelView):
    "Revenue Leakage Context"
    __name__ = 'therapy.leakage.context'

    note_days = fields.Integer("Note Within (Days)", required=True,
        domain=[('note_days', '>=', 0)],
        help="A session held longer ago without a final note leaks.")
    charge_days = fields.Integer("Claim Within (Days)", required=True,
        domain=[('charge_days', '>=', 0)],
        help="A payer's charge older than this (from its date of service) "
        "and on no claim leaks.")
    claim_days = fields.Integer("Send Within (Days)", required=True,
        domain=[('claim_days', '>=', 0)],
        help="A claim drafted, ready or rejected for longer leaks.")
    ack_days = fields.Integer("Acknowledged Within (Days)", required=True,
        domain=[('ack_days', '>=', 0)],
        help="A claim sent longer ago that the payer has not accepted or "
        "rejected leaks.")
    pay_days = fields.Integer("Days to Pay", required=True,
        domain=[('pay_days', '>=', 0)],
        help="For a payer without paid claims in the last year: how long "
        "after it was first sent an accepted claim should be paid. A payer "
        "with paid claims is waited for its median days to pay.")
    deadline_days = fields.Integer("Appeal Deadline Within (Days)",
        required=True, domain=[('deadline_days', '>=', 0)],
        help="A denial not worked whose appeal deadline is this close, or "
        "past, leaks.")
    statement_days = fields.Integer("Statement Within (Days)",
        required=True, domain=[('statement_days', '>=', 0)],
        help="A client balance charged longer ago and not on a statement "
        "sent since leaks.")
    look_back_days = fields.Integer("Look Back (Days)", required=True,
        domain=[('look_back_days', '>=', 1)],
        help="Sessions and charges older than this are not listed: past "
        "the payers' timely filing limits (90 days to a year) they are "
        "lost, not work to do. Widen it to see older ones.")
    location = fields.Many2One('therapy.location', "Location",
        help="Empty: every location.")
    clinician = fields.Many2One('company.employee', "Clinician",
        help="Empty: every clinician.")

    @classmethod
    def default_note_days(cls):
        return thresholds()['note_days']

    @classmethod
    def default_charge_days(cls):
        return thresholds()['charge_days']

    @classmethod
    def default_claim_days(cls):
        return thresholds()['claim_days']

    @classmethod
    def default_ack_days(cls):
        return thresholds()['ack_days']

    @classmethod
    def default_pay_days(cls):
        return thresholds()['pay_days']

    @classmethod
    def default_deadline_days(cls):
        return thresholds()['deadline_days']

    @classmethod
    def default_statement_days(cls):
        return thresholds()['statement_days']

    @classmethod
    def default_look_back_days(cls):
        return thresholds()['look_back_days']

    @classmethod
    def default_location(cls):
        return Transaction().context.get('location')

    @classmethod
    def default_clinician(cls):
        return Transaction().context.get('clinician')



class LeakageItem(PHIMixin, CurrencyMixin, ModelSQL, ModelView):
    "Revenue Leakage Item"
    __name__ = 'therapy.leakage.item'

    company = fields.Many2One('company.company', "Company", readonly=True)
    kind = fields.Selection(KINDS, "Leak", readonly=True)
    summary = fields.Integer("Summary Row", readonly=True,
        help="The id of the leakage row (kind, location, clinician) this "
        "item is counted in.")
    location = fields.Many2One('therapy.location', "Location",
        readonly=True)
    clinician = fields.Many2One('company.employee', "Clinician",
        readonly=True)
    client = fields.Many2One('therapy.client', "Client", readonly=True)
    date = fields.Date("Date of Service", readonly=True)
    deadline = fields.Date("Deadline", readonly=True,
        help="A denial's appeal deadline.")
    record = fields.Reference("To Work", selection=RECORDS, readonly=True,
        help="The record to open and work.")
    amount = Monetary("At Stake", currency='currency', digits='currency',
        readonly=True,
        help="What was charged or billed; for a session not charged yet, "
        "its estimate at the practice's fee schedule.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('kind', 'ASC'), ('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def kinds(cls):
        "The kinds of leak this database reports, in their order"
        return [k for k, _ in cls.kind.selection]

    @classmethod
    def table_query(cls):
        context = Transaction().context
        days = thresholds()
        queries = [getattr(cls, f'_query_{kind}')(days)
            for kind in cls.kinds()]
        rows = Union(*queries, all_=True)
        where = Literal(True)
        if context.get('location'):
            where &= rows.location == context['location']
        if context.get('clinician'):
            where &= rows.clinician == context['clinician']
        return rows.select(
            (rows.number * ITEM_SPAN + rows.source).as_('id'),
            rows.kind.as_('kind'),
            (rows.number * SUMMARY_SPAN
                + Coalesce(rows.location, 0) * PLACE_SPAN
                + Coalesce(rows.clinician, 0)).as_('summary'),
            Literal(cls._company()).as_('company'),
            rows.location.as_('location'),
            rows.clinician.as_('clinician'),
            rows.client.as_('client'),
            rows.date.as_('date'),
            rows.deadline.as_('deadline'),
            rows.record.as_('record'),
            rows.amount.as_('amount'),
            *table_query_columns(cls),
            where=where)

    @classmethod
    def _row(cls, kind, source, location, clinician, client, date,
            deadline, record, amount):
        "The columns of one kind's rows, in the union's order"
        return [
            Literal(KIND_NUMBERS[kind]).as_('number'),
            source.as_('source'),
            Literal(kind).as_('kind'),
            location.as_('location'),
            clinician.as_('clinician'),
            client.as_('client'),
            date.as_('date'),
            deadline.as_('deadline'),
            record.as_('record'),
            amount.as_('amount'),
            ]

    # --- shared pieces ----------------------------------------------------
    @classmethod
    def _company(cls):
        return Transaction().context.get('company') or -1

    @classmethod
    def _since(cls, days):
        "The first moment the look back lists"
        return dt.datetime.combine(
            Pool().get('ir.date').today()
            - dt.timedelta(days=days['look_back_days']), dt.time())

    @classmethod
    def _reference(cls, model, column):
        "A Reference value 'model,id' of an id column"
        return Concat(f'{model},', Cast(column, 'VARCHAR'))

    @classmethod
    def _session_date(cls, appointment, location):
        "The session's date where it takes place"
        return cls.date.sql_cast(appointment.start,
            timezone=Coalesce(location.timezone, 'UTC'))

    @classmethod
    def _estimate(cls, service, start, end, date):
        """A session's charge at the practice's fee schedule: the fee line
        without payer nor modifiers in effect that day, per 15-minute unit
        (one from 8 minutes) for a timed code"""
        fee = Pool().get('therapy.fee').__table__()
        price = fee.select(fee.amount,
            where=(fee.service == service.id) & (fee.payer == Null)
            & (fee.modifiers == Null) & (fee.company == cls._company())
            & (fee.start_date <= date)
            & ((fee.end_date == Null) | (fee.end_date >= date)),
            order_by=[fee.start_date.desc], limit=1)
        units = Case(
            (service.timed == Literal(True),
                (minutes_between(start, end) + 7) / 15),
            else_=1)
        return Coalesce(price, 0) * units

    @classmethod
    def _sessions(cls):
        "attendee, appointment, location, service and their join"
        pool = Pool()
        attendee = pool.get('therapy.appointment.attendee').__table__()
        appointment = pool.get('therapy.appointment').__table__()
        location = pool.get('therapy.location').__table__()
        service = pool.get('therapy.service').__table__()
        join = (attendee
            .join(appointment,
                condition=attendee.appointment == appointment.id)
            .join(service, condition=appointment.service == service.id)
            .join(location, 'LEFT',
                condition=appointment.location == location.id))
        return attendee, appointment, location, service, join

    @classmethod
    def _session_query(cls, kind, where):
        """Rows of sessions (attendees) matching where(attendee,
        appointment), at their estimate"""
        attendee, appointment, location, service, join = cls._sessions()
        date = cls._session_date(appointment, location)
        return join.select(*cls._row(kind, attendee.id,
                appointment.location, appointment.clinician,
                attendee.client, date, cls.deadline.sql_cast(Null),
                cls._reference(SESSION, appointment.id),
                cls._estimate(service, appointment.start, appointment.end,
                    date)),
            where=(appointment.company == cls._company())
            & where(attendee, appointment))

    @classmethod
    def _final(cls, note):
        return ((note.state == 'cosigned')
            | ((note.state == 'signed')
                & ((note.cosign_required == Null)
                    | (note.cosign_required == Literal(False)))))

    # --- the kinds --------------------------------------------------------
    @classmethod
    def _query_no_note(cls, days):
        """Clients who attended a session that ended more than note_days
        ago whose note is missing, a draft or awaiting co-signature: the
        session cannot be billed to a payer that wants a signed note, and
        a self-pay one is billed without its record. At stake: what it
        was charged, else its estimate"""
        pool = Pool()
        note = pool.get('therapy.note').__table__()
        charge = pool.get('therapy.charge').__table__()
        attendee, appointment, location, service, join = cls._sessions()
        # a subquery for the rows listed only, not a sum of every charge
        charged = charge.select(Sum(charge.amount),
            where=(charge.appointment == appointment.id)
            & (charge.client == attendee.client)
            & (charge.kind == 'service') & (charge.state != 'void'))
        date = cls._session_date(appointment, location)
        final = note.select(note.id,
            where=(note.appointment == appointment.id)
            & (note.client == attendee.client) & cls._final(note))
        before = clock.now() - dt.timedelta(days=days['note_days'])
        return join.select(*cls._row('no_note', attendee.id,
                appointment.location, appointment.clinician,
                attendee.client, date, cls.deadline.sql_cast(Null),
                cls._reference(SESSION, appointment.id),
                Coalesce(charged, cls._estimate(service,
                        appointment.start, appointment.end, date))),
            where=(appointment.company == cls._company())
            & (attendee.attendance == 'attended')
            & (appointment.end < before)
            & (appointment.start >= cls._since(days))
            & ~Exists(final))

    @classmethod
    def _query_no_charge(cls, days):
        """Final notes of completed sessions the client attended with no
        session charge (none made, or voided and not made again); at their
        estimate"""
        pool = Pool()
        note = pool.get('therapy.note').__table__()
        charge = pool.get('therapy.charge').__table__()
        attendee, appointment, location, service, _ = cls._sessions()
        service_of = Coalesce(note.service, appointment.service)
        join = (note
            .join(appointment, condition=note.appointment == appointment.id)
            .join(attendee, condition=(attendee.appointment == appointment.id)
                & (attendee.client == note.client))
            .join(service, condition=service.id == service_of)
            .join(location, 'LEFT',
                condition=appointment.location == location.id))
        charged = charge.select(charge.id,
            where=(charge.appointment == appointment.id)
            & (charge.client == note.client)
            & (charge.kind == 'service') & (charge.state != 'void'))
        return join.select(*cls._row('no_charge', note.id,
                appointment.location, appointment.clinician, note.client,
                note.date, cls.deadline.sql_cast(Null),
                cls._reference(SESSION, appointment.id),
                cls._estimate(service,
                    Coalesce(note.start, appointment.start),
                    Coalesce(note.end, appointment.end), note.date)),
            where=(appointment.company == cls._company())
            & (appointment.state == 'completed')
            & (appointment.start >= cls._since(days))
            & (attendee.attendance == 'attended')
            & cls._final(note)
            & ~Exists(charged))

    @classmethod
    def _query_unclaimed(cls, days):
        """A payer's session charges still to bill charge_days after their
        date of service"""
        pool = Pool()
        charge = pool.get('therapy.charge').__table__()
        appointment = pool.get('therapy.appointment').__table__()
        today = pool.get('ir.date').today()
        return (charge
            .join(appointment, 'LEFT',
                condition=charge.appointment == appointment.id)
            .select(*cls._row('unclaimed', charge.id,
                    appointment.location,
                    Coalesce(charge.rendering, appointment.clinician),
                    charge.client, charge.date, cls.deadline.sql_cast(Null),
                    cls._reference('therapy.charge', charge.id),
                    charge.amount),
                where=(charge.company == cls._company())
                & (charge.kind == 'service')
                & (charge.responsibility == 'payer')
                & (charge.state == 'pending')
                & (charge.date >= cls._since(days).date())
                & (charge.date <= today - dt.timedelta(
                        days=days['charge_days']))))

    @classmethod
    def _claims(cls):
        """claim, coverage and per claim: its lines' billed total, first
        location and clinician, when it entered its state and when it was
        first sent"""
        pool = Pool()
        claim = pool.get('therapy.claim').__table__()
        coverage = pool.get('therapy.coverage').__table__()
        line = pool.get('therapy.claim.line').__table__()
        charge = pool.get('therapy.charge').__table__()
        appointment = pool.get('therapy.appointment').__table__()
        event = pool.get('therapy.claim.event').__table__()
        sent = pool.get('therapy.claim.event').__table__()
        lines = (line
            .join(charge, condition=line.charge == charge.id)
            .join(appointment, 'LEFT',
                condition=charge.appointment == appointment.id)
            .select(line.claim.as_('claim'),
                Sum(line.billed).as_('billed'),
                Min(appointment.location).as_('location'),
                Min(Coalesce(line.rendering, charge.rendering)).as_(
                    'clinician'),
                group_by=[line.claim]))
        events = event.select(event.claim.as_('claim'),
            Max(event.at).as_('at'), group_by=[event.claim])
        firsts = sent.select(sent.claim.as_('claim'),
            Min(sent.at).as_('at'),
            where=sent.state == 'submitted', group_by=[sent.claim])
        join = (claim
            .join(coverage, condition=claim.coverage == coverage.id)
            .join(lines, 'LEFT', condition=lines.claim == claim.id)
            .join(events, 'LEFT', condition=events.claim == claim.id)
            .join(firsts, 'LEFT', condition=firsts.claim == claim.id))
        return claim, coverage, lines, events, firsts, join

    @classmethod
    def _claim_query(cls, kind, where):
        claim, coverage, lines, events, firsts, join = cls._claims()
        return join.select(*cls._row(kind, claim.id, lines.location,
                lines.clinician, claim.client, claim.date,
                cls.deadline.sql_cast(Null),
                cls._reference('therapy.claim', claim.id),
                Coalesce(lines.billed, 0)),
            where=(claim.company == cls._company())
            & where(claim, coverage, events, firsts))

    @classmethod
    def _query_unsent(cls, days):
        """Claims (not voids) drafted, ready or rejected for more than
        claim_days: the payer does not have them"""
        before = clock.now() - dt.timedelta(days=days['claim_days'])
        return cls._claim_query('unsent',
            lambda claim, coverage, events, firsts: (
                claim.state.in_(['draft', 'ready', 'rejected'])
                & (claim.frequency_code != '8')
                & (Coalesce(events.at, claim.create_date) < before)))

    @classmethod
    def _query_unacknowledged(cls, days):
        """Claims sent more than ack_days ago the payer neither accepted
        nor rejected (a 999/277CA, or the biller's Accept for paper);
        crossovers are the primary payer's to send"""
        before = clock.now() - dt.timedelta(days=days['ack_days'])
        return cls._claim_query('unacknowledged',
            lambda claim, coverage, events, firsts: (
                (claim.state == 'submitted')
                & (Coalesce(claim.crossed_over, Literal(False))
                    == Literal(False))
                & (Coalesce(events.at, claim.create_date) < before)))

    @classmethod
    def _query_unpaid(cls, days):
        """Claims accepted (or crossed over) with no remittance yet, first
        sent longer ago than the payer's median days to pay over the last
        year (pay_days for a payer without paid claims)"""
        now = clock.now()
        usual = cls.days_to_pay()
        default = now - dt.timedelta(days=days['pay_days'])

        def where(claim, coverage, events, firsts):
            waited = Case(*((coverage.payer == payer,
                        now - dt.timedelta(days=d))
                    for payer, d in sorted(usual.items())),
                else_=default) if usual else default
            return (((claim.state == 'accepted')
                    | ((claim.state == 'submitted')
                        & (claim.crossed_over == Literal(True))))
                & (Coalesce(firsts.at, events.at, claim.create_date)
                    < waited))
        return cls._claim_query('unpaid', where)

    @classmethod
    def days_to_pay(cls):
        "{payer id: its median days to pay, whole days up} over a year"
        pool = Pool()
        Payer = pool.get('therapy.payer')
        DaysToPay = pool.get('therapy.payer.days_to_pay')
        today = pool.get('ir.date').today()
        with without_check_access(), Transaction().set_context(
                from_date=today - dt.timedelta(days=HISTORY_DAYS),
                to_date=today):
            payers = Payer.search([('company', '=', cls._company())])
            days = DaysToPay.claim_days(payers)
        return {payer: math.ceil(median(values))
            for payer, values in days.items() if values}

    @classmethod
    def _query_denial(cls, days):
        """Denials held on a claim still denied (or partly paid), from the
        claim's latest answer, with no correction drafted, whose appeal
        deadline is at most deadline_days away or past. At stake: the
        amount denied"""
        pool = Pool()
        adjustment = pool.get('therapy.remittance.adjustment').__table__()
        answer = pool.get('therapy.remittance.claim').__table__()
        latest = pool.get('therapy.remittance.claim').__table__()
        remittance = pool.get('therapy.remittance').__table__()
        later = pool.get('therapy.remittance').__table__()
        claim = pool.get('therapy.claim').__table__()
        correction = pool.get('therapy.claim').__table__()
        rline = pool.get('therapy.remittance.line').__table__()
        line = pool.get('therapy.claim.line').__table__()
        charge = pool.get('therapy.charge').__table__()
        appointment = pool.get('therapy.appointment').__table__()
        today = pool.get('ir.date').today()
        last_answer = latest.join(later,
            condition=latest.remittance == later.id).select(
                Max(latest.id),
                where=(latest.claim == claim.id) & (later.state == 'posted')
                & (latest.status != '22'))
        corrected = correction.select(correction.id,
            where=(correction.original_claim == claim.id)
            & ~correction.state.in_(['replaced', 'voided']))
        join = (adjustment
            .join(answer, condition=adjustment.remittance_claim == answer.id)
            .join(remittance, condition=answer.remittance == remittance.id)
            .join(claim, condition=answer.claim == claim.id)
            .join(rline, 'LEFT', condition=adjustment.line == rline.id)
            .join(line, 'LEFT', condition=rline.claim_line == line.id)
            .join(charge, 'LEFT', condition=line.charge == charge.id)
            .join(appointment, 'LEFT',
                condition=charge.appointment == appointment.id))
        return join.select(*cls._row('denial', adjustment.id,
                appointment.location,
                Coalesce(line.rendering, charge.rendering), claim.client,
                Coalesce(line.service_date, claim.date),
                adjustment.appeal_deadline,
                cls._reference('therapy.remittance.adjustment', adjustment.id),
                adjustment.amount),
            where=(claim.company == cls._company())
            & (adjustment.action == 'hold_denial')
            & (remittance.state == 'posted')
            & (answer.status != '22')
            & (answer.id == last_answer)
            & claim.state.in_(['denied', 'partial'])
            & ~Exists(corrected)
            & (adjustment.appeal_deadline <= today + dt.timedelta(
                    days=days['deadline_days'])))

    @classmethod
    def _query_underpaid(cls, days):
        """The Underpayment report's lines of the last year (allowed below
        the contracted fee by more than the tolerance) whose claim is not
        appealed nor corrected. At stake: the shortfall"""
        pool = Pool()
        Underpayment = pool.get('therapy.underpayment')
        line = pool.get('therapy.claim.line').__table__()
        claim = pool.get('therapy.claim').__table__()
        charge = pool.get('therapy.charge').__table__()
        appointment = pool.get('therapy.appointment').__table__()
        today = pool.get('ir.date').today()
        with without_check_access(), Transaction().set_context(
                from_date=today - dt.timedelta(days=HISTORY_DAYS),
                to_date=today):
            under = Underpayment.table_query()
        return (under
            .join(line, condition=under.claim_line == line.id)
            .join(claim, condition=line.claim == claim.id)
            .join(charge, condition=line.charge == charge.id)
            .join(appointment, 'LEFT',
                condition=charge.appointment == appointment.id)
            .select(*cls._row('underpaid', under.id, appointment.location,
                    Coalesce(line.rendering, charge.rendering), claim.client,
                    under.service_date, cls.deadline.sql_cast(Null),
                    cls._reference('therapy.remittance.line',
                        under.remittance_line),
                    under.shortfall),
                where=~claim.state.in_(['appealed', 'replaced', 'voided'])))

    @classmethod
    def _query_authorization(cls, days):
        """Sessions still booked past what their authorization approved
        (counted in date order, held sessions first): they will not be
        paid unless the payer approves more; at their estimate"""
        over = cls.overbooked()
        return cls._session_query('authorization',
            lambda attendee, appointment: (
                attendee.id.in_(sorted(over) or [-1])))

    @classmethod
    def overbooked(cls):
        """{attendee id: authorization id} of the booked sessions beyond
        the approved visits or units of an authorization in effect"""
        pool = Pool()
        Authorization = pool.get('therapy.authorization')
        today = pool.get('ir.date').today()
        over = {}
        with without_check_access():
            for authorization in Authorization.search([
                        ('client.company', '=', cls._company()),
                        ('end_date', '>=', today),
                        ]):
                total = 0
                for attendee, units in authorization.counted():
                    total += units
                    if (total > authorization.approved
                            and attendee.attendance == 'expected'):
                        over.setdefault(attendee.id, authorization.id)
        return over


class Leakage(CurrencyMixin, ModelSQL, ModelView):
    "Revenue Leakage"
    __name__ = 'therapy.leakage'

    company = fields.Many2One('company.company', "Company", readonly=True)
    kind = fields.Selection('get_kinds', "Leak", readonly=True)
    location = fields.Many2One('therapy.location', "Location",
        readonly=True)
    clinician = fields.Many2One('company.employee', "Clinician",
        readonly=True)
    count = fields.Integer("To Work", readonly=True)
    amount = Monetary("At Stake", currency='currency', digits='currency',
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # the id starts with the kind's number: the leaks in their order on
        # the way to the bank, then by location and clinician
        cls._order = [('id', 'ASC')]

    @classmethod
    def get_kinds(cls):
        return Pool().get('therapy.leakage.item').kind.selection

    @classmethod
    def table_query(cls):
        items = Pool().get('therapy.leakage.item').table_query()
        return items.select(
            items.summary.as_('id'),
            Max(items.company).as_('company'),
            Max(items.kind).as_('kind'),
            Max(items.location).as_('location'),
            Max(items.clinician).as_('clinician'),
            Count(Literal(1)).as_('count'),
            Sum(items.amount).as_('amount'),
            *table_query_columns(cls),
            group_by=[items.summary])
