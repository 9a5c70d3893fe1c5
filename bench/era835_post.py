"""835 import + post benchmark (issue 12): import and post a 10,000-claim
835 against the matching claims, as ``caseload x12 import FILE`` does.

    PYTHONPATH=addons:. .venv/bin/python bench/era835_post.py \\
        --claims 10000                     # progress goes to stderr
    # or: --uri postgresql://tryton@127.0.0.1:55442/  (default: the
    # TRYTOND_DATABASE_URI environment variable, else sqlite://)

The report goes to stdout and replaces this backend's section of
``--out`` (bench/results-era835-post.txt; ``--out -`` writes no file).

Creates a throwaway database as bench/claims837.py does (SQLite in a
temporary folder, or PostgreSQL ``caseload_bench_<pid>``), activates
therapy_edi and removes it at the end, also on failure. The setup is
claims837.py's, all ORM: the company, chart, clearinghouse, five payers
through proteus; 50 clinicians, N clients with a coverage, 1-3 charges
each, ``Claim.from_charges``; then every claim goes through the real
``ready`` transition (scrubbed, its payer invoice posted: the receivables
posting takes off), ``submit`` and ``accept``. Setup time is reported,
not measured.

The 835 answers every claim (one transaction set per payer, in one
interchange, written by the codec's ``write_835``): each line allowed
60-85 % of its charge (CO-45 writes off the rest), a $20 copay (PR-3) on
the claim's first line, REF*6R with the line's control number and AMT*B6;
every 20th claim denied (CO-50, held); a prompt-pay interest PLB (L6) per
payer. The client's share goes to the guarantor's invoice, as in the
application.

Measured, once (an 835 imports once: the second time is refused):
- baseline: in a read-only transaction, what any import must do at the
  least: ``read_835`` of the file, and one ``search_read`` of the claims
  its CLP01 name and of their lines (the rows posting reads);
- import + post: ``EdiFile.import_file`` of the file, the same call
  ``caseload x12 import`` makes, in one transaction, committed (retried
  with the locks a TransactionError asks for, as the CLI does).
Then the ledger invariants (therapy_billing/ledger_invariants.py) on the
result, and the claims' states. Goal (PERFORMANCE.md): import + post
<= 30 s on PostgreSQL. ``--profile FILE`` runs the import under cProfile
and writes its top 40 by cumulative time (the measure then includes the
profiler's cost).
"""
import argparse
import cProfile
import datetime as dt
import io
import os
import platform
import pstats
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from claims837 import (  # noqa: E402
    Database, Practice, batches, load_claims, log)
from caseload import heap  # noqa: E402

GOAL = 30  # seconds for 10,000 claims on PostgreSQL
ZERO = Decimal(0)
COPAY = Decimal(20)
CENT = Decimal('0.01')


def accept_claims(practice):
    "The ready claims submitted and accepted, as the 999/277CA would"
    from trytond.pool import Pool

    def step(chunk):
        Claim = Pool().get('therapy.claim')
        claims = Claim.browse(chunk)
        Claim.submit(claims)
        Claim.accept(claims)

    ids = practice.run(lambda: [c.id for c in Pool().get(
                'therapy.claim').search([('state', '=', 'ready')],
                order=[('id', 'ASC')])], readonly=True)
    for chunk in batches(ids, 1000):
        practice.run(lambda: step(chunk))
    log(f'{len(ids)} claims submitted and accepted')
    return len(ids)


def answers(practice, seed=835):
    """The 835's Remittance per payer, answering every accepted claim"""
    from trytond.pool import Pool
    from therapy_edi.x12 import (
        Adjustment, ClaimPayment, Entity, ProviderAdjustment, Remittance,
        ServicePayment)
    pool = Pool()
    Claim = pool.get('therapy.claim')
    Line = pool.get('therapy.claim.line')
    Payer = pool.get('therapy.payer')
    Clearinghouse = pool.get('therapy.clearinghouse')
    house = Clearinghouse(practice.clearinghouse)
    rng = random.Random(seed)
    claims = Claim.search_read([('state', '=', 'accepted')],
        order=[('id', 'ASC')], fields_names=['number', 'payer', 'total',
            'payer_claim_number'])
    lines = defaultdict(list)
    for line in Line.search_read([('claim.state', '=', 'accepted')],
            order=[('claim', 'ASC'), ('sequence', 'ASC'), ('id', 'ASC')],
            fields_names=['claim', 'procedure_code', 'modifier_1',
                'modifier_2', 'modifier_3', 'modifier_4', 'units', 'billed',
                'service_date', 'control_number']):
        lines[line['claim']].append(line)
    by_payer = defaultdict(list)
    for n, claim in enumerate(claims, 1):
        denied = n % 20 == 0
        services = []
        for i, line in enumerate(lines[claim['id']]):
            billed = line['billed']
            adjustments = []
            if denied:
                adjustments.append(Adjustment('CO', '50', billed))
                allowed = paid = ZERO
            else:
                allowed = (billed * rng.randint(60, 85) / 100).quantize(CENT)
                share = min(COPAY, allowed) if i == 0 else ZERO
                if billed > allowed:
                    adjustments.append(Adjustment('CO', '45',
                            billed - allowed))
                if share:
                    adjustments.append(Adjustment('PR', '3', share))
                paid = allowed - share
            modifiers = tuple(line[f'modifier_{i}'] for i in range(1, 5)
                if line[f'modifier_{i}'])
            services.append(ServicePayment('HC', line['procedure_code'],
                    modifiers, billed, paid, 0, units=Decimal(line['units']),
                    dates={'472': line['service_date']},
                    adjustments=adjustments,
                    references={'6R': line['control_number']},
                    amounts={} if denied else {'B6': allowed}))
        by_payer[claim['payer']].append(ClaimPayment(claim['number'],
                '4' if denied else '1', claim['total'],
                sum((s.paid for s in services), ZERO),
                sum((a.amount for s in services for a in s.adjustments
                        if a.group == 'PR'), ZERO),
                'CI', f'PCN{claim["id"]:09d}', 0, services=services))
    company = pool.get('company.company')(practice.company)
    day = pool.get('ir.date').today()
    remittances = []
    for st02, (payer_id, found) in enumerate(sorted(by_payer.items()), 1):
        payer = Payer(payer_id)
        code = house.payer_id(payer)
        interest = Decimal(len(found)) / 100
        paid = sum((c.paid for c in found), ZERO)
        remittances.append(Remittance(f'{st02:04d}', '005010X221A1', 0,
                handling='I', payment_amount=paid + interest,
                credit_debit='C', payment_method='ACH',
                payment_format='CCP', payment_date=day,
                check_number=f'{code}{day:%y%m%d}{st02:03d}',
                payer_identifier=f'1{payer.id:09d}',
                payer=Entity(payer.rec_name.upper()[:60],
                    references={'2U': code}),
                payee=Entity(company.party.rec_name.upper()[:60]),
                claims=found, provider_adjustments=[ProviderAdjustment(
                        company.billing_npi, dt.date(day.year, 12, 31), 0,
                        [('L6', None, -interest)])]))
    return house.receiver_id, house.submitter_id, remittances


def write_file(practice, folder):
    "The 835 answering every accepted claim: (path, claims, lines)"
    from therapy_edi.x12 import Envelope, write_835
    receiver, submitter, remittances = practice.run(
        lambda: answers(practice), readonly=True)
    envelope = Envelope(receiver, submitter, 835, 835, usage='T',
        created=dt.datetime.now().replace(second=0, microsecond=0))
    text = write_835(remittances, envelope)
    path = Path(folder, 'bench-era.835')
    path.write_text(text, encoding='ascii')
    claims = sum(len(r.claims) for r in remittances)
    lines = sum(len(c.services) for r in remittances for c in r.claims)
    return path, claims, lines


def baseline(practice, data):
    """The least an import does: read the file, and read the claims it
    answers and their lines with one search_read each (rows read)"""
    from trytond.pool import Pool
    from therapy_edi.x12 import read_835
    pool = Pool()
    Claim = pool.get('therapy.claim')
    Line = pool.get('therapy.claim.line')
    numbers = [c.claim_id for r in read_835(data.decode('ascii'))
        for c in r.claims]
    rows = 0
    for chunk in batches(numbers, 500):  # SQLite's expression depth
        claims = Claim.search_read([
                ('company', '=', practice.company),
                ('number', 'in', chunk),
                ], fields_names=['number', 'payer', 'state'])
        rows += len(claims) + len(Line.search_read([
                    ('claim', 'in', [c['id'] for c in claims]),
                    ], fields_names=['control_number', 'procedure_code',
                    'billed', 'units', 'invoice_line']))
    return rows


def import_post(practice, data, name):
    "What `caseload x12 import` does with one file: (remittances, log)"
    from trytond.pool import Pool
    EdiFile = Pool().get('therapy.edi.file')
    edi_file = EdiFile.import_file(data, name, company=practice.company)
    return [(r.claims_matched, r.claims_unmatched, r.payment_amount)
        for r in edi_file.remittances], edi_file.file_log or ''


def outcome(practice):
    "The claims' states and the remittances' states after the import"
    from trytond.pool import Pool
    pool = Pool()
    Claim = pool.get('therapy.claim')
    Remittance = pool.get('therapy.remittance')
    return (Counter(c['state'] for c in Claim.search_read([],
                fields_names=['state'])),
        Counter(r['state'] for r in Remittance.search_read([],
                fields_names=['state'])))


def machine(database):
    import trytond
    cpu = next((line.split(':', 1)[1].strip()
            for line in open('/proc/cpuinfo') if line.startswith(
                'model name')), platform.processor())
    uname = subprocess.run(['uname', '-srm'], capture_output=True,
        text=True).stdout.strip()
    load = ' '.join(f'{l:.1f}' for l in os.getloadavg())
    return (f'{uname}; {cpu}, {os.cpu_count()} cores (shared, load average '
        f'{load} at the end); {database.version()}; Python '
        f'{platform.python_version()}'
        f'{" optimized (-O)" if sys.flags.optimize else ""}, '
        f'trytond {trytond.__version__}')


def report(database, args, timings, facts):
    backend = 'PostgreSQL' if database.postgresql else 'SQLite'
    seconds, floor = facts['seconds'], facts['baseline']
    claims = facts['claims']
    lines = [f'## {backend}, {claims:,} claims '
        f'({dt.datetime.now():%Y-%m-%d %H:%M})', '',
        f'Machine: {machine(database)}.', '',
        f'The file: {facts["size"]:,} bytes, {facts["remittances"]} '
        f'transaction sets (one per payer), {claims:,} claims, '
        f'{facts["lines"]:,} service lines; every 20th claim denied; a '
        f'copay on each paid claim (billed to the guarantor).', '',
        'Setup (not measured): ' + ', '.join(
            f'{name} {value:.0f} s' for name, value in timings.items())
        + '.', '',
        '| measure | seconds | claims/s | ratio to baseline |',
        '|---|---:|---:|---:|',
        f'| baseline: read_835 + search_read of the claims and their '
        f'lines ({facts["rows"]:,} rows) | {floor:.2f} | '
        f'{claims / floor:,.0f} | 1x |',
        f'| import + post (`EdiFile.import_file`, as `caseload x12 '
        f'import`), committed{" (under cProfile)" if args.profile else ""}'
        f' | {seconds:.1f} | {claims / seconds:,.0f} | '
        f'{seconds / floor:,.0f}x |', '']
    matched = sum(m for m, _, _ in facts['posted'])
    unmatched = sum(u for _, u, _ in facts['posted'])
    lines.append(f'Matched {matched:,} claims, {unmatched:,} unmatched; '
        'remittances ' + ', '.join(f'{k} {v}' for k, v in
            sorted(facts['remittance_states'].items())) + '; claims '
        + ', '.join(f'{k} {v:,}' for k, v in
            sorted(facts['claim_states'].items())) + '.')
    problems = facts['problems']
    lines.append('Ledger invariants: ' + ('all hold.' if not problems else
            f'{len(problems)} BROKEN, e.g. ' + '; '.join(problems[:3])))
    if database.postgresql or args.claims != 10000:
        per10k = seconds * 10000 / claims
        goal = (f'{per10k:.0f} s per 10,000 claims at this rate '
            '(extrapolated)' if claims != 10000 else f'{seconds:.1f} s')
        lines.append(f'Goal (PostgreSQL, 10,000 claims, <= {GOAL} s): '
            f'{goal}' + (', met.' if per10k <= GOAL else ', missed.')
            + ('' if database.postgresql else ' (this is SQLite)'))
    return backend, '\n'.join(lines) + '\n'


def save(path, backend, section):
    "Replace this backend's section of the results file"
    head = ('# 835 import + post benchmark (bench/era835_post.py, issue 12)'
        '\n\nOne import + post, committed, as `caseload x12 import`; the '
        'baseline in the same run.\n')
    sections = {}
    if path.exists():
        for block in re.split(r'(?m)^(?=## )', path.read_text())[1:]:
            sections[block.split(',', 1)[0][3:]] = block.rstrip() + '\n'
    sections[backend] = section
    path.write_text(head + ''.join('\n' + sections[k]
            for k in ['SQLite', 'PostgreSQL'] if k in sections))


def copy_sqlite(source, target):
    "The backup API: the database with what its WAL holds"
    import sqlite3
    source = sqlite3.connect(source)
    target = sqlite3.connect(target)
    source.backup(target)
    target.close()
    source.close()


def keep(database, practice, folder, snapshot, facts):
    """Copy the set-up database and the 835 to snapshot: the SQLite file,
    or on PostgreSQL a template database named in the folder"""
    import json
    import shutil
    snapshot.mkdir(parents=True, exist_ok=True)
    template = None
    if database.postgresql:
        template = f'{database.name}_snapshot'
        database.copy(database.name, template)
    else:
        copy_sqlite(Path(folder, f'{database.name}.sqlite'),
            snapshot / 'bench.sqlite')
    shutil.copy(Path(folder, 'bench-era.835'), snapshot / 'bench-era.835')
    (snapshot / 'facts').write_text(json.dumps({'company': practice.company,
                'clearinghouse': practice.clearinghouse, 'facts': facts,
                'template': template}))


def restore(database, folder, snapshot):
    "The database and 835 of keep(), as a Practice"
    import json
    import shutil
    from proteus import config
    from trytond.pool import Pool
    saved = json.loads((snapshot / 'facts').read_text())
    if database.postgresql:
        database.copy(saved['template'], database.name)
        database.created = True
        database.config_file.write_text(
            f'[database]\nuri = {database.uri}\n')
    else:
        shutil.copy(snapshot / 'bench.sqlite',
            Path(folder, f'{database.name}.sqlite'))
        database.config_file.write_text(
            f'[database]\nuri = sqlite://\npath = {folder}\n')
    path = Path(folder, 'bench-era.835')
    shutil.copy(snapshot / 'bench-era.835', path)
    practice = Practice.__new__(Practice)
    practice.config = config.set_trytond(database=database.name,
        config_file=str(database.config_file))
    practice.database = database.name
    practice.company = saved['company']
    practice.clearinghouse = saved['clearinghouse']
    practice.extras, practice.context = {}, {}
    practice.context = practice.run(lambda: Pool().get(
            'res.user').get_preferences(True), readonly=True)
    claims, lines, timings = saved['facts']
    log(f'restored {snapshot}')
    return practice, path, claims, lines, timings


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--uri', '--postgresql', dest='uri',
        default=os.environ.get('TRYTOND_DATABASE_URI') or 'sqlite://',
        help="sqlite:// or postgresql://user@host:port/ (default "
        "TRYTOND_DATABASE_URI, else sqlite://)")
    parser.add_argument('--claims', type=int, default=10000)
    parser.add_argument('--out', default=str(HERE / 'results-era835-post.txt'),
        help="the results file whose backend section the report replaces "
        "('-': none)")
    parser.add_argument('--profile', default=None,
        help="run the import under cProfile; its top 40 go to this file "
        "(and the raw stats to FILE.prof)")
    parser.add_argument('--snapshot', default=None,
        help="(development) a folder: the set-up database (SQLite: its "
        "file; PostgreSQL: a template database it names) and its 835 are "
        "kept there, and taken from there when present")
    parser.add_argument('--after', default=None,
        help="(development, SQLite) copy the database after the import "
        "to this file, to look at what the posting wrote")
    args = parser.parse_args()
    if args.uri.startswith('postgresql'):
        # proteus takes a bare database name for the path of this URI;
        # without it, it would make the name itself the URI (SQLite)
        os.environ['TRYTOND_DATABASE_URI'] = args.uri
    with tempfile.TemporaryDirectory() as folder:
        database = Database(args.uri, folder)
        try:
            log(f'creating {database.name} ({args.uri}), activating '
                'therapy_edi')
            snapshot = Path(args.snapshot) if args.snapshot else None
            if snapshot and (snapshot / 'facts').exists():
                practice, path, claims, lines, timings = restore(
                    database, folder, snapshot)
            else:
                started = time.perf_counter()
                database.create()
                timings = {'database': time.perf_counter() - started}
                started = time.perf_counter()
                practice = Practice(database, folder)
                timings['practice'] = time.perf_counter() - started
                timings.update(load_claims(practice, args.claims,
                        args.claims))
                started = time.perf_counter()
                accept_claims(practice)
                timings['submit, accept'] = time.perf_counter() - started
                path, claims, lines = write_file(practice, folder)
                if snapshot:
                    keep(database, practice, folder, snapshot,
                        (claims, lines, timings))
            data = path.read_bytes()
            log(f'{path.name}: {claims} claims, {lines} lines, '
                f'{len(data):,} bytes')

            start = time.perf_counter()
            rows = practice.run(lambda: baseline(practice, data),
                readonly=True)
            floor = time.perf_counter() - start
            log(f'baseline {floor:.2f} s ({rows} rows)')

            # as `caseload x12 import` does once its pool is loaded
            heap.freeze_loaded()
            profiler = cProfile.Profile() if args.profile else None
            log('import + post')
            start = time.perf_counter()
            cpu = time.process_time()
            if profiler:
                profiler.enable()
            posted, _ = practice.run(
                lambda: import_post(practice, data, path.name))
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - start
            # this process's own time: what the server's work and the
            # machine's other load do not blur from run to run
            cpu = time.process_time() - cpu
            log(f'import + post {seconds:.1f} s (client CPU {cpu:.1f} s)')
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(
                    'cumulative').print_stats(40)
                text = out.getvalue()
                for prefix in sorted({str(HERE.parent) + '/',
                            sys.prefix + '/'}, key=len, reverse=True):
                    text = text.replace(prefix, '')
                Path(args.profile).write_text(text)
                profiler.dump_stats(args.profile + '.prof')
            from therapy_billing import ledger_invariants
            problems = ledger_invariants.check(database.name,
                practice.company)
            claim_states, remittance_states = practice.run(
                lambda: outcome(practice), readonly=True)
            backend, section = report(database, args, timings, {
                    'seconds': seconds, 'baseline': floor, 'rows': rows,
                    'claims': claims, 'lines': lines, 'size': len(data),
                    'remittances': len(posted), 'posted': posted,
                    'problems': problems, 'claim_states': claim_states,
                    'remittance_states': remittance_states})
            print(section)
            if args.out != '-':
                save(Path(args.out), backend, section)
            if args.after:
                copy_sqlite(Path(folder, f'{database.name}.sqlite'),
                    Path(args.after))
        finally:
            database.drop()
            log(f'removed {database.name}')


if __name__ == '__main__':
    main()
