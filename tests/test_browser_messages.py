"""Secure messages in Chromium (issue 14): the demo's adult client asked
a question in the portal; the front desk finds it on their home under
Messages Waiting for the Practice, opens it and answers with the Reply
button; the thread then waits for the client, and the portal shows the
answer."""
import pytest

from helpers import rpc_login

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, press, sao_login, settled)
from journeys import board_list, dialog, rows_of  # noqa: E402

TITLE = "Messages Waiting for the Practice"
SUBJECT = "Online session next week?"
ANSWER = "Yes, we switched your next session to telehealth."


def test_front_desk_replies_to_a_message(page, demo_server, demo_database):
    desk, _ = rpc_login(demo_server, demo_database, 'frontdesk', PASSWORD)
    waiting = desk('model.therapy.portal.thread.search_read', [
            ('subject', '=', SUBJECT)], 0, None, None, ['last_from'])
    assert [w['last_from'] for w in waiting] == ['client'], waiting

    page.set_viewport_size({'width': 1600, 'height': 1200})
    sao_login(page, demo_server, demo_database, 'frontdesk')
    threads = board_list(page, TITLE)
    rows = rows_of(threads)
    rows.first.wait_for(timeout=TIMEOUT)
    assert SUBJECT in threads.inner_text()

    # the row opens the thread (a dialog over the home), with its Reply
    # (the subject's cell: the client's is a link; the form shows the
    # subject in a field, so the dialog is found by a label)
    row = rows.filter(has_text=SUBJECT)
    row.scroll_into_view_if_needed()
    press(page, row.locator('td', has_text=SUBJECT), double=True)
    form = page.locator('.modal-dialog:visible', has_text='Unread by Client')
    button = form.get_by_role('button', name='Reply')
    button.wait_for(timeout=TIMEOUT)
    press(page, button)
    wizard = dialog(page)
    body = wizard.locator('textarea').first
    body.wait_for(timeout=TIMEOUT)
    settled(page)
    body.fill(ANSWER)
    press(page, wizard.get_by_role('button', name='Send'))
    # the wizard closes over the thread's form, which stays open
    expect(page.locator('.modal-dialog:visible')).to_have_count(
        1, timeout=TIMEOUT)
    settled(page)

    answered = desk('model.therapy.portal.thread.search_read', [
            ('subject', '=', SUBJECT)], 0, None, None,
        ['last_from', 'unread_by_client', 'unread_by_practice'])
    assert [(a['last_from'], a['unread_by_client'],
            a['unread_by_practice']) for a in answered] == [
        ('practice', True, False)], answered

    # the client reads the answer in the portal
    page.goto(f'{demo_server}/{demo_database}/portal/')
    page.fill('input[name=email]', 'client@harborview.example')
    page.fill('input[name=password]', PASSWORD)
    page.click('button[type=submit]')
    page.get_by_text('1 unread').wait_for(timeout=TIMEOUT)
    page.click('text=Messages')
    page.get_by_text(SUBJECT).click()
    page.get_by_text(ANSWER).wait_for(timeout=TIMEOUT)
