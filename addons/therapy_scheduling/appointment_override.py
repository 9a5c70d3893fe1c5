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
from .exceptions import AppointmentAvailabilityError, AvailabilityWarning

OVERRIDE_GROUP = 'therapy_scheduling.group_schedule_override'


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
    def check_conflicts(cls, appointments):
        super().check_conflicts(appointments)
        if Transaction().user:
            cls.check_availability(appointments)

    @classmethod
    def check_availability(cls, appointments):
        Warning = Pool().get('res.user.warning')
        for appointment in appointments:
            if (appointment.state not in BLOCKING_STATES
                    or not appointment.clinician
                    or not appointment.location
                    or not cls.outside_availability(appointment)):
                continue
            message = gettext(
                'therapy_scheduling.msg_appointment_outside_availability',
                clinician=appointment.clinician.rec_name,
                when=format_local(
                    appointment.start, appointment.location.timezone))
            if not has_override_right():
                raise AppointmentAvailabilityError(message)
            key = Warning.format('outside_availability', [
                    appointment.clinician])
            key += f':{appointment.start.isoformat()}'
            if Warning.check(key):
                raise AvailabilityWarning(key, message)

    @classmethod
    def on_modification(cls, mode, appointments, field_names=None):
        super().on_modification(mode, appointments, field_names=field_names)
        if mode == 'create' or (
                mode == 'write' and field_names & cls._slot_fields):
            cls.log_overrides(appointments)

    @classmethod
    def log_overrides(cls, appointments):
        "Record the overrides confirmed for these appointments"
        pool = Pool()
        Override = pool.get('therapy.appointment.override')
        # without the right, check_availability refused the booking already
        if not Transaction().user or not has_override_right():
            return
        to_log = []
        for appointment in appointments:
            if (appointment.state in BLOCKING_STATES
                    and appointment.clinician and appointment.location
                    and cls.outside_availability(appointment)):
                to_log.append({
                        'appointment': appointment.id,
                        'kind': 'availability',
                        'detail': gettext(
                            'therapy_scheduling'
                            '.msg_appointment_outside_availability',
                            clinician=appointment.clinician.rec_name,
                            when=appointment.local_time),
                        })
        if to_log:
            Override.create(to_log)

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

    def get_user(self, name):
        return self.create_uid.id if self.create_uid else None

    def get_date(self, name):
        return self.create_date.replace(microsecond=0)
