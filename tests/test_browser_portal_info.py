"""My information in Chromium (issue 14): the demo parent changes their
child's city on the portal's My information page (a phone-sized screen);
the change waits on the front desk's home under Client Updates to
Review, where the front desk opens it and presses Reviewed."""
import pytest

from helpers import output_dir, rpc_login

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, press, sao_login, settled)
from journeys import board_list, rows_of  # noqa: E402

TITLE = "Client Updates to Review"
CITY = "Portal Test City"


def test_front_desk_reviews_a_portal_change(
        page, demo_server, demo_database):
    shots = output_dir('browser')
    portal = f'{demo_server}/{demo_database}/portal'
    page.set_viewport_size({'width': 390, 'height': 844})
    page.goto(f'{portal}/')
    page.fill('input[name=email]', 'parent@harborview.example')
    page.fill('input[name=password]', PASSWORD)
    page.click('button[type=submit]')
    page.get_by_role('link', name='My information').click()
    form = page.locator('form.client').first
    form.locator('input[name=city]').wait_for(timeout=TIMEOUT)
    page.screenshot(path=str(shots / 'portal-my-information.png'),
        full_page=True)
    form.locator('input[name=city]').fill(CITY)
    form.get_by_role('button', name='Save changes').click()
    expect(page.locator('.notice')).to_contain_text(
        'your changes are saved', timeout=TIMEOUT)
    page.click('text=Back to your care')
    page.click('text=Log out')
    page.locator('input[name=email]').wait_for(timeout=TIMEOUT)

    admin, _ = rpc_login(demo_server, demo_database, 'admin', PASSWORD)
    desk_id, = admin('model.res.user.search', [('login', '=', 'frontdesk')],
        0, None, None)
    desk, _ = rpc_login(demo_server, demo_database, 'frontdesk', PASSWORD)
    waiting = desk('model.therapy.portal.change.search_read', [
            ('state', '=', 'pending')], 0, None, None, ['id', 'summary'])
    assert [w for w in waiting if CITY in w['summary']], waiting

    page.set_viewport_size({'width': 1600, 'height': 1200})
    sao_login(page, demo_server, demo_database, 'frontdesk')
    updates = board_list(page, TITLE)
    rows = rows_of(updates)
    rows.first.wait_for(timeout=TIMEOUT)
    expect(rows).to_have_count(len(waiting), timeout=TIMEOUT)
    assert CITY in updates.inner_text()
    settled(page)
    updates.scroll_into_view_if_needed()
    page.mouse.move(0, 0)
    page.screenshot(path=str(shots / 'back-office-portal-updates.png'))

    # the row opens the form (a dialog over the home) with the button
    press(page, rows.filter(has_text=CITY).first.locator('td').nth(2),
        double=True)
    dialog = page.locator('.modal-dialog:visible', has_text='Changes')
    button = dialog.get_by_role('button', name='Reviewed')
    button.wait_for(timeout=TIMEOUT)
    press(page, button)
    expect(button).to_be_hidden(timeout=TIMEOUT)
    reviewed = desk('model.therapy.portal.change.search_read', [
            ('id', 'in', [w['id'] for w in waiting]),
            ('state', '=', 'reviewed')], 0, None, None,
        ['reviewed_by', 'summary'])
    assert [r['reviewed_by'] for r in reviewed
        if CITY in r['summary']] == [desk_id], reviewed
