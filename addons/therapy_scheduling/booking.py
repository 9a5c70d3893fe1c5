"""What a booking is made of (who, where, what, how), shared by the
appointment and the recurring series that books appointments like it."""
from trytond.model import fields
from trytond.pyson import Eval

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


class BookingMixin:
    """The booking template: clinician, location, room, service, modality
    and place of service, within the record's company.

    A model using it has a company field and says when the template is
    readonly (_booking_readonly); it may narrow the domains in __setup__
    (a series books individual sessions only)."""
    __slots__ = ()

    clinician = fields.Many2One(
        'company.employee', "Clinician", required=True, ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('discipline', '!=', None),
            ])
    location = fields.Many2One(
        'therapy.location', "Location", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])
    room = fields.Many2One(
        'therapy.room', "Room", ondelete='RESTRICT',
        domain=[('location', '=', Eval('location', -1))])
    service = fields.Many2One(
        'therapy.service', "Service", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])
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
