"""The client's share invoices posted in bulk (invoice_sql.py) are the
rows Tryton's Invoice.save and Invoice.post write, and every refusal
writes nothing."""
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from trytond.modules.account_invoice.exceptions import InvoiceNumberError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from therapy_billing import invoice_sql, ledger_invariants
from therapy_billing.exceptions import BillingError

from .test_ledger import LedgerCase

SKIP = {'id', 'create_date', 'write_date'}
# what differs between two invoices by nature: their own numbers and links
OWN = {
    'account.invoice': {'number', 'number_alnum', 'number_digit', 'move'},
    'account.invoice.line': {'invoice'},
    'account.move': {'number', 'origin'},
    'account.move.line': {'move'},
    }


class InvoiceSQLTestCase(LedgerCase):

    def setUp(self):
        super().setUp()
        practice = self.practice

        @contextmanager
        def with_address():
            "The guarantor has an address to invoice"
            with practice() as ready:
                Address = Pool().get('party.address')
                Address.create([{'party': ready.client.guarantor.id,
                            'street': "12 Pier Road", 'invoice': True}])
                yield ready
        self.practice = with_address

    def accounts(self, practice):
        Configuration = Pool().get('therapy.configuration')
        configuration = Configuration(1)
        return (configuration.billing_account(
                'patient_receivable_account', practice.company),
            configuration.billing_account(
                'transfer_account', practice.company))

    def share(self, practice, amount=Decimal('25')):
        "The bulk path's arguments for one invoice of the client's share"
        receivable, transfer = self.accounts(practice)
        return (practice.client.guarantor, "Your share of the claim",
            [(practice.line, transfer, amount, "90834 your share")])

    def orm_invoice(self, practice, amount=Decimal('25')):
        "The same invoice through Tryton's ORM, as billing posts one"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        receivable, transfer = self.accounts(practice)
        party, description, lines = self.share(practice, amount)
        invoice = Invoice.billing_invoice(practice.company, party,
            receivable, description)
        invoice.lines = [InvoiceLine(invoice=invoice, type='line',
                company=practice.company, currency=invoice.currency,
                origin=origin, account=account, quantity=1,
                unit_price=amount, taxes=[], description=text)
            for origin, account, amount, text in lines]
        Invoice.save([invoice])
        Invoice.post([invoice])
        return invoice

    def rows(self, Model, where):
        "The stored columns of Model's rows where, comparable"
        table = Model.__table__()
        skip = SKIP | OWN[Model.__name__]
        names = [n for n, f in Model._fields.items()
            if n not in skip and hasattr(f, 'sql_type')
            and not hasattr(f, 'getter') and f._type not in {
                'one2many', 'many2many'}]
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                *[getattr(table, n) for n in names], where=where(table)))
        return sorted(tuple(str(Decimal(v)) if isinstance(v, (Decimal,
                            bytes)) else str(v) for v in row)
            for row in cursor)

    def written(self, invoice_id):
        "Every row the posting of invoice_id wrote, by model"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        invoice = Invoice(invoice_id)
        move = invoice.move.id
        return {Model.__name__: self.rows(Model, where) for Model, where in [
                (Invoice, lambda t: t.id == invoice_id),
                (pool.get('account.invoice.line'),
                    lambda t: t.invoice == invoice_id),
                (pool.get('account.move'), lambda t: t.id == move),
                (pool.get('account.move.line'), lambda t: t.move == move),
                ]}

    def count(self):
        pool = Pool()
        return [pool.get(m).search([], count=True) for m in [
                'account.invoice', 'account.invoice.line', 'account.move',
                'account.move.line', 'ir.queue']]

    @with_transaction()
    def test_bulk_invoice_writes_what_the_orm_writes(self):
        """An invoice posted in bulk has the invoice, lines, move and
        ledger lines of one posted by Invoice.post, a number of its own
        from the same sequence, and its report queued"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Date = pool.get('ir.date')
        Queue = pool.get('ir.queue')
        with self.practice() as practice:
            receivable, _ = self.accounts(practice)
            # the invoice and its receivable line take the party's flag
            # and tax identifier
            guarantor = practice.client.guarantor
            guarantor.payment_direct_debit = True
            guarantor.identifiers = [pool.get('party.identifier')(
                    type='eu_vat', code='BE0897290877')]
            guarantor.save()
            self.assertTrue(guarantor.tax_identifier)
            orm = self.orm_invoice(practice)
            queued = Queue.search([('data.method', '=', 'print_invoice')],
                count=True)
            bulk, second = invoice_sql.post_invoices(practice.company,
                receivable, Date.today(), [self.share(practice),
                    self.share(practice, Decimal('10.5'))])
            written = self.written(bulk)
            self.assertEqual(written, self.written(orm.id))
            # the comparison is of rows of many columns, not empty lists
            self.assertEqual([len(written[m]) for m in OWN], [1, 1, 1, 2])
            self.assertGreater(len(written['account.invoice'][0]), 25)
            bulk, second = Invoice.browse([bulk, second])
            self.assertEqual(bulk.state, 'posted')
            self.assertEqual(bulk.sequence, orm.sequence)
            self.assertEqual(
                [int(orm.number) + 1, int(orm.number) + 2],
                [int(bulk.number), int(second.number)])
            self.assertEqual(bulk.move.state, 'posted')
            self.assertEqual(int(bulk.move.number), int(orm.move.number) + 1)
            self.assertEqual({l.state for l in bulk.move.lines}, {'valid'})
            self.assertEqual(second.total_amount, Decimal('10.50'))
            self.assertEqual(second.amount_to_pay, Decimal('10.50'))
            self.assertEqual([l.debit for l in second.lines_to_pay],
                [Decimal('10.50')])
            self.assertFalse(second.reconciled)
            self.assertEqual(
                Queue.search([('data.method', '=', 'print_invoice')],
                    count=True), queued + 1)
            self.assertEqual(
                ledger_invariants.trial_balance(practice.company), [])

    @with_transaction()
    def test_bulk_invoice_of_a_party_without_settings(self):
        """A guarantor with no identifier and the default direct-debit
        setting (as most): the bulk invoice has the columns of the ORM's"""
        pool = Pool()
        Date = pool.get('ir.date')
        with self.practice() as practice:
            receivable, _ = self.accounts(practice)
            guarantor = practice.client.guarantor
            self.assertFalse(guarantor.identifiers)
            self.assertFalse(guarantor.payment_direct_debit)
            orm = self.orm_invoice(practice)
            bulk, = invoice_sql.post_invoices(practice.company, receivable,
                Date.today(), [self.share(practice)])
            written = self.written(bulk)
            self.assertEqual(written, self.written(orm.id))
            self.assertGreater(len(written['account.invoice'][0]), 25)

    @with_transaction()
    def test_bulk_invoice_refuses_and_writes_nothing(self):
        """A line account no client's invoice takes, a receivable that is
        not one, a guarantor with no address and a date before the
        sequence's last invoice are refused before any row is written"""
        pool = Pool()
        Date = pool.get('ir.date')
        with self.practice() as practice:
            receivable, transfer = self.accounts(practice)
            today = Date.today()
            self.orm_invoice(practice)
            before = self.count()
            party, description, lines = self.share(practice)
            homeless = pool.get('party.party')(name="No Address")
            homeless.save()
            cases = [
                ("cannot take the lines", receivable, today,
                    [(party, description,
                            [(practice.line, receivable, Decimal(5), 'x')])]),
                ("not an open receivable", transfer, today,
                    [(party, description, lines)]),
                ("no address", receivable, today,
                    [(homeless, description, lines)]),
                ]
            for message, account, date, invoices in cases:
                with self.subTest(message=message):
                    with self.assertRaisesRegex(BillingError, message):
                        invoice_sql.post_invoices(practice.company, account,
                            date, invoices)
                    self.assertEqual(self.count(), before)
            with Transaction().set_context(_skip_warnings=True):
                with self.assertRaises(InvoiceNumberError):
                    invoice_sql.post_invoices(practice.company, receivable,
                        today - dt.timedelta(days=1), [self.share(practice)])
            self.assertEqual(self.count(), before)

    @with_transaction()
    def test_only_today_posts_in_bulk(self):
        """The ORM warns of an invoice date in the future or a payment
        term date in the past: those go through it unless warnings are
        skipped"""
        Date = Pool().get('ir.date')
        with self.practice() as practice:
            company = practice.company
            today = Date.today()
            yesterday = today - dt.timedelta(days=1)
            tomorrow = today + dt.timedelta(days=1)
            self.assertTrue(invoice_sql.handles(company, today))
            self.assertFalse(invoice_sql.handles(company, yesterday))
            self.assertFalse(invoice_sql.handles(company, tomorrow))
            with Transaction().set_context(_skip_warnings=True):
                self.assertTrue(invoice_sql.handles(company, yesterday))
