"""What the practice is owed, insurance apart from clients, by age.

Open (unreconciled) lines of receivable accounts, aged from their maturity
date (or the move's date) to today in the 0-30 / 31-60 / 61-90 / over 90
day buckets a practice reads. A line belongs to insurance when its party
is a payer's party; every other party is a client's guarantor."""
import datetime as dt

from sql import Literal, Null
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.transaction import Transaction

from therapy_scheduling.report_sql import CurrencyMixin, table_query_columns

KINDS = [
    ('insurance', "Insurance"),
    ('patient', "Clients"),
    ]
BUCKETS = ['current', 'days_31_60', 'days_61_90', 'over_90']


class ReceivableAging(CurrencyMixin, ModelSQL, ModelView):
    "Receivables by Age"
    __name__ = 'therapy.receivable.aging'

    company = fields.Many2One('company.company', "Company", readonly=True)
    kind = fields.Selection(KINDS, "Owed By", readonly=True)
    current = Monetary(
        "0-30 Days", currency='currency', digits='currency', readonly=True)
    days_31_60 = Monetary(
        "31-60 Days", currency='currency', digits='currency', readonly=True)
    days_61_90 = Monetary(
        "61-90 Days", currency='currency', digits='currency', readonly=True)
    over_90 = Monetary(
        "Over 90 Days", currency='currency', digits='currency',
        readonly=True)
    total = Monetary(
        "Total", currency='currency', digits='currency', readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Line = pool.get('account.move.line')
        Move = pool.get('account.move')
        Account = pool.get('account.account')
        AccountType = pool.get('account.account.type')
        Payer = pool.get('therapy.payer')
        Date = pool.get('ir.date')
        line = Line.__table__()
        move = Move.__table__()
        account = Account.__table__()
        type_ = AccountType.__table__()
        payer = Payer.__table__()
        company = Transaction().context.get('company') or -1
        today = Date.today()
        since = Coalesce(line.maturity_date, move.date)
        age = Case(
            (since >= today - dt.timedelta(days=30), 0),
            (since >= today - dt.timedelta(days=60), 1),
            (since >= today - dt.timedelta(days=90), 2),
            else_=3)
        kind = Case(
            (line.party.in_(payer.select(payer.party)), 1), else_=2)
        rows = (line
            .join(move, condition=line.move == move.id)
            .join(account, condition=line.account == account.id)
            .join(type_, condition=account.type == type_.id)
            .select(
                kind.as_('kind'), age.as_('age'),
                (line.debit - line.credit).as_('amount'),
                where=(move.company == company)
                & (move.state == 'posted')
                & (line.reconciliation == Null)
                & (type_.receivable == Literal(True))))

        def bucket(index):
            return Coalesce(Sum(Case(
                        (rows.age == index, rows.amount), else_=0)), 0)
        return rows.select(
            rows.kind.as_('id'),
            Literal(company).as_('company'),
            Case((rows.kind == 1, 'insurance'), else_='patient').as_('kind'),
            *(bucket(i).as_(name) for i, name in enumerate(BUCKETS)),
            Coalesce(Sum(rows.amount), 0).as_('total'),
            *table_query_columns(cls),
            group_by=[rows.kind])

