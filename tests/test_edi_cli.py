"""`caseload x12 parse` and `caseload x12 validate` on files only (the
837P of the codec's test batch); `caseload claims export` and `x12 import`
on a copy of the demo database."""
import datetime as dt
import json
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from decimal import Decimal as D
from pathlib import Path

import pytest

from helpers import ROOT, run_caseload

sys.path.insert(0, str(ROOT / 'addons' / 'therapy_edi' / 'x12' / 'tests'))
from x12_fixtures import batch, envelope  # noqa: E402

from therapy_edi.x12 import (  # noqa: E402
    Benefits, Envelope, Name, TransactionAck, write_271, write_837p,
    write_999)


def claim_file(tmp_path, name='claims.837'):
    path = tmp_path / name
    path.write_text(write_837p(batch(), envelope(7)))
    return path


def test_parse_prints_the_summary(practice_config, tmp_path):
    path = claim_file(tmp_path)
    result = run_caseload(practice_config, 'demo', 'x12', 'parse', str(path))
    transaction, = json.loads(result.stdout)['transactions']
    assert transaction['type'] == '837'
    assert transaction['claim_count'] == 3
    assert transaction['total_charge'] == '750.50'


def test_parse_malformed_names_the_segment(practice_config, tmp_path):
    path = claim_file(tmp_path)
    text = path.read_text().replace('~SE*', '~', 1)
    path.write_text(text)
    result = run_caseload(practice_config, 'demo', 'x12', 'parse', str(path),
        check=False)
    assert result.returncode == 2
    assert 'segment ' in result.stderr
    assert 'Traceback' not in result.stderr
    assert result.stdout == ''


def test_parse_835_prints_payment_and_balance(practice_config, tmp_path):
    from test_x12_835 import DENIED_AND_REVERSED, HEADER, PAID, file_835
    path = tmp_path / 'era.835'
    path.write_text(file_835(HEADER + PAID + DENIED_AND_REVERSED))
    result = run_caseload(practice_config, 'demo', 'x12', 'parse', str(path))
    transaction, = json.loads(result.stdout)['transactions']
    assert {k: transaction[k] for k in ['type', 'st02', 'check_number',
            'payment_amount', 'payment_method', 'payer', 'payee',
            'claim_count', 'claim_paid_total', 'plb_total', 'balanced']} == {
        'type': '835', 'st02': '0001', 'check_number': 'EFT778899',
        'payment_amount': '283.00', 'payment_method': 'ACH',
        'payer': 'HARBOR HEALTH PLAN', 'payee': 'COURT STREET THERAPY',
        'claim_count': 3, 'claim_paid_total': '123.00',
        'plb_total': '-20.00', 'balanced': False}
    path.write_text(path.read_text().replace('*213.00*', '*213,00*', 1))
    result = run_caseload(practice_config, 'demo', 'x12', 'parse', str(path),
        check=False)
    assert result.returncode == 2
    assert re.search(r"segment \d+ \(CLP\): '213,00' is not an amount",
        result.stderr), result.stderr
    assert 'Traceback' not in result.stderr


def test_validate_exit_code_follows_the_verdicts(practice_config, tmp_path):
    good = claim_file(tmp_path)
    result = run_caseload(practice_config, 'demo', 'x12', 'validate',
        str(good))
    assert result.returncode == 0
    assert f'{good}: valid' in result.stdout

    bad = tmp_path / 'bad.837'
    bad.write_text(good.read_text().replace('*PI*12345~', '*PI*~', 1))
    result = run_caseload(practice_config, 'demo', 'x12', 'validate',
        str(good), str(bad), check=False)
    assert result.returncode == 1
    assert f'{good}: valid' in result.stdout
    assert f'{bad}: INVALID' in result.stdout
    assert 'segment ' in result.stdout


def test_validate_unreadable_file(practice_config, tmp_path):
    result = run_caseload(practice_config, 'demo', 'x12', 'validate',
        str(tmp_path / 'missing.837'), check=False)
    assert result.returncode == 2
    assert 'cannot read' in result.stderr


def demo_copy(practice_config, demo_database, tmp_path):
    """A copy of the demo database (SQLite): export submits claims, which
    the shared demo must keep for the other tests"""
    from caseload.settings import Settings
    settings = Settings(practice_config)
    if not settings.database_path or 'sqlite' not in settings.uri:
        pytest.skip("copies the SQLite demo file")
    folder = Path(settings.database_path)
    name = f'{demo_database}_edi'
    copy = folder / f'{name}.sqlite'
    # SQLite's backup: the served demo may hold pages in its WAL
    with closing(sqlite3.connect(folder / f'{demo_database}.sqlite')) as \
            source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    # the claims test_browser_edi.py may have sent from the shared demo
    # are ready again in the copy, as init --demo leaves them
    with closing(sqlite3.connect(copy)) as connection, connection:
        connection.execute("UPDATE therapy_claim SET state = 'ready' "
            'WHERE id IN (SELECT claim FROM "therapy_edi_file-therapy_claim")')
    return name


def test_claims_export_and_import_on_the_demo(
        practice_config, demo_database, tmp_path):
    name = demo_copy(practice_config, demo_database, tmp_path)
    out = tmp_path / 'out'
    result = run_caseload(practice_config, name, 'claims', 'export',
        '--out', str(out))
    sent, = json.loads(result.stdout)['files']
    assert sent['state'] == 'released'
    assert sent['claims'] > 0
    assert Path(sent['path']).parent == out
    assert re.fullmatch(r'\d{9}', sent['isa13'])
    summary = json.loads(run_caseload(practice_config, name, 'x12', 'parse',
            sent['path']).stdout)
    transaction, = summary['transactions']
    assert transaction['claim_count'] == sent['claims']
    assert transaction['total_charge'] == sent['total_charge']
    run_caseload(practice_config, name, 'x12', 'validate', sent['path'])

    # nothing is left to send
    result = run_caseload(practice_config, name, 'claims', 'export',
        '--out', str(out))
    assert json.loads(result.stdout) == {'files': []}

    # the clearinghouse accepts the transaction; the same 999 twice is
    # refused
    st02 = transaction['st02']
    ack = tmp_path / 'ack.999'
    ack.write_text(write_999(Envelope('030240928', 'HARBORVIEW01', 9, 9),
            '0001', 'HC', 1, '005010X222A1', [TransactionAck('837', st02)]))
    result = run_caseload(practice_config, name, 'x12', 'import', str(ack))
    imported, = json.loads(result.stdout)['files']
    assert imported['kind'] == '999'
    assert imported['log'] == [f"Transaction {st02} "
        f"({Path(sent['path']).name}) accepted."]
    result = run_caseload(practice_config, name, 'x12', 'import', str(ack),
        check=False)
    assert result.returncode == 2
    assert 'already imported' in result.stderr


def test_import_271_on_the_demo(practice_config, demo_database, tmp_path):
    """A 271 through `caseload x12 import`: the known member becomes an
    eligibility answer on its coverage, the unknown one is listed"""
    name = demo_copy(practice_config, demo_database, tmp_path)
    from caseload.settings import Settings
    folder = Path(Settings(practice_config).database_path)
    with closing(sqlite3.connect(folder / f'{name}.sqlite')) as connection:
        (coverage, member_id), = connection.execute(
            'SELECT c.id, c.member_id FROM therapy_coverage c '
            'JOIN therapy_payer_identifier i ON i.payer = c.payer '
            "WHERE i.payer_id = 'HHP01' AND c.relationship = '18' "
            'ORDER BY c.id LIMIT 1').fetchall()
        before = connection.execute('SELECT count(*) FROM therapy_eligibility'
            ' WHERE coverage = ?', (coverage,)).fetchone()[0]
    answer = tmp_path / 'answer.271'
    answer.write_text(write_271(Envelope('030240928', 'HARBORVIEW01', 31, 31),
            '0001', 'HARBOR HEALTH PLAN', 'HHP01', Name('HARBORVIEW'),
            '1234567893', [
                Benefits(Name('ANY', 'NAME'), member_id, copay=15),
                Benefits(Name('DOE', 'JAMES'), 'NOSUCH1', rejection='75'),
                ], 'R9', '1123456789'))
    result = run_caseload(practice_config, name, 'x12', 'import', str(answer))
    imported, = json.loads(result.stdout)['files']
    assert (imported['kind'], imported['eligibilities']) == ('271', 1)
    assert any(line.startswith('DOE, JAMES (member NOSUCH1')
        for line in imported['log']), imported['log']
    with closing(sqlite3.connect(folder / f'{name}.sqlite')) as connection:
        after = connection.execute('SELECT count(*) FROM therapy_eligibility'
            ' WHERE coverage = ?', (coverage,)).fetchone()[0]
    assert after == before + 1


def test_import_835_on_the_demo(practice_config, demo_database, tmp_path):
    """An 835 through `caseload x12 import` on the demo: an accepted claim
    paid (CO-45, PR-2) and one that is not ours; the same payment again is
    refused with nothing imported; the ledger keeps its invariants"""
    from therapy_edi.x12 import (
        Adjustment, ClaimPayment, Entity, Remittance, ServicePayment,
        write_835)
    name = demo_copy(practice_config, demo_database, tmp_path)
    from caseload.settings import Settings
    folder = Path(Settings(practice_config).database_path)
    with closing(sqlite3.connect(folder / f'{name}.sqlite')) as connection:
        (number, line_number, billed), = connection.execute(
            'SELECT c.number, l.control_number, l.billed '
            'FROM therapy_claim c JOIN therapy_claim_line l ON l.claim = c.id '
            'JOIN therapy_coverage v ON v.id = c.coverage '
            'JOIN therapy_payer_identifier i ON i.payer = v.payer '
            "WHERE i.payer_id = 'HHP01' AND c.state = 'accepted' "
            'AND (SELECT count(*) FROM therapy_claim_line x '
            'WHERE x.claim = c.id) = 1 ORDER BY c.id LIMIT 1').fetchall()
        remittances = connection.execute(
            'SELECT count(*) FROM therapy_remittance').fetchone()[0]
        waiting, = connection.execute('SELECT count(*) FROM ir_queue '
            'WHERE dequeued_at IS NULL').fetchone()
    billed = D(billed.decode() if isinstance(billed, bytes) else str(billed))
    share, write_off = D('20.00'), D('30.00')
    paid = billed - share - write_off
    answers = [
        ClaimPayment(number, '1', billed, paid, share, '12', 'HHP-ICN-77', 0,
            services=[ServicePayment('HC', '90837', (), billed, paid, 0,
                    units=D(1), references={'6R': line_number},
                    adjustments=[Adjustment('CO', '45', write_off),
                        Adjustment('PR', '2', share)])]),
        ClaimPayment('NOT-OURS-1', '1', D(100), D(70), D(0), '12', 'X', 0,
            adjustments=[Adjustment('CO', '45', D(30))]),
        ]
    def era(file_name, control_number):
        path = tmp_path / file_name
        path.write_text(write_835([Remittance('0001', '005010X221A1', 0,
                        payment_amount=paid + 70, payment_method='ACH',
                        payment_date=dt.date.today(),
                        check_number='EFT-CLI-1',
                        payer=Entity('HARBOR HEALTH PLAN',
                            references={'2U': 'HHP01'}),
                        payee=Entity('HARBORVIEW'), claims=answers)],
                Envelope('030240928', 'HARBORVIEW01', control_number,
                    control_number)))
        return path
    era = era('harbor.835', 41), era('again.835', 42)
    result = run_caseload(practice_config, name, 'x12', 'import',
        str(era[0]))
    output = json.loads(result.stdout)
    assert output['remittances'] == [{'check_number': 'EFT-CLI-1',
            'claims_matched': 1, 'claims_unmatched': 1,
            'posted': str((paid + 70).quantize(D('0.01')))}]
    # the same payment in another file: refused, nothing added
    result = run_caseload(practice_config, name, 'x12', 'import',
        str(era[1]), check=False)
    assert result.returncode == 2
    assert 'EFT-CLI-1' in result.stderr and 'already recorded' in result.stderr
    with closing(sqlite3.connect(folder / f'{name}.sqlite')) as connection:
        assert connection.execute(
            'SELECT count(*) FROM therapy_remittance').fetchone()[0] == (
            remittances + 1)
        state, = connection.execute('SELECT state FROM therapy_claim '
            'WHERE number = ?', (number,)).fetchone()
        invoice_state, = connection.execute('SELECT i.state '
            'FROM therapy_claim c JOIN account_invoice i '
            'ON i.id = c.payer_invoice WHERE c.number = ?',
            (number,)).fetchone()
        # what the import queued ran after it (no worker here): nothing
        # waits in the queue for a worker that is not there
        left = connection.execute('SELECT id, data FROM ir_queue '
            'WHERE dequeued_at IS NULL').fetchall()
        assert len(left) == waiting, (left, result.stderr)
    # the payer owes nothing; the client owes the PR-2 share: paid, not
    # closed until the guarantor pays it
    assert state == 'paid'
    # account_invoice marked the payer's invoice paid (a queued task)
    assert invoice_state == 'paid'
    assert ledger_problems(practice_config, name) == []


def ledger_problems(config, database):
    "The ledger invariants of a database, checked in a process of its own"
    code = ('import json, sys\n'
        'from caseload.settings import Settings\n'
        'Settings(sys.argv[1]).apply_in_process()\n'
        'from trytond.pool import Pool\n'
        'Pool(sys.argv[2]).init()\n'
        'from therapy_billing import ledger_invariants\n'
        'print(json.dumps(ledger_invariants.check(sys.argv[2])))\n')
    result = subprocess.run([sys.executable, '-c', code, str(config),
            database], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(result.stdout.splitlines()[-1])
