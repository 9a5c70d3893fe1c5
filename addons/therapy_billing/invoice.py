"""Customer invoices billing posts: to payers (claims) and to guarantors
(self-pay sessions, fees, patient shares).

Their lines point back to what they bill (a claim line, a charge, a desk
payment applied as a deposit): the invoice line's origin, and the origin
of the ledger lines it posts, so an accountant opening a ledger line lands
on the claim line. A credit note's lines keep pointing at the original
invoice line (Tryton's way); their ledger lines point at its origin too."""
from trytond.i18n import gettext
from trytond.model import Model
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .account import ORIGINS
from .exceptions import BillingError


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def billing_invoice(cls, company, party, account, description):
        """A customer invoice to party on the receivable account, dated
        the billing date: today, or the context's billing_date (the demo
        posts its history on the days it would have been posted; invoice
        numbers follow their dates)"""
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        Date = pool.get('ir.date')
        date = Transaction().context.get('billing_date')
        if not date:
            with Transaction().set_context(company=company.id):
                date = Date.today()
        invoice = cls(company=company, type='out', party=party,
            invoice_date=date, currency=company.currency,
            description=description)
        invoice.on_change_type()
        invoice.on_change_party()
        if not invoice.invoice_address:
            raise BillingError(gettext('therapy_billing.msg_party_no_address',
                    party=party.rec_name))
        invoice.account = account
        invoice.payment_term = Configuration(1).billing_payment_term
        invoice.lines = []
        return invoice

    @classmethod
    def credit_billing(cls, invoices):
        """Cancel posted billing invoices by credit notes: refunded (both
        reconciled, the original cancelled) while nothing was paid on them,
        else a posted credit note next to them; returns the credit notes"""
        refund = [i for i in invoices
            if i.state == 'posted' and not i.payment_lines]
        others = [i for i in invoices if i not in refund]
        credits = cls.credit(refund, refund=True) if refund else []
        if others:
            notes = cls.credit(others)
            cls.post(notes)
            credits += notes
        return credits

    @classmethod
    def process(cls, invoices):
        # the claims whose client's share these invoices bill follow
        # their state: closed once paid, paid again when taken back
        pool = Pool()
        Claim = pool.get('therapy.claim')
        ClaimLine = pool.get('therapy.claim.line')
        Configuration = pool.get('therapy.configuration')
        was_paid = {i.id for i in invoices if i.state == 'paid'}
        super().process(invoices)
        configuration = Configuration(1)
        receivable = {}

        def client_share(invoice):
            "Whether invoice bills a client's share (a patient receivable)"
            company = invoice.company.id
            if company not in receivable:
                receivable[company] = configuration.get_multivalue(
                    'patient_receivable_account', company=company)
            return invoice.type == 'out' and receivable[company] and (
                invoice.account == receivable[company])
        # payer invoices and others: their lines need no walk
        invoices = [i for i in cls.browse(invoices) if client_share(i)]
        claims = {}
        for invoice in invoices:
            for line in invoice.lines:
                origin = line.billing_origin
                if isinstance(origin, ClaimLine):
                    claims[origin.claim.id] = origin.claim
        if claims:
            reopened = any(i.id in was_paid and i.state == 'posted'
                for i in invoices)
            Claim.follow_client_share(list(claims.values()),
                reopen=reopened)

    def settle(self):
        "Reconcile the invoice with its payment lines once they pay it all"
        MoveLine = Pool().get('account.move.line')
        lines = [l for l in self.lines_to_pay if not l.reconciliation]
        lines += [l for l in self.payment_lines
            if not l.reconciliation and l.account == self.account]
        if lines and not sum(l.debit - l.credit for l in lines):
            MoveLine.reconcile(lines)


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ORIGINS

    @classmethod
    def _account_domain(cls, type_):
        domain = super()._account_domain(type_)
        if type_ == 'out':
            # the secondary payer's or the guarantor's share of a claim line
            # credits the responsibility transfer, not revenue
            domain = domain + [('type.billing_role', '=', 'transfer')]
        return domain

    @property
    def billing_origin(self):
        "The claim line, charge or desk payment billed, if any"
        origin = self.origin
        if isinstance(origin, self.__class__):
            origin = origin.origin  # a credit note's line
        if isinstance(origin, Model) and origin.__name__ in ORIGINS:
            return origin

    def get_move_lines(self):
        lines = super().get_move_lines()
        origin = self.billing_origin
        if origin:
            for line in lines:
                line.origin = origin
        return lines
