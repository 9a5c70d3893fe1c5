"""The billing buttons clicked in Chromium by the roles that need them: the
biller bills charges and records a payer's rejection, the front desk takes
a copay and prints its receipt, the accountant reads the aged balance."""
import re

import pytest

from helpers import output_dir, rpc_login
from journeys import DOCS, filled_texts

pytest.importorskip('playwright')
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, choose_tab, front_tab, list_rows, open_action,
    press, sao_login, settled)


def rpc(url, database, login, method, *params):
    "A JSON-RPC call as login (sao's protocol), for finding demo records"
    call, _ = rpc_login(url, database, login, PASSWORD)
    return call(method, *params)


def dialog(page):
    return page.locator('.modal-dialog:visible').last


def test_biller_bills_and_records_a_rejection(
        page, demo_server, demo_database):
    shots = output_dir('browser')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'biller')
    open_action(page, 'Caseload', 'Billing', 'Charges')
    rows = list_rows(page)
    rows.first.wait_for(timeout=TIMEOUT)
    # not a charge of the client whose plan the payer's 271 says ended
    # (the scrubber rightly holds it; whether its session is charged yet
    # depends on the hour)
    ended = [c['client.'].get('rec_name', '') for c in rpc(
            demo_server, demo_database, 'biller',
            'model.therapy.coverage.search_read', [], 0, None, None,
            ['client.rec_name', 'eligibility_status'])
        if c['eligibility_status'] == 'inactive']
    payer_row = rows.filter(has_text='Payer')
    for name in ended:
        payer_row = payer_row.filter(has_not_text=name)
    payer_row = payer_row.first
    # sao runs a list button on the current row: select it first
    payer_row.get_by_text('Session', exact=True).click()
    press(page, payer_row.get_by_role('button', name='Bill'))
    # Bill says what it made
    dialog(page).get_by_text('Claims Drafted').wait_for(timeout=TIMEOUT)
    summary = dialog(page).locator('textarea').first.input_value()
    assert re.search(r'Claims drafted \(1\): CLM\d+', summary), summary
    page.screenshot(path=str(shots / 'sao-bill-result.png'))
    press(page, dialog(page).get_by_role('button', name='Open Claims'))
    claim_rows = list_rows(page).filter(has=page.get_by_text(
            re.compile(r'^CLM\d+$')))
    claim_rows.first.wait_for(timeout=TIMEOUT)
    assert claim_rows.count() == 1
    # all the selected claims post in one pass from the list
    claim_rows.first.get_by_text(re.compile(r'^CLM\d+$')).click()
    press(page, front_tab(page).get_by_role(
        'button', name='Scrub and Post').first)
    expect(claim_rows.first).to_contain_text('Ready', timeout=TIMEOUT)

    open_action(page, 'Caseload', 'Billing', 'Claims')
    submitted = list_rows(page).filter(has_text='Submitted')
    choose_tab(page, 'Awaiting Payer', submitted)
    press(page, submitted.first.get_by_text(re.compile(r'^CLM\d+$')),
        double=True)
    form = front_tab(page).locator('.form').first
    press(page, form.get_by_role('button', name='Rejected'))
    reason = "Entity's contract/member number not found"
    values = [('Code', 'A7:164'), ('Reason', reason)]
    dialog(page).get_by_label('Code').wait_for(timeout=TIMEOUT)
    # the wizard's defaults redraw its fields when they come back (CI once
    # recorded the reason without the code typed before them): type once
    # sao is idle, and again until every field holds its text
    settled(page)
    for attempt in range(3):
        for label, value in values:
            dialog(page).get_by_label(label).fill(value)
        settled(page)
        if all(dialog(page).get_by_label(label).input_value() == value
                for label, value in values):
            break
    for label, value in values:
        expect(dialog(page).get_by_label(label)).to_have_value(value)
    press(page, dialog(page).get_by_role('button', name='Record'))
    # the claim says why, and what to do next
    expect(form.get_by_label('Next Step')).to_have_value(
        re.compile(r'^Rejected: A7:164 .* click Correct'),
        timeout=TIMEOUT)
    expect(form.get_by_label("Payer's Reason")).to_have_value(
        re.compile(r'^A7:164 '))
    assert form.get_by_role('button', name='Correct').is_visible()
    page.mouse.move(0, 0)
    page.screenshot(path=str(shots / 'sao-claim-rejected.png'))


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


def test_biller_works_the_claims_the_scrubber_holds(
        page, demo_server, demo_database):
    """Billing > Claims to Fix: the drafts the scrubber holds, a tab per
    reason with its count, each row saying what to fix"""
    page.set_viewport_size({'width': 1600, 'height': 900})
    sao_login(page, demo_server, demo_database, 'biller')
    open_action(page, 'Caseload', 'Billing', 'Claims to Fix')
    rows = list_rows(page).filter(has=page.get_by_text(
            re.compile(r'^CLM\d+$')))
    choose_tab(page, 'All', rows)
    assert rows.count() >= 1
    for text in rows.all_inner_texts():
        assert 'Draft' in text and re.search(
            r'(needs|has|outside|not|is |points|already)', text), text
    tabs = front_tab(page).get_by_role('tab')
    names = tabs.all_inner_texts()
    for reason in ['Coverage', 'Diagnoses', 'Coding', 'Providers',
            'Authorization', 'Timely Filing', 'Duplicates']:
        assert any(n.startswith(reason) for n in names), names
    page.screenshot(path=str(DOCS / 'back-office-claims-to-fix.png'))


def test_front_desk_takes_a_copay_and_prints_the_receipt(
        page, demo_server, demo_database):
    shots = output_dir('browser')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    visit = copay_due_visit(demo_server, demo_database)
    sao_login(page, demo_server, demo_database, 'frontdesk')
    page.goto(f'{demo_server}/#{demo_database}'
        f'/model/therapy.appointment/{visit}')
    form = front_tab(page).locator('.form').first
    collect = form.get_by_role('button', name='Collect Copay')
    collect.wait_for(timeout=TIMEOUT)
    settled(page)  # a click while the form still loads races its display
    collect.click()
    amount = dialog(page).get_by_role('spinbutton', name='Amount')
    amount.wait_for(timeout=TIMEOUT)
    # the dialog redraws as its defaults and on_change come in: typing
    # before then is redrawn away (threaded workers answer them at once)
    settled(page)
    assert re.search(r'\d', amount.input_value())
    method = dialog(page).get_by_label('Payment Method')
    # leaving a typed many2one opens sao's search of it
    method.fill('Card terminal')
    method.press('Tab')
    search = dialog(page)
    search.get_by_role('cell', name='Card terminal').first.click()
    press(page, search.get_by_role('button', name='OK', exact=True))
    expect(method).to_have_value('Card terminal', timeout=TIMEOUT)
    page.screenshot(path=str(shots / 'sao-collect-copay.png'))
    press(page, dialog(page).get_by_role('button', name='Collect'))
    # one copay per visit: the button goes away
    collect.wait_for(state='hidden', timeout=TIMEOUT)
    # the wizard's end reloads the form; Print before it has redrawn
    # finds its fields unlike the record and asks to save it
    settled(page)
    receipt = print_report(page, 'Desk Receipt')
    assert receipt.suggested_filename.startswith('Desk Receipt-RCPT')
    receipt.save_as(str(shots / 'desk-receipt.pdf'))


def print_report(page, name):
    """Print a report from the form's Print menu and return its download.

    sao puts the file behind a link in a Download dialog and clicks that
    link itself once the dialog is shown; when the dialog's 'shown' event
    does not come, the dialog stays open and the front desk clicks the
    link, and so does this robot"""
    downloads = []
    page.on('download', lambda download: downloads.append(download))
    settled(page)
    front_tab(page).get_by_role('button', name='Print').click()
    page.get_by_role('menuitem', name=name).click()
    try:
        if not downloads:
            page.wait_for_event('download', timeout=TIMEOUT)
    except PlaywrightTimeoutError:
        pass
    if not downloads:
        link = page.locator('.modal-dialog:visible a[download]')
        if not link.count():
            dialogs = page.locator('.modal-dialog:visible').all_inner_texts()
            raise AssertionError(
                f"{name} was not downloaded; sao shows: {dialogs}; "
                f"fields sao holds as modified: {modified_fields(page)}")
        with page.expect_download(timeout=TIMEOUT) as download:
            link.last.click()
        downloads.append(download.value)
    return downloads[0]


def modified_fields(page):
    "The names of the fields sao holds as changed on the front tab's record"
    return page.evaluate("""() => {
        const record = Sao.Tab.tabs.get_current().screen.current_record;
        return record ? Object.keys(record.modified_fields) : null;
    }""")


def test_accountant_sees_insurance_apart_from_patients(
        page, demo_server, demo_database):
    shots = output_dir('browser')
    page.set_viewport_size({'width': 1920, 'height': 900})
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
    texts = filled_texts(rows)
    for payer in ['Harbor Health Plan', 'Medicare Part B',
            'State Medicaid Plan']:
        assert any(payer in t for t in texts), texts
    page.screenshot(path=str(shots / 'sao-aged-balance-insurance.png'))
    kind.select_option(label='Patients (Guarantors)')
    search.press('Enter')
    expect(rows.filter(has_text='Harbor Health Plan')).to_have_count(
        0, timeout=TIMEOUT)
    assert rows.count() > 3
