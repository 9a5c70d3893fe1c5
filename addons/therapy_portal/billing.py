"""Client portal: billing (issue 14).

What the portal user owes and paid, from the Tryton ledger: the balance
due, open and paid invoices, payments received, the statement PDF and a
superbill for a chosen period.

What a client owes is on their guarantor's account (the guarantor's
customer invoices on the patient receivable account; payer invoices are
never shown). A portal user sees an account only when they are its
guarantor, or when its guarantor is one of the clients they may see (an
adult paying for themselves, a minor billed in their own name): a
guarantor's invoices can bill several clients, so a login that is not the
guarantor's would otherwise see another client's sessions. Clients billed
to someone else get the practice's phone instead.

The balance and open invoices come from the statement's own data
(therapy_billing report.py `statement_data`): the page and the PDF are one
computation. Superbills are per client (any client the user may see: it is
about the client's own care). An invoice, statement or superbill that is
not the user's answers 404, like one that does not exist. GET only: the
pages change nothing, except the statement's download, which records a
statement sent by the portal (therapy.client.statement.sent, one a day per
guarantor), so the client counts as statemented: its transaction is a
writing one (a GET's is read-only by default)."""
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from therapy_billing.documents import (
    money as dollars, statement_pdf, superbill_pdf)

from .mfa import portal_event
from .session import COOKIE, portal_base, portal_page, requires_sign_in

ZERO = Decimal(0)
# a superbill covers at most this many days (a tax year and some)
SUPERBILL_MAX_DAYS = 400
PAID_SHOWN = 20


class Account:
    """A guarantor's account with the practice as the portal shows it: the
    clients it bills, its balance, open and paid invoices, payments"""

    def __init__(self, pool, company, guarantor, clients):
        self.company = company
        self.guarantor = guarantor
        self.clients = clients
        Statement = pool.get('therapy.client.statement', type='report')
        # the statement's data: one truth for the PDF and the page
        self.statement = Statement.statement_data(clients[0])
        self.balance = self.statement['total']
        self.deposit = self.statement['deposit']
        self.open = self.statement['invoices']
        invoices = guarantor_invoices(pool, company, guarantor)
        self.paid = [i for i in invoices if i.state == 'paid'][:PAID_SHOWN]
        self.invoices = invoices
        self.payments = payments_received(pool, company, guarantor)
        self.pay_online = bool(payment_journal(pool, company))
        self.in_progress = card_payments_in_progress(pool, company, guarantor)
        self.autopay = pool.get('therapy.autopay').current(
            company, guarantor, states=('active', 'suspended'))

    @property
    def client_names(self):
        return ', '.join(c.preferred_name or c.party.name
            for c in self.clients)


def payment_journal(pool, company):
    """The company's card payment journal (process method stripe), or
    None: online payment is then not set up (payment.py)"""
    Journal = pool.get('account.payment.journal')
    journals = Journal.search([
            ('company', '=', company.id),
            ('process_method', '=', 'stripe'),
            ('currency', '=', company.currency.id),
            ], order=[('id', 'ASC')], limit=1)
    return journals[0] if journals else None


def card_payments_in_progress(pool, company, guarantor):
    """The guarantor's card payments started and not finished: Tryton
    counts them against the amount due, so the page shows them, to finish
    or cancel (payment.py)"""
    Payment = pool.get('account.payment')
    return Payment.search([
            ('company', '=', company.id),
            ('party', '=', guarantor.id),
            ('kind', '=', 'receivable'),
            ('journal.process_method', '=', 'stripe'),
            ('state', '=', 'processing'),
            ], order=[('id', 'DESC')])


def receivable_account(pool, company):
    "The patient receivable account of company, or None"
    Configuration = pool.get('therapy.configuration')
    return Configuration(1).get_multivalue(
        'patient_receivable_account', company=company.id)


def guarantor_invoices(pool, company, guarantor):
    "The guarantor's posted and paid invoices (not payers'), newest first"
    Invoice = pool.get('account.invoice')
    domain = [
        ('company', '=', company.id),
        ('party', '=', guarantor.id),
        ('type', '=', 'out'),
        ('state', 'in', ['posted', 'paid']),
        ]
    account = receivable_account(pool, company)
    if account:
        domain.append(('account', '=', account.id))
    return Invoice.search(domain,
        order=[('invoice_date', 'DESC'), ('id', 'DESC')])


class Received:
    "A payment received on an account: date, amount, how"

    def __init__(self, line):
        self.date = line.date
        self.amount = line.credit - line.debit
        self.how = line.move.journal.name
        self.line = line


def payments_received(pool, company, guarantor):
    """Money the guarantor paid: credits to their receivable or deposit,
    other than the postings of invoices and credit notes themselves
    (a payment's move may name the invoice it pays as its origin), newest
    first"""
    MoveLine = pool.get('account.move.line')
    Invoice = pool.get('account.invoice')
    accounts = ['OR', ('account.type.deposit', '=', True)]
    account = receivable_account(pool, company)
    if account:
        accounts.append(('account', '=', account.id))
    lines = MoveLine.search([
            ('move.company', '=', company.id),
            ('move.state', '=', 'posted'),
            ('party', '=', guarantor.id),
            ('credit', '>', 0),
            accounts,
            ], order=[('date', 'DESC'), ('id', 'DESC')])
    return [Received(l) for l in lines
        if not (isinstance(l.move.origin, Invoice)
            and l.move.origin.move == l.move)]


def accounts_of(pool, user):
    """(accounts, others, clients): the Accounts the user may see, the
    clients billed to somebody else, and all the user's clients"""
    Client = pool.get('therapy.client')
    clients = Client.for_portal_party(user.party)
    own = {user.party} | {c.party for c in clients}
    groups, others = {}, []
    for client in clients:
        guarantor = client.guarantor
        if guarantor in own:
            groups.setdefault((client.company, guarantor), []).append(client)
        else:
            others.append(client)
    accounts = [Account(pool, company, guarantor, clients_)
        for (company, guarantor), clients_ in groups.items()]
    return accounts, others, clients


def balance_due(pool, user):
    "What the user owes in all, for the portal's home"
    accounts, _, _ = accounts_of(pool, user)
    return sum((a.balance for a in accounts), ZERO), accounts


def money(amount, currency=None):
    """amount as the statement PDF prints it ($1,234.50): the page and the
    PDF read the same"""
    return dollars(amount)


def session_of(request):
    return request.cookies.get(COOKIE)


def page(pool, user, accounts, others, clients, error=None,
        status=HTTPStatus.OK, notice=None):
    today = dt.date.today()
    return portal_page('billing.html', status, base=portal_base(pool),
        user=user, accounts=accounts, others=others, clients=clients,
        money=money, error=error, notice=notice,
        superbill_start=today.replace(month=1, day=1), superbill_end=today)


@app.route('/<database_name>/portal/billing', methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def billing_page(request, pool, user):
    accounts, others, clients = accounts_of(pool, user)
    portal_event('portal.view', user, 'R', session_of(request),
        model='account.invoice',
        ids=sorted({i.id for a in accounts for i in a.invoices}),
        client_ids=sorted({c.id for a in accounts for c in a.clients}),
        detail={'page': 'billing'})
    notice = None
    if request.args.get('cancelled'):
        notice = gettext('therapy_portal.msg_billing_pay_cancelled')
    return page(pool, user, accounts, others, clients, notice=notice)


def own_invoice(pool, user, invoice_id):
    "(account, invoice) of the user's, else 404"
    accounts, _, _ = accounts_of(pool, user)
    for account in accounts:
        for invoice in account.invoices:
            if invoice.id == invoice_id:
                return account, invoice
    abort(HTTPStatus.NOT_FOUND)


@app.route('/<database_name>/portal/billing/invoices/<int:invoice_id>',
    methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def invoice_page(request, pool, user, invoice_id):
    account, invoice = own_invoice(pool, user, invoice_id)
    lines = [l for l in invoice.lines if l.type == 'line']
    portal_event('portal.view', user, 'R', session_of(request),
        model='account.invoice', ids=[invoice.id],
        client_ids=[c.id for c in account.clients])
    return portal_page('billing_invoice.html', base=portal_base(pool),
        user=user, account=account, invoice=invoice, lines=lines,
        money=money)


def own_client(pool, user, client_id, accounts=None):
    """The user's client of id client_id (only among the accounts', when
    given), else 404"""
    if accounts is None:
        _, _, clients = accounts_of(pool, user)
    else:
        clients = [c for a in accounts for c in a.clients]
    for client in clients:
        if client.id == client_id:
            return client
    abort(HTTPStatus.NOT_FOUND)


def pdf_response(content, name):
    return Response(content, HTTPStatus.OK, headers={
            'Content-Disposition': f'attachment; filename="{name}.pdf"',
            'Cache-Control': 'no-store',
            'X-Content-Type-Options': 'nosniff',
            }, content_type='application/pdf')


def printed(request, user, client, report):
    "The download as an audit event (phi.print, on the portal channel)"
    portal_event('phi.print', user, 'R', session_of(request),
        model='therapy.client', ids=[client.id], client_ids=[client.id],
        detail={'report': report, 'format': 'pdf'})


@app.route(
    '/<database_name>/portal/billing/<int:client_id>/statement.pdf',
    methods={'GET'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def statement_file(request, pool, user, client_id):
    accounts, _, _ = accounts_of(pool, user)
    client = own_client(pool, user, client_id, accounts)
    account, = [a for a in accounts if client in a.clients]
    content = statement_pdf(account.statement)
    printed(request, user, client, 'therapy.client.statement')
    pool.get('therapy.client.statement.sent').record([client], 'portal')
    return pdf_response(content, f'statement-{client.number}')


def parse_period(args):
    """(start, end) of a superbill's form, else raise ValueError with the
    message saying what is wrong"""
    try:
        start = dt.date.fromisoformat(args.get('start', ''))
        end = dt.date.fromisoformat(args.get('end', ''))
    except ValueError:
        raise ValueError(gettext('therapy_portal.msg_billing_period_invalid'))
    if start > end:
        raise ValueError(gettext('therapy_portal.msg_billing_period_order'))
    if (end - start).days > SUPERBILL_MAX_DAYS:
        raise ValueError(gettext('therapy_portal.msg_billing_period_long',
                days=SUPERBILL_MAX_DAYS))
    return start, end


@app.route(
    '/<database_name>/portal/billing/<int:client_id>/superbill.pdf',
    methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def superbill_file(request, pool, user, client_id):
    Superbill = pool.get('therapy.client.superbill', type='report')
    accounts, others, clients = accounts_of(pool, user)
    client = own_client(pool, user, client_id)
    try:
        start, end = parse_period(request.args)
    except ValueError as error:
        return page(pool, user, accounts, others, clients, error=str(error),
            status=HTTPStatus.BAD_REQUEST)
    with Transaction().set_context(company=client.company.id):
        content = superbill_pdf(Superbill.superbill_data(client, start, end))
    printed(request, user, client, 'therapy.client.superbill')
    return pdf_response(content,
        f'superbill-{client.number}-{start:%Y%m%d}-{end:%Y%m%d}')
