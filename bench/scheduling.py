"""Scheduling benchmark: book one appointment, read a clinician's week and
create a 52-occurrence series against N past appointments in PostgreSQL.

    .venv/bin/python -O bench/scheduling.py \\
        --uri postgresql://tryton@127.0.0.1:55432/ --sizes 100000,1000000

-O as the production image runs Python (PYTHONOPTIMIZE=1 in the
Dockerfile): Tryton's record asserts then cost nothing, for the three
variants alike.

Creates caseload_bench_<pid> (therapy_scheduling and the bare peer
bench_bare activated by trytond-admin), loads the data with plain SQL,
measures each size (ascending, topping the data up) and drops the database,
also on failure. Every figure is a ratio to a raw SQL baseline run
interleaved with it (see PERFORMANCE.md), and Caseload's also to bare
Tryton: bench_bare/'s appointment-like model with the same relations,
exclusion constraints and indexes and none of Caseload's logic, on the same
data; nothing is asserted. Progress goes to stderr, the report (Markdown)
to stdout.
"""
import argparse
import datetime as dt
import logging
import math
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

CLINICIANS, ROOMS, CLIENTS = 200, 20, 20_000
DAY_SLOTS, WEEK_SLOTS = 8, 40        # hourly, on weekdays only
FIRST_HOUR = 13                      # UTC, 8 or 9 am in New York
DURATION = dt.timedelta(minutes=45)
TIMEZONE = 'America/New_York'
WARMUP = 5
CALENDAR_FIELDS = ['start', 'end', 'calendar_label', 'rec_name']
# bare Tryton's week: stored fields only (it has no label to compute)
BARE_FIELDS = ['start', 'end', 'client', 'state']
HERE = Path(__file__).resolve().parent


def log(message):
    print(f'[{time.strftime("%H:%M:%S")}] {message}', file=sys.stderr,
        flush=True)


def pg_connect(uri, dbname, **kwargs):
    parts = urlsplit(uri)
    return psycopg.connect(
        urlunsplit(('postgresql', parts.netloc, f'/{dbname}', '', '')),
        **kwargs)


def offer_bare_tryton(folder):
    """Make bench_bare/ a Tryton module for this process and the
    trytond-admin it runs: an entry point in a throwaway dist-info, so it
    is never installed with Caseload"""
    info = Path(folder, 'bare', 'bench_bare-0.dist-info')
    info.mkdir(parents=True)
    (info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: bench-bare\nVersion: 0\n')
    (info / 'entry_points.txt').write_text(
        '[trytond.modules]\nbench_bare = bench_bare\n')
    paths = [str(info.parent), str(HERE)]
    sys.path[:0] = paths
    os.environ['PYTHONPATH'] = os.pathsep.join(
        paths + [p for p in [os.environ.get('PYTHONPATH')] if p])


def create_database(uri, name, folder, module='therapy_scheduling'):
    with pg_connect(uri, 'postgres', autocommit=True) as conn:
        conn.execute(sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'"
                ).format(sql.Identifier(name)))
    config_file = Path(folder, 'trytond.conf')
    config_file.write_text(f'[database]\nuri = {uri}\n')
    password_file = Path(folder, 'password')
    password_file.write_text('bench-admin\n')
    admin = os.path.join(os.path.dirname(sys.executable), 'trytond-admin')
    subprocess.run([admin, '-c', config_file, '-d', name, '--all',
            '-u', *module.split(), '--activate-dependencies',
            '--email', 'bench@example.com'],
        env={**os.environ, 'TRYTONPASSFILE': str(password_file)},
        stdin=subprocess.DEVNULL, stdout=sys.stderr, check=True)
    return config_file


def drop_database(uri, name):
    if 'trytond.pool' in sys.modules:   # close trytond's connection pool
        from trytond import backend
        opened = backend.Database._databases[os.getpid()]
        if name in opened:
            opened[name].close()
    with pg_connect(uri, 'postgres', autocommit=True) as conn:
        conn.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)')
            .format(sql.Identifier(name)))


class Practice:
    "Company, location, service, clinicians, rooms and clients (their ids)"

    def __init__(self, db):
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        with Transaction().start(db, 0):
            create = lambda model, rows: Pool().get(model).create(rows)
            usd, = create('currency.currency', [{'name': "U.S. Dollar",
                        'code': 'USD', 'symbol': '$', 'digits': 2,
                        'rounding': Decimal('0.01')}])
            party, = create('party.party', [{'name': "Bench Practice"}])
            self.company = create('company.company', [{'party': party.id,
                        'currency': usd.id, 'timezone': TIMEZONE}])[0].id
        self.context = {'company': self.company}
        with Transaction().start(db, 0, context=self.context) as transaction:
            self.location = create('therapy.location', [{
                        'name': "Main Office", 'timezone': TIMEZONE}])[0].id
            self.rooms = [r.id for r in create('therapy.room', [
                        {'location': self.location, 'name': f"Room {i}"}
                        for i in range(ROOMS)])]
            parties = create('party.party', [
                    {'name': f"Clinician {i}"} for i in range(CLINICIANS)])
            self.clinicians = [e.id for e in create('company.employee', [{
                            'party': p.id, 'company': self.company,
                            'discipline': 'mental_health',
                            'therapy_locations': [('add', [self.location])],
                            } for p in parties])]
            self.service = create('therapy.service', [{
                        'name': "Psychotherapy, 45 min", 'code': '90834',
                        'duration': DURATION, 'modality': 'in_person',
                        'discipline': 'mental_health'}])[0].id
            cursor = transaction.connection.cursor()
            cursor.execute("WITH p AS (INSERT INTO party_party (name, code, "
                "active, create_uid, create_date) SELECT 'Client ' || n, "
                "'BENCH-' || n, true, 0, now() FROM generate_series(1, %s) n "
                "RETURNING id, code) INSERT INTO therapy_client (company, "
                "party, number, status, location, create_uid, create_date) "
                "SELECT %s, id, 'C' || substr(code, 7), 'active', %s, 0, "
                "now() FROM p ORDER BY id RETURNING id",
                (CLIENTS, self.company, self.location))
            self.clients = sorted(i for i, in cursor)


def this_monday():
    today = dt.datetime.now(dt.timezone.utc).date()
    return dt.datetime.combine(
        today - dt.timedelta(days=today.weekday()), dt.time())


RAW_TABLE = """CREATE TABLE bench_raw (
    id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    clinician integer NOT NULL, room integer, client integer NOT NULL,
    start timestamp(0) NOT NULL, "end" timestamp(0) NOT NULL,
    state varchar NOT NULL,
    EXCLUDE USING gist (clinician WITH =, tsrange(start, "end", '[)') WITH &&)
        WHERE (state <> 'cancelled'),
    EXCLUDE USING gist (room WITH =, tsrange(start, "end", '[)') WITH &&)
        WHERE (state <> 'cancelled' AND room IS NOT NULL),
    EXCLUDE USING gist (client WITH =, tsrange(start, "end", '[)') WITH &&)
        WHERE (state <> 'cancelled'))"""
# appointment i: clinician i % 200 at its (i // 200)-th hourly weekday slot
# going back from last week; client i % 20000 (never two at once); the
# first 20 clinicians have a room of their own, the others none
LOAD_APPOINTMENTS = f"""INSERT INTO therapy_appointment (company, client,
    clinician, location, room, service, start, "end", modality,
    place_of_service, state, create_uid, create_date)
SELECT %(company)s, c.id, e.id, %(location)s, r.id, %(service)s, s.start,
    s.start + interval '45 minutes', 'in_person', '11', 'completed', 0, now()
FROM (SELECT i, %(base)s::timestamp
        - (i / {CLINICIANS} / {WEEK_SLOTS}) * interval '7 days'
        + (i / {CLINICIANS} %% {WEEK_SLOTS} / {DAY_SLOTS}) * interval '1 day'
        + (i / {CLINICIANS} %% {DAY_SLOTS} + {FIRST_HOUR}) * interval '1 hour'
        AS start
    FROM generate_series(%(first)s::int, %(last)s::int) i) s
JOIN unnest(%(clinicians)s::int[]) WITH ORDINALITY e(id, n)
    ON e.n - 1 = s.i %% {CLINICIANS}
JOIN unnest(%(clients)s::int[]) WITH ORDINALITY c(id, n)
    ON c.n - 1 = s.i %% {CLIENTS}
LEFT JOIN unnest(%(rooms)s::int[]) WITH ORDINALITY r(id, n)
    ON r.n - 1 = s.i %% {CLINICIANS}
ORDER BY s.start, e.n"""
LOAD_ATTENDEES = """INSERT INTO therapy_appointment_attendee (appointment,
    client, start, "end", blocking, attendance, create_uid, create_date)
SELECT id, client, start, "end", true, 'attended', 0, now()
FROM therapy_appointment WHERE id > %s ORDER BY id"""
LOAD_RAW = """INSERT INTO bench_raw (clinician, room, client, start, "end",
    state) SELECT clinician, room, client, start, "end", state
FROM therapy_appointment WHERE id > %s ORDER BY id"""
LOAD_BARE = """INSERT INTO bench_appointment (company, clinician, room,
    client, start, "end", state, create_uid, create_date)
SELECT company, clinician, room, client, start, "end", state, 0, now()
FROM therapy_appointment WHERE id > %s ORDER BY id"""


def load(conn, practice, first, last):
    "Top the past appointments up from index first to last (excluded)"
    with conn.transaction():
        if not first:
            conn.execute(RAW_TABLE)
        # forget what the previous size's measures booked in the future
        conn.execute('DELETE FROM therapy_appointment WHERE start > now()')
        conn.execute('DELETE FROM therapy_appointment_series')
        conn.execute('DELETE FROM bench_raw WHERE start > now()')
        conn.execute('DELETE FROM bench_appointment WHERE start > now()')
        top, = conn.execute(
            'SELECT coalesce(max(id), 0) FROM therapy_appointment').fetchone()
        conn.execute(LOAD_APPOINTMENTS, {'first': first, 'last': last - 1,
                'base': this_monday() - dt.timedelta(weeks=1),
                **vars(practice)})
        conn.execute(LOAD_ATTENDEES, (top,))
        conn.execute(LOAD_RAW, (top,))
        conn.execute(LOAD_BARE, (top,))
    conn.autocommit = True
    conn.execute('VACUUM ANALYZE')    # ANALYZE, and the visibility map
    conn.autocommit = False


def interleaved(reps, variants):
    "Run the variants in turn, rep after rep; their times in ms"
    times = {name: [] for name in variants}
    for rep in range(WARMUP + reps):
        for name, function in variants.items():
            start = time.perf_counter()
            function(rep)
            if rep >= WARMUP:
                times[name].append((time.perf_counter() - start) * 1000)
    return times


def calendar_domain(clinician, start, end, lower_bound=False):
    "What sao's calendar view asks (view/calendar.js current_domain)"
    domain = ['AND', [('clinician', '=', clinician)], [
            ('start', '!=', None),
            ('end', '!=', None),
            ['OR',
                ['AND', ('start', '>=', start), ('start', '<', end)],
                ['AND', ('end', '>=', start), ('end', '<', end)],
                ['AND', ('start', '<', start), ('end', '>', end)],
                ],
            ]]
    if lower_bound:
        domain.append([('start', '>=', start - dt.timedelta(days=1))])
    return domain


RAW_WEEK = ('SELECT id, start, "end", client FROM therapy_appointment '
    'WHERE clinician = %s AND start < %s AND "end" > %s')
RAW_INSERT = ('INSERT INTO bench_raw (clinician, client, start, "end", '
    "state) VALUES {} RETURNING id")
RAW_ROW = "(%s, %s, %s, %s, 'scheduled')"


class Bench:

    def __init__(self, db, conn, practice, size):
        self.db, self.conn, self.practice = db, conn, practice
        self.random = random.Random(size)
        self.monday = this_monday()
        local = (self.monday - dt.timedelta(weeks=1)).replace(
            tzinfo=ZoneInfo(TIMEZONE))
        self.week = [(local + dt.timedelta(days=d)).astimezone(
                dt.timezone.utc).replace(tzinfo=None) for d in [0, 7]]

    def transaction(self, readonly=False):
        from trytond.transaction import Transaction
        return Transaction().start(self.db, 0, readonly=readonly,
            context=self.practice.context)

    def book(self, rows):
        "Create the appointments of (clinician, client, start) rows"
        from trytond.pool import Pool
        Pool().get('therapy.appointment').create([{
                    'client': client, 'clinician': clinician,
                    'location': self.practice.location,
                    'service': self.practice.service,
                    'start': start, 'end': start + DURATION}
                for clinician, client, start in rows])

    def book_bare(self, rows):
        "The same rows as bare Tryton appointments"
        from trytond.pool import Pool
        Pool().get('bench.appointment').create([{
                    'company': self.practice.company, 'client': client,
                    'clinician': clinician, 'start': start,
                    'end': start + DURATION}
                for clinician, client, start in rows])

    def booking(self, reps):
        """a. One booking at a random free future weekday slot (clinicians
        0-99, clients 0-9999; the series take the others, on Saturdays)"""
        practice, random = self.practice, self.random

        def slots():
            for index in random.sample(range(52 * WEEK_SLOTS), WARMUP + reps):
                week, rest = divmod(index, WEEK_SLOTS)
                yield (random.choice(practice.clinicians[:100]),
                    random.choice(practice.clients[:10000]),
                    self.monday + dt.timedelta(weeks=week + 1,
                        days=rest // DAY_SLOTS,
                        hours=FIRST_HOUR + rest % DAY_SLOTS))
        raw_slots, orm_slots, bare_slots = slots(), slots(), slots()

        def raw(rep):
            clinician, client, start = next(raw_slots)
            self.conn.execute(RAW_INSERT.format(RAW_ROW),
                (clinician, client, start, start + DURATION)).fetchone()
            self.conn.commit()

        def orm(rep):
            with self.transaction():
                self.book([next(orm_slots)])

        def bare(rep):
            with self.transaction():
                self.book_bare([next(bare_slots)])
        return interleaved(reps, {'raw': raw, 'orm': orm, 'bare': bare})

    def week_read(self, reps):
        """b. One clinician's week, last week: the clinician's whole
        history precedes it"""
        from trytond.pool import Pool
        start, end = self.week
        clinicians = [self.random.choice(self.practice.clinicians)
            for _ in range(WARMUP + reps)]

        def raw(rep):
            self.conn.execute(
                RAW_WEEK, (clinicians[rep], end, start)).fetchall()
            self.conn.commit()

        def orm(rep, lower_bound=False):
            with self.transaction(readonly=True):
                Pool().get('therapy.appointment').search_read(
                    calendar_domain(clinicians[rep], start, end, lower_bound),
                    fields_names=CALENDAR_FIELDS)
        def bare(rep):
            with self.transaction(readonly=True):
                Pool().get('bench.appointment').search_read(
                    calendar_domain(clinicians[rep], start, end),
                    fields_names=BARE_FIELDS)
        return interleaved(reps, {'raw': raw, 'orm': orm,
                'bounded': lambda rep: orm(rep, True), 'bare': bare})

    def series(self, reps):
        """c. 52 weekly appointments in one transaction: booking j takes
        clinician 100 + j % 100 and client 10000 + j on Saturdays at
        9 am local + 2 h for each 100 bookings"""
        practice = self.practice
        saturday = self.monday + dt.timedelta(weeks=1, days=5)
        bookings = iter(range(10 ** 6))    # ORM ones, direct or by series
        bare_bookings = iter(range(10 ** 6))

        def who(j):
            return (practice.clinicians[100 + j % 100],
                practice.clients[10000 + j], 9 + 2 * (j // 100))

        def weekly(j):
            clinician, client, hour = who(j)
            first = saturday + dt.timedelta(hours=hour + 4)
            return [(clinician, client, first + dt.timedelta(weeks=w))
                for w in range(52)]

        def raw(rep):
            rows = weekly(rep)
            self.conn.execute(RAW_INSERT.format(', '.join(
                        [RAW_ROW] * len(rows))), [value for c, p, s in rows
                    for value in (c, p, s, s + DURATION)]).fetchall()
            self.conn.commit()

        def orm(rep):
            with self.transaction():
                self.book(weekly(next(bookings)))

        def series(rep):
            from trytond.pool import Pool
            clinician, client, hour = who(next(bookings))
            with self.transaction():
                record, = Pool().get('therapy.appointment.series').create([{
                            'client': client, 'clinician': clinician,
                            'location': practice.location,
                            'service': practice.service,
                            'first_date': saturday.date(),
                            'start_time': dt.time(hour),
                            'frequency': 'weekly', 'interval': 1,
                            'end_type': 'count', 'count': 52,
                            'skip_holidays': False}])
                Pool().get('therapy.appointment').create([
                        record.appointment_values(occurrence)
                        for occurrence in record.occurrences()])
        def bare(rep):
            with self.transaction():
                self.book_bare(weekly(next(bare_bookings)))
        return interleaved(reps, {'raw': raw, 'orm': orm, 'series': series,
                'bare': bare})

    def calendar_sql(self, clinician, lower_bound):
        "The SQL of the ORM's calendar search, from trytond's cursor log"
        from trytond.pool import Pool
        queries, handler = [], logging.Handler()
        handler.emit = lambda record: queries.append(record.getMessage())
        logger = logging.getLogger('trytond.backend.postgresql.database')
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        try:
            with self.transaction(readonly=True):
                Pool().get('therapy.appointment').search(calendar_domain(
                        clinician, *self.week, lower_bound))
        finally:
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
            logger.propagate = True
        return next(q for q in queries if 'FROM "therapy_appointment"' in q
            and '"clinician" =' in q)

    def explain(self, query, params=None):
        "Plan nodes, index (as its columns), index conditions, buffers"
        indexes = dict(self.conn.execute("SELECT indexname, "
                "regexp_replace(indexdef, '.* USING ', '') FROM pg_indexes "
                "WHERE tablename = 'therapy_appointment'").fetchall())
        if params:
            query = psycopg.ClientCursor(self.conn).mogrify(query, params)
        plan = [line for line, in self.conn.execute(
                'EXPLAIN (ANALYZE, BUFFERS) ' + query)]
        self.conn.rollback()
        lines = []
        for line in plan[:next(i for i, line in enumerate(plan)
                if line.startswith('Planning'))]:
            text = line.strip().removeprefix('-> ')
            if line is plan[0] or '->' in line or re.match(
                    r'(Index Cond|Filter|Rows Removed|Buffers)', text):
                text = re.sub(r' +\(cost=[^)]*\)', '', text)
                text = re.sub(r'\(actual time=[\d.]+\.\.([\d.]+) rows=(\d+)'
                    r' loops=\d+\)', r'[rows=\2, \1 ms]', text)
                text = re.sub(r' AND \("?\w+"? IS NOT NULL\)|::timestamp '
                    r'without time zone|:00(?=\')', '', text)
                for name, definition in indexes.items():
                    text = text.replace(f' {name} ', f' {definition} ')
                indent = len(line) - len(line.lstrip())
                lines.append(' ' * (4 + indent // 2) + text[:150])
        return '\n'.join(lines + ['    ' + plan[-1]])


def summary(times):
    "median and 95th percentile (nearest rank)"
    return statistics.median(times), sorted(times)[
        max(0, math.ceil(0.95 * len(times)) - 1)]


def profile(bench, size, path, reps=100):
    """cProfile of reps ORM bookings and of reps // 10 52-occurrence
    series (each call in its own transaction, as measured): the top 40 by
    cumulative and by own time go to path, the whole profiles beside it
    (path.booking.prof, path.series.prof) for pstats"""
    import cProfile
    import io
    import pstats
    profiler = cProfile.Profile()
    out = io.StringIO()
    for label, kind, run in [
            ('ORM create 1 appointment + commit', 'booking',
                lambda: bench.booking(reps)),
            ('ORM create 52 appointments + commit', 'series',
                lambda: bench.series(max(reps // 10, 1)))]:
        profiler.enable()
        run()
        profiler.disable()
        profiler.dump_stats(f'{path}.{kind}.prof')
        for key in ['cumulative', 'tottime']:
            out.write(f'## {size:,}: {label} (and the raw and bare runs '
                f'interleaved with it), by {key}\n\n')
            pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(
                40)
        profiler = cProfile.Profile()
    Path(path).write_text(out.getvalue())
    log(f'{size}: profile written to {path}')


def measure(bench, size, args):
    if args.profile:
        profile(bench, size, args.profile)
        return
    log(f'{size}: a. single bookings')
    a = bench.booking(args.single_reps)
    log(f'{size}: b. clinician-week reads')
    b = bench.week_read(args.read_reps)
    log(f'{size}: c. 52-occurrence series')
    c = bench.series(args.batch_reps)
    print(f'\n## {size:,} past appointments ({CLINICIANS} clinicians, '
        f'{ROOMS} rooms, {CLIENTS:,} clients)\n')
    print(f'| {"measure":<56} | reps | median ms | p95 ms |'
        ' ratio (median) | ratio (p95) | goal | vs bare (median) |')
    print(f'|{"-" * 58}|-----:|----------:|-------:|---------------:'
        '|------------:|-----:|-----------------:|')
    for label, group, key, goal in [
            ('A raw INSERT .. RETURNING + commit, 3 exclusions', a, 'raw', ''),
            ('A bare Tryton create 1 + commit, 3 exclusions', a, 'bare', ''),
            ('A ORM create 1 appointment + commit, all checks', a, 'orm',
                '4x'),
            ('B raw SELECT clinician = and start < and end >', b, 'raw', ''),
            ('B bare Tryton search_read, calendar domain, stored', b,
                'bare', ''),
            ('B ORM search_read, sao calendar domain', b, 'orm', '3x'),
            ('B ORM search_read, same + start >= week - 1 day', b, 'bounded',
                '3x'),
            ('C raw 52-row INSERT .. VALUES + commit', c, 'raw', ''),
            ('C bare Tryton create 52 + commit', c, 'bare', ''),
            ('C ORM create 52 appointments + commit', c, 'orm', '3x'),
            ('C ORM series (count 52) + its 52 appointments', c, 'series',
                '3x')]:
        times, baseline = group[key], group['raw'] if key != 'raw' else None
        median, p95 = summary(times)
        ratios = ('baseline', '')
        if baseline:
            ratios = tuple(f'{x / y:.1f}x'
                for x, y in zip((median, p95), summary(baseline)))
        bare = ''
        if key not in {'raw', 'bare'}:
            bare = f'{median / summary(group["bare"])[0]:.1f}x'
        print(f'| {label:<56} | {len(times):>4} | {median:>9.2f} | '
            f'{p95:>6.2f} | {ratios[0]:>14} | {ratios[1]:>11} | {goal:>4} | '
            f'{bare:>16} |')
    start, end = bench.week
    clinician = bench.practice.clinicians[7]
    print(f'\nEXPLAIN (ANALYZE, BUFFERS) of B for clinician {clinician}, '
        f'{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC\n')
    print('- raw baseline B:')
    print(bench.explain(RAW_WEEK, (clinician, end, start)))
    for lower_bound, label in [(False, "sao's calendar domain"),
            (True, 'same + start >= week start - 1 day')]:
        print(f'- ORM search, {label}:')
        print(bench.explain(bench.calendar_sql(clinician, lower_bound)))
    sys.stdout.flush()


def machine(conn, title='Scheduling benchmark'):
    import trytond
    cpu = next((line.split(':', 1)[1].strip()
            for line in open('/proc/cpuinfo') if line.startswith(
                'model name')), platform.processor())
    uname = subprocess.run(['uname', '-srm'], capture_output=True,
        text=True).stdout.strip()
    server, = conn.execute('SHOW server_version').fetchone()
    conn.rollback()
    print(f'# {title}, {dt.datetime.now():%Y-%m-%d %H:%M}\n')
    print(f'Machine: {uname}; {cpu}, {os.cpu_count()} cores; PostgreSQL '
        f'{server}; Python {platform.python_version()}'
        f'{" optimized (-O)" if sys.flags.optimize else ""}, trytond '
        f'{trytond.__version__}, psycopg {psycopg.__version__} '
        f'({psycopg.pq.__impl__}).\n')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://tryton@127.0.0.1:5432/'))
    parser.add_argument('--sizes', default='100000',
        help="past appointments to load, comma separated")
    parser.add_argument('--single-reps', type=int, default=200)
    parser.add_argument('--read-reps', type=int, default=200)
    parser.add_argument('--batch-reps', type=int, default=30)
    parser.add_argument('--profile', metavar='FILE',
        help="profile the ORM's bookings and series into FILE instead of "
        "measuring them")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(','))
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    name = f'caseload_bench_{os.getpid()}'
    with tempfile.TemporaryDirectory() as folder:
        try:
            log(f'creating {name}, activating therapy_scheduling and '
                'bench_bare')
            offer_bare_tryton(folder)
            config_file = create_database(args.uri, name, folder,
                'therapy_scheduling bench_bare')
            from trytond import config
            config.update_etc(str(config_file))
            config.set('database', 'uri', args.uri)
            from trytond.pool import Pool
            Pool(name).init()
            # as the server's workers do once their pool is loaded: else
            # a full collection, now and then, walks the whole pool
            from caseload import heap
            heap.freeze_loaded()
            practice = Practice(name)
            with pg_connect(args.uri, name) as conn:
                machine(conn)
                print('Ratios = ORM time / the raw baseline above it, both '
                    'measured in this run, interleaved;\nORM calls run as '
                    'user 0, each in its own transaction (like one RPC '
                    'call).')
                loaded = 0
                for size in sizes:
                    started = time.perf_counter()
                    load(conn, practice, loaded, size)
                    loaded = size
                    log(f'{size}: loaded in '
                        f'{time.perf_counter() - started:.0f} s')
                    measure(Bench(name, conn, practice, size), size, args)
        finally:
            drop_database(args.uri, name)
            log(f'dropped {name}')


if __name__ == '__main__':
    main()
