"""The record of each client statement that went out (issue 17: "patient
balances not statemented" needs to know when a balance was last
statemented).

A statement is per client, but what it shows is the guarantor's account
(report.py statement_data: every open invoice of the guarantor), so the
patient balance and "last statemented" are the guarantor's: a statement
sent for one client covers the guarantor's lines of every client they
pay for.

A record keeps the PDF the client was sent (its bytes, not a way to
redraw it: the ledger moves on, the audit needs what was sent), the
statement's total due, how it went out (printed at the practice, emailed,
downloaded from the portal) and who sent it. Records are made by the
server only (the statement run, Record as Sent, the portal's download)
and are never changed nor deleted.

patient_balances() reads the guarantors' open lines of the patient
receivable accounts (the account type's billing role, as the A/R aging);
the statement run and the leakage report select from it."""
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal

from pypdf import PdfWriter
from sql import Literal, Null
from sql.aggregate import Max

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.report import Report
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling.phi import PHIMixin

from .batch import slices
from .documents import statement_pdf

CHANNELS = [
    ('printed', "Printed"),
    ('emailed', "Emailed"),
    ('portal', "Portal"),
    ]


def patient_balances(company_id):
    """{guarantor party id: (balance, [dates of its open charge lines])}
    of the company's open (unreconciled) posted lines on patient
    receivable accounts, less what the party paid ahead (its open lines on
    deposit accounts, as the statement's total subtracts); a charge line
    is a debit"""
    pool = Pool()
    line = pool.get('account.move.line').__table__()
    move = pool.get('account.move').__table__()
    account = pool.get('account.account').__table__()
    type_ = pool.get('account.account.type').__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*line
        .join(move, condition=line.move == move.id)
        .join(account, condition=line.account == account.id)
        .join(type_, condition=account.type == type_.id)
        .select(line.party, line.debit, line.credit, move.date,
            where=(move.company == company_id)
            & (move.state == 'posted')
            & (line.party != Null)
            & (line.reconciliation == Null)
            & (type_.receivable == Literal(True))
            & (type_.billing_role == 'patient')))
    balances = defaultdict(lambda: [Decimal(0), []])
    for party, debit, credit, date in cursor:
        entry = balances[party]
        entry[0] += Decimal(str(debit or 0)) - Decimal(str(credit or 0))
        if debit and debit > 0:
            if isinstance(date, str):
                date = dt.date.fromisoformat(date)
            entry[1].append(date)
    cursor.execute(*line
        .join(move, condition=line.move == move.id)
        .join(account, condition=line.account == account.id)
        .join(type_, condition=account.type == type_.id)
        .select(line.party, line.debit, line.credit,
            where=(move.company == company_id)
            & (move.state == 'posted')
            & line.party.in_(list(balances) or [-1])
            & (line.reconciliation == Null)
            & (type_.deposit == Literal(True))))
    for party, debit, credit in cursor:
        balances[party][0] -= (
            Decimal(str(credit or 0)) - Decimal(str(debit or 0)))
    return {p: (b, sorted(d)) for p, (b, d) in balances.items()}


def guarantor_clients(company_id, parties):
    """{guarantor party id: the client its statements are addressed for}
    of parties: the first client (by id) each pays for. Read as rows, from
    the clients each party can pay for (its own, or as a guardian): a
    practice's every client as records took seconds"""
    pool = Pool()
    client = pool.get('therapy.client').__table__()
    guardian = pool.get('therapy.client.guardian').__table__()
    cursor = Transaction().connection.cursor()
    candidates = set()
    for chunk in slices(list(parties)):
        cursor.execute(*client.select(client.id,
                where=(client.company == company_id)
                & (client.party.in_(chunk)
                    | client.id.in_(guardian.select(guardian.client,
                            where=guardian.party.in_(chunk))))))
        candidates.update(i for i, in cursor)
    guarantors = pool.get('therapy.client').guarantors(candidates)
    parties = set(parties)
    result = {}
    for client_id in sorted(candidates):
        party = guarantors.get(client_id)
        if party in parties:
            result.setdefault(party, client_id)
    return result


class StatementSent(PHIMixin, ModelSQL, ModelView):
    "Client Statement Sent"
    __name__ = 'therapy.client.statement.sent'

    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True, ondelete='RESTRICT')
    client = fields.Many2One('therapy.client', "Client", required=True,
        readonly=True, ondelete='RESTRICT')
    guarantor = fields.Many2One('party.party', "Guarantor", required=True,
        readonly=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        help="Whose account the statement shows.")
    date = fields.Date("Date", required=True, readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    balance = Monetary("Total Due", currency='currency', digits='currency',
        required=True, readonly=True,
        help="The total due the statement showed.")
    channel = fields.Selection(CHANNELS, "Sent By", required=True,
        readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True,
        ondelete='RESTRICT', help="Who sent it; empty from the portal.")
    employee = fields.Many2One('company.employee', "Employee",
        readonly=True, ondelete='RESTRICT')
    pdf = fields.Binary("Statement", readonly=True, filename='pdf_name',
        help="The PDF as it was sent.")
    pdf_name = fields.Char("File Name", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    def get_currency(self, name):
        return self.company.currency.id if self.company else None

    def get_rec_name(self, name):
        return f'{self.client.rec_name} {self.date}'

    @classmethod
    def create(cls, vlist):
        transaction = Transaction()
        # record() creates without access checks: a user's own create is
        # one over RPC, of made-up balances and PDFs
        if transaction.user and transaction.check_access:
            raise AccessError(gettext(
                    'therapy_billing.msg_statement_sent_server_only'))
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode in {'write', 'delete'} and records:
            raise AccessError(gettext(
                    'therapy_billing.msg_statement_sent_append_only'))

    @classmethod
    def last_sent(cls, company_id, parties=None):
        "{guarantor party id: the date of its latest statement}"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        where = table.company == company_id
        if parties is not None:
            where &= table.guarantor.in_(sorted(parties) or [-1])
        cursor.execute(*table.select(table.guarantor, Max(table.date),
                where=where, group_by=[table.guarantor]))
        result = {}
        for party, date in cursor:
            if isinstance(date, str):
                date = dt.date.fromisoformat(date)
            result[party] = date
        return result

    @classmethod
    def record(cls, clients, channel, web_user=None):
        """Record one statement of each client's guarantor sent today by
        channel, with its PDF; a guarantor already statemented today gets
        no second one (running twice adds nothing). Returns the statements
        of today for these clients, new or not."""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        User = pool.get('res.user')
        Date = pool.get('ir.date')
        Statement = pool.get('therapy.client.statement', type='report')
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            ModelAccess.check(cls.__name__, 'create')
        user = User(transaction.user) if transaction.user else None
        result, vlist = [], []
        with without_check_access():
            clients = pool.get('therapy.client').browse(
                [c.id for c in clients])
            guarantors = type(clients[0]).guarantors(
                [c.id for c in clients]) if clients else {}
            seen = set()
            for client in clients:
                party = guarantors.get(client.id)
                if not party or party in seen:
                    continue
                seen.add(party)
                with transaction.set_context(company=client.company.id):
                    today = Date.today()
                existing = cls.search([
                        ('company', '=', client.company.id),
                        ('guarantor', '=', party),
                        ('date', '=', today),
                        ], limit=1)
                if existing:
                    result.extend(existing)
                    continue
                data = Statement.statement_data(client, today=today)
                vlist.append({
                        'company': client.company.id,
                        'client': client.id,
                        'guarantor': party,
                        'date': today,
                        'balance': data['total'],
                        'channel': channel,
                        'user': user.id if user else None,
                        'employee': (user.employee.id
                            if user and user.employee else None),
                        'pdf': statement_pdf(data),
                        'pdf_name': f'statement-{client.number}-{today}.pdf',
                        })
            new = cls.create(vlist)
        if new:
            cls.notify(new)
        return cls.browse([s.id for s in result + new])

    @classmethod
    def notify(cls, statements):
        """Tell the clients their statement is ready (the portal module
        emails its logins a notice without PHI); nothing here"""


class StatementSentReport(Report):
    """The stored PDFs of statements sent, one after the other: what the
    clients were sent, printed again"""
    __name__ = 'therapy.client.statement.sent'

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        Statement = pool.get('therapy.client.statement.sent')
        ids = [int(i) for i in ids]
        with without_check_access():
            action, = ActionReport.search(
                [('report_name', '=', cls.__name__)], limit=1)
        cls.check_access(action, Statement.__name__, ids)
        with without_check_access():
            statements = Statement.browse(ids)
            content = combine([s.pdf for s in statements if s.pdf])
            client_ids = sorted({s.client.id for s in statements})
        if Transaction().user:
            pool.get('therapy.audit.event').log('phi.print', 'R',
                model=Statement.__name__, ids=ids, client_ids=client_ids,
                detail={'report': cls.__name__, 'format': 'pdf'})
        name = action.name
        if len(statements) == 1:
            name = statements[0].pdf_name.rsplit('.', 1)[0]
        return 'pdf', content, False, name


def combine(pdfs):
    "One PDF of the pages of pdfs (bytes), in order"
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(bytes(pdf)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
