"""A fixed selection's labels looked up once a transaction.

Why: ``ModelSQL.read`` answers sao's ``<field>:string`` (asked of the
selections a list or a form shows) with ``get_selection`` once per row,
and Tryton's builds the field's whole definition each time
(``fields_get``: translations, field access, PYSON encoding). On the load
test's busiest reads (charges to bill, a note opened) that was about 6 %
of the server's time. A selection given as a list has the same labels for
every row of a transaction until it writes (a translation, a module
activated: the transaction's counter moves), per language; one computed
by a method (it may depend on the record) is left to Tryton.

Installed when the module is imported, as ``row_reader`` is; only
``get_selection`` is replaced, and it returns what Tryton's returns."""
from weakref import WeakKeyDictionary

from trytond.model.fields.selection import SelectionMixin
from trytond.transaction import Transaction

from .rows import until_written

_tryton_get_selection = SelectionMixin.__dict__['get_selection'].__func__
# {transaction: (its counter, {(model, field, language, fuzzy): labels})}
LABELS = WeakKeyDictionary()


def get_selection(cls, model, name, inst):
    "{value: label} of model's selection field name"
    field = model._fields.get(name)
    if not isinstance(getattr(field, 'selection', None), (list, tuple)):
        return _tryton_get_selection(cls, model, name, inst)
    transaction = Transaction()
    labels = until_written(LABELS)
    key = (model, field, transaction.language,
        bool(transaction.context.get('fuzzy_translation')))
    if key not in labels:
        labels[key] = _tryton_get_selection(cls, model, name, inst)
    # a copy, as Tryton's is a new dict each call
    return dict(labels[key])


def install():
    "Selections' labels come from get_selection (module imports may repeat)"
    SelectionMixin.get_selection = classmethod(get_selection)
