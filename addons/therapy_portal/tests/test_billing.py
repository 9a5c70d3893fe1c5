"""The portal's billing pages over HTTP, on a real ledger: a guardian sees
the balance, open and paid invoices and payments of the account they are
guarantor of, downloads the statement and a superbill; another client's
invoice, statement or superbill answers 404; every page and download is an
audit event."""
import datetime as dt
import io
from decimal import Decimal

from trytond.modules.account.tests.test_module import (
    create_chart, get_fiscalyear)
from trytond.modules.account_invoice.tests.test_module import (
    set_invoice_sequences)
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase, with_transaction
from trytond.transaction import Transaction, TransactionError

from therapy_scheduling.tests.fixtures import create_service

PASSWORD = 'correct horse battery staple'


def pdf_text(data):
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return '\n'.join(p.extract_text() for p in PdfReader(
            io.BytesIO(data)).pages)


def committed(func, *args):
    """func(*args) in a transaction of its own, committed, retried with the
    table locks it asks for (the ledger's first moves and settings lock
    tables, which a transaction may do only when it says so at its start;
    the route test's own cannot)"""
    extras = {}
    for _ in range(20):
        with Transaction().new_transaction(**extras) as transaction:
            try:
                func(*args)
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
                continue
            transaction.commit()
            return
    raise RuntimeError("could not get the locks the setup needs")


def create_ledger(company):
    "The chart (and its billing accounts) and a fiscal year around today"
    FiscalYear = Pool().get('account.fiscalyear')
    today = dt.date.today()
    create_chart(company)
    fiscalyear = set_invoice_sequences(get_fiscalyear(company,
            start_date=today - dt.timedelta(days=200),
            end_date=today + dt.timedelta(days=60)))
    fiscalyear.save()
    FiscalYear.create_period([fiscalyear])


def bill_client(company, client, amount, days_ago, service):
    "A self-pay session charged and invoiced to the guarantor"
    Charge = Pool().get('therapy.charge')
    charge, = Charge.create([{
                'company': company.id, 'client': client.id,
                'kind': 'service',
                'date': dt.date.today() - dt.timedelta(days=days_ago),
                'service': service.id, 'procedure_code': service.code,
                'units': 1, 'unit_price': amount, 'amount': amount,
                'responsibility': 'client', 'diagnosis_codes': 'F41.1',
                }])
    invoice, = Charge.invoice_clients([charge])
    return invoice


def pay_at_desk(company, invoice):
    "The invoice paid in full in cash, reconciled"
    pool = Pool()
    Account = pool.get('account.account')
    Journal = pool.get('account.journal')
    Method = pool.get('account.invoice.payment.method')
    Invoice = pool.get('account.invoice')
    cash, = Account.search([
            ('company', '=', company.id), ('code', '=', '1.1.1')])
    journal, = Journal.search([('code', '=', 'CASH')])
    method, = Method.create([{
                'company': company.id, 'name': "Cash", 'journal': journal.id,
                'credit_account': cash.id, 'debit_account': cash.id}])
    invoice.pay_invoice(invoice.total_amount, method, dt.date.today())
    Invoice(invoice.id).settle()
    return Invoice(invoice.id)


def create_families(Party, Client, WebUser):
    """Annie, 10, whose guardian Pat (pat@example.com) pays for her, and
    Bob (bob@example.com), an adult who pays for himself: (annie, bobby)"""
    parent, ann, bob = Party.create([
            {'name': "Pat Parent", 'addresses': [('create', [{}])]},
            {'name': "Ann Client"},
            {'name': "Bob Other", 'addresses': [('create', [{}])]},
            ])
    annie, bobby = Client.create([{
                'party': ann.id, 'preferred_name': "Annie",
                'birth_date': dt.date.today().replace(
                    year=dt.date.today().year - 10),
                'guardians': [('create', [{
                                'party': parent.id,
                                'guarantor': True}])],
                }, {'party': bob.id}])
    WebUser.create([{
                'email': 'pat@example.com', 'password': PASSWORD,
                'party': parent.id,
                }, {
                'email': 'bob@example.com', 'password': PASSWORD,
                'party': bob.id,
                }])
    return annie, bobby


class PortalBillingRouteTestCase(RouteTestCase):
    "The portal's billing pages"
    module = 'therapy_portal'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        WebUser = pool.get('web.user')
        committed(cls.build, Party, Client, WebUser)

    @classmethod
    def build(cls, Party, Client, WebUser):
        company = create_company()
        with set_company(company):
            create_ledger(company)
            annie, bobby = create_families(Party, Client, WebUser)
            service = create_service()
            paid = bill_client(company, annie, Decimal(80), 20, service)
            pay_at_desk(company, paid)
            due = bill_client(company, annie, Decimal(120), 10, service)
            other = bill_client(company, bobby, Decimal(95), 5, service)
            cls.annie, cls.bobby = annie.id, bobby.id
            cls.paid, cls.due, cls.other = (
                paid.number, due.number, other.number)
            cls.paid_id, cls.due_id, cls.other_id = (
                paid.id, due.id, other.id)

    def login(self, email='pat@example.com'):
        client = self.client()
        response = client.post(f'/{self.db_name}/portal/login', data={
                'email': email, 'password': PASSWORD})
        self.assertEqual(response.status_code, 302)
        return client

    def url(self, path):
        return f'/{self.db_name}/portal/{path}'

    @with_transaction()
    def last_seq(self):
        return Pool().get('therapy.audit.event').head()[0]

    @with_transaction()
    def events(self, since):
        Event = Pool().get('therapy.audit.event')
        return [(e.event_code, e.actor_login, e.resource_model)
            for e in Event.search([('seq', '>', since),
                    ('channel', '=', 'portal'),
                    ('event_code', 'in', ['portal.view', 'phi.print'])],
                order=[('seq', 'ASC')])]

    @with_transaction()
    def statements_sent(self):
        Sent = Pool().get('therapy.client.statement.sent')
        return [(s.client.id, s.channel, s.balance, s.date, s.user,
                s.pdf[:4]) for s in Sent.search([])]

    def test_billing_page(self):
        "Balance, open and paid invoices, payments; nobody else's"
        client = self.login()
        since = self.last_seq()
        page = client.get(self.url('billing')).get_data(as_text=True)
        self.assertIn("Account of Pat Parent", page)
        self.assertIn("For Annie", page)
        self.assertIn("Balance due: <strong>$120.00</strong>", page)
        self.assertIn(f'invoices/{self.due_id}">{self.due}</a>', page)
        self.assertIn(f'invoices/{self.paid_id}">{self.paid}</a>', page)
        self.assertIn("$80.00 (Cash)", page)  # the payment received
        self.assertNotIn(f'invoices/{self.other_id}', page)
        self.assertNotIn("Bob", page)
        self.assertIn(f'billing/{self.annie}/statement.pdf', page)
        # no card payment journal in this practice
        self.assertIn("Online payment is not set up", page)
        self.assertNotIn("Pay by card", page)
        home = client.get(self.url('')).get_data(as_text=True)
        self.assertIn("Balance due: <strong>$120.00</strong>", home)
        response = client.get(self.url(f'billing/invoices/{self.due_id}'))
        self.assertEqual(response.status_code, 200)
        self.assertIn("$120.00", response.get_data(as_text=True))
        self.assertEqual([e[0] for e in self.events(since)],
            ['portal.view'] * 3)

        # Bob sees his own account only
        page = self.login('bob@example.com').get(
            self.url('billing')).get_data(as_text=True)
        self.assertIn("Balance due: <strong>$95.00</strong>", page)
        self.assertIn(f'invoices/{self.other_id}">{self.other}</a>', page)
        self.assertNotIn(f'invoices/{self.due_id}', page)
        self.assertNotIn("Annie", page)

    def test_statement_and_superbill(self):
        "The PDFs agree with the page; a bad period changes nothing"
        client = self.login()
        since = self.last_seq()
        self.assertEqual(self.statements_sent(), [])
        response = client.get(self.url(f'billing/{self.annie}/statement.pdf'))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.mimetype, 'application/pdf')
        # the download is a statement sent by the portal, once a day
        sent = [(self.annie, 'portal', Decimal(120), dt.date.today(), None,
                b'%PDF')]
        self.assertEqual(self.statements_sent(), sent)
        client.get(self.url(f'billing/{self.annie}/statement.pdf'))
        self.assertEqual(self.statements_sent(), sent)
        self.assertEqual(response.headers['Cache-Control'], 'no-store')
        data = response.get_data()
        self.assertTrue(data.startswith(b'%PDF'))
        text = pdf_text(data)
        if text is not None:
            self.assertIn(f"{self.due}: ", text)
            self.assertIn("Total due\n$120.00", text)
            self.assertNotIn("$80.00", text)  # paid: not on the statement

        today = dt.date.today()
        start = (today - dt.timedelta(days=30)).isoformat()
        response = client.get(self.url(f'billing/{self.annie}/superbill.pdf'),
            query_string={'start': start, 'end': today.isoformat()})
        self.assertEqual(response.status_code, 200)
        text = pdf_text(response.get_data())
        if text is not None:
            self.assertIn("F41.1", text)
            self.assertIn("200.00", text)  # the two sessions

        for query, expected in [
                ({'start': 'soon', 'end': today.isoformat()},
                    "as dates"),
                ({'start': today.isoformat(), 'end': start},
                    "must come before"),
                ({'start': '2020-01-01', 'end': today.isoformat()},
                    "at most 400 days"),
                ]:
            response = client.get(
                self.url(f'billing/{self.annie}/superbill.pdf'),
                query_string=query)
            self.assertEqual(response.status_code, 400, query)
            self.assertIn(expected, response.get_data(as_text=True))
        self.assertEqual(self.events(since), [
                ('phi.print', 'pat@example.com', 'therapy.client'),
                ('phi.print', 'pat@example.com', 'therapy.client'),
                ('phi.print', 'pat@example.com', 'therapy.client'),
                ])

    def test_other_clients_answer_404(self):
        "Another client's invoice, statement, superbill: as if none existed"
        client = self.login()
        today = dt.date.today().isoformat()
        for path in [
                f'billing/invoices/{self.other_id}',
                'billing/invoices/999999',
                f'billing/{self.bobby}/statement.pdf',
                f'billing/{self.bobby}/superbill.pdf?start={today}'
                f'&end={today}',
                'billing/999999/statement.pdf',
                ]:
            response = client.get(self.url(path))
            self.assertEqual(response.status_code, 404, path)
        # signed out: the sign-in page, not a 404
        response = self.client().get(self.url('billing'))
        self.assertEqual(response.status_code, 302)


del RouteTestCase
