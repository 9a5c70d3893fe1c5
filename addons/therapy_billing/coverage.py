"""A client's insurance coverage, resolved by priority at a date.

The front desk enters coverages from the card; a biller verifies them with
the payer (eligibility) and the verification records who and when. A
change of payer, member, group or dates makes it unverified again."""

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.currency.fields import Monetary
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from therapy_scheduling import clock
from therapy_scheduling.dated import DatedMixin

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


class Coverage(DatedMixin, ModelSQL, ModelView):
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
    verified_by = fields.Many2One(
        'res.user', "Verified By", readonly=True,
        help="The biller who checked eligibility with the payer.")
    verified_at = fields.DateTime("Verified At", readonly=True)
    verified = fields.Function(
        fields.Boolean("Verified"), 'get_verified', searcher='search_verified')

    # what the payer answers eligibility for: changing one of them means
    # checking again
    _verified_fields = {'payer', 'member_id', 'group_number', 'relationship',
        'subscriber', 'start_date', 'end_date', 'client'}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # a client's coverages are looked up at every booking, charge and
        # posting; Tryton indexes a Many2One only when a One2Many points
        # back at it, and the client has none
        cls._sql_indexes.add(Index(t, (t.client, Index.Equality())))
        cls._order = [('client', 'ASC'), ('priority', 'ASC'),
            ('start_date', 'DESC'), ('id', 'ASC')]
        cls._buttons.update({
                'verify': {
                    'invisible': Bool(Eval('verified_at')),
                    'icon': 'tryton-ok',
                    'depends': ['verified_at'],
                    },
                })

    def get_verified(self, name):
        return bool(self.verified_at)

    @classmethod
    def search_verified(cls, name, clause):
        _, operator, value = clause[:3]
        is_set = (operator == '=') == bool(value)
        return [('verified_at', '!=' if is_set else '=', None)]

    @classmethod
    @ModelView.button
    def verify(cls, coverages):
        "Record that eligibility was checked with the payer, by whom"
        with Transaction().set_context(_coverage_verify=True):
            cls.write(coverages, {
                    'verified_by': Transaction().user,
                    'verified_at': clock.now(),
                    })

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if Transaction().context.get('_coverage_verify'):
            return values
        if mode == 'create':
            # a new coverage waits for the biller's check
            values.update(verified_by=None, verified_at=None)
        elif values.keys() & cls._verified_fields:
            values.update(verified_by=None, verified_at=None)
        return values

    @classmethod
    def check_modification(cls, mode, coverages, values=None,
            external=False):
        super().check_modification(
            mode, coverages, values=values, external=external)
        # the verification is the biller's act, never a typed value
        if (external and values and values.keys() & {
                    'verified_by', 'verified_at'}
                and not Transaction().context.get('_coverage_verify')):
            raise AccessError(gettext(
                    'therapy_billing.msg_coverage_verified_readonly'))

    @classmethod
    def copy(cls, coverages, default=None):
        default = dict(default or {})
        default.setdefault('verified_by')
        default.setdefault('verified_at')
        return super().copy(coverages, default=default)

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

    @classmethod
    def for_client(cls, client, date):
        "The client's coverages in effect at date, primary first"
        return [c for c in cls.search([
                    ('client', '=', client.id),
                    ] + cls.in_effect_domain(date),
                order=[('priority', 'ASC'), ('id', 'ASC')])]

    @classmethod
    def validate(cls, coverages):
        super().validate(coverages)
        for coverage in coverages:
            other = coverage.overlapping([
                    ('client', '=', coverage.client.id),
                    ('priority', '=', coverage.priority),
                    ])
            if other:
                raise CoverageError(gettext(
                        'therapy_billing.msg_coverage_priority_overlap',
                        client=coverage.client.rec_name,
                        priority=dict(PRIORITIES)[coverage.priority],
                        other=other.rec_name))


