"""The portal invitation in Chromium (issue 14): the front desk opens an
adult client who has no portal login, clicks Invite to Portal on the
Portal Logins tab, sends the invitation; the client follows the emailed
link, chooses a password, logs in and sees their record."""
import datetime as dt
import re
import time

import pytest

from helpers import output_dir, rpc_login

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, front_tab, press, sao_login, settled)
from journeys import dialog, type_in  # noqa: E402

EMAIL = 'invited.client@example.com'
NEW_PASSWORD = 'maple lantern river stone'


def adult_without_login(url, database):
    """(id, name, number) of an active adult demo client with no portal
    login"""
    admin, _ = rpc_login(url, database, 'admin', PASSWORD)
    with_login = {u['party'] for u in admin('model.web.user.search_read',
            [], 0, None, None, ['party'])}
    adult_before = dt.date.today().year - 19
    for client in admin('model.therapy.client.search_read',
            [('status', '=', 'active')], 0, None, [('id', 'ASC')],
            ['party', 'party.name', 'birth_date', 'number']):
        born = client['birth_date']
        if (client['party'] not in with_login and born
                and born['year'] < adult_before):
            return (client['id'], client['party.']['name'],
                client['number'])
    raise AssertionError("no adult demo client without a portal login")


def invitation_to(mailbox, address):
    "The invitation email's link path, once it has arrived"
    deadline = time.monotonic() + TIMEOUT / 1000
    while time.monotonic() < deadline:
        for recipients, message in list(mailbox.messages):
            if address in recipients:
                body = message.get_body(('plain',)).get_content()
                return message, re.search(
                    r'https?://[^/\s]+(/\S+/portal/password/\S+)',
                    body).group(1)
        time.sleep(0.2)
    raise AssertionError(f"no invitation reached {address}")


def test_front_desk_invites_and_client_sets_password(
        page, demo_server, demo_database, mailbox):
    shots = output_dir('browser')
    client_id, name, number = adult_without_login(demo_server, demo_database)
    page.set_viewport_size({'width': 1400, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'frontdesk')
    page.goto(f'{demo_server}/#{demo_database}'
        f'/model/therapy.client/{client_id}')
    form = front_tab(page).locator('.form').first
    form.wait_for(timeout=TIMEOUT)
    settled(page)
    press(page, form.get_by_role('tab', name='Portal Logins'))
    invite = form.get_by_role('button', name='Invite to Portal')
    press(page, invite)
    # (the person is a drop-down: the one text box is the address)
    email = dialog(page).locator('input:visible').last
    email.wait_for(timeout=TIMEOUT)
    settled(page)
    type_in(email, EMAIL)
    page.screenshot(path=str(shots / 'sao-portal-invite.png'))
    press(page, dialog(page).get_by_role('button', name='Send Invitation'))
    expect(dialog(page).locator('textarea')).to_have_value(
        re.compile(f'on its way to {re.escape(EMAIL)}'), timeout=TIMEOUT)
    press(page, dialog(page).get_by_role('button', name='Close'))

    message, path = invitation_to(mailbox, EMAIL)
    # the email names the practice, never the client
    assert name not in message['Subject'] + message.get_body(
        ('plain',)).get_content()
    page.goto(f'{demo_server}{path}')
    expect(page.locator('h1')).to_have_text("Welcome to the client portal")
    page.fill('input[name=password]', NEW_PASSWORD)
    page.fill('input[name=confirm]', NEW_PASSWORD)
    page.click('button[type=submit]')
    expect(page.locator('.notice')).to_contain_text("Your password is set")
    page.fill('input[name=email]', EMAIL)
    page.fill('input[name=password]', NEW_PASSWORD)
    page.click('button[type=submit]')
    page.locator('.client').first.wait_for(timeout=TIMEOUT)
    expect(page.locator('.client')).to_contain_text(
        f'Client number {number}')
    page.screenshot(path=str(shots / 'portal-invited-home.png'))
