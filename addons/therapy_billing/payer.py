"""Payers: who is billed for a session, and the rules each one sets.

A payer is a party (it is invoiced in the ledger, on the insurance
receivable account) with its electronic payer IDs, the claim filing
indicator of the X12 837 (SBR09), the timely filing limit, the unit rule
for timed codes, which services need prior authorization, and whether its
beneficiaries may be billed at all (not by Medicaid or QMB rules: no
copay, no missed-appointment fee, the patient share written off)."""
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from therapy_clinical.units import RULES

from .revenue_stats import DEFAULT_APPEAL_DAYS

# a payer's rule for the sessions of a clinician working under supervision
ASSOCIATE_RULES = [
    ('rendering', "Bill the associate as rendering"),
    ('supervisor', "Bill under the supervisor"),
    ('refuse', "Do not bill"),
    ]

# X12 837P SBR09 claim filing indicator codes used by therapy practices
FILING_INDICATORS = [
    ('CI', "CI Commercial insurance"),
    ('BL', "BL Blue Cross / Blue Shield"),
    ('HM', "HM Health maintenance organization"),
    ('12', "12 Preferred provider organization"),
    ('MB', "MB Medicare Part B"),
    ('16', "16 Medicare Advantage (HMO risk)"),
    ('MC', "MC Medicaid"),
    ('CH', "CH TRICARE (CHAMPUS)"),
    ('VA', "VA Veterans Affairs"),
    ('WC', "WC Workers' compensation"),
    ('11', "11 Other non-federal program"),
    ('09', "09 Self-pay"),
    ]
UNIT_RULES = [
    ('midpoint', "Per-unit midpoint (AMA CPT)"),
    ('cms_8_minute', "CMS 8-minute rule"),
    ]
assert {r for r, _ in UNIT_RULES} == set(RULES)
# programs whose beneficiaries may not be billed by default
PROHIBITS_BENEFICIARY_BILLING = {'MC'}


class Payer(DeactivableMixin, ModelSQL, ModelView):
    "Payer"
    __name__ = 'therapy.payer'

    company = fields.Many2One('company.company', "Company", required=True)
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The payer's party: claims are invoiced to it in the ledger.")
    filing_indicator = fields.Selection(
        FILING_INDICATORS, "Claim Filing Indicator", required=True)
    self_pay = fields.Function(
        fields.Boolean("Self-Pay"), 'on_change_with_self_pay')
    timely_filing_days = fields.Integer(
        "Timely Filing Limit (days)", required=True,
        domain=[('timely_filing_days', '>', 0)],
        help="Days after the date of service the payer accepts a claim.")
    appeal_days = fields.Integer(
        "Appeal Limit (days)", required=True,
        domain=[('appeal_days', '>', 0)],
        help="Days after a denial's remittance the payer accepts an "
        "appeal: the denial queue's deadline.")
    unit_rule = fields.Selection(
        UNIT_RULES, "Unit Rule", required=True,
        help="How minutes of timed codes become units, unless a service "
        "rule says otherwise.")
    signed_note_required = fields.Boolean(
        "Signed Note Required",
        help="A session is charged only once its note is final.")
    beneficiary_billing_prohibited = fields.Boolean(
        "Beneficiary Billing Prohibited",
        help="The client may not be billed for covered services (Medicaid, "
        "Medicare QMB): no copay at the desk, no missed-appointment fee, "
        "the patient share is written off.")
    associates = fields.Selection(
        ASSOCIATE_RULES, "Associates' Sessions", required=True,
        help="How the sessions of a clinician working under supervision "
        "are billed: many commercial plans do not credential associates "
        "and want the supervisor as rendering provider, some pay nothing.")
    identifiers = fields.One2Many(
        'therapy.payer.identifier', 'payer', "Payer IDs")
    service_rules = fields.One2Many(
        'therapy.payer.service', 'payer', "Service Rules")
    modifier_rules = fields.One2Many(
        'therapy.payer.modifier', 'payer', "Modifier Rules",
        help="Modifiers this payer wants on its claim lines, and when: "
        "GP/GO/GN, GT for 95, CQ/CO, a licensure level.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('party_unique', Unique(t, t.company, t.party),
                'therapy_billing.msg_payer_party_unique'),
            ]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_filing_indicator(cls):
        return 'CI'

    @classmethod
    def default_timely_filing_days(cls):
        return 90

    @classmethod
    def default_appeal_days(cls):
        return DEFAULT_APPEAL_DAYS

    @classmethod
    def default_unit_rule(cls):
        return 'midpoint'

    @classmethod
    def default_associates(cls):
        return 'rendering'

    @classmethod
    def default_signed_note_required(cls):
        return True

    @fields.depends('filing_indicator')
    def on_change_with_self_pay(self, name=None):
        return self.filing_indicator == '09'

    @fields.depends('filing_indicator')
    def on_change_filing_indicator(self):
        self.beneficiary_billing_prohibited = (
            self.filing_indicator in PROHIBITS_BENEFICIARY_BILLING)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and 'beneficiary_billing_prohibited' not in values:
            values['beneficiary_billing_prohibited'] = (
                values.get('filing_indicator', cls.default_filing_indicator())
                in PROHIBITS_BENEFICIARY_BILLING)
        return values

    @classmethod
    def create(cls, vlist):
        payers = super().create(vlist)
        cls.set_receivable(payers)
        return payers

    @classmethod
    def write(cls, *args):
        super().write(*args)
        cls.set_receivable(sum(args[0:None:2], []))

    @classmethod
    def set_receivable(cls, payers):
        """Payers owe on the insurance receivable account, apart from the
        guarantors: set it on their parties that have none of their own"""
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        Party = pool.get('party.party')
        for payer in payers:
            if payer.self_pay:
                continue
            with Transaction().set_context(company=payer.company.id):
                account = Configuration(1).get_multivalue(
                    'insurance_receivable_account', company=payer.company.id)
                party = Party(payer.party.id)
                if account and not party.account_receivable:
                    Party.write([party], {'account_receivable': account.id})

    def get_rec_name(self, name):
        return self.party.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name',) + tuple(clause[1:])]

    def service_rule(self, service):
        for rule in self.service_rules:
            if rule.service == service:
                return rule

    def unit_rule_for(self, service):
        rule = self.service_rule(service)
        return (rule.unit_rule if rule and rule.unit_rule
            else self.unit_rule)

    def modifiers_for(self, service, modality, clinician, modifiers=()):
        "modifiers with this payer's modifier rules for a session applied"
        from .modifier import apply_rules
        return apply_rules([r for r in self.modifier_rules
                if r.applies(service, modality, clinician)], modifiers)

    def requires_authorization(self, service):
        rule = self.service_rule(service)
        return bool(rule and rule.authorization_required)


class PayerIdentifier(ModelSQL, ModelView):
    "Payer ID at a Clearinghouse"
    __name__ = 'therapy.payer.identifier'

    payer = fields.Many2One(
        'therapy.payer', "Payer", required=True, ondelete='CASCADE')
    clearinghouse = fields.Char(
        "Clearinghouse", required=True,
        help="e.g. Availity, Office Ally, Change Healthcare.")
    payer_id = fields.Char("Payer ID", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('payer')
        t = cls.__table__()
        cls._sql_constraints += [
            ('clearinghouse_unique', Unique(t, t.payer, t.clearinghouse),
                'therapy_billing.msg_payer_identifier_unique'),
            ]


class PayerService(ModelSQL, ModelView):
    "Payer Rule for a Service"
    __name__ = 'therapy.payer.service'

    payer = fields.Many2One(
        'therapy.payer', "Payer", required=True, ondelete='CASCADE')
    service = fields.Many2One(
        'therapy.service', "Service", required=True, ondelete='CASCADE')
    authorization_required = fields.Boolean(
        "Prior Authorization Required",
        help="Sessions are booked and billed only against an authorization "
        "with units or visits left.")
    unit_rule = fields.Selection(
        [(None, "Payer's rule")] + UNIT_RULES, "Unit Rule")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('payer')
        t = cls.__table__()
        cls._sql_constraints += [
            ('service_unique', Unique(t, t.payer, t.service),
                'therapy_billing.msg_payer_service_unique'),
            ]
