"""Fixtures for the cross-module tests: a demo practice served by the real
`caseload` command, on SQLite by default or on the PostgreSQL server named
by TRYTOND_DATABASE_URI (as in the CI's second pass); a Chromium page, with
a screenshot, sao's JavaScript errors, the dialogs on the page and the
server's complaints when a test using it fails."""
import os
import re
import tempfile

import pytest

from helpers import (
    BROWSER_TIMEOUT, CASELOAD, PASSWORD_FILE, ROOT, free_port, output_dir,
    run_caseload, server_log, start_server, stop_server)


@pytest.fixture(scope='session')
def mailbox():
    """A real SMTP server on loopback, where the demo server's mail goes:
    [(recipients, EmailMessage)] as it arrives"""
    from aiosmtpd.controller import Controller
    from therapy_scheduling.tests.outbox import Inbox
    inbox = Inbox()
    controller = Controller(inbox, hostname='127.0.0.1', port=free_port())
    controller.start()
    inbox.uri = f'smtp://127.0.0.1:{controller.port}'
    yield inbox
    controller.stop()


@pytest.fixture(scope='session')
def stripe_standin():
    """The local stand-in of Stripe's API, where the demo server's Stripe
    calls go ([caseload] stripe_api_base): never the network"""
    from therapy_portal.tests.stripe_standin import StripeStandIn
    standin = StripeStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture(scope='session')
def practice_config(tmp_path_factory, mailbox, stripe_standin):
    "A server config of our own, on the backend this test run uses"
    folder = tmp_path_factory.mktemp('practice')
    uri = os.environ.get('TRYTOND_DATABASE_URI', 'sqlite://')
    config = folder / 'caseload.conf'
    config.write_text(
        f"[database]\nuri = {uri}\npath = {folder / 'db'}\nlist = False\n"
        f"[web]\nlisten = 127.0.0.1:0\n"
        f"root = {ROOT / 'var' / 'sao' / 'package'}\n"
        f"[email]\nuri = {mailbox.uri}\n"
        "from = office@harborview.example\n"
        "[session]\nauthentications = password+totp\n"
        "[password]\nlength = 12\n"
        f"[caseload]\nstripe_api_base = {stripe_standin.url}\n"
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


def server_trouble(database, lines=60):
    """What the demo server said besides serving requests (tracebacks,
    warnings), and requests that failed, lost their session, were refused
    for rate or took over 5 s: the last lines"""
    path = server_log(database)
    if not path.exists():
        return ''
    trouble = []
    for line in path.read_text(errors='replace').splitlines():
        access = re.search(r'"(GET|POST|PUT|DELETE|HEAD) [^"]*" (\d{3}) '
            r'\S+ (\d+)ms', line)
        if access:
            # not sao's locale probes (405) nor the database list it may
            # not see (403): errors, lost sessions, refusals and slowness
            if access.group(2) >= '500' or access.group(2) in {
                    '401', '429'} or int(access.group(3)) > 5000:
                trouble.append(line)
        elif '[INFO]' not in line:
            trouble.append(line)
    return '\n'.join(trouble[-lines:])


@pytest.fixture(scope='session')
def demo_server(practice_config, demo_database):
    "`caseload serve` on a free port; yields its base URL"
    port = free_port()
    # on PostgreSQL two workers, as in production (the default, 2 x cores
    # + 1, would load five Tryton pools on CI's two cores); one on SQLite
    workers = '2' if os.environ.get('TRYTOND_DATABASE_URI', '').startswith(
        'postgresql') else '1'
    # one log per test session: xdist's workers each serve their own demo
    with open(server_log(demo_database), 'w') as log:
        process, url = start_server(
            [*CASELOAD, '-c', str(practice_config), '-d', demo_database,
                'serve', '--listen', f'127.0.0.1:{port}',
                '--workers', workers], log)
        yield url
        stop_server(process)


CHROMIUM = '/usr/bin/chromium'
# Without the networking flags Chromium keeps calling home, which this
# closed network refuses.
FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-sync']
PAGE = pytest.StashKey()
SAO_ERRORS = pytest.StashKey()


@pytest.fixture
def page(request):
    "Chromium (headless, New York time); a failing test leaves a screenshot"
    from playwright.sync_api import sync_playwright
    # the profile goes with the test: a directory a test, left in /tmp
    # by every run before
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(
            prefix='caseload-chromium-', ignore_cleanup_errors=True
            ) as profile:
        context = playwright.chromium.launch_persistent_context(profile,
            executable_path=CHROMIUM, headless=True, args=FLAGS,
            # sao shows times in the browser's zone: a Brooklyn front desk
            timezone_id='America/New_York',
            viewport={'width': 1280, 'height': 800})
        context.set_default_timeout(BROWSER_TIMEOUT)
        page = context.pages[0] if context.pages else context.new_page()
        errors = []
        page.on('pageerror', lambda error: errors.append(str(error)))
        request.node.stash[PAGE] = page
        request.node.stash[SAO_ERRORS] = errors
        yield page
        context.close()


@pytest.fixture
def sao_errors(page, request):
    """sao's JavaScript errors on the page so far: a view sao cannot build
    leaves the tab at 'Processing' with nothing else to see"""
    return request.node.stash[SAO_ERRORS]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A test using the page that fails: a screenshot named after the test
    in test-output/failures, and sao's JavaScript errors in the report"""
    report = yield
    page = item.stash.get(PAGE, None)
    if report.when == 'call' and report.failed and page is not None:
        name = re.sub(r'[^\w.-]+', '-', f'{item.path.stem}-{item.name}')
        path = output_dir('failures') / f'{name}.png'
        try:
            page.screenshot(path=str(path))
            report.sections.append(('screenshot', str(path)))
        except Exception as error:  # the page may be gone: say so
            report.sections.append(
                ('screenshot', f'none: the page could not be shot ({error})'))
        errors = item.stash.get(SAO_ERRORS, [])
        if errors:
            report.sections.append(('sao errors', '\n'.join(errors)))
        try:  # an error or warning sao shows in a dialog, word for word
            dialogs = page.locator('.modal-dialog:visible').all_inner_texts()
        except Exception:
            dialogs = []
        if dialogs:
            report.sections.append(('dialogs on the page', '\n---\n'.join(
                        text.strip() for text in dialogs)))
        database = item.funcargs.get('demo_database')
        trouble = server_trouble(database) if database else ''
        if trouble:
            report.sections.append(('demo server log', trouble))
    return report
