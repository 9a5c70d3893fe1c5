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
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Max
from sql.conditionals import Case
from sql.functions import CurrentTimestamp

from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import (
    DigitsValidationError, RequiredValidationError, SelectionValidationError)
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .batch import slices
from .ledger_sql import INSERT_SLICE, _after_bulk_create, _forget

STAMPS = {'id', 'create_uid', 'create_date', 'write_uid', 'write_date'}
SIMPLE = {'char', 'text', 'numeric', 'integer', 'float', 'boolean', 'date',
    'datetime', 'selection', 'many2one'}


def save(Model, records, digits=2):
    """Save the values set on records, as ModelStorage.save would; digits:
    the places of the amounts whose digits follow a currency. A record
    with a change this does not write (new, a relation list, a computed
    field) is saved by the ORM"""
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
    Access.check(Model.__name__, 'create')
    FieldAccess.check(Model.__name__, names, 'write')
    defaults = Model.default_get([n for n, f in Model._fields.items()
            if n not in names and n not in STAMPS and _simple(f)],
        with_rec_name=False)
    with without_check_access():
        rows = [dict(defaults, **Model.preprocess_values('create', v))
            for v in vlist]
    names = sorted(set().union(*rows) - STAMPS)
    if any(not _simple(Model._fields[n]) for n in names):
        return [r.id for r in Model.create(vlist)]
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    table = Model.__table__()
    cursor.execute(*table.select(Max(table.id)))
    newer_than = cursor.fetchone()[0] or 0
    columns = [getattr(table, n) for n in names] + [
        table.create_uid, table.create_date]
    for chunk in slices(rows, INSERT_SLICE):
        cursor.execute(*table.insert(columns, [
                    [Model._fields[n].sql_format(r.get(n)) for n in names]
                    + [transaction.user, CurrentTimestamp()]
                    for r in chunk]))
    ids = []
    parents = sorted({r[parent] for r in rows})
    for chunk in slices(parents):
        cursor.execute(*table.select(table.id,
                where=fields.SQL_OPERATORS['in'](getattr(table, parent),
                    chunk) & (table.id > newer_than)))
        ids += [i for i, in cursor]
    ids.sort()
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
    _forget(Model.__name__)
    check_access = bool(transaction.user and transaction.check_access)
    with without_check_access():
        for chunk in slices(ids):
            Model.check_modification('create', Model.browse(chunk),
                external=check_access)
    _after_bulk_create(Model, ids)
    return ids


def _simple(field):
    return (field._type in SIMPLE and not isinstance(field, fields.Function)
        and not hasattr(field, 'set')
        and not getattr(field, 'translate', False))


def _write(Model, names, rows, digits):
    pool = Pool()
    Access = pool.get('ir.model.access')
    FieldAccess = pool.get('ir.model.field.access')
    transaction = Transaction()
    Access.check(Model.__name__, 'write')
    FieldAccess.check(Model.__name__, names, 'write')
    records = [r for r, _ in rows]
    check_access = bool(transaction.user and transaction.check_access)
    with without_check_access():
        Model.check_modification('write', records,
            values=dict.fromkeys(names), external=check_access)
    if check_access or transaction.context.get('_log'):
        # the record's change log, as ModelStorage.write keeps it
        Model.log(records, 'write', ','.join(names))
    for name in names:
        _check(Model, name, [(r, v[name]) for r, v in rows], digits)
    cursor = transaction.connection.cursor()
    table = Model.__table__()
    ids = []
    for chunk in slices(rows, INSERT_SLICE):
        chunk_ids = [r.id for r, _ in chunk]
        columns = [table.write_uid, table.write_date]
        values = [transaction.user, CurrentTimestamp()]
        for name in names:
            field = Model._fields[name]
            column = getattr(table, name)
            columns.append(column)
            values.append(Case(*((table.id == r.id,
                                field.sql_format(v[name]))
                            for r, v in chunk), else_=column))
        cursor.execute(*table.update(columns, values,
                where=fields.SQL_OPERATORS['in'](table.id, chunk_ids)))
        ids += chunk_ids
    for record in records:
        # as ModelStorage.write: what the record read before is stale
        record._values = None
        record._local_cache.pop(record.id, None)
    if Model._history:
        Model._insert_history(ids)
    _forget(Model.__name__)
    with without_check_access():
        for chunk in slices(ids):
            Model.on_modification('write', Model.browse(chunk),
                field_names=set(names))


def _check(Model, name, values, digits):
    """What the ORM's validation of field name checks on each value alone;
    values: [(record or id, value)]"""
    field = Model._fields[name]

    def names(record):
        if isinstance(record, int):
            record = Model(record)
        return Model.__names__(name, record)
    if field.required:
        for record, value in values:
            if value is None or value == '':
                raise RequiredValidationError(gettext(
                        'ir.msg_required_validation_record',
                        **names(record)))
    if field._type == 'selection' and isinstance(field.selection, list):
        allowed = {k for k, _ in field.selection}
        for record, value in values:
            if value not in allowed and value is not None:
                raise SelectionValidationError(gettext(
                        'ir.msg_selection_validation_record',
                        **names(record)))
    if field._type == 'numeric' and getattr(field, 'digits', None):
        places = (digits if isinstance(field.digits, str)
            else field.digits[1])
        if places is None:
            return
        for record, value in values:
            if (isinstance(value, Decimal)
                    and value.as_tuple().exponent < -places):
                raise DigitsValidationError(gettext(
                        'ir.msg_digits_validation_record',
                        digits=(None, places),
                        **names(record)))
