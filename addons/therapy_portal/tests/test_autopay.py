"""A card on file with consent, and the nightly automatic payments, end to
end on a real ledger with the Stripe stand-in and a real SMTP server: the
guarantor saves a card through account_payment_stripe's checkout (the
test confirms the SetupIntent as Stripe.js would), the cron charges what
is due off-session, Stripe's signed webhook marks it paid, the receipt is
emailed without PHI; a card that is declined three nights in a row
suspends the consent; stopping it stops the charges."""
import datetime as dt
import json
import re
import unittest
import urllib.request
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.outbox import OutboxMixin, without_tokens

from .test_billing import bill_client, committed
from .test_payment import StripeRouteCase


class AutopayRouteTestCase(OutboxMixin, StripeRouteCase):
    "Automatic payments with a saved card"

    def save_card(self, client, last4='4242', limit=''):
        """The autopay form agreed to, the checkout page, Stripe.js's
        confirmSetup: the page the checkout returns to"""
        response = client.post(self.url('billing/autopay'), data={
                'account': self.account, 'consent': 'yes', 'limit': limit})
        self.assertEqual(response.status_code, 303,
            response.get_data(as_text=True))
        checkout = re.search(r'/portal/(billing/autopay/\d+/checkout)$',
            response.location).group(1)
        html = client.get(self.url(checkout)).get_data(as_text=True)
        self.assertIn("Stripe('pk_test_standin')", html)
        self.assertIn('confirmSetup', html)
        secret = re.search(r"'clientSecret': '([^']+)'", html).group(1)
        intent_id = secret.split('_secret_')[0]
        self.assertTrue(intent_id.startswith('seti_'))
        request = urllib.request.Request(
            f'{self.standin.url}/v1/setup_intents/{intent_id}/confirm',
            data=f'client_secret={secret}&card={last4}'.encode(),
            method='POST',
            headers={'Authorization': 'Bearer pk_test_standin'})
        with urllib.request.urlopen(request) as answer:
            self.assertEqual(json.load(answer)['status'], 'succeeded')
        return client.get(self.url(
                checkout.replace('/checkout', '/saved')))

    @property
    def account(self):
        return f'{self.company}-{self.guarantor}'

    @classmethod
    def build(cls):
        super().build()
        Invoice = Pool().get('account.invoice')
        cls.guarantor = Invoice(cls.invoice).party.id

    @with_transaction()
    def night(self, days=0):
        "The cron's run, days after today: the payments it made"
        def run():
            Autopay = Pool().get('therapy.autopay')
            with Transaction().set_context(company=self.company,
                    _clock_now=dt.datetime.now() + dt.timedelta(days=days)):
                made.extend(p.id for p in Autopay.charge_due())
        made = []
        committed(run)
        return made

    @with_transaction()
    def payments(self, ids):
        Payment = Pool().get('account.payment')
        return [(p.state, p.amount, p.stripe_payment_intent_id)
            for p in Payment.browse(ids)]

    @with_transaction()
    def consent(self):
        "(state, card, failures) of Pat's latest consent"
        Autopay = Pool().get('therapy.autopay')
        consent, = Autopay.search([('party', '=', self.guarantor)], limit=1)
        return consent.state, consent.card, consent.failures

    @with_transaction()
    def bill_again(self, amount):
        "Another session billed to Pat (Annie's): the invoice's id"
        def bill():
            pool = Pool()
            Company = pool.get('company.company')
            Client = pool.get('therapy.client')
            company = Company(self.company)
            Service = pool.get('therapy.service')
            annie, = Client.search([('preferred_name', '=', "Annie")])
            service, = Service.search([], limit=1)
            with set_company(company):
                ids.append(bill_client(company, annie, amount, 1,
                        service).id)
        ids = []
        committed(bill)
        return ids[0]

    def emails(self):
        return [(to, m['Subject'], m.get_content())
            for to, m in self.outbox.emails]

    def test_autopay(self):
        "Saved, charged, receipted; declined nights suspend; stopped"
        client = self.login()
        page = client.get(self.url('billing')).get_data(as_text=True)
        self.assertIn("Automatic payments</a>:", page)
        self.assertIn("off. Save a card", page)

        # no consent, a bad limit, somebody else's account: nothing made
        for data, status, text in [
                ({'account': self.account}, 400, "Tick the box"),
                ({'account': self.account, 'consent': 'yes',
                        'limit': 'lots'}, 400, "limit per charge"),
                ({'account': f'{self.company}-999999', 'consent': 'yes'},
                    404, None),
                ]:
            response = client.post(self.url('billing/autopay'), data=data)
            self.assertEqual(response.status_code, status, data)
            if text:
                self.assertIn(text, response.get_data(as_text=True))
        self.assertEqual(self.standin.setup_intents, {})

        page = self.save_card(client)
        self.assertEqual(page.status_code, 200)
        self.assertIn("visa ****4242 12/2030 is saved: automatic payments "
            "are on", page.get_data(as_text=True))
        self.assertEqual(self.consent(), ('active', 'visa ****4242 12/2030',
                0))
        consent_id = int(re.search(r'/billing/autopay/(\d+)/stop',
                page.get_data(as_text=True)).group(1))
        # Bob can neither see nor stop Pat's
        bob = self.login('bob@example.com')
        for method, path in [('get', f'billing/autopay/{consent_id}/saved'),
                ('get', f'billing/autopay/{consent_id}/checkout'),
                ('post', f'billing/autopay/{consent_id}/stop')]:
            self.assertEqual(getattr(bob, method)(self.url(path)).status_code,
                404, path)
        self.assertNotIn("visa ****4242",
            bob.get(self.url('billing/autopay')).get_data(as_text=True))

        # the night: the $150 due is charged off-session with the card
        made = self.night()
        (state, amount, intent_id), = self.payments(made)
        self.assertEqual((state, amount), ('processing', Decimal(150)))
        intent = self.standin.intents[intent_id]
        self.assertEqual(intent['status'], 'succeeded')
        self.assertEqual(self.night(), [])  # in progress: not charged twice
        self.assertEqual(self.webhook(intent).status_code, 204)
        self.assertEqual(self.ledger(), ('paid', Decimal(0),
                Decimal(150), []))
        (to, subject, body), = self.emails()
        self.assertEqual(to, ['pat@example.com'])
        self.assertIn("received your card payment of $150.00", body)
        for phi in ["Annie", "Ann Client", "Pat Parent"]:
            self.assertNotIn(phi, without_tokens(subject + body))
        page = client.get(self.url('billing')).get_data(as_text=True)
        self.assertIn("on, with visa ****4242 12/2030", page)

        # a new card that is declined when charged: three nights, then the
        # consent is suspended; the first card's consent ended with it
        self.outbox.clear()
        self.bill_again(Decimal(80))
        self.assertEqual(self.save_card(client, '0341').status_code, 200)
        self.assertEqual(self.consent()[:2], ('active',
                'visa ****0341 12/2030'))
        made = self.night()
        self.assertEqual([p[:2] for p in self.payments(made)],
            [('failed', Decimal(80))])
        self.assertEqual(self.night(), [])  # once a night
        self.assertEqual(self.consent()[2], 1)
        self.assertEqual(len(self.night(days=1)), 1)
        self.assertEqual(len(self.night(days=2)), 1)
        self.assertEqual(self.consent(), ('suspended',
                'visa ****0341 12/2030', 3))
        self.assertEqual(self.night(days=3), [])
        subjects = [s for _, s, _ in self.emails()]
        self.assertEqual(len(subjects), 3)
        self.assertIn("did not go through", subjects[0])
        self.assertIn("paused", subjects[2])
        page = client.get(self.url('billing')).get_data(as_text=True)
        self.assertIn("paused, the card was declined", page)
        self.assertIn("$80.00", page)  # still due
        self.assertEqual(self.ledger()[3], [])

        # stopped from the portal: nothing is charged any more
        page = client.get(self.url('billing/autopay')).get_data(as_text=True)
        consent_id = int(re.search(r'/billing/autopay/(\d+)/stop',
                page).group(1))
        response = client.post(self.url(f'billing/autopay/{consent_id}/stop'))
        self.assertEqual(response.status_code, 303)
        self.assertIn("Automatic payments are stopped",
            client.get(response.location).get_data(as_text=True))
        self.assertEqual(self.consent()[0], 'withdrawn')
        self.assertEqual(self.night(days=4), [])


class AutopayAccessTestCase(unittest.TestCase):
    "From the staff side: who may see and end a consent, and nobody edits it"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_portal')

    def user(self, login, group):
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        user, = User.create([{'login': login, 'name': login.title(),
                    'groups': [('add', [ModelData.get_id(
                                    'therapy_scheduling', group)])]}])
        return user

    @with_transaction()
    def test_staff_reads_and_withdraws_never_writes(self):
        pool = Pool()
        Autopay = pool.get('therapy.autopay')
        Party = pool.get('party.party')
        Account = pool.get('account.payment.stripe.account')
        Customer = pool.get('account.payment.stripe.customer')
        company = create_company()
        with set_company(company):
            pat, = Party.create([{'name': "Pat Parent"}])
            account, = Account.create([{'name': "Stripe",
                        'secret_key': 'sk_test_x',
                        'publishable_key': 'pk_test_x'}])
            customer, = Customer.create([{'party': pat.id,
                        'stripe_account': account.id,
                        'stripe_customer_id': 'cus_x'}])
            consent, = Autopay.create([{'company': company.id,
                        'party': pat.id, 'agreed_at': dt.datetime.now(),
                        'consent': "I agree", 'customer': customer.id,
                        'payment_method': 'pm_x', 'card': "visa ****4242",
                        'state': 'active'}])
            desk = self.user('desk', 'group_front_desk')
            clinician = self.user('clinician', 'group_clinician')
            for user in [desk, clinician]:
                user.companies = [company]
                user.company = company
                user.save()
            with Transaction().set_user(clinician.id), \
                    Transaction().set_context(_check_access=True):
                with self.assertRaises(AccessError):
                    Autopay.read([consent.id], ['card'])
            with Transaction().set_user(desk.id), \
                    Transaction().set_context(_check_access=True):
                self.assertEqual(Autopay.read([consent.id], ['card'])[0][
                        'card'], "visa ****4242")
                for values in [{'card': "visa ****0000"}, {'limit': 1},
                        {'state': 'active'}]:
                    with self.assertRaises(UserError):
                        Autopay.write([Autopay(consent.id)], values)
                with self.assertRaises(UserError):
                    Autopay.create([{'company': company.id,
                                'party': pat.id,
                                'agreed_at': dt.datetime.now(),
                                'consent': "forged",
                                'customer': customer.id}])
                Autopay.withdraw([Autopay(consent.id)])
            consent = Autopay(consent.id)
            self.assertEqual(consent.state, 'withdrawn')
            self.assertEqual(consent.ended_by, "Desk, at the client's request")


del StripeRouteCase
