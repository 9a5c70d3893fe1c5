"""Load test (issue 19): concurrent staff sessions against the production
server (`caseload serve`: gunicorn, N worker processes of 4 threads, each
running Tryton's WSGI application) on PostgreSQL, with the demo practice
scaled to a chain (50 clinicians, 3 locations, 5 years of history).

    PYTHONPATH=addons:. .venv/bin/python bench/load.py \\
        --uri postgresql://tryton@127.0.0.1:5432/ > bench/results-load.txt

Why: the other benchmarks time one call in one process; a practice has
dozens of people clicking at once, and what they share (PostgreSQL's
locks, the audit chain's lock, worker threads, two cores) only shows
under concurrency. Each simulated session is one staff login (password +
TOTP, real Caseload groups, so access rights and care-team rules run) on
its own keep-alive HTTP connection, making the JSON-RPC calls sao makes
(bench/load_client.py): the front desk opens the day sheet, searches a
client, books and reschedules; a clinician opens the week calendar, opens
and saves a note; a biller lists the charges to bill.

Levels: 1 session is the baseline, one thread doing every action in turn
with no pause (`--baseline-rounds` rounds); then N sessions at once for
`--seconds` each, every session pausing a random think time (exponential,
mean `--think` s) between actions as staff do; a role mix of 5 clinicians,
3 front desk and 2 billers in 10. Each figure is a ratio to the baseline
median of the same action with the same workers in the same run
(PERFORMANCE.md: the goal is p95 <= 5x at 50 sessions). Nothing may fail:
no HTTP 5xx, no error response (a deadlock or a serialization failure
counts), and the appointments booked equal the successful booking calls
(a slot lost to another session meanwhile is a refusal, counted apart).
Nothing is asserted; the report says PASS or FAIL.

Creates caseload_load_<pid> (bench/load_data.py says how), starts and
stops the server itself for each worker count (its log is scanned for
tracebacks) and drops the database at the end, also on failure, unless
`--keep`. Progress goes to stderr, the report to stdout.
"""
import argparse
import configparser
import datetime as dt
import math
import os
import pickle
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_data  # noqa: E402
from load_client import (  # noqa: E402
    DEADLOCK, Actions, RpcFailure, RpcRefused, Session, Slots)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOAL = 5.0
# 10 sessions: 5 clinicians, 3 front desk, 2 billers (the staff of a
# group practice); 50 sessions repeat it
ROLE_CYCLE = ['clinician', 'front_desk', 'clinician', 'biller', 'clinician',
    'front_desk', 'clinician', 'front_desk', 'clinician', 'biller']
ACTIONS = [name for role in Actions.MIX.values() for name, _ in role]
log = load_data.log


def pg_connect(uri, dbname, **kwargs):
    parts = urlsplit(uri)
    return psycopg.connect(
        urlunsplit(('postgresql', parts.netloc, f'/{dbname}', '', '')),
        **kwargs)


def write_config(uri, folder, filestore):
    """The production config (config/postgresql.conf) on the bench
    database: no cron runs beside the server, so /health does not ask for
    one; sao's files are not served in this test (a stub root)"""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / 'config' / 'postgresql.conf')
    root = Path(folder, 'sao')
    root.mkdir()
    (root / 'index.html').write_text('<!doctype html><title>bench</title>')
    parser['database']['uri'] = uri
    # the database's files and `caseload init`'s code stamp (kept with a
    # kept database: without it `serve` would update the modules first)
    parser['database']['path'] = str(filestore)
    parser['web']['root'] = str(root)
    parser['caseload']['health_cron'] = 'False'
    path = Path(folder, 'load.conf')
    with open(path, 'w') as file:
        parser.write(file)
    return path


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Server:
    "`caseload serve --workers N` as a child process, stopped on exit"

    def __init__(self, config_file, database, workers, folder, uri):
        self.port = free_port()
        self.log_path = Path(folder, f'serve-{workers}.log')
        self.log_file = open(self.log_path, 'w')
        # as production runs it (the Dockerfile, README's deployment):
        # without asserts, which Tryton's records check per id in a batch
        env = {**os.environ, 'TRYTOND_DATABASE_URI': uri,
            'PYTHONOPTIMIZE': '1'}
        self.process = subprocess.Popen([sys.executable, '-m',
                'caseload.cli', '-c', str(config_file), '-d', database,
                'serve', '--listen', f'127.0.0.1:{self.port}',
                '--workers', str(workers)], env=env,
            stdin=subprocess.DEVNULL, stdout=self.log_file,
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f'caseload serve stopped: see '
                    f'{self.log_path}:\n{self.log_path.read_text()[-3000:]}')
            try:
                with urllib.request.urlopen(
                        f'http://127.0.0.1:{self.port}/health', timeout=5):
                    return
            except urllib.error.HTTPError:
                return      # it answers: unhealthy is its business
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError('caseload serve did not answer in 180 s')

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)    # graceful stop
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()

    def problems(self):
        "Tracebacks and errors the server logged (none expected)"
        lines = self.log_path.read_text(errors='replace').splitlines()
        found = [i for i, line in enumerate(lines)
            if 'Traceback' in line or ' ERROR ' in line
            or DEADLOCK.search(line)]
        return [lines[i][:300] for i in found], lines


class Recorder:
    "Every action of a level: (action, ms, outcome, failure)"

    def __init__(self):
        self.rows = []
        self.failures = []
        self.lock = threading.Lock()

    def run(self, actions, name, session):
        started = time.perf_counter()
        outcome, failure = None, None
        try:
            outcome = actions.run(name, session)
        except RpcRefused:
            outcome = 'refused'
        except RpcFailure as error:
            outcome, failure = 'failed', error
        except Exception as error:     # the client's own bug: count it too
            outcome = 'failed'
            failure = RpcFailure('client', name, repr(error))
        ms = (time.perf_counter() - started) * 1000
        with self.lock:
            if outcome != 'skipped':
                self.rows.append((name, ms, outcome))
            if failure:
                self.failures.append((name, failure))
        return outcome


def baseline(sessions, actions, rounds):
    "1 session: one thread, every action in turn, no think time"
    recorder = Recorder()
    by_role = {s.user.role: s for s in sessions}
    order = [(role, name) for role, mix in Actions.MIX.items()
        for name, _ in mix]
    started = time.perf_counter()
    for round_ in range(rounds + 2):     # 2 warm-up rounds not counted
        target = recorder if round_ >= 2 else Recorder()
        if round_ == 2:
            started = time.perf_counter()
        for role, name in order:
            target.run(actions, name, by_role[role])
    return recorder, time.perf_counter() - started


def concurrent(sessions, actions, seconds, think, seed):
    """N sessions at once for `seconds`, each with its own thread, think
    time between actions; started staggered over one think time"""
    recorder = Recorder()
    stop = time.monotonic() + seconds + think
    barrier = threading.Barrier(len(sessions) + 1)

    def pause(seconds):
        # cut short at the stop: sleeping past it would count as time the
        # server took (the longest of 50 exponential pauses is about four
        # mean think times, which made the 50-session throughput look
        # about a quarter lower than it was)
        time.sleep(max(0, min(seconds, stop - time.monotonic())))

    def staff(index, session):
        rng = random.Random(seed * 1000 + index)
        barrier.wait()
        pause(rng.uniform(0, think))
        while time.monotonic() < stop:
            recorder.run(actions, actions.choose(session.user.role),
                session)
            pause(rng.expovariate(1 / think) if think else 0)
    threads = [threading.Thread(target=staff, args=(i, s), daemon=True)
        for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return recorder, time.perf_counter() - started


def pick_sessions(sessions, count):
    "The first count sessions in the role cycle's order"
    pools = {role: [s for s in sessions if s.user.role == role]
        for role in Actions.MIX}
    chosen, used = [], {role: 0 for role in pools}
    for index in range(count):
        role = ROLE_CYCLE[index % len(ROLE_CYCLE)]
        chosen.append(pools[role][used[role]])
        used[role] += 1
    return chosen


def login_all(practice, port, database):
    "Every staff login, 5 at a time (each login hashes a password)"
    sessions = [Session('127.0.0.1', port, database, user)
        for user in practice.users]
    errors = []

    def login(chunk):
        for session in chunk:
            try:
                session.login()
                prefetch_views(session, practice)
            except Exception as error:
                errors.append((session.user.login, error))
    threads = [threading.Thread(target=login, args=(sessions[i::5],))
        for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f'logins failed: {errors[:3]}')
    return sessions


def prefetch_views(session, practice):
    "The views sao would have cached before the measured clicks"
    if session.user.role == 'front_desk':
        session.view_fields('therapy.appointment',
            practice.views['day_sheet'], 'tree')
        session.view_fields('therapy.client', None, 'tree')
        session.view_fields('therapy.appointment', None, 'form')
    elif session.user.role == 'clinician':
        session.view_fields('therapy.note', None, 'form')
        session.view_fields('therapy.note.section',
            practice.views['note_section'], 'list-form')
    else:
        session.view_fields('therapy.charge', None, 'tree')


def appointments_top(conn):
    top, = conn.execute('SELECT coalesce(max(id), 0) FROM '
        'therapy_appointment').fetchone()
    conn.rollback()
    return top


def booked_since(conn, top, practice):
    """New appointments made by the front desk logins since top, and the
    old ones they rescheduled (cancelled as rescheduled, linked)"""
    desk = [u.id for u in practice.users if u.role == 'front_desk']
    new, = conn.execute('SELECT count(*) FROM therapy_appointment WHERE '
        'id > %s AND create_uid = ANY(%s)', (top, desk)).fetchone()
    moved, = conn.execute('SELECT count(*) FROM therapy_appointment WHERE '
        'rescheduled_to > %s AND write_uid = ANY(%s)',
        (top, desk)).fetchone()
    conn.rollback()
    return new, moved


def drop_database(uri, name):
    """Drop the chain's database, its connections closed. FORCE refuses
    to end a backend of another role, and PostgreSQL's autovacuum, busy
    on the fresh tables, may be one: a plain DROP then waits for it to
    step aside (a run left its 420 MB behind)."""
    statement = 'DROP DATABASE IF EXISTS {} WITH (FORCE)'
    with pg_connect(uri, 'postgres', autocommit=True) as conn:
        try:
            conn.execute(sql.SQL(statement).format(sql.Identifier(name)))
        except psycopg.errors.InsufficientPrivilege:
            conn.execute(sql.SQL(statement.removesuffix(' WITH (FORCE)'))
                .format(sql.Identifier(name)))


def percentile(values, share):
    "nearest rank"
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def stats(rows, action):
    times = [ms for name, ms, outcome in rows
        if name == action and outcome == 'done']
    if not times:
        return None
    return {'n': len(times), 'p50': statistics.median(times),
        'p95': percentile(times, 0.95), 'p99': percentile(times, 0.99)}


def measure(args, practice, config_file, database, folder, workers, conn):
    "One server with `workers` workers: every level, then the checks"
    log(f'{workers} worker(s): starting caseload serve')
    server = Server(config_file, database, workers, folder, args.uri)
    result = {'workers': workers, 'levels': {}, 'failures': []}
    try:
        log(f'{workers} worker(s): {len(practice.users)} logins')
        sessions = login_all(practice, server.port, database)
        top = appointments_top(conn)
        slots = Slots(practice, seed=workers)
        for level in args.sessions:
            actions = Actions(practice, slots, seed=level * 10 + workers)
            log(f'{workers} worker(s): {level} session(s)')
            if level == 1:
                trio = [next(s for s in sessions if s.user.role == role)
                    for role in Actions.MIX]
                recorder, elapsed = baseline(trio, actions,
                    args.baseline_rounds)
            else:
                recorder, elapsed = concurrent(
                    pick_sessions(sessions, level), actions, args.seconds,
                    args.think, seed=level)
            result['levels'][level] = {
                'elapsed': elapsed, 'rows': recorder.rows,
                'failures': recorder.failures}
            result['failures'] += [(level, n, f) for n, f in
                recorder.failures]
            log(f'  {len(recorder.rows)} actions in {elapsed:.0f} s, '
                f'{len(recorder.failures)} failed')
        for session in sessions:
            session.close()
    finally:
        server.stop()
    result['server_problems'], _ = server.problems()
    result['calls'] = slots.done
    result['booked'], result['moved'] = booked_since(conn, top, practice)
    return result


def machine(conn):
    import trytond
    cpu = next((line.split(':', 1)[1].strip()
            for line in open('/proc/cpuinfo') if line.startswith(
                'model name')), platform.processor())
    uname = subprocess.run(['uname', '-srm'], capture_output=True,
        text=True).stdout.strip()
    server, = conn.execute('SHOW server_version').fetchone()
    conn.rollback()
    import gunicorn
    return (f'Machine: {uname}; {cpu}, {os.cpu_count()} cores (shared: the '
        f'load generator runs on them too); PostgreSQL {server}; Python '
        f'{platform.python_version()}, trytond {trytond.__version__}, '
        f'gunicorn {gunicorn.__version__}, psycopg {psycopg.__version__} '
        f'({psycopg.pq.__impl__}).')


def report(args, practice, timings, results, conn):
    out = []
    out.append(f'# Load test, {dt.datetime.now():%Y-%m-%d %H:%M}\n')
    out.append(machine(conn) + '\n')
    size = practice.size
    out.append('Data: the demo practice scaled to a chain: '
        + ', '.join(f'{k} {v:,}' if isinstance(v, int) else f'{k} {v}'
            for k, v in size.items()) + '.')
    out.append('Generation: ' + ', '.join(f'{k} {v:.0f} s'
            for k, v in timings.items()) + '.\n')
    out.append(f'Server: `caseload serve --workers N` (gunicorn gthread, 4 '
        f'threads a worker, PYTHONOPTIMIZE=1 as the Dockerfile sets it), '
        f'config/postgresql.conf. Baseline: 1 session, '
        f'every action in turn, {args.baseline_rounds} rounds, no pause. '
        f'N sessions: {args.seconds:.0f} s each, think time exponential, '
        f'mean {args.think:g} s; 5 clinicians, 3 front desk, 2 billers in '
        f'10. Times in ms for the whole action (all its calls); ratios = '
        f'the figure / the baseline median of the same action with the same '
        f'workers. Goal: p95 <= {GOAL:g}x at 50 sessions.\n')
    verdicts = []
    for result in results:
        workers = result['workers']
        levels = result['levels']
        base = {a: stats(levels[1]['rows'], a) for a in ACTIONS} \
            if 1 in levels else {}
        out.append(f'## {workers} worker{"s" if workers > 1 else ""}\n')
        header = '| action | 1 session median |'
        rule = '|---|---:|'
        for level in levels:
            if level != 1:
                header += f' {level} sessions: n, p50 / p95 / p99 ms (x base) |'
                rule += '---|'
        header += ' goal p95 <= 5x |'
        rule += '---|'
        out += [header, rule]
        for action in ACTIONS:
            reference = base.get(action)
            line = (f'| {action} | {reference["p50"]:.0f} ms '
                f'(n={reference["n"]}) |' if reference else
                f'| {action} | - |')
            verdict = ''
            for level in levels:
                if level == 1:
                    continue
                figure = stats(levels[level]['rows'], action)
                if not figure:
                    line += ' - |'
                    continue
                text = (f' {figure["n"]}, {figure["p50"]:.0f} / '
                    f'{figure["p95"]:.0f} / {figure["p99"]:.0f}')
                if reference:
                    ratios = [figure[k] / reference['p50']
                        for k in ('p50', 'p95', 'p99')]
                    text += ' (' + ' / '.join(f'{r:.1f}x' for r in ratios) + ')'
                    if level == max(levels):
                        met = ratios[1] <= GOAL
                        verdict = (f'{"met" if met else "MISSED"} '
                            f'({ratios[1]:.1f}x at {level})')
                        verdicts.append(met)
                line += text + ' |'
            out.append(line + f' {verdict} |')
        out.append('')
        for level, data in levels.items():
            rows = data['rows']
            done = sum(1 for r in rows if r[2] == 'done')
            refused = sum(1 for r in rows if r[2] == 'refused')
            failed = sum(1 for r in rows if r[2] == 'failed')
            out.append(f'- {level} session{"s" if level > 1 else ""}: '
                f'{done / data["elapsed"]:.1f} actions/s ({done} done in '
                f'{data["elapsed"]:.0f} s), {refused} refused (slot taken '
                f'meanwhile), {failed} failed')
        calls = result['calls']
        expected = calls['book'] + calls['reschedule']
        lost = result['booked'] != expected or (
            result['moved'] != calls['reschedule'])
        out.append(f'- bookings: {calls["book"]} booked + '
            f'{calls["reschedule"]} rescheduled = {expected} successful '
            f'calls; the database has {result["booked"]} new appointments '
            f'by the front desk logins and {result["moved"]} moved from '
            f'({"LOST OR EXTRA BOOKINGS" if lost else "none lost"})')
        out.append(f'- server log: {len(result["server_problems"])} '
            'tracebacks or errors')
        result['lost'] = lost
        out.append('')
    out.append('## Throughput (actions done per second)\n')
    levels = sorted({level for r in results for level in r['levels']})
    out.append('| sessions | ' + ' | '.join(
            f'{r["workers"]} worker{"s" if r["workers"] > 1 else ""}'
            for r in results) + ' |')
    out.append('|---:|' + '---:|' * len(results))
    for level in levels:
        cells = []
        for r in results:
            data = r['levels'].get(level)
            cells.append(f'{sum(1 for x in data["rows"] if x[2] == "done") / data["elapsed"]:.1f}'
                if data else '-')
        out.append(f'| {level} | ' + ' | '.join(cells) + ' |')
    out.append('')
    failures = [f for r in results for f in r['failures']]
    server_problems = [p for r in results for p in r['server_problems']]
    fives = sum(1 for _, _, f in failures if f.kind == 'http-5xx')
    deadlocks = sum(1 for _, _, f in failures
        if DEADLOCK.search(f.message + f.detail))
    lost = any(r['lost'] for r in results)
    ok = not failures and not server_problems and not lost
    out.append(f'## Nothing failing: {"PASS" if ok else "FAIL"}\n')
    out.append(f'{len(failures)} failed actions ({fives} HTTP 5xx, '
        f'{deadlocks} deadlocks or lock timeouts), '
        f'{len(server_problems)} errors in the server logs, bookings '
        f'{"LOST" if lost else "all there"}.')
    for level, name, failure in failures[:10]:
        out.append(f'- {level} sessions, {name}: {failure.kind} '
            f'{failure.method}: {failure.message}')
    for line in server_problems[:10]:
        out.append(f'- server: {line}')
    goal = ('met for every action' if verdicts and all(verdicts)
        else f'missed for {verdicts.count(False)} of {len(verdicts)} '
        'action x worker figures' if verdicts else 'not measured')
    out.append(f'\n## Goal (p95 <= {GOAL:g}x the single-session median at '
        f'50 sessions): {goal}\n')
    return '\n'.join(out), failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://tryton@127.0.0.1:5432/'))
    parser.add_argument('--sessions', default='1,10,50',
        help="concurrent sessions per level, comma separated (1 first: "
        "the baseline)")
    parser.add_argument('--workers', default='1,2',
        help="server worker processes, comma separated")
    # 120 s: a 60-s level held 25-150 actions of each kind, and its 95th
    # percentile moved by half from run to run of the same code
    parser.add_argument('--seconds', type=float, default=120,
        help="length of each level above 1 session")
    parser.add_argument('--think', type=float, default=5,
        help="mean pause between a session's actions, seconds (0: none)")
    parser.add_argument('--baseline-rounds', type=int, default=20)
    parser.add_argument('--keep', action='store_true',
        help="keep the database (and what the sessions need, to reuse it)")
    parser.add_argument('--reuse', metavar='DATABASE',
        help="development: measure on a database kept by --keep")
    parser.add_argument('--failures', metavar='FILE',
        help="write every failure's full error response to FILE")
    args = parser.parse_args()
    args.sessions = sorted({int(s) for s in args.sessions.split(',')})
    args.workers = [int(w) for w in args.workers.split(',')]
    if args.sessions[0] != 1:
        parser.error('--sessions must include 1 (the baseline)')
    if args.sessions[-1] > sum(load_data.STAFF.values()):
        parser.error(f'at most {sum(load_data.STAFF.values())} sessions: '
            'one staff login each (load_data.STAFF)')
    name = args.reuse or f'caseload_load_{os.getpid()}'
    state = Path(tempfile.gettempdir(), f'{name}.practice.pickle')
    timings = {}
    with tempfile.TemporaryDirectory() as folder:
        filestore = Path(tempfile.gettempdir(), f'{name}.filestore')
        config_file = write_config(args.uri, folder, filestore)
        try:
            if args.reuse:
                with open(state, 'rb') as file:
                    practice, timings = pickle.load(file)
            else:
                practice, timings = generate(args, name, folder, config_file)
                if args.keep:
                    with open(state, 'wb') as file:
                        pickle.dump((practice, timings), file)
            with pg_connect(args.uri, name) as conn:
                load_data.read_back(conn, practice)
                practice.size = load_data.sizes(conn)
                log(f'data: {practice.size}')
                results = [measure(args, practice, config_file, name,
                        folder, workers, conn) for workers in args.workers]
                text, failures = report(args, practice, timings, results,
                    conn)
            print(text, flush=True)
            if args.failures:
                with open(args.failures, 'w') as file:
                    for level, action, failure in failures:
                        file.write(f'== {level} sessions, {action}: '
                            f'{failure}\n{failure.detail}\n\n')
        finally:
            load_data.close_trytond(name)
            if not (args.keep or args.reuse):
                drop_database(args.uri, name)
                shutil.rmtree(filestore, ignore_errors=True)
                log(f'dropped {name}')


def generate(args, name, folder, config_file):
    "The chain's database (load_data.py), timed step by step"
    timings = {}
    practice = load_data.Practice()
    started = time.perf_counter()
    log(f'creating {name}: caseload init --demo')
    load_data.init_demo(config_file, name, folder, args.uri,
        lambda: pg_connect(args.uri, name))
    timings['caseload init --demo'] = time.perf_counter() - started
    started = time.perf_counter()
    log('adding the third location, 42 clinicians and the staff logins')
    os.environ['TRYTOND_DATABASE_URI'] = args.uri
    load_data.load_trytond(config_file, name)
    clinicians, template, sections = load_data.add_chain(
        name, practice)
    timings['location, clinicians, logins (ORM)'] = (
        time.perf_counter() - started)
    started = time.perf_counter()
    log('bulk SQL: clients and 5 years of history')
    with pg_connect(args.uri, name) as conn:
        load_data.bulk_history(conn, practice, clinicians, template,
            sections, random.Random(load_data.SEED))
    timings['clients and history (bulk SQL)'] = time.perf_counter() - started
    return practice, timings


if __name__ == '__main__':
    main()
