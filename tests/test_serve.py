"""`caseload serve` (gunicorn), `caseload cron` and `caseload worker`, run
as an operator runs them: real processes on a small practice database of
their own, on SQLite or on the PostgreSQL server of TRYTOND_DATABASE_URI.

The tests of the served database run in file order: the database-gone
test and the SIGTERM test come last, and leave the server stopped."""
import datetime as dt
import gzip
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from helpers import (
    CASELOAD, PASSWORD_FILE, ROOT, TwoStepSignIn, free_port,
    json_rpc_answer, output_dir, rpc_login, run_caseload)

URI = os.environ.get('TRYTOND_DATABASE_URI', 'sqlite://')
POSTGRESQL = URI.startswith('postgresql')
# several workers on PostgreSQL; SQLite has one writer lock (one worker)
WORKERS = 2 if POSTGRESQL else 1
# what a reminder link's last segment looks like (token_urlsafe(32))
TOKEN = 'Qm9va2luZ1Rva2VuLXNob3VsZC1uZXZlci1iZS1sb2dnZWQ'
QUERY_SECRET = 'query-secret-7f3a'
ADMIN_PASSWORD = PASSWORD_FILE.read_text().splitlines()[0]
# the admin of this practice database signs in with two steps
ADMIN_SIGN_IN = TwoStepSignIn()


def password_checked(url, database):
    """A login's first request, the password: the worker that takes it
    loads the pool, checks the password and asks for the code (the full
    login of an enrolled user waits for the app's next code)"""
    answer = json_rpc_answer(url, database, 'common.db.login',
        ['admin', {'password': ADMIN_PASSWORD}])
    assert answer.get('error', [None])[0] == 'LoginException', answer
    assert answer['error'][1][0] == 'totp', answer


def wait_for(condition, seconds=90, every=0.3):
    "Poll until condition() is true (or its value), failing after seconds"
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {condition.__doc__}")
        time.sleep(every)


@pytest.fixture(scope='module')
def serve_config(tmp_path_factory):
    """A config whose database path is relative to the config file (the
    `caseload` command resolves it; trytond tools alone would not), with
    the cron expected by /health and, on PostgreSQL, a queue worker"""
    folder = tmp_path_factory.mktemp('serve')
    (folder / 'db').mkdir()
    config = folder / 'caseload.conf'
    config.write_text(
        f"[database]\nuri = {URI}\npath = db\nlist = False\n"
        f"[web]\nlisten = 127.0.0.1:0\n"
        f"root = {ROOT / 'var' / 'sao' / 'package'}\n"
        "[password]\nlength = 12\n"
        f"[queue]\nworker = {POSTGRESQL}\n"
        "[caseload]\nhealth_cron = True\nhealth_cron_grace = 900\n"
        "health_queue_max_age = 600\nhealth_database_timeout = 3\n")
    return config


@pytest.fixture(scope='module')
def database(serve_config):
    "A practice database with Caseload set up (no demo data: faster)"
    name = f'caseload_serve_{os.getpid()}'
    run_caseload(serve_config, name, 'init', '--email', 'admin@example.com',
        '--password-file', str(PASSWORD_FILE))
    yield name
    from caseload import database as databases
    from caseload.settings import Settings
    databases.drop(Settings(serve_config), name)


def sql(config, name, query, params=(), database=None):
    "Run one statement on the practice database, as an operator would"
    from caseload.settings import Settings
    settings = Settings(config)
    if settings.backend == 'sqlite':
        path = os.path.join(settings.database_path, f'{name}.sqlite')
        connection = sqlite3.connect(path)
        try:
            rows = connection.execute(
                query.replace('%s', '?'), params).fetchall()
            connection.commit()
        finally:
            connection.close()
        return rows
    import psycopg
    with psycopg.connect(URI.rstrip('/') + '/' + (database or name),
            autocommit=True) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def utcnow():
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def get(url, headers=None):
    "(status, headers, body) of a GET, error statuses included"
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def health(url):
    status, _, body = get(url + '/health')
    return status, json.loads(body)


def workers_of(pid):
    "The gunicorn master's worker processes"
    with open(f'/proc/{pid}/task/{pid}/children') as children:
        return set(map(int, children.read().split()))


@pytest.fixture(scope='module')
def server(serve_config, database):
    "`caseload serve --workers N`: (url, process, log path)"
    port = free_port()
    # named by the database: a SQLite and a PostgreSQL run may overlap
    log_path = output_dir('server') / f'{database}.log'
    log = open(log_path, 'w')
    process = subprocess.Popen(
        [*CASELOAD, '-c', str(serve_config), '-d', database, 'serve',
            '--listen', f'127.0.0.1:{port}', '--workers', str(WORKERS)],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        start_new_session=True)
    url = f'http://127.0.0.1:{port}'

    def started():
        "caseload serve to answer"
        assert process.poll() is None, log_path.read_text()
        try:
            urllib.request.urlopen(url + '/', timeout=2)
            return True
        except OSError:
            return False
    wait_for(started)
    yield url, process, log_path
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope='module')
def admin(server, database):
    "The admin's login (call, preferences): the two-step sign-in once"
    url, _, _ = server
    return rpc_login(url, database, 'admin', ADMIN_PASSWORD,
        second_step=ADMIN_SIGN_IN)


def test_workers_answer_a_first_login(server, database, admin):
    "A cold server whose first request is a login, in every worker"
    url, process, _ = server
    assert len(workers_of(process.pid)) == WORKERS
    _, preferences = admin
    assert preferences['language'] == 'en'
    # more logins than workers: each worker takes at least one in turn
    for _ in range(WORKERS * 2):
        password_checked(url, database)


def raw_rpc(url, database, session, method, params, headers=''):
    """A JSON-RPC call over a socket of its own, read as sent:
    (headers by lower-case name, the body's HTTP chunks)"""
    host, port = url.removeprefix('http://').split(':')
    body = json.dumps({'method': method, 'params': params, 'id': 1})
    request = (f'POST /{database}/rpc/ HTTP/1.1\r\nHost: {host}\r\n'
        'Content-Type: application/json\r\n'
        f'Authorization: Session {session}\r\n{headers}'
        f'Content-Length: {len(body)}\r\nConnection: close\r\n\r\n')
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(request.encode() + body.encode())
        data = b''.join(iter(lambda: sock.recv(65536), b''))
    head, _, rest = data.partition(b'\r\n\r\n')
    lines = head.decode().split('\r\n')
    assert lines[0].startswith('HTTP/1.1 200'), lines[0]
    fields = {name.lower(): value.strip() for name, _, value in
        (line.partition(':') for line in lines[1:])}
    assert fields.get('transfer-encoding') == 'chunked', fields
    chunks = []
    while True:
        size, _, rest = rest.partition(b'\r\n')
        size = int(size, 16)
        if not size:
            return fields, chunks
        chunks.append(rest[:size])
        rest = rest[size + 2:]


def test_long_answers_come_in_blocks_labelled_as_sent(
        server, database, admin):
    """Tryton streams an answer over 1,400 characters token by token:
    it comes in blocks of 64 KiB, not a chunk per token; compressed
    and labelled gzip when the client accepts gzip, plain and unlabelled
    when it does not"""
    url, _, _ = server
    call, _ = admin
    methods = json_rpc_answer(url, database, 'system.listMethods', [],
        call.session)['result']
    assert len(json.dumps(methods)) > 3 * 64 * 1024
    fields, chunks = raw_rpc(url, database, call.session,
        'system.listMethods', [])
    assert 'content-encoding' not in fields
    assert json.loads(b''.join(chunks))['result'] == methods
    # every block full but the last (a chunk per token: tens of thousands)
    assert all(len(c) >= 64 * 1024 for c in chunks[:-1]), [
        len(c) for c in chunks[:10]]
    assert 3 <= len(chunks) <= len(b''.join(chunks)) // (64 * 1024) + 1

    fields, chunks = raw_rpc(url, database, call.session,
        'system.listMethods', [], 'Accept-Encoding: gzip, deflate\r\n')
    assert fields['content-encoding'] == 'gzip'
    assert json.loads(gzip.decompress(b''.join(chunks)))['result'] == (
        methods)
    assert len(chunks) <= len(b''.join(chunks)) // (64 * 1024) + 1


def test_whole_blocks_leave_whole_bodies_and_files_alone():
    """A body of known length and a file sent by sendfile pass as they
    are; a streamed one comes in blocks and is closed as it would be"""
    from caseload.server import BLOCK_SIZE, WholeBlocks

    class FileWrapper:
        def __init__(self, file, size=8192):
            self.file = file

    class Streamed(list):
        closed = False

        def close(self):
            self.closed = True

    def app(headers, body):
        def application(environ, start_response):
            start_response('200 OK', headers)
            return body
        return WholeBlocks(application)

    environ = {'wsgi.file_wrapper': FileWrapper}
    started = []

    def start_response(status, headers, exc_info=None):
        started.append(headers)
    whole = [b'x' * 10]
    assert app([('Content-Length', '10')], whole)(
        environ, start_response) is whole
    sent = FileWrapper(None)
    assert app([], sent)(environ, start_response) is sent
    pieces = Streamed([b'y'] * (BLOCK_SIZE + 5))
    body = app([('Content-Encoding', 'gzip')], pieces)(
        {**environ, 'HTTP_ACCEPT_ENCODING': 'br'}, start_response)
    assert [len(b) for b in body] == [BLOCK_SIZE, 5]
    body.close()
    assert pieces.closed
    # no gzip asked for: Tryton compressed nothing
    assert started[-1] == []


def test_health_answers_without_login(server, database):
    url, _, _ = server
    status, report = health(url)
    assert status == 200, report
    assert report == {
        'status': 'ok',
        'database': database,
        'checks': {
            'database': {'ok': True},
            'cron': {'ok': True, 'expected': True, 'late': []},
            'queue': {'ok': True, 'backlog': 0, 'oldest_seconds': 0},
            },
        }


def test_request_id_is_echoed_and_logged_without_secrets(
        server, serve_config, database):
    url, _, log_path = server
    given = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6'
    status, headers, _ = get(url + '/health', {'X-Request-Id': given})
    assert status == 200
    assert headers['X-Request-Id'] == given
    # a malformed id is replaced by one of ours
    _, headers, _ = get(url + '/health', {'X-Request-Id': 'not an id; x'})
    made = headers['X-Request-Id']
    assert re.fullmatch(r'[0-9a-f]{32}', made)
    # a reminder link: its token and a query string stay out of the log
    link = f'/{database}/appointment/confirm/{TOKEN}?code={QUERY_SECRET}'
    _, headers, _ = get(url + link, {'X-Request-Id': 'link-request-0001'})
    assert headers['X-Request-Id'] == 'link-request-0001'

    def logged():
        "the access log lines"
        text = log_path.read_text()
        return text if 'rid=link-request-0001' in text else None
    text = wait_for(logged, seconds=30)
    assert re.search(rf'"GET /health" 200 .* rid={given}\b', text)
    assert f'rid={made}' in text
    assert re.search(
        rf'"GET /{database}/appointment/confirm/<redacted>" \d+ .*'
        r'rid=link-request-0001', text)
    assert TOKEN not in text
    assert QUERY_SECRET not in text
    assert '?' not in ''.join(
        line for line in text.splitlines() if 'rid=' in line)

    # and an audit event carries it (a refused login, as the proxy saw it)
    request = urllib.request.Request(f'{url}/{database}/rpc/',
        data=json.dumps({'method': 'common.db.login', 'params': [
                    'nobody-here', {'password': 'wrong'}], 'id': 1}).encode(),
        headers={'Content-Type': 'application/json',
            'X-Request-Id': 'login-request-0002'})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 401
    assert sql(serve_config, database,
        "SELECT event_code FROM therapy_audit_event "
        "WHERE request_id = %s", ('login-request-0002',)) == [
        ('auth.login.failure',)]


def test_health_reports_a_late_cron_until_cron_runs(
        server, serve_config, database):
    """A cron an hour late (a 5-minute cron, 15 minutes of grace): 503,
    named by its method; `caseload cron --once`, run from the checkout with
    the config's relative database path, brings it back"""
    url, _, _ = server
    method = 'ir.trigger|trigger_time'
    sql(serve_config, database,
        "UPDATE ir_cron SET next_call = %s WHERE method = %s",
        (utcnow() - dt.timedelta(hours=1), method))
    status, report = health(url)
    assert status == 503
    assert report['status'] == 'fail'
    assert report['checks']['database'] == {'ok': True}
    assert report['checks']['cron'] == {
        'ok': False, 'expected': True, 'late': [method]}
    run_caseload(serve_config, database, 'cron', '--once', timeout=600)
    (next_call,), = sql(serve_config, database,
        "SELECT next_call FROM ir_cron WHERE method = %s", (method,))
    assert str(next_call) > str(utcnow() - dt.timedelta(minutes=1))
    status, report = health(url)
    assert status == 200, report


def test_health_reports_a_stuck_queue(server, serve_config, database):
    """A task due an hour ago that nobody took: 503 with the backlog; on
    PostgreSQL `caseload worker` takes it and stops cleanly on SIGTERM"""
    url, _, _ = server
    data = json.dumps({'model': 'res.user', 'method': 'read', 'user': 0,
            'context': {}, 'instances': [], 'args': [], 'kwargs': {}})
    cast = '::jsonb' if POSTGRESQL else ''
    enqueued = utcnow() - dt.timedelta(hours=1)
    sql(serve_config, database,
        f"INSERT INTO ir_queue (name, data, enqueued_at) "
        f"VALUES ('default', %s{cast}, %s)", (data, enqueued))
    status, report = health(url)
    assert status == 503
    queue = report['checks']['queue']
    assert queue['ok'] is False
    assert queue['backlog'] == 1
    assert queue['oldest_seconds'] >= 3600
    if not POSTGRESQL:
        # no worker on SQLite (tasks run in their request): clear it
        sql(serve_config, database,
            "DELETE FROM ir_queue WHERE dequeued_at IS NULL")
    else:
        log = open(output_dir('server') / f'{database}-worker.log', 'w')
        worker = subprocess.Popen(
            [*CASELOAD, '-c', str(serve_config), '-d', database, 'worker',
                '-n', '1'], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            def taken():
                "the worker to take the task"
                assert worker.poll() is None
                return not sql(serve_config, database,
                    "SELECT id FROM ir_queue WHERE dequeued_at IS NULL")
            wait_for(taken, seconds=180, every=1)
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0
            log.close()
    status, report = health(url)
    assert status == 200, report


def test_cron_and_worker_start_and_stop_cleanly(serve_config, database):
    """Each runs a moment, then SIGTERM: exit 0, no traceback; also when
    started with SIGINT ignored (a background job, nohup)"""
    commands = [['cron']]
    if POSTGRESQL:
        commands.append(['worker', '-n', '1'])
    for command in commands:
        # as a background shell job starts it: SIGINT ignored, which an
        # exec keeps (the command must still stop its tool on SIGTERM)
        process = subprocess.Popen(
            [*CASELOAD, '-c', str(serve_config), '-d', database, *command],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            cwd=ROOT, preexec_fn=lambda: signal.signal(
                signal.SIGINT, signal.SIG_IGN))
        def tool_started():
            "the trytond tool to start"
            assert process.poll() is None, process.communicate()[0]
            return workers_of(process.pid)
        wait_for(tool_started, seconds=60)
        time.sleep(1)
        assert process.poll() is None, process.communicate()[0]
        process.send_signal(signal.SIGTERM)
        # a clean stop lets the run in flight finish (trytond-cron's process
        # pool completes what it was given): on busy cores, a minute or two
        output, _ = process.communicate(timeout=240)
        assert process.returncode == 0, output
        assert 'Traceback' not in output, output


def test_worker_needs_a_queue(tmp_path, serve_config, database):
    "Without [queue] worker = True there is nothing to run: a clear error"
    config = tmp_path / 'noqueue.conf'
    config.write_text(serve_config.read_text().replace(
            f'worker = {POSTGRESQL}', 'worker = False').replace(
            'path = db', f'path = {serve_config.parent / "db"}'))
    result = run_caseload(config, database, 'worker', check=False)
    assert result.returncode == 2
    assert ('[queue] worker = True' in result.stderr
        or 'needs PostgreSQL' in result.stderr), result.stderr


def test_bad_health_option_is_refused(tmp_path, serve_config, database):
    "A threshold that is not a number: a clear error before serving"
    config = tmp_path / 'badhealth.conf'
    config.write_text(serve_config.read_text().replace(
            'health_cron_grace = 900', 'health_cron_grace = soon').replace(
            'path = db', f'path = {serve_config.parent / "db"}'))
    result = run_caseload(config, database, 'serve', '--listen',
        f'127.0.0.1:{free_port()}', check=False, timeout=120)
    assert result.returncode == 2
    assert "health_cron_grace = soon" in result.stderr
    assert "not a number of seconds" in result.stderr
    assert "Caseload back office" not in result.stdout


def test_hup_replaces_the_workers_and_keeps_serving(server, database):
    url, process, _ = server
    before = workers_of(process.pid)
    assert len(before) == WORKERS
    os.kill(process.pid, signal.SIGHUP)

    def replaced():
        "new workers in place of the old ones, the server answering"
        status, _, _ = get(url + '/health')
        assert status == 200
        now = workers_of(process.pid)
        return len(now) == WORKERS and not (now & before)
    wait_for(replaced, seconds=120)
    assert process.poll() is None
    for _ in range(WORKERS * 2):
        password_checked(url, database)


def test_health_fails_while_the_database_is_unreachable(
        server, serve_config, database):
    """503 with database not ok (and no details for anonymous callers);
    workers replaced during the outage boot all the same (gunicorn stops
    the whole server when one cannot); 200 and logins once the database is
    back"""
    url, process, log_path = server
    from caseload.settings import Settings
    settings = Settings(serve_config)
    path = os.path.join(settings.database_path, f'{database}.sqlite')
    if POSTGRESQL:
        sql(serve_config, database,
            'ALTER DATABASE "{}" ALLOW_CONNECTIONS false'.format(database),
            database='postgres')
        # Only the server's own connections: an autovacuum worker may be
        # on the database too, and PostgreSQL 15 lets only a superuser
        # signal it (CI failed on that once).
        sql(serve_config, database,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'", (database,),
            database='postgres')
    else:
        os.rename(path, path + '.away')
    try:
        status, report = health(url)
        assert status == 503
        assert report == {
            'status': 'fail',
            'database': database,
            'checks': {
                'database': {'ok': False},
                'cron': {'ok': False, 'checked': False},
                'queue': {'ok': False, 'checked': False},
                },
            }
        before = workers_of(process.pid)
        os.kill(process.pid, signal.SIGHUP)

        def booted_without_database():
            "new workers that booted while the database was away"
            now = workers_of(process.pid)
            log = log_path.read_text()
            return (len(now) == WORKERS and not (now & before)
                and all(re.search(
                        rf"^{pid} .* database '{database}' not loaded",
                        log, re.M)
                    for pid in now))
        wait_for(booted_without_database, seconds=120)
        assert health(url)[0] == 503
        assert process.poll() is None, log_path.read_text()
    finally:
        if POSTGRESQL:
            sql(serve_config, database,
                'ALTER DATABASE "{}" ALLOW_CONNECTIONS true'.format(database),
                database='postgres')
        else:
            os.rename(path + '.away', path)

    def back():
        "the database check to pass again"
        return health(url)[0] == 200
    wait_for(back, seconds=120, every=1)
    # each worker loads the pool at its first request
    for _ in range(2 * WORKERS):
        password_checked(url, database)


def test_sigterm_stops_the_server(server):
    url, process, log_path = server
    workers = workers_of(process.pid)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0, log_path.read_text()
    for pid in workers:
        assert not os.path.exists(f'/proc/{pid}') or open(
            f'/proc/{pid}/stat').read().split()[2] == 'Z'
    with pytest.raises(OSError):
        urllib.request.urlopen(url + '/health', timeout=5)


def test_sqlite_requests_take_turns_in_tryton():
    """On SQLite a worker's threads run Tryton one at a time: its
    transactions take the one write lock, and a read waiting on a slow
    request fails after SQLite's 5 s"""
    import threading
    from caseload.server import OneAtATime

    inside, most = [], []
    gate = threading.Lock()

    def slow_app(environ, start_response):
        with gate:
            inside.append(1)
            most.append(len(inside))
        time.sleep(0.2)
        with gate:
            inside.pop()
        return [b'']

    app = OneAtATime(slow_app)
    threads = [threading.Thread(target=app, args=({}, None))
        for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == [1, 1, 1, 1]


def test_processes_share_cache_clearing(tmp_path):
    """Every process Caseload starts (workers, cron, queue worker) clears
    its caches when another commits a change (Tryton's default checks
    every five minutes), unless the config says otherwise"""
    from caseload.settings import Settings

    from configparser import ConfigParser

    def clean_timeout(text, uri='postgresql://tryton@127.0.0.1:5432/'):
        config = tmp_path / 'caseload.conf'
        config.write_text(f"[database]\nuri = {uri}\n" + text)
        settings = Settings(config)
        with settings.resolved() as files:
            parser = ConfigParser(interpolation=None)
            parser.read(files)
        return settings.get('cache', 'clean_timeout'), parser.get(
            'cache', 'clean_timeout', fallback=None)

    assert clean_timeout('') == ('0', '0')
    assert clean_timeout('[cache]\nclean_timeout = 60\n') == ('60', '60')
    # one process on SQLite: Tryton's default
    assert clean_timeout('', uri='sqlite://') == (None, None)
    for shipped in ['postgresql.conf', 'docker.conf']:
        assert Settings(ROOT / 'config' / shipped).get(
            'cache', 'clean_timeout') == '0', shipped
