"""The practice's own adjustment rules: what a (group, reason) of a
payer's answer does to the ledger, for all payers or for one, before the
defaults of adjustment_rules.py (which follow ../shared/REVENUE-CYCLE.md).

A biller adds one when a payer uses a code its own way: PI-45 from a
Medicare Advantage plan that is its contract, CO-96 that one payer sends
for services it never covers and the practice writes off at once."""
from trytond.model import ModelSQL, ModelView, fields, sequence_ordered
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .adjustment_rules import ANY, Rule
from .remittance import ACTION_NAMES, GROUPS

# the routing of a client's share (next payer, Medicaid write-off) follows
# from the coverages, not from a rule
RULE_ACTIONS = ['write_off', 'hold_denial', 'transfer_patient',
    'informational', 'duplicate', 'review']


class RemittanceRule(sequence_ordered(), ModelSQL, ModelView):
    "Adjustment Rule"
    __name__ = 'therapy.remittance.rule'

    company = fields.Many2One('company.company', "Company", required=True)
    payer = fields.Many2One(
        'therapy.payer', "Payer", ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))],
        help="Empty: for every payer. A payer's rules come before the "
        "rules for every payer.")
    group = fields.Selection(GROUPS, "Group", required=True)
    reason = fields.Char(
        "Reason", required=True,
        help="The claim adjustment reason code (CARC), or * for every "
        "reason of the group.")
    action = fields.Selection(
        [(a, ACTION_NAMES[a]) for a in RULE_ACTIONS], "Action",
        required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('payer', 'ASC NULLS LAST'))

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_reason(cls):
        return ANY

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('reason'):
            values['reason'] = values['reason'].strip().upper()
        return values

    @classmethod
    def rules_for(cls, payer):
        """The adjustment_rules.Rule list for payer's answers: its own
        first, then those for every payer"""
        rules = cls.search([
                ('company', '=', payer.company.id),
                ('payer', 'in', [payer.id, None]),
                ])
        rules.sort(key=lambda r: r.payer is None)
        return [Rule(r.group, r.reason, r.action) for r in rules]

