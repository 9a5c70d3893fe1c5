from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .sliding import fpl_percent, pick_tier, poverty_line

REGIONS = [
    ('contiguous', "48 contiguous states and DC"),
    ('alaska', "Alaska"),
    ('hawaii', "Hawaii"),
    ]
REVIEW_DAYS = 365


class SlidingScaleError(ValidationError):
    pass


class PovertyGuideline(ModelSQL, ModelView):
    "Federal Poverty Guideline"
    __name__ = 'therapy.poverty.guideline'

    year = fields.Integer("Year", required=True)
    region = fields.Selection(REGIONS, "Region", required=True)
    effective_date = fields.Date("Effective", required=True)
    first_person = fields.Numeric(
        "Household of One", digits=(16, 2), required=True)
    additional_person = fields.Numeric(
        "Each Additional Person", digits=(16, 2), required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('year_region_unique', Unique(t, t.year, t.region),
                'therapy_billing.msg_guideline_unique'),
            ]
        cls._order = [('effective_date', 'DESC'), ('region', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def default_region(cls):
        return 'contiguous'

    def get_rec_name(self, name):
        return f'{self.year} {dict(REGIONS)[self.region]}'

    @classmethod
    def at(cls, date, region):
        "The guideline in effect at date"
        guidelines = cls.search([
                ('region', '=', region),
                ('effective_date', '<=', date),
                ], order=[('effective_date', 'DESC')], limit=1)
        return guidelines[0] if guidelines else None


class SlidingTier(ModelSQL, ModelView):
    "Sliding Scale Tier"
    __name__ = 'therapy.sliding.tier'

    company = fields.Many2One('company.company', "Company", required=True)
    name = fields.Char("Name", required=True)
    max_percent = fields.Numeric(
        "Up to % of Poverty Line", digits=(6, 1),
        help="Households at or below this percentage; empty for the tier "
        "above all others.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    fee = Monetary(
        "Fee per Session", currency='currency', digits='currency',
        required=True, domain=[('fee', '>=', 0)])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('max_percent', 'ASC NULLS LAST'), ('id', 'ASC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None


class SlidingScale(ModelSQL, ModelView):
    "Client Sliding Scale"
    __name__ = 'therapy.sliding.scale'
    _history = True  # every change of income or household is kept

    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='CASCADE')
    household_size = fields.Integer(
        "Household Size", required=True,
        domain=[('household_size', '>=', 1)])
    annual_income = fields.Numeric(
        "Annual Household Income", digits=(16, 2), required=True,
        domain=[('annual_income', '>=', 0)])
    region = fields.Selection(REGIONS, "Region", required=True)
    evidence_date = fields.Date(
        "Income Evidence Date", required=True,
        help="Date of the pay stubs, tax return or statement seen.")
    review_due = fields.Date(
        "Review Due", required=True,
        domain=[('review_due', '>=', Eval('evidence_date', None))])
    fpl_percent = fields.Function(
        fields.Numeric("% of Poverty Line", digits=(6, 1)), 'get_tier')
    tier = fields.Function(
        fields.Many2One('therapy.sliding.tier', "Tier"), 'get_tier')
    review_overdue = fields.Function(
        fields.Boolean("Review Overdue"), 'get_review_overdue')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('evidence_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_region(cls):
        return 'contiguous'

    @fields.depends('evidence_date')
    def on_change_evidence_date(self):
        if self.evidence_date:
            self.review_due = self.evidence_date.replace(
                year=self.evidence_date.year + 1)

    @classmethod
    def get_tier(cls, scales, names):
        pool = Pool()
        Guideline = pool.get('therapy.poverty.guideline')
        Tier = pool.get('therapy.sliding.tier')
        result = {n: {} for n in names}
        for scale in scales:
            guideline = Guideline.at(scale.evidence_date, scale.region)
            percent = tier = None
            if guideline:
                percent = fpl_percent(scale.annual_income, poverty_line(
                        guideline.first_person, guideline.additional_person,
                        scale.household_size))
                tiers = Tier.search(
                    [('company', '=', scale.client.company.id)])
                tier = pick_tier(
                    percent, [(t.max_percent, t) for t in tiers])
            values = {'fpl_percent': percent,
                'tier': tier.id if tier else None}
            for name in names:
                result[name][scale.id] = values[name]
        return result

    def get_review_overdue(self, name):
        return self.review_due < Pool().get('ir.date').today()

    @classmethod
    def validate(cls, scales):
        super().validate(scales)
        Guideline = Pool().get('therapy.poverty.guideline')
        for scale in scales:
            if not Guideline.at(scale.evidence_date, scale.region):
                raise SlidingScaleError(gettext(
                        'therapy_billing.msg_sliding_no_guideline',
                        date=scale.evidence_date))

    @classmethod
    def latest_of(cls, clients_dates):
        """{(client, date): the client's latest assessment at date, or
        None}, with one search for them all"""
        pairs = set(clients_dates)
        if not pairs:
            return {}
        found = defaultdict(list)
        for scale in cls.search([
                    ('client', 'in', list({c.id for c, _ in pairs})),
                    ('evidence_date', '<=', max(d for _, d in pairs)),
                    ], order=[('evidence_date', 'DESC'), ('id', 'DESC')]):
            found[scale.client].append(scale)
        return {(client, date): next((s for s in found[client]
                    if s.evidence_date <= date), None)
            for client, date in pairs}

    @classmethod
    def latest(cls, client, date):
        "The client's latest assessment at date, or None"
        return cls.latest_of([(client, date)])[client, date]

    @classmethod
    def current_of(cls, clients_dates):
        """{(client, date): the client's assessment in force at date}: the
        latest, unless its review date has passed (then the practice
        charge applies until it is renewed)"""
        return {(client, date): scale
            if scale and scale.review_due >= date else None
            for (client, date), scale in cls.latest_of(clients_dates).items()}

    @classmethod
    def current(cls, client, date):
        "The client's assessment in force at date, or None (current_of)"
        return cls.current_of([(client, date)])[client, date]

    @classmethod
    def review_due_for(cls, client, date):
        "Has the client's latest assessment passed its review date?"
        scale = cls.latest(client, date)
        return bool(scale) and scale.review_due < date
