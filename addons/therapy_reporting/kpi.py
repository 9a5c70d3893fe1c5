"""The practice's week in numbers: sessions kept, no-shows and late
cancellations with their rates, what was charged and what was collected.

A table_query over the last N weeks (the context sets N): the weeks are a
VALUES list built here, because SQLite's date_trunc knows no weeks. Weeks
start on Monday and bucket sessions by their stored (UTC) start: a session
late on a Sunday evening in the Mountain zone counts in the next week,
which moves a handful of sessions and none of the rates that matter."""

from sql import Literal, Values
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling.report_sql import (
    CurrencyMixin, WeeksContextMixin, context_weeks, in_weeks,
    table_query_columns, week_of)


class KPIContext(WeeksContextMixin, ModelView):
    "Practice KPI Context"
    __name__ = 'therapy.kpi.context'


class WeekKPI(CurrencyMixin, ModelSQL, ModelView):
    "Practice Week"
    __name__ = 'therapy.kpi.week'

    company = fields.Many2One('company.company', "Company", readonly=True)
    week = fields.Date("Week Of", readonly=True)
    kept = fields.Integer("Kept", readonly=True,
        help="Client visits attended (each client of a group counts).")
    no_shows = fields.Integer("No-Shows", readonly=True)
    late_cancellations = fields.Integer("Late Cancellations", readonly=True)
    cancellations = fields.Integer("Cancellations", readonly=True,
        help="Cancelled by client or practice; reschedules excluded.")
    no_show_rate = fields.Function(
        fields.Float("No-Show %", digits=(3, 1)), 'get_rates')
    late_cancel_rate = fields.Function(
        fields.Float("Late Cancel %", digits=(3, 1)), 'get_rates')
    charged = Monetary(
        "Charged", currency='currency', digits='currency', readonly=True,
        help="Charges for the sessions of the week, voided ones excepted.")
    collected = Monetary(
        "Collected", currency='currency', digits='currency', readonly=True,
        help="Money received in the week: cash, card, check and bank "
        "deposits, less refunds.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('week', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        context = Transaction().context
        company = context.get('company') or -1
        starts = context_weeks()
        values = Values([[i + 1, start] for i, start in enumerate(starts)])
        weeks = values.select(
            values.column1.as_('id'), values.column2.as_('start'))
        visits = cls._visits(company, context.get('location'))
        money = cls._charged(company)
        cash = cls._collected(company)
        return (weeks
            .join(visits, 'LEFT', condition=visits.week == weeks.id)
            .join(money, 'LEFT', condition=money.week == weeks.id)
            .join(cash, 'LEFT', condition=cash.week == weeks.id)
            .select(
                weeks.id.as_('id'),
                Literal(company).as_('company'),
                weeks.start.as_('week'),
                Coalesce(visits.kept, 0).as_('kept'),
                Coalesce(visits.no_shows, 0).as_('no_shows'),
                Coalesce(visits.late_cancellations, 0).as_(
                    'late_cancellations'),
                Coalesce(visits.cancellations, 0).as_('cancellations'),
                Coalesce(money.charged, 0).as_('charged'),
                Coalesce(cash.collected, 0).as_('collected'),
                *table_query_columns(cls),
                ))

    @classmethod
    def _visits(cls, company, location):
        pool = Pool()
        Attendee = pool.get('therapy.appointment.attendee')
        Appointment = pool.get('therapy.appointment')
        attendee = Attendee.__table__()
        appointment = Appointment.__table__()
        starts = context_weeks()
        week = week_of(starts, attendee.start)
        where = ((appointment.company == company)
            & in_weeks(starts, attendee.start))
        if location:
            where &= appointment.location == location
        cancelled = ((attendee.attendance == 'cancelled')
            & (Coalesce(appointment.cancel_reason, '') != 'rescheduled'))
        late = cancelled & (appointment.late_cancellation == Literal(True))

        def flag(condition):
            return Case((condition, 1), else_=0)
        rows = attendee.join(appointment,
            condition=attendee.appointment == appointment.id).select(
                week.as_('week'),
                flag(attendee.attendance == 'attended').as_('kept'),
                flag(attendee.attendance == 'no_show').as_('no_shows'),
                flag(late).as_('late_cancellations'),
                flag(cancelled).as_('cancellations'),
                where=where)
        return rows.select(
            rows.week,
            Sum(rows.kept).as_('kept'),
            Sum(rows.no_shows).as_('no_shows'),
            Sum(rows.late_cancellations).as_('late_cancellations'),
            Sum(rows.cancellations).as_('cancellations'),
            group_by=[rows.week])

    @classmethod
    def _charged(cls, company):
        Charge = Pool().get('therapy.charge')
        charge = Charge.__table__()
        starts = context_weeks()
        week = week_of(starts, charge.date)
        rows = charge.select(
            week.as_('week'), charge.amount,
            where=(charge.company == company) & in_weeks(starts, charge.date)
            & (charge.state != 'void'))
        return rows.select(
            rows.week, Sum(rows.amount).as_('charged'),
            group_by=[rows.week])

    @classmethod
    def _collected(cls, company):
        """Money received: what moved on the practice's money accounts,
        those of its payment methods (cash, card, check at the desk) and of
        its bank statement journals; a transfer between two of them nets
        to nothing, a refund counts against"""
        pool = Pool()
        Line = pool.get('account.move.line')
        Move = pool.get('account.move')
        line = Line.__table__()
        move = Move.__table__()
        accounts = cls._money_accounts(company) or [-1]
        starts = context_weeks()
        week = week_of(starts, move.date)
        rows = line.join(move, condition=line.move == move.id).select(
            week.as_('week'), (line.debit - line.credit).as_('amount'),
            where=(move.company == company) & in_weeks(starts, move.date)
            & (move.state == 'posted') & line.account.in_(accounts))
        return rows.select(
            rows.week, Sum(rows.amount).as_('collected'),
            group_by=[rows.week])

    @classmethod
    def _money_accounts(cls, company):
        pool = Pool()
        Method = pool.get('account.invoice.payment.method')
        StatementJournal = pool.get('account.statement.journal')
        with without_check_access():
            methods = Method.search([('company', '=', company)])
            journals = StatementJournal.search([('company', '=', company)])
        accounts = {a.id for m in methods
            for a in [m.debit_account, m.credit_account] if a}
        accounts |= {j.account.id for j in journals if j.account}
        return sorted(accounts)

    @classmethod
    def get_rates(cls, weeks, names):
        result = {n: {} for n in names}
        for week in weeks:
            booked = (week.kept + week.no_shows + week.cancellations)
            for name, count in [('no_show_rate', week.no_shows),
                    ('late_cancel_rate', week.late_cancellations)]:
                if name in names:
                    result[name][week.id] = (
                        round(100 * count / booked, 1) if booked else 0.0)
        return result

    def get_rec_name(self, name):
        return self.week.strftime('%m/%d/%Y') if self.week else ''
