"""A record's values kept in a dict instead of one slot per field.

Why: Tryton keeps the values a record has read or been given in an object
of a class made per model (``trytond.model.model.record``) with a slot
for every field, and answers "which fields are loaded?" (``_keys``,
``_items``) by trying each slot in turn. ``ModelStorage.__getattr__``
asks that for every record of the read window each time a field is
missing, and a save asks it of every record saved: with ~60 fields a
model, most of them not loaded, that was about a tenth of booking a
52-occurrence series (400,000 calls for 30 series) and of posting an 835
(``_items``, ``_contains``, ``_keys``). A dict answers from what is set.

The class keeps the record object's whole interface (the mapping-like
methods and attribute access by field name) and refuses a name that is
not a field as the slots did; the order of ``_keys`` is the order values
were set, where the slots' was the class's, which no caller relies on
(Tryton's tests run on it in CI with ours). A dict holds a fully read
record in about four times the memory of the slots (~2 KB against ~0.5
KB for 60 fields); the caches are bounded by the record cache size.

Installed when the module is imported (before trytond sets up the models'
classes, which make their record class then), as ``row_reader`` is."""
import collections.abc
import copy
import sys

import trytond.model.model as model

_UNDEFINED = object()
_tryton_record = model.record


def record(name, field_names):
    "A class holding the values of the fields field_names, by name"
    field_names = set(field_names)
    for fname in field_names:
        if fname.startswith('_'):
            raise ValueError(
                "Field names cannot start with an underscore: %r" % name)
    names = frozenset(map(sys.intern, field_names))

    def __init__(self, **kwargs):
        if kwargs:
            _check(kwargs)
            self.__dict__.update(kwargs)

    def _check(values):
        if not names.issuperset(values):
            raise AttributeError(
                f"{name} has no field {sorted(set(values) - names)}")

    def __setattr__(self, field, value):
        if field not in names:
            raise AttributeError(f"{name} has no field {field!r}")
        self.__dict__[field] = value

    def _getitem(self, field):
        return self.__dict__[field]

    def _setitem(self, field, value):
        if field not in names:
            raise KeyError(field)
        self.__dict__[field] = value

    def _contains(self, field):
        return field in self.__dict__

    def _clear(self):
        self.__dict__.clear()

    def _copy(self):
        return copy.copy(self)

    def _get(self, field, default=None):
        if field not in names:
            raise KeyError(field)
        return self.__dict__.get(field, default)

    def _keys(self):
        return iter(list(self.__dict__))

    def _items(self):
        return iter(list(self.__dict__.items()))

    def _values(self):
        return iter(list(self.__dict__.values()))

    def _pop(self, field, value=_UNDEFINED):
        if field not in names:
            raise KeyError(field)
        if value is _UNDEFINED:
            return self.__dict__.pop(field)
        return self.__dict__.pop(field, value)

    def _popitem(self, field, value=_UNDEFINED):
        return (field, _pop(self, field, value=value))

    def _setdefault(self, field, default=None):
        if field not in names:
            raise AttributeError(f"{name} has no field {field!r}")
        return self.__dict__.setdefault(field, default)

    def _update(self, _other=None, **kwargs):
        for values in [_other, kwargs]:
            if values:
                if not isinstance(values, collections.abc.Mapping):
                    values = dict(values)
                _check(values)
                self.__dict__.update(values)

    return type(name, (), {
            '_field_names': names,
            '__init__': __init__,
            '__setattr__': __setattr__,
            '__getitem__': _getitem,
            '__setitem__': _setitem,
            '__contains__': _contains,
            '_clear': _clear,
            '_copy': _copy,
            '_get': _get,
            '_keys': _keys,
            '_items': _items,
            '_pop': _pop,
            '_popitem': _popitem,
            '_setdefault': _setdefault,
            '_update': _update,
            '_values': _values,
            })


def install():
    "Models set up from now on keep their values with record (idempotent)"
    model.record = record
