"""The billing buttons clicked in Chromium by the roles that need them: the
biller bills charges and records a payer's rejection, the front desk takes
a copay and prints its receipt, the accountant reads the aged balance."""
import base64
import json
import re
import urllib.request

import pytest

from helpers import output_dir

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402,F401
    PASSWORD, TIMEOUT, choose_tab, failed, front_tab, list_rows, open_action,
    page, page_errors, sao_login)


def rpc(url, database, login, method, *params):
    "A JSON-RPC call as login (sao's protocol), for finding demo records"
    def call(method, params, session=None):
        request = urllib.request.Request(f'{url}/{database}/rpc/',
            data=json.dumps({'method': method, 'params': params,
                    'id': 1}).encode(),
            headers={'Content-Type': 'application/json'})
        if session:
            request.add_header('Authorization', 'Session ' + session)
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
        if answer.get('error'):
            raise AssertionError(answer['error'])
        return answer['result']
    user_id, key = call('common.db.login', [login, {'password': PASSWORD}])[:2]
    session = base64.b64encode(f'{login}:{user_id}:{key}'.encode()).decode()
    context = call('model.res.user.get_preferences', [True, {}], session)
    return call(method, [*params, context], session)


def dialog(page):
    return page.locator('.modal-dialog:visible').last


def test_biller_bills_and_records_a_rejection(
        page, demo_server, demo_database):
    shots = output_dir('browser')
    errors = page_errors(page)
    page.set_viewport_size({'width': 1600, 'height': 1000})
    try:
        sao_login(page, demo_server, demo_database, 'biller')
        open_action(page, 'Caseload', 'Billing', 'Charges')
        rows = list_rows(page)
        rows.first.wait_for(timeout=TIMEOUT)
        payer_row = rows.filter(has_text='Payer').first
        # sao runs a list button on the current row: select it first
        payer_row.get_by_text('Session', exact=True).click()
        payer_row.get_by_role('button', name='Bill').click()
        # Bill says what it made
        dialog(page).get_by_text('Claims Drafted').wait_for(timeout=TIMEOUT)
        summary = dialog(page).locator('textarea').first.input_value()
        assert re.search(r'Claims drafted \(1\): CLM\d+', summary), summary
        page.screenshot(path=str(shots / 'sao-bill-result.png'))
        dialog(page).get_by_role('button', name='Open Claims').click()
        claim_rows = list_rows(page).filter(has=page.get_by_text(
                re.compile(r'^CLM\d+$')))
        claim_rows.first.wait_for(timeout=TIMEOUT)
        assert claim_rows.count() == 1
        # all the selected claims post in one pass from the list
        claim_rows.first.get_by_text(re.compile(r'^CLM\d+$')).click()
        front_tab(page).get_by_role(
            'button', name='Scrub and Post').first.click()
        expect(claim_rows.first).to_contain_text('Ready', timeout=TIMEOUT)

        open_action(page, 'Caseload', 'Billing', 'Claims')
        submitted = list_rows(page).filter(has_text='Submitted')
        choose_tab(page, 'Awaiting Payer', submitted)
        submitted.first.get_by_text(re.compile(r'^CLM\d+$')).dblclick()
        form = front_tab(page).locator('.form').first
        form.get_by_role('button', name='Rejected').click()
        reason = "Entity's contract/member number not found"
        for label, value in [('Code', 'A7:164'), ('Reason', reason)]:
            field = dialog(page).get_by_label(label)
            field.wait_for(timeout=TIMEOUT)
            # sao may still be filling the wizard's defaults: type again
            # until the value holds
            for _ in range(5):
                field.fill(value)
                if field.input_value() == value:
                    break
                page.wait_for_timeout(200)
            expect(field).to_have_value(value)
        dialog(page).get_by_role('button', name='Record').click()
        # the claim says why, and what to do next
        expect(form.get_by_label('Next Step')).to_have_value(
            re.compile(r'^Rejected: A7:164 .* click Correct'),
            timeout=TIMEOUT)
        expect(form.get_by_label("Payer's Reason")).to_have_value(
            re.compile(r'^A7:164 '))
        assert form.get_by_role('button', name='Correct').is_visible()
        page.mouse.move(0, 0)
        page.screenshot(path=str(shots / 'sao-claim-rejected.png'))
    except Exception as exc:
        failed(page, shots / 'sao-claim-rejected-failure.png', errors, exc)


def copay_due_visit(url, database):
    "Today's visit of an insured client with a copay, none taken yet"
    visits = rpc(url, database, 'frontdesk',
        'model.therapy.appointment.search_read', [
            ('state', 'in', ['confirmed', 'arrived']),
            ('copay_collected', '=', False),
            ('client', '!=', None),
            ], 0, None, [('start', 'ASC')],
        ['client', 'billing_notice', 'local_date'])
    for visit in visits:
        if visit['billing_notice']:
            continue
        coverages = rpc(url, database, 'frontdesk',
            'model.therapy.coverage.search_read', [
                ('client', '=', visit['client']),
                ('priority', '=', '1'),
                ('copay', '>', 0),
                ('payer.filing_indicator', '!=', '09'),
                ], 0, 1, None, ['copay'])
        if coverages:
            return visit['id']
    raise AssertionError("the demo has no visit with a copay to take")


def test_front_desk_takes_a_copay_and_prints_the_receipt(
        page, demo_server, demo_database):
    shots = output_dir('browser')
    errors = page_errors(page)
    page.set_viewport_size({'width': 1600, 'height': 1000})
    visit = copay_due_visit(demo_server, demo_database)
    try:
        sao_login(page, demo_server, demo_database, 'frontdesk')
        page.goto(f'{demo_server}/#{demo_database}'
            f'/model/therapy.appointment/{visit}')
        form = front_tab(page).locator('.form').first
        form.get_by_role('button', name='Collect Copay').click()
        amount = dialog(page).get_by_role('spinbutton', name='Amount')
        amount.wait_for(timeout=TIMEOUT)
        assert re.search(r'\d', amount.input_value())
        method = dialog(page).get_by_label('Payment Method')
        # leaving a typed many2one opens sao's search of it
        method.fill('Card terminal')
        method.press('Tab')
        search = dialog(page)
        search.get_by_role('cell', name='Card terminal').first.click()
        search.get_by_role('button', name='OK', exact=True).click()
        expect(method).to_have_value('Card terminal', timeout=TIMEOUT)
        page.screenshot(path=str(shots / 'sao-collect-copay.png'))
        dialog(page).get_by_role('button', name='Collect').click()
        # one copay per visit: the button goes away
        form.get_by_role('button', name='Collect Copay').wait_for(
            state='hidden', timeout=TIMEOUT)
        with page.expect_download(timeout=TIMEOUT) as download:
            front_tab(page).get_by_role('button', name='Print').click()
            page.get_by_role('menuitem', name='Desk Receipt').click()
        assert download.value.suggested_filename.startswith(
            'Desk Receipt-RCPT')
        download.value.save_as(str(shots / 'desk-receipt.pdf'))
    except Exception as exc:
        failed(page, shots / 'sao-collect-copay-failure.png', errors, exc)


def test_accountant_sees_insurance_apart_from_patients(
        page, demo_server, demo_database):
    shots = output_dir('browser')
    errors = page_errors(page)
    page.set_viewport_size({'width': 1920, 'height': 900})
    try:
        sao_login(page, demo_server, demo_database, 'accountant')
        open_action(page, 'Financial', 'Reporting', 'Aged Balance')
        tab = front_tab(page)
        kind = tab.get_by_label('Type')
        kind.wait_for(timeout=TIMEOUT)
        search = tab.get_by_role('combobox', name='Search')
        rows = list_rows(page)
        rows.first.wait_for(timeout=TIMEOUT)
        # the context's type applies when the list is searched again
        kind.select_option(label='Insurance Payers')
        search.press('Enter')
        expect(rows).to_have_count(3, timeout=TIMEOUT)
        texts = rows.all_inner_texts()
        for payer in ['Harbor Health Plan', 'Medicare Part B',
                'State Medicaid Plan']:
            assert any(payer in t for t in texts), texts
        page.screenshot(path=str(shots / 'sao-aged-balance-insurance.png'))
        kind.select_option(label='Patients (Guarantors)')
        search.press('Enter')
        expect(rows.filter(has_text='Harbor Health Plan')).to_have_count(
            0, timeout=TIMEOUT)
        assert rows.count() > 3
    except Exception as exc:
        failed(page, shots / 'sao-aged-balance-failure.png', errors, exc)
