"""EFT reassociation in Chromium, as the accountant does it: the
reassociation report lists the demo's remittance whose deposit never came
and the deposit whose 835 has not come; the demo's bank statement shows
its deposits matched and posted; when the missing deposit arrives, the
accountant matches, validates and posts its statement with the buttons,
and the remittance leaves the report."""
import datetime as dt
import re
from decimal import Decimal

import pytest

from helpers import output_dir

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    TIMEOUT, choose_tab, front_tab, list_rows, open_action, press, sao_login,
    settled)
from test_browser_billing import dialog, rpc  # noqa: E402


def _date(day):
    return {'__class__': 'date', 'year': day.year, 'month': day.month,
        'day': day.day}


def _decimal(value):
    return {'__class__': 'Decimal', 'decimal': str(value)}


def _amount(value):
    "A Decimal as JSON-RPC answers it"
    return value['decimal'] if isinstance(value, dict) else str(value)


def open_statements(page, url, database):
    """Financial > Statements > Statements (open_menu cannot tell the
    folder from its entry of the same name)"""
    page.goto(f'{url}/#{database}/model/account.statement')
    list_rows(page).first.wait_for(timeout=TIMEOUT)


def test_accountant_reassociates_deposits(page, demo_server, demo_database):
    shots = output_dir('browser')
    page.set_viewport_size({'width': 1600, 'height': 1000})

    def call(method, *params):
        return rpc(demo_server, demo_database, 'accountant', method, *params)
    overdue = call('model.therapy.remittance.search_read',
        [('deposit_overdue', '=', True)], 0, None, None,
        ['trace_number', 'payment_amount', 'payer_identifier',
            'payer.party'])
    assert len(overdue) == 1, overdue
    waiting, = overdue
    trace = waiting['trace_number']

    sao_login(page, demo_server, demo_database, 'accountant')
    open_action(page, 'Caseload', 'Billing', 'Reassociation',
        'Remittances Awaiting Deposit')
    rows = list_rows(page)
    expect(rows.filter(has_text=trace)).to_have_count(1, timeout=TIMEOUT)
    expect(rows).to_have_count(1)
    page.screenshot(path=str(shots / 'sao-remittances-awaiting-deposit.png'))

    open_action(page, 'Caseload', 'Billing', 'Reassociation',
        'Deposits Without Remittance')
    expect(list_rows(page).filter(has_text='EFT-NO835-1')).to_have_count(
        1, timeout=TIMEOUT)

    # the demo's statement: its deposits matched, validated and posted
    open_statements(page, demo_server, demo_database)
    statements = list_rows(page)
    statements.filter(has_text='Posted').first.wait_for(timeout=TIMEOUT)
    # the journal's cell is a link to the journal: open the row by its state
    press(page, statements.filter(has_text='Posted').first.get_by_text(
            'Posted', exact=True), double=True)
    form = front_tab(page).locator('.form').first
    expect(form.get_by_text('HCCLAIMPMT').first).to_be_visible(
        timeout=TIMEOUT)
    page.screenshot(path=str(shots / 'sao-deposit-statement.png'))

    # the missing deposit arrives: a statement with it, as the import
    # leaves it (an origin, no line)
    journal, = call('model.account.statement.journal.search',
        [('name', '=', 'Operating account')], 0, None, None)
    today = dt.date.today()
    amount = Decimal(_amount(waiting['payment_amount']))
    # the journal validates balances: this one starts where the demo's ends
    last, = call('model.account.statement.search_read',
        [('journal', '=', journal)], 0, 1, [('date', 'DESC'), ('id', 'DESC')],
        ['end_balance'])
    start = Decimal(_amount(last['end_balance']))
    statement, = call('model.account.statement.create', [{
                'name': 'Late EFT', 'journal': journal,
                'date': _date(today),
                'start_balance': _decimal(start),
                'end_balance': _decimal(start + amount),
                'origins': [['create', [{
                                'date': _date(today),
                                'amount': _decimal(amount),
                                'number': 'LATE-1',
                                'party': waiting['payer.']['party'],
                                'description': 'HCCLAIMPMT TRN*1*'
                                f'{trace}*{waiting["payer_identifier"]}',
                                }]]],
                }])
    page.goto(f'{demo_server}/#{demo_database}/model/account.statement/'
        f'{statement}')
    form = front_tab(page).locator('.form').first
    expect(form.get_by_role('button', name='Match Remittances')
        ).to_be_visible(timeout=TIMEOUT)
    press(page, form.get_by_role('button', name='Match Remittances'))
    settled(page)
    press(page, form.get_by_role('button', name='Validate'))
    settled(page)
    post = form.get_by_role('button', name='Post')
    expect(post).to_be_visible(timeout=TIMEOUT)
    press(page, post)
    press(page, dialog(page).get_by_role('button', name=re.compile(
                r'^(OK|Yes)$')))
    settled(page)
    state, = call('model.account.statement.read', [statement], ['state'])
    assert state['state'] == 'posted', state
    reassociated, = call('model.therapy.remittance.search_read',
        [('trace_number', '=', trace)], 0, None, None, ['deposit_state'])
    assert reassociated['deposit_state'] == 'reconciled', reassociated

    # the report's tab, opened before, searches again on a tab change: the
    # remittance is now among the deposited, reconciled
    open_action(page, 'Caseload', 'Billing', 'Reassociation',
        'Remittances Awaiting Deposit')
    deposited = list_rows(page).filter(has_text=trace)
    choose_tab(page, 'Deposited', deposited)
    expect(deposited).to_contain_text('Reconciled', timeout=TIMEOUT)
