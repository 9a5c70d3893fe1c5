"""SQL pieces our reports share: the weeks of a weekly report (Monday
buckets of the last N weeks, as a context asks), the context those reports
take, and the columns every table_query row carries. Pure SQL building on
python-sql; the reports themselves live with their domain
(utilization.py here, therapy_reporting's KPI and leakage, billing's
revenue reports)."""
import datetime as dt

from sql import Cast, Literal, Null
from sql.conditionals import Case
from sql.functions import CurrentTimestamp, Extract, Function

from trytond import backend
from trytond.model import fields
from trytond.pool import Pool
from trytond.transaction import Transaction

DEFAULT_WEEKS = 12


def week_starts(today, count):
    "The Mondays of the last count weeks, this week last"
    monday = today - dt.timedelta(days=today.weekday())
    return [monday - dt.timedelta(weeks=i) for i in reversed(range(count))]


def context_weeks():
    "The Mondays of the weeks the context asks for (1 to 104)"
    return week_starts(Pool().get('ir.date').today(), max(1, min(
                int(Transaction().context.get('weeks') or DEFAULT_WEEKS),
                104)))


def week_of(starts, column):
    """SQL: the week number (1..n) of column among the weeks of starts,
    or NULL outside them. A query tags its rows with it in a subquery and
    groups by that column: PostgreSQL cannot group by the CASE itself,
    whose parameters differ between the SELECT and the GROUP BY"""
    return Case(*[((column >= start)
                & (column < start + dt.timedelta(weeks=1)), i + 1)
            for i, start in enumerate(starts)], else_=Null)


def in_weeks(starts, column):
    """SQL: column falls in the weeks of starts (contiguous Mondays), the
    rows week_of tags; a range an index can answer, where week_of's CASE
    is computed for every row of the table"""
    return ((column >= starts[0])
        & (column < starts[-1] + dt.timedelta(weeks=1)))


class JulianDay(Function):
    __slots__ = ()
    _function = 'JULIANDAY'


def minutes_between(start, end):
    "SQL: the whole minutes from timestamp start to end"
    if backend.name == 'sqlite':
        return Cast((JulianDay(end) - JulianDay(start)) * 1440 + 0.5,
            'INTEGER')
    return Cast(Extract('EPOCH', end - start) / 60, 'INTEGER')


def table_query_columns(cls):
    "The columns every table_query row of cls carries"
    return [
        Literal(0).as_('create_uid'),
        CurrentTimestamp().as_('create_date'),
        cls.write_uid.sql_cast(Literal(Null)).as_('write_uid'),
        cls.write_date.sql_cast(Literal(Null)).as_('write_date'),
        ]


class WeeksContextMixin:
    "The context of a weekly report: the last N weeks, a location"
    __slots__ = ()

    weeks = fields.Integer(
        "Weeks", required=True,
        domain=[('weeks', '>=', 1), ('weeks', '<=', 104)],
        help="How many weeks back, this week included.")
    location = fields.Many2One(
        'therapy.location', "Location",
        help="Empty: every location of the practice.")

    @classmethod
    def default_weeks(cls):
        return Transaction().context.get('weeks', DEFAULT_WEEKS)

    @classmethod
    def default_location(cls):
        return Transaction().context.get('location')


class CurrencyMixin:
    "A report row's currency: the context company's, read once a read"
    __slots__ = ()
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')

    @classmethod
    def get_currency(cls, rows, name):
        company_id = Transaction().context.get('company')
        currency = (Pool().get('company.company')(company_id).currency.id
            if company_id else None)
        return {r.id: currency for r in rows}
