"""Scheduling benchmark: book one appointment, read a clinician's week,
create a 52-occurrence series, against N past appointments in PostgreSQL.

Every figure is printed as a ratio to a raw SQL baseline measured in the
same run, interleaved with it (see PERFORMANCE.md); nothing is asserted.

    .venv/bin/python bench/scheduling.py \\
        --uri postgresql://tryton@127.0.0.1:55432/ --sizes 100000,1000000

It creates caseload_bench_<pid>, activates therapy_scheduling with
trytond-admin, loads the practice and the appointments with plain SQL, runs
the measures for each size (ascending; the data is topped up between sizes)
and drops the database at the end, also on failure.
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
SQL_LOGGER = 'trytond.backend.postgresql.database'


def log(message):
    print(f'[{time.strftime("%H:%M:%S")}] {message}', file=sys.stderr,
        flush=True)


def pg_uri(uri, dbname):
    parts = urlsplit(uri)
    return urlunsplit(('postgresql', parts.netloc, f'/{dbname}', '', ''))


def create_database(uri, name, folder):
    with psycopg.connect(pg_uri(uri, 'postgres'), autocommit=True) as conn:
        conn.execute(sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'"
                ).format(sql.Identifier(name)))
    config_file = os.path.join(folder, 'trytond.conf')
    with open(config_file, 'w') as file:
        file.write(f'[database]\nuri = {uri}\n')
    password_file = os.path.join(folder, 'password')
    with open(password_file, 'w') as file:
        file.write('bench-admin\n')
    admin = os.path.join(os.path.dirname(sys.executable), 'trytond-admin')
    subprocess.run([admin, '-c', config_file, '-d', name, '--all',
            '-u', 'therapy_scheduling', '--activate-dependencies',
            '--email', 'bench@example.com'],
        env={**os.environ, 'TRYTONPASSFILE': password_file},
        stdin=subprocess.DEVNULL, stdout=sys.stderr, check=True)
    return config_file


def drop_database(uri, name):
    with psycopg.connect(pg_uri(uri, 'postgres'), autocommit=True) as conn:
        conn.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)')
            .format(sql.Identifier(name)))


class Practice:
    "One company, location, service; clinicians, rooms and clients (ids)"

    def __init__(self, db):
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        with Transaction().start(db, 0):
            pool = Pool()
            usd, = pool.get('currency.currency').create([{
                        'name': "U.S. Dollar", 'code': 'USD', 'symbol': '$',
                        'rounding': Decimal('0.01'), 'digits': 2}])
            party, = pool.get('party.party').create([{'name': "Bench"}])
            company, = pool.get('company.company').create([{
                        'party': party.id, 'currency': usd.id,
                        'timezone': TIMEZONE}])
            self.company = company.id
        self.context = {'company': self.company}
        with Transaction().start(db, 0, context=self.context) as transaction:
            location, = pool.get('therapy.location').create([{
                        'name': "Main Office", 'timezone': TIMEZONE}])
            self.location = location.id
            self.rooms = [r.id for r in pool.get('therapy.room').create([
                        {'location': location.id, 'name': f"Room {i}"}
                        for i in range(ROOMS)])]
            parties = pool.get('party.party').create([
                    {'name': f"Clinician {i}"} for i in range(CLINICIANS)])
            self.clinicians = [e.id for e in pool.get(
                    'company.employee').create([{
                            'party': p.id, 'company': self.company,
                            'discipline': 'mental_health',
                            'therapy_locations': [('add', [location.id])],
                            } for p in parties])]
            service, = pool.get('therapy.service').create([{
                        'name': "Psychotherapy, 45 min", 'code': '90834',
                        'duration': DURATION, 'modality': 'in_person',
                        'discipline': 'mental_health'}])
            self.service = service.id
            cursor = transaction.connection.cursor()
            cursor.execute("INSERT INTO party_party "
                "(name, code, active, create_uid, create_date) "
                "SELECT 'Client ' || n, 'BENCH-' || n, true, 0, now() "
                "FROM generate_series(1, %s) n", (CLIENTS,))
            cursor.execute("INSERT INTO therapy_client (company, party, "
                "number, status, location, create_uid, create_date) "
                "SELECT %s, id, 'C' || substr(code, 7), 'active', %s, 0, "
                "now() FROM party_party WHERE code LIKE 'BENCH-%%' "
                "ORDER BY id", (self.company, self.location))
            cursor.execute("SELECT id FROM therapy_client ORDER BY id")
            self.clients = [i for i, in cursor]


def this_monday():
    today = dt.datetime.now(dt.timezone.utc).date()
    return dt.datetime.combine(today - dt.timedelta(days=today.weekday()),
        dt.time())


def slot(monday, index):
    "The index-th hourly weekday slot from monday on (negative weeks back)"
    week, rest = divmod(index, WEEK_SLOTS)
    return monday + dt.timedelta(weeks=week, days=rest // DAY_SLOTS,
        hours=FIRST_HOUR + rest % DAY_SLOTS)


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

# appointment i: clinician i % 200 at its (i // 200)-th slot going back
# from last Monday; a client (i % 20000) never has two at once; the first
# 20 clinicians have a room of their own, the others none
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


def load(conn, practice, first, last):
    "Top the appointments up from index first to last (excluded)"
    base = this_monday() - dt.timedelta(weeks=1)
    with conn.transaction():
        if not first:
            conn.execute(RAW_TABLE)
        # forget what the previous size's measures booked in the future
        conn.execute('DELETE FROM therapy_appointment WHERE start > now()')
        conn.execute('DELETE FROM therapy_appointment_series')
        conn.execute('DELETE FROM bench_raw WHERE start > now()')
        top, = conn.execute(
            'SELECT coalesce(max(id), 0) FROM therapy_appointment').fetchone()
        conn.execute(LOAD_APPOINTMENTS, {
                'company': practice.company, 'location': practice.location,
                'service': practice.service, 'base': base, 'first': first,
                'last': last - 1, 'clinicians': practice.clinicians,
                'clients': practice.clients, 'rooms': practice.rooms})
        conn.execute(LOAD_ATTENDEES, (top,))
        conn.execute(LOAD_RAW, (top,))
    conn.autocommit = True
    conn.execute('VACUUM ANALYZE')
    conn.autocommit = False


def timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return (time.perf_counter() - start) * 1000


def interleaved(reps, variants):
    "Run the variants in turn, rep after rep; return their times in ms"
    times = {name: [] for name in variants}
    for rep in range(WARMUP + reps):
        for name, function in variants.items():
            elapsed = timed(function, rep)
            if rep >= WARMUP:
                times[name].append(elapsed)
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
RAW_INSERT = ('INSERT INTO bench_raw (clinician, room, client, start, '
    '"end", state) VALUES {} RETURNING id')


class Bench:

    def __init__(self, db, conn, practice, size):
        self.db, self.conn, self.practice = db, conn, practice
        self.random = random.Random(size)
        self.monday = this_monday()
        local_monday = (self.monday - dt.timedelta(weeks=1)).replace(
            tzinfo=ZoneInfo(TIMEZONE))
        self.week = [(local_monday + dt.timedelta(days=d)).astimezone(
                dt.timezone.utc).replace(tzinfo=None) for d in [0, 7]]

    def transaction(self, readonly=False):
        from trytond.transaction import Transaction
        return Transaction().start(self.db, 0, readonly=readonly,
            context=self.practice.context)

    def model(self, name):
        from trytond.pool import Pool
        return Pool().get(name)

    # a. one booking at a random free future weekday slot; clinicians 0-99,
    # clients 0-9999 (series use the others, on Saturdays)
    def booking(self, reps):
        practice = self.practice
        count = WARMUP + reps
        slots = {name: self.random.sample(range(52 * WEEK_SLOTS), count)
            for name in ['raw', 'orm']}

        def values(name, rep):
            start = slot(self.monday + dt.timedelta(weeks=1),
                slots[name][rep])
            return (self.random.choice(practice.clinicians[:100]),
                self.random.choice(practice.clients[:10000]),
                start, start + DURATION)

        def raw(rep):
            clinician, client, start, end = values('raw', rep)
            self.conn.execute(RAW_INSERT.format('(%s, NULL, %s, %s, %s, %s)'),
                (clinician, client, start, end, 'scheduled')).fetchone()
            self.conn.commit()

        def orm(rep):
            clinician, client, start, end = values('orm', rep)
            with self.transaction():
                self.model('therapy.appointment').create([{
                            'client': client, 'clinician': clinician,
                            'location': practice.location,
                            'service': practice.service,
                            'start': start, 'end': end}])
        return interleaved(reps, {'raw': raw, 'orm': orm})

    # b. one clinician's week (last week: the whole history precedes it)
    def week_read(self, reps):
        start, end = self.week
        clinicians = [self.random.choice(self.practice.clinicians)
            for _ in range(WARMUP + reps)]
        self.conn.autocommit = True

        def raw(rep):
            self.conn.execute(
                RAW_WEEK, (clinicians[rep], end, start)).fetchall()

        def orm(rep, lower_bound=False):
            with self.transaction(readonly=True):
                self.model('therapy.appointment').search_read(
                    calendar_domain(clinicians[rep], start, end, lower_bound),
                    fields_names=CALENDAR_FIELDS)
        try:
            return interleaved(reps, {'raw': raw, 'orm': orm,
                    'bounded': lambda rep: orm(rep, True)})
        finally:
            self.conn.autocommit = False

    # c. 52 weekly appointments in one transaction; rep j books clinician
    # 100 + j % 100 and client 10000 + j on Saturdays, two hours per 100 reps
    def series(self, reps):
        practice = self.practice
        saturday = self.monday + dt.timedelta(weeks=1, days=5)
        counter = iter(range(10 ** 6))

        def who(rep):
            j = next(counter) if rep is None else rep
            return (practice.clinicians[100 + j % 100],
                practice.clients[10000 + j], FIRST_HOUR + 2 * (j // 100))

        def weekly(rep):
            clinician, client, hour = who(rep)
            return [(clinician, client, start, start + DURATION)
                for start in (saturday + dt.timedelta(weeks=w, hours=hour)
                    for w in range(52))]

        def raw(rep):
            rows = weekly(rep)
            self.conn.execute(
                RAW_INSERT.format(', '.join(
                        ['(%s, NULL, %s, %s, %s, %s)'] * len(rows))),
                [v for row in rows for v in (*row, 'scheduled')]).fetchall()
            self.conn.commit()

        def orm(rep):
            with self.transaction():
                self.model('therapy.appointment').create([{
                            'client': client, 'clinician': clinician,
                            'location': practice.location,
                            'service': practice.service,
                            'start': start, 'end': end}
                        for clinician, client, start, end in weekly(None)])

        def series(rep):
            clinician, client, hour = who(None)
            with self.transaction():
                record, = self.model('therapy.appointment.series').create([{
                            'client': client, 'clinician': clinician,
                            'location': practice.location,
                            'service': practice.service,
                            'first_date': saturday.date(),
                            'start_time': dt.time(hour - 4),
                            'frequency': 'weekly', 'interval': 1,
                            'end_type': 'count', 'count': 52,
                            'skip_holidays': False}])
                self.model('therapy.appointment').create([
                        record.appointment_values(occurrence)
                        for occurrence in record.occurrences()])
        return interleaved(reps, {'raw': raw, 'orm': orm, 'series': series})

    def calendar_sql(self, clinician, lower_bound):
        "The SQL of the ORM's calendar search, from trytond's cursor log"
        start, end = self.week
        queries = []
        handler = logging.Handler()
        handler.emit = lambda record: queries.append(record.getMessage())
        logger = logging.getLogger(SQL_LOGGER)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        try:
            with self.transaction(readonly=True):
                self.model('therapy.appointment').search(calendar_domain(
                        clinician, start, end, lower_bound))
        finally:
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
            logger.propagate = True
        return next(q for q in queries if 'FROM "therapy_appointment"' in q
            and '"clinician" =' in q)

    def explain(self, query, params=None):
        "Plan nodes, index (as its columns) and index conditions"
        indexes = dict(self.conn.execute(
                "SELECT indexname, regexp_replace(indexdef, "
                "'.* USING (\\w+) ', '\\1 ') FROM pg_indexes "
                "WHERE tablename = 'therapy_appointment'").fetchall())
        if params:
            query = psycopg.ClientCursor(self.conn).mogrify(query, params)
        plan = [line for line, in self.conn.execute(
                'EXPLAIN (ANALYZE, BUFFERS) ' + query)]
        self.conn.rollback()
        lines, buffers = [], False
        for line in plan:
            text = line.strip().removeprefix('-> ')
            if text.startswith('Buffers:'):   # the total only
                if buffers:
                    continue
                buffers = True
            if re.match(r'(Index Cond|Recheck Cond|Buffers|Filter'
                    r'|Rows Removed|Execution Time)', text) or line is plan[0] \
                    or '->' in line:
                text = re.sub(r' +\(cost=[^)]*\)', '', text)
                text = re.sub(r'\(actual time=[\d.]+\.\.([\d.]+) rows=(\d+)'
                    r' loops=\d+\)', r'[rows=\2, \1 ms]', text)
                for name, columns in indexes.items():
                    text = text.replace(name, columns)
                indent = len(line) - len(line.lstrip())
                lines.append(' ' * (2 + indent // 2) + text[:150])
        return '\n'.join(lines)


def summary(times):
    ordered = sorted(times)
    return (statistics.median(ordered),
        ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)])


def table(size, results):
    print(f'\n## {size:,} appointments ({CLINICIANS} clinicians, {ROOMS} '
        f'rooms, {CLIENTS:,} clients); ratio = measured / baseline\n')
    print(f'| {"measure":<58} | reps | median ms | p95 ms | ratio '
        f'median | ratio p95 | goal |')
    print(f'|{"-" * 60}|-----:|----------:|-------:|-------------:'
        f'|----------:|-----:|')
    for label, times, baseline, goal in results:
        median, p95 = summary(times)
        if baseline is None:
            ratios = ('baseline', '')
        else:
            base_median, base_p95 = summary(baseline)
            ratios = (f'{median / base_median:.2f}x',
                f'{p95 / base_p95:.2f}x')
        print(f'| {label:<58} | {len(times):>4} | {median:>9.2f} | '
            f'{p95:>6.2f} | {ratios[0]:>12} | {ratios[1]:>9} | '
            f'{goal:>4} |')


def measure(bench, size, args):
    log(f'{size}: a. single bookings')
    a = bench.booking(args.single_reps)
    log(f'{size}: b. clinician-week reads')
    b = bench.week_read(args.read_reps)
    log(f'{size}: c. 52-occurrence series')
    c = bench.series(args.batch_reps)
    table(size, [
            ('A raw INSERT ... RETURNING + commit (3 exclusions)',
                a['raw'], None, ''),
            ('A ORM create 1 appointment + commit, every check',
                a['orm'], a['raw'], '4x'),
            ('B raw SELECT clinician = AND start < AND end >',
                b['raw'], None, ''),
            ('B ORM search_read, sao calendar domain',
                b['orm'], b['raw'], '1.5x'),
            ('B ORM search_read, sao domain + start >= week - 1 day',
                b['bounded'], b['raw'], '1.5x'),
            ('C raw 52-row INSERT ... VALUES + commit',
                c['raw'], None, ''),
            ('C ORM create 52 appointments + commit',
                c['orm'], c['raw'], '3x'),
            ('C ORM create series (count 52) + its 52 appointments',
                c['series'], c['raw'], '3x'),
            ])
    start, end = bench.week
    clinician = bench.practice.clinicians[7]
    print(f'\nEXPLAIN (ANALYZE, BUFFERS), clinician {clinician}, week '
        f'{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC:')
    print('- raw baseline B:')
    print(bench.explain(RAW_WEEK, (clinician, end, start)))
    for lower_bound, label in [(False, "sao's calendar domain"),
            (True, 'with start >= week - 1 day')]:
        print(f'- ORM search, {label}:')
        print(bench.explain(bench.calendar_sql(clinician, lower_bound)))
    sys.stdout.flush()


def machine(conn):
    import trytond
    cpu = next((line.split(':', 1)[1].strip()
            for line in open('/proc/cpuinfo') if line.startswith(
                'model name')), platform.processor())
    uname = subprocess.run(['uname', '-srm'], capture_output=True,
        text=True).stdout.strip()
    server, = conn.execute('SHOW server_version').fetchone()
    print(f'# Scheduling benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}\n')
    print(f'Machine: {uname}; {cpu}, {os.cpu_count()} cores; PostgreSQL '
        f'{server}; Python {platform.python_version()}, trytond '
        f'{trytond.__version__}, psycopg {psycopg.__version__}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://tryton@127.0.0.1:5432/'))
    parser.add_argument('--sizes', default='100000',
        help="appointments to load, comma separated")
    parser.add_argument('--single-reps', type=int, default=200)
    parser.add_argument('--read-reps', type=int, default=200)
    parser.add_argument('--batch-reps', type=int, default=30)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(','))
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    name = f'caseload_bench_{os.getpid()}'
    with tempfile.TemporaryDirectory() as folder:
        try:
            started = time.perf_counter()
            log(f'creating {name}, activating therapy_scheduling')
            config_file = create_database(args.uri, name, folder)
            from trytond import config
            config.update_etc(config_file)
            config.set('database', 'uri', args.uri)
            from trytond.pool import Pool
            Pool(name).init()
            practice = Practice(name)
            log(f'ready in {time.perf_counter() - started:.0f} s')
            with psycopg.connect(pg_uri(args.uri, name)) as conn:
                machine(conn)
                conn.rollback()
                loaded = 0
                for size in sizes:
                    started = time.perf_counter()
                    load(conn, practice, loaded, size)
                    loaded = size
                    log(f'{size}: loaded in '
                        f'{time.perf_counter() - started:.0f} s')
                    measure(Bench(name, conn, practice, size), size, args)
        finally:
            if 'trytond.pool' in sys.modules:   # close trytond's pool
                from trytond import backend
                opened = backend.Database._databases[os.getpid()]
                if name in opened:
                    opened[name].close()
            drop_database(args.uri, name)
            log(f'dropped {name}')


if __name__ == '__main__':
    main()
