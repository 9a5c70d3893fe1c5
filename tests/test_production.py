"""README's production path, run as an operator would from a fresh clone:
a copy of `config/postgresql.conf` with the server's address, whose
relative folders (the filestore) do not exist yet, then `init` (a
practice's own database: no demo, which the other tests build and which
would double this test's minutes),
`backup-key`, `update` (which backs up first, with the public key the
config names), `backup --verify` with the identity, `users`,
`cron --once`, `serve --workers 2` with a login over JSON-RPC and
`/health`.

It runs in CI's PostgreSQL pass: an operator's first `init` once died on
the missing filestore folder and removed the database, and no test ran
these commands, so nothing noticed."""
import json
import os
import re
import urllib.request

import pytest

from helpers import (
    CASELOAD, PASSWORD_FILE, ROOT, TwoStepSignIn, free_port, output_dir,
    rpc_login, run_caseload, start_server, stop_server)

URI = os.environ.get('TRYTOND_DATABASE_URI', '')
pytestmark = pytest.mark.skipif(
    not URI.startswith('postgresql'),
    reason="README's production path runs on PostgreSQL (CI's second pass)")


@pytest.fixture(autouse=True)
def optimized(monkeypatch):
    "The commands run without Python's asserts, as the Dockerfile has them"
    monkeypatch.setenv('PYTHONOPTIMIZE', '1')


@pytest.fixture
def clone(tmp_path):
    """A fresh clone's layout: config/ with the operator's copy of
    postgresql.conf, and the web client `make sao` put in var/sao"""
    (tmp_path / 'config').mkdir()
    text = (ROOT / 'config' / 'postgresql.conf').read_text()
    text, count = re.subn(r'(?m)^uri = .*$', f'uri = {URI}', text)
    assert count == 1, "config/postgresql.conf names no [database] uri"
    (tmp_path / 'config' / 'practice.conf').write_text(text)
    (tmp_path / 'var').mkdir()
    (tmp_path / 'var' / 'sao').symlink_to(ROOT / 'var' / 'sao')
    return tmp_path


def test_readme_production_commands(clone):
    config = clone / 'config' / 'practice.conf'
    database = f'practice_{os.getpid()}'
    password = PASSWORD_FILE.read_text().splitlines()[0]
    assert not (clone / 'var' / 'filestore').exists()
    try:
        result = run_caseload(config, database, 'init',
            '--password-file', str(PASSWORD_FILE),
            '--email', 'owner@practice.example')
        assert "Loaded the demo practice." not in result.stdout
        assert (clone / 'var' / 'filestore').is_dir()

        # the server holds only the public key: it writes backups it
        # cannot read (README, Backups)
        identity = clone / 'practice-backup.key'
        result = run_caseload(config, database, 'backup-key',
            '--out', str(identity))
        public = re.search(r'age1[0-9a-z]+', result.stdout).group()
        (clone / 'config' / 'backup.pub').write_text(public + '\n')
        with open(config, 'a') as file:
            file.write('backup_key = backup.pub\n')
        assert not (clone / 'var' / 'backups').exists()
        result = run_caseload(config, database, 'update')
        assert f"Updated the Caseload modules in {database!r}" in (
            result.stdout)
        archive, = (clone / 'var' / 'backups').glob(
            f'{database}-*.caseload-backup')
        result = run_caseload(config, database, 'backup', '--verify',
            str(archive), '--key-file', str(identity))
        result = run_caseload(config, database, 'backup', '--verify',
            str(archive), '--key-file', str(clone / 'config' / 'backup.pub'),
            check=False)
        assert result.returncode == 2

        result = run_caseload(config, database, 'users')
        assert "No demo logins in this database." in result.stdout

        run_caseload(config, database, 'cron', '--once')

        command = [*CASELOAD, '-c', str(config), '-d', database, 'serve',
            '--listen', f'127.0.0.1:{free_port()}', '--workers', '2']
        with open(output_dir('server') / 'production.log', 'w') as log:
            process, url = start_server(command, log)
            try:
                # a practice's database: the administrator sets up
                # two-step sign-in at the first login, from the key the
                # prompt shows
                sign_in = TwoStepSignIn()
                _, preferences = rpc_login(url, database, 'admin', password,
                    second_step=sign_in)
                assert len(sign_in.prompts) == 1, sign_in.prompts
                assert 'time-based key' in sign_in.prompts[0]
                assert preferences['language'] == 'en'
                with urllib.request.urlopen(url + '/health', timeout=30) as (
                        response):
                    health = json.load(response)
                assert health['status'] == 'ok', health
                assert health['checks']['cron']['expected'], health
            finally:
                assert stop_server(process), "serve did not stop on SIGTERM"
    finally:
        from caseload import database as databases
        from caseload.settings import Settings
        databases.drop(Settings(config), database)
