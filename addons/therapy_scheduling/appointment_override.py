"""Booking respects clinician availability; overriding it is a right, and
every override is logged.

A clinician who has no availability rows at all is not restricted (a
practice that has not entered hours yet keeps booking). Someone without
the override right gets an error; someone with it is warned once and, on
confirming, books, which writes a therapy.appointment.override row (who,
when, what). Jobs running as root (cron, series extension) are not asked:
their bookings were approved when the series was.
"""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .appointment import BLOCKING_STATES, format_local
from .exceptions import AppointmentValidationError, AvailabilityWarning

OVERRIDE_GROUP = 'therapy_scheduling.group_schedule_override'
# the name of a guard's warning, when it is not its kind: the confirmations
# users ticked "always" for keep matching
WARNING_NAMES = {'availability': 'outside_availability'}


def has_override_right():
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    return ModelData.get_id(OVERRIDE_GROUP) in User.get_groups()


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    overrides = fields.One2Many(
        'therapy.appointment.override', 'appointment', "Overrides",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._slot_fields = cls._slot_fields | {'location'}

    @classmethod
    def check_booking(cls, appointments):
        super().check_booking(appointments)
        if Transaction().user:
            cls.check_availability(appointments)

    @classmethod
    def check_availability(cls, appointments):
        Override = Pool().get('therapy.appointment.override')
        for appointment in appointments:
            if (appointment.state in BLOCKING_STATES
                    and appointment.clinician
                    and appointment.location
                    and cls.outside_availability(appointment)):
                Override.guard('availability', gettext(
                        'therapy_scheduling'
                        '.msg_appointment_outside_availability',
                        clinician=appointment.clinician.rec_name,
                        when=format_local(appointment.start,
                            appointment.location.timezone)),
                    appointment, appointment.clinician, appointment.start)

    @classmethod
    def booking_values(cls, values, appointment):
        values = super().booking_values(values, appointment)
        # overrides confirmed before the appointment existed
        overrides = getattr(appointment, 'overrides', None)
        if overrides:
            values = values.copy()
            values['overrides'] = list(values.get('overrides', [])) + [
                ('create', [{'kind': o.kind, 'detail': o.detail}
                        for o in overrides])]
        return values

    @staticmethod
    def outside_availability(appointment):
        pool = Pool()
        Availability = pool.get('therapy.availability')
        return bool(Availability.search([
                    ('clinician', '=', appointment.clinician.id),
                    ], limit=1)) and not Availability.is_available(
            appointment.clinician, appointment.location,
            appointment.start, appointment.end)


class Override(ModelSQL, ModelView):
    "Booking Override"
    __name__ = 'therapy.appointment.override'

    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", required=True,
        ondelete='CASCADE', readonly=True)
    kind = fields.Selection([
            ('availability', "Outside availability"),
            ], "Kind", required=True, readonly=True)
    detail = fields.Char("Detail", readonly=True)
    user = fields.Function(
        fields.Many2One('res.user', "By"), 'get_user')
    date = fields.Function(fields.DateTime("At"), 'get_date')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('appointment')
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def guard(cls, kind, problem, appointment, about, start):
        """Let a booking through despite problem only for a user with the
        override right: warn once (about the record, at start) and, once
        confirmed, log the override of kind on appointment. Without the
        right, or in a job without a user, refuse it."""
        Warning = Pool().get('res.user.warning')
        if not Transaction().user or not has_override_right():
            raise AppointmentValidationError(problem)
        key = Warning.format(WARNING_NAMES.get(kind, kind), [about])
        key += f':{start.isoformat()}'
        if Warning.check(key):
            raise AvailabilityWarning(key, problem)
        # logged with the booking: both are undone if it fails
        override = cls(kind=kind, detail=problem[:250])
        if appointment.id is None:
            # not stored yet: the row is created with it (booking_values)
            appointment.overrides = (
                list(getattr(appointment, 'overrides', ())) + [override])
        else:
            override.appointment = appointment
            override.save()

    def get_user(self, name):
        return self.create_uid.id if self.create_uid else None

    def get_date(self, name):
        return self.create_date.replace(microsecond=0)
