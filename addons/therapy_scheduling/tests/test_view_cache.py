"""Views cached without the record a wizard runs on (view_cache.py): a
wizard's next step reuses the view built for another record; what a view
does depend on (its language, the context keys views read) still builds
it again."""
import unittest

from trytond.model import ModelView
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction


class ViewCacheTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @with_transaction()
    def test_wizard_view_built_once_for_any_record(self):
        Start = Pool().get('therapy.appointment.reschedule.start')
        cache = ModelView._fields_view_get_cache
        cache.clear()
        record = {'active_model': 'therapy.appointment'}
        with Transaction().set_context(active_id=1, active_ids=[1],
                **record):
            first = Start.fields_view_get(view_type='form')
        misses = cache.miss
        with Transaction().set_context(active_id=2, active_ids=[2, 3],
                **record):
            again = Start.fields_view_get(view_type='form')
        self.assertEqual(cache.miss, misses)
        self.assertEqual(again, first)
        with Transaction().set_context(active_id=2, language='fr'):
            Start.fields_view_get(view_type='form')
        with Transaction().set_context(view_id=-1):
            Start.fields_view_get(view_type='form')
        self.assertEqual(cache.miss, misses + 2)
