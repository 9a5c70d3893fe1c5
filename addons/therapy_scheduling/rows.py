"""Table rows read by id, for what lists show of many records at once
(names, labels) without a record each, and what a transaction remembers of
them until it writes."""
from trytond import backend
from trytond.model.fields import SQL_OPERATORS
from trytond.tools import grouped_slice
from trytond.transaction import Transaction


def stored_ids(records):
    "The ids of records that have a row (not unsaved, not negative)"
    return [r.id for r in records if (r.id or -1) >= 0]


def rows_of(table, key, ids, *columns):
    "{key: (columns)} of table's rows whose key is in ids, a query a slice"
    cursor = Transaction().connection.cursor()
    result = {}
    for chunk in grouped_slice(list(ids), backend.MAX_QUERY_PARAMS):
        cursor.execute(*table.select(key, *columns,
                where=SQL_OPERATORS['in'](key, list(chunk))))
        result.update((row[0], tuple(row[1:])) for row in cursor)
    return result


def rows_by(table, key, ids, *columns, order_by=None):
    """{key: [(columns)]} of table's rows whose key (not unique: a
    relation's column) is in ids, in order_by's order, a query a slice"""
    cursor = Transaction().connection.cursor()
    result = {}
    for chunk in grouped_slice(list(ids), backend.MAX_QUERY_PARAMS):
        cursor.execute(*table.select(key, *columns,
                where=SQL_OPERATORS['in'](key, list(chunk)),
                order_by=order_by or []))
        for row in cursor:
            result.setdefault(row[0], []).append(tuple(row[1:]))
    return result


def until_written(store, size=None):
    """The dict store (a WeakKeyDictionary by transaction) keeps for the
    current transaction: a new one once the transaction has written since
    (its counter moved) or when it holds more than size entries"""
    transaction = Transaction()
    counter, memo = store.get(transaction, (None, None))
    if counter != transaction.counter or (
            size is not None and len(memo) > size):
        memo = {}
        store[transaction] = (transaction.counter, memo)
    return memo
