"""New Client, billing part: the insurance card and the sliding-scale
intake on the same screen, created with the client in one transaction.

The coverage is created unverified: a biller verifies it with the payer.
Card images become attachments of the coverage."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If

from .coverage import RELATIONSHIPS
from .exceptions import BillingError
from .sliding_scale import REGIONS

_insured = Bool(Eval('payer'))


class NewClientStart(metaclass=PoolMeta):
    __name__ = 'therapy.client.new.start'

    payer = fields.Many2One(
        'therapy.payer', "Insurance",
        domain=[('company', '=', Eval('company', -1))],
        help="The payer on the card; leave empty for no insurance.")
    member_id = fields.Char(
        "Member ID", states={
            'invisible': ~_insured,
            'required': _insured & ~Eval('payer_self_pay', False),
            })
    payer_self_pay = fields.Function(
        fields.Boolean("Self-Pay Payer"), 'on_change_with_payer_self_pay')
    group_number = fields.Char(
        "Group Number", states={'invisible': ~_insured})
    relationship = fields.Selection(
        RELATIONSHIPS, "Relationship", states={'invisible': ~_insured},
        help="The client is the subscriber's: self, child, spouse...")
    subscriber_name = fields.Char(
        "Subscriber", states={
            'invisible': ~_insured | (Eval('relationship') == '18'),
            },
        help="The policy holder's full name; empty when it is the "
        "guardian entered above.")
    copay = fields.Numeric(
        "Copay", digits=(16, 2), states={'invisible': ~_insured},
        domain=[If(Bool(Eval('copay')), ('copay', '>=', 0), ())])
    coverage_start = fields.Date(
        "Effective From", states={
            'invisible': ~_insured,
            'required': _insured,
            })
    card_front = fields.Binary(
        "Card Front", filename='card_front_name',
        states={'invisible': ~_insured})
    card_front_name = fields.Char("Card Front Name")
    card_back = fields.Binary(
        "Card Back", filename='card_back_name',
        states={'invisible': ~_insured})
    card_back_name = fields.Char("Card Back Name")
    household_size = fields.Integer(
        "Household Size",
        domain=[If(Bool(Eval('household_size')),
                ('household_size', '>=', 1), ())],
        help="For the sliding scale: people in the household. Leave empty "
        "when the client does not ask for it.")
    annual_income = fields.Numeric(
        "Household Income", digits=(16, 2),
        domain=[If(Bool(Eval('annual_income')),
                ('annual_income', '>=', 0), ())],
        help="Yearly, before taxes.",
        states={'required': Bool(Eval('household_size'))})
    region = fields.Selection(
        REGIONS, "Region", states={'invisible': ~Eval('household_size')})

    @classmethod
    def default_relationship(cls):
        return '18'

    @classmethod
    def default_coverage_start(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_region(cls):
        return 'contiguous'

    @fields.depends('payer')
    def on_change_with_payer_self_pay(self, name=None):
        return bool(self.payer and self.payer.self_pay)


class NewClient(metaclass=PoolMeta):
    __name__ = 'therapy.client.new'

    def check(self):
        super().check()
        start = self.start
        if start.payer and not start.payer.self_pay and not (
                start.member_id or '').strip():
            raise BillingError(gettext(
                    'therapy_billing.msg_client_new_member_id',
                    payer=start.payer.rec_name))
        if (start.payer and start.relationship != '18'
                and not (start.subscriber_name or '').strip()
                and not (start.guardian_name or '').strip()):
            raise BillingError(gettext(
                    'therapy_billing.msg_client_new_subscriber'))
        if start.household_size and start.annual_income is None:
            raise BillingError(gettext(
                    'therapy_billing.msg_client_new_income'))

    def create_client(self):
        client = super().create_client()
        self.create_coverage(client)
        self.create_sliding_scale(client)
        return client

    def create_coverage(self, client):
        pool = Pool()
        Coverage = pool.get('therapy.coverage')
        Attachment = pool.get('ir.attachment')
        start = self.start
        if not start.payer:
            return None
        subscriber = None
        relationship = start.relationship or '18'
        if relationship != '18':
            name = (start.subscriber_name or '').strip()
            guardians = [g.party for g in client.guardians]
            if name and not any(p.name == name for p in guardians):
                subscriber = self.new_party(name, address=self.address_values())
            else:
                subscriber = next((p for p in guardians
                        if not name or p.name == name), None)
        coverage, = Coverage.create([{
                    'client': client.id,
                    'payer': start.payer.id,
                    'member_id': (start.member_id or '').strip() or None,
                    'group_number': (start.group_number or '').strip() or None,
                    'relationship': relationship,
                    'subscriber': subscriber.id if subscriber else None,
                    'priority': '1',
                    'start_date': start.coverage_start
                    or pool.get('ir.date').today(),
                    'copay': start.copay,
                    }])
        attachments = []
        for side, data, filename in [
                ('front', start.card_front, start.card_front_name),
                ('back', start.card_back, start.card_back_name)]:
            if data:
                attachments.append({
                        'resource': str(coverage),
                        'name': filename or gettext(
                            'therapy_billing.msg_card_image_name', side=side),
                        'type': 'data',
                        'data': data,
                        })
        if attachments:
            Attachment.create(attachments)
        return coverage

    def create_sliding_scale(self, client):
        SlidingScale = Pool().get('therapy.sliding.scale')
        start = self.start
        if not start.household_size:
            return None
        today = Pool().get('ir.date').today()
        scale, = SlidingScale.create([{
                    'client': client.id,
                    'household_size': start.household_size,
                    'annual_income': start.annual_income,
                    'region': start.region or 'contiguous',
                    'evidence_date': today,
                    'review_due': today + dt.timedelta(days=365),
                    }])
        return scale
