"""Two-step sign-in in Chromium (issue 13): a new front-desk user sets up
an authenticator app from the menu (QR code, key, first code, recovery
codes), signs in again with password and code, and the practice owner
resets the enrollment from the staff list; a designated clinician opens
emergency access (break-glass). The demo relaxes two-step
sign-in only for who has not set it up: once enrolled, the code is asked
for, as in a practice's database."""
import re

import pytest

from helpers import TwoStepSignIn, designated_user, rpc_login
from journeys import DOCS

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, list_rows, open_menu, press,
    sao_login, settled)
from test_browser_billing import dialog  # noqa: E402

LOGIN = 'desk-mfa'


def sign_out(page):
    "A new browser session: sao keeps its session in the page's storage"
    page.evaluate('() => { localStorage.clear(); sessionStorage.clear(); }')
    page.goto('about:blank')


def test_staff_sets_up_and_signs_in_with_a_code(
        page, demo_server, demo_database):
    admin, _ = rpc_login(demo_server, demo_database, 'admin', PASSWORD)
    group, = admin('model.res.group.search',
        [('name', '=', 'Caseload Front Desk')], 0, 1, None)
    company, = admin('model.company.company.search', [], 0, 1, None)
    user_id, = admin('model.res.user.create', [{
                'name': "Desk Two-Step", 'login': LOGIN,
                'password': PASSWORD, 'groups': [('add', [group])],
                'companies': [('add', [company])], 'company': company}])

    # not enrolled yet: the demo lets the password alone in
    sao_login(page, demo_server, demo_database, LOGIN)
    open_menu(page, 'Caseload', 'Two-Step Sign-in')
    wizard = dialog(page)
    # the QR code (sao shows a blank GIF until the image is in)
    expect(wizard.locator('img.center-block')).to_have_attribute(
        'src', re.compile(r'^(?!data:image/gif)'), timeout=TIMEOUT)
    settled(page)
    key = wizard.get_by_label('Key').input_value()
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / 'back-office-two-step-sign-in.png'))
    secret = key.replace(' ', '')
    assert re.fullmatch(r'[A-Z2-7]{32}', secret), key
    # the app, holding the key the wizard shows, gives each code once
    app = TwoStepSignIn()
    app.secret = secret
    wizard.get_by_label('Code').fill(app(''))
    press(page, wizard.get_by_role('button', name='Confirm'))
    codes = dialog(page).locator('textarea')
    expect(codes).to_have_value(re.compile(r'^([0-9A-Z]{5}-[0-9A-Z]{5}\n){9}'
            r'[0-9A-Z]{5}-[0-9A-Z]{5}$'), timeout=TIMEOUT)
    press(page, dialog(page).get_by_role('button', name='Close'))

    # signing in again: the password, then the code the app shows
    sign_out(page)
    prompts = []

    def code():
        prompts.append(dialog(page).inner_text())
        return app('')
    sao_login(page, demo_server, demo_database, LOGIN, code=code)
    assert 'authenticator app' in prompts[0], prompts
    [enrolled] = admin('model.res.user.read', [user_id], ['mfa_enrolled'])
    assert enrolled['mfa_enrolled']

    # the practice owner resets it from the staff list
    sign_out(page)
    sao_login(page, demo_server, demo_database, 'owner')
    open_menu(page, 'Caseload', 'Configuration', 'Staff Two-Step Sign-in')
    row = list_rows(page).filter(has_text=LOGIN)
    row.first.wait_for(timeout=TIMEOUT)
    reset = row.first.get_by_role('button', name='Reset Two-Step Sign-in')
    press(page, reset)
    press(page, dialog(page).get_by_role('button', name='OK'))
    expect(row.first).to_contain_text(LOGIN, timeout=TIMEOUT)
    settled(page)
    [enrolled] = admin('model.res.user.read', [user_id], ['mfa_enrolled'])
    assert not enrolled['mfa_enrolled']
    event, = admin('model.therapy.audit.event.search_read',
        [('event_code', '=', 'auth.mfa.reset')], 0, 1, [('seq', 'DESC')],
        ['resource_ids', 'actor_login'])
    assert (event['resource_ids'], event['actor_login']) == (
        str(user_id), 'owner'), event


def test_designated_clinician_opens_emergency_access(
        page, demo_server, demo_database):
    """Break-glass: a designated clinician with no care team sees no
    client until the emergency access is opened with a reason"""
    admin, _ = rpc_login(demo_server, demo_database, 'admin', PASSWORD)
    user_id = designated_user(admin, "On-Call Clinician", 'on-call', PASSWORD)

    on_call, _ = rpc_login(demo_server, demo_database, 'on-call', PASSWORD)
    assert on_call('model.therapy.client.search_count', []) == 0

    sao_login(page, demo_server, demo_database, 'on-call')
    open_menu(page, 'Caseload', 'Emergency Access')
    wizard = dialog(page)
    wizard.get_by_label('Reason').fill(
        "Client in crisis at the ER, on-call needs the safety plan")
    press(page, wizard.get_by_role('button', name='Open Emergency Access'))
    # the wizard ends by reloading the menu (now with Clients), once its
    # dialog has faded out: a click before lands on the backdrop, or on
    # the old menu as it is replaced
    wizard.wait_for(state='hidden', timeout=TIMEOUT)
    page.locator('.modal-backdrop').wait_for(state='detached',
        timeout=TIMEOUT)
    settled(page)
    # (a list opened before would not reload by itself)
    open_menu(page, 'Caseload', 'Clients')
    list_rows(page).first.wait_for(timeout=TIMEOUT)
    opened, = admin('model.therapy.emergency.access.search_read',
        [('user', '=', user_id)], 0, None, None, ['active_now', 'reason'])
    assert opened['active_now'], opened
    flagged = admin('model.therapy.audit.event.search_count',
        [('actor_user', '=', user_id), ('emergency', '=', True)], 0, None)
    assert flagged >= 2, flagged
