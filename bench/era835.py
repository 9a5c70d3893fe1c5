"""835 reading benchmark (issue 12): read a 10,000-claim 835 (about 3.3 MB)
with the codec's full reader, against a naive split of the same file into
segments and elements, in the same run.

    PYTHONPATH=addons .venv/bin/python bench/era835.py \\
        > bench/results-era835.txt          # progress goes to stderr

The file is generated here (no database): one payer, one payee, N claims
of one to three service lines each, every claim with its patient and
rendering NM1, statement dates and AMT*AU, every line with its date, CAS
(contractual and patient responsibility), REF*6R and AMT*B6, a denial
every 20th claim, a PLB at the end; BPR02 balances with the claims.

Measured, reps interleaved, medians:
- baseline: ``[s.split('*') for s in text.split('~')]``, the least any
  reader can do;
- read_835: the codec's ``read_835()`` (separators from ISA, envelope
  checks, every element posting needs as Decimal and dates);
- summary: ``summary()`` as ``caseload x12 parse`` prints it.
Goal (issue 12): read_835 within 3x the baseline. pyx12 needs about 59x
and the fastest shallow parser on PyPI about 6.6x on such a file
(``--pyx12`` adds pyx12's validation of the file, slow).
"""
import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal

from therapy_edi.x12 import Envelope, read_835, summary, validate
from therapy_edi.x12.write import interchange

GOAL = 3
PROCEDURES = [('90834', '150.00'), ('90837', '190.00'), ('90785', '25.00'),
    ('97110', '60.00'), ('92507', '140.00')]


def log(message):
    print(f'[{dt.datetime.now():%H:%M:%S}] {message}', file=sys.stderr,
        flush=True)


def generate(claims, seed=835):
    "Text of one 835 of ``claims`` claims, and its size facts"
    rng = random.Random(seed)
    day = dt.date(2026, 11, 2)
    body, paid_total = [], Decimal(0)
    for number in range(1, claims + 1):
        lines = rng.randint(1, 3)
        services = []
        charge = paid = Decimal(0)
        denied = number % 20 == 0
        for line in range(1, lines + 1):
            code, price = rng.choice(PROCEDURES)
            billed = Decimal(price)
            allowed = Decimal(0) if denied else (
                billed * Decimal(rng.randint(60, 85)) / 100).quantize(
                    Decimal('0.01'))
            copay = Decimal(0) if denied else min(Decimal(20), allowed)
            line_paid = allowed - copay
            charge += billed
            paid += line_paid
            services += [
                ['SVC', ['HC', code], str(billed), str(line_paid), '', '1'],
                ['DTM', '472', f'{day:%Y%m%d}'],
                ['CAS', 'CO', '29' if denied else '45', str(billed - allowed)],
                ['REF', '6R', f'CLM{number:06d}-{line}'],
                ['AMT', 'B6', str(allowed)],
                ]
            if copay:
                services.insert(-2, ['CAS', 'PR', '3', str(copay)])
        paid_total += paid
        body += [
            ['CLP', f'CLM{number:06d}', '4' if denied else '1', str(charge),
                str(paid), str(charge - paid), '12',
                f'HHP{number:010d}', '11', '1'],
            ['NM1', 'QC', '1', f'CLIENT{number}', 'PAT', '', '', '', 'MI',
                f'M{number:08d}'],
            ['NM1', '82', '1', 'LIND', 'NOA', '', '', '', 'XX', '1234567893'],
            ['DTM', '232', f'{day:%Y%m%d}'],
            ['AMT', 'AU', str(paid)],
            ] + services
    plb = Decimal('12.50')
    header = [
        ['BPR', 'I', str(paid_total - plb), 'C', 'ACH', 'CCP', '01',
            '011000015', 'DA', '123456', '1512345678', '', '01', '021000021',
            'DA', '9876543', '20261128'],
        ['TRN', '1', 'EFT778899', '1512345678'],
        ['DTM', '405', '20261127'],
        ['N1', 'PR', 'HARBOR HEALTH PLAN'],
        ['N3', 'PO BOX 1200'],
        ['N4', 'ALBANY', 'NY', '12201'],
        ['N1', 'PE', 'COURT STREET THERAPY', 'XX', '1987654326'],
        ['LX', '1'],
        ]
    trailer = [['PLB', '1987654326', '20261231', ['L6'], str(plb)]]
    envelope = Envelope('HHP01', 'CASELOAD', 1, 1,
        created=dt.datetime(2026, 11, 28, 9, 0))
    return interchange(envelope, 'HP', '005010X221A1',
        [('835', '0001', header + body + trailer)], st03=False)


def naive(text):
    return [s.split('*') for s in text.split('~')]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--claims', type=int, default=10000)
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--pyx12', action='store_true',
        help="also validate the file with pyx12 (about a minute)")
    args = parser.parse_args()
    log(f'generating an 835 of {args.claims:,} claims')
    text = generate(args.claims)
    remittance, = read_835(text)
    assert remittance.balanced and len(remittance.claims) == args.claims
    measures = {'naive': lambda: naive(text),
        'read_835': lambda: read_835(text),
        'summary': lambda: summary(text)}
    times = {name: [] for name in measures}
    for rep in range(args.reps):
        for name, run in measures.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
        log(f'rep {rep + 1}: ' + ', '.join(
                f'{name} {spent[-1]:.3f} s' for name, spent in times.items()))
    if args.pyx12:
        with tempfile.NamedTemporaryFile('w', suffix='.835') as file:
            file.write(text)
            file.flush()
            started = time.perf_counter()
            verdict = validate(file.name)
            times['pyx12'] = [time.perf_counter() - started]
            log(f'pyx12: {verdict[0]}, {times["pyx12"][0]:.1f} s')

    segments = len(naive(text)) - 1
    base = statistics.median(times['naive'])
    print(f'# 835 reading benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}\n')
    print(f'Machine: {platform.machine()}, {os.cpu_count()} cores (shared); '
        f'Python {platform.python_version()}.\n')
    print(f'The file: {args.claims:,} claims, {len(text.encode()):,} bytes, '
        f'{segments:,} segments; balanced (BPR02 = paid - PLB).\n')
    print('| measure | reps | median s | claims/s | ratio to naive split |')
    print('|---|---:|---:|---:|---:|')
    labels = {'naive': 'baseline: naive split into segments and elements',
        'read_835': 'read_835: every element posting needs',
        'summary': 'summary (caseload x12 parse)',
        'pyx12': 'pyx12 validation (x12.validate)'}
    for name, spent in times.items():
        median = statistics.median(spent)
        print(f'| {labels[name]} | {len(spent)} | {median:.3f} | '
            f'{args.claims / median:,.0f} | {median / base:.1f}x |')
    ratio = statistics.median(times['read_835']) / base
    print(f'\nread_835 / naive split: **{ratio:.2f}** (goal <= {GOAL}): '
        f'{"met" if ratio <= GOAL else "missed"}.')


if __name__ == '__main__':
    main()
