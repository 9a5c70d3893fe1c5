"""A Good Faith Estimate from the front desk to the client, in Chromium
(issue 17): the front desk opens a demo adult who pays for themselves,
presses Good Faith Estimate on the client's Good Faith Estimates tab, and
a new draft of the expected charges is there; they open it and press
Issue. The client, given a portal login, reads it in the portal and
presses "I received this estimate"; the practice's record says so."""
from decimal import Decimal

import pytest

from helpers import rpc_login

pytest.importorskip('playwright')
from playwright.sync_api import expect  # noqa: E402
from test_browser import (  # noqa: E402
    PASSWORD, TIMEOUT, front_tab, press, sao_login, settled)
from journeys import dialog  # noqa: E402

PORTAL_EMAIL = 'estimate.client@example.com'


def self_pay_client(desk):
    """A demo adult in care with no insurance (no coverage, or self-pay):
    they read their estimate in the portal themselves"""
    coverages = desk('model.therapy.coverage.search_read', [], 0, None,
        None, ['client', 'payer'])
    self_pay = {p['id'] for p in desk('model.therapy.payer.read',
            list({c['payer'] for c in coverages}), ['self_pay'])
        if p['self_pay']}
    insured = {c['client'] for c in coverages if c['payer'] not in self_pay}
    clients = desk('model.therapy.client.search_read',
        [('status', '=', 'active'), ('guardians', '=', None)], 0, None,
        [('id', 'ASC')], ['id'])
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
    new, = [e for e in after if e not in before]
    # (plain JSON: a Decimal comes as sao's {'__class__': 'Decimal', ...})
    total = Decimal(new['total']['decimal'])
    assert total > 0, new

    # the front desk issues it from its own form
    page.goto(f'{demo_server}/#{demo_database}/model/'
        f'therapy.good_faith_estimate/{new["id"]}')
    form = front_tab(page).locator('.form').first
    issue = form.get_by_role('button', name='Issue')
    issue.wait_for(timeout=TIMEOUT)
    settled(page)
    press(page, issue)
    confirm = dialog(page)
    expect(confirm).to_contain_text('sent to the client\'s portal',
        timeout=TIMEOUT)
    press(page, confirm.get_by_role('button', name='OK'))
    expect(issue).to_be_hidden(timeout=TIMEOUT)
    issued, = desk('model.therapy.good_faith_estimate.read', [new['id']],
        ['state', 'issue_date', 'document_hash', 'issued_by'])
    assert issued['state'] == 'issued', issued
    assert issued['issue_date'] and issued['issued_by'], issued
    assert len(issued['document_hash']) == 64, issued

    # the client reads it in the portal and acknowledges receipt
    admin, _ = rpc_login(demo_server, demo_database, 'admin', PASSWORD)
    client, = admin('model.therapy.client.read', [client_id], ['party'])
    admin('model.web.user.create', [{'email': PORTAL_EMAIL,
                'password': PASSWORD, 'party': client['party']}])
    portal = f'{demo_server}/{demo_database}/portal'
    page.goto(f'{portal}/')
    page.fill('input[name=email]', PORTAL_EMAIL)
    page.fill('input[name=password]', PASSWORD)
    page.click('button[type=submit]')
    page.get_by_role('link', name='Read your estimate of expected charges'
        ).click()
    card = page.locator('.estimate').filter(has=page.locator(
            f'form[action$="/estimates/{new["id"]}/acknowledge"]'))
    expect(card).to_contain_text(f'${total:,.2f}')
    card.get_by_role('button', name='I received this estimate').click()
    expect(page.get_by_role('status')).to_contain_text(
        'the practice has your acknowledgment', timeout=TIMEOUT)
    acknowledged, = desk('model.therapy.good_faith_estimate.read',
        [new['id']], ['state', 'acknowledged_by', 'acknowledged_at'])
    assert acknowledged['state'] == 'acknowledged', acknowledged
    assert PORTAL_EMAIL in acknowledged['acknowledged_by'], acknowledged
    assert acknowledged['acknowledged_at'], acknowledged
