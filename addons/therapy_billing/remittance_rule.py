"""The practice's own rules for what a payer's answer does to the ledger,
for all payers or for one:

- adjustment rules: a (group, reason) of a CAS, before the defaults of
  adjustment_rules.py (which follow ../shared/REVENUE-CYCLE.md). A biller
  adds one when a payer uses a code its own way: PI-45 from a Medicare
  Advantage plan that is its contract, CO-96 that one payer sends for
  services it never covers and the practice writes off at once;
- provider-level adjustment rules: the account a PLB reason posts to.
  Interest (L6), recoupments (WO) and forwarding balances (FB) have
  defaults; any other reason (72 authorized return, CS, J1, IR...) posts
  to the account its rule names, and with no rule waits on unapplied
  insurance cash for a person to look at."""
from trytond.model import ModelSQL, ModelView, fields, sequence_ordered
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .adjustment_rules import ANY, Rule
from .remittance import ACTION_NAMES, GROUPS

# the routing of a client's share (next payer, Medicaid write-off) follows
# from the coverages, not from a rule
RULE_ACTIONS = ['write_off', 'hold_denial', 'transfer_patient',
    'informational', 'duplicate', 'review']


class _PayerRule:
    "A rule of a company, for every payer or for one (that comes first)"
    __slots__ = ()

    company = fields.Many2One('company.company', "Company", required=True)
    payer = fields.Many2One(
        'therapy.payer', "Payer", ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))],
        help="Empty: for every payer. A payer's rules come before the "
        "rules for every payer.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('payer', 'ASC NULLS LAST'))

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('reason'):
            values['reason'] = values['reason'].strip().upper()
        return values

    @classmethod
    def _of(cls, payer):
        "The rules for payer's answers: its own first, then every payer's"
        rules = cls.search([
                ('company', '=', payer.company.id),
                ('payer', 'in', [payer.id, None]),
                ])
        rules.sort(key=lambda r: r.payer is None)
        return rules


class RemittanceRule(_PayerRule, sequence_ordered(), ModelSQL, ModelView):
    "Adjustment Rule"
    __name__ = 'therapy.remittance.rule'

    group = fields.Selection(GROUPS, "Group", required=True)
    reason = fields.Char(
        "Reason", required=True,
        help="The claim adjustment reason code (CARC), or * for every "
        "reason of the group.")
    action = fields.Selection(
        [(a, ACTION_NAMES[a]) for a in RULE_ACTIONS], "Action",
        required=True)

    @classmethod
    def default_reason(cls):
        return ANY

    @classmethod
    def rules_for(cls, payer):
        "The adjustment_rules.Rule list for payer's answers"
        return [Rule(r.group, r.reason, r.action) for r in cls._of(payer)]



class ProviderAdjustmentRule(_PayerRule, sequence_ordered(), ModelSQL,
        ModelView):
    "Provider Adjustment Rule"
    __name__ = 'therapy.plb.rule'

    reason = fields.Char(
        "Reason", required=True,
        help="The provider adjustment reason code (PLB03-1): 72 authorized "
        "return, CS adjustment, J1 nonreimbursable, IR IRS withholding...")
    account = fields.Many2One(
        'account.account', "Account", required=True, ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('type', '!=', None),
            ('closed', '!=', True),
            ],
        help="Where the adjustment posts, against insurance payments in "
        "transit.")

    @classmethod
    def accounts_for(cls, payer):
        "{PLB reason: account} for payer's remittances"
        accounts = {}
        for rule in cls._of(payer):
            accounts.setdefault(rule.reason, rule.account)
        return accounts
