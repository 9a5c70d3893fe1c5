"""Paying online and automatic payments in Chromium (issue 14), with the
Stripe stand-in (therapy_portal/tests/stripe_standin.py) in place of
Stripe's API and stripe_standin.js in place of Stripe.js: never the
network.

The practice turns card payments on (a Stripe account and a card journal,
made by this file run as a script against the demo database). On a
phone-sized screen the demo parent pays part of their balance on
account_payment_stripe's checkout page, Stripe's signed webhook comes in,
and the receipt shows; then they save a card for automatic payments. In
the back office the front desk finds the consent under Billing › Autopay
Consents and presses Withdraw, as when a client asks by phone."""
import json
import re
import subprocess
import sys
from decimal import Decimal

import pytest

from helpers import ROOT, output_dir, rpc_login

WEBHOOK, SECRET = 'standinhook', 'whsec_standin'


def turn_card_payments_on(config, database):
    """The demo company's Stripe account and card journal (the stand-in's),
    and a $45.00 session billed to the demo parent (self-pay)"""
    from helpers import open_pool
    pool = open_pool(config, database)
    from trytond.transaction import Transaction
    from therapy_portal.tests.test_billing import bill_client, committed

    def setup():
        company, = pool.get('company.company').search([])
        with Transaction().set_context(company=company.id,
                _skip_warnings=True):
            card_journal_once(pool, company)
            parent, = pool.get('web.user').search([
                    ('email', '=', 'parent@harborview.example')])
            child = pool.get('therapy.client').for_portal_party(
                parent.party)[0]
            service, = pool.get('therapy.service').search([
                    ('code', '=', '90834')])
            bill_client(company, child, Decimal(45), 2, service)
    # (committed: retried with the record locks numbering an invoice asks)
    with Transaction().start(database, 0):
        committed(setup)


def card_journal_once(pool, company):
    """The stand-in's Stripe account and card journal, unless a test of
    this demo made them already"""
    from therapy_portal.tests.test_payment import create_card_journal
    if not pool.get('account.payment.journal').search([
                ('process_method', '=', 'stripe')]):
        create_card_journal(company)


if __name__ == '__main__':
    sys.path.insert(0, str(ROOT))
    turn_card_payments_on(sys.argv[1], sys.argv[2])
    print(json.dumps({'done': True}))
else:
    pytest.importorskip('playwright')
    from playwright.sync_api import expect
    from test_browser import (
        PASSWORD, TIMEOUT, open_action, press, sao_login, settled)
    from therapy_portal.tests.stripe_standin import script, signature


def card_payments_on(config, database):
    result = subprocess.run([sys.executable, __file__, str(config),
            database], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def stand_in_stripe_js(page, standin):
    "stripe_standin.js wherever a page asks for Stripe.js"
    page.route('https://js.stripe.com/v3/**', lambda route: route.fulfill(
            content_type='application/javascript', body=script(standin.url)))


def checkout(page, number):
    "The card typed on the checkout page (stripe_standin.js's field)"
    card = page.locator('#standin-card')
    card.wait_for(timeout=TIMEOUT)
    card.fill(number)
    page.click('#payment-submit')


def card_paid(page, database_url, standin, cents):
    """The checkout page paid with a good card, then Stripe's signed
    webhook for it delivered: the receipt shows"""
    checkout(page, '4242 4242 4242 4242')
    expect(page.get_by_role('heading', name='Confirming your payment')
        ).to_be_visible(timeout=TIMEOUT)
    # the latest of that amount (the stand-in serves the whole test run)
    intent = [i for i in standin.intents.values()
        if i['status'] == 'succeeded' and i['amount'] == cents][-1]
    payload = standin.event('payment_intent.succeeded', intent)
    response = page.request.post(
        f'{database_url}/account_payment_stripe/webhook/{WEBHOOK}',
        data=payload, headers={'Content-Type': 'application/json',
            'Stripe-Signature': signature(payload, SECRET)})
    assert response.status == 204, response.text()
    page.reload()
    expect(page.get_by_role('heading', name='Payment received')
        ).to_be_visible(timeout=TIMEOUT)


def test_parent_pays_and_saves_a_card(page, demo_server, demo_database,
        practice_config, stripe_standin):
    shots = output_dir('browser')
    card_payments_on(practice_config, demo_database)
    stand_in_stripe_js(page, stripe_standin)
    portal = f'{demo_server}/{demo_database}/portal'
    page.set_viewport_size({'width': 390, 'height': 844})
    page.goto(f'{portal}/')
    page.fill('input[name=email]', 'parent@harborview.example')
    page.fill('input[name=password]', PASSWORD)
    page.click('button[type=submit]')
    page.get_by_role('link', name='Billing').first.click()
    balance = page.locator('.balance').first
    balance.wait_for(timeout=TIMEOUT)
    due = re.search(r'\$([\d,]+\.\d\d)', balance.inner_text()).group(1)
    pay = page.locator('form[action$="/billing/pay"]').first
    expect(pay).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(shots / 'portal-billing.png'), full_page=True)

    # a part of the first open invoice: $10.00
    pay.locator('input[name=amount]').fill('10.00')
    pay.get_by_role('button', name='Pay by card').click()
    card_paid(page, f'{demo_server}/{demo_database}', stripe_standin, 1000)
    expect(page.locator('.receipt')).to_contain_text('$10.00')
    page.screenshot(path=str(shots / 'portal-payment-receipt.png'),
        full_page=True)
    page.click('text=Back to billing')
    left = float(due.replace(',', '')) - 10
    expect(page.locator('.balance').first).to_contain_text(
        f'${left:,.2f}', timeout=TIMEOUT)

    # a card saved for automatic payments
    page.get_by_role('link', name='Automatic payments').click()
    page.locator('input[name=consent]').first.check()
    page.locator('input[name=limit]').first.fill('200')
    page.get_by_role('button', name='Continue to the card page').first.click()
    checkout(page, '4242 4242 4242 4242')
    expect(page.locator('.notice')).to_contain_text(
        'automatic payments are on', timeout=TIMEOUT)
    expect(page.locator('body')).to_contain_text('up to $200.00 a charge')
    page.screenshot(path=str(shots / 'portal-autopay.png'), full_page=True)
    page.click('text=Back to billing')
    page.click('text=Back to your care')
    page.click('text=Log out')
    page.locator('input[name=email]').wait_for(timeout=TIMEOUT)

    # the front desk withdraws it when the parent calls
    desk, _ = rpc_login(demo_server, demo_database, 'frontdesk', PASSWORD)
    active = desk('model.therapy.autopay.search_read', [
            ('state', '=', 'active')], 0, None, None, ['id', 'card'])
    assert [a['card'] for a in active] == ['visa ****4242 12/2030'], active
    page.set_viewport_size({'width': 1600, 'height': 1200})
    sao_login(page, demo_server, demo_database, 'frontdesk')
    open_action(page, 'Caseload', 'Billing', 'Autopay Consents')
    row = page.locator('#tabcontent > .tab-pane.active .treeview tbody tr',
        has_text='visa ****4242')
    row.first.wait_for(timeout=TIMEOUT)
    press(page, row.first.locator('td').nth(2), double=True)  # the card
    button = page.get_by_role('button', name='Withdraw')
    button.wait_for(timeout=TIMEOUT)
    press(page, button)
    # the confirmation sao asks first
    settled(page)
    page.locator('.modal-dialog:visible').get_by_role(
        'button', name='OK').click()
    expect(button).to_be_hidden(timeout=TIMEOUT)
    ended = desk('model.therapy.autopay.read', [active[0]['id']],
        ['state', 'ended_by'])
    assert ended[0]['state'] == 'withdrawn', ended
    assert "at the client's request" in ended[0]['ended_by'], ended
