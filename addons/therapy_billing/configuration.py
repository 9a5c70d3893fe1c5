"""The ledger accounts billing posts to, per company.

They are created with the chart (account_chart.xml adds them to Tryton's
universal chart, and creating the chart fills them in here); a practice
with its own chart picks them in Configuration > Settings. Remittance
posting (the 835 work) uses the ones billing does not use yet."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, fields
from trytond.modules.company.model import CompanyValueMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, Id

from .exceptions import BillingError


def _account(string, help, domain):
    return fields.Many2One(
        'account.account', string, help=help,
        domain=[
            ('closed', '!=', True),
            ('company', '=', Eval('context', {}).get('company', -1)),
            ] + domain)


service_revenue_account = _account("Service Revenue",
    "Sessions whose service's product names no revenue account.",
    [('type.revenue', '=', True)])
missed_fee_account = _account("Missed-Appointment Fee Income",
    "Late-cancellation and no-show fees.",
    [('type.revenue', '=', True)])
insurance_receivable_account = _account("Insurance Receivable",
    "What payers owe: claims are invoiced to it.",
    [('type.receivable', '=', True), ('party_required', '=', True)])
patient_receivable_account = _account("Patient Receivable",
    "What guarantors owe: self-pay sessions, fees, patient shares.",
    [('type.receivable', '=', True), ('party_required', '=', True)])
transfer_account = _account("Responsibility Transfer",
    "A payer's patient responsibility on its way to the next payer or to "
    "the guarantor: nets to zero per claim.",
    [('type.billing_role', '=', 'transfer')])
deposit_account = _account("Patient Deposits",
    "Copays and payments taken at the desk before the guarantor's "
    "invoice exists.",
    [('type.deposit', '=', True), ('party_required', '=', True)])
insurance_clearing_account = _account("Insurance Payments in Transit",
    "Remittances posted, their deposit not yet on the bank statement.",
    [('reconcile', '=', True)])
unapplied_cash_account = _account("Unapplied Insurance Cash",
    "Payer money not matched to a claim yet.",
    [('party_required', '=', True)])
payer_credit_account = _account("Payer Credit Balances",
    "Overpayments and refunds due to payers.",
    [('party_required', '=', True)])
contractual_account = _account("Contractual Adjustments",
    "The practice charge less what the payer contracted to pay (CO-45 "
    "and the like).",
    [('type.revenue', '=', True)])
write_off_account = _account("Denial and Administrative Write-offs",
    "Final denials, small balances and what a payer forbids billing its "
    "beneficiary.",
    [('type.revenue', '=', True)])
bad_debt_account = _account("Patient Bad Debt",
    "Patient balances given up on.",
    [('type.expense', '=', True)])
interest_account = _account("Prompt-Pay Interest Income",
    "Interest payers add for late payment.", [])
ACCOUNT_FIELDS = {
    'service_revenue_account', 'missed_fee_account',
    'insurance_receivable_account', 'patient_receivable_account',
    'transfer_account', 'deposit_account', 'insurance_clearing_account',
    'unapplied_cash_account', 'payer_credit_account', 'contractual_account',
    'write_off_account', 'bad_debt_account', 'interest_account',
    }


class Configuration(metaclass=PoolMeta):
    __name__ = 'therapy.configuration'

    service_revenue_account = fields.MultiValue(service_revenue_account)
    missed_fee_account = fields.MultiValue(missed_fee_account)
    insurance_receivable_account = fields.MultiValue(
        insurance_receivable_account)
    patient_receivable_account = fields.MultiValue(patient_receivable_account)
    transfer_account = fields.MultiValue(transfer_account)
    deposit_account = fields.MultiValue(deposit_account)
    insurance_clearing_account = fields.MultiValue(insurance_clearing_account)
    unapplied_cash_account = fields.MultiValue(unapplied_cash_account)
    payer_credit_account = fields.MultiValue(payer_credit_account)
    contractual_account = fields.MultiValue(contractual_account)
    write_off_account = fields.MultiValue(write_off_account)
    bad_debt_account = fields.MultiValue(bad_debt_account)
    interest_account = fields.MultiValue(interest_account)
    receipt_sequence = fields.Many2One(
        'ir.sequence', "Receipt Sequence",
        domain=[
            ('sequence_type', '=',
                Id('therapy_billing', 'sequence_type_receipt')),
            ],
        help="Numbers the receipts of money taken at the desk.")
    billing_journal = fields.Many2One(
        'account.journal', "Billing Journal",
        help="The journal of the moves billing posts outside invoices "
        "(responsibility transfers, write-offs) and of remittances.")
    billing_payment_term = fields.Many2One(
        'account.invoice.payment_term', "Billing Payment Term",
        help="Payment term of claim and patient invoices: their due date, "
        "from which the aged balance counts.")
    underpayment_tolerance = fields.Numeric(
        "Underpayment Tolerance", digits=(16, 2), required=True,
        domain=[('underpayment_tolerance', '>=', 0)],
        help="A remittance line counts as underpaid when the payer allowed "
        "more than this below its contracted fee.")

    @classmethod
    def multivalue_model(cls, field):
        if field in ACCOUNT_FIELDS:
            return Pool().get('therapy.configuration.account')
        return super().multivalue_model(field)

    @classmethod
    def default_receipt_sequence(cls):
        return cls._data_id('sequence_receipt')

    @classmethod
    def default_underpayment_tolerance(cls):
        return Decimal('1.00')

    @classmethod
    def default_billing_journal(cls):
        return cls._data_id('journal_remittance')

    @classmethod
    def default_billing_payment_term(cls):
        return cls._data_id('payment_term_due_on_receipt')

    @staticmethod
    def _data_id(name):
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id('therapy_billing', name)
        except KeyError:
            return None

    def billing_account(self, name, company):
        "The account `name` of company, else an error saying where to set it"
        account = self.get_multivalue(name, company=company.id)
        if not account:
            raise BillingError(gettext(
                    'therapy_billing.msg_billing_account_missing',
                    account=self.fields_get([name])[name]['string'],
                    company=company.rec_name))
        return account


class ConfigurationAccount(ModelSQL, CompanyValueMixin):
    "Billing Configuration Accounts"
    __name__ = 'therapy.configuration.account'

    service_revenue_account = service_revenue_account
    missed_fee_account = missed_fee_account
    insurance_receivable_account = insurance_receivable_account
    patient_receivable_account = patient_receivable_account
    transfer_account = transfer_account
    deposit_account = deposit_account
    insurance_clearing_account = insurance_clearing_account
    unapplied_cash_account = unapplied_cash_account
    payer_credit_account = payer_credit_account
    contractual_account = contractual_account
    write_off_account = write_off_account
    bad_debt_account = bad_debt_account
    interest_account = interest_account
