import datetime as dt

from dateutil.relativedelta import relativedelta

from sql import Literal
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields, sequence_ordered)
from trytond.pool import Pool
from trytond.pyson import Date, Eval, If
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .tools import rec_name_domain
from .exceptions import ClientNumberError, ClientValidationError
from .extensions import ensure_extension
from .party import party_rec_name
from .rows import rows_by, rows_of, stored_ids

ADULT_AGE = 18


def client_rec_name(party_name, preferred_name, number):
    "A client's name as lists show it: Name (Preferred) [C00042]"
    name = party_name
    if preferred_name and preferred_name != name:
        name = f'{name} ({preferred_name})'
    return f'{name} [{number}]' if number else name


def years_between(birth_date, date):
    "Whole years from birth_date to date: the age on that date"
    return relativedelta(date, birth_date).years


STATUSES = [
    ('inquiry', "Inquiry"),
    ('waitlist', "Waitlist"),
    ('active', "Active"),
    ('discharged', "Discharged"),
    ]

# X12 DMG03 administrative sex, as the payer has it on file.
SEXES = [
    (None, ""),
    ('F', "Female"),
    ('M', "Male"),
    ('U', "Unknown"),
    ]

GENDER_IDENTITIES = [
    (None, ""),
    ('woman', "Woman"),
    ('man', "Man"),
    ('nonbinary', "Non-binary"),
    ('transgender_woman', "Transgender woman"),
    ('transgender_man', "Transgender man"),
    ('other', "Another identity"),
    ('declined', "Prefers not to say"),
    ]

REFERRAL_SOURCES = [
    (None, ""),
    ('self', "Self / family"),
    ('physician', "Physician"),
    ('school', "School"),
    ('payer', "Insurance plan"),
    ('client', "Another client"),
    ('directory', "Online directory"),
    ('agency', "Agency / court"),
    ('other', "Other"),
    ]


class Client(Workflow, ModelSQL, ModelView):
    "Therapy client: the clinical side of one party"
    __name__ = 'therapy.client'
    _history = True
    _transition_state = 'status'

    company = fields.Many2One(
        'company.company', "Company", required=True,
        states={'readonly': Eval('id', -1) >= 0})
    party = fields.Many2One(
        'party.party', "Name", required=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        help="Name, addresses and contact details live on the party, "
        "shared with accounting and the client portal.")
    number = fields.Char(
        "Number", readonly=True,
        help="Assigned from the client sequence when the client is created.")
    preferred_name = fields.Char(
        "Preferred Name", help="What the client likes to be called.")
    pronouns = fields.Char("Pronouns", help="For example she/her, they/them.")
    birth_date = fields.Date(
        "Date of Birth",
        domain=[If(Eval('birth_date'),
                ('birth_date', '<=', Date()), ())])
    age = fields.Function(fields.Integer("Age"), 'get_age')
    minor = fields.Function(fields.Boolean("Minor"), 'get_minor')
    sex = fields.Selection(
        SEXES, "Sex", sort=False,
        help="Administrative sex as recorded by the client's insurance.")
    gender_identity = fields.Selection(
        GENDER_IDENTITIES, "Gender Identity", sort=False)
    guardians = fields.One2Many(
        'therapy.client.guardian', 'client', "Guardians",
        help="Parents or legal guardians who consent for a minor client.")
    emergency_contact = fields.Many2One(
        'party.party', "Emergency Contact", ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'})
    emergency_contact_relationship = fields.Char(
        "Emergency Contact Relationship",
        states={'invisible': ~Eval('emergency_contact')})
    primary_clinician = fields.Many2One(
        'company.employee', "Primary Clinician",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('discipline', '!=', None),
            ])
    location = fields.Many2One(
        'therapy.location', "Location",
        domain=[('company', '=', Eval('company', -1))])
    status = fields.Selection(
        STATUSES, "Status", readonly=True, required=True, sort=False)
    admission_date = fields.Date("Admission Date", readonly=True)
    discharge_date = fields.Date("Discharge Date", readonly=True)
    referral_source = fields.Selection(
        REFERRAL_SOURCES, "Referral Source", sort=False)
    referred_by = fields.Many2One(
        'party.party', "Referred By",
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The referring provider or person, when there is one.")
    phone = fields.Function(
        fields.Char("Phone", help="The client's own phone, kept on the party."),
        'get_party_mechanism', setter='set_party_mechanism')
    email = fields.Function(
        fields.Char("Email", help="The client's own email, kept on the party."),
        'get_party_mechanism', setter='set_party_mechanism')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('party_unique', Unique(t, t.company, t.party),
                'therapy_scheduling.msg_client_party_unique'),
            ('number_unique', Unique(t, t.company, t.number),
                'therapy_scheduling.msg_client_number_unique'),
            ]
        # a name typed in the search bar (ilike '%...%', on the Char's
        # COALESCE as Tryton searches an optional Char): trigram indexes
        cls._sql_indexes.update({
                Index(t, (Coalesce(t.number, ''),
                        Index.Similarity(cardinality='high'))),
                Index(t, (Coalesce(t.preferred_name, ''),
                        Index.Similarity(cardinality='high'))),
                })
        cls._order = [('number', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('inquiry', 'waitlist'),
            ('inquiry', 'active'),
            ('waitlist', 'active'),
            ('inquiry', 'discharged'),
            ('waitlist', 'discharged'),
            ('active', 'discharged'),
            ('discharged', 'active'),
            }
        cls._buttons.update({
                'waitlist': {
                    'invisible': Eval('status') != 'inquiry',
                    'depends': ['status'],
                    },
                'activate': {
                    'invisible': Eval('status') == 'active',
                    'icon': If(Eval('status') == 'discharged',
                        'tryton-refresh', 'tryton-forward'),
                    'depends': ['status'],
                    },
                'discharge': {
                    'invisible': Eval('status') == 'discharged',
                    'depends': ['status'],
                    },
                })

    @classmethod
    def __register__(cls, module):
        ensure_extension('pg_trgm')
        super().__register__(module)

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_status(cls):
        return 'inquiry'

    @classmethod
    def get_rec_name(cls, clients, name):
        """Read as rows (name_rows): lists name many clients at once (the
        biller's charges, a clinician's notes), and through records each
        name read the client's party, a tenth of the biller's list.
        Unsaved records are named from their values."""
        rows = cls.name_rows(stored_ids(clients))
        result = {}
        for record in clients:
            if record.id in rows:
                party_name, preferred, number = rows[record.id]
            else:
                party_name = record.party.rec_name if record.party else ''
                preferred, number = record.preferred_name, record.number
            result[record.id] = client_rec_name(party_name, preferred, number)
        return result

    @classmethod
    def name_rows(cls, ids):
        """{id: (party's name, preferred name, number)} of the clients, read
        as rows without access checks (what names and labels show)"""
        Party = Pool().get('party.party')
        client, party = cls.__table__(), Party.__table__()
        rows = rows_of(client.join(party, condition=client.party == party.id),
            client.id, ids,
            party.name, party.code, client.preferred_name, client.number)
        return {i: (party_rec_name(name, code), preferred, number)
            for i, (name, code, preferred, number) in rows.items()}

    @classmethod
    def search_rec_name(cls, name, clause):
        """The client's number or preferred name, or whatever finds its
        party (name, code, identifiers, contact mechanisms).

        The party as ('party.id', 'in', the parties' query), not as
        ('party.rec_name', ...): Tryton joins a Many2One's target with a
        LEFT JOIN, and an ilike on an optional Char there (a COALESCE)
        cannot be pushed below it, so the party's name was matched by
        scanning both tables whole. Its own query is a UNION of indexed
        lookups (the party's trigram indexes, party.py)."""
        Party = Pool().get('party.party')
        # as Tryton's Many2One searches its target: archived included
        with inactive_records():
            parties = Party.search(
                [('rec_name',) + tuple(clause[1:])], order=[], query=True)
        return rec_name_domain(clause, ['number', 'preferred_name']) + [
            ('party.id', 'in', parties)]

    def age_on(self, date):
        if not self.birth_date:
            return None
        return years_between(self.birth_date, date)

    def get_age(self, name):
        return self.age_on(dt.date.today())

    def get_minor(self, name):
        age = self.age
        return age is not None and age < ADULT_AGE

    def contact_party(self):
        """Whom the practice writes to about this client: a minor's first
        guardian who can consent, else the client"""
        if self.minor:
            for guardian in self.guardians:
                if guardian.legal_guardian:
                    return guardian.party
        return self.party

    @classmethod
    def get_party_mechanism(cls, clients, names):
        """The party's first active contact mechanism of each type (phone,
        mobile, email), as Tryton's party getter has it, read as rows for
        a whole list at once (a record each was an eighth of the client
        list). A usage in the context or a past revision: the party's."""
        context = Transaction().context
        saved = stored_ids(clients)
        if (context.get('party_contact_mechanism_usage')
                or context.get('_datetime') or len(saved) < len(clients)
                or context.get('active_test') is False):
            return {name: {c.id: getattr(c.party, name, None)
                    if c.party else None for c in clients}
                for name in names}
        Mechanism = Pool().get('party.contact_mechanism')
        client, mechanism = cls.__table__(), Mechanism.__table__()
        query = client.join(mechanism,
            condition=(mechanism.party == client.party)
            & mechanism.type.in_(list(names))
            & (mechanism.active == Literal(True)))
        rows = rows_by(query, client.id, saved, mechanism.type,
            mechanism.value,
            order_by=[mechanism.sequence.asc.nulls_first, mechanism.id.asc])
        result = {name: dict.fromkeys(saved, '') for name in names}
        for client_id, mechanisms in rows.items():
            for type_, value in reversed(mechanisms):
                result[type_][client_id] = value
        return result

    @classmethod
    def set_party_mechanism(cls, clients, name, value):
        """Change the party's first contact mechanism of that type (phone,
        mobile or email), add one when it has none, remove it when the
        value is cleared"""
        Mechanism = Pool().get('party.contact_mechanism')
        value = (value or '').strip()
        to_save, to_delete = [], []
        for client in clients:
            existing = [m for m in client.party.contact_mechanisms
                if m.type == name]
            if existing and not value:
                to_delete.append(existing[0])
            elif existing:
                existing[0].value = value
                to_save.append(existing[0])
            elif value:
                to_save.append(Mechanism(
                        party=client.party, type=name, value=value))
        Mechanism.save(to_save)
        Mechanism.delete(to_delete)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number'):
            values['number'] = cls._new_number(values.get('company'))
        return values

    @classmethod
    @without_check_access
    def _new_number(cls, company_id):
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        sequence = Configuration(1).get_multivalue(
            'client_sequence', company=company_id)
        if not sequence:
            raise ClientNumberError(gettext(
                    'therapy_scheduling.msg_client_no_sequence'))
        return sequence.get()

    @classmethod
    def copy(cls, clients, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('number', None)
        default.setdefault('status', None)
        default.setdefault('admission_date', None)
        default.setdefault('discharge_date', None)
        return super().copy(clients, default=default)

    @classmethod
    def validate_fields(cls, clients, field_names):
        super().validate_fields(clients, field_names)
        cls.check_guardians(clients, field_names)

    @classmethod
    def check_guardians(cls, clients, field_names=None):
        "An active minor must have someone who can consent for them"
        if field_names and not (
                field_names & {'status', 'birth_date', 'guardians'}):
            return
        for client in clients:
            if (client.status == 'active' and client.minor
                    and not any(g.legal_guardian for g in client.guardians)):
                raise ClientValidationError(gettext(
                        'therapy_scheduling.msg_client_minor_guardian',
                        client=client.rec_name, age=client.age))
            for guardian in client.guardians:
                if guardian.party == client.party:
                    raise ClientValidationError(gettext(
                            'therapy_scheduling.msg_client_own_guardian',
                            client=client.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('waitlist')
    def waitlist(cls, clients):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, clients):
        today = dt.date.today()
        for client in clients:
            if not client.admission_date or client.discharge_date:
                client.admission_date = today
            client.discharge_date = None
        cls.save(clients)

    @classmethod
    @ModelView.button
    @Workflow.transition('discharged')
    def discharge(cls, clients):
        cls.write(clients, {'discharge_date': dt.date.today()})


class Guardian(sequence_ordered(), ModelSQL, ModelView):
    "Parent or guardian of a client"
    __name__ = 'therapy.client.guardian'
    _history = True

    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='RESTRICT')
    relationship = fields.Selection([
            ('parent', "Parent"),
            ('legal_guardian', "Legal guardian"),
            ('grandparent', "Grandparent"),
            ('foster_parent', "Foster parent"),
            ('spouse', "Spouse / partner"),
            ('other', "Other"),
            ], "Relationship", required=True)
    legal_guardian = fields.Boolean(
        "Can Consent",
        help="Holds legal authority to consent to treatment and sign "
        "documents for the client.")
    guarantor = fields.Boolean(
        "Guarantor", help="Financially responsible for the client's balance.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('client')
        t = cls.__table__()
        cls._sql_constraints += [
            ('party_unique', Unique(t, t.client, t.party),
                'therapy_scheduling.msg_guardian_party_unique'),
            ]

    @classmethod
    def default_relationship(cls):
        return 'parent'

    @classmethod
    def default_legal_guardian(cls):
        return True

    @classmethod
    def default_guarantor(cls):
        return False
