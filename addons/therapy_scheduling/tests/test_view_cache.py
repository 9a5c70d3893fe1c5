"""Views cached without the record a wizard runs on (view_cache.py): a
wizard's next step reuses the view built for another record; what a view
does depend on (its language, the context keys views read) still builds
it again. What an action opens is kept per user until saved
(action_cache.py)."""
import unittest

from trytond.model import ModelView
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from ..action_cache import VALUES
from .fixtures import as_user, create_user


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

    @with_transaction()
    def test_action_values_kept_until_saved_and_per_user(self):
        """What an action opens is read once for a user, each caller gets
        its own copy, saving the window or a tab of it is seen at once,
        and a user whose groups may not read an action is refused as
        before, whoever read it first"""
        pool = Pool()
        Action = pool.get('ir.action')
        Window = pool.get('ir.action.act_window')
        Domain = pool.get('ir.action.act_window.domain')
        ModelData = pool.get('ir.model.data')
        window, = Window.create([{'name': "Appointments",
                    'res_model': 'therapy.appointment'}])
        VALUES.clear()
        first = window.action.get_action_value()
        misses = VALUES.miss
        first['views'].append((None, 'calendar'))
        first['pyson_domain'] = '[["id", "=", 1]]'
        again = window.action.get_action_value()
        self.assertEqual(VALUES.miss, misses)
        self.assertNotEqual(again['pyson_domain'], first['pyson_domain'])
        self.assertNotEqual(again['views'], first['views'])
        self.assertIsInstance(again['views'], list)

        Window.write([window], {'name': "Appointments Renamed"})
        Domain.create([{'act_window': window.id, 'name': "Mine",
                    'domain': '[]', 'sequence': 99}])
        changed = window.action.get_action_value()
        self.assertEqual(changed['name'], "Appointments Renamed")
        self.assertIn("Mine", [name for name, _, _ in changed['domains']])

        audit = Window(ModelData.get_id('therapy_audit', 'act_event'))
        audit.action.get_action_value()
        with set_company(create_company()):
            desk = create_user('cache_desk',
                ['therapy_scheduling.group_front_desk'])
        with as_user(desk):
            self.assertTrue(window.action.get_action_value())
            with self.assertRaises(AccessError):
                Action.get_action_values(
                    'ir.action.act_window', [audit.action.id])
