"""Lists of ints dumped for PostgreSQL in one join (int_arrays.py): the
same bytes as psycopg's own list dumper, and the same rows on the test
run's PostgreSQL (CI's second pass)."""
import unittest

from trytond import backend
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

try:
    from psycopg.adapt import PyFormat, Transformer
    from psycopg.types.array import ListDumper
except ImportError:
    ListDumper = None

from therapy_scheduling import int_arrays


@unittest.skipIf(ListDumper is None, "no PostgreSQL driver")
class IntArraysTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')
        int_arrays.install()  # done at import; a second time changes nothing

    def test_same_bytes_as_psycopg(self):
        "Every kind of list: what psycopg's own dumper gives"
        self.assertTrue(getattr(ListDumper.dump, 'caseload', False))
        psycopg_dump = ListDumper.dump.psycopg
        self.assertFalse(getattr(psycopg_dump, 'caseload', False))
        transformer = Transformer()
        lists = [
            [1, 2, 3], [-5, 0, 7], [2 ** 40, 1], [10 ** 30, -(10 ** 30)],
            [1, None, 3], [True, False], [[1, 2], [3, 4]], [7],
            ['a', 'b,c'], [1.5, 2.5],
            ]
        for values in lists:
            with self.subTest(values=values):
                dumper = transformer.get_dumper(values, PyFormat.TEXT)
                self.assertIsInstance(dumper, ListDumper)
                self.assertEqual(bytes(dumper.dump(values)),
                    bytes(psycopg_dump(dumper, values)))

    @with_transaction()
    def test_records_found_by_id_list(self):
        "Tryton's reads by id lists find what the table holds"
        Lang = Pool().get('ir.lang')
        table = Lang.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id, order_by=[table.id.asc]))
        ids = [i for i, in cursor]
        found = Lang.read(ids[::2], ['code'])
        self.assertEqual(sorted(r['id'] for r in found), ids[::2])
        if backend.name == 'postgresql':
            cursor.execute('SELECT id FROM ir_lang WHERE id = ANY(%s) '
                'ORDER BY id', [ids[1::2]])
            self.assertEqual([i for i, in cursor], ids[1::2])
