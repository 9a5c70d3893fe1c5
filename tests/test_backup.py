"""The restore drill: the demo practice backed up, restored into a new
database and compared with the original; and the archives a restore must
refuse (another key, a flipped byte, a cut file, a lying manifest)."""
import io
import json
import shutil
import subprocess
import sys
import tarfile
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers import ROOT, config_with, run_caseload


def settings_of(config):
    from caseload.settings import Settings
    return Settings(config)


def query(config, name, sql):
    from caseload import backup
    with backup.connect(settings_of(config), name) as conn:
        return conn.execute(sql).fetchall()


def all_counts(config, name):
    from caseload import backup
    with backup.connect(settings_of(config), name) as conn:
        return backup.row_counts(conn)


def exists(config, name):
    from caseload import database
    return database.exists(settings_of(config), name)


def drop(config, name):
    from caseload import backup, database
    settings = settings_of(config)
    database.drop(settings, name)
    shutil.rmtree(backup.filestore_root(settings) / name, ignore_errors=True)
    Path(settings.database_path, f'{name}.caseload-code').unlink(
        missing_ok=True)


def refused(result, *words):
    "A clear one-line error, exit 2, no traceback"
    assert result.returncode == 2, result.stdout + result.stderr
    assert 'Traceback' not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture(scope='module')
def keys(practice_config, tmp_path_factory):
    folder = tmp_path_factory.mktemp('backup-keys')
    identity = folder / 'identity.txt'
    result = run_caseload(practice_config, 'demo', 'backup-key',
        '--out', str(identity))
    public = result.stdout.split('Public key: ')[1].split()[0]
    recipient = folder / 'public.txt'
    recipient.write_text(public + '\n')
    return SimpleNamespace(identity=identity, public=recipient)


ATTACHMENT = b"%PDF-1.4 a signed release of information\n"


def filestore_file(config, name):
    "ATTACHMENT as Tryton lays out its filestore: <path>/<db>/ab/cd/<id>"
    import hashlib

    from caseload import backup
    digest = hashlib.md5(ATTACHMENT).hexdigest()
    return (backup.filestore_root(settings_of(config)) / name
        / digest[:2] / digest[2:4] / digest)


@pytest.fixture(scope='module')
def archive(practice_config, demo_database, keys, tmp_path_factory):
    """The demo practice's backup; a file in its filestore for the time of
    the backup (the demo has no attachment of its own)"""
    out = tmp_path_factory.mktemp('backups')
    attachment = filestore_file(practice_config, demo_database)
    attachment.parent.mkdir(parents=True, exist_ok=True)
    attachment.write_bytes(ATTACHMENT)
    try:
        result = run_caseload(practice_config, demo_database, 'backup',
            '--key-file', str(keys.identity), '--out', str(out))
    finally:
        attachment.unlink()
    path, = out.iterdir()
    assert f"Backup: {path}" in result.stdout
    assert path.stat().st_mode & 0o777 == 0o600
    assert out.stat().st_mode & 0o777 == 0o700
    return path


@pytest.fixture(scope='module')
def restored(practice_config, demo_database, archive, keys):
    name = f'{demo_database}_restored'
    result = run_caseload(practice_config, name, 'restore', str(archive),
        '--key-file', str(keys.identity))
    yield name, result
    drop(practice_config, name)


def test_restore_drill(practice_config, demo_database, restored):
    name, result = restored
    assert "the row counts match the backup" in result.stdout
    assert "run caseload -d" not in result.stdout  # same code: no update
    original = all_counts(practice_config, demo_database)
    copy = all_counts(practice_config, name)
    # each logged its own backup or restore (test_backup_and_restore_audited)
    del original['therapy_audit_event'], copy['therapy_audit_event']
    assert len(original) > 100
    assert copy == original
    assert original['therapy_appointment'] and original['account_move_line']
    assert filestore_file(practice_config, name).read_bytes() == ATTACHMENT
    # the attachment and the demo's own files (the EDI files it sent and
    # read), each restored
    from caseload import backup
    restored_files = [f for f in (backup.filestore_root(settings_of(
                    practice_config)) / name).rglob('*') if f.is_file()]
    assert len(restored_files) >= 1
    assert f"{len(restored_files)} filestore file(s)" in result.stdout


def test_backup_and_restore_audited(
        practice_config, demo_database, archive, restored, tmp_path):
    "Each is an event of its database, and the restored chain goes on"
    name, _ = restored
    for database, code in [(demo_database, 'system.backup'),
            (name, 'system.restore')]:
        (channel, detail), = query(practice_config, database,
            "SELECT channel, detail FROM therapy_audit_event "
            f"WHERE event_code = '{code}' ORDER BY seq DESC LIMIT 1")
        detail = json.loads(detail)
        assert channel == 'cli'
        assert (detail['archive'], detail['database']) == (
            archive.name, demo_database), detail
    export = tmp_path / 'restored-audit.jsonl'
    run_caseload(practice_config, name, 'audit', 'export', str(export))
    result = run_caseload(practice_config, name, 'audit', 'verify',
        str(export))
    assert json.loads(result.stdout)['problems'] == []


def amount(value):
    "A Numeric column as a Decimal: Tryton stores them in SQLite as bytes"
    return Decimal(value.decode() if isinstance(value, bytes) else str(value))


def trial_balance(config, name):
    "{account: debit - credit}, summed exactly in Python"
    balance = {}
    for account, debit, credit in query(config, name,
            "SELECT account, debit, credit FROM account_move_line"):
        balance[account] = balance.get(account, Decimal(0)) + (
            amount(debit) - amount(credit))
    return balance


def test_restored_ledger_balances(practice_config, demo_database, restored):
    name, _ = restored
    original = trial_balance(practice_config, demo_database)
    copy = trial_balance(practice_config, name)
    assert len(original) > 3
    assert copy == original
    assert sum(copy.values()) == 0


def test_restored_signed_notes(practice_config, demo_database, restored):
    "The same notes, signed with the same hashes, which still verify"
    name, _ = restored
    sql = ("SELECT id, content_hash, signed_at, signed_by FROM therapy_note "
        "WHERE content_hash IS NOT NULL ORDER BY id")
    original = query(practice_config, demo_database, sql)
    assert len(original) > 5
    assert query(practice_config, name, sql) == original
    # recomputed from the restored content by the clinical module itself
    script = (
        "import sys; sys.path.insert(0, 'tests')\n"
        "from helpers import open_pool\n"
        "pool = open_pool(sys.argv[1], sys.argv[2])\n"
        "from trytond.transaction import Transaction\n"
        "with Transaction().start(sys.argv[2], 0, readonly=True):\n"
        "    Note = pool.get('therapy.note')\n"
        "    notes = Note.search([('content_hash', '!=', None)])\n"
        "    print(sum(1 for n in notes if n.hash_valid), len(notes))\n")
    output = subprocess.run(
        [sys.executable, '-c', script, str(practice_config), name],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert output.split() == [str(len(original))] * 2


def test_restored_practice_serves_its_logins(practice_config, restored):
    name, _ = restored
    result = run_caseload(practice_config, name, 'users')
    assert '  clinician ' in result.stdout


def test_restore_refuses_an_existing_database(
        practice_config, restored, archive, keys):
    name, _ = restored
    before = all_counts(practice_config, name)
    result = run_caseload(practice_config, name, 'restore', str(archive),
        '--key-file', str(keys.identity), check=False)
    refused(result, f"Database {name!r} already exists", "nothing was")
    assert all_counts(practice_config, name) == before


def test_update_backs_up_first_and_reports(
        practice_config, restored, keys, tmp_path):
    "On the restored copy: no key configured, a refusal; with one, a backup"
    name, _ = restored
    result = run_caseload(practice_config, name, 'update', check=False)
    refused(result, "backup_key", "--no-backup")
    config = config_with(practice_config, tmp_path / 'with-key.conf',
        'caseload', backup_key=keys.public, backup_dir=tmp_path / 'kept')
    result = run_caseload(config, name, 'update')
    archive, = (tmp_path / 'kept').iterdir()
    assert f"Backup: {archive}" in result.stdout
    assert "Updated the Caseload modules" in result.stdout
    assert "No model or field was added or removed" in result.stdout


def damaged_copy(archive, folder, damage):
    data = bytearray(archive.read_bytes())
    damage(data)
    path = folder / archive.name
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize('damage, words', [
    (lambda data: data.__setitem__(
            len(data) // 2, data[len(data) // 2] ^ 0x01),
        ["cannot be decrypted"]),
    (lambda data: data.__delitem__(slice(len(data) // 2, None)),
        ["cannot be decrypted"]),
    ], ids=['flipped-byte', 'truncated'])
def test_damaged_archive_is_refused(
        practice_config, demo_database, archive, keys, tmp_path, damage,
        words):
    path = damaged_copy(archive, tmp_path, damage)
    result = run_caseload(practice_config, 'demo', 'backup',
        '--verify', str(path), '--key-file', str(keys.identity), check=False)
    refused(result, str(path), *words)
    name = f'{demo_database}_damaged'
    result = run_caseload(practice_config, name, 'restore', str(path),
        '--key-file', str(keys.identity), check=False)
    refused(result, *words)
    assert not exists(practice_config, name)


def test_manifest_mismatch_is_refused(
        practice_config, demo_database, archive, keys, tmp_path):
    "A well-encrypted archive whose part is not what its manifest says"
    import pyrage

    from caseload import backup
    identity, = backup.identities_of(keys.identity)
    plain = pyrage.decrypt(archive.read_bytes(), [identity])
    rebuilt = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar, \
            tarfile.open(fileobj=rebuilt, mode='w') as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == 'manifest.json':
                manifest = json.loads(data)
                manifest['parts'][0]['sha256'] = '0' * 64
                data = json.dumps(manifest).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    path = tmp_path / archive.name
    path.write_bytes(pyrage.encrypt(
        rebuilt.getvalue(), [identity.to_public()]))
    name = f'{demo_database}_mismatch'
    result = run_caseload(practice_config, name, 'restore', str(path),
        '--key-file', str(keys.identity), check=False)
    refused(result, "does not match its manifest", "has changed")
    assert not exists(practice_config, name)


@pytest.fixture(scope='module')
def public_backups(practice_config, demo_database, keys, tmp_path_factory):
    """Backups written with the public key only, into a folder with older
    archives of this database and of others, kept to the newest 2"""
    out = tmp_path_factory.mktemp('public-backups')
    older = [f'{demo_database}-2020010{d}T000000Z.caseload-backup'
        for d in (1, 2, 3)]
    others = ['other-20200101T000000Z.caseload-backup',
        f'{demo_database}-x-20200101T000000Z.caseload-backup',
        f'{demo_database}-notes.txt']
    for file_name in older + others:
        (out / file_name).write_text('old')
    result = run_caseload(practice_config, demo_database, 'backup',
        '--key-file', str(keys.public), '--out', str(out), '--keep', '2')
    return SimpleNamespace(out=out, older=older, others=others,
        stdout=result.stdout)


def test_keep_deletes_only_this_databases_older_archives(public_backups):
    names = sorted(p.name for p in public_backups.out.iterdir())
    new = [n for n in names if n not in public_backups.older
        and n not in public_backups.others]
    assert len(new) == 1
    assert names == sorted(
        new + public_backups.older[-1:] + public_backups.others)
    for old in public_backups.older[:2]:
        assert f"Deleted the older backup {old}" in public_backups.stdout


def test_public_key_backup_needs_the_identity(
        practice_config, demo_database, public_backups, keys):
    path, = [p for p in public_backups.out.iterdir()
        if p.read_bytes()[:3] != b'old']
    result = run_caseload(practice_config, 'demo', 'backup',
        '--verify', str(path), '--key-file', str(keys.public), check=False)
    refused(result, "only a public key")
    result = run_caseload(practice_config, 'demo', 'backup',
        '--verify', str(path), '--key-file', str(keys.identity))
    assert f"Backup {path} is intact." in result.stdout
    assert f"database:  {demo_database}" in result.stdout


def test_another_key_cannot_read_the_backup(
        practice_config, demo_database, archive, tmp_path):
    stranger = tmp_path / 'stranger.txt'
    run_caseload(practice_config, 'demo', 'backup-key', '--out',
        str(stranger))
    result = run_caseload(practice_config, f'{demo_database}_stranger',
        'restore', str(archive), '--key-file', str(stranger), check=False)
    refused(result, "cannot be decrypted", "another key")
    assert not exists(practice_config, f'{demo_database}_stranger')
