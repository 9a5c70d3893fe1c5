"""Paying an invoice online through the portal, end to end on a real
ledger, with a local stand-in of Stripe's API (stripe_standin.py), never
the network: the Pay form makes Tryton's payment and its PaymentIntent,
the checkout page is account_payment_stripe's, the test confirms the
intent as Stripe.js would and delivers Stripe's signed webhook; the
invoice ends paid through the clearing account, and the ledger keeps its
invariants."""
import json
import re
import urllib.request
from decimal import Decimal

import stripe

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase, with_transaction
from trytond.transaction import Transaction

from therapy_billing import ledger_invariants
from therapy_scheduling.tests.fixtures import create_service

from .stripe_standin import StripeStandIn, signature
from .test_billing import (
    PASSWORD, bill_client, committed, create_families, create_ledger)

WEBHOOK = 'standinhook'
SECRET = 'whsec_standin'


def create_card_journal(company):
    """The practice's Stripe account and card payment journal, clearing
    into 'Card payments in transit'"""
    pool = Pool()
    Account = pool.get('account.account')
    Journal = pool.get('account.journal')
    StripeAccount = pool.get('account.payment.stripe.account')
    PaymentJournal = pool.get('account.payment.journal')
    cash, = Account.search([
            ('company', '=', company.id), ('code', '=', '1.1.1')])
    transit, = Account.create([{
                'company': company.id, 'name': "Card payments in transit",
                'code': '1.1.9', 'type': cash.type.id, 'parent':
                cash.parent.id if cash.parent else None,
                'reconcile': True}])
    journal, = Journal.search([('code', '=', 'CASH')])
    stripe_account, = StripeAccount.create([{
                'name': "Stand-in", 'secret_key': 'sk_test_standin',
                'publishable_key': 'pk_test_standin',
                'webhook_identifier': WEBHOOK,
                'webhook_signing_secret': SECRET}])
    PaymentJournal.create([{
                'company': company.id, 'name': "Card (Stripe)",
                'currency': company.currency.id, 'process_method': 'stripe',
                'stripe_account': stripe_account.id,
                'clearing_account': transit.id,
                'clearing_journal': journal.id}])
    return transit


class StripeRouteCase(RouteTestCase):
    """A practice with a card journal on the Stripe stand-in, two families
    billed (Pat pays Annie's $150 invoice, Bob Bobby's $95): the routes'
    helpers, no test of its own"""
    module = 'therapy_portal'

    @classmethod
    def setUpClass(cls):
        cls.standin = StripeStandIn().start()
        cls.api_base, stripe.api_base = stripe.api_base, cls.standin.url
        cls.retries, stripe.max_network_retries = (
            stripe.max_network_retries, 0)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        stripe.api_base = cls.api_base
        stripe.max_network_retries = cls.retries
        cls.standin.stop()

    @classmethod
    def setUpDatabase(cls):
        committed(cls.build)

    @classmethod
    def build(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        WebUser = pool.get('web.user')
        company = create_company()
        with set_company(company):
            create_ledger(company)
            cls.transit = create_card_journal(company).id
            annie, bobby = create_families(Party, Client, WebUser)
            service = create_service()
            invoice = bill_client(company, annie, Decimal(150), 3, service)
            bill_client(company, bobby, Decimal(95), 3, service)
            cls.invoice, cls.company = invoice.id, company.id

    def login(self, email='pat@example.com'):
        client = self.client()
        response = client.post(f'/{self.db_name}/portal/login', data={
                'email': email, 'password': PASSWORD})
        self.assertEqual(response.status_code, 302)
        return client

    def url(self, path):
        return f'/{self.db_name}/portal/{path}'

    def pay(self, client, amount):
        "The Pay form posted: the payment's id, from the checkout's URL"
        response = client.post(self.url('billing/pay'), data={
                'invoice': str(self.invoice), 'amount': amount})
        self.assertEqual(response.status_code, 303,
            response.get_data(as_text=True))
        return int(re.search(r'/billing/payments/(\d+)/checkout$',
                response.location).group(1))

    def browser_confirms(self, client, payment_id):
        """The checkout page, then what its Stripe.js does: confirm the
        intent with the publishable key and the client secret"""
        page = client.get(self.url(f'billing/payments/{payment_id}/checkout'))
        self.assertEqual(page.status_code, 200)
        html = page.get_data(as_text=True)
        self.assertIn("Stripe('pk_test_standin')", html)
        # its own policy lets Stripe.js and the page's script run (the
        # portal's default would stop both), nothing else from elsewhere
        policy = page.headers['Content-Security-Policy']
        self.assertIn("script-src 'self' https://js.stripe.com", policy)
        self.assertIn("'sha256-", policy)
        self.assertNotIn('unsafe-eval', policy)
        self.assertIn("frame-ancestors 'none'", policy)
        self.assertIn(f'/portal/billing/payments/{payment_id}', html)
        secret = re.search(r"'clientSecret': '([^']+)'", html).group(1)
        intent_id = secret.split('_secret_')[0]
        request = urllib.request.Request(
            f'{self.standin.url}/v1/payment_intents/{intent_id}/confirm',
            data=f'client_secret={secret}'.encode(), method='POST',
            headers={'Authorization': 'Bearer pk_test_standin'})
        with urllib.request.urlopen(request) as answer:
            intent = json.load(answer)
        self.assertEqual(intent['status'], 'succeeded')
        return intent

    def webhook(self, intent, secret=SECRET):
        "Stripe's payment_intent.succeeded event, signed, delivered"
        payload = self.standin.event('payment_intent.succeeded', intent)
        return self.client().post(
            f'/{self.db_name}/account_payment_stripe/webhook/{WEBHOOK}',
            data=payload, content_type='application/json',
            headers={'Stripe-Signature': signature(payload, secret)})

    @with_transaction()
    def ledger(self):
        "(invoice state, amount due, card clearing balance, problems)"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Company = pool.get('company.company')
        MoveLine = pool.get('account.move.line')
        company = Company(self.company)
        with Transaction().set_context(company=company.id):
            invoice = Invoice(self.invoice)
            transit = sum((l.debit - l.credit for l in MoveLine.search([
                            ('account', '=', self.transit),
                            ('move.state', '=', 'posted')])), Decimal(0))
            return (invoice.state, invoice.amount_to_pay, transit,
                ledger_invariants.problems(company))


class PortalPaymentRouteTestCase(StripeRouteCase):
    "Paying online from the portal"

    def test_pay_online(self):
        "Bad amounts refused; a part then the rest; the invoice ends paid"
        client = self.login()
        page = client.get(self.url('billing')).get_data(as_text=True)
        self.assertIn("Pay by card", page)
        self.assertIn("Balance due: <strong>$150.00</strong>", page)
        for amount in ['150.01', '0', '-5', 'ten', 'NaN']:
            response = client.post(self.url('billing/pay'), data={
                    'invoice': str(self.invoice), 'amount': amount})
            self.assertEqual(response.status_code, 400, amount)
            self.assertIn("no more than the $150.00 due",
                response.get_data(as_text=True))
        self.assertEqual(self.standin.intents, {})  # nothing asked of Stripe

        # a checkout left unfinished counts against the amount due (Tryton's
        # way) until the client cancels it; nobody else can
        left = self.pay(client, '150')
        page = client.get(self.url('billing')).get_data(as_text=True)
        self.assertIn("Card payments in progress", page)
        self.assertIn("Balance due: <strong>$0.00</strong>", page)
        self.assertEqual(self.login('bob@example.com').post(
                self.url(f'billing/payments/{left}/cancel')).status_code, 404)
        response = client.post(self.url(f'billing/payments/{left}/cancel'))
        self.assertEqual(response.status_code, 303)
        page = client.get(response.location).get_data(as_text=True)
        self.assertIn("Nothing was charged", page)
        self.assertIn("Balance due: <strong>$150.00</strong>", page)
        self.assertNotIn("Card payments in progress", page)

        # a part: $50.00
        payment = self.pay(client, '50')
        intent = self.browser_confirms(client, payment)
        self.assertEqual(intent['amount'], 5000)
        page = client.get(self.url(f'billing/payments/{payment}'))
        self.assertIn("Confirming your payment", page.get_data(as_text=True))
        # a forged event changes nothing
        self.assertEqual(self.webhook(intent, 'whsec_wrong').status_code, 400)
        # account_payment counts a payment in progress against the amount
        # due (no second payment for the same money), the ledger not yet
        self.assertEqual(self.ledger()[:3], ('posted', Decimal(100), 0))
        self.assertEqual(self.webhook(intent).status_code, 204)
        page = client.get(self.url(f'billing/payments/{payment}')).get_data(
            as_text=True)
        self.assertIn("Payment received", page)
        self.assertIn("$50.00", page)
        self.assertEqual(self.ledger(), ('posted', Decimal(100),
                Decimal(50), []))
        page = client.get(self.url('billing')).get_data(as_text=True)
        self.assertIn("Balance due: <strong>$100.00</strong>", page)

        # the rest
        rest = self.pay(client, '$100.00')
        intent = self.browser_confirms(client, rest)
        # charged at Stripe, its event not in yet: it cannot be cancelled
        response = client.post(self.url(f'billing/payments/{rest}/cancel'))
        self.assertEqual(response.status_code, 409)
        self.assertIn("already gone through", response.get_data(as_text=True))
        self.assertEqual(self.webhook(intent).status_code, 204)
        self.assertEqual(self.ledger(), ('paid', Decimal(0),
                Decimal(150), []))
        page = client.get(self.url('billing')).get_data(as_text=True)
        self.assertIn("Balance due: <strong>$0.00</strong>", page)

        # another login: the receipt and the invoice are not theirs
        other = self.login('bob@example.com')
        for path in [f'billing/payments/{payment}',
                f'billing/payments/{payment}/checkout']:
            self.assertEqual(other.get(self.url(path)).status_code, 404)
        response = other.post(self.url('billing/pay'), data={
                'invoice': str(self.invoice), 'amount': '1'})
        self.assertEqual(response.status_code, 404)


del RouteTestCase
