"""Posting to Tryton's ledger: customer invoices to payers and guarantors.

A claim made ready posts one invoice to the payer's party (a line per
charge, revenue by the service's product), less the copay, which is the
client's: it is invoiced to the guarantor (or already was, when collected
at check-in). Client charges (self-pay sessions, late-cancel and no-show
fees) go on the guarantor's invoice. Balances per payer and per client are
the ledger's receivables, not a number of ours."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import Transaction

from .exceptions import BillingError


def guarantor(client):
    "Who pays the client's share: a guarantor guardian, else the contact"
    for guardian in client.guardians:
        if guardian.guarantor:
            return guardian.party
    return client.contact_party()


def new_invoice(company, party, description):
    """A customer invoice dated today: invoice numbers must follow their
    dates, so the date of service goes in the description and lines"""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Date = pool.get('ir.date')
    with Transaction().set_context(company=company.id):
        today = Date.today()
    invoice = Invoice(company=company, type='out', party=party,
        invoice_date=today, currency=company.currency,
        description=description)
    invoice.on_change_type()
    invoice.on_change_party()
    if not invoice.invoice_address:
        raise BillingError(gettext('therapy_billing.msg_party_no_address',
                party=party.rec_name))
    invoice.lines = []
    return invoice


def charge_line(invoice, charge):
    Line = Pool().get('account.invoice.line')
    product = charge.service.product if charge.service else None
    line = Line(invoice=invoice, type='line', company=invoice.company,
        currency=invoice.currency)
    if product:
        line.product = product
        line.on_change_product()
    line.account = revenue_account(charge)
    line.quantity = charge.units
    line.unit_price = charge.unit_price
    line.description = charge_description(charge)
    line.taxes = []
    return line


def amount_line(invoice, account, amount, description):
    Line = Pool().get('account.invoice.line')
    return Line(invoice=invoice, type='line', company=invoice.company,
        currency=invoice.currency, account=account, quantity=1,
        unit_price=amount, description=description, taxes=[])


def revenue_account(charge):
    pool = Pool()
    Configuration = pool.get('account.configuration')
    product = charge.service.product if charge.service else None
    if product and product.account_revenue_used:
        return product.account_revenue_used
    account = Configuration(1).get_multivalue(
        'default_category_account_revenue', company=charge.company.id)
    if not account:
        raise BillingError(gettext('therapy_billing.msg_no_revenue_account',
                charge=charge.rec_name))
    return account


def charge_description(charge):
    kinds = dict(charge.fields_get(['kind'])['kind']['selection'])
    what = charge.procedure_code or kinds[charge.kind]
    return f'{charge.date} {what} x{charge.units} ({charge.client.number})'


def post(invoices):
    Invoice = Pool().get('account.invoice')
    Invoice.save(invoices)
    Invoice.post(invoices)
    return invoices


def reconcile(invoice, payment_lines):
    "Settle invoice with payment lines when they pay it in full"
    MoveLine = Pool().get('account.move.line')
    lines = [l for l in invoice.lines_to_pay if not l.reconciliation]
    lines += [l for l in payment_lines if l.account == invoice.account]
    if sum(l.debit - l.credit for l in lines) == 0:
        MoveLine.reconcile(lines)


def zero():
    return Decimal(0)
