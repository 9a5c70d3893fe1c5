"""The bulk ledger path (ledger_sql.py) writes what the ORM would, and
refuses what the ORM refuses, before writing anything."""
import datetime as dt
from decimal import Decimal

from sql import Table
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.model.exceptions import AccessError
from trytond.modules.account.exceptions import (
    PostError, ReconciliationError)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from therapy_audit.savepoint import savepoint
from therapy_billing import ledger_invariants, ledger_sql

from .test_ledger import LedgerCase

COLUMNS = ['account', 'party', 'debit', 'credit', 'origin', 'description',
    'maturity_date', 'state', 'reconciliation', 'amount_second_currency',
    'second_currency', 'payment_blocked', 'payment_direct_debit',
    'payment_amount_cache']


class LedgerSQLTestCase(LedgerCase):

    def lines(self, practice, amount=Decimal('40.00')):
        "Dr insurance clearing, Cr the payer's receivable on the claim line"
        pool = Pool()
        Claim = pool.get('therapy.claim')
        Configuration = pool.get('therapy.configuration')
        invoice = Claim(practice.claim.id).payer_invoice
        clearing = Configuration(1).billing_account(
            'insurance_clearing_account', practice.company)
        return [
            practice.line._get_move_line(clearing, amount, invoice.party),
            practice.line._get_move_line(
                invoice.account, -amount, invoice.party),
            ]

    def assertBalanced(self, practice):
        """The trial balance is zero (the claim lines' roll-ups are not the
        point here: these moves are not a remittance's)"""
        self.assertEqual(ledger_invariants.trial_balance(practice.company),
            [])

    def journal(self):
        return Pool().get('therapy.configuration')(1).billing_journal

    def rows(self, move):
        "The stored columns of a move's lines, in a comparable order"
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        cursor = Transaction().connection.cursor()
        table = MoveLine.__table__()
        cursor.execute(*table.select(
                *[getattr(table, c) for c in COLUMNS],
                where=table.move == move.id))
        return sorted(tuple(str(v) for v in row) for row in cursor)

    def test_merge_rows(self):
        "Rows on the same account, party, origin and side are one"
        row, D = ledger_sql.line_row, Decimal
        rows = [row(1, D(80), 'a,1'), row(2, D(-80), 'l,1', 5),
            row(3, D(35), 'l,1'), row(2, D(-35), 'l,1', 5),
            row(2, D(10), 'l,1', 5), row(1, D(20), 'a,1'),
            row(2, D(-5), 'l,2', 5), row(2, D(-5), 'l,1', 6)]
        self.assertEqual([(r['account'], r['party'], r['origin'],
                    r['debit'], r['credit'])
                for r in ledger_sql.merge_rows(rows)], [
                (1, None, 'a,1', D(100), D(0)),
                (2, 5, 'l,1', D(0), D(115)),
                (3, None, 'l,1', D(35), D(0)),
                (2, 5, 'l,1', D(10), D(0)),
                (2, 5, 'l,2', D(0), D(5)),
                (2, 6, 'l,1', D(0), D(5)),
                ])
        # the rows given are left as they were
        self.assertEqual(rows[0]['debit'], D(80))
        # what is kept apart stays line by line
        self.assertEqual(len(ledger_sql.merge_rows(
                    [row(1, D(5), 'r,1'), row(1, D(7), 'r,1')],
                    apart={'r,1'})), 2)

    @with_transaction()
    def test_array_text_round_trip(self):
        """The bulk writes' arrays in their text form read back as the
        values given, on PostgreSQL (the one backend that unnests them)"""
        columns = [
            ('varchar', str, ['plain', 'a "quoted" \\ back,slash {x}', '',
                    'NULL', None, ' spaced ', "it's"]),
            ('numeric', Decimal, [Decimal('12.30'), Decimal('-0.01'), None,
                    Decimal('1E+2')]),
            ('integer', int, [1, -7, None, 2 ** 31 - 1]),
            ('boolean', bool, [True, False, None]),
            ('date', dt.date, [dt.date(2026, 12, 6), None]),
            ('timestamp', dt.datetime, [
                    dt.datetime(2026, 12, 6, 21, 5, 3, 120), None]),
            ]
        self.assertEqual(ledger_sql.array_text([1, None, 3], {int}),
            '{1,NULL,3}')
        # a kind it has no text form for, or mixed kinds: the list itself
        self.assertEqual(ledger_sql.array_text([1.5], {float}), [1.5])
        self.assertEqual(ledger_sql.array_text([1, 'a'], {int, str}),
            [1, 'a'])
        if backend.name != 'postgresql':
            return
        cursor = Transaction().connection.cursor()
        for type_, kind, values in columns:
            cursor.execute(f'SELECT * FROM unnest(%s::{type_}[]) '
                'WITH ORDINALITY AS v(value, n) ORDER BY n',
                [ledger_sql.array_text(values, {kind})])
            self.assertEqual([v for v, _ in cursor], values, type_)

    @with_transaction()
    def test_pipelined_database_refusal(self):
        """A write the database refuses in the posting's block is a user
        error, on PostgreSQL's pipeline (raised when the block ends) as on
        SQLite (raised at once); rolled back to a savepoint, as the
        inbound folder does, the transaction goes on"""
        cursor = Transaction().connection.cursor()
        group = Table('res_group')
        with self.assertRaises(PostError) as raised:
            with savepoint('caseload_refusal'):
                with ledger_sql.pipelined():
                    for _ in range(2):
                        cursor.execute(*group.insert([group.name],
                                [['Caseload pipeline refusal']]))
        self.assertIn('nothing was posted', str(raised.exception))
        self.assertNotIn('\x00', str(raised.exception))
        if backend.name != 'postgresql':
            return
        # a refused array quotes its values: the message cuts them short
        with self.assertRaises(PostError) as raised:
            with savepoint('caseload_refusal'):
                with ledger_sql.pipelined():
                    cursor.execute('SELECT %s::integer[]',
                        ['{%s}' % ','.join(['x'] * 5000)])
                    cursor.fetchall()
        self.assertLess(len(str(raised.exception)),
            ledger_sql.DETAIL_LENGTH + 300)
        cursor.execute(*group.select(group.id,
                where=group.name == 'Caseload pipeline refusal'))
        self.assertEqual(cursor.fetchall(), [])

    @with_transaction()
    def test_post_move_writes_what_the_orm_writes(self):
        "A move posted in bulk has the lines, state and number of an ORM one"
        pool = Pool()
        Move = pool.get('account.move')
        Period = pool.get('account.period')
        JournalPeriod = pool.get('account.journal.period')
        with self.practice() as practice:
            date = practice.charge.date
            orm = Move(company=practice.company, journal=self.journal(),
                date=date, period=Period.find(practice.company, date=date),
                description="orm", lines=self.lines(practice))
            orm.save()
            Move.post([orm])
            bulk = ledger_sql.post_move(practice.company, self.journal(),
                date, "bulk", self.lines(practice))
            bulk = Move(bulk.id)
            self.assertEqual(self.rows(bulk), self.rows(orm))
            self.assertEqual(bulk.state, 'posted')
            self.assertTrue(bulk.number)
            self.assertNotEqual(bulk.number, orm.number)
            self.assertEqual(bulk.post_date, orm.post_date)
            self.assertEqual(bulk.period, orm.period)
            self.assertEqual({l.state for l in bulk.lines}, {'valid'})
            self.assertTrue(JournalPeriod.search([
                        ('journal', '=', self.journal().id),
                        ('period', '=', bulk.period.id)]))
            self.assertBalanced(practice)

    @with_transaction()
    def test_post_move_refuses_and_writes_nothing(self):
        "Each check of the ORM's is made, and a refusal leaves no row"
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Account = pool.get('account.account')
        with self.practice() as practice:
            date = practice.charge.date
            moves = Move.search([], count=True)
            line_count = MoveLine.search([], count=True)
            unbalanced = self.lines(practice)
            unbalanced[0].debit = Decimal('39.99')
            no_party = self.lines(practice)
            no_party[1].party = None
            party_set = self.lines(practice)
            party_set[0].account, = Account.search([
                    ('code', '=', '1.1.1'),
                    ('company', '=', practice.company.id)])
            both = self.lines(practice)
            both[0].credit = Decimal(1)
            both[1].credit += Decimal(-1)
            cents = self.lines(practice, Decimal('40.001'))
            closed = self.lines(practice)
            foreign = self.lines(practice)
            foreign[0].origin = 'res.user,1'
            for lines, error, message in [
                    (unbalanced, PostError, 'unbalanced by'),
                    (no_party, AccessError, 'party'),
                    (party_set, AccessError, 'party'),
                    (both, PostError, 'both a debit'),
                    (cents, PostError, 'decimals'),
                    (foreign, PostError, 'res.user'),
                    (closed, AccessError, 'unclose'),
                    ]:
                with self.subTest(message=message):
                    if message == 'unclose':
                        Account.write([closed[0].account], {'closed': True})
                    with self.assertRaisesRegex(error, message):
                        ledger_sql.post_move(practice.company,
                            self.journal(), date, "refused", lines)
                    self.assertEqual(Move.search([], count=True), moves)
                    self.assertEqual(MoveLine.search([], count=True),
                        line_count)
            self.assertBalanced(practice)

    @with_transaction()
    def test_reconcile_like_the_orm(self):
        """A balanced group is reconciled with a numbered reconciliation
        of the latest date, and the invoice sees itself reconciled and
        is queued to be marked paid"""
        pool = Pool()
        Queue = pool.get('ir.queue')
        Claim = pool.get('therapy.claim')
        MoveLine = pool.get('account.move.line')
        Invoice = pool.get('account.invoice')
        with self.practice() as practice:
            invoice = Claim(practice.claim.id).payer_invoice
            payment = ledger_sql.post_move(practice.company, self.journal(),
                practice.charge.date, "paid",
                self.lines(practice, invoice.total_amount))
            on_payer = [l for l in payment.lines
                if l.account == invoice.account]
            group = [l.id for l in list(invoice.lines_to_pay) + on_payer]
            ids = ledger_sql.reconcile([group])
            self.assertEqual(len(ids), 1)
            lines = MoveLine.browse(group)
            self.assertEqual({l.reconciliation.id for l in lines}, set(ids))
            reconciliation = lines[0].reconciliation
            self.assertTrue(reconciliation.number)
            self.assertEqual(reconciliation.date,
                max(l.date for l in lines))
            self.assertTrue(Invoice(invoice.id).reconciled)
            # account_invoice's hook found it from the lines' moves: it
            # is queued to be marked paid (after the commit)
            self.assertIn(invoice.id, [i
                    for task in Queue.search([])
                    if task.data['model'] == 'account.invoice'
                    and task.data['method'] == 'process'
                    for i in task.data['instances']])
            self.assertBalanced(practice)

    @with_transaction()
    def test_reconcile_refuses_and_writes_nothing(self):
        "Unbalanced, mixed or already reconciled groups are refused"
        pool = Pool()
        Claim = pool.get('therapy.claim')
        Reconciliation = pool.get('account.move.reconciliation')
        MoveLine = pool.get('account.move.line')
        with self.practice() as practice:
            invoice = Claim(practice.claim.id).payer_invoice
            part = ledger_sql.post_move(practice.company, self.journal(),
                practice.charge.date, "part", self.lines(practice))
            on_payer = [l.id for l in part.lines
                if l.account == invoice.account]
            clearing = [l.id for l in part.lines
                if l.account != invoice.account]
            to_pay = [l.id for l in invoice.lines_to_pay]
            for groups, message in [
                    ([to_pay + on_payer], 'do not net to zero'),
                    ([on_payer + clearing], 'another account or party'),
                    ([to_pay + on_payer, on_payer], 'two reconciliations'),
                    ]:
                with self.subTest(message=message):
                    with self.assertRaisesRegex(ReconciliationError,
                            message):
                        ledger_sql.reconcile(groups)
                    self.assertEqual(Reconciliation.search([], count=True),
                        0)
            back = ledger_sql.post_move(practice.company, self.journal(),
                practice.charge.date, "back", [
                    dict(account=invoice.account, party=invoice.party,
                        debit=Decimal('40.00')),
                    dict(account=MoveLine(clearing[0]).account,
                        party=invoice.party, credit=Decimal('40.00')),
                    ])
            ledger_sql.reconcile([on_payer + [l.id for l in back.lines
                        if l.account == invoice.account]])
            with self.assertRaisesRegex(AccessError, 'already reconciled'):
                ledger_sql.reconcile([on_payer])
            self.assertBalanced(practice)

    @with_transaction()
    def test_insert_rows_of_every_shape(self):
        """insert_rows writes each row once, in its columns, whether a place
        holds a value or an SQL expression in it, and writes nothing else"""
        cursor = Transaction().connection.cursor()
        cursor.execute('CREATE TEMPORARY TABLE bulk_rows '
            '(id INTEGER, label VARCHAR, at TIMESTAMP)')
        table = Table('bulk_rows')
        rows = [[i, f'row {i}' if i % 3 else None,
                CurrentTimestamp() if i % 2 else dt.datetime(2026, 1, i)]
            for i in range(1, 8)]
        ledger_sql.insert_rows(table, [table.id, table.label, table.at],
            rows)
        ledger_sql.insert_rows(table, [table.id, table.label, table.at], [])
        cursor.execute(*table.select(table.id, table.label, table.at,
                order_by=[table.id.asc]))
        found = cursor.fetchall()
        self.assertEqual([(i, l) for i, l, _ in found],
            [(r[0], r[1]) for r in rows])
        for (i, _, at), row in zip(found, rows):
            with self.subTest(id=i):
                self.assertIsNotNone(at)
                if not i % 2:
                    self.assertEqual(str(at)[:10], str(row[2])[:10])

    @with_transaction()
    def test_insert_rows_of_mixed_kinds(self):
        """A column of values of mixed kinds (an int among Decimals) is
        written too: PostgreSQL's arrays take one kind, so those rows go
        one statement each"""
        cursor = Transaction().connection.cursor()
        cursor.execute('CREATE TEMPORARY TABLE bulk_kinds '
            '(id INTEGER, amount NUMERIC)')
        table = Table('bulk_kinds')
        rows = [[1, Decimal('1.50')], [2, 3], [3, None], [4, Decimal(0)]]
        ledger_sql.insert_rows(table, [table.id, table.amount], rows)
        cursor.execute(*table.select(table.id, table.amount,
                order_by=[table.id.asc]))
        self.assertEqual(
            [(i, None if a is None else Decimal(str(a))) for i, a in cursor],
            [(1, Decimal('1.50')), (2, Decimal(3)), (3, None),
                (4, Decimal(0))])

    @with_transaction()
    def test_update_rows_of_every_shape(self):
        """update_rows sets each row's columns by its id, a value or an SQL
        expression at a place, and leaves the other rows and columns"""
        cursor = Transaction().connection.cursor()
        cursor.execute('CREATE TEMPORARY TABLE bulk_updates '
            '(id INTEGER, label VARCHAR, kept VARCHAR, at TIMESTAMP)')
        table = Table('bulk_updates')
        ledger_sql.insert_rows(table,
            [table.id, table.label, table.kept, table.at],
            [[i, 'old', f'kept {i}', None] for i in range(1, 9)])
        rows = [[f'new {i}' if i % 3 else None,
                CurrentTimestamp() if i % 2 else dt.datetime(2026, 1, i), i]
            for i in range(1, 8, 2)] + [['even', dt.datetime(2026, 2, 1), 2]]
        ledger_sql.update_rows(table, [table.label, table.at], rows)
        ledger_sql.update_rows(table, [table.label, table.at], [])
        cursor.execute(*table.select(table.id, table.label, table.kept,
                table.at, order_by=[table.id.asc]))
        found = {i: (label, kept, at) for i, label, kept, at in cursor}
        updated = {r[-1]: r for r in rows}
        for i, (label, kept, at) in found.items():
            with self.subTest(id=i):
                self.assertEqual(kept, f'kept {i}')
                if i not in updated:
                    self.assertEqual((label, at), ('old', None))
                    continue
                self.assertEqual(label, updated[i][0])
                self.assertIsNotNone(at)
                if not isinstance(updated[i][1], CurrentTimestamp):
                    self.assertEqual(str(at)[:10], str(updated[i][1])[:10])
