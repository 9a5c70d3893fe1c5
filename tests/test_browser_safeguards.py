"""The privacy safeguards' buttons clicked in Chromium by the role that
needs them, the practice owner (who is the privacy auditor): the review of
a closed emergency access (break-glass) window, a disclosure recorded for
the accounting of disclosures, the security settings, and a client's
portal two-step sign-in turned off after they lost phone and recovery
codes. The server then says what the clicks did (JSON-RPC)."""
import json

import pytest

from helpers import TwoStepSignIn, designated_user, rpc_login

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from journeys import dialog, type_in  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, front_tab, open_action, open_menu, press, sao_login,
    settled)

ACTIVATE = 'wizard.therapy.emergency.activate'


def as_user(url, database, login):
    return rpc_login(url, database, login, PASSWORD)[0]


def saved(page):
    expect(page.locator('.infobar .alert:visible', has_text='Record saved.')
        ).to_be_visible(timeout=TIMEOUT)


def press_and_confirm(page, button, question):
    "Click button, see question in the confirmation, answer OK"
    press(page, button)
    confirm = dialog(page)
    expect(confirm).to_contain_text(question)
    press(page, confirm.get_by_role('button', name='OK'))


def last_event(owner, code, **where):
    "The newest audit event of code (and where's field values)"
    events = owner('model.therapy.audit.event.search_read',
        [('event_code', '=', code), *((k, '=', v) for k, v in where.items())],
        0, 1, [('seq', 'DESC')],
        ['resource_ids', 'actor_login', 'field_names', 'reason', 'detail',
            'client_ids'])
    assert events, f"no {code} event {where}"
    return events[0]


def emergency_wizard(call, state, data):
    "Run the break-glass wizard to state over RPC, as sao would"
    session, _, _ = call(f'{ACTIVATE}.create')
    call(f'{ACTIVATE}.execute', session, {}, 'start')
    call(f'{ACTIVATE}.execute', session, {'start': data}, state)
    call(f'{ACTIVATE}.delete', session)


def test_owner_reviews_a_closed_emergency_access(
        page, demo_server, demo_database):
    user_id = designated_user(as_user(demo_server, demo_database, 'admin'),
        "Weekend On-Call", 'weekend-on-call', PASSWORD)
    reason = "Client called the crisis line, safety plan needed at night"
    on_call = as_user(demo_server, demo_database, 'weekend-on-call')
    emergency_wizard(on_call, 'activate', {'reason': reason})
    emergency_wizard(on_call, 'deactivate', {})
    owner = as_user(demo_server, demo_database, 'owner')
    window, = owner('model.therapy.emergency.access.search_read',
        [('user', '=', user_id)], 0, None, None,
        ['ended_at', 'reviewed_at', 'reviewed_by'])
    assert window['ended_at'] and not window['reviewed_at'], window

    # the front desk neither reads the windows nor reviews one
    desk = as_user(demo_server, demo_database, 'frontdesk')
    for method, args in [('search', [[]]), ('review', [[window['id']]])]:
        with pytest.raises(AssertionError, match='not allowed|access'):
            desk(f'model.therapy.emergency.access.{method}', *args)

    page.set_viewport_size({'width': 1600, 'height': 900})
    sao_login(page, demo_server, demo_database, 'owner')
    # by the window's address (the menu's list: the test below)
    page.goto(f"{demo_server}/#{demo_database}/model/"
        f"therapy.emergency.access/{window['id']}")
    tab = front_tab(page)
    note = tab.locator('textarea[name="review_note"]')
    expect(note).to_be_editable(timeout=TIMEOUT)
    settled(page)
    finding = "Justified: the client was in crisis; only the plan was read"
    note.fill(finding)
    review = tab.get_by_role('button', name='Mark Reviewed')
    press_and_confirm(page, review, 'Mark this emergency access reviewed')
    expect(review).to_be_hidden(timeout=TIMEOUT)
    expect(tab.locator('input[name="reviewed_by"]')).to_have_value(
        'Jordan Owner')
    expect(note).not_to_be_editable()

    owner_id, = owner('model.res.user.search', [('login', '=', 'owner')],
        0, 1, None)
    window, = owner('model.therapy.emergency.access.read', [window['id']],
        ['reviewed_at', 'reviewed_by', 'review_note'])
    assert window['reviewed_at'], window
    assert (window['reviewed_by'], window['review_note']) == (
        owner_id, finding), window
    event = last_event(owner, 'emergency.review')
    assert (event['resource_ids'], event['actor_login']) == (
        str(window['id']), 'owner'), event


@pytest.mark.parametrize('entry, column', [
        ('Emergency Access', 'Started At'),
        ('Tampered Records', 'Detected At')])
def test_owner_opens_the_privacy_audit_lists(
        page, sao_errors, demo_server, demo_database, entry, column):
    sao_login(page, demo_server, demo_database, 'owner')
    open_menu(page, 'Privacy Audit', entry)
    try:
        front_tab(page).locator('.treeview thead', has_text=column).wait_for(
            timeout=TIMEOUT)
    finally:
        assert not sao_errors, sao_errors


def test_owner_records_a_disclosure(page, demo_server, demo_database):
    owner = as_user(demo_server, demo_database, 'owner')
    client, = owner('model.therapy.client.search_read',
        [('status', '=', 'active')], 0, 1, [('id', 'ASC')], ['rec_name'])
    name = client['rec_name'].split(' [')[0]
    recipient = "Kings County Family Court, Clerk's Office"

    # the front desk records none
    desk = as_user(demo_server, demo_database, 'frontdesk')
    with pytest.raises(AssertionError, match='not allowed|access'):
        desk('model.therapy.disclosure.search', [])

    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'owner')
    open_action(page, 'Privacy Audit', 'Disclosures')
    tab = front_tab(page)
    press(page, tab.get_by_role('button', name='New'))
    field = tab.locator('input[name="client"]')
    field.wait_for(timeout=TIMEOUT)
    settled(page)
    type_in(field, name, leave=False)
    press(page, page.locator('.dropdown-menu:visible li',
            has_text=client['rec_name']).first)
    settled(page)
    type_in(tab.locator('input[name="recipient"]'), recipient)
    tab.locator('select[name="purpose"]').select_option(
        label="Court Order or Subpoena")
    tab.locator('select[name="method"]').select_option(label="Fax")
    type_in(tab.locator('input[name="authorization"]'), "Subpoena 2024-117")
    type_in(tab.locator('textarea[name="description"]'),
        "Attendance dates of the last three months")
    settled(page)
    press(page, tab.get_by_role('button', name='Save'))
    saved(page)
    expect(tab.locator('input[name="recorded_by"]')).to_have_value(
        'Jordan Owner')

    disclosure, = owner('model.therapy.disclosure.search_read',
        [('recipient', '=', recipient)], 0, None, None,
        ['client', 'purpose', 'method', 'authorization', 'disclosed_on',
            'recorded_by.login'])
    assert (disclosure['client'], disclosure['purpose'],
        disclosure['method'], disclosure['authorization']) == (
            client['id'], 'legal', 'fax', "Subpoena 2024-117"), disclosure
    assert disclosure['recorded_by.']['login'] == 'owner', disclosure
    event = last_event(owner, 'phi.disclose')
    assert (event['resource_ids'], event['actor_login'], event['reason'],
        event['client_ids']) == (str(disclosure['id']), 'owner', 'legal',
            f",{client['id']},"), event
    assert json.loads(event['detail'])['method'] == 'fax', event


def test_owner_changes_the_security_settings(
        page, demo_server, demo_database):
    owner = as_user(demo_server, demo_database, 'owner')
    fields = ['privacy_officer_email', 'emergency_hours']
    before, = owner('model.therapy.security.configuration.read', [1], fields)
    email = 'privacy.officer@harborview.example'
    assert before['privacy_officer_email'] != email, before
    try:
        sao_login(page, demo_server, demo_database, 'owner')
        open_action(page, 'Privacy Audit', 'Security Settings')
        tab = front_tab(page)
        field = tab.locator('input[name="privacy_officer_email"]')
        expect(field).to_be_editable(timeout=TIMEOUT)
        settled(page)
        type_in(field, email)
        # (sao's integer field: a number input, a text one hidden)
        type_in(tab.locator('input[name="emergency_hours"]:visible'), '6')
        settled(page)
        press(page, tab.get_by_role('button', name='Save'))
        saved(page)

        after, = owner('model.therapy.security.configuration.read', [1],
            fields)
        assert (after['privacy_officer_email'], after['emergency_hours']) == (
            email, 6), after
        event = last_event(owner, 'admin.config.change', actor_login='owner')
        assert event['field_names'] == 'emergency_hours,privacy_officer_email'
        assert json.loads(event['detail']) == {
            'emergency_hours': 6, 'privacy_officer_email': email}, event
    finally:
        # the demo's other tests open emergency access: as it was
        owner('model.therapy.security.configuration.write', [1],
            {f: before[f] for f in fields})


def test_owner_turns_off_a_clients_portal_two_step(
        page, demo_server, demo_database):
    """A client lost phone and recovery codes: the owner opens the
    client's portal login from the client's form and turns it off"""
    admin = as_user(demo_server, demo_database, 'admin')
    clients = admin('model.therapy.client.search_read', [
            ('status', '=', 'active'), ('guardians', '=', None)],
        0, 20, [('id', 'DESC')], ['party', 'rec_name', 'portal_users'])
    client = next(c for c in clients if not c['portal_users'])
    email = 'lost-phone@harborview.example'
    web_user, = admin('model.web.user.create', [{
                'email': email, 'password': PASSWORD,
                'party': client['party']}])

    # the client turns two-step sign-in on in the portal
    portal = f'{demo_server}/{demo_database}/portal'
    page.goto(f'{portal}/')
    page.fill('input[name=email]', email)
    page.fill('input[name=password]', PASSWORD)
    page.click('button[type=submit]')
    page.locator('.client').first.wait_for(timeout=TIMEOUT)
    page.goto(f'{portal}/two-step')
    page.get_by_role('button', name='Set up two-step sign-in').click()
    app = TwoStepSignIn()
    app.secret = page.locator('.key code').inner_text().replace(' ', '')
    page.fill('input[name=code]', app(''))
    page.get_by_role('button', name='Turn on').click()
    expect(page.locator('h1')).to_have_text('Two-step sign-in is on')
    owner = as_user(demo_server, demo_database, 'owner')
    [user] = owner('model.web.user.read', [web_user], ['two_step_enabled'])
    assert user['two_step_enabled'], user

    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'owner')
    # the client's form by its address (a double click on the row after
    # a search in the Clients list at times opened a second list tab)
    page.goto(f"{demo_server}/#{demo_database}/model/therapy.client/"
        f"{client['id']}")
    form = front_tab(page).locator('.form').first
    press(page, form.get_by_role('tab', name='Portal Logins'))
    login = form.locator('.tab-pane.active').get_by_text(email).first
    press(page, login, double=True)
    popup = dialog(page)
    turn_off = popup.get_by_role('button', name='Turn Off Two-Step Sign-in')
    press_and_confirm(page, turn_off, 'Check who is asking first')
    expect(turn_off).to_be_hidden(timeout=TIMEOUT)
    settled(page)

    [user] = owner('model.web.user.read', [web_user], ['two_step_enabled'])
    assert not user['two_step_enabled'], user
    event = last_event(owner, 'auth.mfa.reset', actor_login='owner')
    assert event['resource_ids'] == str(web_user), event
    assert json.loads(event['detail']) == {'portal_logins': [email]}, event
    # and the client signs in with the password alone again
    page.context.clear_cookies()
    page.goto(f'{portal}/')
    page.fill('input[name=email]', email)
    page.fill('input[name=password]', PASSWORD)
    page.click('button[type=submit]')
    page.locator('.client').first.wait_for(timeout=TIMEOUT)
