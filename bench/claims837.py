"""837P benchmark (issue 11): generate the 837P of N ready claims from the
database, and validate the same file with pyx12.

    PYTHONPATH=addons:. .venv/bin/python bench/claims837.py --claims 5000 \\
        > bench/results-claims837.txt      # progress goes to stderr

Creates a throwaway database, SQLite in a temporary folder by default or
PostgreSQL with ``--uri postgresql://user@host:port/`` (caseload_bench_<pid>,
template0, UTF8), activates therapy_edi with trytond-admin, and removes it
at the end, also on failure.

The setup goes through the ORM, in batches, as the application does it;
no SQL writes a row:
- through proteus (as the EDI scenario does): the company with its billing
  NPI, taxonomy, EIN and ZIP+4 address, the chart of accounts and fiscal
  years, the clearinghouse, five payers each with its Payer ID at it, four
  services (90834, 90837, the 90785 add-on, 96127) with their product;
- with ``create`` on the pool, in batches of 500: 50 clinicians (valid
  NPIs, taxonomy), N clients (address, birth date, sex), one coverage each
  (member ID; one in five a child on a parent's policy, the parent with an
  address), and 1-3 pending payer charges per client on one day of the
  last 60 (diagnoses F41.1, F32.1, F43.23; rendering clinician; no
  appointment, so no 2310C service facility);
- ``Claim.from_charges`` (one claim per client and day); then the first
  ``--posted`` claims (100) go through the real ``ready`` transition
  (scrubbed, payer invoice posted), the others are scrubbed the same way
  (``Claim.scrub()``, which includes the 837P's own checks; any finding
  stops the run) and written ``ready`` with their history event by the
  ORM, without posting their invoice: posting costs ~0.5 s a claim on this
  machine (5,000 would take most of an hour) and the 837P never reads it.
Setup time is reported, not measured.

Measured, each rep in its own read-only transaction (one RPC, cold record
cache), the three interleaved rep by rep, median of ``--reps``:
- baseline: a raw SQL read of the ready claims' lines joined to their
  claims, coverages and payers (the floor: the rows the file is made of);
- generation: what EdiFile.send does up to the text: ``ready_claims``,
  ``BatchBuilder(...).build()`` and ``write_837p`` (control numbers are
  fixed: taking them from their sequences would write; nothing is written
  to a folder or committed);
- pyx12: the project's ``x12.validate()`` of that same text.
The goal (PERFORMANCE.md): generation <= 1/4 of pyx12's validation time.
Nothing is asserted. When generation misses the goal, one more generation
runs under cProfile and its top 25 by cumulative time go to
``--profile`` (bench/profile-claims837.txt by default).
"""
import argparse
import cProfile
import datetime as dt
import io
import logging
import os
import platform
import pstats
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

CLINICIANS, PAYERS, BATCH = 50, 5, 500
GOAL = 0.25
HOUSE = "Bench House"
STATES = [('NY', "New York", "Brooklyn", "112"),
    ('NJ', "New Jersey", "Newark", "071"),
    ('CT', "Connecticut", "Stamford", "069")]
# code, name, minutes, price
SERVICES = [
    ('90834', "Psychotherapy, 45 minutes", 45, '150.00'),
    ('90837', "Psychotherapy, 60 minutes", 60, '190.00'),
    ('90785', "Interactive complexity (add-on)", 0, '25.00'),
    ('96127', "Brief emotional/behavioral assessment", 5, '10.00'),
    ]
# the claims' lines: one line, two (with the add-on) or three
VISITS = [['90834'], ['90837', '90785'], ['90834', '90785', '96127']]
DIAGNOSES = ['F41.1', 'F32.1', 'F43.23']
FIRST_NAMES = ["Kim", "Ana", "Sam", "Noa", "Lee", "Ravi", "Mia", "Omar",
    "Iris", "Theo", "Zoe", "Ezra"]
LAST_NAMES = ["Reyes", "Ortiz", "Lind", "Park", "Novak", "Silva", "Haddad",
    "Kowalski", "Okafor", "Nguyen", "Brennan", "Fischer"]
HERE = Path(__file__).resolve().parent


def log(message):
    print(f'[{time.strftime("%H:%M:%S")}] {message}', file=sys.stderr,
        flush=True)


def npi(stem):
    from therapy_scheduling.identifiers import npi_check_digit
    return stem + npi_check_digit(stem)


# --- the throwaway database ----------------------------------------------
class Database:
    "SQLite in folder, or a PostgreSQL database at uri"

    def __init__(self, uri, folder):
        self.uri, self.folder = uri, folder
        self.postgresql = uri.startswith('postgresql')
        self.name = f'caseload_bench_{os.getpid()}'
        self.config_file = Path(folder, 'trytond.conf')
        self.created = False

    def pg_connect(self, dbname, **kwargs):
        import psycopg
        parts = urlsplit(self.uri)
        return psycopg.connect(
            urlunsplit(('postgresql', parts.netloc, f'/{dbname}', '', '')),
            **kwargs)

    def create(self):
        if self.postgresql:
            from psycopg import sql
            with self.pg_connect('postgres', autocommit=True) as conn:
                conn.execute(sql.SQL(
                        "CREATE DATABASE {} TEMPLATE template0 "
                        "ENCODING 'UTF8'").format(sql.Identifier(self.name)))
            self.config_file.write_text(f'[database]\nuri = {self.uri}\n')
        else:
            sqlite3.connect(Path(self.folder, f'{self.name}.sqlite')).close()
            self.config_file.write_text(
                f'[database]\nuri = sqlite://\npath = {self.folder}\n')
        self.created = True
        password_file = Path(self.folder, 'password')
        password_file.write_text('bench-admin\n')
        admin = os.path.join(os.path.dirname(sys.executable), 'trytond-admin')
        subprocess.run([admin, '-c', self.config_file, '-d', self.name,
                '--all', '-u', 'therapy_edi', '--activate-dependencies',
                '--email', 'bench@example.com'],
            env={**os.environ, 'TRYTONPASSFILE': str(password_file)},
            stdin=subprocess.DEVNULL, stdout=sys.stderr, check=True)

    def close(self, name):
        "Close trytond's connections to database name, if any"
        if 'trytond.pool' in sys.modules:
            from trytond import backend
            opened = getattr(backend.Database, '_databases', {}).get(
                os.getpid(), {})
            if name in opened:
                opened[name].close()

    def copy(self, source, target):
        "(PostgreSQL) database target, a copy of source (no one on it)"
        from psycopg import sql
        self.close(source)
        with self.pg_connect('postgres', autocommit=True) as conn:
            conn.execute(sql.SQL('CREATE DATABASE {} TEMPLATE {}').format(
                    sql.Identifier(target), sql.Identifier(source)))

    def drop(self):
        self.close(self.name)
        if self.postgresql and self.created:
            from psycopg import sql
            with self.pg_connect('postgres', autocommit=True) as conn:
                conn.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)')
                    .format(sql.Identifier(self.name)))
        # the SQLite file goes with the temporary folder

    def version(self):
        if self.postgresql:
            with self.pg_connect('postgres') as conn:
                server, = conn.execute('SHOW server_version').fetchone()
            return f'PostgreSQL {server}'
        return f'SQLite {sqlite3.sqlite_version}'


# --- the practice ------------------------------------------------------------
class Practice:
    "The reference data, through proteus, as the EDI scenario makes it"

    def __init__(self, database, folder):
        from proteus import Model, config
        from trytond.modules.account.tests.tools import (
            create_chart, create_fiscalyear)
        from trytond.modules.account_invoice.tests.tools import (
            set_fiscalyear_invoice_sequences)
        from trytond.modules.company.tests.tools import create_company
        from trytond.pool import Pool
        # importing Tryton's test tools sets Pool.test, which validates
        # Function fields on every save as no server does: measure the
        # server's work, not the test mode's
        Pool.test = False
        self.config = config.set_trytond(database=database.name,
            config_file=str(database.config_file))
        self.database = database.name
        Party = Model.get('party.party')
        Item = Model.get('ir.module.config_wizard.item')
        for item in Item.find([('state', '=', 'open')]):
            item.state = 'done'
            item.save()
        party = Party(name="Bench Street Therapy")
        party.save()
        create_company(party=party)
        company, = Model.get('company.company').find([])
        today = dt.date.today()
        for year in sorted({(today - dt.timedelta(days=61)).year,
                    today.year}):
            fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(
                    company, today=(dt.date(year, 1, 1),
                        dt.date(year, 12, 31))))
            fiscalyear.click('create_period')
        create_chart(company)

        Configuration = Model.get('therapy.configuration')
        Category = Model.get('product.category')
        category = Category(name="Therapy", accounting=True,
            account_revenue=Configuration(1).service_revenue_account)
        category.save()
        Uom = Model.get('product.uom')
        unit, = Uom.find([('name', '=', 'Unit')])
        Template = Model.get('product.template')
        Service = Model.get('therapy.service')
        self.services = {}
        for code, name, minutes, price in SERVICES:
            template = Template(name=f'{code} {name}', type='service',
                default_uom=unit, list_price=Decimal(price),
                account_category=category)
            template.save()
            service = Service(name=name, code=code,
                discipline='mental_health',
                duration=dt.timedelta(minutes=max(minutes, 15)),
                product=template.products[0])
            service.save()
            self.services[code] = (service.id, minutes, Decimal(price))

        Country = Model.get('country.country')
        Subdivision = Model.get('country.subdivision')
        us = Country(name="United States", code='US', code3='USA')
        us.save()
        self.country = us.id
        self.states = []
        for code, name, city, zip3 in STATES:
            subdivision = Subdivision(country=us, code=f'US-{code}',
                type='state', name=name)
            subdivision.save()
            self.states.append((subdivision.id, city, zip3))
        address = company.party.addresses[0]
        address.street = "210 Court Street"
        address.city = "Brooklyn"
        address.postal_code = "11201-3702"
        address.country = us
        address.subdivision = Subdivision(self.states[0][0])
        company.party.identifiers.new(type='us_ein', code='12-3456789')
        company.party.save()
        company.billing_npi = npi('198765432')
        company.billing_taxonomy = '261QM0801X'
        company.save()
        self.company = company.id

        Clearinghouse = Model.get('therapy.clearinghouse')
        house = Clearinghouse(name=HOUSE, submitter_id='CASELOAD01',
            submitter_name="Bench Street Therapy",
            contact_name="Billing Office", contact_phone='718-555-0100',
            receiver_id='BENCHHOUSE', receiver_name=HOUSE,
            outbound_folder=f'{folder}/out', inbound_folder=f'{folder}/in')
        house.save()
        self.clearinghouse = house.id
        Payer = Model.get('therapy.payer')
        self.payers = []
        for i, indicator in enumerate(['CI', 'BL', 'HM', 'CI', 'MC']):
            payer = Payer(party=Party(name=f"Bench Health Plan {i + 1}"),
                filing_indicator=indicator, clearinghouse=house)
            payer.party.save()
            payer.identifiers.new(clearinghouse=HOUSE,
                payer_id=f'BHP{i + 1:02d}')
            payer.save()
            self.payers.append(payer.id)
        User = Model.get('res.user')
        self.context = User.get_preferences(True, {})
        self.extras = {}

    def run(self, function, readonly=False):
        """function() in one transaction, committed unless readonly; like
        the RPC dispatcher, restarted with the locks a TransactionError
        asks for (posting invoices locks their sequences)"""
        from trytond.transaction import Transaction, TransactionError
        # the locks one batch needed, the next takes from the start
        extras = {} if readonly else self.extras
        while True:
            with Transaction().start(self.database, self.config.user,
                    readonly=readonly, context=self.context,
                    **extras) as transaction:
                try:
                    return function()
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)


def batches(items, size=BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def load_claims(practice, count, posted, seed=837):
    """Clinicians, clients, coverages and charges with the pool's create,
    in batches; claims from the charges; the ready transition"""
    from trytond.pool import Pool
    today = dt.date.today()
    timings = {}

    def create(model, vlist):
        Model = Pool().get(model)
        return [r.id for chunk in batches(vlist) for r in Model.create(chunk)]

    def address(n, zip4=False):
        subdivision, city, zip3 = practice.states[n % len(practice.states)]
        return {'street': f'{100 + n % 900} Bench Street\nApt {n % 40 + 1}',
            'city': city, 'postal_code': f'{zip3}{n % 100:02d}',
            'country': practice.country, 'subdivision': subdivision}

    def load_clinicians():
        parties = create('party.party', [{'name': f"Clinician {i} Bench",
                    'addresses': [('create', [address(i)])]}
                for i in range(CLINICIANS)])
        return create('company.employee', [{
                    'party': party, 'company': practice.company,
                    'discipline': 'mental_health',
                    'npi': npi(f'1{i:08d}'),
                    'taxonomy_code': '101YM0800X'}
                for i, party in enumerate(parties)])

    def load_clients(chunk):
        rng = random.Random(seed + chunk[0])
        parties = create('party.party', [{
                    'name': f"{rng.choice(FIRST_NAMES)} {n} "
                    f"{rng.choice(LAST_NAMES)}",
                    'addresses': [('create', [address(n)])]}
                for n in chunk])
        ids = create('therapy.client', [{
                    'party': party, 'company': practice.company,
                    'birth_date': dt.date(1950, 1, 1)
                    + dt.timedelta(days=rng.randrange(25000)),
                    'sex': rng.choice(['F', 'M', 'U'])}
                for party in parties])
        # one client in five is a child on a parent's policy
        dependents = [i for i, n in zip(ids, chunk) if n % 5 == 4]
        parents = dict(zip(dependents, create('party.party', [{
                            'name': f"Parent {i} {rng.choice(LAST_NAMES)}",
                            'addresses': [('create', [address(i)])]}
                        for i in dependents])))
        create('therapy.coverage', [{
                    'client': client,
                    'payer': practice.payers[n % PAYERS],
                    'member_id': f'M{n:09d}',
                    'group_number': f'G{n % 37:04d}' if n % 2 else None,
                    'start_date': today - dt.timedelta(days=400),
                    'relationship': '19' if client in parents else '18',
                    'subscriber': parents.get(client),
                    } for client, n in zip(ids, chunk)])
        return ids

    def load_charges(chunk):
        "1-3 charges per client on one day; their draft claims"
        pool = Pool()
        Coverage = pool.get('therapy.coverage')
        Charge = pool.get('therapy.charge')
        Claim = pool.get('therapy.claim')
        rng = random.Random(seed + chunk[0][0])
        coverages = {}
        for sub in batches([c for _, c in chunk], 200):  # SQLite's depth
            coverages.update((c.client.id, c) for c in Coverage.search([
                        ('client', 'in', sub)]))
        vlist = []
        for n, client in chunk:
            coverage = coverages[client]
            date = today - dt.timedelta(days=1 + rng.randrange(60))
            codes = ', '.join(DIAGNOSES[:1 + n % len(DIAGNOSES)])
            for code in VISITS[n % len(VISITS)]:
                service, minutes, price = practice.services[code]
                vlist.append({'company': practice.company,
                        'client': client, 'kind': 'service',
                        'date': date, 'service': service,
                        'procedure_code': code, 'minutes': minutes,
                        'units': 1, 'unit_price': price,
                        'amount': price, 'responsibility': 'payer',
                        'coverage': coverage.id,
                        'payer': coverage.payer.id,
                        'diagnosis_codes': codes,
                        'place_of_service': '11',
                        'rendering': clinicians[n % CLINICIANS]})
        charges = Charge.browse(create('therapy.charge', vlist))
        return [c.id for c in Claim.from_charges(charges)]

    def make_ready(chunk, post):
        """The ready transition; without post, its scrub and state
        without the payer invoice (posting costs ~0.5 s a claim here)"""
        Claim = Pool().get('therapy.claim')
        claims = Claim.browse(chunk)
        if post:
            Claim.ready(claims)
            return
        problems = [p for c in claims for p in c.scrub()]
        if problems:
            raise RuntimeError(f'{len(problems)} scrubber findings, e.g. '
                f'{problems[:3]}')
        Claim.write(claims, {'state': 'ready'})
        Claim.log_events(claims, 'ready')

    started = time.perf_counter()
    clinicians = practice.run(load_clinicians)
    log(f'{len(clinicians)} clinicians')
    clients = []
    for chunk in batches(list(range(count)), 2000):
        clients += practice.run(lambda: load_clients(chunk))
        log(f'{len(clients)} clients with a coverage')
    timings['clinicians, clients, coverages'] = time.perf_counter() - started

    started = time.perf_counter()
    claims = []
    # from_charges of ~1000 claims at once overflows SQLite's expression
    # depth (its relation domain validation): 200 a transaction
    for chunk in batches(list(enumerate(clients)), 200):
        claims += practice.run(lambda: load_charges(chunk))
        log(f'{len(claims)} draft claims')
    timings['charges, Claim.from_charges'] = time.perf_counter() - started

    started = time.perf_counter()
    for chunk in batches(claims[:posted], 50):
        practice.run(lambda: make_ready(chunk, True))
        log(f'ready, invoice posted: {claims.index(chunk[-1]) + 1}')
    timings[f'ready transition ({min(posted, count)} claims)'] = (
        time.perf_counter() - started)
    started = time.perf_counter()
    for chunk in batches(claims[posted:], 250):
        practice.run(lambda: make_ready(chunk, False))
        log(f'ready, scrubbed: {claims.index(chunk[-1]) + 1}')
    if count > posted:
        timings[f'scrub + ready ({count - posted} claims)'] = (
            time.perf_counter() - started)
    return timings


# --- the measures ------------------------------------------------------------
RAW_READ = """SELECT c.id, c.number, c.date, c.frequency_code, c.client,
    c.coverage, v.member_id, v.relationship, v.payer, l.sequence,
    l.procedure_code, l.modifier_1, l.units, l.billed, l.place_of_service,
    l.service_date, l.diagnosis_1, l.diagnosis_2, l.diagnosis_3,
    l.diagnosis_4, l.rendering, l.control_number
FROM therapy_claim c
JOIN therapy_claim_line l ON l.claim = c.id
JOIN therapy_coverage v ON v.id = c.coverage
JOIN therapy_payer p ON p.id = v.payer
WHERE c.company = {company} AND c.state = 'ready'
    AND p.clearinghouse = {clearinghouse}
ORDER BY c.date, c.id, l.sequence"""


def raw_read(company, clearinghouse):
    "The lines of the ready claims joined to their claims: row count"
    from trytond.transaction import Transaction
    cursor = Transaction().connection.cursor()
    cursor.execute(RAW_READ.format(company=int(company),
            clearinghouse=int(clearinghouse)))
    return len(cursor.fetchall())


def generate(clearinghouse):
    """EdiFile.send up to the text: (claims, lines, text)"""
    from trytond.pool import Pool
    from therapy_edi.claim_data import BatchBuilder
    from therapy_edi.x12 import Envelope, write_837p
    pool = Pool()
    EdiFile = pool.get('therapy.edi.file')
    house = pool.get('therapy.clearinghouse')(clearinghouse)
    claims = EdiFile.ready_claims(house)
    now = dt.datetime.now().replace(second=0, microsecond=0)
    builder = BatchBuilder(house, claims, reference='000000001')
    batch = builder.build()
    if batch is None:
        problems = [p for found in builder.problems.values() for p in found]
        raise RuntimeError(f'{len(problems)} problems keep claims from the '
            f'file, e.g. {problems[:3]}')
    batch.created = now
    envelope = Envelope(house.submitter_id, house.receiver_id, 1, 1,
        sender_qualifier=house.submitter_qualifier,
        receiver_qualifier=house.receiver_qualifier,
        usage=house.usage, created=now)
    text = write_837p(batch, envelope, '0001', house.separators,
        house.line_break)
    # the lines as the file has them (reading each claim's lines again
    # would measure the bench)
    lines = sum(len(c.lines) for s in batch.subscribers for c in s.claims)
    return len(claims), lines, text


def measure(practice, reps):
    "Interleaved rep by rep: {name: [seconds]}, and the last file's facts"
    from therapy_edi.x12 import validate
    times = {'raw': [], 'generation': [], 'pyx12': []}
    facts = {}
    for rep in range(reps):
        start = time.perf_counter()
        facts['rows'] = practice.run(lambda: raw_read(
                practice.company, practice.clearinghouse), readonly=True)
        times['raw'].append(time.perf_counter() - start)
        start = time.perf_counter()
        facts['claims'], facts['lines'], text = practice.run(
            lambda: generate(practice.clearinghouse), readonly=True)
        times['generation'].append(time.perf_counter() - start)
        start = time.perf_counter()
        facts['valid'], facts['errors'] = validate(text)
        times['pyx12'].append(time.perf_counter() - start)
        facts['size'] = len(text.encode('ascii'))
        facts['segments'] = text.count(segment_terminator(text))
        log(f'rep {rep + 1}: raw {times["raw"][-1]:.3f} s, generation '
            f'{times["generation"][-1]:.2f} s, pyx12 '
            f'{times["pyx12"][-1]:.1f} s')
    return times, facts


def segment_terminator(text):
    "The segment terminator: the character after ISA's 105 characters"
    return text[105]


def profile(practice, path):
    profiler = cProfile.Profile()
    profiler.enable()
    practice.run(lambda: generate(practice.clearinghouse), readonly=True)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats('cumulative').print_stats(25)
    text = out.getvalue()
    # the paths of this checkout and of the venv say little: shorten them
    for prefix in sorted({str(HERE.parent) + '/', sys.prefix + '/'}, key=len,
            reverse=True):
        text = text.replace(prefix, '')
    when = dt.datetime.now().strftime('%Y-%m-%d %H:%M')
    Path(path).write_text(f'cProfile of one 837P generation ({when}), '
        'top 25 by cumulative time\n' + text.strip() + '\n')


def report(database, args, timings, times, facts):
    import pyx12
    import trytond
    cpu = next((line.split(':', 1)[1].strip()
            for line in open('/proc/cpuinfo') if line.startswith(
                'model name')), platform.processor())
    uname = subprocess.run(['uname', '-srm'], capture_output=True,
        text=True).stdout.strip()
    print(f'# 837P generation benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}'
        '\n')
    print(f'Machine: {uname}; {cpu}, {os.cpu_count()} cores (shared); '
        f'{database.version()}; Python {platform.python_version()}, trytond '
        f'{trytond.__version__}, pyx12 {pyx12.__version__}.\n')
    verdict = 'valid' if facts['valid'] else (f'INVALID, '
        f'{len(facts["errors"])} errors, first: {facts["errors"][0]}')
    print(f'Data: {facts["claims"]:,} ready claims, {facts["lines"]:,} lines '
        f'({facts["rows"]:,} rows read raw), {CLINICIANS} clinicians, '
        f'{PAYERS} payers, {args.claims:,} clients; the file: '
        f'{facts["size"]:,} bytes, {facts["segments"]:,} segments; pyx12: '
        f'{verdict}.\n')
    print('Setup (not measured): ' + ', '.join(
            f'{name} {seconds:.0f} s' for name, seconds in timings.items())
        + '.\n')
    raw = statistics.median(times['raw'])
    print('| measure | reps | median s | claims/s | ratio to raw read |')
    print('|---|---:|---:|---:|---:|')
    for name, label in [
            ('raw', 'baseline: raw SQL read of the lines joined to claims'),
            ('generation', 'generation: ready_claims + BatchBuilder.build '
                '+ write_837p'),
            ('pyx12', "pyx12 validation of the same file (x12.validate)")]:
        median = statistics.median(times[name])
        print(f'| {label} | {len(times[name])} | {median:.3f} | '
            f'{facts["claims"] / median:,.0f} | {median / raw:,.0f}x |')
    ratio = (statistics.median(times['generation'])
        / statistics.median(times['pyx12']))
    print(f'\nGeneration / pyx12 validation: **{ratio:.2f}** (goal <= '
        f'{GOAL}): {"met" if ratio <= GOAL else "missed"}.')
    print('\nEach rep runs in its own read-only transaction (one RPC, cold '
        'record cache), the three\ninterleaved rep by rep; medians. '
        'Nothing is written or committed.')
    return ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--uri', default='sqlite://',
        help="sqlite:// (default, a temporary folder) or "
        "postgresql://user@host:port/")
    parser.add_argument('--claims', type=int, default=5000)
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--posted', type=int, default=100,
        help="claims made ready by the real transition (scrub and post "
        "their payer invoice); the others are scrubbed and made ready "
        "without their invoice")
    parser.add_argument('--profile',
        default=str(HERE / 'profile-claims837.txt'),
        help="where the profile goes when generation misses the goal")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        database = Database(args.uri, folder)
        try:
            log(f'creating {database.name} ({args.uri}), activating '
                'therapy_edi')
            started = time.perf_counter()
            database.create()
            timings = {'database': time.perf_counter() - started}
            started = time.perf_counter()
            practice = Practice(database, folder)
            timings['practice'] = time.perf_counter() - started
            timings.update(load_claims(practice, args.claims, args.posted))
            log(f'measuring {args.reps} reps')
            times, facts = measure(practice, args.reps)
            ratio = report(database, args, timings, times, facts)
            if ratio > GOAL:
                log(f'goal missed: profiling one generation to '
                    f'{args.profile}')
                profile(practice, args.profile)
        finally:
            database.drop()
            log(f'removed {database.name}')


if __name__ == '__main__':
    main()
