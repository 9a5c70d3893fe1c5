"""Serve Caseload with gunicorn: Tryton's WSGI application in N worker
processes, behind small middlewares of ours (request id, /health, a
streamed answer written in blocks).

gunicorn runs in this process (``BaseApplication``), not as a child: the
`caseload serve` process *is* the gunicorn master, so SIGHUP (graceful
reload: new workers, old ones finish their requests), SIGTERM (graceful
stop) and SIGINT (quick stop) reach gunicorn's own handlers with nothing of
ours in between to forward or swallow them, and the resolved config files
(a temporary overlay) live exactly as long as the server.

The master never imports trytond: each worker reads the config, imports
``trytond.application`` and loads the database's pool itself. Database
pools and psycopg connections so never cross a fork, and a reload (HUP)
starts workers on the code as it is on disk now.
"""
import datetime as dt
import json
import logging
import os
import re
import sys
import threading
import uuid

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from werkzeug.http import parse_accept_header

from therapy_audit.request import REQUEST_ID as AUDIT_REQUEST_ID

from . import heap
from .settings import ConfigError

logger = logging.getLogger('caseload.server')

# gunicorn's advice for worker processes is (2 x cores) + 1. Each holds
# a whole Tryton pool (a few hundred MB) and its own database connections,
# so beyond 8 a host is better served by a second server behind the proxy.
MAX_DEFAULT_WORKERS = 8


def default_workers(backend):
    """On SQLite one worker: SQLite has a single writer lock, and several
    processes writing at once would wait on it and fail with 'database is
    locked'. On PostgreSQL gunicorn's (2 x cores) + 1, capped."""
    if backend == 'sqlite':
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return min(2 * cores + 1, MAX_DEFAULT_WORKERS)


# A well-formed request id from the proxy (nginx's $request_id is 32 hex
# digits, a UUID has dashes); anything else is replaced by our own.
REQUEST_ID = re.compile(r'[A-Za-z0-9][A-Za-z0-9._-]{7,63}')
REQUEST_ID_ENVIRON = 'caseload.request_id'


class RequestId:
    """Take the proxy's X-Request-Id when it is well formed or make one,
    give it to the application (environ) and return it to the client."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        given = environ.get('HTTP_X_REQUEST_ID', '')
        request_id = (given if REQUEST_ID.fullmatch(given)
            else uuid.uuid4().hex)
        environ[REQUEST_ID_ENVIRON] = environ['HTTP_X_REQUEST_ID'] = (
            request_id)
        # and to the audit events of the request (a worker thread serves
        # one request at a time)
        token = AUDIT_REQUEST_ID.set(request_id)

        def start(status, headers, exc_info=None):
            headers = [(name, value) for name, value in headers
                if name.lower() != 'x-request-id']
            headers.append(('X-Request-Id', request_id))
            return start_response(status, headers, exc_info)
        try:
            return self.app(environ, start)
        finally:
            AUDIT_REQUEST_ID.reset(token)


# a streamed answer's pieces are joined up to this size before gunicorn
# writes them
BLOCK_SIZE = 64 * 1024


class WholeBlocks:
    """Tryton 8 streams a JSON-RPC answer longer than 1,400 characters as
    its encoder's tokens, and gunicorn writes each piece of a body as it
    comes: an HTTP chunk and a socket write for every token, thousands for
    a day sheet, each followed by a wait for the GIL while the worker's
    other threads compute (a tenth of the workers' time at 50 sessions,
    bench/README.md). The pieces are written in blocks of BLOCK_SIZE.

    Tryton also labels such an answer gzip-encoded when the client did not
    accept gzip and nothing was compressed (trytond 8.0.12 jsonrpc): a
    client that honours the label failed to read it. The label goes when
    the request did not accept gzip, Tryton's own condition to compress."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        gzip_accepted = 'gzip' in parse_accept_header(
            environ.get('HTTP_ACCEPT_ENCODING'))
        streamed = []

        def start(status, headers, exc_info=None):
            names = {name.lower(): value for name, value in headers}
            if (not gzip_accepted
                    and names.get('content-encoding') == 'gzip'):
                headers = [(name, value) for name, value in headers
                    if name.lower() != 'content-encoding']
            streamed.append('content-length' not in names)
            return start_response(status, headers, exc_info)
        body = self.app(environ, start)
        file_wrapper = environ.get('wsgi.file_wrapper')
        if (streamed and streamed[-1] and not (
                    isinstance(file_wrapper, type)
                    and isinstance(body, file_wrapper))):
            return Blocks(body)
        return body


class Blocks:
    "A WSGI body's pieces joined into blocks of at least BLOCK_SIZE"

    def __init__(self, pieces):
        self.pieces = pieces

    def __iter__(self):
        block, size = [], 0
        for piece in self.pieces:
            block.append(piece)
            size += len(piece)
            if size >= BLOCK_SIZE:
                yield b''.join(block)
                block, size = [], 0
        if block:
            yield b''.join(block)

    def close(self):
        close = getattr(self.pieces, 'close', None)
        if close:
            close()


# Path segments that look like secrets: reminder and waitlist links end in
# a token (secrets.token_urlsafe(32), 43 characters), and other routes may
# carry keys. No file name of sao has 20 characters without a dot. The
# first segment is the database name in Tryton's routes: kept.
SECRET_SEGMENT = re.compile(r'[A-Za-z0-9_=-]{20,}')


def loggable_path(path):
    "The request path with token-like segments masked (no query string)"
    segments = (path or '/').split('/')
    return '/'.join(segments[:2] + [
            '<redacted>' if SECRET_SEGMENT.fullmatch(segment) else segment
            for segment in segments[2:]])


class AccessLogger(Logger):
    """gunicorn's logger with an access line that holds no PHI: method,
    path with tokens masked, status, size, duration and the request id;
    never the query string, a header or the body. The client address is
    left out too: behind the proxy it is the proxy's (Tryton applies
    [web] num_proxies itself), and the proxy logs the real one."""

    def atoms(self, resp, req, environ, request_time):
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, 'sent', None)
        if (not sent and getattr(resp, 'response_length', None)
                and environ.get('REQUEST_METHOD') != 'HEAD'):
            # gunicorn does not count what it sends with sendfile (sao's
            # static files): their length is the Content-Length sent
            sent = resp.response_length
        return {
            't': self.now(),
            'm': environ.get('REQUEST_METHOD', '-'),
            'U': loggable_path(environ.get('PATH_INFO')),
            's': status,
            'b': str(sent) if sent is not None else '-',
            'M': (request_time.seconds * 1000
                + request_time.microseconds // 1000),
            'rid': environ.get(REQUEST_ID_ENVIRON, '-'),
            }


ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms rid=%(rid)s'


HEALTH_DEFAULTS = {
    'health_cron': False,
    'health_cron_grace': 900,
    'health_queue_max_age': 600,
    'health_database_timeout': 5,
    }


def health_options(settings):
    "The [caseload] health_* options, checked before any worker starts"
    options = {}
    for name, default in HEALTH_DEFAULTS.items():
        text = (settings.get('caseload', name) or '').strip()
        if not text:
            options[name] = default
        elif isinstance(default, bool):
            if text.lower() not in BOOLEANS:
                raise ConfigError(
                    f"[caseload] {name} = {text} in {settings.path} is not "
                    "True or False.")
            options[name] = BOOLEANS[text.lower()]
        else:
            try:
                options[name] = int(text)
            except ValueError:
                options[name] = -1
            if options[name] < (1 if name.endswith('timeout') else 0):
                raise ConfigError(
                    f"[caseload] {name} = {text} in {settings.path} is not "
                    "a number of seconds.")
    return options


BOOLEANS = {'1': True, 'true': True, 'yes': True, 'on': True,
    '0': False, 'false': False, 'no': False, 'off': False}


class Health:
    """GET /health: is this server fit to take requests? JSON, no
    authentication, no PHI (counts, ages and cron method names only).

    A middleware in front of Tryton rather than a Tryton route: it answers
    even when the database's pool could not load, and it reads three tables
    with one short connection instead of starting a transaction, the ORM
    and the user context for a probe that runs every few seconds."""

    def __init__(self, app, database, options):
        self.app = app
        self.database = database
        self.cron_expected = options['health_cron']
        self.cron_grace = options['health_cron_grace']
        self.queue_max_age = options['health_queue_max_age']
        self.timeout = options['health_database_timeout']

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO') != '/health':
            return self.app(environ, start_response)
        if environ.get('REQUEST_METHOD') not in {'GET', 'HEAD'}:
            start_response('405 Method Not Allowed', [
                    ('Allow', 'GET, HEAD'), ('Content-Length', '0')])
            return [b'']
        report = self.report()
        body = json.dumps(report, sort_keys=True).encode()
        status = ('200 OK' if report['status'] == 'ok'
            else '503 Service Unavailable')
        start_response(status, [
                ('Content-Type', 'application/json'),
                ('Cache-Control', 'no-store'),
                ('Content-Length', str(len(body)))])
        return [b''] if environ['REQUEST_METHOD'] == 'HEAD' else [body]

    def report(self):
        checks = {}
        # Tryton's timestamps are naive UTC
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        try:
            cron_rows, queue_row = self.read_database(now)
        except Exception as error:
            # the reason goes to the error log, not to anonymous callers
            logger.error("health: database %r unreachable: %s",
                self.database, error)
            checks['database'] = {'ok': False}
            checks['cron'] = {'ok': False, 'checked': False}
            checks['queue'] = {'ok': False, 'checked': False}
        else:
            checks['database'] = {'ok': True}
            checks['cron'] = self.cron_check(cron_rows, now)
            checks['queue'] = self.queue_check(queue_row, now)
        ok = all(check['ok'] for check in checks.values())
        return {
            'status': 'ok' if ok else 'fail',
            'database': self.database,
            'checks': checks,
            }

    def read_database(self, now):
        """One connection of Tryton's backend: SELECT 1, the active crons
        and the due queue tasks; no pool of models, no ORM"""
        from trytond import backend
        database = backend.Database(self.database).connect()
        pool = getattr(database, '_connpool', None)
        if pool is not None:
            # PostgreSQL: Tryton's own connection pool, waited on no longer
            # than a probe should (its default would be 30 s)
            connection = pool.getconn(timeout=self.timeout)
            put = pool.putconn
        else:
            connection = database.get_connection(readonly=True)
            put = database.put_connection
        try:
            cursor = connection.cursor()
            cursor.execute('SELECT 1')
            cursor.fetchone()
            cursor.execute(
                'SELECT method, interval_number, interval_type, '
                'next_call, create_date FROM ir_cron WHERE active')
            cron_rows = cursor.fetchall()
            # due tasks not taken: counted by the database, however long
            # the backlog
            mark = '?' if backend.name == 'sqlite' else '%s'
            cursor.execute(
                'SELECT COUNT(*), MIN(COALESCE(scheduled_at, enqueued_at)) '
                'FROM ir_queue WHERE dequeued_at IS NULL AND '
                f'(scheduled_at IS NULL OR scheduled_at <= {mark})',
                (now,))
            queue_row = cursor.fetchone()
            connection.rollback()
        finally:
            put(connection)
            if pool is None:
                # SQLite: each Database() is a new file connection
                database.close()
        return cron_rows, queue_row

    def cron_check(self, rows, now):
        """A cron whose next call is more than one interval plus the grace
        in the past did not run: no `caseload cron` is running. A cron
        never run yet counts from its creation."""
        late = []
        for method, number, kind, next_call, created in rows:
            due = as_datetime(next_call) or as_datetime(created)
            if due is None:
                continue
            if now - due > interval(kind, number) + dt.timedelta(
                    seconds=self.cron_grace):
                late.append(method)
        return {
            # the SQLite demo runs no cron: report, fail only where a
            # cron is expected ([caseload] health_cron = True)
            'ok': not (late and self.cron_expected),
            'expected': self.cron_expected,
            'late': sorted(set(late)),
            }

    def queue_check(self, row, now):
        "Due tasks nobody took: a worker is missing or stuck"
        backlog, oldest = row
        oldest = as_datetime(oldest)
        age = int((now - oldest).total_seconds()) if oldest else 0
        return {
            'ok': age <= self.queue_max_age,
            'backlog': backlog,
            'oldest_seconds': max(age, 0),
            }


def interval(kind, number):
    days = {'minutes': 1 / 1440, 'hours': 1 / 24, 'days': 1, 'weeks': 7,
        'months': 30}.get(kind, 30)
    return dt.timedelta(days=days * (number or 1))


def as_datetime(value):
    "Tryton stores naive UTC timestamps; SQLite may give them as text"
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def load_application(config_files, database, health):
    """Build the WSGI application in a gunicorn worker: trytond's config,
    trytond.application, then the database's pool loaded before the first
    request (without it, a cold worker whose first request is a login
    registers an empty pool, trytond 8.0.12)"""
    os.environ.pop('TRYTOND_DATABASE_NAMES', None)
    sys.setswitchinterval(SWITCH_INTERVAL)
    from trytond import config
    config.update_etc(list(config_files))
    from trytond import backend
    from trytond.application import app
    if backend.name == 'sqlite':
        app = OneAtATime(app)
    return RequestId(Health(
            WholeBlocks(PreloadedPool(app, database)), database, health))


class PreloadedPool:
    """Load the database's pool as the worker boots, or at its first
    request when the database was unreachable then.

    trytond.application's own preload (TRYTOND_DATABASE_NAMES) makes a
    worker fail to boot while the database is down (its connection pool's
    threads outlive the failed load), and gunicorn stops the whole server
    when a worker fails to boot: a worker replaced during a database
    outage (HUP, a timeout) took the server with it, and /health could no
    longer say what was wrong."""

    def __init__(self, app, database):
        self.app = app
        self.database = database
        self.lock = threading.Lock()
        self.loaded = self.load(close=True)

    def load(self, close=False):
        from trytond import backend
        from trytond.pool import Pool
        try:
            Pool(self.database).init()
            heap.freeze_loaded()
        except Exception as error:
            logger.error("database %r not loaded, retried at the next "
                "request: %s", self.database, error)
            return False
        finally:
            if close:
                # no connection-pool threads left in a booting worker
                backend.Database(self.database).close()
        return True

    def __call__(self, environ, start_response):
        if not self.loaded:
            with self.lock:
                if not self.loaded:
                    self.loaded = self.load()
        return self.app(environ, start_response)


class OneAtATime:
    """Tryton's SQLite backend begins every transaction IMMEDIATE, taking
    the database's one write lock, reads included. Threads of a worker
    running requests side by side would wait on that lock and, after
    SQLite's 5 s, fail a read with 'database is locked' (Tryton retries
    writes only): a co-signature or a report slower than that broke the
    screens loading next to it. So on SQLite the worker's threads take
    turns in Tryton; they still read requests and keep idle sockets side
    by side."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            return self.app(environ, start_response)


class CaseloadServer(BaseApplication):
    def __init__(self, config_files, database, health, options):
        self.config_files = list(config_files)
        self.database = database
        self.health = health
        self.options = options
        super().__init__()

    def load_config(self):
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self):
        return load_application(
            self.config_files, self.database, self.health)


# requests each worker process serves at once
THREADS = 4
# how long a thread may hold the GIL while another waits for it (Python's
# default is 5 ms): a request makes dozens of PostgreSQL round trips, and
# after each it waits for the GIL while a neighbour computes; at 50
# sessions on 2 workers the requests' server times fell by 15-20% (mean
# 162-187 -> 137-148 ms, p95 483-607 -> 422-445 ms, bench/README.md)
SWITCH_INTERVAL = 0.0005


def gunicorn_options(host, port, workers):
    options = {
        'bind': [f'[{host}]:{port}' if ':' in host else f'{host}:{port}'],
        'workers': workers,
        # threads, not sync workers: a browser served directly (make demo,
        # or a proxy that does not buffer) keeps idle and preconnected
        # sockets open, and a sync worker blocks on such a socket until
        # its timeout while every other request waits (a one-worker
        # SQLite server froze for minutes under Chromium); trytond's own
        # server is threaded too
        'worker_class': 'gthread',
        'threads': THREADS,
        # a long report or statement run must finish; a stuck worker is
        # killed and replaced after this long
        'timeout': 120,
        # on HUP or TERM, requests in flight get this long to finish
        'graceful_timeout': 30,
        'keepalive': 5,
        # never in the master: pools and connections must not cross a fork
        'preload_app': False,
        # Tryton applies [web] num_proxies itself (werkzeug's ProxyFix):
        # gunicorn trusts no X-Forwarded-* header, so nothing is applied
        # twice and nobody but the counted proxies can set them
        'forwarded_allow_ips': '',
        'accesslog': '-',
        'errorlog': '-',
        'logger_class': AccessLogger,
        'access_log_format': ACCESS_LOG_FORMAT,
        'proc_name': 'caseload',
        # gunicorn 27's control socket is one path per user: two servers
        # on a host would fight over it, and signals do what we need
        'control_socket_disable': True,
        }
    if os.path.isdir('/dev/shm'):
        # worker heartbeats: gunicorn's advice for containers, whose /tmp
        # may be a slow overlay
        options['worker_tmp_dir'] = '/dev/shm'
    return options


def serve(config_files, database, health, host, port, workers):
    """Run gunicorn in this process until it is stopped (SIGTERM/SIGINT);
    health: health_options() of the config"""
    CaseloadServer(config_files, database, health,
        gunicorn_options(host, port, workers)).run()
