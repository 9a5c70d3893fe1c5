"""Portal requests in Chromium (issue 14): the demo's adult portal client
asked for a time of a service the practice books on approval; the request
waits on the front desk's home, under Appointment Requests to Answer,
until the front desk clicks its Approve, which books it."""
import pytest

from helpers import rpc_login

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, press, sao_login, settled)
from journeys import board_list, dialog, rows_of  # noqa: E402

TITLE = "Appointment Requests to Answer"


def test_front_desk_approves_a_portal_request(
        page, demo_server, demo_database):
    desk, _ = rpc_login(demo_server, demo_database, 'frontdesk', PASSWORD)
    waiting = desk('model.therapy.appointment.request.search_read', [
            ('state', '=', 'pending')], 0, None, None, ['id'])
    assert waiting, "the demo has no pending portal request"

    page.set_viewport_size({'width': 1600, 'height': 1200})
    sao_login(page, demo_server, demo_database, 'frontdesk')
    requests = board_list(page, TITLE)
    rows = rows_of(requests)
    rows.first.wait_for(timeout=TIMEOUT)
    expect(rows).to_have_count(len(waiting), timeout=TIMEOUT)
    settled(page)

    # the row's own button (sao/custom.js selects the row and presses it
    # in one click), then "Book this appointment?"
    button = rows.first.get_by_role('button', name='Approve')
    press(page, button)
    press(page, dialog(page).get_by_role('button', name='OK'))
    # answered: its buttons go (the row stays until the board reloads)
    expect(button).to_be_hidden(timeout=TIMEOUT)
    approved = desk('model.therapy.appointment.request.search_read', [
            ('id', 'in', [w['id'] for w in waiting]),
            ('state', '=', 'approved')], 0, None, None, ['appointment'])
    assert len(approved) == 1 and approved[0]['appointment'], approved
    booked = desk('model.therapy.appointment.read',
        [approved[0]['appointment']], ['state'])
    assert booked[0]['state'] == 'scheduled', booked
