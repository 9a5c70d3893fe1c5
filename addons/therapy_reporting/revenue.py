"""Revenue for the owner and the biller: what was charged and what came of
it, by month of service, rendering clinician, procedure code, payer and
location, and what each payer pays per procedure code against the fee
schedule.

Three table_query models read through one context (a period of dates of
service, default the last 12 months, and optional filters):

- therapy.revenue: one row per month of service x rendering clinician x
  service and procedure code x payer (empty: the client pays) x location.
  Every figure belongs to the charges of the row, whenever the money
  came: a row is a cohort of charges, so its collection rate says how much
  of that month's work has been collected so far.

  - charges, units, sessions: therapy.charge, void ones excepted (the
    only state that does not count: pending and billed both are work
    done). Charges are counted from charges, never from claims, so a claim
    replaced (7) or voided (8) and sent again counts its charge once.
  - payer paid: the payers' paid amounts (SVC03) of the posted
    remittances' lines matched to a claim line of the charge, primary and
    secondary payers alike; a reversal (CLP02 22) counts its negatives.
    Read from the remittance lines, not from the claim lines' roll-ups: a
    replacement claim copies its original's roll-ups, so summing those
    would count a payment on a replaced claim twice.
  - contractual adjustments and write-offs: the posted ledger lines on the
    contractual-adjustments and the denial/administrative write-off
    accounts whose origin is a claim line of the charge (or the charge):
    the remittances' CO write-offs, their reversals and denials written
    off.
  - patient responsibility: what the client's (guarantor's) invoices bill
    for the charge: the payer's patient share (lines from a claim line)
    and self-pay sessions and fees (lines from the charge), credit notes
    counted against.
  - patient collected: the part of those invoices no longer owed, deposits
    at the desk applied, payments and partial payments, shared out among
    the charges of an invoice in proportion to what each bills. The
    product writes off no client balance itself; an invoice an accountant
    closes with a write-off in Tryton's reconciliation counts as
    collected.
  - collection rate: (payer paid + patient collected) / (charges -
    contractual adjustments), in %.

- therapy.revenue.month: the same figures summed per month of service,
  for the owner's home graph: sao's graph reads every row of its window at
  each login, a dozen here.

- therapy.revenue.reimbursement: per procedure code x paying payer, over
  the charges of the period: the charges a payer paid (net of reversals,
  above zero), the average allowed and paid per charge, the practice's
  charge and the payer's contracted amount on the fee schedule (the plain
  code's line in effect on the date of service) and paid - expected.

Set-based SQL only: the work is done by the database whatever the
history's size."""
import datetime as dt

from sql import Cast, Literal, Null, Union, Window
from sql.aggregate import Avg, Count, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Round, RowNumber
from sql.operators import Concat

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.transaction import Transaction

from therapy_scheduling.report_sql import CurrencyMixin, table_query_columns

DEFAULT_MONTHS = 12
MAX_MONTHS = 120


def month_start(date):
    return date.replace(day=1)


def add_months(date, count):
    "The first day of the month count months after date's"
    index = date.year * 12 + date.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start, end):
    "The first days of the months from start's to end's (at most 120)"
    first, last = month_start(start), month_start(end)
    months = []
    while first <= last and len(months) < MAX_MONTHS:
        months.append(first)
        first = add_months(first, 1)
    return months


def month_of(months, column):
    """SQL: the first day of column's month among months, else NULL; to be
    selected in a subquery and grouped on outside (PostgreSQL cannot group
    by a CASE whose parameters differ between SELECT and GROUP BY)"""
    return Case(*[((column >= start) & (column < add_months(start, 1)),
                start) for start in months], else_=Null)


def _company():
    return Transaction().context.get('company') or -1


def context_period():
    "The context's dates of service: (first day, last day)"
    context = Transaction().context
    today = Pool().get('ir.date').today()
    end = context.get('to_date') or today
    start = context.get('from_date') or add_months(end, 1 - DEFAULT_MONTHS)
    return start, end


def _sum(column):
    return Coalesce(Sum(column), 0)


class RevenueContext(ModelView):
    "Revenue Context"
    __name__ = 'therapy.revenue.report.context'

    from_date = fields.Date("From", required=True,
        help="The first date of service counted.")
    to_date = fields.Date("To", required=True,
        help="The last date of service counted.")
    location = fields.Many2One('therapy.location', "Location",
        help="Empty: every location of the practice.")
    clinician = fields.Many2One('company.employee', "Clinician",
        help="The rendering clinician; empty: all.")
    payer = fields.Many2One('therapy.payer', "Payer",
        help="Empty: every payer and the clients who pay themselves.")
    service = fields.Many2One('therapy.service', "Service",
        help="Empty: every service.")

    @classmethod
    def default_to_date(cls):
        return Transaction().context.get('to_date') or Pool().get(
            'ir.date').today()

    @classmethod
    def default_from_date(cls):
        return Transaction().context.get('from_date') or add_months(
            cls.default_to_date(), 1 - DEFAULT_MONTHS)

    @classmethod
    def default_location(cls):
        return Transaction().context.get('location')

    @classmethod
    def default_clinician(cls):
        return Transaction().context.get('clinician')

    @classmethod
    def default_payer(cls):
        return Transaction().context.get('payer')

    @classmethod
    def default_service(cls):
        return Transaction().context.get('service')


class CompanyMixin(CurrencyMixin):
    __slots__ = ()
    company = fields.Many2One('company.company', "Company", readonly=True)


def _money(string, help):
    return Monetary(string, currency='currency', digits='currency',
        readonly=True, help=help)


class ChargeSQL:
    "The SQL pieces both reports build on"
    __slots__ = ()

    @classmethod
    def _charges(cls):
        """The counted charges of the context: charge, month, clinician,
        service, procedure code, payer, location, appointment, amount,
        units, date"""
        pool = Pool()
        Charge = pool.get('therapy.charge')
        Appointment = pool.get('therapy.appointment')
        charge = Charge.__table__()
        appointment = Appointment.__table__()
        context = Transaction().context
        start, end = context_period()
        where = ((charge.company == _company())
            & (charge.state != 'void')
            & (charge.date >= start) & (charge.date <= end))
        if context.get('clinician'):
            where &= charge.rendering == context['clinician']
        if context.get('service'):
            where &= charge.service == context['service']
        if context.get('location'):
            where &= appointment.location == context['location']
        if context.get('payer') and cls._filter_charge_payer:
            where &= charge.payer == context['payer']
        return charge.join(appointment, 'LEFT',
            condition=charge.appointment == appointment.id).select(
                charge.id.as_('charge'),
                month_of(months_between(start, end), charge.date).as_(
                    'month'),
                charge.rendering.as_('clinician'),
                charge.service.as_('service'),
                charge.procedure_code.as_('procedure_code'),
                charge.payer.as_('payer'),
                appointment.location.as_('location'),
                charge.appointment.as_('appointment'),
                charge.amount.as_('amount'),
                charge.units.as_('units'),
                charge.date.as_('date'),
                where=where)

    _filter_charge_payer = True

    @classmethod
    def _payer_paid(cls):
        """Per charge and paying payer: what the posted remittances paid
        and allowed on its claim lines"""
        pool = Pool()
        Remittance = pool.get('therapy.remittance')
        RemittanceClaim = pool.get('therapy.remittance.claim')
        RemittanceLine = pool.get('therapy.remittance.line')
        ClaimLine = pool.get('therapy.claim.line')
        remittance = Remittance.__table__()
        remittance_claim = RemittanceClaim.__table__()
        remittance_line = RemittanceLine.__table__()
        claim_line = ClaimLine.__table__()
        return (remittance_line
            .join(remittance_claim,
                condition=remittance_line.remittance_claim
                == remittance_claim.id)
            .join(remittance,
                condition=remittance_claim.remittance == remittance.id)
            .join(claim_line,
                condition=remittance_line.claim_line == claim_line.id)
            .select(
                claim_line.charge.as_('charge'),
                remittance.payer.as_('payer'),
                Sum(remittance_line.paid).as_('paid'),
                Sum(remittance_line.allowed).as_('allowed'),
                where=(remittance.company == _company())
                & (remittance.state == 'posted'),
                group_by=[claim_line.charge, remittance.payer]))

    @classmethod
    def _origins(cls):
        """The ledger origins that stand for a charge: its claim lines
        and itself (origin, charge)"""
        pool = Pool()
        Charge = pool.get('therapy.charge')
        ClaimLine = pool.get('therapy.claim.line')
        charge = Charge.__table__()
        claim_line = ClaimLine.__table__()
        lines = claim_line.select(
            Concat('therapy.claim.line,',
                Cast(claim_line.id, 'VARCHAR')).as_('origin'),
            claim_line.charge.as_('charge'))
        charges = charge.select(
            Concat('therapy.charge,', Cast(charge.id, 'VARCHAR')).as_(
                'origin'),
            charge.id.as_('charge'),
            where=charge.company == _company())
        return Union(lines, charges, all_=True)


class RevenueFigures(ChargeSQL, CompanyMixin):
    "What the charges of a month of service came to"
    __slots__ = ()

    month = fields.Date("Month", readonly=True,
        help="The month of service: every figure of the row belongs to "
        "the charges of that month, whenever the money came.")
    sessions = fields.Integer("Sessions", readonly=True)
    units = fields.Integer("Units", readonly=True)
    charges = _money("Charges", "The charges' amounts, void ones "
        "excepted.")
    payer_paid = _money("Payer Paid", "What the payers paid on these "
        "charges (posted remittances and paper EOBs, net of reversals).")
    contractual = _money("Contractual Adjustments", "What the payers' "
        "contracts took off (CO write-offs), net of reversals.")
    write_offs = _money("Write-offs", "Denials and balances written off.")
    patient_responsibility = _money("Patient Responsibility", "What the "
        "clients were billed: the payers' patient share and self-pay "
        "sessions and fees.")
    patient_collected = _money("Patient Collected", "What the clients "
        "paid of it: desk payments applied and invoice payments.")
    collected = _money("Collected", "Payer paid + patient collected.")
    collection_rate = fields.Function(
        fields.Float("Collection %", digits=(5, 1),
            help="Collected / (charges - contractual adjustments)."),
        'get_collection_rate')

    MONEY = ['charges', 'payer_paid', 'contractual', 'write_offs',
        'patient_responsibility', 'patient_collected', 'collected']

    @classmethod
    def _grouped(cls, key_names):
        "The context's charges and what came of them, grouped by key_names"
        charges = cls._charges()
        paid = cls._payer_paid()
        paid = paid.select(paid.charge, Sum(paid.paid).as_('paid'),
            group_by=[paid.charge])
        adjusted = cls._adjustments()
        patient = cls._patient()
        rows = (charges
            .join(paid, 'LEFT', condition=paid.charge == charges.charge)
            .join(adjusted, 'LEFT',
                condition=adjusted.charge == charges.charge)
            .join(patient, 'LEFT',
                condition=patient.charge == charges.charge))
        keys = [getattr(charges, k) for k in key_names]
        payer_paid = _sum(paid.paid)
        patient_collected = _sum(patient.collected)
        return rows.select(
            *keys,
            Count(charges.appointment, distinct=True).as_('sessions'),
            _sum(charges.units).as_('units'),
            _sum(charges.amount).as_('charges'),
            payer_paid.as_('payer_paid'),
            _sum(adjusted.contractual).as_('contractual'),
            _sum(adjusted.write_offs).as_('write_offs'),
            _sum(patient.billed).as_('patient_responsibility'),
            patient_collected.as_('patient_collected'),
            (payer_paid + patient_collected).as_('collected'),
            where=charges.month != Null,
            group_by=keys)

    @classmethod
    def table_query(cls):
        grouped = cls._grouped(cls.KEYS)
        order = [Coalesce(getattr(grouped, k), -1
                if k != 'procedure_code' else '').asc
            for k in cls.KEYS if k != 'month']
        return grouped.select(
            RowNumber(window=Window([],
                    order_by=[grouped.month.asc] + order)).as_('id'),
            Literal(_company()).as_('company'),
            cls.month.sql_cast(grouped.month).as_('month'),
            *(getattr(grouped, k) for k in cls.KEYS if k != 'month'),
            grouped.sessions, grouped.units,
            *(getattr(cls, n).sql_cast(getattr(grouped, n)).as_(n)
                for n in cls.MONEY),
            *table_query_columns(cls))

    @classmethod
    def _accounts(cls, name):
        Configuration = Pool().get('therapy.configuration')
        account = Configuration(1).get_multivalue(name, company=_company())
        return account.id if account else -1

    @classmethod
    def _adjustments(cls):
        """Per charge: the posted ledger lines on the contractual and the
        write-off accounts whose origin is the charge or its claim lines"""
        pool = Pool()
        Line = pool.get('account.move.line')
        Move = pool.get('account.move')
        line = Line.__table__()
        move = Move.__table__()
        origins = cls._origins()
        contractual = cls._accounts('contractual_account')
        write_off = cls._accounts('write_off_account')
        amount = line.debit - line.credit
        return (line
            .join(move, condition=line.move == move.id)
            .join(origins, condition=line.origin == origins.origin)
            .select(
                origins.charge.as_('charge'),
                Sum(Case((line.account == contractual, amount),
                        else_=0)).as_('contractual'),
                Sum(Case((line.account == write_off, amount),
                        else_=0)).as_('write_offs'),
                where=(move.company == _company())
                & (move.state == 'posted')
                & line.account.in_([contractual, write_off]),
                group_by=[origins.charge]))

    @classmethod
    def _patient(cls):
        """Per charge: what the guarantors' invoices bill for it (billed)
        and the part of it no longer owed (collected): each invoice's
        collected share is billed x (1 - open / invoice's billed)"""
        pool = Pool()
        Line = pool.get('account.move.line')
        Move = pool.get('account.move')
        Invoice = pool.get('account.invoice')
        Account = pool.get('account.account')
        AccountType = pool.get('account.account.type')
        PaymentLine = pool.get('account.invoice-account.move.line')
        line = Line.__table__()
        move = Move.__table__()
        invoice = Invoice.__table__()
        account = Account.__table__()
        type_ = AccountType.__table__()
        origins = cls._origins()
        # the guarantors' posted invoices: (invoice, move, account)
        invoices = (invoice
            .join(move, condition=invoice.move == move.id)
            .join(account, condition=invoice.account == account.id)
            .join(type_, condition=account.type == type_.id)
            .select(invoice.id.as_('invoice'), invoice.move.as_('move'),
                invoice.account.as_('account'),
                where=(invoice.company == _company())
                & (invoice.type == 'out') & (move.state == 'posted')
                & (type_.billing_role == 'patient')))
        # what each invoice bills each charge
        shares = (line
            .join(invoices, condition=line.move == invoices.move)
            .join(origins, condition=line.origin == origins.origin)
            .select(origins.charge.as_('charge'),
                invoices.invoice.as_('invoice'),
                Sum(line.credit - line.debit).as_('billed'),
                group_by=[origins.charge, invoices.invoice]))
        totals = shares.select(shares.invoice,
            Sum(shares.billed).as_('billed'), group_by=[shares.invoice])
        # what each invoice still asks: its receivable lines not
        # reconciled, less its payment lines not reconciled yet
        receivable = Line.__table__()
        due = (receivable
            .join(invoices, condition=(receivable.move == invoices.move)
                & (receivable.account == invoices.account))
            .select(invoices.invoice.as_('invoice'),
                (receivable.debit - receivable.credit).as_('amount'),
                where=receivable.reconciliation == Null))
        relation = PaymentLine.__table__()
        payment = Line.__table__()
        partial = (relation
            .join(payment, condition=relation.line == payment.id)
            .join(invoices, condition=relation.invoice == invoices.invoice)
            .select(invoices.invoice.as_('invoice'),
                (payment.debit - payment.credit).as_('amount'),
                where=payment.reconciliation == Null))
        owed = Union(due, partial, all_=True)
        open_ = owed.select(owed.invoice, Sum(owed.amount).as_('amount'),
            group_by=[owed.invoice])
        collected = Case(
            (totals.billed != 0, shares.billed - shares.billed
                * Coalesce(open_.amount, 0) / totals.billed),
            else_=0)
        return (shares
            .join(totals, condition=totals.invoice == shares.invoice)
            .join(open_, 'LEFT', condition=open_.invoice == shares.invoice)
            .select(shares.charge.as_('charge'),
                Sum(shares.billed).as_('billed'),
                Round(Sum(collected), 2).as_('collected'),
                group_by=[shares.charge]))

    @classmethod
    def get_collection_rate(cls, rows, name):
        result = {}
        for row in rows:
            base = (row.charges or 0) - (row.contractual or 0)
            result[row.id] = (round(float(100 * (row.collected or 0) / base),
                    1) if base else None)
        return result


class Revenue(RevenueFigures, ModelSQL, ModelView):
    "Revenue"
    __name__ = 'therapy.revenue'

    clinician = fields.Many2One('company.employee', "Clinician",
        readonly=True, help="The rendering clinician.")
    service = fields.Many2One('therapy.service', "Service", readonly=True)
    procedure_code = fields.Char("Procedure Code", readonly=True)
    payer = fields.Many2One('therapy.payer', "Payer", readonly=True,
        help="The charge's payer; empty: the client pays.")
    location = fields.Many2One('therapy.location', "Location", readonly=True)

    KEYS = ['month', 'clinician', 'service', 'procedure_code', 'payer',
        'location']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('charges', 'DESC'), ('id', 'ASC')]

    def get_rec_name(self, name):
        return ' '.join(filter(None, [
                    self.month.strftime('%Y-%m') if self.month else '',
                    self.procedure_code,
                    self.payer.rec_name if self.payer else None]))


class RevenueMonth(RevenueFigures, ModelSQL, ModelView):
    """Revenue per Month: the figures of therapy.revenue summed per month
    of service, a dozen rows for a year, so that a graph of them (the
    owner's home) reads a row per bar instead of every row of the
    revenue report"""
    __name__ = 'therapy.revenue.month'

    KEYS = ['month']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'ASC'), ('id', 'ASC')]

    def get_rec_name(self, name):
        return self.month.strftime('%Y-%m') if self.month else ''


class Reimbursement(ChargeSQL, CompanyMixin, ModelSQL, ModelView):
    "Reimbursement per Procedure and Payer"
    __name__ = 'therapy.revenue.reimbursement'

    procedure_code = fields.Char("Procedure Code", readonly=True)
    payer = fields.Many2One('therapy.payer', "Payer", readonly=True,
        help="The payer that paid.")
    lines = fields.Integer("Charges Paid", readonly=True,
        help="Charges of the period this payer paid (net of reversals).")
    allowed = _money("Average Allowed", "What the payer allowed per "
        "charge, on average.")
    paid = _money("Average Paid", "What the payer paid per charge, on "
        "average.")
    practice_charge = _money("Practice Charge", "The fee schedule's "
        "practice charge for the code, on average over the charges.")
    expected = _money("Expected", "The payer's contracted amount on the "
        "fee schedule; empty: no contract line.")
    difference = _money("Paid - Expected", "Negative: the payer pays "
        "less than its contract.")

    _filter_charge_payer = False

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('procedure_code', 'ASC'), ('payer', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        Fee = Pool().get('therapy.fee')
        charges = cls._charges()
        paid = cls._payer_paid()
        contract = Fee.__table__()
        practice = Fee.__table__()

        def in_effect(fee):
            return ((fee.service == charges.service)
                & (fee.modifiers == Null)
                & (fee.start_date <= charges.date)
                & ((fee.end_date == Null) | (fee.end_date >= charges.date)))
        where = paid.paid > 0
        payer = Transaction().context.get('payer')
        if payer:
            where &= paid.payer == payer
        rows = (charges
            .join(paid, condition=paid.charge == charges.charge)
            .join(contract, 'LEFT', condition=in_effect(contract)
                & (contract.payer == paid.payer))
            .join(practice, 'LEFT', condition=in_effect(practice)
                & (practice.payer == Null))
            .select(charges.procedure_code.as_('procedure_code'),
                paid.payer.as_('payer'),
                paid.paid.as_('paid'), paid.allowed.as_('allowed'),
                contract.amount.as_('expected'),
                practice.amount.as_('practice_charge'),
                where=where))
        grouped = rows.select(
            rows.procedure_code, rows.payer,
            Count(Literal(1)).as_('lines'),
            Round(Avg(rows.allowed), 2).as_('allowed'),
            Round(Avg(rows.paid), 2).as_('paid'),
            Round(Avg(rows.practice_charge), 2).as_('practice_charge'),
            Round(Avg(rows.expected), 2).as_('expected'),
            group_by=[rows.procedure_code, rows.payer])
        money = ['allowed', 'paid', 'practice_charge', 'expected']
        return grouped.select(
            RowNumber(window=Window([], order_by=[
                        Coalesce(grouped.procedure_code, '').asc,
                        grouped.payer.asc])).as_('id'),
            Literal(_company()).as_('company'),
            grouped.procedure_code, grouped.payer, grouped.lines,
            *(getattr(cls, n).sql_cast(getattr(grouped, n)).as_(n)
                for n in money),
            cls.difference.sql_cast(
                grouped.paid - grouped.expected).as_('difference'),
            *table_query_columns(cls))

    def get_rec_name(self, name):
        return ' '.join(filter(None, [self.procedure_code,
                    self.payer.rec_name if self.payer else None]))
