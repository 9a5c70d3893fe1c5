"""Posting moves and reconciling lines in bulk, below the ORM.

Why: a remittance of 10,000 claims writes tens of thousands of ledger
lines and reconciles thousands of invoices. Tryton's ORM validates each
line and each reconciliation on its own, evaluating every field's PYSON
domain per record: profiled on 200 claims, the move lines' creation and
the reconciliations were over 40 % of the import (about 130 ms a
reconciliation, 15 ms a line). The checks those domains and validations
make are made here once per batch, on the distinct values the rows use
(the accounts, the period, the journal, the lines of each group), then
the rows are written in bulk (insert_rows: arrays on PostgreSQL,
executemany elsewhere). What the ORM would do after a
create is still done: the move is posted by Tryton's own ``Move.post``
(balance, number, post date), the lines go in valid as
``Move.validate_move`` would set them (each move is checked balanced
first), and the reconciliations' ``on_modification`` hooks run
(the invoices they pay are processed, payments updated), as do the
models' triggers. Anything that fails a check raises before a row is
written, with Tryton's own message."""
import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

from sql import Expression
from sql.aggregate import Max
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model.fields import SQL_OPERATORS, Field
from trytond.model.exceptions import AccessError
from trytond.modules.account.exceptions import (
    PostError, ReconciliationError)
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .batch import SLICE, slices

ZERO = Decimal(0)
INSERT_SLICE = 500
UNNEST_SLICE = 5000
# reconciliations per call of their hooks on PostgreSQL: account_invoice's
# looks the invoices of their moves up with a search that scans and sorts
# every invoice (its OR with the additional moves' subquery takes no
# index; 0.1 s at 30,000 invoices), so once per reconcile of a remittance,
# not per slice (SQLite's `in` takes a slice)
RECONCILIATION_HOOK_SLICE = 50000
# move line columns account_payment gives a default
PAYMENT_DEFAULTS = ['payment_blocked', 'payment_direct_debit']
# how much of the database's words a refusal's message quotes
DETAIL_LENGTH = 200
# where the database's words go in a message read before they are known
_ERROR_SLOT = '\x00error\x00'


def _as_id(value):
    return value.id if hasattr(value, 'id') else value


def _as_reference(value):
    if value is None or isinstance(value, str):
        return value
    return str(value)


@contextmanager
def pipelined():
    """On PostgreSQL, the block's statements go in the driver's pipeline
    mode: a write nobody reads the result of is sent and the posting goes
    on computing while the server runs it (on the other core); a read
    waits for what was sent before it, so the reads see every write. A
    remittance's posting writes thousands of rows a slice at a time:
    about 4 % of a 1,000-claim import on two cores (bench/README.md).
    A write the database refuses (a constraint, a value) raises PostError,
    a user error, wherever it surfaces (at the next read or the block's
    end on PostgreSQL, at once on SQLite): the inbound folder refuses a
    file on user errors and goes on with the next. The message is read
    before the block, since an aborted transaction reads nothing more"""
    refused = gettext('therapy_billing.msg_bulk_database_refused',
        error=_ERROR_SLOT)
    connection = Transaction().connection
    try:
        if backend.name == 'postgresql' and hasattr(connection, 'pipeline'):
            with connection.pipeline():
                yield
        else:
            yield
    except (backend.DatabaseIntegrityError,
            backend.DatabaseDataError) as error:
        # the first line, the constraint or value, cut short: a refused
        # array quotes all its thousands of values, and the message goes
        # into the refused file's log
        detail = (str(error).strip().splitlines() or [
                type(error).__name__])[0]
        if len(detail) > DETAIL_LENGTH:
            detail = detail[:DETAIL_LENGTH] + '...'
        raise PostError(refused.replace(_ERROR_SLOT, detail)) from error


def allocated_ids(table, count):
    """count new ids of table from its sequence, in order, on PostgreSQL
    (None elsewhere): rows written with their ids need no query to find
    them back, which waited for every write before it"""
    transaction = Transaction()
    if backend.name != 'postgresql':
        return None
    if not count:
        return []
    ids = transaction.database.nextid(
        transaction.connection, table._name, count=count)
    if isinstance(ids, int):  # of one
        ids = [ids]
    return ids


def after_bulk_create(Model, ids, hooks=True, records=None, size=SLICE):
    """What ModelStorage._after_create does once the rows exist, but the
    per-record validation the caller has made for the whole batch; without
    hooks, the triggers only (a move line's own hooks check what post_move
    did). records: the records of ids, holding values already known;
    size: how many records a call of the hooks gets"""
    Trigger = Pool().get('ir.trigger')
    if records is None:
        records = Model.browse(ids)
    with without_check_access():
        triggers = Trigger.get_triggers(Model.__name__, 'create')
        if hooks or triggers:
            for records in slices(records, size):
                if hooks:
                    Model.on_modification('create', records)
                for trigger in triggers:
                    trigger.queue_trigger_action(records)
    Transaction().create_records[Model.__name__].extend(ids)


def forget_cached(*models):
    "The transaction's caches of the models' records are stale now"
    transaction = Transaction()
    transaction.counter += 1
    for cache in transaction.cache.values():
        for name in models:
            if name in cache:
                cache[name].clear()


def post_move(company, journal, date, description, lines, origin=None):
    """Create and post one move of lines (unsaved account.move.line
    records, or dicts with account, party, debit, credit, origin and
    optionally description and maturity_date); returns the move"""
    pool = Pool()
    Move = pool.get('account.move')
    MoveLine = pool.get('account.move.line')
    Account = pool.get('account.account')
    Period = pool.get('account.period')
    rows = [_row(line) for line in lines]
    if not rows:
        return None
    period = Period.find(company, date=date)
    currency = company.currency
    check_rows(rows, currency)
    check_accounts(Account.browse(list({r['account'] for r in rows})),
        rows, company, date)
    check_origins(MoveLine, rows)
    MoveLine.check_journal_period_modify(period, journal)
    # as the ORM's create would, when the call comes from a user
    pool.get('ir.model.access').check(MoveLine.__name__, 'create')
    move, = Move.create([{
                'company': company.id,
                'journal': journal.id,
                'period': period.id,
                'date': date,
                'description': description,
                'origin': _as_reference(origin),
                }])
    _insert_lines(MoveLine, move, rows)
    Move.post([move])
    return move


def line_row(account_id, amount, origin=None, party_id=None):
    """A row for post_move: amount on the account (ids), a debit when
    positive, a credit when negative"""
    return {'account': account_id, 'party': party_id,
        'origin': _as_reference(origin),
        'debit': amount if amount > 0 else ZERO,
        'credit': -amount if amount < 0 else ZERO}


def merge_rows(rows, apart=()):
    """The rows (line_row's) with those on the same account, party and
    origin and on the same side added up into one, in the order of their
    first: a remittance pays and writes off each claim line on its payer
    receivable and takes each answer's payment into clearing line by line;
    one line each says the same to the ledger, its balances and the
    reconciliations, and a third fewer lines are written and reconciled.
    The rows whose origin is in apart stay as they are (a remittance's
    provider-level adjustments: a forwarding balance is paired with its
    opposite in a later remittance, line with line)"""
    merged = {}
    for index, row in enumerate(rows):
        key = (row['account'], row['party'], row['origin'],
            bool(row['debit']))
        if row['origin'] in apart:
            key = (index,)
        if key in merged:
            into = merged[key]
            into['debit'] += row['debit']
            into['credit'] += row['credit']
        else:
            merged[key] = dict(row)
    return list(merged.values())


def _row(line):
    get = line.get if isinstance(line, dict) else (
        lambda name, default=None: getattr(line, name, default))
    return {
        'account': _as_id(get('account')),
        'party': _as_id(get('party')),
        'debit': Decimal(get('debit') or 0),
        'credit': Decimal(get('credit') or 0),
        'origin': _as_reference(get('origin')),
        'description': get('description'),
        'maturity_date': get('maturity_date'),
        }


def check_rows(rows, currency):
    "The amounts as Tryton's line domains and digits want them, balanced"
    exponent = Decimal(10) ** -currency.digits
    balance = ZERO
    for row in rows:
        debit, credit = row['debit'], row['credit']
        for amount in (debit, credit):
            if amount.quantize(exponent) != amount:
                raise PostError(gettext(
                        'therapy_billing.msg_bulk_line_digits',
                        amount=amount, digits=currency.digits))
        if debit and credit:
            raise PostError(gettext(
                    'therapy_billing.msg_bulk_line_debit_credit',
                    debit=debit, credit=credit))
        balance += debit - credit
    if not currency.is_zero(balance):
        raise PostError(gettext('therapy_billing.msg_bulk_move_unbalanced',
                balance=balance))


def check_accounts(accounts, rows, company, date):
    "What the line's account domain and check_account ask, per account"
    by_id = {a.id: a for a in accounts}
    for account in accounts:
        if (account.company != company or not account.type
                or account.closed
                or (account.start_date and account.start_date > date)
                or (account.end_date and account.end_date < date)):
            raise AccessError(gettext('account.msg_line_closed_account',
                    account=account.rec_name))
        if account.second_currency:
            raise PostError(gettext(
                    'therapy_billing.msg_bulk_second_currency',
                    account=account.rec_name))
    seen = set()
    for row in rows:
        key = (row['account'], bool(row['party']))
        if key in seen:
            continue
        seen.add(key)
        account = by_id[row['account']]
        if bool(row['party']) != bool(account.party_required):
            error = 'party_set' if row['party'] else 'party_required'
            raise AccessError(gettext('account.msg_line_%s' % error,
                    account=account.rec_name,
                    line=row['description'] or row['debit'] - row['credit']))


def check_origins(MoveLine, rows):
    # the models get_origin offers, without the names it looks up for
    # each (ir.model's translations: ~55 ms whenever their cache is cold)
    allowed = set(MoveLine._get_origin())
    for model in {r['origin'].split(',', 1)[0] for r in rows
            if r['origin']}:
        if model not in allowed:
            raise PostError(gettext('therapy_billing.msg_bulk_line_origin',
                    model=model))


def line_columns(MoveLine):
    """The columns a bulk insert of move lines writes, and a function of
    (move id, row) giving a line's values in that order (account_payment's
    columns from the row when it has them, else their defaults); the rows
    of one move must balance (check_rows)"""
    transaction = Transaction()
    table = MoveLine.__table__()
    defaults = MoveLine.default_get([name for name in PAYMENT_DEFAULTS
            if name in MoveLine._fields], with_rec_name=False)
    extra = list(defaults)
    columns = [table.move, table.account, table.party, table.debit,
        table.credit, table.origin, table.description, table.maturity_date,
        table.state, table.create_uid, table.create_date] + [
        getattr(table, name) for name in extra]

    # one expression for every row: made for each, it was a twentieth of
    # a posting
    now = CurrentTimestamp()

    # valid: the callers check each move balanced (check_rows) before its
    # lines go in, as Move.validate_move would find it; an UPDATE of every
    # line to say so was a tenth of PostgreSQL's work in a posting
    def values(move, r):
        return [move, r['account'], r['party'], r['debit'], r['credit'],
            r['origin'], r['description'], r['maturity_date'], 'valid',
            transaction.user, now] + [
            defaults[n] if r.get(n) is None else r[n] for n in extra]
    return table, columns, values


def insert_rows(table, columns, rows, ids=None):
    """INSERT rows (lists of values in columns' order) into table, each
    with its id of ids when given (allocated_ids). A value
    may be an SQL expression (CURRENT_TIMESTAMP). On PostgreSQL each
    column's values go as one array (unnest_rows); elsewhere the statement
    runs once for every row (executemany). Why not one INSERT of many
    VALUES: psycopg parses a query for its placeholders each time it is
    run unless it is short, and for a slice of 500 ledger lines that costs
    more than PostgreSQL's work"""
    cursor = Transaction().connection.cursor()
    if ids is not None:
        columns = [table.id] + columns
        rows = [[i] + list(r) for i, r in zip(ids, rows)]

    def apart(same):
        for chunk in slices(same, INSERT_SLICE):
            cursor.execute(*table.insert(columns, chunk))
    if backend.name == 'postgresql':
        rows = unnest_rows(table, columns, rows, False)
    _per_row(lambda row: table.insert(columns, [row]), rows, apart)


def update_rows(table, columns, rows):
    """UPDATE columns of table's rows: each row the values in columns'
    order, then the id (an id once). As insert_rows: arrays on
    PostgreSQL, else the statement once for every row; one UPDATE of a
    CASE per column for 500 rows was longer still to parse, and
    PostgreSQL compared every id with every case"""
    cursor = Transaction().connection.cursor()

    def update(row):
        return table.update(columns, row[:-1], where=table.id == row[-1])

    def apart(same):
        for row in same:
            cursor.execute(*update(row))
    if backend.name == 'postgresql':
        rows = unnest_rows(table, columns, rows, True)
    _per_row(update, rows, apart)


def unnest_rows(table, columns, rows, update):
    """Write rows in one statement a slice on PostgreSQL, each column's
    values an array the server unnests (INSERT .. SELECT FROM unnest, or
    UPDATE .. FROM unnest joined by id): half the server's work of a
    statement per row, and a short query. Returns the rows it could not
    write so (a column of values of mixed kinds, an expression with
    parameters) for the caller to write row by row"""
    cursor = Transaction().connection.cursor()
    names = [c.name for c in columns] + (['id'] if update else [])
    types = _column_types(table, names)
    shapes, left = defaultdict(list), []
    # the rows share their expressions (one CURRENT_TIMESTAMP): each
    # written as SQL once
    written = {}

    def sql(value):
        if id(value) not in written:
            written[id(value)] = (str(value), value)
        return written[id(value)][0]
    for row in rows:
        shapes[tuple(sql(v) if isinstance(v, Expression) else None
                for v in row)].append(row)
    for shape, same in shapes.items():
        places = [i for i, sql in enumerate(shape) if sql is None]
        kinds = [{type(r[i]) for r in same} - {type(None)} for i in places]
        if (any(len(k) > 1 for k in kinds) or not places
                or any(same[0][i].params for i, sql in enumerate(shape)
                    if sql is not None)):
            left += same
            continue
        aliases = {i: f'c{i}' for i in places}
        unnest = 'unnest(%s) AS v(%s)' % (
            ', '.join(f'%s::{types[names[i]]}[]' for i in places),
            ', '.join(aliases.values()))
        value = [shape[i] or f'v.{aliases[i]}' for i in range(len(columns))]
        if update:
            query = 'UPDATE %s AS a SET %s FROM %s WHERE a.id = v.%s' % (
                _quote(table._name), ', '.join(f'{_quote(n)} = {v}'
                    for n, v in zip(names, value)), unnest,
                aliases[len(columns)])
            # an id once: the last row of it, as one UPDATE a row would
            same = list({r[-1]: r for r in same}.values())
        else:
            query = 'INSERT INTO %s (%s) SELECT %s FROM %s' % (
                _quote(table._name), ', '.join(map(_quote, names)),
                ', '.join(value), unnest)
        for chunk in slices(same, UNNEST_SLICE):
            cursor.execute(query, [array_text([r[i] for r in chunk], kind)
                    for i, kind in zip(places, kinds)])
    return left


def _quoted(text):
    return '"%s"' % text.replace('\\', '\\\\').replace('"', '\\"')


# the text form of a value in a PostgreSQL array literal, by its type
_ARRAY_ITEM = {
    int: str,
    Decimal: str,
    bool: lambda v: 't' if v else 'f',
    str: _quoted,
    dt.date: dt.date.isoformat,
    dt.datetime: lambda v: _quoted(v.isoformat(' ')),
    }


def array_text(values, kinds):
    """values (of the types kinds, and None) as a PostgreSQL array in its
    text form, for a parameter the query casts: the driver's list dumper
    looks each value's adapter up and was a twentieth of a remittance's
    import (bench/README.md); values of another type go as the list"""
    if len(kinds) != 1:
        return values
    text = _ARRAY_ITEM.get(next(iter(kinds)))
    if text is None:
        return values
    if None in values:
        items = ['NULL' if v is None else text(v) for v in values]
    else:
        items = map(text, values)
    return '{%s}' % ','.join(items)


def _per_row(statement, rows, apart):
    """Run statement(row) for each row with executemany, rows grouped by
    where they hold SQL expressions; apart(rows) runs those whose
    parameters python-sql did not make in the row's order"""
    cursor = Transaction().connection.cursor()
    shapes = defaultdict(list)
    for row in rows:
        shapes[tuple(isinstance(v, Expression) for v in row)].append(row)
    for shape, same in shapes.items():
        query, params = tuple(statement(same[0]))
        places = [i for i, sql in enumerate(shape) if not sql]
        if [same[0][i] for i in places] != list(params):
            apart(same)
            continue
        cursor.executemany(query, [[r[i] for i in places] for r in same])


def _quote(name):
    return '"%s"' % name.replace('"', '""')


# {table name: {column: its PostgreSQL type}}: a read of the catalog
# before each bulk write waited for the writes before it, and so kept the
# server's work of a posting from running under its Python. Tryton's
# cache: per database, and cleared when the modules are updated (which
# may change a column's type); a column added since is read again
_column_types_cache = Cache('therapy_billing.column_types', context=False)


def _column_types(table, names):
    "{column: its PostgreSQL type} of table, knowing the columns names"
    types = _column_types_cache.get(table._name)
    if types is None or not types.keys() >= set(names):
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT attname, atttypid::regtype::text '
            'FROM pg_attribute WHERE attrelid = %s::regclass '
            'AND attnum > 0 AND NOT attisdropped', [_quote(table._name)])
        types = dict(cursor)
        _column_types_cache.set(table._name, types)
    return types


def _insert_lines(MoveLine, move, rows):
    cursor = Transaction().connection.cursor()
    table, columns, values = line_columns(MoveLine)
    ids = allocated_ids(table, len(rows))
    insert_rows(table, columns, [values(move.id, r) for r in rows], ids=ids)
    if ids is None:
        cursor.execute(*table.select(table.id,
                where=table.move == move.id))
        ids = [i for i, in cursor]
    forget_cached(MoveLine.__name__)
    after_bulk_create(MoveLine, ids, hooks=False)
    return ids


def reconcile(groups):
    """Reconcile each group of move line ids together, as
    MoveLine.reconcile does without a write-off: every group balanced, on
    one reconcilable account and one party, of valid lines not reconciled
    yet. Returns the reconciliation ids"""
    pool = Pool()
    MoveLine = pool.get('account.move.line')
    Move = pool.get('account.move')
    Account = pool.get('account.account')
    Reconciliation = pool.get('account.move.reconciliation')
    Configuration = pool.get('account.configuration')
    groups = [sorted(set(g)) for g in groups if g]
    if not groups:
        return []
    counted = defaultdict(int)
    for group in groups:
        for id_ in group:
            counted[id_] += 1
    twice = [i for i, n in counted.items() if n > 1]
    if twice:
        raise ReconciliationError(gettext(
                'therapy_billing.msg_bulk_reconcile_twice',
                line=MoveLine(twice[0]).rec_name))
    pool.get('ir.model.access').check(Reconciliation.__name__, 'create')
    transaction = Transaction()
    now = CurrentTimestamp()
    cursor = transaction.connection.cursor()
    line = MoveLine.__table__()
    move = Move.__table__()
    rows = {}
    for sub_ids in slices([i for g in groups for i in g]):
        cursor.execute(*line.join(move, condition=line.move == move.id
                ).select(line.id, line.account, line.party, line.debit,
                line.credit, line.state, line.reconciliation, move.date,
                move.company, line.move,
                where=SQL_OPERATORS['in'](line.id, sub_ids)))
        for row in cursor:
            rows[row[0]] = row
    accounts = {a.id: a for a in Account.browse(
            list({r[1] for r in rows.values()}))}
    # (company id, reconcile, currency) of each account, read once: a
    # remittance reconciles thousands of groups on a few accounts
    facts = {i: (a.company.id, a.reconcile, a.company.currency)
        for i, a in accounts.items()}
    values, numbers_for = [], defaultdict(list)
    for group in groups:
        lines = [rows[i] for i in group]
        first = lines[0]
        company, reconcilable, currency = facts[first[1]]
        for (id_, account, party, debit, credit, state, reconciled, _,
                company_id, _) in lines:
            if reconciled:
                raise AccessError(gettext(
                        'account.msg_line_already_reconciled',
                        line=MoveLine(id_).rec_name))
            if state != 'valid':
                raise ReconciliationError(gettext(
                        'account.msg_reconciliation_line_not_valid',
                        line=MoveLine(id_).rec_name))
            if (account != first[1] or party != first[2]
                    or company_id != company):
                raise ReconciliationError(gettext(
                        'therapy_billing.msg_bulk_reconcile_mixed',
                        line=MoveLine(id_).rec_name))
        if not reconcilable:
            raise ReconciliationError(gettext(
                    'account.msg_reconciliation_account_not_reconcile',
                    line=MoveLine(first[0]).rec_name,
                    account=accounts[first[1]].rec_name))
        balance = sum((r[3] - r[4] for r in lines), ZERO)
        if not currency.is_zero(balance):
            raise ReconciliationError(gettext(
                    'therapy_billing.msg_bulk_reconcile_unbalanced',
                    line=MoveLine(first[0]).rec_name, balance=balance))
        values.append([company, max(r[7] for r in lines), group])
        numbers_for[company].append(values[-1])
    for company, entries in numbers_for.items():
        sequence = Configuration(1).get_multivalue(
            'reconciliation_sequence', company=company)
        if not sequence:
            raise ReconciliationError(gettext(
                    'therapy_billing.msg_bulk_reconcile_sequence'))
        for entry, number in zip(entries, sequence.get_many(len(entries))):
            entry.append(number)
    table = Reconciliation.__table__()
    # read before the writes: the new reconciliations delegate to none
    delegated = _delegated([i for g in groups for i in g])
    # on PostgreSQL the rows go in with their ids, and the writes run on
    # while the records for the hooks are made
    ids = allocated_ids(table, len(values))
    # the sequence's numbers are new, and the ids too: nothing to check
    # as _insert_numbered checks what it finds back
    if ids is not None:
        reconciled_groups = []
        for chunk in slices(list(zip(ids, values)), INSERT_SLICE):
            insert_rows(table,
                [table.company, table.date, table.number, table.create_uid,
                    table.create_date],
                [[company, date, number, transaction.user, now]
                    for _, (company, date, _, number) in chunk],
                ids=[i for i, _ in chunk])
            update_rows(line,
                [line.reconciliation, line.write_uid, line.write_date],
                [[id_, transaction.user, now, i]
                    for id_, (_, _, group, _) in chunk for i in group])
            reconciled_groups += [(id_, group)
                for id_, (_, _, group, _) in chunk]
    else:
        reconciled_groups = _insert_numbered(table, line, values, now)
    forget_cached(MoveLine.__name__, Reconciliation.__name__)
    ids = [i for i, _ in reconciled_groups]
    after_bulk_create(Reconciliation, ids, records=_reconciliations_read(
            reconciled_groups, rows, delegated),
        size=(RECONCILIATION_HOOK_SLICE
            if transaction.database.has_array() else SLICE))
    return ids


def _insert_numbered(table, line, values, now):
    """Insert the reconciliations of values [company, date, group, number]
    and set them on their groups' lines, finding the new rows back by
    their numbers (RETURNING is not there on every backend); [(id,
    group)]"""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    cursor.execute(*table.select(Max(table.id)))
    newer_than, = cursor.fetchone()
    newer_than = newer_than or 0
    reconciled_groups = []
    for chunk in slices(values, INSERT_SLICE):
        numbers = {(company, number): group
            for company, _, group, number in chunk}
        cursor.execute(*table.insert(
                [table.company, table.date, table.number, table.create_uid,
                    table.create_date],
                [[company, date, number, transaction.user, now]
                    for company, date, _, number in chunk]))
        cursor.execute(*table.select(table.id, table.company, table.number,
                where=SQL_OPERATORS['in'](
                    table.number, [n for _, n in numbers])
                & SQL_OPERATORS['in'](
                    table.company, list({c[0] for c in chunk}))
                & (table.id > newer_than)))
        reconciled = [(id_, numbers.pop((company, number)))
            for id_, company, number in cursor.fetchall()]
        reconciled_groups += reconciled
        update_rows(line,
            [line.reconciliation, line.write_uid, line.write_date],
            [[id_, transaction.user, now, i]
                for id_, group in reconciled for i in group])
        if numbers:
            raise ReconciliationError(gettext(
                    'therapy_billing.msg_bulk_reconcile_number_used'))
    return reconciled_groups


def _delegated(line_ids):
    "{move line id: [the ids of the reconciliations delegated to it]}"
    Reconciliation = Pool().get('account.move.reconciliation')
    table = Reconciliation.__table__()
    cursor = Transaction().connection.cursor()
    delegated = defaultdict(list)
    for sub_ids in slices(line_ids):
        cursor.execute(*table.select(table.delegate_to, table.id,
                where=SQL_OPERATORS['in'](table.delegate_to, sub_ids)))
        for line_id, id_ in cursor:
            delegated[line_id].append(id_)
    return delegated


def _reconciliations_read(reconciled, rows, delegated):
    """The new reconciliations as records that hold what the modules'
    hooks read of them (account_invoice's invoices to mark paid: each
    one's lines, their moves and the reconciliations delegated to them),
    from the rows reconcile read: else each hook reads every line's eager
    fields through the ORM, a tenth of a remittance's posting"""
    pool = Pool()
    Reconciliation = pool.get('account.move.reconciliation')
    MoveLine = pool.get('account.move.line')
    Move = pool.get('account.move')
    line_ids = [i for _, group in reconciled for i in group]
    lines = dict(zip(line_ids, MoveLine.browse(line_ids)))
    # the moves as records of one browse: an id set on a Many2One makes a
    # record with a cache of its own, each line's
    move_ids = list({rows[i][9] for i in line_ids})
    moves = dict(zip(move_ids, Move.browse(move_ids)))
    records = Reconciliation.browse([i for i, _ in reconciled])
    reconciliation_of = {i: record
        for record, (_, group) in zip(records, reconciled) for i in group}
    # the values set as one record of values, where the fields' setters
    # look their target models up and check each value's class (for tens
    # of thousands of lines); no reconciliation delegated to most, and
    # One2Many's setter would make a record cache for each empty list
    values = MoveLine._record
    for line_id, line in lines.items():
        line._values = values(move=moves[rows[line_id][9]],
            reconciliation=reconciliation_of[line_id],
            reconciliations_delegated=())
        if delegated[line_id]:
            line.reconciliations_delegated = delegated[line_id]
    lines_field = Reconciliation._fields['lines']
    for record, (_, group) in zip(records, reconciled):
        Field.__set__(lines_field, record, tuple(lines[i] for i in group))
    return records
