"""The revenue-leakage page in Chromium on the demo: the owner opens it
from the menu, reads a row per leak with its amount at stake and opens a
row's items to work; the biller opens it too. Its picture is README's."""
import re

import pytest

from helpers import rpc_login
from journeys import DOCS

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, front_tab, list_rows, open_action, sao_login,
    settled)

MONEY = re.compile(r'\$?\d{1,3}(,\d{3})*\.\d\d')
LEAKS = dict([
        ('no_note', "Sessions without a final note"),
        ('no_charge', "Final notes without a charge"),
        ('unclaimed', "Charges not on a claim"),
        ('unsent', "Claims not sent"),
        ('unacknowledged', "Claims sent, not acknowledged"),
        ('unpaid', "Claims past the payer's days to pay"),
        ('denial', "Denials near or past the appeal deadline"),
        ('underpaid', "Underpaid lines"),
        ('authorization', "Sessions booked past their authorization"),
        ('ineligible', "Sessions booked on an inactive coverage"),
        ('unstatemented', "Client balances not statemented"),
        ])


def leaks(url, database, login):
    "The demo's leakage rows as login reads them over JSON-RPC"
    call, _ = rpc_login(url, database, login, PASSWORD)
    return call('model.therapy.leakage.search_read', [], 0, None, None,
        ['kind', 'count', 'amount'])


def open_leakage(page):
    open_action(page, 'Caseload', 'Practice', 'Revenue Leakage')
    rows = list_rows(page).filter(has_text=MONEY)
    rows.first.wait_for(timeout=TIMEOUT)
    return rows


def test_owner_and_biller_read_the_leakage(page, demo_server, demo_database):
    rows = leaks(demo_server, demo_database, 'owner')
    kinds = {r['kind'] for r in rows}
    # the demo bills only its last two weeks: older payer charges wait
    assert 'unclaimed' in kinds, rows

    page.set_viewport_size({'width': 1600, 'height': 900})
    sao_login(page, demo_server, demo_database, 'owner')
    shown = open_leakage(page)
    # the rows in their order (a page of them): the first leak first
    first = min(rows, key=lambda r: r['id'])
    texts = shown.all_inner_texts()
    assert LEAKS[first['kind']] in texts[0], texts
    for text in texts:
        assert any(label in text for label in LEAKS.values()), text
    settled(page)
    page.mouse.move(0, 0)
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / 'back-office-leakage.png'))

    # a row opens the items it counts, each with the record to work
    shown.first.dblclick()
    front_tab(page).get_by_text('Leakage to Work').first.wait_for(
        timeout=TIMEOUT)
    items = list_rows(page).filter(has_text=MONEY)
    items.first.wait_for(timeout=TIMEOUT)
    for text in items.all_inner_texts():
        assert LEAKS[first['kind']] in text, text

    assert leaks(demo_server, demo_database, 'biller') == rows
    # the owner's session is sao's local storage: gone, the login shows
    page.evaluate('() => { localStorage.clear(); sessionStorage.clear(); }')
    page.goto('about:blank')
    sao_login(page, demo_server, demo_database, 'biller')
    expect(open_leakage(page).first).to_contain_text(LEAKS[first['kind']])
