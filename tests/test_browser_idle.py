"""sao's idle lock in Chromium (SEC-AC-03): a clinician leaves a client's
record open and walks away; a little before the server would end the
session, sao clears the screen and the stored session and asks for a
login. The server here ends sessions after 30 s without a request."""
import time

import pytest

from helpers import (
    CASELOAD, config_with, free_port, rpc_login, server_log, start_server,
    stop_server)

pytest.importorskip('playwright')
from test_browser import PASSWORD, TIMEOUT, front_tab, sao_login  # noqa: E402

IDLE = 30
# everything the page holds: its markup and the values of its fields
PAGE_TEXT = """() => document.documentElement.outerHTML + '\\n' + [
    ...document.querySelectorAll('input, textarea, select')].map(
        e => e.value).join('\\n') + '\\n' + document.title"""


@pytest.fixture(scope='module')
def idle_server(practice_config, demo_database):
    "The demo practice served with `[caseload] session_idle = 30`"
    config = config_with(practice_config,
        practice_config.with_name('caseload-idle.conf'), 'caseload',
        session_idle=IDLE)
    port = free_port()
    log_path = server_log(demo_database).with_name(
        f'serve-{demo_database}-idle.log')
    with open(log_path, 'w') as log:
        process, url = start_server(
            [*CASELOAD, '-c', str(config), '-d', demo_database, 'serve',
                '--listen', f'127.0.0.1:{port}', '--workers', '1'], log)
        yield url
        stop_server(process)


def test_idle_sao_leaves_no_phi(page, sao_errors, idle_server,
        demo_database):
    call, preferences = rpc_login(
        idle_server, demo_database, 'clinician', PASSWORD)
    # the limits come with the preferences, not in every call's context
    assert 'caseload_session_idle' not in preferences
    limits = call('model.res.user.get_preferences', False)
    assert limits['caseload_session_idle'] == IDLE, limits
    client, = call('model.therapy.client.search_read', [], 0, 1,
        [('id', 'ASC')], ['rec_name'])
    sentinel = client['rec_name'].split(' [')[0]

    sao_login(page, idle_server, demo_database, 'clinician')
    page.goto(f'{idle_server}/#{demo_database}/model/therapy.client/'
        f'{client["id"]}')
    front_tab(page).locator('input:visible').first.wait_for(timeout=TIMEOUT)
    page.wait_for_function(f'(sentinel) => ({PAGE_TEXT})().includes('
        'sentinel)', arg=sentinel, timeout=TIMEOUT)
    key = f'sao_session_{demo_database}'
    assert page.evaluate(f'() => localStorage.getItem({key!r})')
    # the lock starts once sao has the user's preferences (a slower
    # server answers them after the record)
    activity = f"() => +localStorage.getItem('caseload_activity_{demo_database}')"
    page.wait_for_function(activity, timeout=TIMEOUT)
    last_activity = page.evaluate(activity)
    assert last_activity

    # no input from here on: the lock comes before the server's 30 s
    started = time.monotonic()
    page.locator('#login').wait_for(
        state='visible', timeout=(IDLE + 20) * 1000)
    locked_after = page.evaluate('() => Date.now()') - last_activity
    assert locked_after < IDLE * 1000, locked_after
    assert time.monotonic() - started > 5  # not at once: after idling
    text = page.evaluate(PAGE_TEXT)
    assert sentinel not in text
    assert page.evaluate(f'() => localStorage.getItem({key!r})') is None
    assert page.evaluate('() => window.location.hash') == f'#{demo_database}'
    assert not front_tab(page).count()
    assert not sao_errors, sao_errors
