"""Fixtures for the cross-module tests: a demo practice served by the real
`caseload` command, on SQLite by default or on the PostgreSQL server named
by TRYTOND_DATABASE_URI (as in the CI's second pass)."""
import os
import signal
import subprocess
import time
import urllib.request

import pytest

from helpers import (
    CASELOAD, PASSWORD_FILE, ROOT, free_port, output_dir, run_caseload)


@pytest.fixture(scope='session')
def practice_config(tmp_path_factory):
    "A server config of our own, on the backend this test run uses"
    folder = tmp_path_factory.mktemp('practice')
    uri = os.environ.get('TRYTOND_DATABASE_URI', 'sqlite://')
    config = folder / 'caseload.conf'
    config.write_text(
        f"[database]\nuri = {uri}\npath = {folder / 'db'}\nlist = False\n"
        f"[web]\nlisten = 127.0.0.1:0\n"
        f"root = {ROOT / 'var' / 'sao' / 'package'}\n"
        "[password]\nlength = 12\n"
        "[request]\nmax_size_authenticated = 20971520\n"
        "records_limit = 100000\n")
    (folder / 'db').mkdir()
    return config


@pytest.fixture(scope='session')
def demo_database(practice_config):
    "The demo practice, created with `caseload init --demo`"
    name = f'caseload_test_{os.getpid()}'
    run_caseload(practice_config, name, 'init', '--demo',
        '--password-file', str(PASSWORD_FILE))
    yield name
    from caseload import database
    from caseload.settings import Settings
    database.drop(Settings(practice_config), name)


@pytest.fixture(scope='session')
def demo_server(practice_config, demo_database):
    "`caseload serve` on a free port; yields its base URL"
    port = free_port()
    log = open(output_dir('server') / 'serve.log', 'w')
    process = subprocess.Popen(
        [*CASELOAD, '-c', str(practice_config), '-d', demo_database,
            'serve', '--listen', f'127.0.0.1:{port}'],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + '/', timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(
                    "caseload serve did not start; see "
                    f"{output_dir('server') / 'serve.log'}")
            time.sleep(0.3)
    yield url
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()
