"""The revenue-cycle views in Chromium as the biller reads them on the
demo: the denial queue (deadline, payer, reason, next step), the A/R
aging by payer, as a list and as a graph, and Practice › Revenue (charges
and collections by month, clinician, code, payer and location); their
pictures are README's."""
import re
from decimal import Decimal

import pytest

from helpers import output_dir, rpc_login
from journeys import DOCS

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, front_tab, list_rows, open_action, sao_login,
    settled)

MONEY = re.compile(r'\$?\d{1,3}(,\d{3})*\.\d\d')


def rpc(url, database, method, *params):
    "A JSON-RPC call as the biller, for what the demo holds"
    call, _ = rpc_login(url, database, 'biller', PASSWORD)
    return call(method, *params)


def names(url, database, model, ids):
    return {r['id']: r['rec_name'] for r in rpc(url, database,
            f'model.{model}.read', list(ids), ['rec_name'])}


def test_biller_reads_the_denial_queue_and_the_aging(
        page, demo_server, demo_database):
    shots = output_dir('browser')
    denials = rpc(demo_server, demo_database,
        'model.therapy.remittance.adjustment.search_read', [
            ('action', '=', 'hold_denial'),
            ('remittance_claim.remittance.state', '=', 'posted'),
            ('claim.state', 'in', ['denied', 'appealed']),
            ], 0, None, None, ['payer', 'reason', 'appeal_deadline'])
    assert denials, "the demo has denials"
    assert all(d['appeal_deadline'] for d in denials), denials
    denied_by = names(demo_server, demo_database, 'therapy.payer',
        {d['payer'] for d in denials})
    aging = rpc(demo_server, demo_database,
        'model.therapy.ar.aging.search_read', [('kind', '=', 'insurance')],
        0, None, None, ['party', 'total'])
    assert aging, "the demo's payers owe something"
    owing = names(demo_server, demo_database, 'party.party',
        {r['party'] for r in aging})

    page.set_viewport_size({'width': 1600, 'height': 900})
    sao_login(page, demo_server, demo_database, 'biller')
    open_action(page, 'Caseload', 'Billing', 'Denial Queue')
    rows = list_rows(page).filter(has=page.get_by_text(
            re.compile(r'^CLM\d+$')))
    rows.first.wait_for(timeout=TIMEOUT)
    expect(rows).to_have_count(len(denials))
    texts = rows.all_inner_texts()
    assert any(name in text for text in texts
        for name in denied_by.values()), texts
    for text in texts:
        # a reason code, its words, and what to do next
        assert re.search(r'\b(197|50|16|4|11|96|204)\b', text), text
        assert re.search(r'Appeal|Correct and resubmit|Write off|Wait',
            text), text
    headers = front_tab(page).locator('.treeview thead').inner_text()
    for column in ['Appeal Deadline', 'Next Action', 'Assignee']:
        assert column in headers, headers
    settled(page)
    page.mouse.move(0, 0)
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / 'back-office-denial-queue.png'))

    open_action(page, 'Caseload', 'Billing', 'Reports', 'A/R Aging by Payer')
    rows = list_rows(page).filter(has_text=MONEY)
    rows.first.wait_for(timeout=TIMEOUT)
    texts = rows.all_inner_texts()
    assert any(name in text for text in texts
        for name in owing.values()), (texts, owing)
    headers = front_tab(page).locator('.treeview thead').inner_text()
    for column in ['0-30 Days', '31-60 Days', '61-90 Days', '91-120 Days',
            'Over 120 Days', 'Total']:
        assert column in headers, headers
    settled(page)
    page.screenshot(path=str(shots / 'sao-ar-aging-list.png'))
    front_tab(page).get_by_role('button', name='Switch').first.click()
    front_tab(page).locator('.graph svg').first.wait_for(timeout=TIMEOUT)
    # a bar per bucket, its legend naming the bucket, per payer
    graph = front_tab(page).locator('.graph')
    expect(graph).to_contain_text('Over 120 Days', timeout=TIMEOUT)
    legend = graph.inner_text()
    assert '0-30 Days' in legend, legend
    assert any(name[:12] in legend for name in owing.values()), legend
    settled(page)
    page.mouse.move(0, 0)
    page.screenshot(path=str(DOCS / 'back-office-ar-aging.png'))


def decimal(value):
    "A Decimal as JSON-RPC sends it"
    if isinstance(value, dict):
        return Decimal(value['decimal'])
    return Decimal(value or 0)


def money(amount):
    return f'{amount:,.2f}'


def test_biller_reads_the_revenue(page, demo_server, demo_database):
    rows = rpc(demo_server, demo_database,
        'model.therapy.revenue.search_read', [], 0, None,
        [('month', 'DESC'), ('charges', 'DESC'), ('id', 'ASC')],
        ['month', 'charges', 'payer_paid', 'patient_collected',
            'collected'])
    for row in rows:
        for name in ['charges', 'payer_paid', 'patient_collected',
                'collected']:
            row[name] = decimal(row[name])
    assert rows, "the demo charged sessions in the last 12 months"
    collected = [r for r in rows if r['collected']]
    assert collected, "the demo collected on some of them"
    # the attacker's side: a clinician and the front desk are refused
    for login in ['clinician', 'frontdesk']:
        call, _ = rpc_login(demo_server, demo_database, login, PASSWORD)
        for model in ['therapy.revenue', 'therapy.revenue.reimbursement']:
            with pytest.raises(AssertionError,
                    match='not allowed to access'):
                call(f'model.{model}.search_read', [], 0, None, None,
                    ['charges' if model == 'therapy.revenue' else 'paid'])

    page.set_viewport_size({'width': 1900, 'height': 900})
    sao_login(page, demo_server, demo_database, 'biller')
    open_action(page, 'Caseload', 'Practice', 'Revenue')
    shown = list_rows(page).filter(has_text=MONEY)
    shown.first.wait_for(timeout=TIMEOUT)
    # a page of the rows in the RPC's order: the latest month's biggest
    # charges first, each row's charges and collections as over RPC
    texts = shown.all_inner_texts()
    assert 0 < len(texts) <= len(rows)
    for text, row in zip(texts, rows):
        assert money(row['charges']) in text, (text, row)
        assert money(row['collected']) in text, (text, row)
    headers = front_tab(page).locator('.treeview thead').inner_text()
    for column in ['Month', 'Clinician', 'Payer', 'Location', 'Charges',
            'Payer Paid', 'Patient Collected', 'Collection %']:
        assert column in headers, headers
    # sorted by what was collected, most first: the row collecting most
    header = front_tab(page).locator('.treeview thead th').filter(
        has_text=re.compile(r'^\s*Collected\s*$'))
    best = max(collected, key=lambda r: r['collected'])
    header.click()
    settled(page)
    header.click()
    expect(shown.first).to_contain_text(money(best['collected']),
        timeout=TIMEOUT)
    # the sort scrolled the list to its column: back to the row's keys
    front_tab(page).locator('.treeview').first.evaluate(
        'element => { element.scrollLeft = 0; }')
    settled(page)
    page.mouse.move(0, 0)
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / 'back-office-revenue.png'))
