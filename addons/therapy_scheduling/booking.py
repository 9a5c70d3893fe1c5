"""What a booking is made of (who, where, what, how), shared by the
appointment and the recurring series that books appointments like it."""
from trytond import backend
from trytond.model import fields
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .disciplines import MODALITIES

# CMS place-of-service codes used by therapy practices
PLACES_OF_SERVICE = [
    ('11', "11 Office"),
    ('02', "02 Telehealth (not in client's home)"),
    ('10', "10 Telehealth in client's home"),
    ('12', "12 Home"),
    ('03', "03 School"),
    ]
DEFAULT_PLACE = {'in_person': '11', 'telehealth': '10'}


IN_COMPANY = [('company', '=', Eval('company', -1))]
CLINICIAN_DOMAIN = IN_COMPANY + [('discipline', '!=', None)]
ROOM_DOMAIN = [('location', '=', Eval('location', -1))]
# {field: (target, its domain, required)} of the template's relations
# validated from one row read (BookingMixin._validate) while they are
# defined so
ROW_CHECKED = {
    'company': ('company.company', [], True),
    'clinician': ('company.employee', CLINICIAN_DOMAIN, True),
    'location': ('therapy.location', IN_COMPANY, True),
    'room': ('therapy.room', ROOM_DOMAIN, False),
    'service': ('therapy.service', IN_COMPANY, True),
    }


class BookingMixin:
    """The booking template: clinician, location, room, service, modality
    and place of service, within the record's company.

    A model using it has a company field and says when the template is
    readonly (_booking_readonly); it may narrow the domains in __setup__
    (a series books individual sessions only)."""
    __slots__ = ()

    clinician = fields.Many2One(
        'company.employee', "Clinician", required=True, ondelete='RESTRICT',
        domain=CLINICIAN_DOMAIN)
    location = fields.Many2One(
        'therapy.location', "Location", required=True, ondelete='RESTRICT',
        domain=IN_COMPANY)
    room = fields.Many2One(
        'therapy.room', "Room", ondelete='RESTRICT', domain=ROOM_DOMAIN)
    service = fields.Many2One(
        'therapy.service', "Service", required=True, ondelete='RESTRICT',
        domain=IN_COMPANY)
    modality = fields.Selection(MODALITIES, "Modality", required=True)
    place_of_service = fields.Selection(
        PLACES_OF_SERVICE, "Place of Service", required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly = cls._booking_readonly()
        for name in ['clinician', 'location', 'room', 'service', 'modality',
                'place_of_service']:
            getattr(cls, name).states = {'readonly': readonly}

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        cls._row_checked = cls._row_checkable()

    @classmethod
    def _row_checkable(cls):
        """The fields of ROW_CHECKED whose validation is only what the row
        check does (required, and the domain it knows): a module that
        changes one leaves it to Tryton's validation"""
        encode = PYSONEncoder(sort_keys=True).encode
        names = set()
        for name, (target, domain, required) in ROW_CHECKED.items():
            field = cls._fields.get(name)
            if (type(field) is fields.Many2One
                    and field.model_name == target
                    and encode(field.domain) == encode(domain)
                    and bool(field.required) == required
                    and 'required' not in field.states
                    and not field.context):
                names.add(name)
        return frozenset(names)

    @classmethod
    def _validate(cls, records, field_names=None):
        """Tryton validates each relation's domain with a search of its own
        (five of them for a booking: about a quarter of its time); the
        template's relations are checked here from one read of the rows
        and their targets instead. A field the read finds wrong is left to
        Tryton's validation, which refuses it with its usual message."""
        given = set(cls._fields if field_names is None else field_names)
        # and what Tryton validates because a field it depends on changed
        names = given | {n for n, f in cls._fields.items()
            if f.validation_depends & given}
        checked = names & cls._row_checked
        if checked:
            checked -= cls._rows_wrong(records)
        if not checked:
            super()._validate(records, field_names=field_names)
            return
        # Tryton takes an empty set for all the fields (and so do the
        # validate_fields hooks): 'id' has nothing to validate
        super()._validate(records, field_names=(names - checked) or {'id'})
        # the hooks' checks of the fields given, as Tryton would have run
        # them
        if checked & given:
            cls.validate_fields(records, checked & given)

    @classmethod
    def _rows_wrong(cls, records):
        "The names of the row-checked fields some of records get wrong"
        pool = Pool()
        table = cls.__table__()
        employee = pool.get('company.employee').__table__()
        location = pool.get('therapy.location').__table__()
        room = pool.get('therapy.room').__table__()
        service = pool.get('therapy.service').__table__()
        cursor = Transaction().connection.cursor()
        query = table.join(employee, 'LEFT',
            condition=employee.id == table.clinician
            ).join(location, 'LEFT', condition=location.id == table.location
            ).join(room, 'LEFT', condition=room.id == table.room
            ).join(service, 'LEFT', condition=service.id == table.service)
        wrong = set()
        for chunk in grouped_slice(
                [r.id for r in records], backend.MAX_QUERY_PARAMS):
            cursor.execute(*query.select(table.company,
                    table.clinician, employee.company, employee.discipline,
                    table.location, location.company,
                    table.room, room.location,
                    table.service, service.company,
                    where=fields.SQL_OPERATORS['in'](table.id, list(chunk))))
            for (company, clinician, clinician_company, discipline,
                    location_, location_company, room_, room_location,
                    service_, service_company) in cursor:
                if company is None:
                    wrong.add('company')
                if (clinician is None or clinician_company != company
                        or discipline is None):
                    wrong.add('clinician')
                if location_ is None or location_company != company:
                    wrong.add('location')
                if room_ is not None and room_location != location_:
                    wrong.add('room')
                if service_ is None or service_company != company:
                    wrong.add('service')
        return wrong

    @classmethod
    def _booking_readonly(cls):
        "PYSON: when the booking template may no longer change"
        raise NotImplementedError

    @classmethod
    def default_modality(cls):
        return 'in_person'

    @classmethod
    def default_place_of_service(cls):
        return '11'

    @fields.depends('modality')
    def on_change_modality(self):
        if self.modality:
            self.place_of_service = DEFAULT_PLACE[self.modality]


class PendingMixin:
    """The checks of a booking run before the write, on the record as it
    will be: pending() builds it from the values, with the fields the
    checks read (_slot_fields, whose change is checked again, and
    _pending_fields) and, for a new record, their defaults."""
    __slots__ = ()
    _slot_fields = set()
    _pending_fields = set()

    @classmethod
    def pending(cls, values, record=None):
        "The record as it will be once values are stored"
        if record:
            pending = cls(record.id)
            for name in cls._slot_fields & values.keys():
                setattr(pending, name, values[name])
        else:
            names = cls._slot_fields | cls._pending_fields
            pending = cls(**{name: values[name] if name in values
                    else cls._defaults[name]() if name in cls._defaults
                    else None for name in names})
        return pending
