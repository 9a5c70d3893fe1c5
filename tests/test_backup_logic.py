"""The plain logic of caseload.backup: names, retention, keys, the update
report and the PostgreSQL client's environment (no database needed)."""
import datetime

import pytest

from caseload import backup
from caseload.settings import Settings


def test_archive_name_is_the_utc_stamp():
    when = datetime.datetime(2026, 3, 4, 5, 6, 7,
        tzinfo=datetime.timezone.utc)
    assert backup.archive_name('practice', when) == (
        'practice-20260304T050607Z.caseload-backup')


def test_prune_keeps_the_newest_of_this_database_only(tmp_path):
    mine = [f'practice-2026010{d}T000000Z.caseload-backup'
        for d in (3, 1, 2, 4)]
    strangers = ['practice-2-20260101T000000Z.caseload-backup',
        'other-20260101T000000Z.caseload-backup',
        'practice-20260101T000000Z.caseload-backup.partial',
        'practice.sqlite']
    for name in mine + strangers:
        (tmp_path / name).write_text('x')
    deleted = backup.prune(tmp_path, 'practice', 2)
    assert [p.name for p in deleted] == sorted(mine)[:2]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        sorted(mine)[2:] + strangers)
    assert backup.prune(tmp_path, 'practice', 2) == []


def test_key_files(tmp_path):
    identity = tmp_path / 'identity'
    public = backup.new_key(identity)
    assert identity.stat().st_mode & 0o777 == 0o600
    with pytest.raises(backup.BackupError, match="never overwritten"):
        backup.new_key(identity)
    recipient, = backup.recipients_of(identity)
    assert str(recipient) == public
    only_public = tmp_path / 'public'
    only_public.write_text(f"# a comment\n{public}\n")
    assert [str(r) for r in backup.recipients_of(only_public)] == [public]
    with pytest.raises(backup.BackupError, match="only a public key"):
        backup.identities_of(only_public)
    garbage = tmp_path / 'garbage'
    garbage.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    with pytest.raises(backup.BackupError, match="not an age key"):
        backup.read_key(garbage)
    with pytest.raises(backup.BackupError, match="not found"):
        backup.read_key(tmp_path / 'missing')


def test_schema_changes():
    before = ({'a'}, {'m.one', 'm.two'}, {('m.one', 'x'), ('m.two', 'y')})
    after = ({'a', 'b'}, {'m.one', 'm.three'},
        {('m.one', 'x'), ('m.one', 'z'), ('m.three', 'y')})
    assert backup.schema_changes(before, after) == [
        "  + 1 modules activated: b",
        "  + 1 models: m.three",
        "  - 1 models: m.two",
        "  + 2 fields: m.one.z, m.three.y",
        "  - 1 fields: m.two.y",
        ]
    assert backup.schema_changes(before, before) == []
    many = ({'a'}, set(), set()), ({'a'}, {f'm{i:02}' for i in range(25)},
        set())
    line, = backup.schema_changes(*many, limit=3)
    assert line == "  + 25 models: m00, m01, m02 and 22 more"


def test_postgresql_password_goes_in_the_environment(tmp_path):
    config = tmp_path / 'pg.conf'
    config.write_text("[database]\n"
        "uri = postgresql://tryton:s%40cret@db.example:5433/?sslmode=require\n")
    env = backup.pg_environ(Settings(config), 'practice')
    assert (env['PGHOST'], env['PGPORT'], env['PGUSER'], env['PGPASSWORD'],
        env['PGDATABASE'], env['PGSSLMODE']) == (
        'db.example', '5433', 'tryton', 's@cret', 'practice', 'require')


def test_default_backup_folder(tmp_path):
    config = tmp_path / 'caseload.conf'
    config.write_text("[database]\nuri = sqlite://\npath = var/db\n")
    assert backup.backup_dir(Settings(config)) == tmp_path / 'var' / 'backups'
    config.write_text("[database]\nuri = sqlite://\npath = var/db\n"
        "[caseload]\nbackup_dir = ../kept\n")
    assert backup.backup_dir(Settings(config)) == (
        tmp_path.parent / 'kept').resolve()
