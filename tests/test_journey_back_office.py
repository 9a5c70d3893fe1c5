"""The biller's, the owner's and the accountant's day in Chromium, as each
of them meets it: the home their role opens at login, then the work it
points to, clicked as that role. Clicks are counted (tests/journeys.py)."""
import re

import pytest

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from journeys import (  # noqa: E402
    Journey, board_list, dialog, filled_texts, rows_of, wait_tab)
from test_browser import TIMEOUT, open_menu, sao_login  # noqa: E402


def menu_tops(page):
    "The top entries of sao's menu (collapsed at login: only they show)"
    page.locator('#menu .treeview tbody tr').first.wait_for(timeout=TIMEOUT)
    return {t.strip() for t in page.locator(
                '#menu .treeview tbody tr:visible').all_inner_texts()}


def test_biller_day(page, sao_errors, demo_server, demo_database):
    journey = Journey(page, 'biller')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'biller')
    # the home: what waits on the biller
    assert wait_tab(page, r'Billing Work') == 'Billing Work'
    to_bill = board_list(page, 'Charges to Bill')
    rejected = board_list(page, 'Rejected Claims')
    denied = board_list(page, 'Denied Claims')
    for part in [to_bill, rejected, denied,
            board_list(page, 'Claims Held by the Scrubber'),
            board_list(page, 'Coverages to Verify')]:
        part.wait_for(timeout=TIMEOUT)
    rows_of(to_bill).first.wait_for(timeout=TIMEOUT)
    rows_of(rejected).first.wait_for(timeout=TIMEOUT)
    # every rejection and denial shows the payer's reason on the home
    for row in rows_of(rejected).all() + rows_of(denied).all():
        # a claim status code (277CA) or a CARC with its words
        assert re.search(r'\b(A\d:\d+|[A-Z]{2}-\d+) \w+',
            row.inner_text()), row.inner_text()
    assert rows_of(rejected).first.inner_text().count('Rejected')
    rejected.scroll_into_view_if_needed()
    journey.shot('home', docs='back-office-biller-home.png')

    # a rejection: open it, read why and what to do next
    claim = rows_of(rejected).first
    journey.dblclick(claim.locator('td').nth(2), "open a rejection")
    form = dialog(page)
    expect(form.get_by_label('Next Step')).to_have_value(
        re.compile(r'^Rejected: .+ click Correct'), timeout=TIMEOUT)
    assert form.get_by_label("Payer's Reason").input_value()
    expect(form.get_by_role('button', name='Correct')).to_be_visible()
    journey.shot('rejected-claim')
    assert not sao_errors, sao_errors
    journey.report()
    assert journey.clicks <= 3


def test_owner_day(page, sao_errors, demo_server, demo_database):
    journey = Journey(page, 'owner')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'owner')
    assert wait_tab(page, r'Practice at a Glance') == (
        'Practice at a Glance')
    visits = board_list(page, 'Sessions per Week')
    money = board_list(page, 'Charged and Collected per Week')
    weeks = board_list(page, 'Practice Weeks')
    aging = board_list(page, 'Receivables by Age')
    overdue = board_list(page, 'Notes to Write')
    leakage = board_list(page, 'Revenue Leakage')
    hours = board_list(page, 'Hours Available and Booked per Week')
    revenue = board_list(page, 'Charges and Collections by Month')
    pay = board_list(page, 'Clinician Pay')
    # the week's KPIs as graphs: a bar per kept session count...
    visits.locator('svg .bb-bar, svg path.bb-shape').first.wait_for(
        timeout=TIMEOUT)
    expect(visits).to_contain_text('No-Shows')
    expect(money).to_contain_text('Collected')
    # ... and as numbers: this week first, with its rates
    first_week = rows_of(weeks).first
    header = weeks.locator('thead').inner_text()
    for column in ['Kept', 'No-Show %', 'Late Cancel %', 'Charged',
            'Collected']:
        assert column in header, header
    expect(first_week).to_contain_text(
        re.compile(r'\d\d/\d\d/20\d\d'), timeout=TIMEOUT)
    # A/R over 90 days, insurance apart from clients
    expect(rows_of(aging)).to_have_count(2, timeout=TIMEOUT)
    assert 'Over 90 Days' in aging.locator('thead').inner_text()
    texts = filled_texts(rows_of(aging))
    assert 'Insurance' in texts[0] and 'Clients' in texts[1], texts
    # notes overdue across the practice
    expect(overdue.get_by_role('tab', name=re.compile(r'^Overdue'))
        ).to_be_visible()
    # the clinicians' hours: available and booked, a bar each per week
    hours.locator('svg .bb-bar, svg path.bb-shape').first.wait_for(
        timeout=TIMEOUT)
    # where revenue leaks: a row per leak with its amount at stake
    expect(rows_of(leakage).first).to_contain_text(
        re.compile(r'\d\.\d\d'), timeout=TIMEOUT)
    # charges against collections by month of service, a bar each (a
    # month's bar may be of zero height: playwright takes it as hidden)
    revenue.locator('svg path.bb-bar:visible').first.wait_for(
        timeout=TIMEOUT)
    expect(revenue).to_contain_text('Collected')
    # last month's pay per clinician
    expect(rows_of(pay).first).to_contain_text(
        re.compile(r'\d\.\d\d'), timeout=TIMEOUT)
    assert 'Total Pay' in pay.locator('thead').inner_text()
    # the board from its top left, whatever the checks above scrolled
    page.evaluate("document.querySelectorAll('*').forEach("
        "e => { e.scrollTop = 0; e.scrollLeft = 0; })")
    journey.shot('home', docs='back-office-owner-home.png')

    # the owner sees the ERP's menus, the front desk would not
    assert {'Caseload', 'Parties', 'Products', 'Banking'} <= menu_tops(
        page)
    # another period: six weeks
    def weeks_field():
        # sao's integer widget: a text input and a number input
        return weeks.locator('input[name="weeks"]:visible').first
    journey.click(weeks_field(), "choose the weeks")
    weeks_field().fill('6')
    weeks_field().press('Enter')
    expect(rows_of(weeks)).to_have_count(6, timeout=TIMEOUT)
    assert not sao_errors, sao_errors
    journey.report()
    assert journey.clicks <= 2


def test_accountant_day(page, sao_errors, demo_server, demo_database):
    journey = Journey(page, 'accountant')
    page.set_viewport_size({'width': 1600, 'height': 1000})
    sao_login(page, demo_server, demo_database, 'accountant')
    assert wait_tab(page, r'Receivables and Cash') == (
        'Receivables and Cash')
    aging = board_list(page, 'Receivables by Age')
    expect(rows_of(aging)).to_have_count(2, timeout=TIMEOUT)
    insurance, clients = filled_texts(rows_of(aging))
    assert 'Insurance' in insurance and 'Clients' in clients
    assert re.search(r'\$\s*[\d,]+\.\d\d', insurance)
    board_list(page, 'Charged and Collected per Week').locator(
        'svg').first.wait_for(timeout=TIMEOUT)
    journey.shot('home', docs='back-office-accountant-home.png')
    # no client records in the accountant's menus
    open_menu(page, 'Caseload')
    entries = [e.strip() for e in page.locator(
            '#menu .treeview tbody tr').all_inner_texts()]
    assert 'Clients' not in entries, entries
    journey.count("open Caseload in the menu")
    assert not sao_errors, sao_errors
    journey.report()
