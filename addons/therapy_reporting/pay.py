"""Clinician productivity and pay (issue 17): per clinician and pay period,
the sessions kept, their billed units and hours, the missed ones, what was
collected on their sessions, and their pay under the owner's pay rules
(pay_rule.py: why they live in this module; nothing here posts).

Two table_query models read through one context model (the period, a
clinician), as Tryton's sale_reporting, computed set-based in SQL so a
50-clinician, 5-year database answers in one query:
- therapy.pay.line: one row per kept session (an attendee marked attended,
  a group session counting each client), dated where it took place: its
  service, primary procedure code (the code of its first session charge),
  billed units (the sum over its session charges not voided; 0 before it
  is charged), scheduled minutes, and the per-session and hourly pay. No
  client is named: a line is not PHI.
- therapy.pay: the lines summed per clinician, with the no-shows and late
  cancellations (counted, never paid), the collections and their pay, and
  the clinician's supervisor (a supervisor reads their supervisees' rows).

The rules: on each day, a clinician with a rule of their own in effect
(of any kind) is paid by their own rules only; one without is paid by the
practice's default rules (no clinician) in effect that day. A session is
paid by the rules in effect on its date: per session, the line of its
procedure code (per session, or per billed unit) else the rule's amount;
hourly, the rate times its scheduled hours. Collections are paid by the
rule in effect on the day the money came in.

Collections on a clinician's sessions during the period: what payers paid
on the session charges' claim lines (SVC03 of posted remittances, dated
their payment date; a reversal counts negative), plus what clients paid
at the desk for the clinician's visits (copays and self-pay payments,
dated their receipt). Client payments received later against a statement
are not tied to a session by the ledger and are not counted. A charge
counts for the clinician who held its session (its rendering clinician
without a session).

The default period is the previous calendar month (a practice paying
twice a month picks the dates)."""
import datetime as dt

from sql import Cast, Literal, Null, Union
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Round
from sql.operators import Exists

from trytond import backend
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.transaction import Transaction

from therapy_scheduling.report_sql import (
    CurrencyMixin, minutes_between, table_query_columns)

# any place's day is within a day of its UTC day
MARGIN = dt.timedelta(days=1)


def previous_month(today):
    "The first and last days of the calendar month before today's"
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def period():
    "The context's pay period, the previous calendar month by default"
    context = Transaction().context
    first, last = previous_month(Pool().get('ir.date').today())
    return (context.get('from_date') or first,
        context.get('to_date') or last)


def utc_span(appointment, first, last):
    """SQL: the appointments starting (in UTC) from a day before first to
    a day after last: the local date is computed on these only, and an
    index on the start serves a period of a long history"""
    low = dt.datetime.combine(first - MARGIN, dt.time())
    high = dt.datetime.combine(last + MARGIN + dt.timedelta(days=1),
        dt.time())
    return (appointment.start >= low) & (appointment.start < high)


def company_id():
    return Transaction().context.get('company') or -1


def real(column):
    """column as a number whose division does not truncate: SQLite may
    hold a numeric as an integer, and PostgreSQL's round takes a numeric
    (not a double)"""
    if backend.name == 'sqlite':
        return Cast(column, 'REAL')
    return Cast(column, 'NUMERIC')


def local_date(appointment, location):
    "SQL: the date of appointment where it takes place"
    return fields.Date("Date").sql_cast(appointment.start,
        timezone=Coalesce(location.timezone, 'UTC'))


class PayContext(ModelView):
    "Clinician Pay Context"
    __name__ = 'therapy.pay.context'

    from_date = fields.Date("From", required=True,
        help="The first day of the pay period.")
    to_date = fields.Date("To", required=True,
        help="The last day of the pay period.")
    clinician = fields.Many2One('company.employee', "Clinician",
        domain=[('discipline', '!=', None)],
        help="Empty: every clinician you may see.")

    @classmethod
    def default_from_date(cls):
        return Transaction().context.get('from_date') or previous_month(
            Pool().get('ir.date').today())[0]

    @classmethod
    def default_to_date(cls):
        return Transaction().context.get('to_date') or previous_month(
            Pool().get('ir.date').today())[1]

    @classmethod
    def default_clinician(cls):
        return Transaction().context.get('clinician')


class PayLine(CurrencyMixin, ModelSQL, ModelView):
    "Clinician Pay Line"
    __name__ = 'therapy.pay.line'

    company = fields.Many2One('company.company', "Company", readonly=True)
    clinician = fields.Many2One('company.employee', "Clinician",
        readonly=True)
    supervisor = fields.Many2One('company.employee', "Supervisor",
        readonly=True)
    date = fields.Date("Date", readonly=True)
    service = fields.Many2One('therapy.service', "Service", readonly=True)
    procedure_code = fields.Char("Procedure Code", readonly=True,
        help="The code of the session's first charge; empty before it is "
        "charged.")
    units = fields.Integer("Units", readonly=True,
        help="Billed units of the session's charges not voided.")
    minutes = fields.Integer("Minutes", readonly=True,
        help="The session's scheduled minutes.")
    session_pay = Monetary("Session Pay", currency='currency',
        digits='currency', readonly=True)
    hourly_pay = Monetary("Hourly Pay", currency='currency',
        digits='currency', readonly=True)
    amount = Monetary("Pay", currency='currency', digits='currency',
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        lines = cls.lines_query()
        return lines.select(
            lines.id.as_('id'),
            Literal(company_id()).as_('company'),
            lines.clinician.as_('clinician'),
            lines.supervisor.as_('supervisor'),
            lines.date.as_('date'),
            lines.service.as_('service'),
            lines.procedure_code.as_('procedure_code'),
            lines.units.as_('units'),
            lines.minutes.as_('minutes'),
            lines.session_pay.as_('session_pay'),
            lines.hourly_pay.as_('hourly_pay'),
            (lines.session_pay + lines.hourly_pay).as_('amount'),
            *table_query_columns(cls))

    @classmethod
    def sessions_query(cls):
        """The kept sessions of the period: id (the attendee), clinician,
        date, service, procedure code, units, minutes"""
        pool = Pool()
        attendee = pool.get('therapy.appointment.attendee').__table__()
        appointment = pool.get('therapy.appointment').__table__()
        location = pool.get('therapy.location').__table__()
        charge = pool.get('therapy.charge').__table__()
        first_charge = pool.get('therapy.charge').__table__()
        context = Transaction().context
        first, last = period()
        charges = charge.select(
            charge.appointment.as_('appointment'),
            charge.client.as_('client'),
            Sum(charge.units).as_('units'),
            Min(charge.id).as_('first'),
            where=(charge.kind == 'service') & (charge.state != 'void')
            & (charge.date >= first - MARGIN)
            & (charge.date <= last + MARGIN),
            group_by=[charge.appointment, charge.client])
        date = local_date(appointment, location)
        where = ((appointment.company == company_id())
            & (attendee.attendance == 'attended')
            & utc_span(appointment, first, last))
        if context.get('clinician'):
            where &= appointment.clinician == context['clinician']
        rows = (attendee
            .join(appointment,
                condition=attendee.appointment == appointment.id)
            .join(location, 'LEFT',
                condition=appointment.location == location.id)
            .join(charges, 'LEFT',
                condition=(charges.appointment == appointment.id)
                & (charges.client == attendee.client))
            .join(first_charge, 'LEFT',
                condition=first_charge.id == charges.first)
            .select(
                attendee.id.as_('id'),
                appointment.clinician.as_('clinician'),
                date.as_('date'),
                appointment.service.as_('service'),
                first_charge.procedure_code.as_('procedure_code'),
                Coalesce(charges.units, 0).as_('units'),
                minutes_between(appointment.start, appointment.end).as_(
                    'minutes'),
                where=where))
        # filtered on the date outside: the date is computed
        return rows.select(*[getattr(rows, n) for n in ['id', 'clinician',
                    'date', 'service', 'procedure_code', 'units',
                    'minutes']],
            where=(rows.date >= first) & (rows.date <= last))

    @classmethod
    def rule_in_effect(cls, rule, kind, clinician, date):
        """The condition joining the pay rule of kind in effect on date
        for clinician: theirs, else the practice's when they have no rule
        of their own that day"""
        own = Pool().get('therapy.pay.rule').__table__()

        def in_effect(table):
            return ((table.company == company_id())
                & (table.start_date <= date)
                & ((table.end_date == Null) | (table.end_date >= date)))
        has_own = own.select(own.id,
            where=in_effect(own) & (own.clinician == clinician))
        return (in_effect(rule) & (rule.kind == kind)
            & ((rule.clinician == clinician)
                | ((rule.clinician == Null) & ~Exists(has_own))))

    @classmethod
    def lines_query(cls):
        """The kept sessions with their supervisor and pay: session_pay,
        hourly_pay"""
        pool = Pool()
        Rule = pool.get('therapy.pay.rule')
        RuleLine = pool.get('therapy.pay.rule.line')
        employee = pool.get('company.employee').__table__()
        per_session = Rule.__table__()
        hourly = Rule.__table__()
        code = RuleLine.__table__()
        s = cls.sessions_query()
        session_pay = Case(
            (code.id != Null, Case(
                    (code.basis == 'unit', code.amount * s.units),
                    else_=code.amount)),
            (per_session.id != Null, per_session.amount),
            else_=0)
        hourly_pay = Coalesce(Round(
                real(hourly.amount) * s.minutes / Literal(60), 2), 0)
        return (s
            .join(employee, 'LEFT', condition=employee.id == s.clinician)
            .join(per_session, 'LEFT', condition=cls.rule_in_effect(
                    per_session, 'session', s.clinician, s.date))
            .join(code, 'LEFT', condition=(code.rule == per_session.id)
                & (code.procedure_code == s.procedure_code))
            .join(hourly, 'LEFT', condition=cls.rule_in_effect(
                    hourly, 'hourly', s.clinician, s.date))
            .select(
                s.id.as_('id'), s.clinician.as_('clinician'),
                employee.supervisor.as_('supervisor'),
                s.date.as_('date'), s.service.as_('service'),
                s.procedure_code.as_('procedure_code'),
                s.units.as_('units'), s.minutes.as_('minutes'),
                session_pay.as_('session_pay'),
                hourly_pay.as_('hourly_pay')))


class Pay(CurrencyMixin, ModelSQL, ModelView):
    "Clinician Pay"
    __name__ = 'therapy.pay'

    company = fields.Many2One('company.company', "Company", readonly=True)
    clinician = fields.Many2One('company.employee', "Clinician",
        readonly=True)
    supervisor = fields.Many2One('company.employee', "Supervisor",
        readonly=True)
    sessions = fields.Integer("Sessions Kept", readonly=True,
        help="Client visits attended (each client of a group counts).")
    units = fields.Integer("Units", readonly=True,
        help="Billed units of the kept sessions' charges.")
    hours = fields.Numeric("Session Hours", digits=(16, 2), readonly=True,
        help="Scheduled hours of the kept sessions.")
    no_shows = fields.Integer("No-Shows", readonly=True)
    late_cancellations = fields.Integer("Late Cancellations",
        readonly=True)
    collections = Monetary("Collected", currency='currency',
        digits='currency', readonly=True,
        help="Payer payments on the clinician's session charges and client "
        "payments at the desk for their visits, received in the period.")
    session_pay = Monetary("Per Session Pay", currency='currency',
        digits='currency', readonly=True)
    collections_pay = Monetary("Collections Pay", currency='currency',
        digits='currency', readonly=True)
    hourly_pay = Monetary("Hourly Pay", currency='currency',
        digits='currency', readonly=True)
    total_pay = Monetary("Total Pay", currency='currency',
        digits='currency', readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('clinician', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        PayLine = pool.get('therapy.pay.line')
        employee = pool.get('company.employee').__table__()
        lines = PayLine.lines_query()
        worked = lines.select(
            lines.clinician.as_('clinician'),
            Count(lines.id).as_('sessions'),
            Sum(lines.units).as_('units'),
            Sum(lines.minutes).as_('minutes'),
            Sum(lines.session_pay).as_('session_pay'),
            Sum(lines.hourly_pay).as_('hourly_pay'),
            group_by=[lines.clinician])
        missed = cls.missed_query()
        collected = cls.collections_query()
        keys = Union(
            worked.select(worked.clinician.as_('clinician')),
            missed.select(missed.clinician.as_('clinician')),
            collected.select(collected.clinician.as_('clinician')))
        session_pay = Coalesce(worked.session_pay, 0)
        hourly_pay = Coalesce(worked.hourly_pay, 0)
        collections_pay = Coalesce(collected.pay, 0)
        return (keys
            .join(employee, condition=employee.id == keys.clinician)
            .join(worked, 'LEFT', condition=worked.clinician == keys.clinician)
            .join(missed, 'LEFT', condition=missed.clinician == keys.clinician)
            .join(collected, 'LEFT',
                condition=collected.clinician == keys.clinician)
            .select(
                keys.clinician.as_('id'),
                Literal(company_id()).as_('company'),
                keys.clinician.as_('clinician'),
                employee.supervisor.as_('supervisor'),
                Coalesce(worked.sessions, 0).as_('sessions'),
                Coalesce(worked.units, 0).as_('units'),
                Round(real(Coalesce(worked.minutes, 0)) / Literal(60),
                    2).as_('hours'),
                Coalesce(missed.no_shows, 0).as_('no_shows'),
                Coalesce(missed.late, 0).as_('late_cancellations'),
                Coalesce(collected.amount, 0).as_('collections'),
                session_pay.as_('session_pay'),
                collections_pay.as_('collections_pay'),
                hourly_pay.as_('hourly_pay'),
                (session_pay + collections_pay + hourly_pay).as_(
                    'total_pay'),
                *table_query_columns(cls),
                where=(keys.clinician != Null)
                & (employee.company == company_id())))

    @classmethod
    def missed_query(cls):
        "Per clinician: no_shows, late (cancellations) in the period"
        pool = Pool()
        attendee = pool.get('therapy.appointment.attendee').__table__()
        appointment = pool.get('therapy.appointment').__table__()
        location = pool.get('therapy.location').__table__()
        context = Transaction().context
        first, last = period()
        late = ((attendee.attendance == 'cancelled')
            & (Coalesce(appointment.cancel_reason, '') != 'rescheduled')
            & (appointment.late_cancellation == Literal(True)))
        where = ((appointment.company == company_id())
            & ((attendee.attendance == 'no_show') | late)
            & utc_span(appointment, first, last))
        if context.get('clinician'):
            where &= appointment.clinician == context['clinician']
        rows = (attendee
            .join(appointment,
                condition=attendee.appointment == appointment.id)
            .join(location, 'LEFT',
                condition=appointment.location == location.id)
            .select(
                appointment.clinician.as_('clinician'),
                local_date(appointment, location).as_('date'),
                Case((attendee.attendance == 'no_show', 1),
                    else_=0).as_('no_show'),
                Case((late, 1), else_=0).as_('late'),
                where=where))
        return rows.select(
            rows.clinician.as_('clinician'),
            Sum(rows.no_show).as_('no_shows'),
            Sum(rows.late).as_('late'),
            where=(rows.date >= first) & (rows.date <= last),
            group_by=[rows.clinician])

    @classmethod
    def collections_query(cls):
        """Per clinician: amount collected in the period on their sessions
        and pay, its share under the collections rule in effect the day
        each payment came in"""
        pool = Pool()
        PayLine = pool.get('therapy.pay.line')
        remittance = pool.get('therapy.remittance').__table__()
        answer = pool.get('therapy.remittance.claim').__table__()
        rline = pool.get('therapy.remittance.line').__table__()
        line = pool.get('therapy.claim.line').__table__()
        charge = pool.get('therapy.charge').__table__()
        appointment = pool.get('therapy.appointment').__table__()
        desk = pool.get('therapy.desk.payment').__table__()
        visit = pool.get('therapy.appointment').__table__()
        rule = pool.get('therapy.pay.rule').__table__()
        context = Transaction().context
        first, last = period()
        clinician = Coalesce(appointment.clinician, charge.rendering)
        payer_where = ((remittance.company == company_id())
            & (remittance.state == 'posted')
            & (remittance.payment_date >= first)
            & (remittance.payment_date <= last))
        desk_where = ((desk.company == company_id())
            & (desk.move != Null)
            & (desk.date >= first) & (desk.date <= last))
        if context.get('clinician'):
            payer_where &= clinician == context['clinician']
            desk_where &= visit.clinician == context['clinician']
        payers = (rline
            .join(answer, condition=rline.remittance_claim == answer.id)
            .join(remittance, condition=answer.remittance == remittance.id)
            .join(line, condition=rline.claim_line == line.id)
            .join(charge, condition=line.charge == charge.id)
            .join(appointment, 'LEFT',
                condition=charge.appointment == appointment.id)
            .select(
                clinician.as_('clinician'),
                remittance.payment_date.as_('date'),
                rline.paid.as_('amount'),
                where=payer_where))
        clients = (desk
            .join(visit, condition=desk.appointment == visit.id)
            .select(
                visit.clinician.as_('clinician'),
                desk.date.as_('date'),
                desk.amount.as_('amount'),
                where=desk_where))
        money = Union(payers, clients, all_=True)
        share = real(money.amount) * real(Coalesce(rule.percentage, 0)) \
            / Literal(100)
        return (money
            .join(rule, 'LEFT', condition=PayLine.rule_in_effect(
                    rule, 'collections', money.clinician, money.date))
            .select(
                money.clinician.as_('clinician'),
                Sum(money.amount).as_('amount'),
                Round(Sum(share), 2).as_('pay'),
                where=money.clinician != Null,
                group_by=[money.clinician]))

    def get_rec_name(self, name):
        return self.clinician.rec_name if self.clinician else str(self.id)
