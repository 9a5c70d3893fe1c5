"""How the practice pays its clinicians (issue 17): the owner's pay rules
the Clinician Pay report (pay.py) applies.

Why here, in the owner's-view module at the top of the stack: the rules
are the owner's configuration of that report and nothing else reads them.
Nothing is posted: no payroll, no ledger line, no expense; the report
computes what each clinician earned in a period for the owner to export
and pay through whatever payroll the practice uses.

A rule is of one kind, in effect from its start date to its end date
(empty: open):
- session: an amount per kept session; its lines give a procedure code
  (CPT) its own amount, per session or per billed unit;
- collections: a percentage of what was collected (payer payments and
  client payments at the desk) on the clinician's sessions;
- hourly: a rate per hour of kept sessions.
A rule names its clinician, or none: the practice's default for the
clinicians who have no rule of their own in effect that day. A
clinician's rules of different kinds add up (an amount per session plus a
share of collections); two rules of the same clinician and kind may not
meet in time, and a rule gives a procedure code one line at most."""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from therapy_scheduling.dated import DatedMixin

KINDS = [
    ('session', "Per Session"),
    ('collections', "Percentage of Collections"),
    ('hourly', "Hourly"),
    ]
BASES = [
    ('session', "Per Session"),
    ('unit', "Per Unit"),
    ]


class PayRuleError(ValidationError):
    pass


class PayRule(DatedMixin, ModelSQL, ModelView):
    "Clinician Pay Rule"
    __name__ = 'therapy.pay.rule'

    company = fields.Many2One(
        'company.company', "Company", required=True)
    clinician = fields.Many2One(
        'company.employee', "Clinician",
        domain=[('company', '=', Eval('company', -1)),
            ('discipline', '!=', None)],
        help="Empty: the practice's default, for clinicians without a rule "
        "of their own in effect.")
    kind = fields.Selection(KINDS, "Kind", required=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency',
        states={
            'invisible': Eval('kind') == 'collections',
            'required': Eval('kind') != 'collections',
            },
        help="Per session: paid for each kept session whose procedure code "
        "has no line of its own. Hourly: the rate per hour of kept "
        "sessions.")
    percentage = fields.Numeric(
        "Percentage", digits=(5, 2),
        states={
            'invisible': Eval('kind') != 'collections',
            'required': Eval('kind') == 'collections',
            },
        help="The share of what was collected on the clinician's sessions "
        "during the period, from 0 to 100.")
    lines = fields.One2Many(
        'therapy.pay.rule.line', 'rule', "Procedure Codes",
        states={'invisible': Eval('kind') != 'session'},
        help="An amount of its own for a procedure code (CPT).")
    start_date = fields.Date("From", required=True)
    end_date = fields.Date(
        "To", domain=[If(Bool(Eval('end_date')),
                ('end_date', '>=', Eval('start_date', None)), ())])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('clinician', 'ASC NULLS FIRST'), ('kind', 'ASC'),
            ('start_date', 'DESC'), ('id', 'ASC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'session'

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        who = (self.clinician.rec_name if self.clinician
            else gettext('therapy_reporting.msg_pay_rule_practice'))
        kind = dict(KINDS).get(self.kind, '')
        return f'{who} - {kind}'

    @classmethod
    def validate(cls, rules):
        super().validate(rules)
        for rule in rules:
            rule.check_figures()
            rule.check_overlap()

    def check_figures(self):
        if self.kind == 'collections':
            if (self.percentage is None
                    or not (0 <= self.percentage <= 100)):
                raise PayRuleError(gettext(
                        'therapy_reporting.msg_pay_rule_percentage',
                        rule=self.rec_name))
        elif self.amount is None or self.amount < 0:
            raise PayRuleError(gettext(
                    'therapy_reporting.msg_pay_rule_amount',
                    rule=self.rec_name))

    def check_overlap(self):
        other = self.overlapping([
                ('company', '=', self.company.id),
                ('clinician', '=',
                    self.clinician.id if self.clinician else None),
                ('kind', '=', self.kind),
                ])
        if other:
            raise PayRuleError(gettext(
                    'therapy_reporting.msg_pay_rule_overlap',
                    rule=self.rec_name, other=other.start_date,
                    end=other.end_date or '-'))


class PayRuleLine(ModelSQL, ModelView):
    "Clinician Pay Rule Line"
    __name__ = 'therapy.pay.rule.line'

    rule = fields.Many2One(
        'therapy.pay.rule', "Rule", required=True, ondelete='CASCADE')
    procedure_code = fields.Char("Procedure Code", required=True,
        help="The CPT code as charged, e.g. 90837.")
    basis = fields.Selection(BASES, "Basis", required=True,
        help="Per session: the amount once per kept session billed with "
        "this code. Per unit: the amount times the session's billed "
        "units.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True)

    @classmethod
    def default_basis(cls):
        return 'session'

    @fields.depends('rule', '_parent_rule.company')
    def on_change_with_currency(self, name=None):
        if self.rule and self.rule.company:
            return self.rule.company.currency

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('procedure_code'):
            values['procedure_code'] = values['procedure_code'].strip(
                ).upper()
        return values

    @classmethod
    def validate(cls, lines):
        super().validate(lines)
        for line in lines:
            if line.amount is None or line.amount < 0:
                raise PayRuleError(gettext(
                        'therapy_reporting.msg_pay_rule_line_amount',
                        code=line.procedure_code, rule=line.rule.rec_name))
            same = cls.search([
                    ('id', '!=', line.id),
                    ('rule', '=', line.rule.id),
                    ('procedure_code', '=', line.procedure_code),
                    ], limit=1)
            if same:
                raise PayRuleError(gettext(
                        'therapy_reporting.msg_pay_rule_line_code',
                        code=line.procedure_code, rule=line.rule.rec_name))
