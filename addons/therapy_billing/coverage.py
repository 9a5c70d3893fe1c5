"""A client's insurance coverage, resolved by priority at a date."""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.currency.fields import Monetary
from trytond.pyson import Bool, Eval, If

PRIORITIES = [
    ('1', "Primary"),
    ('2', "Secondary"),
    ('3', "Tertiary"),
    ]
# X12 837P SBR02 / PAT01 individual relationship codes
RELATIONSHIPS = [
    ('18', "Self"),
    ('01', "Spouse"),
    ('19', "Child"),
    ('20', "Employee"),
    ('G8', "Other relationship"),
    ]


class CoverageError(ValidationError):
    pass


class Coverage(ModelSQL, ModelView):
    "Coverage"
    __name__ = 'therapy.coverage'
    _history = True

    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='CASCADE')
    payer = fields.Many2One(
        'therapy.payer', "Payer", required=True, ondelete='RESTRICT')
    plan_name = fields.Char("Plan")
    member_id = fields.Char(
        "Member ID", states={'required': ~Eval('self_pay', False)})
    group_number = fields.Char("Group Number")
    relationship = fields.Selection(
        RELATIONSHIPS, "Client is the Subscriber's", required=True)
    subscriber = fields.Many2One(
        'party.party', "Subscriber", ondelete='RESTRICT',
        states={
            'required': Eval('relationship') != '18',
            'invisible': Eval('relationship') == '18',
            },
        help="The policy holder, when it is not the client.")
    priority = fields.Selection(PRIORITIES, "Priority", required=True)
    start_date = fields.Date("Effective From", required=True)
    end_date = fields.Date(
        "Effective To",
        domain=[If(Bool(Eval('end_date')),
                ('end_date', '>=', Eval('start_date', None)), ())])
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    copay = Monetary(
        "Copay", currency='currency', digits='currency',
        domain=[If(Bool(Eval('copay')), ('copay', '>=', 0), ())])
    coinsurance = fields.Numeric(
        "Coinsurance (%)", digits=(5, 2),
        domain=[If(Bool(Eval('coinsurance')),
                [('coinsurance', '>=', 0), ('coinsurance', '<=', 100)], ())])
    deductible = Monetary(
        "Deductible", currency='currency', digits='currency')
    out_of_pocket_max = Monetary(
        "Out-of-Pocket Maximum", currency='currency', digits='currency')
    self_pay = fields.Function(
        fields.Boolean("Self-Pay"), 'on_change_with_self_pay')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('client', 'ASC'), ('priority', 'ASC'),
            ('start_date', 'DESC'), ('id', 'ASC')]

    @classmethod
    def default_relationship(cls):
        return '18'

    @classmethod
    def default_priority(cls):
        return '1'

    @fields.depends('client')
    def on_change_with_currency(self, name=None):
        if self.client and self.client.company:
            return self.client.company.currency

    @fields.depends('payer')
    def on_change_with_self_pay(self, name=None):
        return bool(self.payer and self.payer.self_pay)

    def get_rec_name(self, name):
        return f'{self.payer.rec_name} ({self.member_id or "-"})'

    def active_on(self, date):
        return self.start_date <= date and (
            not self.end_date or date <= self.end_date)

    @classmethod
    def for_client(cls, client, date):
        "The client's coverages in effect at date, primary first"
        return [c for c in cls.search([
                    ('client', '=', client.id),
                    ('start_date', '<=', date),
                    ['OR', ('end_date', '=', None), ('end_date', '>=', date)],
                    ], order=[('priority', 'ASC'), ('id', 'ASC')])]

    @classmethod
    def validate(cls, coverages):
        super().validate(coverages)
        for coverage in coverages:
            others = cls.search([
                    ('id', '!=', coverage.id),
                    ('client', '=', coverage.client.id),
                    ('priority', '=', coverage.priority),
                    ['OR', ('end_date', '=', None),
                        ('end_date', '>=', coverage.start_date)],
                    ] + ([('start_date', '<=', coverage.end_date)]
                    if coverage.end_date else []))
            if others:
                raise CoverageError(gettext(
                        'therapy_billing.msg_coverage_priority_overlap',
                        client=coverage.client.rec_name,
                        priority=dict(PRIORITIES)[coverage.priority],
                        other=others[0].rec_name))


