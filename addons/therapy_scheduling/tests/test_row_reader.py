"""ModelSQL's rows read with the column names taken once a query
(row_reader.py): the same dicts as trytond's cursor_dict, on the test
run's database (SQLite, or PostgreSQL in CI's second pass, where psycopg
describes a row at a cost)."""
import unittest

import trytond.model.modelsql as modelsql
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.tools import cursor_dict as tryton_cursor_dict
from trytond.transaction import Transaction

from therapy_scheduling import row_reader


class RowReaderTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @with_transaction()
    def test_modelsql_reads_with_it(self):
        "The module's import installs it for ModelSQL, and only there"
        self.assertIs(modelsql.cursor_dict, row_reader.cursor_dict)
        import trytond.tools
        self.assertIs(trytond.tools.cursor_dict, tryton_cursor_dict)

    @with_transaction()
    def test_same_dicts_as_tryton(self):
        "More rows than a fetch, and none: the same dicts in the same order"
        Lang = Pool().get('ir.lang')
        table = Lang.__table__()
        cursor = Transaction().connection.cursor()
        query = table.select(table.id, table.code, table.name,
            table.translatable, table.create_date, order_by=[table.id.asc])
        for size in [None, 7, 1]:
            with self.subTest(size=size):
                cursor.execute(*query)
                expected = list(tryton_cursor_dict(cursor))
                cursor.execute(*query)
                found = list(row_reader.cursor_dict(cursor, size))
                self.assertGreater(len(found), 7)
                self.assertEqual(found, expected)
        cursor.execute(*table.select(table.id, where=table.id < 0))
        self.assertEqual(list(row_reader.cursor_dict(cursor)), [])

    @with_transaction()
    def test_records_read_as_stored(self):
        "A search and a read through ModelSQL give what the table holds"
        Lang = Pool().get('ir.lang')
        table = Lang.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id, table.code, table.name,
                table.translatable, order_by=[table.id.asc]))
        stored = [{'id': i, 'code': c, 'name': n, 'translatable': t}
            for i, c, n, t in cursor.fetchall()]
        found = Lang.search_read([('active', 'in', [True, False])],
            order=[('id', 'ASC')],
            fields_names=['code', 'name', 'translatable'])
        self.assertEqual(found, stored)
