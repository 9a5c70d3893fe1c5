"""The PHI access audit (SECURITY.md §5): an append-only, hash-chained log
of who read, searched, exported, printed or changed what, and of logins.

Events are appended by `Event.log` with plain SQL under the chain's lock
(an advisory lock on PostgreSQL, the write lock on SQLite), each linked
to the one before by `chain.link`. Nothing else writes the table: the ORM
refuses create, write and delete; on PostgreSQL the application role loses
UPDATE, DELETE and TRUNCATE on it and triggers refuse them besides, and on
SQLite triggers do. `Event.verify` (a nightly scheduled action) walks the
chain and records what it found.

Reads run on read-only transactions: their events are appended on a
writable transaction of their own, so they persist though the read's
transaction writes nothing (on PostgreSQL in one round trip: the database
function therapy_audit_append does the append's steps). A refusal (access.denied) is appended once
the refused call's transaction has rolled back. When an event cannot be
appended, the action is refused (`[caseload] audit_fail_closed`, true by default).

Events name categories and identifiers, never values: field names, ids,
counts; no note text, answers, passwords, codes or session keys."""
import copy
import datetime as dt
import hashlib
import json
import logging
from functools import wraps

from trytond import backend
from trytond import config
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import chain
from .request import REQUEST_ID
from .savepoint import savepoint

logger = logging.getLogger(__name__)

# the chain's advisory lock on PostgreSQL (any constant of our own)
CHAIN_LOCK = 0x7468_6175  # "thau"
# ids kept on one event; a bigger result keeps its count and the first ids
MAX_IDS = 1000

ACTIONS = [
    ('C', "Create"),
    ('R', "Read"),
    ('U', "Update"),
    ('D', "Delete"),
    ('E', "Execute"),
    ]
OUTCOMES = [
    ('0', "Success"),
    ('4', "Minor Failure"),
    ('8', "Serious Failure"),
    ('12', "Major Failure"),
    ]
ACTOR_KINDS = [
    ('staff', "Staff"),
    ('portal', "Portal"),
    ('service', "Service"),
    ('system', "System"),
    ]


def fail_closed():
    return config.getboolean('caseload', 'audit_fail_closed', default=True)


def session_hash(key):
    "What the log keeps of a session key: its hash, never the key"
    return hashlib.sha256(key.encode('utf-8')).hexdigest()


def id_list(ids):
    "',1,2,' (so that ',2,' finds exactly the 2)"
    return ',' + ','.join(str(int(i)) for i in ids) + ',' if ids else None


def begin_writing(connection):
    """On SQLite, the write lock before the chain's head is read: two
    writers must not link to the same event (a transaction that has
    written holds it already)"""
    if backend.name == 'sqlite' and not connection.in_transaction:
        connection.cursor().execute('BEGIN IMMEDIATE')


def read_committed(connection):
    """A writer of its own reads the chain's head as last committed: on
    PostgreSQL, Tryton's repeatable read keeps the snapshot of the first
    statement, which the wait for the chain's lock comes after"""
    if backend.name == 'postgresql':
        connection.cursor().execute(
            'SET TRANSACTION ISOLATION LEVEL READ COMMITTED')


def locks_held(connection, table):
    """(chain, table) on PostgreSQL: whether this transaction holds the
    chain's lock (it has appended events already) and whether it has
    altered table (an exclusive lock, not committed)"""
    cursor = connection.cursor()
    cursor.execute("SELECT "
        "COALESCE(bool_or(locktype = 'advisory' AND classid = 0 "
            "AND objid = %s AND objsubid = 1), false), "
        "COALESCE(bool_or(locktype = 'relation' "
            "AND relation = %s::regclass "
            "AND mode = 'AccessExclusiveLock'), false) "
        "FROM pg_locks WHERE pid = pg_backend_pid() AND granted",
        (CHAIN_LOCK, f'"{table}"'))
    return tuple(cursor.fetchone())


# the columns an append writes besides its position and hashes
EVENT_COLUMNS = ['create_uid', 'create_date',
    *(f for f in chain.FIELDS if f != 'seq')]


def event_row(event, user):
    "EVENT_COLUMNS' values for event, appended by user"
    return {'create_uid': user or 0, 'create_date': event['occurred_at'],
        **{f: event.get(f) for f in EVENT_COLUMNS[2:]}}


def append_function(table):
    """therapy_audit_append(lock, before, after, event): Event._append's
    steps in the database, for a transaction of its own at read committed
    (each statement of the function then sees what was committed before
    it, the head included once the lock is granted). before and after are
    chain.canonical_around_seq's halves, event the row as JSON."""
    columns = EVENT_COLUMNS
    return (
        'CREATE OR REPLACE FUNCTION therapy_audit_append('
        'lock_key bigint, before bytea, after bytea, event jsonb) '
        'RETURNS integer LANGUAGE plpgsql AS $$ '
        'DECLARE next_seq integer; head_hash varchar; BEGIN '
        "IF current_setting('transaction_isolation') <> 'read committed' "
        "THEN RAISE EXCEPTION 'therapy_audit_append needs read committed'; "
        'END IF; '
        'PERFORM pg_advisory_xact_lock(lock_key); '
        f'SELECT seq, row_hash INTO next_seq, head_hash FROM "{table}" '
        'ORDER BY seq DESC LIMIT 1; '
        'next_seq := COALESCE(next_seq, 0) + 1; '
        f"head_hash := COALESCE(head_hash, '{chain.GENESIS}'); "
        f'INSERT INTO "{table}" (seq, prev_hash, row_hash, '
        + ', '.join(f'"{c}"' for c in columns) + ') '
        'SELECT next_seq, head_hash, '
        "encode(sha256(convert_to(head_hash, 'UTF8') || before "
        "|| convert_to(next_seq::text, 'UTF8') || after), 'hex'), "
        + ', '.join(f'r."{c}"' for c in columns)
        + f' FROM jsonb_populate_record(NULL::"{table}", event) AS r; '
        'RETURN next_seq; END $$')


class AuditUnavailable(AccessError):
    pass


class Event(ModelSQL, ModelView):
    "Audit Event"
    __name__ = 'therapy.audit.event'
    _order = [('seq', 'DESC')]
    _rec_name = 'event_code'

    seq = fields.Integer("Position", readonly=True,
        help="The event's place in the chain.")
    occurred_at = fields.DateTime("Occurred At", readonly=True,
        help="Stored in UTC; shown in the user's time zone.")
    event_code = fields.Char("Event", readonly=True)
    action = fields.Selection(ACTIONS, "Action", readonly=True)
    outcome = fields.Selection(OUTCOMES, "Outcome", readonly=True)
    actor_kind = fields.Selection(ACTOR_KINDS, "Actor Kind", readonly=True)
    actor_user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='RESTRICT')
    actor_web_user = fields.Integer("Portal User", readonly=True)
    actor_login = fields.Char("Login", readonly=True)
    actor_groups = fields.Char("Groups", readonly=True,
        help="The ids of the user's groups at the time.")
    session_hash = fields.Char("Session Hash", readonly=True)
    source_ip = fields.Char("Source IP", readonly=True)
    request_id = fields.Char("Request Id", readonly=True,
        help="The id the proxy and the server logged the request under.")
    channel = fields.Char("Channel", readonly=True)
    rpc_method = fields.Char("Method", readonly=True)
    client_ids = fields.Char("Client Ids", readonly=True)
    resource_model = fields.Char("Model", readonly=True)
    resource_ids = fields.Text("Record Ids", readonly=True)
    record_count = fields.Integer("Records", readonly=True)
    data_category = fields.Char("Data Category", readonly=True)
    field_names = fields.Text("Fields", readonly=True)
    emergency = fields.Boolean("Emergency Access", readonly=True)
    reason = fields.Text("Reason", readonly=True)
    detail = fields.Text("Detail", readonly=True)
    prev_hash = fields.Char("Previous Hash", readonly=True)
    row_hash = fields.Char("Hash", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('seq_unique', Unique(t, t.seq),
                'therapy_audit.msg_event_seq_unique'),
            ]
        cls._sql_indexes.update({
                # the head's lookup at every append (the unique constraint
                # is an index too where the database could add it)
                Index(t, (t.seq, Index.Range())),
                Index(t, (t.occurred_at, Index.Range())),
                Index(t, (t.actor_user, Index.Equality()),
                    (t.occurred_at, Index.Range())),
                Index(t, (t.event_code, Index.Equality()),
                    (t.occurred_at, Index.Range())),
                })

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        # exporting the log is a sensitive action: right after a login
        for name in ['export_data', 'export_data_domain']:
            rpc = copy.copy(cls.__rpc__[name])
            rpc.fresh_session = True
            cls.__rpc__[name] = rpc

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        cls.guard()

    @classmethod
    def guard(cls):
        """The database's own refusal of UPDATE, DELETE (and TRUNCATE) on
        the table, besides the ORM's"""
        cursor = Transaction().connection.cursor()
        table = cls._table
        if backend.name == 'postgresql':
            cursor.execute(
                'CREATE OR REPLACE FUNCTION therapy_audit_refuse() '
                'RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
                "RAISE EXCEPTION 'the audit log is append-only'; END $$")
            for name, when, each in [
                    ('append_only', 'UPDATE OR DELETE', 'ROW'),
                    ('no_truncate', 'TRUNCATE', 'STATEMENT')]:
                cursor.execute(
                    f'DROP TRIGGER IF EXISTS {table}_{name} ON "{table}"')
                cursor.execute(
                    f'CREATE TRIGGER {table}_{name} BEFORE {when} '
                    f'ON "{table}" FOR EACH {each} '
                    'EXECUTE FUNCTION therapy_audit_refuse()')
            cursor.execute(
                f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" '
                'FROM CURRENT_USER')
            cursor.execute(append_function(table))
        elif backend.name == 'sqlite':
            for name, when in [('no_update', 'UPDATE'),
                    ('no_delete', 'DELETE')]:
                cursor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS {table}_{name} '
                    f'BEFORE {when} ON "{table}" BEGIN '
                    "SELECT RAISE(ABORT, 'the audit log is append-only'); "
                    'END')

    @classmethod
    def create(cls, vlist):
        raise AccessError(gettext('therapy_audit.msg_event_append_only'))

    @classmethod
    def write(cls, *args):
        raise AccessError(gettext('therapy_audit.msg_event_append_only'))

    @classmethod
    def delete(cls, events):
        raise AccessError(gettext('therapy_audit.msg_event_append_only'))

    @classmethod
    def read(cls, ids, fields_names):
        result = super().read(ids, fields_names)
        if cls._audit_by_rpc():
            cls.log('audit.view', 'R', model=cls.__name__, ids=ids,
                field_names=fields_names)
        return result

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        rows = super().export_data(records, fields_names, header=header)
        cls.log('audit.export', 'R', model=cls.__name__,
            ids=[r.id for r in records], field_names=fields_names)
        return rows

    @staticmethod
    def _audit_by_rpc():
        transaction = Transaction()
        return bool(transaction.user and transaction.check_access
            and transaction.context.get('_request'))

    # writing

    @classmethod
    def actor(cls):
        "Who the current transaction acts for, as event fields"
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
        user_id = transaction.user
        request = transaction.context.get('_request') or {}
        values = {
            'source_ip': request.get('remote_addr'),
            'request_id': REQUEST_ID.get() if request else None,
            'channel': transaction.context.get('_audit_channel') or (
                'rpc' if request else 'system'),
            }
        if user_id:
            # as a row: every audited call asks, and the user's record
            # search cost about 3% of the server's time in the load test
            user = User.__table__()
            cursor = transaction.connection.cursor()
            cursor.execute(*user.select(user.login,
                    where=user.id == user_id, limit=1))
            login, = cursor.fetchone() or (None,)
            values.update({
                    'actor_kind': 'staff',
                    'actor_user': user_id,
                    'actor_login': login,
                    'actor_groups': ','.join(
                        map(str, User.get_groups())),
                    })
        else:
            values.update({
                    'actor_kind': 'system',
                    'actor_login': transaction.context.get(
                        '_audit_login', 'system'),
                    })
        session = transaction.context.get('_audit_session')
        if session:
            values['session_hash'] = session_hash(session)
        elif request.get('session_hash'):
            values['session_hash'] = request['session_hash']
        return values

    @classmethod
    def log(cls, event_code, action, *, outcome='0', model=None, ids=None,
            count=None, client_ids=None, field_names=None, category=None,
            reason=None, detail=None, rpc_method=None, persist=False,
            **actor):
        """Append one event for the current transaction's user; refused
        (AuditUnavailable) when it cannot be written and the audit fails
        closed. A persisted event outlives the rollback of the current
        transaction (a refusal): written beside it, or after it when it
        holds the lock a writer of its own would wait for."""
        ids = [int(i) for i in ids or [] if i is not None]
        event = {
            'occurred_at': dt.datetime.utcnow().replace(microsecond=0),
            'event_code': event_code,
            'action': action,
            'outcome': outcome,
            'rpc_method': rpc_method,
            'resource_model': model,
            'resource_ids': ','.join(map(str, ids[:MAX_IDS])) or None,
            'record_count': count if count is not None else (
                len(ids) if ids or model else None),
            'client_ids': id_list(sorted(set(client_ids or []))),
            'field_names': ','.join(sorted(set(field_names)))
            if field_names else None,
            'data_category': category,
            'reason': reason,
            'detail': json.dumps(detail, sort_keys=True, default=str)
            if detail else None,
            'emergency': False,
            }
        event.update(cls.actor())
        event.update(actor)
        event['emergency'] = cls.in_emergency(event)
        cls.append([event], persist=persist)

    @classmethod
    def in_emergency(cls, event):
        "Whether event happens inside an emergency access (break-glass)"
        return False

    @classmethod
    def append(cls, events, persist=False):
        transaction = Transaction()
        try:
            if persist and not transaction.readonly and (
                    backend.name != 'postgresql'
                    or locks_held(transaction.connection, cls._table)[0]):
                # the event must outlive this transaction's rollback, and
                # a writer of its own would wait for this transaction's
                # lock (SQLite's write lock, or the chain's) forever:
                # append once this transaction has ended
                transaction.atexit(cls._append_after, events,
                    transaction.database.name, transaction.user)
            elif transaction.readonly or persist:
                cls._append_apart(events)
            else:
                cls._append_within(events)
        except Exception:
            logger.exception("audit event not written: %s",
                [e['event_code'] for e in events])
            if fail_closed():
                raise AuditUnavailable(
                    gettext('therapy_audit.msg_audit_unavailable'))

    @classmethod
    def _append_apart(cls, events):
        "Append in a transaction of its own, committed at once"
        if backend.name == 'postgresql':
            from psycopg.errors import UndefinedFunction
            try:
                cls._append_by_function(events)
                return
            except UndefinedFunction:
                # code newer than the database: reads stay audited (and
                # allowed) the slower way until the update creates it
                logger.warning("therapy_audit_append is missing: run "
                    "`caseload update`; appending through Tryton")
        with Transaction().new_transaction() as writer:
            read_committed(writer.connection)
            cls._append(events)
            writer.commit()

    @classmethod
    def _append_by_function(cls, events):
        """One round trip on a pooled connection of its own: the database's
        therapy_audit_append takes the chain's lock, reads the head as last
        committed, hashes and inserts, and the transaction commits in the
        same message. A Tryton transaction of its own took six round trips
        and held the lock across three, each a wait for the GIL when the
        worker's other threads compute (bench/README.md)."""
        from psycopg import ClientCursor
        from psycopg.pq import TransactionStatus

        transaction = Transaction()
        database = transaction.database
        calls, params = [], []
        for event in events:
            before, after = chain.canonical_around_seq(event)
            row = event_row(event, transaction.user)
            calls.append('SELECT therapy_audit_append(%s, %s, %s, %s)')
            params += [CHAIN_LOCK, before, after,
                json.dumps(row, default=str)]
        connection = database.get_connection(autocommit=True)
        try:
            ClientCursor(connection).execute(
                'BEGIN ISOLATION LEVEL READ COMMITTED; '
                + '; '.join(calls) + '; COMMIT', params)
        except Exception:
            if (connection.info.transaction_status
                    != TransactionStatus.IDLE):
                connection.execute('ROLLBACK')
            raise
        finally:
            database.put_connection(connection)

    @classmethod
    def _append_within(cls, events):
        "Append inside the action's transaction, committed with it"
        with savepoint('therapy_audit', forget=False):
            cls._append(events, within=True)

    @classmethod
    def _append_after(cls, events, database_name, user):
        try:
            with Transaction(new=True).start(database_name, user) as writer:
                read_committed(writer.connection)
                cls._append(events)
                writer.commit()
        except Exception:
            logger.exception("audit event not written: %s",
                [e['event_code'] for e in events])

    @classmethod
    def _append(cls, events, within=False):
        transaction = Transaction()
        connection = transaction.connection
        cursor = connection.cursor()
        table = cls.__table__()
        # the action's snapshot (repeatable read) may predate events
        # committed since: the first append of a transaction reads the
        # last committed head on a snapshot taken under the chain's lock;
        # later ones hold the lock since, so nobody appended in between
        read_committed_head = False
        if backend.name == 'postgresql':
            if within:
                has_chain, altered = locks_held(connection, cls._table)
                # (a transaction that altered the table would wait for
                # itself in that snapshot)
                read_committed_head = not has_chain and not altered
            cursor.execute('SELECT pg_advisory_xact_lock(%s)', (CHAIN_LOCK,))
        else:
            begin_writing(connection)
        seq, prev_hash = cls.head()
        if read_committed_head:
            with transaction.new_transaction(readonly=True) as reader:
                # a migration altering the table while it waits for the
                # chain's lock would wait for this one: give up instead
                reader.connection.cursor().execute(
                    "SET LOCAL lock_timeout = '10s'")
                committed = cls.head()
            seq, prev_hash = max((seq, prev_hash), committed)
        columns = ['seq', 'prev_hash', 'row_hash', *EVENT_COLUMNS]
        rows = []
        for event in events:
            seq += 1
            event['seq'] = seq
            event['prev_hash'] = prev_hash
            event['row_hash'] = prev_hash = chain.link(prev_hash, event)
            rows.append([seq, event['prev_hash'], prev_hash,
                    *event_row(event, transaction.user).values()])
        cursor.execute(*table.insert(
                [getattr(table, c) for c in columns], rows))

    # checking

    @classmethod
    def verify(cls, slice_size=2000):
        """Problems of the whole chain [(seq, problem)], read in slices by
        position"""
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        problems = []
        prev_hash, prev_seq = chain.GENESIS, 0
        names = ['id', 'prev_hash', 'row_hash', *chain.FIELDS]
        while True:
            cursor.execute(*table.select(
                    table.id, where=table.seq > prev_seq,
                    order_by=[table.seq.asc], limit=slice_size))
            ids = [i for i, in cursor]
            if not ids:
                break
            events = sorted(cls.read(ids, names), key=lambda e: e['seq'])
            problems += chain.verify(events, prev_hash, prev_seq)
            prev_hash, prev_seq = events[-1]['row_hash'], events[-1]['seq']
        return problems

    @classmethod
    def verify_chain(cls):
        "The scheduled check: an event for the result, loud when broken"
        problems = cls.verify()
        if problems:
            logger.error("audit chain broken: %s", problems[:20])
            cls.log('audit.verify.failed', 'E', outcome='12',
                count=len(problems),
                detail={'problems': [f'{s} {p}' for s, p in problems[:100]]})
        else:
            cls.log('audit.verify.ok', 'E')
        return problems

    @classmethod
    def head(cls):
        "(seq, row_hash) of the last event"
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        cursor.execute(*table.select(table.seq, table.row_hash,
                order_by=[table.seq.desc], limit=1))
        return cursor.fetchone() or (0, chain.GENESIS)


def audited(event_code, action, ids_of=None, fields_of=None,
        count_of=None):
    """An RPC decorator appending event_code for each call that returns:
    ids_of(args, result), fields_of(args) and count_of(args, result) say
    what the call touched"""
    def decorator(func):
        Model = func.__self__ if hasattr(func, '__self__') else None

        @wraps(func)
        def wrapper(*args, **kwargs):
            Event = Pool().get('therapy.audit.event')
            clients = None
            if action == 'D' and Model and ids_of:
                # gone after the call
                clients = Model.audit_client_ids(ids_of(args, None))
            try:
                result = func(*args, **kwargs)
            except AccessError:
                Event.log('access.denied', action, outcome='8',
                    model=Model.__name__ if Model else None,
                    rpc_method=f'model.{Model.__name__}.{func.__name__}'
                    if Model else func.__name__, persist=True)
                raise
            ids = ids_of(args, result) if ids_of else []
            Event.log(event_code, action,
                model=Model.__name__ if Model else None,
                ids=ids,
                count=count_of(args, result) if count_of else None,
                client_ids=clients if clients is not None
                else Model.audit_client_ids(ids, result if isinstance(
                        result, list) else None) if Model and ids else None,
                field_names=fields_of(args) if fields_of else None,
                category=getattr(Model, '_audit_category', None),
                rpc_method=f'model.{Model.__name__}.{func.__name__}'
                if Model else func.__name__)
            return result
        return wrapper
    return decorator

