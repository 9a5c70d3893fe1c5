"""Client portal: paying an invoice online with a card (issue 14).

Tryton's own machinery does the paying: an `account.payment` (receivable,
party = the guarantor, line = the invoice's receivable line) on a payment
journal whose process method is *stripe* (`account_payment_stripe`), and
that journal's clearing account and journal (`account_payment_clearing`).
The practice sets online payment up by creating that journal for its
company; without one the billing page says online payment is not set up.

The flow: the *Pay* form (POST) creates the payment, submits it, asks
Stripe for a PaymentIntent (`stripe_checkout`) and processes it; the
client then gets account_payment_stripe's own checkout page (Stripe.js and
its payment element: no card number ever reaches the server), whose return
URL is the portal's receipt. Stripe's `payment_intent.succeeded` webhook
(account_payment_stripe's route, signed with the account's secret) marks
the payment succeeded, which posts the clearing move: Dr card clearing,
Cr the guarantor's receivable, reconciled with the invoice's line once the
payments pay it all (a part payment lowers the amount to pay meanwhile:
account_payment counts it). The payout later clears
the clearing account through the bank statement, as a payer's EFT does.

Posting the clearing move at once (rather than on the clearing posting
delay) is deliberate: Stripe has said the card was charged, and the
client's balance must drop as soon as the receipt says so.

The receipt page only reads: the webhook, not the client's browser,
decides that a payment succeeded."""
import base64
import hashlib
from decimal import Decimal, InvalidOperation

import stripe

from trytond import config
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, redirect, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from therapy_scheduling.web_guard import INLINE_SCRIPT

from .billing import (
    accounts_of, money, own_invoice, page, payment_journal, session_of)
from .mfa import portal_event
from .session import portal_base, portal_page, requires_sign_in

CENT = Decimal('0.01')

# Stripe's API elsewhere: Stripe's own stripe-mock, or the tests' stand-in
# (tests/stripe_standin.py) for a server the browser tests start
if config.get('caseload', 'stripe_api_base'):
    stripe.api_base = config.get('caseload', 'stripe_api_base')


class Payment(metaclass=PoolMeta):
    __name__ = 'account.payment'

    @classmethod
    def succeed(cls, payments):
        pool = Pool()
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        super().succeed(payments)
        done = [p for p in cls.browse(payments)
            if p.state == 'succeeded' and p.clearing_move
            and p.journal.process_method == 'stripe']
        Move.post([p.clearing_move for p in done
                if p.clearing_move.state == 'draft'])
        # account_payment_clearing reconciles a payment that pays its line
        # alone; part payments of one line are reconciled together once
        # they pay it all (the invoice is then paid). Until then each
        # succeeded payment already lowers the invoice's amount to pay.
        for line in {p.line for p in done if p.line}:
            if line.reconciliation:
                continue
            paid = cls.search([
                    ('line', '=', line.id),
                    ('state', '=', 'succeeded'),
                    ('clearing_move', '!=', None),
                    ])
            lines = [line] + [l for p in paid for l in p.clearing_move.lines
                if l.account == line.account and not l.reconciliation
                and p.clearing_move.state == 'posted']
            if len(lines) > 1 and not sum(l.debit - l.credit for l in lines):
                Line.reconcile(lines)


def parse_amount(text):
    "The amount typed, to the cent, or None"
    try:
        amount = Decimal((text or '').strip().lstrip('$').replace(',', ''))
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return amount.quantize(CENT)


def refused(pool, user, message, status=HTTPStatus.BAD_REQUEST):
    "The billing page with message; what this request did is undone"
    Transaction().rollback()
    accounts, others, clients = accounts_of(pool, user)
    return page(pool, user, accounts, others, clients, error=message,
        status=status)


@app.route('/<database_name>/portal/billing/pay', methods={'POST'})
@with_pool
@with_transaction(readonly=False, context={'_skip_warnings': True})
@requires_sign_in
def pay(request, pool, user):
    Payment = pool.get('account.payment')
    Date = pool.get('ir.date')
    try:
        invoice_id = int(request.form.get('invoice', ''))
    except ValueError:
        abort(HTTPStatus.NOT_FOUND)
    account, invoice = own_invoice(pool, user, invoice_id)
    due = invoice.amount_to_pay
    if invoice.state != 'posted' or not due:
        return refused(pool, user,
            gettext('therapy_portal.msg_billing_pay_nothing_due'))
    amount = parse_amount(request.form.get('amount'))
    if amount is None or not 0 < amount <= due:
        return refused(pool, user,
            gettext('therapy_portal.msg_billing_pay_amount',
                due=money(due)))
    journal = payment_journal(pool, account.company)
    lines = [l for l in invoice.lines_to_pay if not l.reconciliation]
    if not journal or not lines:
        return refused(pool, user,
            gettext('therapy_portal.msg_billing_pay_unavailable'))
    with Transaction().set_context(company=account.company.id):
        today = Date.today()
    payment = Payment(company=account.company, journal=journal,
        kind='receivable', party=account.guarantor, line=lines[0],
        amount=amount, date=today, reference=invoice.number)
    payment.save()
    Payment.submit([payment])
    try:
        # the PaymentIntent the checkout page confirms with Stripe.js
        Payment.stripe_checkout([payment])
    except stripe.StripeError:
        return refused(pool, user,
            gettext('therapy_portal.msg_billing_pay_processor'),
            HTTPStatus.BAD_GATEWAY)
    Payment.process([payment])
    portal_event('portal.submit', user, 'C', session_of(request),
        model='account.payment', ids=[payment.id],
        client_ids=[c.id for c in account.clients], reason='card payment')
    return redirect(
        f'{portal_base(pool)}/billing/payments/{payment.id}/checkout',
        HTTPStatus.SEE_OTHER)


def own_payment(pool, user, payment_id):
    "(account, payment) of the user's card payments, else 404"
    Payment = pool.get('account.payment')
    accounts, _, _ = accounts_of(pool, user)
    for account in accounts:
        payments = Payment.search([
                ('id', '=', payment_id),
                ('company', '=', account.company.id),
                ('party', '=', account.guarantor.id),
                ('kind', '=', 'receivable'),
                ('journal.process_method', '=', 'stripe'),
                ])
        if payments:
            return account, payments[0]
    abort(HTTPStatus.NOT_FOUND)


@app.route(
    '/<database_name>/portal/billing/payments/<int:payment_id>/cancel',
    methods={'POST'})
@with_pool
@with_transaction(readonly=False, context={'_skip_warnings': True})
@requires_sign_in
def cancel(request, pool, user, payment_id):
    """Give up a card payment left unfinished (its checkout closed): it
    fails, and no longer counts against the amount due. One that Stripe
    has charged, or is charging, stays."""
    Payment = pool.get('account.payment')
    account, payment = own_payment(pool, user, payment_id)
    if payment.state == 'processing':
        try:
            intent = payment.stripe_payment_intent
        except stripe.StripeError:
            intent = None
        if payment.stripe_payment_intent_id and intent is None:
            return refused(pool, user,
                gettext('therapy_portal.msg_billing_pay_processor'),
                HTTPStatus.BAD_GATEWAY)
        if intent is not None and intent.status in {
                'succeeded', 'processing', 'requires_capture'}:
            return refused(pool, user,
                gettext('therapy_portal.msg_billing_pay_went_through'),
                HTTPStatus.CONFLICT)
        Payment.fail([payment])
        portal_event('portal.submit', user, 'U', session_of(request),
            model='account.payment', ids=[payment.id],
            client_ids=[c.id for c in account.clients],
            reason='card payment cancelled')
    return redirect(f'{portal_base(pool)}/billing?cancelled=1',
        HTTPStatus.SEE_OTHER)


@app.route(
    '/<database_name>/portal/billing/payments/<int:payment_id>/checkout',
    methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def checkout(request, pool, user, payment_id):
    """account_payment_stripe's checkout page (Stripe.js), returning to the
    portal's receipt rather than to a page that closes itself"""
    account, payment = own_payment(pool, user, payment_id)
    receipt = f'{portal_base(pool)}/billing/payments/{payment.id}'
    if payment.state != 'processing' or not payment.stripe_payment_intent_id:
        return redirect(receipt)
    portal_event('portal.view', user, 'R', session_of(request),
        model='account.payment', ids=[payment.id],
        client_ids=[c.id for c in account.clients], reason='checkout')
    return checkout_page(pool, request, payment, receipt)


def checkout_page(pool, request, record, return_path):
    """account_payment_stripe's checkout page of record (a payment's
    PaymentIntent, a customer's SetupIntent: Stripe.js), returning to
    return_path"""
    Report = pool.get('account.payment.stripe.checkout', type='report')
    _, content, _, _ = Report.execute([record.id], {
            'model': record.__name__,
            'customer_session_client_secret': '',
            'return_url': request.host_url.rstrip('/') + return_path,
            })
    if isinstance(content, str):
        content = content.encode('utf-8')
    return Response(content, HTTPStatus.OK, headers={
            'Cache-Control': 'no-store',
            'X-Frame-Options': 'DENY',
            'Referrer-Policy': 'no-referrer',
            'Content-Security-Policy': checkout_csp(content),
            }, content_type='text/html; charset=utf-8')


def checkout_csp(content):
    """The checkout page's own policy: Stripe.js and its frames (Stripe's
    published list), the page's inline script by its hash (it holds this
    payment's client secret, so the hash is the page's own), the API at
    [caseload] stripe_api_base when set; the portal's default policy
    (web_guard.py) would stop Stripe.js"""
    scripts = ''.join(f" 'sha256-{digest}'" for digest in (
            base64.b64encode(hashlib.sha256(s).digest()).decode()
            for s in INLINE_SCRIPT.findall(content)))
    api = 'https://api.stripe.com'
    if config.get('caseload', 'stripe_api_base'):
        api += ' ' + config.get('caseload', 'stripe_api_base').rstrip('/')
    return ("default-src 'self'; "
        f"script-src 'self' https://js.stripe.com https://*.js.stripe.com"
        f"{scripts}; "
        "frame-src https://js.stripe.com https://*.js.stripe.com "
        "https://hooks.stripe.com; "
        f"connect-src 'self' {api}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: https://*.stripe.com; object-src 'none'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


@app.route('/<database_name>/portal/billing/payments/<int:payment_id>',
    methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def receipt(request, pool, user, payment_id):
    "The payment's receipt once it succeeded, else where it stands"
    account, payment = own_payment(pool, user, payment_id)
    portal_event('portal.view', user, 'R', session_of(request),
        model='account.payment', ids=[payment.id],
        client_ids=[c.id for c in account.clients], reason='receipt')
    return portal_page('billing_receipt.html', base=portal_base(pool),
        user=user, account=account, payment=payment, money=money,
        practice=account.company.party)
