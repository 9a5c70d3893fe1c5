"""New Client: register a client on one screen.

The front desk types what the intake call gives (legal name, date of
birth, phone, email, a US address, a guardian for a minor, the referral,
the clinician and location); one press creates the party with its contact
mechanisms and address, the therapy.client and the guardian's party, in one
transaction: an error leaves nothing behind. therapy_billing adds the
insurance and sliding-scale part to the same screen."""
import re

from dateutil.relativedelta import relativedelta

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If, PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from .client import ADULT_AGE, REFERRAL_SOURCES, SEXES, STATUSES, Guardian
from .exceptions import ClientValidationError
from .phone import format_phone

ZIP_CODE = re.compile(r'^\d{5}(-\d{4})?$')
# what the party's email check (with email-validator) would refuse anyway,
# caught before anything is created
EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')


def _guardian_shown():
    return Bool(Eval('minor', False)) | Bool(Eval('guardian_name'))


class NewClientStart(ModelView):
    "New Client"
    __name__ = 'therapy.client.new.start'

    company = fields.Many2One('company.company', "Company", readonly=True)
    first_name = fields.Char("Legal First Name", required=True)
    middle_name = fields.Char("Middle Name")
    last_name = fields.Char("Legal Last Name", required=True)
    preferred_name = fields.Char(
        "Preferred Name", help="What the client likes to be called.")
    pronouns = fields.Char("Pronouns", help="For example she/her, they/them.")
    birth_date = fields.Date("Date of Birth", required=True)
    sex = fields.Selection(
        SEXES, "Sex", sort=False,
        help="Administrative sex as recorded by the client's insurance.")
    minor = fields.Function(
        fields.Boolean("Minor"), 'on_change_with_minor')
    phone = fields.Char("Phone")
    email = fields.Char("Email")
    street = fields.Text(
        "Street", help="Number and street; the apartment on a second line.")
    city = fields.Char("City")
    state = fields.Many2One(
        'country.subdivision', "State",
        domain=[('country.code', '=', 'US'), ('parent', '=', None)])
    postal_code = fields.Char("ZIP", size=10)
    guardian_name = fields.Char(
        "Guardian", states={
            'invisible': ~_guardian_shown(),
            'required': Bool(Eval('minor', False)),
            },
        help="Parent or legal guardian's full name.")
    guardian_relationship = fields.Selection(
        Guardian.relationship.selection, "Relationship",
        states={'invisible': ~_guardian_shown()})
    guardian_phone = fields.Char(
        "Guardian Phone", states={'invisible': ~_guardian_shown()})
    guardian_email = fields.Char(
        "Guardian Email", states={'invisible': ~_guardian_shown()})
    guardian_can_consent = fields.Boolean(
        "Can Consent", states={'invisible': ~_guardian_shown()})
    guardian_guarantor = fields.Boolean(
        "Guarantor", states={'invisible': ~_guardian_shown()},
        help="Pays the client's balance.")
    referral_source = fields.Selection(
        REFERRAL_SOURCES, "Referral Source", sort=False)
    referred_by = fields.Many2One(
        'party.party', "Referred By",
        context={'company': Eval('company', -1)}, depends={'company'})
    location = fields.Many2One(
        'therapy.location', "Location",
        domain=[('company', '=', Eval('company', -1))])
    primary_clinician = fields.Many2One(
        'company.employee', "Primary Clinician",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('discipline', '!=', None),
            If(Bool(Eval('location')),
                ('therapy_locations', 'in', [Eval('location', -1)]), ()),
            ])
    status = fields.Selection(
        [s for s in STATUSES if s[0] != 'discharged'], "Status",
        required=True, sort=False,
        help="Active admits the client now; Inquiry and Waitlist wait.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_status(cls):
        return 'active'

    @classmethod
    def default_guardian_relationship(cls):
        return 'parent'

    @classmethod
    def default_guardian_can_consent(cls):
        return True

    @classmethod
    def default_guardian_guarantor(cls):
        return True

    @classmethod
    def default_location(cls):
        "The practice's first location: most clients are seen there"
        Location = Pool().get('therapy.location')
        company = Transaction().context.get('company')
        locations = Location.search(
            [('company', '=', company)], limit=1) if company else []
        return locations[0].id if locations else None

    @classmethod
    def default_city(cls):
        address = cls._location_address(cls.default_location())
        return address.city if address else None

    @classmethod
    def default_state(cls):
        address = cls._location_address(cls.default_location())
        return (address.subdivision.id
            if address and address.subdivision else None)

    @staticmethod
    def _location_address(location_id):
        Location = Pool().get('therapy.location')
        return Location(location_id).address if location_id else None

    @fields.depends('birth_date')
    def on_change_with_minor(self, name=None):
        if not self.birth_date:
            return False
        today = Pool().get('ir.date').today()
        return relativedelta(today, self.birth_date).years < ADULT_AGE

    @fields.depends('location', 'city', 'state')
    def on_change_location(self):
        address = self.location.address if self.location else None
        if address:
            self.city = self.city or address.city
            self.state = self.state or address.subdivision

    @fields.depends('phone')
    def on_change_phone(self):
        self.phone = format_phone(self.phone) or self.phone

    @fields.depends('guardian_phone')
    def on_change_guardian_phone(self):
        self.guardian_phone = (
            format_phone(self.guardian_phone) or self.guardian_phone)

    @property
    def full_name(self):
        return ' '.join(p.strip() for p in [
                self.first_name, self.middle_name, self.last_name]
            if p and p.strip())


class NewClient(Wizard):
    "New Client"
    __name__ = 'therapy.client.new'

    start = StateView('therapy.client.new.start',
        'therapy_scheduling.client_new_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create Client", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateAction('therapy_scheduling.act_client_form')

    def check(self):
        "Refuse what the records would not say clearly themselves"
        start = self.start
        today = Pool().get('ir.date').today()
        for field in ['first_name', 'last_name']:
            if not (getattr(start, field) or '').strip():
                raise ClientValidationError(gettext(
                        'therapy_scheduling.msg_client_new_name'))
        if not start.birth_date or start.birth_date > today:
            raise ClientValidationError(gettext(
                    'therapy_scheduling.msg_client_new_birth_date'))
        if start.postal_code and not ZIP_CODE.match(
                start.postal_code.strip()):
            raise ClientValidationError(gettext(
                    'therapy_scheduling.msg_client_new_zip',
                    zip=start.postal_code))
        for field in ['phone', 'guardian_phone']:
            value = getattr(start, field)
            if value and not format_phone(value):
                raise ClientValidationError(gettext(
                        'therapy_scheduling.msg_client_new_phone',
                        phone=value))
        for field in ['email', 'guardian_email']:
            value = (getattr(start, field) or '').strip()
            if value and not EMAIL.match(value):
                raise ClientValidationError(gettext(
                        'therapy_scheduling.msg_client_new_email',
                        email=value))
        # computed here: the form's value is only what the client last drew
        if (start.on_change_with_minor()
                and not (start.guardian_name or '').strip()):
            raise ClientValidationError(gettext(
                    'therapy_scheduling.msg_client_new_guardian',
                    client=start.full_name))

    def new_party(self, name, phone=None, email=None, address=None):
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        party = Party(name=name, addresses=[], contact_mechanisms=[])
        mechanisms = []
        if phone:
            mechanisms.append(Mechanism(
                    type='mobile', value=format_phone(phone)))
        if email:
            mechanisms.append(Mechanism(type='email', value=email.strip()))
        party.contact_mechanisms = mechanisms
        party.addresses = [Address(**address)] if address else []
        party.save()
        return party

    def address_values(self):
        start = self.start
        values = {
            'street_unstructured': (start.street or '').strip() or None,
            'city': (start.city or '').strip() or None,
            'postal_code': (start.postal_code or '').strip() or None,
            }
        if start.state:
            values['subdivision'] = start.state.id
            values['country'] = start.state.country.id
        return values

    def create_client(self):
        "The client, its party and its guardian; returns the client"
        pool = Pool()
        Client = pool.get('therapy.client')
        start = self.start
        party = self.new_party(start.full_name, start.phone, start.email,
            self.address_values())
        guardians = []
        if (start.guardian_name or '').strip():
            guardian = self.new_party(start.guardian_name.strip(),
                start.guardian_phone, start.guardian_email,
                self.address_values())
            guardians.append({
                    'party': guardian.id,
                    'relationship': start.guardian_relationship or 'parent',
                    'legal_guardian': bool(start.guardian_can_consent),
                    'guarantor': bool(start.guardian_guarantor),
                    })
        client, = Client.create([{
                    'company': start.company.id,
                    'party': party.id,
                    'preferred_name': start.preferred_name or None,
                    'pronouns': start.pronouns or None,
                    'birth_date': start.birth_date,
                    'sex': start.sex,
                    'referral_source': start.referral_source,
                    'referred_by': (start.referred_by.id
                        if start.referred_by else None),
                    'location': start.location.id if start.location else None,
                    'primary_clinician': (start.primary_clinician.id
                        if start.primary_clinician else None),
                    'guardians': [('create', guardians)],
                    }])
        if start.status == 'waitlist':
            Client.waitlist([client])
        elif start.status == 'active':
            Client.activate([client])
        return client

    def do_create_(self, action):
        self.check()
        client = self.create_client()
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', '=', client.id)])
        action['views'].reverse()
        return action, {'res_id': [client.id]}
