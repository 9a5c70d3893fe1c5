"""Client portal: a card on file with the guarantor's consent to automatic
payments (issue 14; FEATURES.md D16).

A guarantor saves a card from the portal's billing page, agreeing to the
consent shown beside the form; the words agreed, who agreed and when are
kept on the consent, with its limit per charge. Tryton's
account_payment_stripe keeps the card: an `account.payment.stripe.customer`
of the guarantor, whose SetupIntent the processor's checkout page confirms
(Stripe.js: the card number never reaches the server). The consent keeps
that SetupIntent, so whoever sees it succeed first (the portal's return
page, else the nightly run) turns the consent active with that card.

Every night (`therapy.autopay|charge_due`) each active consent pays what
its guarantor owes and is due: one `account.payment` per open client-share
invoice whose due date has come, capped at the consent's limit, on the
practice's card journal, charged off-session with the saved card
(account_payment_stripe's `stripe_charge`: an idempotency key per payment,
so a run retried never charges twice, and a payment in progress already
lowers the amount to pay, so no second payment is made for the same money).
Stripe's webhook then marks it succeeded, which moves the ledger exactly
as a payment made on the portal does (payment.py). A declined card leaves
the balance due and is tried again the next night; after
`[caseload] autopay_max_failures` (3) declines in a row the consent is
suspended until the client saves another card. Each receipt and each
decline is emailed to the guarantor's portal logins without PHI (no client
name, no service; the amount and a link to the portal).

A consent ends when the client stops it on the portal or staff press
Withdraw (the client asked by phone): nothing is charged after it; a
payment already in flight finishes as it would."""
import datetime as dt
import logging
from decimal import Decimal

import stripe

from trytond import config
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.sendmail import send_message_transactional
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling import clock
from therapy_scheduling.notify import auto_email
from therapy_scheduling.phi import PHIMixin
from therapy_scheduling.server_owned import ServerOwnedMixin
from therapy_scheduling.web import public_url

from .billing import money, payment_journal, receivable_account

logger = logging.getLogger(__name__)
ZERO = Decimal(0)
# what a SetupIntent or a PaymentIntent is once the card said no
DECLINED = {'requires_payment_method', 'canceled'}
RETRY_AFTER = dt.timedelta(hours=20)


def max_failures():
    "Declines in a row that suspend a consent"
    return config.getint('caseload', 'autopay_max_failures', default=3)


def consent_text(practice, limit=None):
    "The words a guarantor agrees to, kept on the consent"
    if limit:
        return gettext('therapy_portal.msg_autopay_consent_limit',
            practice=practice, limit=money(limit))
    return gettext('therapy_portal.msg_autopay_consent', practice=practice)


class Autopay(PHIMixin, ServerOwnedMixin, Workflow, ModelSQL, ModelView):
    "Autopay Consent"
    __name__ = 'therapy.autopay'

    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    party = fields.Many2One('party.party', "Guarantor", required=True,
        readonly=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        help="Whose balances the card pays.")
    web_user = fields.Many2One('web.user', "Agreed By", readonly=True,
        ondelete='SET NULL', help="The portal login that gave the consent.")
    agreed_at = fields.DateTime("Agreed At", required=True, readonly=True)
    consent = fields.Text("Consent", required=True, readonly=True,
        help="The words the guarantor agreed to, as the portal showed them.")
    limit = fields.Numeric("Limit per Charge", digits=(16, 2), readonly=True,
        help="No charge is made above it (empty: the amount due).")
    customer = fields.Many2One('account.payment.stripe.customer',
        "Card Processor Customer", required=True, readonly=True,
        ondelete='RESTRICT')
    setup_intent = fields.Char("SetupIntent", readonly=True, strip=False)
    payment_method = fields.Char("Payment Method", readonly=True,
        strip=False)
    card = fields.Char("Card", readonly=True,
        help="The saved card as the processor names it (brand, last "
        "four digits, expiry).")
    failures = fields.Integer("Declines in a Row", readonly=True)
    state = fields.Selection([
            ('pending', "Card Not Saved Yet"),
            ('active', "Active"),
            ('suspended', "Suspended"),
            ('withdrawn', "Withdrawn"),
            ], "State", required=True, readonly=True, sort=False)
    ended_at = fields.DateTime("Ended At", readonly=True)
    ended_by = fields.Char("Ended By", readonly=True,
        help="The client on the portal, or the member of staff.")
    payments = fields.One2Many('account.payment', 'therapy_autopay',
        "Payments", readonly=True)

    _server_owned = {'company', 'party', 'web_user', 'agreed_at', 'consent',
        'limit', 'customer', 'setup_intent', 'payment_method', 'card',
        'failures', 'ended_at', 'ended_by'}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('agreed_at', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('pending', 'active'),
            ('active', 'suspended'),
            ('suspended', 'active'),
            ('pending', 'withdrawn'),
            ('active', 'withdrawn'),
            ('suspended', 'withdrawn'),
            }
        cls._buttons.update({
                'withdraw': {
                    'invisible': Eval('state') == 'withdrawn',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_failures(cls):
        return 0

    def get_rec_name(self, name):
        return f'{self.party.rec_name} ({self.card or self.state})'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name',) + tuple(clause[1:])]

    @classmethod
    def current(cls, company, party, states=('active', 'suspended', 'pending')):
        """The guarantor's consent in the first of states it has one in (the
        newest), or None"""
        consents = cls.search([
                ('company', '=', company.id),
                ('party', '=', party.id),
                ('state', 'in', list(states)),
                ])
        consents.sort(key=lambda c: states.index(c.state))
        return consents[0] if consents else None

    @classmethod
    def agree(cls, company, party, web_user, limit):
        """A pending consent of party with a SetupIntent for the checkout
        page. An earlier consent not yet saved ends; an active one when
        this one's card is saved (activate)"""
        pool = Pool()
        Customer = pool.get('account.payment.stripe.customer')
        journal = payment_journal(pool, company)
        account = journal.stripe_account
        customers = [c for c in party.stripe_customers
            if c.stripe_account == account and c.active]
        if customers:
            customer = customers[0]
        else:
            customer = Customer(party=party, stripe_account=account)
            customer.save()
        # a new card: a SetupIntent of its own
        customer.stripe_setup_intent_id = None
        customer.save()
        Customer.stripe_checkout([customer])
        earlier = cls.current(company, party, states=('pending',))
        consent = cls(company=company, party=party, web_user=web_user,
            agreed_at=clock.now(), limit=limit or None,
            consent=consent_text(company.party.name, limit),
            customer=customer,
            setup_intent=customer.stripe_setup_intent_id)
        consent.save()
        if earlier:
            cls.end([earlier], gettext('therapy_portal.msg_autopay_by_client'))
        return consent

    @classmethod
    def confirm(cls, consents):
        """Turn the pending consents whose card was saved at the processor
        active with that card; returns those activated.

        Tryton's own update (the customer at Stripe, the card attached to
        it) commits as it goes, as its cron does; what follows it here is
        idempotent."""
        pool = Pool()
        Customer = pool.get('account.payment.stripe.customer')
        done = []
        for consent in consents:
            consent = cls(consent.id)
            if consent.state != 'pending' or not consent.setup_intent:
                continue
            customer = consent.customer
            try:
                intent = stripe.SetupIntent.retrieve(consent.setup_intent,
                    api_key=customer.stripe_account.secret_key)
            except stripe.StripeError as error:
                logger.warning("autopay %s: %s", consent.id, error)
                continue
            if intent.status != 'succeeded':
                continue
            if customer.stripe_setup_intent_id == consent.setup_intent:
                Customer.stripe_intent_update([customer])
                customer = Customer(customer.id)
            Customer._payment_methods_cache.clear()
            cards = dict(customer.payment_methods())
            if intent.payment_method not in cards:
                continue
            cls.write([consent], {
                    'payment_method': intent.payment_method,
                    'card': cards[intent.payment_method],
                    'failures': 0,
                    })
            cls.activate([consent])
            done.append(consent)
        return done

    @classmethod
    @Workflow.transition('active')
    def activate(cls, consents):
        for consent in consents:
            earlier = [c for c in cls.search([
                        ('company', '=', consent.company.id),
                        ('party', '=', consent.party.id),
                        ('state', 'in', ['active', 'suspended']),
                        ('id', '!=', consent.id),
                        ])]
            if earlier:
                cls.end(earlier,
                    gettext('therapy_portal.msg_autopay_by_client'))

    @classmethod
    @Workflow.transition('suspended')
    def suspend(cls, consents):
        pass

    @classmethod
    @Workflow.transition('withdrawn')
    def end(cls, consents, by):
        cls.write(consents, {'ended_at': clock.now(), 'ended_by': by})

    @classmethod
    @ModelView.button
    def withdraw(cls, consents):
        "The guarantor asked the practice to stop automatic payments"
        User = Pool().get('res.user')
        user = User(Transaction().user)
        cls.end([c for c in consents if c.state != 'withdrawn'],
            gettext('therapy_portal.msg_autopay_by_staff', user=user.name))

    def due_invoices(self, today):
        "The guarantor's open client-share invoices due by today"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        account = receivable_account(pool, self.company)
        if not account:
            return []
        invoices = Invoice.search([
                ('company', '=', self.company.id),
                ('party', '=', self.party.id),
                ('type', '=', 'out'),
                ('state', '=', 'posted'),
                ('account', '=', account.id),
                ], order=[('invoice_date', 'ASC'), ('id', 'ASC')])
        due = []
        for invoice in invoices:
            lines = [l for l in invoice.lines_to_pay if not l.reconciliation]
            if (lines and invoice.amount_to_pay > ZERO
                    and min(l.maturity_date or invoice.invoice_date
                        for l in lines) <= today):
                due.append((invoice, lines[0]))
        return due

    def declined_lately(self, line):
        """Whether a charge for line was declined less than a day ago: a
        card is tried once a night, however often the cron runs"""
        Payment = Pool().get('account.payment')
        return bool(Payment.search([
                    ('therapy_autopay', '=', self.id),
                    ('line', '=', line.id),
                    ('state', '=', 'failed'),
                    ('create_date', '>', clock.now() - RETRY_AFTER),
                    ], limit=1))

    @classmethod
    def charge_due(cls, consents=None):
        """Cron: pay what each active consent's guarantor owes and is due
        with the saved card. Each charge commits on its own (a card charged
        is charged, whatever the next one does)."""
        pool = Pool()
        Payment = pool.get('account.payment')
        Date = pool.get('ir.date')
        if consents is None:
            pending = cls.search([('state', '=', 'pending'),
                    ('agreed_at', '>', clock.now() - dt.timedelta(days=2))])
            cls.confirm(pending)
            consents = cls.search([('state', '=', 'active')])
        payments = []
        for consent in consents:
            consent = cls(consent.id)
            if consent.state != 'active':
                continue
            journal = payment_journal(pool, consent.company)
            if not journal:
                continue
            with Transaction().set_context(company=consent.company.id):
                today = Date.today()
            for invoice, line in consent.due_invoices(today):
                if consent.declined_lately(line):
                    continue
                amount = invoice.amount_to_pay
                if consent.limit:
                    amount = min(amount, consent.limit)
                payment = Payment(company=consent.company, journal=journal,
                    kind='receivable', party=consent.party, line=line,
                    amount=amount, date=today, reference=invoice.number,
                    therapy_autopay=consent,
                    stripe_customer=consent.customer,
                    stripe_customer_payment_method=consent.payment_method)
                payment.save()
                payments.append(payment)
        if not payments:
            return []
        Payment.submit(payments)
        Payment.process(payments)
        Transaction().commit()
        Payment.stripe_charge(payments, off_session=True)
        # a declined card answers at once: no need to wait for the webhook
        for payment in payments:
            payment = Payment(payment.id)
            if payment.state != 'processing':
                continue
            intent = payment.stripe_payment_intent
            if intent is not None and intent.status in DECLINED:
                error = intent.last_payment_error
                payment.stripe_error_message = getattr(error, 'message', None)
                payment.stripe_error_code = getattr(error, 'code', None)
                payment.save()
                Payment.fail([payment])
        return payments

    def tell(self, subject, body, **values):
        "Email the guarantor's portal logins (else the party): no PHI"
        WebUser = Pool().get('web.user')
        with without_check_access():
            to = sorted({u.email for u in WebUser.search([
                            ('party', '=', self.party.id)]) if u.email})
            if not to and self.party.email:
                to = [self.party.email]
            practice = self.company.party.name
        if not to:
            return
        link = f'{public_url()}/{Transaction().database.name}/portal/billing'
        # not strict: a mail server down must not undo a payment
        send_message_transactional(auto_email(to,
                gettext(subject, practice=practice),
                gettext(body, practice=practice, link=link, **values)),
            strict=False)


class Payment(metaclass=PoolMeta):
    __name__ = 'account.payment'

    therapy_autopay = fields.Many2One('therapy.autopay', "Autopay Consent",
        readonly=True, ondelete='RESTRICT',
        help="The consent this automatic payment was made under.")

    @classmethod
    def succeed(cls, payments):
        Autopay = Pool().get('therapy.autopay')
        before = {p.id: p.state for p in payments}
        super().succeed(payments)
        for payment in cls.browse(payments):
            if (before[payment.id] == 'succeeded'
                    or payment.state != 'succeeded'
                    or payment.journal.process_method != 'stripe'):
                continue
            consent = payment.therapy_autopay
            if consent and consent.failures:
                Autopay.write([consent], {'failures': 0})
            payment.send_receipt()

    def send_receipt(self):
        "The payment's receipt by email: the amount and a link, no PHI"
        Autopay = Pool().get('therapy.autopay')
        consent = self.therapy_autopay or Autopay(
            company=self.company, party=self.party)
        consent.tell('therapy_portal.msg_receipt_email_subject',
            'therapy_portal.msg_receipt_email_body',
            amount=money(self.amount), number=self.number,
            date=self.date.isoformat())

    @classmethod
    def fail(cls, payments):
        Autopay = Pool().get('therapy.autopay')
        before = {p.id: p.state for p in payments}
        super().fail(payments)
        for payment in cls.browse(payments):
            consent = payment.therapy_autopay
            if (not consent or before[payment.id] == 'failed'
                    or payment.state != 'failed'):
                continue
            consent = Autopay(consent.id)
            failures = (consent.failures or 0) + 1
            Autopay.write([consent], {'failures': failures})
            if consent.state == 'active' and failures >= max_failures():
                Autopay.suspend([consent])
                consent.tell('therapy_portal.msg_autopay_suspended_subject',
                    'therapy_portal.msg_autopay_suspended_body',
                    amount=money(payment.amount), failures=failures)
            else:
                consent.tell('therapy_portal.msg_autopay_declined_subject',
                    'therapy_portal.msg_autopay_declined_body',
                    amount=money(payment.amount))

    def _send_email_checkout(self, from_=None):
        # Stripe asks for another card: an automatic payment fails instead
        # (its own email tells the client, and the next night tries again)
        if self.therapy_autopay:
            if self.state == 'processing':
                self.__class__.fail([self])
            return
        return super()._send_email_checkout(from_=from_)
