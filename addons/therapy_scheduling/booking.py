"""What a booking is made of (who, where, what, how), shared by the
appointment and the recurring series that books appointments like it."""
from trytond.model import fields
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder

from .disciplines import MODALITIES
from .rows import rows_of

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


def defined_as(field, kind, domain, required, target=None, format=None):
    """Is field a plain kind (not a subclass: a Function's getter is not
    the row) with this domain and required, no state making it required,
    no context (and this target, this time format)? What the row check of
    BookingMixin._validate knows to validate"""
    encode = PYSONEncoder(sort_keys=True).encode
    return (type(field) is kind
        and encode(field.domain) == encode(domain)
        and bool(field.required) == required
        and 'required' not in field.states
        and not field.context
        and (target is None or field.model_name == target)
        and (format is None or field.format == format))


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
        return frozenset(name
            for name, (target, domain, required) in ROW_CHECKED.items()
            if defined_as(cls._fields.get(name), fields.Many2One, domain,
                required, target=target))

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
        """The names of the row-checked fields some of records get wrong,
        from one read of the rows joined to their targets"""
        pool = Pool()
        table = cls.__table__()
        employee = pool.get('company.employee').__table__()
        location = pool.get('therapy.location').__table__()
        room = pool.get('therapy.room').__table__()
        service = pool.get('therapy.service').__table__()
        query = table.join(employee, 'LEFT',
            condition=employee.id == table.clinician
            ).join(location, 'LEFT', condition=location.id == table.location
            ).join(room, 'LEFT', condition=room.id == table.room
            ).join(service, 'LEFT', condition=service.id == table.service)
        wrong = set()
        for row in rows_of(query, table.id, [r.id for r in records],
                table.company, table.clinician, employee.company,
                employee.discipline, table.location, location.company,
                table.room, room.location, table.service, service.company,
                *cls._row_columns(table)).values():
            (company, clinician, clinician_company, discipline,
                location_, location_company, room_, room_location,
                service_, service_company), own = row[:10], row[10:]
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
            wrong |= cls._row_wrong(*own)
        return wrong

    @classmethod
    def _row_columns(cls, table):
        "The model's own columns its row check reads (_row_wrong's values)"
        return []

    @classmethod
    def _row_wrong(cls, *values):
        "The names of the model's own row-checked fields values get wrong"
        return set()

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
