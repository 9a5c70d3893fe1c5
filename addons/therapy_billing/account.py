"""The practice's chart and what the ledger shows of billing.

Account types say which receivables are the payers' and which the
guarantors' (the Aged Balance shows them apart) and which clearing
account carries a patient responsibility from one payer to the next.
Creating the chart fills in the billing configuration's accounts, and
ledger lines billing posts point back to the claim line, charge or desk
payment behind them (their origin)."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

BILLING_ROLES = [
    (None, ""),
    ('insurance', "Insurance Receivable"),
    ('patient', "Patient Receivable"),
    ('transfer', "Responsibility Transfer"),
    ]
# billing configuration field: the account template that fills it in
CHART_ACCOUNTS = {
    'service_revenue_account': 'account.account_template_4_1_2_en',
    'missed_fee_account': 'therapy_billing.account_template_missed_fee_en',
    'insurance_receivable_account':
        'therapy_billing.account_template_insurance_receivable_en',
    'patient_receivable_account':
        'therapy_billing.account_template_patient_receivable_en',
    'transfer_account': 'therapy_billing.account_template_transfer_en',
    'deposit_account': 'therapy_billing.account_template_deposit_en',
    'insurance_clearing_account':
        'therapy_billing.account_template_insurance_clearing_en',
    'unapplied_cash_account':
        'therapy_billing.account_template_unapplied_cash_en',
    'payer_credit_account': 'therapy_billing.account_template_payer_credit_en',
    'contractual_account': 'account.account_template_4_3_1_en',
    'write_off_account': 'account.account_template_4_3_3_en',
    'bad_debt_account': 'account.account_template_5_2_3_en',
    'interest_account': 'account.account_template_6_1_1_en',
    }
# what billing posts ledger lines for, besides invoices
ORIGINS = ['therapy.claim.line', 'therapy.charge', 'therapy.desk.payment']
# what only ledger moves point at: a remittance and the claims it answers
MOVE_ORIGINS = ORIGINS + ['therapy.remittance', 'therapy.remittance.claim']


class AccountTypeTemplate(metaclass=PoolMeta):
    __name__ = 'account.account.type.template'

    billing_role = fields.Selection(
        BILLING_ROLES, "Billing Role",
        states={
            'invisible': Eval('statement') != 'balance',
            },
        help="Insurance or patient receivables (apart in the Aged "
        "Balance), or the responsibility transfer clearing account.")

    def _get_type_value(self, type=None):
        values = super()._get_type_value(type=type)
        if not type or type.billing_role != self.billing_role:
            values['billing_role'] = self.billing_role
        return values


class AccountType(metaclass=PoolMeta):
    __name__ = 'account.account.type'

    billing_role = fields.Selection(
        BILLING_ROLES, "Billing Role",
        states={
            'invisible': Eval('statement') != 'balance',
            'readonly': (Bool(Eval('template', -1))
                & ~Eval('template_override', False)),
            },
        help="Insurance or patient receivables (apart in the Aged "
        "Balance), or the responsibility transfer clearing account.")


class CreateChart(metaclass=PoolMeta):
    __name__ = 'account.create_chart'

    def transition_create_account(self):
        state = super().transition_create_account()
        self.set_billing_accounts()
        return state

    def set_billing_accounts(self):
        "Fill the billing configuration with the accounts of the chart"
        pool = Pool()
        Account = pool.get('account.account')
        ModelData = pool.get('ir.model.data')
        Configuration = pool.get('therapy.configuration')
        company = self.account.company
        values = {}
        for field, xml_id in CHART_ACCOUNTS.items():
            module, name = xml_id.split('.')
            try:
                template = ModelData.get_id(module, name)
            except KeyError:
                continue
            accounts = Account.search([
                    ('template', '=', template),
                    ('company', '=', company.id),
                    ], limit=1)
            if accounts:
                values[field] = accounts[0].id
        if values:
            with Transaction().set_context(company=company.id):
                Configuration.write([Configuration(1)], values)


class AgedBalanceContext(metaclass=PoolMeta):
    __name__ = 'account.aged_balance.context'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.type.selection = cls.type.selection + [
            ('insurance', "Insurance Payers"),
            ('patient', "Patients (Guarantors)"),
            ]


class AgedBalance(metaclass=PoolMeta):
    __name__ = 'account.aged_balance'

    @classmethod
    def get_kind(cls, account_type):
        kind = Transaction().context.get('type')
        if kind in {'insurance', 'patient'}:
            return (account_type.receivable
                & (account_type.billing_role == kind))
        return super().get_kind(account_type)


class Move(metaclass=PoolMeta):
    __name__ = 'account.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + MOVE_ORIGINS


class MoveLine(metaclass=PoolMeta):
    __name__ = 'account.move.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + MOVE_ORIGINS
