"""Saving what a posting sets on many records, below the ORM.

Why: a remittance writes what it did to thousands of rows: the answers'
and service lines' matches, the claim lines' roll-ups, the adjustments'
actions. ``ModelStorage.save`` writes them in one call but then validates
each record again, reading every changed field through a fresh record
(profile of 200 claims: 12,000 digit checks, 1.4 s), and it checks a
Many2One domain that depends on the record with one search ``OR``-ing a
term per distinct value: on SQLite a 1,000-claim file failed there
("Expression tree is too large (maximum depth 1000)"). The values the
posting writes are its own: a service line is matched among its claim's
lines, so the claim line's domain holds by construction. What a field can
fail on its value alone is checked here, once a field (required,
selection, digits); then each column is written with one UPDATE a slice.
What the ORM does around a write is done too: the access checks,
``check_modification``, write_uid and write_date, the history, the
models' ``on_modification`` hooks; a model with write triggers is saved
by the ORM."""
import math
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Max
from sql.functions import CurrentTimestamp

from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import (
    DigitsValidationError, RequiredValidationError, SelectionValidationError,
    SizeValidationError)
from trytond.pool import Pool
from trytond.tools import is_instance_method
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling.rows import rows_of

from .batch import slices
from .ledger_sql import (
    after_bulk_create, allocated_ids, forget_cached, insert_rows,
    update_rows)

STAMPS = {'id', 'create_uid', 'create_date', 'write_uid', 'write_date'}
SIMPLE = {'char', 'text', 'numeric', 'integer', 'float', 'boolean', 'date',
    'datetime', 'selection', 'many2one'}


def save(Model, records, digits=2):
    """Save the values set on records, as ModelStorage.save would; digits:
    the places of the amounts whose digits follow a currency (the
    company's). A record with a change this does not write (new, a
    relation list, a computed field) is saved by the ORM. Many2One domains
    are not checked: the caller's values hold them by construction"""
    pool = Pool()
    Trigger = pool.get('ir.trigger')
    with without_check_access():
        if Trigger.get_triggers(Model.__name__, 'write'):
            Model.save(records)
            return
    to_orm, groups = [], defaultdict(list)
    for record in records:
        values = record._save_values() if record._values else {}
        if not values:
            continue
        if (record.id is None or record.id < 0 or values.keys() & STAMPS
                or any(not _simple(Model._fields[n]) for n in values)):
            to_orm.append(record)
            continue
        with without_check_access():
            values = Model.preprocess_values('write', values)
        groups[frozenset(values)].append((record, values))
    if to_orm:
        Model.save(to_orm)
    for names, rows in groups.items():
        _write(Model, sorted(names), rows, digits)


def create(Model, vlist, parent, digits=2):
    """Create the rows of vlist (dicts of simple fields), as Model.create
    would, their values checked as save() checks them; parent: the
    Many2One every row sets (to a record of this transaction), by which
    the new rows are found back. Returns their ids in vlist's order"""
    pool = Pool()
    Trigger = pool.get('ir.trigger')
    Access = pool.get('ir.model.access')
    FieldAccess = pool.get('ir.model.field.access')
    if not vlist:
        return []
    names = sorted(set().union(*vlist))
    with without_check_access():
        triggers = Trigger.get_triggers(Model.__name__, 'create')
    if triggers or any(not _simple(Model._fields[n]) for n in names):
        return [r.id for r in Model.create(vlist)]
    # as ModelStorage.create: checked when the call comes from a user
    Access.check(Model.__name__, 'create')
    FieldAccess.check(Model.__name__, names, 'write')
    defaults = Model.default_get([n for n, f in Model._fields.items()
            if n not in STAMPS and _simple(f)], with_rec_name=False)
    with without_check_access():
        # each row its defaults, for what it does not set
        rows = [dict(defaults, **Model.preprocess_values('create', v))
            for v in vlist]
    names = sorted(set().union(*rows) - STAMPS)
    if any(not _simple(Model._fields[n]) for n in names):
        return [r.id for r in Model.create(vlist)]
    transaction = Transaction()
    table = Model.__table__()
    columns = [getattr(table, n) for n in names] + [
        table.create_uid, table.create_date]
    now = CurrentTimestamp()
    values = [[Model._fields[n].sql_format(r.get(n)) for n in names]
        + [transaction.user, now] for r in rows]
    ids = allocated_ids(table, len(rows))
    if ids is not None:
        insert_rows(table, columns, values, ids=ids)
    else:
        ids = _insert_found_back(table, columns, values,
            getattr(table, parent), sorted({r[parent] for r in rows}))
    if len(ids) != len(rows):
        raise RuntimeError(f"{Model.__name__}: {len(rows)} rows written, "
            f"{len(ids)} found back")
    # checked once written, so that an error can name the record; the
    # error rolls the transaction back with them
    for name in names:
        _check(Model, name, [(i, r.get(name))
                for i, r in zip(ids, rows)], digits)
    if Model._history:
        Model._insert_history(ids)
    forget_cached(Model.__name__)
    check_access = bool(transaction.user and transaction.check_access)
    with without_check_access():
        for chunk in slices(ids):
            Model.check_modification('create', Model.browse(chunk),
                external=check_access)
    after_bulk_create(Model, ids)
    return ids


def _insert_found_back(table, columns, values, parent, parents):
    """Insert values and find the new rows back by their parent column
    (one of parents) and their ids above the largest before: their ids
    in order"""
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.select(Max(table.id)))
    newer_than = cursor.fetchone()[0] or 0
    insert_rows(table, columns, values)
    ids = []
    for chunk in slices(parents):
        cursor.execute(*table.select(table.id,
                where=fields.SQL_OPERATORS['in'](parent, chunk)
                & (table.id > newer_than)))
        ids += [i for i, in cursor]
    return sorted(ids)


def _simple(field):
    return (field._type in SIMPLE and not isinstance(field, fields.Function)
        and not hasattr(field, 'set')
        and not getattr(field, 'translate', False))


def _write(Model, names, rows, digits):
    "As ModelStorage.save writes: without the access checks of a user call"
    transaction = Transaction()
    records = [r for r, _ in rows]
    with without_check_access():
        Model.check_modification('write', records,
            values=dict.fromkeys(names), external=False)
    if transaction.context.get('_log'):
        Model.log(records, 'write', ','.join(names))
    for name in names:
        _check(Model, name, [(r, v[name]) for r, v in rows], digits)
    table = Model.__table__()
    formats = [Model._fields[n].sql_format for n in names]
    now = CurrentTimestamp()
    update_rows(table,
        [table.write_uid, table.write_date]
        + [getattr(table, n) for n in names],
        [[transaction.user, now]
            + [f(v[n]) for f, n in zip(formats, names)] + [r.id]
            for r, v in rows])
    ids = [r.id for r, _ in rows]
    for record in records:
        # as ModelStorage.write: what the record read before is stale
        record._values = None
        record._local_cache.pop(record.id, None)
    if Model._history:
        Model._insert_history(ids)
    forget_cached(Model.__name__)
    with without_check_access():
        for chunk in slices(ids):
            Model.on_modification('write', Model.browse(chunk),
                field_names=set(names))


def _check(Model, name, values, digits):
    """What ModelStorage._validate checks of field name on each value
    alone (required, size, digits, selection); values: [(record or id,
    value)]"""
    field = Model._fields[name]

    def names(record, **extra):
        if isinstance(record, int):
            record = Model(record)
        return dict(Model.__names__(name, record), **extra)

    if field.required:
        for record, value in values:
            if (isinstance(value, (type(None), bool, list, tuple, str, dict))
                    and not value):
                raise RequiredValidationError(gettext(
                        'ir.msg_required_validation_record',
                        **names(record)))
    size = getattr(field, 'size', None)
    if isinstance(size, int):
        for record, value in values:
            if len(value or '') > size >= 0:
                raise SizeValidationError(gettext(
                        'ir.msg_size_validation_record',
                        **names(record, size=len(value), max_size=size)))
    if field._type == 'selection' and field.selection:
        if isinstance(field.selection, (list, tuple)):
            allowed = set(dict(field.selection))
        elif not is_instance_method(Model, field.selection):
            allowed = set(dict(getattr(Model, field.selection)()))
        else:
            raise ValueError(f"{name}: a selection of each record")
        if '' in allowed or None in allowed:
            allowed |= {'', None}
        for record, value in values:
            if value not in allowed:
                raise SelectionValidationError(gettext(
                        'ir.msg_selection_validation_record',
                        **names(record)))
    if field._type == 'numeric' and getattr(field, 'digits', None):
        places = (digits if isinstance(field.digits, str)
            else field.digits)
        if not isinstance(places, tuple):
            places = (None, places)
        int_size, dec_size = places
        for record, value in values:
            if value is None:
                continue
            if dec_size is None:
                too_fine = False
            elif isinstance(value, Decimal):
                too_fine = value.as_tuple().exponent < -dec_size
            else:
                too_fine = round(value, dec_size) != value
            if too_fine or (int_size is not None and value
                    and math.ceil(math.log10(abs(value))) > int_size):
                raise DigitsValidationError(gettext(
                        'ir.msg_digits_validation_record',
                        **names(record, digits=places)))


def preload(Model, records, names, values=None):
    """Put the stored fields names of records (of one browse) in their
    cache as rows read them, a Many2One's records made by one browse: a
    record's first read of a field reads every eager field of its read
    window, and a posting that reads one amount of 10,000 claim lines paid
    that for all their columns. values: {id: {name: value}} the caller
    read already. A write after this drops the cache as it drops what the
    ORM read"""
    for name in names:
        field = Model._fields[name]
        if (isinstance(field, fields.Function) or field.context
                or getattr(field, 'datetime_field', None)):
            raise ValueError(f"{Model.__name__}.{name}: not a plain column")
    if values is None:
        table = Model.__table__()
        values = {id_: dict(zip(names, row)) for id_, row in rows_of(
                table, table.id, {r.id for r in records},
                *(getattr(table, n) for n in names)).items()}
    # a Many2One's records of one browse, as the ORM's read makes them
    targets = {}
    for name in names:
        field = Model._fields[name]
        if field._type == 'many2one':
            ids = sorted({v[name] for v in values.values()} - {None})
            targets[name] = dict(zip(ids, field.get_target().browse(ids)))
    for record in records:
        if record.id in values:
            # a cache made before the last write is emptied at its next
            # read: emptied now, what goes in stays
            record._local_cache.refresh()
            cached = record._local_cache[record.id]
            for name, value in values[record.id].items():
                if name in targets and value is not None:
                    value = targets[name][value]
                cached[name] = value
