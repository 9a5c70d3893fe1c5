"""The audit log on the demo server, end to end (issue 13): a clinician
opens a note over sao's JSON-RPC, the server records it (on a writable
transaction of its own: reads run on read-only ones), and the owner, who
is the practice's privacy auditor, reads who opened which client's note
in Chromium; the front desk can neither open the menu nor read the log.
The picture is README's."""
import pytest

from helpers import rpc_login
from journeys import DOCS

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, choose_tab, front_tab, list_rows, open_action,
    sao_login, settled)


def test_owner_reads_who_opened_a_clients_note(
        page, demo_server, demo_database):
    clinician, _ = rpc_login(demo_server, demo_database, 'clinician',
        PASSWORD)
    note, = clinician('model.therapy.note.search_read',
        [('state', '=', 'signed')], 0, 1, None, ['client'])
    clinician('model.therapy.note.read', [note['id']],
        ['client', 'sections', 'risk_level'])
    client, = clinician('model.therapy.client.read', [note['client']],
        ['rec_name'])

    owner, _ = rpc_login(demo_server, demo_database, 'owner', PASSWORD)
    events = owner('model.therapy.audit.event.search_read', [
            ('event_code', '=', 'phi.read'),
            ('resource_model', '=', 'therapy.note'),
            ('actor_login', '=', 'clinician'),
            ], 0, 1, [('seq', 'DESC')],
        ['resource_ids', 'client_ids', 'clients', 'field_names',
            'channel', 'source_ip', 'outcome'])
    event, = events
    assert event['resource_ids'] == str(note['id']), event
    assert event['client_ids'] == f",{note['client']},", event
    assert event['clients'] == client['rec_name'], event
    assert event['field_names'] == 'client,risk_level,sections', event
    assert (event['channel'], event['source_ip'], event['outcome']) == (
        'rpc', '127.0.0.1', '0'), event
    # the owner's own reading of the log is an event too
    assert owner('model.therapy.audit.event.search_count',
        [('event_code', '=', 'audit.view'), ('actor_login', '=', 'owner')])

    desk, _ = rpc_login(demo_server, demo_database, 'frontdesk', PASSWORD)
    with pytest.raises(AssertionError, match='not allowed'):
        desk('model.therapy.audit.event.search_read', [], 0, 1, None,
            ['event_code'])

    page.set_viewport_size({'width': 1600, 'height': 900})
    sao_login(page, demo_server, demo_database, 'owner')
    open_action(page, 'Privacy Audit', 'Audit Log')
    rows = list_rows(page).filter(has_text='clinician').filter(
        has_text=client['rec_name'])
    rows.first.wait_for(timeout=TIMEOUT)
    assert 'phi.read' in rows.first.inner_text()
    headers = front_tab(page).locator('.treeview thead').inner_text()
    for column in ['Occurred At', 'Event', 'Login', 'Clients']:
        assert column in headers, headers
    settled(page)
    page.mouse.move(0, 0)
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / 'back-office-audit-log.png'))
    # the owner's login through sao is in the Logins tab
    logins = list_rows(page).filter(has_text='auth.login.success')
    choose_tab(page, 'Logins', logins)
    expect(logins.filter(has_text='owner').first).to_be_visible()


def test_front_desk_has_no_audit_menu(page, demo_server, demo_database):
    sao_login(page, demo_server, demo_database, 'frontdesk')
    expect(page.locator('#menu').get_by_text('Privacy Audit',
            exact=True)).to_have_count(0)
