"""`caseload audit export` and `audit verify`: the audit log copied off
the host, appended to night after night, and checked without the
database; an edited or missing line in the copy is caught."""
import json

from caseload.demo import DEMO_PASSWORD as PASSWORD
from helpers import rpc_login, run_caseload


def export(practice_config, database, path):
    result = run_caseload(practice_config, database, 'audit', 'export',
        str(path))
    return json.loads(result.stdout)


def verify(practice_config, path):
    result = run_caseload(practice_config, 'demo', 'audit', 'verify',
        str(path), check=False)
    return result.returncode, json.loads(result.stdout or '{}'), result


def test_export_appends_and_verifies(practice_config, demo_server,
        demo_database, tmp_path):
    # a few events, whatever ran before: logins and a list of clients
    for _ in range(5):
        call, _ = rpc_login(demo_server, demo_database, 'frontdesk', PASSWORD)
        call('model.therapy.client.search', [], 0, 5, None)
    path = tmp_path / 'offsite' / 'audit.jsonl'
    first = export(practice_config, demo_database, path)
    assert first['first_seq'] == 1 and first['exported'] >= 10, first
    code, report, _ = verify(practice_config, path)
    assert (code, report['problems']) == (0, []), report

    # the next night: what came since, the first export's event included
    second = export(practice_config, demo_database, path)
    assert second['first_seq'] == first['last_seq'] + 1, second
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == first['exported'] + second['exported']
    # the first export's own event (an auditor's CSV download is one too)
    exports = [e for e in lines if e['event_code'] == 'audit.export'
        and e['channel'] == 'cli']
    assert [json.loads(e['detail'])['last_seq'] for e in exports] == [
        first['last_seq']], exports
    assert [e['seq'] for e in lines] == list(range(1, len(lines) + 1))
    code, report, _ = verify(practice_config, path)
    assert (code, report['last_seq']) == (0, second['last_seq']), report

    # a copy someone edited, or cut a line from
    edited, cut = lines[:], lines[:]
    edited[5] = {**edited[5], 'actor_login': 'nobody'}
    del cut[7]
    for name, events, problem in [('edited', edited, '6 edited'),
            ('cut', cut, '9 gap')]:
        damaged = tmp_path / f'{name}.jsonl'
        damaged.write_text(''.join(json.dumps(e) + '\n' for e in events))
        code, report, _ = verify(practice_config, damaged)
        assert code == 1 and problem in report['problems'], report

    garbage = tmp_path / 'garbage.jsonl'
    garbage.write_text('not json\n')
    code, _, result = verify(practice_config, garbage)
    assert code == 2 and 'line 1' in result.stderr, result.stderr
