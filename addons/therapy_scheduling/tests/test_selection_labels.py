"""A fixed selection's labels looked up once a transaction
(selection_labels.py): what Tryton's get_selection gives, per language, and
what a read's <field>:string shows."""
import unittest

from trytond.model.fields.selection import SelectionMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling import selection_labels


class SelectionLabelsTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @with_transaction()
    def test_installed(self):
        self.assertIs(SelectionMixin.get_selection.__func__,
            selection_labels.get_selection)

    @with_transaction()
    def test_same_as_tryton(self):
        "A list and a method's selection: what Tryton's function gives"
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Translation = pool.get('ir.translation')
        tryton = selection_labels._tryton_get_selection
        for model, name in [(Appointment, 'state'),
                (Appointment, 'cancel_reason'), (Translation, 'lang')]:
            field = model._fields[name]
            with self.subTest(field=name):
                for _ in range(2):  # looked up, then remembered
                    found = field.get_selection(model, name, None)
                    self.assertEqual(found,
                        tryton(type(field), model, name, None))
                    found.clear()   # each caller its own dict
        self.assertEqual(
            Appointment._fields['state'].get_selection(
                Appointment, 'state', None)['no_show'], "No-Show")

    @with_transaction()
    def test_per_language(self):
        """A label is read in the reader's language, translated since it
        was first looked up in the same transaction"""
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Translation = pool.get('ir.translation')
        Lang = pool.get('ir.lang')
        field = Appointment._fields['state']
        english = field.get_selection(Appointment, 'state', None)
        french, = Lang.search([('code', '=', 'fr')])
        Lang.write([french], {'translatable': True})
        with Transaction().set_context(language='fr'):
            self.assertEqual(field.get_selection(
                    Appointment, 'state', None)['scheduled'], "Scheduled")
        Translation.create([{'lang': 'fr', 'type': 'selection',
                    'name': 'therapy.appointment,state',
                    'src': "Scheduled", 'value': "Planifié",
                    'module': 'therapy_scheduling', 'fuzzy': False}])
        with Transaction().set_context(language='fr'):
            translated = field.get_selection(Appointment, 'state', None)
        self.assertEqual(english['scheduled'], "Scheduled")
        self.assertEqual(translated['scheduled'], "Planifié")
        self.assertEqual(
            field.get_selection(Appointment, 'state', None), english)
