"""Fee schedule: the practice's charge and each payer's contracted amount.

A line without payer is the practice's charge (what a claim bills); a line
with a payer is what that payer contracted to pay (what the remittance is
compared with). Both are dated, so last year's claims keep last year's
fees; a more specific line (with the claim's modifiers) wins."""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from therapy_scheduling.dated import DatedMixin


def normalize_modifiers(value):
    "'gt, ho' -> 'GT,HO': upper case, in the order given, no blanks"
    return ','.join(m.strip().upper() for m in (value or '').split(',')
        if m.strip())


class FeeError(ValidationError):
    pass


class Fee(DatedMixin, ModelSQL, ModelView):
    "Fee"
    __name__ = 'therapy.fee'
    _history = True

    company = fields.Many2One('company.company', "Company", required=True)
    service = fields.Many2One(
        'therapy.service', "Service", required=True, ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))])
    modifiers = fields.Char(
        "Modifiers", help="Comma-separated CPT/HCPCS modifiers, e.g. GT or "
        "HO; empty for the plain code.")
    payer = fields.Many2One(
        'therapy.payer', "Payer", ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))],
        help="Empty: the practice's charge. Set: the amount this payer "
        "contracted to pay.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[('amount', '>=', 0)])
    start_date = fields.Date("From", required=True)
    end_date = fields.Date(
        "To", domain=[If(Bool(Eval('end_date')),
                ('end_date', '>=', Eval('start_date', None)), ())])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('service', 'ASC'), ('payer', 'ASC NULLS FIRST'),
            ('start_date', 'DESC'), ('id', 'ASC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if 'modifiers' in values:
            values['modifiers'] = normalize_modifiers(
                values['modifiers']) or None
        return values

    @classmethod
    def validate(cls, fees):
        super().validate(fees)
        for fee in fees:
            overlap = fee.overlapping([
                    ('service', '=', fee.service.id),
                    ('payer', '=', fee.payer.id if fee.payer else None),
                    ('modifiers', '=', fee.modifiers),
                    ])
            if overlap:
                raise FeeError(gettext(
                        'therapy_billing.msg_fee_overlap',
                        service=fee.service.rec_name,
                        payer=(fee.payer.rec_name if fee.payer
                            else gettext('therapy_billing.msg_fee_practice')),
                        date=overlap.start_date))

    @classmethod
    def lookup(cls, service, date, payer=None, modifiers=None):
        """The fee line for service at date (the payer's contracted line
        when payer is given, else the practice's charge), preferring the
        line with exactly these modifiers, then the plain code"""
        modifiers = normalize_modifiers(modifiers) or None
        lines = cls.search([
                ('service', '=', service.id),
                ('payer', '=', payer.id if payer else None),
                ('modifiers', 'in', list({modifiers, None})),
                ] + cls.in_effect_domain(date))
        lines.sort(key=lambda l: l.modifiers != modifiers)
        return lines[0] if lines else None

    @classmethod
    def charge_for(cls, service, date, modifiers=None):
        "The practice's charge: the fee schedule, else the product's price"
        line = cls.lookup(service, date, modifiers=modifiers)
        if line:
            return line.amount
        return service.list_price

    @classmethod
    def expected_for(cls, service, date, payer, modifiers=None):
        "What payer contracted to pay, or None"
        line = cls.lookup(service, date, payer=payer, modifiers=modifiers)
        return line.amount if line else None
