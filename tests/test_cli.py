"""The operator's `caseload` command, run as a new practice would run it."""
import socket

import pytest

from helpers import PASSWORD_FILE, run_caseload


def test_users_lists_one_login_per_role(practice_config, demo_database):
    result = run_caseload(practice_config, demo_database, 'users')
    for login in ['frontdesk', 'clinician', 'supervisor', 'biller',
            'accountant', 'owner', 'admin']:
        assert f'  {login} ' in result.stdout
    assert 'caseload-demo' in result.stdout
    assert 'parent@harborview.example' in result.stdout


def test_init_twice_keeps_the_practice(practice_config, demo_database):
    result = run_caseload(practice_config, demo_database, 'init', '--demo')
    assert "already set up" in result.stdout
    assert "already loaded" in result.stdout


def test_postgresql_database_runs_without_jit(practice_config,
        demo_database):
    "init sets jit = off on the practice's database, for every connection"
    from caseload.settings import Settings
    settings = Settings(practice_config)
    if settings.backend != 'postgresql':
        pytest.skip("a PostgreSQL setting")
    import psycopg
    with psycopg.connect(settings.uri.rstrip('/') + '/' + demo_database) \
            as conn:
        jit, = conn.execute('SHOW jit').fetchone()
    assert jit == 'off'


def test_missing_database(practice_config):
    result = run_caseload(practice_config, 'nosuchdb', 'users', check=False)
    assert result.returncode == 2
    assert "Database 'nosuchdb' does not exist" in result.stderr
    assert "caseload -d nosuchdb init" in result.stderr


def test_wrong_config(tmp_path):
    result = run_caseload(tmp_path / 'nope.conf', 'demo', 'users',
        check=False)
    assert result.returncode == 2
    assert "nope.conf not found" in result.stderr
    broken = tmp_path / 'broken.conf'
    broken.write_text("[web]\nlisten = 127.0.0.1:8000\n")
    result = run_caseload(broken, 'demo', 'users', check=False)
    assert result.returncode == 2
    assert "no [database] section" in result.stderr


def test_port_in_use(practice_config, demo_database):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run_caseload(practice_config, demo_database, 'serve',
            '--listen', f'127.0.0.1:{port}', check=False)
    assert result.returncode == 2
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--listen" in result.stderr


def test_init_without_password_creates_nothing(practice_config):
    "No admin password and no terminal: a clear error, no database left"
    result = run_caseload(practice_config, 'nopassword', 'init',
        '--email', 'admin@example.com', check=False,
        env={'PATH': '/usr/bin:/bin'})
    assert result.returncode == 2
    assert "TRYTONPASSFILE" in result.stderr
    result = run_caseload(practice_config, 'nopassword', 'users',
        check=False)
    assert "does not exist" in result.stderr


def test_password_file_must_exist(practice_config):
    result = run_caseload(practice_config, 'badpassfile', 'init', '--demo',
        '--password-file', str(PASSWORD_FILE) + '.missing', check=False)
    assert result.returncode == 2
    assert "not found" in result.stderr


def test_short_admin_password_creates_nothing(practice_config, tmp_path):
    "The config asks for 12 characters: an 8-character password is refused"
    short = tmp_path / 'short-password'
    short.write_text("abcd1234\n")
    result = run_caseload(practice_config, 'shortpass', 'init',
        '--email', 'admin@example.com', '--password-file', str(short),
        check=False)
    assert result.returncode == 2
    assert "shorter than the 12 characters" in result.stderr
    result = run_caseload(practice_config, 'shortpass', 'users',
        check=False)
    assert "does not exist" in result.stderr


def test_database_name_is_checked(practice_config):
    for name in ['../outside', 'a/b', 'x;rm -rf', '']:
        result = run_caseload(practice_config, name, 'users', check=False)
        assert result.returncode == 2, name
        assert "is not a valid database name" in result.stderr, name
    assert not (practice_config.parent / 'outside.sqlite').exists()
