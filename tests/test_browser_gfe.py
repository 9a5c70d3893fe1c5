"""A Good Faith Estimate asked for at the front desk, in Chromium (issue
17): the front desk opens a demo client who pays for themselves, presses
Good Faith Estimate on the client's Good Faith Estimates tab, and a new
draft of the expected charges is there to check and issue."""
import pytest

from helpers import rpc_login

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, front_tab, press, sao_login, settled)


def self_pay_client(desk):
    "A demo client in care with no insurance (no coverage, or self-pay)"
    coverages = desk('model.therapy.coverage.search_read', [], 0, None,
        None, ['client', 'payer'])
    self_pay = {p['id'] for p in desk('model.therapy.payer.read',
            list({c['payer'] for c in coverages}), ['self_pay'])
        if p['self_pay']}
    insured = {c['client'] for c in coverages if c['payer'] not in self_pay}
    clients = desk('model.therapy.client.search_read',
        [('status', '=', 'active')], 0, None, [('id', 'ASC')], ['id'])
    return next(c['id'] for c in clients if c['id'] not in insured)


def test_front_desk_requests_an_estimate(page, demo_server, demo_database):
    desk, _ = rpc_login(demo_server, demo_database, 'frontdesk', PASSWORD)
    client_id = self_pay_client(desk)

    def drafts(*origin):
        return desk('model.therapy.good_faith_estimate.search_read', [
                ('client', '=', client_id), ('state', '=', 'draft'),
                *origin], 0, None, None, ['id', 'total'])
    before = drafts(('origin', '=', 'request'))
    # the client's first booking may have drafted one already (queued)
    shown = len(drafts())

    sao_login(page, demo_server, demo_database, 'frontdesk')
    page.goto(f'{demo_server}/#{demo_database}/model/therapy.client/'
        f'{client_id}')
    form = front_tab(page).locator('.form').first
    press(page, form.get_by_role('tab', name='Good Faith Estimates'))
    button = form.get_by_role('button', name='Good Faith Estimate')
    button.wait_for(timeout=TIMEOUT)
    rows = form.locator('.tab-pane.active .treeview tbody tr:not(.more-row)',
        has_text='Draft')
    settled(page)
    expect(rows).to_have_count(shown, timeout=TIMEOUT)
    press(page, button)
    # one more draft once the server has made it
    expect(rows).to_have_count(shown + 1, timeout=TIMEOUT)
    after = drafts(('origin', '=', 'request'))
    assert len(after) == len(before) + 1, (before, after)
