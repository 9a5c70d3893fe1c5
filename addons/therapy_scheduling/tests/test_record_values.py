"""A record's values in a dict (record_values.py): the models set up after
the module's import use it, and it answers as Tryton's slotted class does."""
import copy
import unittest

import trytond.model.model
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

from therapy_scheduling import record_values

# Tryton's own class factory, as the module found it
TRYTON_RECORD = record_values._tryton_record


class RecordValuesTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @with_transaction()
    def test_models_use_it(self):
        self.assertIs(trytond.model.model.record, record_values.record)
        Appointment = Pool().get('therapy.appointment')
        self.assertEqual(Appointment._record._field_names,
            set(Appointment._fields))

    def test_same_answers_as_tryton(self):
        "Each method, on a class of each kind with the same fields"
        names = ['start', 'end', 'state', 'client']
        answers = []
        for make in [TRYTON_RECORD, record_values.record]:
            Record = make('test._record', names)
            values = Record(start=1, state='scheduled')
            found = []
            found.append(sorted(values._keys()))
            found.append(sorted(values._items()))
            found.append(sorted(values._values(), key=str))
            found.append(('start' in values, 'end' in values))
            found.append((values['start'], values._get('end', 'none')))
            values['end'] = 2
            values._update({'client': 7}, state='confirmed')
            found.append(sorted(values._items()))
            found.append(values._setdefault('end', 5))
            found.append(values._pop('end'))
            found.append(values._pop('end', 'gone'))
            found.append(values._popitem('client'))
            other = copy.copy(values)
            other['start'] = 3
            other._clear()
            found.append((sorted(values._items()), list(other._keys())))
            found.append(values.state)
            for action, error in [
                    (lambda: values['end'], KeyError),
                    (lambda: values._get('nope'), KeyError),
                    (lambda: values._pop('nope'), KeyError),
                    (lambda: values._pop('end'), KeyError),
                    (lambda: values.__setitem__('nope', 1), KeyError),
                    (lambda: values._update(nope=1), AttributeError),
                    (lambda: values._setdefault('nope'), AttributeError),
                    (lambda: Record(nope=1), AttributeError),
                    (lambda: values.end, AttributeError),
                    (lambda: setattr(values, 'nope', 1), AttributeError),
                    ]:
                with self.assertRaises(error):
                    action()
            with self.assertRaises(ValueError):
                make('test._record', ['_private'])
            answers.append(found)
        self.assertEqual(answers[0], answers[1])
