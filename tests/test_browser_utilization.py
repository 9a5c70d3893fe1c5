"""Utilization in Chromium on the demo: a clinician opens it from the
Schedule menu and reads their own weeks only (hours available and booked,
sessions, no-shows); the owner reads every clinician's. Its picture is
README's."""
import pytest

from helpers import rpc_login
from journeys import DOCS, filled_texts

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, front_tab, list_rows, open_action, sao_login,
    settled)

FIELDS = ['clinician', 'available_hours', 'booked_hours', 'sessions']


def test_clinician_reads_their_own_utilization(
        page, demo_server, demo_database):
    call, preferences = rpc_login(
        demo_server, demo_database, 'clinician', PASSWORD)
    own = call('model.therapy.utilization.search_read', [], 0, None, None,
        FIELDS)
    employee = preferences['employee']
    assert own, "the demo's clinician has hours and sessions"
    assert {r['clinician'] for r in own} == {employee}, own
    assert any(r['available_hours'] and r['booked_hours'] for r in own), own
    owner, _ = rpc_login(demo_server, demo_database, 'owner', PASSWORD)
    everyone = owner('model.therapy.utilization.search_read', [], 0, None,
        None, FIELDS)
    assert len({r['clinician'] for r in everyone}) > 1, everyone
    name, = call('model.company.employee.read', [employee], ['rec_name'])

    page.set_viewport_size({'width': 1600, 'height': 900})
    sao_login(page, demo_server, demo_database, 'clinician')
    open_action(page, 'Caseload', 'Schedule', 'Utilization')
    rows = list_rows(page)
    rows.first.wait_for(timeout=TIMEOUT)
    expect(rows).to_have_count(len(own), timeout=TIMEOUT)
    for text in filled_texts(rows):
        assert name['rec_name'] in text, text
    headers = front_tab(page).locator('.treeview thead').inner_text()
    for column in ['Available Hours', 'Booked Hours', 'Utilization %',
            'No-Show %', 'Waitlist Fills']:
        assert column in headers, headers
    settled(page)
    page.mouse.move(0, 0)
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / 'back-office-utilization.png'))
