"""sao cannot show a datetime in a list column without a widget: the
whole list (or the form holding it) stays on "Processing". Tryton's own
lists split such a field into a date and a time column; ours must too."""
import unittest
from lxml import etree

from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

MODULES = ['therapy_audit', 'therapy_scheduling', 'therapy_clinical',
    'therapy_billing', 'therapy_portal', 'therapy_edi', 'therapy_reporting']


class ListViewTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module(MODULES)

    @with_transaction()
    def test_datetime_columns_have_a_widget(self):
        pool = Pool()
        View = pool.get('ir.ui.view')
        views = View.search([
                ('module', 'in', MODULES), ('type', '=', 'tree')])
        self.assertTrue(views)
        for view in views:
            Model = pool.get(view.model)
            arch = Model.fields_view_get(view.id, 'tree')['arch']
            for element in etree.fromstring(arch).iter('field'):
                field = Model._fields.get(element.get('name'))
                if field is None or field._type not in {
                        'datetime', 'timestamp'}:
                    continue
                with self.subTest(view=view.name, field=field.name):
                    self.assertTrue(element.get('widget'),
                        f"{view.name}: give {field.name} widget=\"date\" "
                        "and a second column with widget=\"time\"")
