"""Clinician Pay in Chromium on the demo: the owner opens it from the
Schedule menu, reads every clinician's pay for last month and exports it
with sao's Export (a CSV of every row; over RPC too); a clinician opens it
and reads their own row only, and cannot read another clinician's. Its
picture is README's."""
import csv
import io

import pytest

from helpers import rpc_login
from journeys import DOCS

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, front_tab, list_rows, open_action, sao_login,
    settled)

FIELDS = ['clinician', 'sessions', 'collections', 'total_pay']


def test_owner_and_clinician_read_pay(page, demo_server, demo_database):
    owner, _ = rpc_login(demo_server, demo_database, 'owner', PASSWORD)
    everyone = owner('model.therapy.pay.search_read', [], 0, None, None,
        FIELDS)
    assert len({r['clinician'] for r in everyone}) > 1, everyone
    assert any(r['sessions'] and r['total_pay'] for r in everyone), everyone
    # the owner's export: every row, as sao's export asks for it
    ids = [r['id'] for r in everyone]
    exported = owner('model.therapy.pay.export_data', ids,
        ['clinician/rec_name', 'sessions', 'total_pay'], {})
    assert len(exported) == len(everyone), exported

    call, preferences = rpc_login(
        demo_server, demo_database, 'clinician', PASSWORD)
    employee = preferences['employee']
    own = call('model.therapy.pay.search_read', [], 0, None, None, FIELDS)
    assert [r['clinician'] for r in own] == [employee], own
    others = [r['id'] for r in everyone if r['clinician'] != employee]
    # the attacker's side: another clinician's row is not there to read
    assert call('model.therapy.pay.search_read',
        [('id', 'in', others)], 0, None, None, FIELDS) == []
    with pytest.raises(Exception):
        call('model.therapy.pay.read', others, FIELDS)
    name, = call('model.company.employee.read', [employee], ['rec_name'])

    # wide enough for every pay column beside the menu
    page.set_viewport_size({'width': 2240, 'height': 800})
    sao_login(page, demo_server, demo_database, 'owner')
    open_action(page, 'Caseload', 'Schedule', 'Clinician Pay')
    rows = list_rows(page)
    rows.first.wait_for(timeout=TIMEOUT)
    expect(rows).to_have_count(len(everyone), timeout=TIMEOUT)
    headers = front_tab(page).locator('.treeview thead').inner_text()
    for column in ['Sessions Kept', 'Units', 'Session Hours', 'Collected',
            'Per Session Pay', 'Collections Pay', 'Hourly Pay',
            'Total Pay']:
        assert column in headers, headers
    settled(page)
    page.mouse.move(0, 0)
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / 'back-office-pay.png'))

    # the owner exports the period's pay: the tab's menu, Export, Save As
    tab = front_tab(page)
    tab.locator('.toolbar a.navbar-brand.dropdown-toggle').click()
    tab.locator('.toolbar .dropdown-menu a#export').click()
    dialog = page.locator('.modal-dialog:visible',
        has_text='CSV Export: Clinician Pay')
    dialog.wait_for(timeout=TIMEOUT)
    settled(page)
    with page.expect_download(timeout=TIMEOUT) as download:
        dialog.get_by_role('button', name='Save As...').click()
    with open(download.value.path(), encoding='utf-8-sig') as file:
        table = list(csv.reader(io.StringIO(file.read())))
    header, *lines = table
    assert 'Total Pay' in header, header
    assert len(lines) == len(everyone), table
    names = {r['rec_name'] for r in owner('model.company.employee.read',
            [r['clinician'] for r in everyone], ['rec_name'])}
    column = header.index('Clinician')
    assert {line[column] for line in lines} == names, table
    footer = dialog.locator('.modal-footer')
    footer.get_by_role('button', name='Close').click()
    expect(dialog).to_be_hidden(timeout=TIMEOUT)

    # the clinician, in a browser of their own
    clinician = page.context.browser.new_page()
    try:
        clinician.set_viewport_size({'width': 1600, 'height': 900})
        sao_login(clinician, demo_server, demo_database, 'clinician')
        open_action(clinician, 'Caseload', 'Schedule', 'Clinician Pay')
        rows = list_rows(clinician)
        rows.first.wait_for(timeout=TIMEOUT)
        expect(rows).to_have_count(1, timeout=TIMEOUT)
        assert name['rec_name'] in rows.first.inner_text()
    finally:
        clinician.close()
