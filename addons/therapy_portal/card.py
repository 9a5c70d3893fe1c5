"""Client portal: saving a card for automatic payments, and stopping them
(the consent and the nightly charges are autopay.py's).

`/portal/billing/autopay` shows, per account the login pays, whether
automatic payments are on and with which card, and the consent to agree
to; posting it (the box ticked, an optional limit per charge) makes a
pending consent and sends the client to account_payment_stripe's checkout
page, which confirms the card with the processor (Stripe.js) and returns
to `.../saved`. That page asks the processor whether the card was saved
(never the browser's word) and turns the consent active. An account that
is not the login's, or a consent that is not its account's, answers 404."""
from decimal import Decimal

import stripe

from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, abort, redirect, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .autopay import consent_text
from .billing import accounts_of, money, payment_journal, session_of
from .mfa import portal_event
from .payment import checkout_page, parse_amount
from .session import portal_base, portal_page, requires_sign_in

ZERO = Decimal(0)


class Standing:
    "An account the login pays, with its consent as the page shows it"

    def __init__(self, pool, account):
        Autopay = pool.get('therapy.autopay')
        self.account = account
        self.consent = Autopay.current(account.company, account.guarantor)
        self.key = f'{account.company.id}-{account.guarantor.id}'
        self.available = bool(payment_journal(pool, account.company))
        self.text = consent_text(account.company.party.name)


def standings(pool, user):
    accounts, _, _ = accounts_of(pool, user)
    return [Standing(pool, a) for a in accounts]


def own_standing(pool, user, key):
    "The login's account of key ('company-guarantor'), else 404"
    for standing in standings(pool, user):
        if standing.key == key:
            return standing
    abort(HTTPStatus.NOT_FOUND)


def own_consent(pool, user, consent_id):
    "(standing, consent) of the login's accounts, else 404"
    Autopay = pool.get('therapy.autopay')
    for standing in standings(pool, user):
        account = standing.account
        consents = Autopay.search([
                ('id', '=', consent_id),
                ('company', '=', account.company.id),
                ('party', '=', account.guarantor.id),
                ])
        if consents:
            return standing, consents[0]
    abort(HTTPStatus.NOT_FOUND)


def autopay_page(pool, user, error=None, notice=None,
        status=HTTPStatus.OK):
    return portal_page('autopay.html', status, base=portal_base(pool),
        user=user, standings=standings(pool, user), money=money,
        error=error, notice=notice)


def log(request, user, standing, action, ids, reason):
    portal_event('portal.submit' if action != 'R' else 'portal.view', user,
        action, session_of(request), model='therapy.autopay', ids=ids,
        client_ids=[c.id for c in standing.account.clients], reason=reason)


@app.route('/<database_name>/portal/billing/autopay', methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def autopay(request, pool, user):
    notice = None
    if request.args.get('stopped'):
        notice = gettext('therapy_portal.msg_autopay_stopped')
    return autopay_page(pool, user, notice=notice)


@app.route('/<database_name>/portal/billing/autopay', methods={'POST'})
@with_pool
@with_transaction(readonly=False, context={'_skip_warnings': True})
@requires_sign_in
def agree(request, pool, user):
    Autopay = pool.get('therapy.autopay')
    standing = own_standing(pool, user, request.form.get('account', ''))
    if not standing.available:
        return refused(pool, user,
            gettext('therapy_portal.msg_billing_pay_unavailable'))
    if request.form.get('consent') != 'yes':
        return refused(pool, user,
            gettext('therapy_portal.msg_autopay_consent_needed'))
    limit = None
    if (request.form.get('limit') or '').strip():
        limit = parse_amount(request.form.get('limit'))
        if limit is None or limit <= ZERO:
            return refused(pool, user,
                gettext('therapy_portal.msg_autopay_limit'))
    account = standing.account
    try:
        consent = Autopay.agree(account.company, account.guarantor, user,
            limit)
    except stripe.StripeError:
        return refused(pool, user,
            gettext('therapy_portal.msg_billing_pay_processor'),
            HTTPStatus.BAD_GATEWAY)
    log(request, user, standing, 'C', [consent.id], 'autopay consent')
    return redirect(
        f'{portal_base(pool)}/billing/autopay/{consent.id}/checkout',
        HTTPStatus.SEE_OTHER)


def refused(pool, user, message, status=HTTPStatus.BAD_REQUEST):
    "The autopay page with message; what this request did is undone"
    Transaction().rollback()
    return autopay_page(pool, user, error=message, status=status)


@app.route(
    '/<database_name>/portal/billing/autopay/<int:consent_id>/checkout',
    methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def checkout(request, pool, user, consent_id):
    """account_payment_stripe's checkout page for the card (a SetupIntent),
    returning to .../saved"""
    standing, consent = own_consent(pool, user, consent_id)
    saved = f'{portal_base(pool)}/billing/autopay/{consent.id}/saved'
    customer = consent.customer
    if (consent.state != 'pending'
            or customer.stripe_setup_intent_id != consent.setup_intent):
        return redirect(saved)
    return checkout_page(pool, request, customer, saved)


@app.route(
    '/<database_name>/portal/billing/autopay/<int:consent_id>/saved',
    methods={'GET'})
@with_pool
@with_transaction(readonly=False, context={'_skip_warnings': True})
@requires_sign_in
def saved(request, pool, user, consent_id):
    "Where the checkout returns: the processor says whether the card is saved"
    Autopay = pool.get('therapy.autopay')
    standing, consent = own_consent(pool, user, consent_id)
    if consent.state == 'pending':
        if Autopay.confirm([consent]):
            log(request, user, standing, 'U', [consent.id], 'autopay card saved')
        consent = Autopay(consent.id)
    if consent.state == 'active':
        notice = gettext('therapy_portal.msg_autopay_on', card=consent.card)
        return autopay_page(pool, user, notice=notice)
    return autopay_page(pool, user,
        error=gettext('therapy_portal.msg_autopay_not_saved'),
        status=HTTPStatus.CONFLICT)


@app.route(
    '/<database_name>/portal/billing/autopay/<int:consent_id>/stop',
    methods={'POST'})
@with_pool
@with_transaction(readonly=False, context={'_skip_warnings': True})
@requires_sign_in
def stop(request, pool, user, consent_id):
    Autopay = pool.get('therapy.autopay')
    standing, consent = own_consent(pool, user, consent_id)
    if consent.state != 'withdrawn':
        Autopay.end([consent], gettext(
                'therapy_portal.msg_autopay_by_client'))
        log(request, user, standing, 'U', [consent.id], 'autopay stopped')
    return redirect(f'{portal_base(pool)}/billing/autopay?stopped=1',
        HTTPStatus.SEE_OTHER)
