"Helpers for the cross-module tests (the fixtures are in conftest.py)."
import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASELOAD = [sys.executable, '-m', 'caseload.cli']
PASSWORD_FILE = ROOT / 'config' / 'demo-password'
# every demo login's password (and the admin's, from PASSWORD_FILE)
DEMO_PASSWORD = 'caseload-demo'


def output_dir(name):
    "Folder for a test's screenshots and logs"
    path = Path(os.environ.get('TEST_OUTPUT', ROOT / 'test-output')) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def server_log(database):
    "The log file of the served demo database"
    return output_dir('server') / f'serve-{database}.log'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run_caseload(config, database, *args, check=True, **kwargs):
    kwargs.setdefault('stdin', subprocess.DEVNULL)
    result = subprocess.run(
        [*CASELOAD, '-c', str(config), '-d', database, *args],
        capture_output=True, text=True, cwd=ROOT, **kwargs)
    if check and result.returncode:
        raise AssertionError(
            f"caseload {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}")
    return result


# Generous: under `make test` the served demo shares two cores with the
# other test worker, and a browser wait only lasts this long when it fails
BROWSER_TIMEOUT = 30000


def config_with(source, target, section, **options):
    """A copy of the config file source at target with options set in
    section, merged into the section source may have already (a second
    [section] header would make the file unreadable)"""
    import configparser
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(source)
    if not parser.has_section(section):
        parser.add_section(section)
    for option, value in options.items():
        parser.set(section, option, str(value))
    with open(target, 'w') as file:
        parser.write(file)
    return target


def open_pool(config, database):
    """The started Tryton pool of database, read with the config the
    `caseload` command used: for a test's script run in a subprocess, apart
    from the test process's own trytond"""
    from caseload.settings import Settings
    Settings(config).apply_in_process()
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(database)
    with Transaction().start(database, 0, readonly=True):
        pool.init()
    return pool


def json_rpc_answer(url, database, method, params, session=None):
    "One call of sao's JSON-RPC protocol: the answer, result or error"
    request = urllib.request.Request(f'{url}/{database}/rpc/',
        data=json.dumps({'method': method, 'params': params,
                'id': 1}).encode(),
        headers={'Content-Type': 'application/json'})
    if session:
        request.add_header('Authorization', 'Session ' + session)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def json_rpc(url, database, method, params, session=None):
    "One call of sao's JSON-RPC protocol; an error answer fails the test"
    answer = json_rpc_answer(url, database, method, params, session)
    if answer.get('error'):
        raise AssertionError(answer['error'])
    return answer['result']


class TwoStepSignIn:
    """Answers one user's two-step sign-in prompts over a test's logins, as
    the user with an authenticator app would: at the first login the app
    takes the key the prompt shows; then it gives its current code, each
    code once (a used one is refused: the next login waits for the next
    30-second step)"""

    def __init__(self):
        self.secret = None
        self.step = None
        self.prompts = []

    def __call__(self, message):
        from therapy_audit import totp
        self.prompts.append(message)
        key = re.search(r'time-based key: ([A-Z2-7 ]+)\.', message)
        if key:
            self.secret = key.group(1).replace(' ', '')
        assert self.secret, message
        while True:
            now = time.time()
            step = int(now // totp.STEP)
            if self.step is None or step > self.step:
                break
            time.sleep(1)
        self.step = step
        return totp.code_at(self.secret, now)


def rpc_login(url, database, login, password=DEMO_PASSWORD,
        second_step=None):
    """Log in over JSON-RPC as sao does: (call, preferences), where
    call(method, *params) sends the user's context after params.
    second_step(message) answers the prompt for a two-step sign-in code
    (sao shows message and sends what the user types)."""
    parameters = {'password': password}
    answer = json_rpc_answer(
        url, database, 'common.db.login', [login, parameters])
    error = answer.get('error')
    if second_step and error and error[0] == 'LoginException':
        name, message, _ = error[1]
        parameters[name] = second_step(message)
        answer = json_rpc_answer(
            url, database, 'common.db.login', [login, parameters])
    if answer.get('error'):
        raise AssertionError(answer['error'])
    user_id, key = answer['result'][:2]
    session = base64.b64encode(f'{login}:{user_id}:{key}'.encode()).decode()
    preferences = json_rpc(url, database, 'model.res.user.get_preferences',
        [True, {}], session)

    def call(method, *params):
        return json_rpc(url, database, method, [*params, preferences],
            session)
    # for a request of the test's own making
    call.session = session
    return call, preferences


def designated_user(admin, name, login, password=DEMO_PASSWORD):
    """A new clinician designated for emergency access (break-glass), made
    by admin's JSON-RPC call; its id"""
    groups = admin('model.res.group.search', [('name', 'in', [
                    'Caseload Clinician', 'Emergency Access: Designated'])],
        0, None, None)
    assert len(groups) == 2, groups
    company, = admin('model.company.company.search', [], 0, 1, None)
    user_id, = admin('model.res.user.create', [{
                'name': name, 'login': login, 'password': password,
                'groups': [('add', groups)],
                'companies': [('add', [company])], 'company': company}])
    return user_id


def start_server(command, log, seconds=120):
    """Start `caseload ... serve --listen 127.0.0.1:PORT` (command) and wait
    until it answers: (process, base URL)"""
    listen = command[command.index('--listen') + 1]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
        cwd=ROOT, start_new_session=True)
    url = f'http://{listen}'
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url + '/', timeout=5)
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_server(process)
                raise AssertionError(
                    f"caseload serve did not start; see {log.name}")
            time.sleep(0.3)


def stop_server(process, seconds=30):
    "SIGTERM, as an operator or orchestrator stops it; False if it hung"
    if process.poll() is not None:
        return True
    process.terminate()
    try:
        process.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False
