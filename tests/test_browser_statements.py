"""The biller's statement run in Chromium on the demo: Send Statements lists
the clients whose guarantor owes and was not statemented, Send and Print
records one statement each and downloads them as one PDF; the statements
sent then list them and the leakage's "Client balances not statemented"
row is gone. Its picture is README's."""
from decimal import Decimal

import pytest

from helpers import output_dir, rpc_login
from journeys import DOCS

pytest.importorskip('playwright')
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, front_tab, list_rows, open_action, open_menu,
    press, sao_login, settled)


def rpc(url, database, login, method, *params):
    call, _ = rpc_login(url, database, login, PASSWORD)
    return call(method, *params)


def sent(url, database):
    return rpc(url, database, 'biller',
        'model.therapy.client.statement.sent.search_read', [], 0, None,
        None, ['client', 'channel', 'balance'])


def unstatemented(url, database):
    return [r['count'] for r in rpc(url, database, 'biller',
            'model.therapy.leakage.search_read',
            [('kind', '=', 'unstatemented')], 0, None, None, ['count'])]


def download_of(page, click):
    """The file click() makes sao download: sao clicks the link of its
    Download dialog itself, or leaves the dialog open for a person to
    click (as test_browser_billing's print_report)"""
    downloads = []
    page.on('download', lambda download: downloads.append(download))
    click()
    try:
        if not downloads:
            page.wait_for_event('download', timeout=TIMEOUT)
    except PlaywrightTimeoutError:
        pass
    if not downloads:
        link = page.locator('.modal-dialog:visible a[download]')
        with page.expect_download(timeout=TIMEOUT) as download:
            link.last.click()
        downloads.append(download.value)
    return downloads[0]


def test_biller_sends_statements(page, demo_server, demo_database):
    shots = output_dir('browser')
    assert sent(demo_server, demo_database) == []
    # the demo's older client balances were never statemented
    before = unstatemented(demo_server, demo_database)
    assert sum(before) > 0, before
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'biller')
    open_menu(page, 'Caseload', 'Billing', 'Send Statements')
    dialog = page.locator('.modal-dialog:visible').last
    dialog.get_by_text('Minimum Balance').wait_for(timeout=TIMEOUT)
    rows = dialog.locator('.treeview tbody tr:not(.more-row)')
    rows.first.wait_for(timeout=TIMEOUT)
    settled(page)
    listed = rows.count()
    assert listed > 0
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / 'back-office-send-statements.png'))
    pdf = download_of(page,
        lambda: press(page, dialog.get_by_role('button',
                name='Send and Print')))
    pdf.save_as(str(shots / 'statements.pdf'))
    assert pdf.suggested_filename.endswith('.pdf')

    statements = sent(demo_server, demo_database)
    # the dialog shows the first page of the clients due (sao's More row
    # for the others): all of them are sent
    assert len(statements) >= listed, statements
    assert len({s['client'] for s in statements}) == len(statements)
    assert {s['channel'] for s in statements} == {'printed'}
    # the total due each statement showed (the receivable less what the
    # guarantor paid ahead at the desk): the run picks only those who owe
    assert all(Decimal(s['balance']['decimal']) > 0 for s in statements), \
        statements
    # every balance owed went out today: none is left unstatemented
    assert unstatemented(demo_server, demo_database) == [], before

    # the statements sent, as the biller lists them
    open_action(page, 'Caseload', 'Billing', 'Statements Sent')
    shown = list_rows(page)
    shown.first.wait_for(timeout=TIMEOUT)
    settled(page)
    assert shown.count() >= min(listed, 20)
    assert 'Printed' in front_tab(page).inner_text()


def statements_of(url, database, client):
    return rpc(url, database, 'biller',
        'model.therapy.client.statement.sent.search_read',
        [('client', '=', client)], 0, None, None,
        ['channel', 'date', 'user.login', 'balance'])


def test_front_desk_prints_and_records_a_statement(
        page, demo_server, demo_database):
    """A client at the desk asks for their statement: the front desk opens
    the client, Action › Print Statement and Record as Sent, and hands over
    the PDF; the statement is recorded as printed by the front desk and the
    client's balance leaves the leakage's unstatemented row"""
    shots = output_dir('browser')
    items = rpc(demo_server, demo_database, 'biller',
        'model.therapy.leakage.item.search_read',
        [('kind', '=', 'unstatemented')], 0, 1, None, ['record'])
    if items:
        client = int(items[0]['record'].split(',')[1])
    else:
        # this worker's biller already sent today's statements: the desk
        # prints again what was recorded, and nothing new is recorded
        client = sent(demo_server, demo_database)[0]['client']
    before = statements_of(demo_server, demo_database, client)
    sao_login(page, demo_server, demo_database, 'frontdesk')
    page.goto(f'{demo_server}/#{demo_database}/model/therapy.client/{client}')
    tab = front_tab(page)
    action = tab.get_by_role('button', name='Action')
    action.wait_for(timeout=TIMEOUT)
    settled(page)
    action.click()

    def record_as_sent():
        page.get_by_role('menuitem',
            name='Print Statement and Record as Sent').click()
    pdf = download_of(page, record_as_sent)
    pdf.save_as(str(shots / 'statement-at-desk.pdf'))
    assert pdf.suggested_filename.endswith('.pdf')
    with open(shots / 'statement-at-desk.pdf', 'rb') as data:
        assert data.read(5) == b'%PDF-'
    after = statements_of(demo_server, demo_database, client)
    assert len(after) == 1, after
    statement, = after
    assert statement['channel'] == 'printed'
    if before:
        # printed again, not recorded twice
        assert after == before
    else:
        assert statement['user.']['login'] == 'frontdesk', statement
        assert Decimal(statement['balance']['decimal']) > 0, statement
        left = rpc(demo_server, demo_database, 'biller',
            'model.therapy.leakage.item.search_read',
            [('kind', '=', 'unstatemented'),
                ('record', '=', f'therapy.client,{client}')],
            0, None, None, ['record'])
        assert left == [], left
