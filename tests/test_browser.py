"""Real Chromium against `caseload serve`: the back office (sao) and the
client portal, as staff and clients meet them."""
import tempfile

import pytest

from helpers import output_dir

pytest.importorskip('playwright')
from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM = '/usr/bin/chromium'
# Without the networking flags Chromium keeps calling home, which this
# closed network refuses.
FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-sync']
PASSWORD = 'caseload-demo'
TIMEOUT = 20000


@pytest.fixture
def page():
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix='caseload-chromium-'),
            executable_path=CHROMIUM, headless=True, args=FLAGS,
            # sao shows times in the browser's zone: a Brooklyn front desk
            timezone_id='America/New_York',
            viewport={'width': 1280, 'height': 800})
        page = context.pages[0] if context.pages else context.new_page()
        yield page
        context.close()


def sao_login(page, url, database, login):
    page.goto(f'{url}/#{database}')
    page.locator('#login').fill(login)
    page.get_by_role('button', name='Login').click()
    password = page.locator('input[type=password]:visible')
    password.wait_for(timeout=TIMEOUT)
    password.fill(PASSWORD)
    password.press('Enter')
    page.get_by_text('Caseload', exact=True).first.wait_for(timeout=TIMEOUT)


def test_front_desk_opens_clients(page, demo_server, demo_database):
    shots = output_dir('browser')
    try:
        sao_login(page, demo_server, demo_database, 'frontdesk')
        page.get_by_text('Caseload', exact=True).first.click()
        page.get_by_text('Clients', exact=True).first.click()
        # the list opens on the Active tab with demo clients and numbers
        page.get_by_role('tab', name='Active').first.wait_for(timeout=TIMEOUT)
        numbers = page.locator('tbody tr td', has_text='C00')
        numbers.first.wait_for(timeout=TIMEOUT)
        assert numbers.count() > 10
        page.screenshot(path=str(shots / 'sao-clients.png'))
    except Exception:
        page.screenshot(path=str(shots / 'sao-clients-failure.png'))
        raise


def test_parent_sees_child_in_portal(page, demo_server, demo_database):
    shots = output_dir('browser')
    try:
        page.goto(f'{demo_server}/{demo_database}/portal/')
        page.fill('input[name=email]', 'parent@harborview.example')
        page.fill('input[name=password]', PASSWORD)
        page.click('button[type=submit]')
        page.locator('.client').first.wait_for(timeout=TIMEOUT)
        assert 'Client number C' in page.inner_text('.client')
        page.screenshot(path=str(shots / 'portal-home.png'))
        page.click('text=Log out')
        page.locator('input[name=email]').wait_for(timeout=TIMEOUT)
    except Exception:
        page.screenshot(path=str(shots / 'portal-failure.png'))
        raise


def test_calendar_shows_the_demo_week(page, demo_server, demo_database):
    shots = output_dir('browser')
    try:
        sao_login(page, demo_server, demo_database, 'frontdesk')
        page.get_by_text('Caseload', exact=True).first.click()
        page.get_by_text('Schedule', exact=True).first.click()
        page.get_by_text('Calendar', exact=True).first.click()
        # the week view of this week, with the demo practice's sessions
        events = page.locator('.fc-event')
        events.first.wait_for(timeout=TIMEOUT)
        assert events.count() > 10
        assert 'C00' in events.first.inner_text()
        # the working day, not midnight, in view
        page.locator('.fc-scroller').first.evaluate(
            'element => element.scrollTop = 7.5 * 42')
        page.wait_for_timeout(300)
        page.screenshot(path=str(shots / 'sao-calendar.png'))
    except Exception:
        page.screenshot(path=str(shots / 'sao-calendar-failure.png'))
        raise
