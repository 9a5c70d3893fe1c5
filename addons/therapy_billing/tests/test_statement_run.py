"""Statements sent (statement_sent.py) and the statement run
(statement_run.py): which clients are due, one statement per guarantor
with the PDF it printed, nothing more the same day, Record as Sent from a
client, records that no one changes, and who may see them."""
import datetime as dt
import io
from decimal import Decimal

from pypdf import PdfReader

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import (
    as_user, create_client, create_user)

from ..statement_run import due_clients
from .test_remittance import RemittanceCase

D = Decimal
MODEL = 'therapy.client.statement.sent'
GROUP = 'therapy_scheduling.group_%s'


def text_of(pdf):
    reader = PdfReader(io.BytesIO(bytes(pdf)))
    return ' '.join(page.extract_text() for page in reader.pages)


class StatementRunTestCase(RemittanceCase):

    def self_pay(self, p, client, days, amount):
        """A self-pay charge of client's days ago, invoiced to its guarantor
        that day"""
        pool = Pool()
        Charge = pool.get('therapy.charge')
        date = dt.date.today() - dt.timedelta(days=days)
        charge, = Charge.create([{
                    'company': p.company.id, 'client': client.id,
                    'kind': 'service', 'date': date,
                    'service': p.service.id, 'procedure_code': '90834',
                    'units': 1, 'unit_price': amount, 'amount': amount,
                    'responsibility': 'client',
                    'rendering': p.clinician.id}])
        with Transaction().set_context(billing_date=date,
                _skip_warnings=True):
            _, invoices = Charge.bill_charges([charge])
        return invoices

    def build(self):
        """Kim owes $150 (40 days), Lee $60 (10 days), Max nothing"""
        Address = Pool().get('party.address')
        # the practice's claim invoiced before the self-pay invoices:
        # invoice numbers follow their dates
        with Transaction().set_context(
                billing_date=dt.date.today() - dt.timedelta(days=50),
                _skip_warnings=True):
            p = self.practice()
        p.lee = create_client("Lee Self")
        p.max = create_client("Max Paid")
        for client in [p.lee, p.max]:
            Address.create([{'party': client.guarantor.id,
                        'street': "2 Oak St", 'city': "Salem"}])
        self.self_pay(p, p.client, 40, D(150))
        self.self_pay(p, p.lee, 10, D(60))
        return p

    @with_transaction()
    def test_run_selects_records_and_adds_nothing_twice(self):
        pool = Pool()
        Sent = pool.get(MODEL)
        Run = pool.get('therapy.client.statement.run', type='wizard')
        Report = pool.get(MODEL, type='report')
        with set_company(create_company()):
            p = self.build()
            company = p.company.id
            self.assertEqual(due_clients(company), sorted([p.client.id,
                        p.lee.id]))
            # a minimum above Lee's $60 leaves Kim alone
            self.assertEqual(due_clients(company, minimum=D(100)),
                [p.client.id])
            biller = create_user('biller', [GROUP % 'biller'])
            with as_user(biller):
                session_id, _, _ = Run.create()
                run = Run(session_id)
                self.assertEqual(sorted(c.id for c in run.start.clients),
                    sorted([p.client.id, p.lee.id]))
                # the biller leaves Lee out
                run.start.clients = [p.client]
                self.assertEqual(run.transition_send(), 'print_')
                action, data = run.do_print_(None)
                kind, content, _, _ = Report.execute(data['ids'], {})
            kim, = Sent.search([])
            self.assertEqual(data['ids'], [kim.id])
            self.assertEqual((kim.client, kim.guarantor, kim.date,
                    kim.balance, kim.channel, kim.user),
                (p.client, p.client.guarantor, dt.date.today(), D(150),
                    'printed', biller))
            self.assertIn("Kim Reyes", text_of(kim.pdf))
            self.assertIn("$150.00", text_of(kim.pdf))
            self.assertEqual(kind, 'pdf')
            self.assertEqual(text_of(content), text_of(kim.pdf))
            # Kim is statemented: only Lee is due, and again in 30 days
            self.assertEqual(due_clients(company), [p.lee.id])
            self.assertEqual(due_clients(company, days=30,
                    today=dt.date.today() + dt.timedelta(days=31)),
                sorted([p.client.id, p.lee.id]))
            # a second run the same day, even over Kim, adds nothing
            with as_user(biller):
                again = Sent.record([p.client, p.lee], 'printed')
                self.assertEqual(due_clients(company, days=0), [])
            self.assertEqual(len(Sent.search([])), 2)
            self.assertEqual(sorted(s.client.id for s in again),
                sorted([p.client.id, p.lee.id]))
            with as_user(biller):
                Sent.record([p.client, p.lee], 'printed')
            self.assertEqual(len(Sent.search([])), 2)

    @with_transaction()
    def test_money_paid_ahead_counts_against_the_balance(self):
        "Lee's $60 is covered by $60 paid at the desk, Kim's $150 by $40"
        pool = Pool()
        ClaimLine = pool.get('therapy.claim.line')
        Configuration = pool.get('therapy.configuration')
        MoveLine = pool.get('account.move.line')
        Account = pool.get('account.account')
        with set_company(create_company()):
            p = self.build()
            deposit = Configuration(1).billing_account(
                'deposit_account', p.company)
            cash, = Account.search([('code', '=', '1.1.1'),
                    ('company', '=', p.company.id)])
            for client, amount in [(p.lee, D(60)), (p.client, D(40))]:
                ClaimLine._post_moves([(p.company, [
                                MoveLine(account=cash, debit=amount,
                                    credit=D(0)),
                                MoveLine(account=deposit, debit=D(0),
                                    credit=amount,
                                    party=client.guarantor),
                                ])], "paid ahead at the desk")
            self.assertEqual(due_clients(p.company.id), [p.client.id])
            self.assertEqual(
                due_clients(p.company.id, minimum=D(111)), [])
            self.assertEqual(
                due_clients(p.company.id, minimum=D(110)), [p.client.id])

    @with_transaction()
    def test_record_as_sent_from_the_client(self):
        pool = Pool()
        Sent = pool.get(MODEL)
        Record = pool.get('therapy.client.statement.record', type='wizard')
        with set_company(create_company()):
            p = self.build()
            desk = create_user('desk', [GROUP % 'front_desk'])
            with as_user(desk), Transaction().set_context(
                    active_model='therapy.client', active_id=p.lee.id,
                    active_ids=[p.lee.id]):
                for _ in range(2):
                    session_id, _, _ = Record.create()
                    record = Record(session_id)
                    self.assertEqual(record.transition_start(), 'print_')
                    _, data = record.do_print_(None)
            lee, = Sent.search([])
            self.assertEqual(data['ids'], [lee.id])
            self.assertEqual((lee.client, lee.balance, lee.user),
                (p.lee, D(60), desk))

    @with_transaction()
    def test_append_only_and_who_may_see_them(self):
        pool = Pool()
        Sent = pool.get(MODEL)
        with set_company(create_company()):
            p = self.build()
            users = {name: create_user(name, [GROUP % name])
                for name in ['owner', 'biller', 'front_desk']}
            users['clinician'] = create_user('noa', [GROUP % 'clinician'],
                p.clinician)
            with as_user(users['biller']):
                statement, = Sent.record([p.client], 'printed')
            for name in ['owner', 'biller', 'front_desk']:
                with as_user(users[name]), self.subTest(user=name):
                    self.assertEqual(Sent.search_read([],
                            fields_names=['balance']),
                        [{'id': statement.id, 'balance': D(150)}])
                    # no one changes nor deletes what was sent
                    with self.assertRaises(AccessError):
                        Sent.write([Sent(statement.id)], {'balance': D(1)})
                    with self.assertRaises(AccessError):
                        Sent.delete([Sent(statement.id)])
                    # nor makes one up
                    with self.assertRaises(AccessError):
                        Sent.create([{'company': p.company.id,
                                    'client': p.client.id,
                                    'guarantor': p.client.guarantor.id,
                                    'date': dt.date.today(),
                                    'balance': D(0), 'channel': 'printed'}])
            with as_user(users['clinician']):
                with self.assertRaises(AccessError):
                    Sent.search_read([], fields_names=['balance'])
                with self.assertRaises(AccessError):
                    Sent.read([statement.id], ['balance'])
                # nor through the other read paths: export, the PDF, the
                # statement's report
                with self.assertRaises(AccessError):
                    Sent.export_data([Sent(statement.id)], ['balance'])
                with self.assertRaises(AccessError):
                    Sent.read([statement.id], ['pdf'])
                with self.assertRaises(AccessError):
                    pool.get(MODEL, type='report').execute(
                        [statement.id], {'model': MODEL})
                with self.assertRaises(AccessError):
                    Sent.record([p.lee], 'printed')
            # not even the server's own code changes one
            with self.assertRaises(AccessError):
                Sent.write([Sent(statement.id)], {'channel': 'emailed'})
            with self.assertRaises(AccessError):
                Sent.delete([Sent(statement.id)])
            self.assertEqual(Sent(statement.id).balance, D(150))
