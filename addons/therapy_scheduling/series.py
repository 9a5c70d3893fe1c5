import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from . import clock
from .booking import BookingMixin
from .exceptions import SeriesValidationError
from .recurrence import (
    RecurrenceError, Rule, horizon_end, occurrences, to_rrule)

WEEKDAYS = [
    ('0', "Monday"), ('1', "Tuesday"), ('2', "Wednesday"), ('3', "Thursday"),
    ('4', "Friday"), ('5', "Saturday"), ('6', "Sunday"),
    ]
HORIZON_WEEKS = 26


class Series(BookingMixin, Workflow, ModelSQL, ModelView):
    "Recurring Appointment Series"
    __name__ = 'therapy.appointment.series'
    _history = True

    _states = {'readonly': Eval('state') != 'draft'}

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))], states=_states)
    first_date = fields.Date(
        "First Date", required=True, states=_states,
        help="Date of the first appointment, in the location's time zone.")
    start_time = fields.Time(
        "Start Time", required=True, states=_states,
        help="Local time at the location; it stays the same across "
        "daylight saving changes.")
    frequency = fields.Selection([
            ('weekly', "Weekly"),
            ('monthly', "Monthly"),
            ], "Frequency", required=True, states=_states)
    interval = fields.Integer(
        "Every", required=True, states=_states,
        domain=[('interval', '>=', 1)],
        help="Every N weeks or months.")
    weekdays = fields.MultiSelection(
        WEEKDAYS, "Weekdays", sort=False,
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('frequency') != 'weekly',
            },
        help="Leave empty for the weekday of the first date.")
    monthly_by = fields.Selection([
            ('weekday', "Same weekday (e.g. 2nd Tuesday)"),
            ('day', "Same day of the month"),
            ], "Monthly By",
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('frequency') != 'monthly',
            'required': Eval('frequency') == 'monthly',
            })
    end_type = fields.Selection([
            ('count', "After a number of appointments"),
            ('until', "On a date"),
            ('never', "No end (extended as time passes)"),
            ], "Ends", required=True, states=_states)
    count = fields.Integer(
        "Appointments", domain=[If(Eval('end_type') == 'count',
                ('count', '>=', 1), ())],
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('end_type') != 'count',
            'required': Eval('end_type') == 'count',
            })
    until = fields.Date(
        "Until",
        domain=[If(Eval('end_type') == 'until',
                ('until', '>=', Eval('first_date', None)), ())],
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('end_type') != 'until',
            'required': Eval('end_type') == 'until',
            })
    skip_holidays = fields.Boolean(
        "Skip Holidays", states=_states,
        help="Propose to skip occurrences on US federal holidays.")
    rrule = fields.Function(
        fields.Char("Rule (RFC 5545)"), 'get_rrule')
    generated_until = fields.Date("Generated Until", readonly=True)
    appointments = fields.One2Many(
        'therapy.appointment', 'series', "Appointments", readonly=True,
        order=[('start', 'ASC')])
    skipped = fields.One2Many(
        'therapy.appointment.series.skip', 'series', "Skipped Occurrences",
        readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ('ended', "Ended"),
            ], "State", readonly=True, required=True, sort=False)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # a series books individual sessions only
        cls.service.domain = cls.service.domain + [
            ('group_session', '=', False)]
        cls._order = [('first_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'active'),
            ('active', 'ended'),
            }
        cls._buttons.update({
                'generate': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'end_series': {
                    'invisible': Eval('state') != 'active',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def _booking_readonly(cls):
        return Eval('state') != 'draft'

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_frequency(cls):
        return 'weekly'

    @classmethod
    def default_interval(cls):
        return 1

    @classmethod
    def default_monthly_by(cls):
        return 'weekday'

    @classmethod
    def default_end_type(cls):
        return 'count'

    @classmethod
    def default_count(cls):
        return 12

    @classmethod
    def default_skip_holidays(cls):
        return True

    @fields.depends('client', 'clinician', 'location', 'service',
        'modality')
    def on_change_client(self):
        if self.client:
            self.clinician = self.clinician or self.client.primary_clinician
            self.location = self.location or self.client.location

    def get_rec_name(self, name):
        client = self.client.rec_name if self.client else ''
        return f'{client} · {self.rrule}'

    @property
    def rule(self):
        return Rule(
            frequency=self.frequency,
            interval=self.interval or 1,
            weekdays=tuple(sorted(int(d) for d in self.weekdays or ())),
            monthly_by=self.monthly_by or 'weekday',
            count=self.count if self.end_type == 'count' else None,
            until=self.until if self.end_type == 'until' else None,
            skip_holidays=bool(self.skip_holidays))

    @property
    def first_local_start(self):
        return dt.datetime.combine(self.first_date, self.start_time)

    def get_rrule(self, name):
        if self.first_date and self.start_time and self.frequency:
            try:
                return to_rrule(self.rule, self.first_local_start)
            except RecurrenceError:
                return None

    @classmethod
    def validate_fields(cls, series, field_names):
        super().validate_fields(series, field_names)
        for record in series:
            try:
                record.rule.validate()
            except RecurrenceError as error:
                raise SeriesValidationError(gettext(
                        'therapy_scheduling.msg_series_invalid_rule',
                        series=record.rec_name, error=str(error)))

    def occurrences(self, date_from=None, date_to=None):
        "Occurrences of the rule within the dates (local, inclusive)"
        if self.end_type == 'never' and not date_to:
            date_to = horizon_end(dt.date.today(), HORIZON_WEEKS)
        return occurrences(
            self.rule, self.first_local_start, self.service.duration,
            self.location.timezone, date_from=date_from, date_to=date_to)

    def appointment_values(self, occurrence, start=None):
        start = start or occurrence.start
        return {
            'company': self.company.id,
            'client': self.client.id,
            'clinician': self.clinician.id,
            'location': self.location.id,
            'room': self.room.id if self.room else None,
            'service': self.service.id,
            'modality': self.modality,
            'place_of_service': self.place_of_service,
            'start': start,
            'end': start + (occurrence.end - occurrence.start),
            'series': self.id,
            'series_index': occurrence.index,
            }

    def conflict(self, values):
        """Why an appointment with values cannot be booked, or None"""
        Appointment = Pool().get('therapy.appointment')
        try:
            Appointment.check_booking([Appointment.pending(values)])
            Appointment.check_client_conflict(
                self.client, values['start'], values['end'])
        except ValidationError as error:
            return error.message

    def preview(self, date_from=None, date_to=None):
        """Yield (occurrence, problem) for the occurrences in the dates:
        problem is None, a holiday or a conflict message"""
        date_to = date_to or horizon_end(dt.date.today(), HORIZON_WEEKS)
        for occurrence in self.occurrences(date_from, date_to):
            if occurrence.start < clock.now():
                continue
            problem = None
            if occurrence.holiday and self.skip_holidays:
                problem = gettext(
                    'therapy_scheduling.msg_series_holiday',
                    holiday=occurrence.holiday)
            else:
                problem = self.conflict(self.appointment_values(occurrence))
            yield occurrence, problem

    @classmethod
    @ModelView.button_action('therapy_scheduling.wizard_series_generate')
    def generate(cls, series):
        pass

    @classmethod
    @Workflow.transition('active')
    def activate(cls, series, generated_until):
        cls.write(series, {'generated_until': generated_until})

    @classmethod
    def extend(cls, series=None):
        """Cron: book the occurrences that entered the horizon. An
        occurrence that cannot be booked is recorded as skipped, with why,
        on the series; never dropped silently."""
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Skip = pool.get('therapy.appointment.series.skip')
        if series is None:
            series = cls.search([('state', '=', 'active')])
        horizon = horizon_end(dt.date.today(), HORIZON_WEEKS)
        to_write = []
        for record in series:
            start = record.generated_until + dt.timedelta(days=1)
            if start > horizon:
                continue
            for occurrence, problem in record.preview(start, horizon):
                if problem:
                    Skip.create([{
                                'series': record.id,
                                'start': occurrence.start,
                                'reason': problem,
                                }])
                else:
                    Appointment.create(
                        [record.appointment_values(occurrence)])
            to_write.extend(([record], {'generated_until': horizon}))
        if to_write:
            cls.write(*to_write)

    @classmethod
    @ModelView.button_action('therapy_scheduling.wizard_series_end')
    def end_series(cls, series):
        pass

    @classmethod
    @Workflow.transition('ended')
    def do_end(cls, series, last_date, cancelled_by, reason):
        """End the series after last_date: the later appointments that
        were not held are cancelled (with who and why)."""
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        for record in series:
            later = [a for a in record.appointments
                if a.state in {'scheduled', 'confirmed'}
                and a.local_date > last_date]
            if later:
                Appointment.do_cancel(later, cancelled_by, reason)
        cls.write(series, {'end_type': 'until', 'until': last_date})


class SeriesSkip(ModelSQL, ModelView):
    "Skipped Series Occurrence"
    __name__ = 'therapy.appointment.series.skip'

    series = fields.Many2One(
        'therapy.appointment.series', "Series", required=True,
        ondelete='CASCADE')
    start = fields.DateTime("Start", required=True, readonly=True)
    reason = fields.Char("Reason", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('series')
        cls._order = [('start', 'ASC'), ('id', 'ASC')]


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    series = fields.Many2One(
        'therapy.appointment.series', "Series", readonly=True,
        ondelete='RESTRICT')
    series_index = fields.Integer("Occurrence", readonly=True,
        states={'invisible': ~Eval('series')})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'change_series': {
                    'invisible': ~Eval('series') | ~Eval('state').in_(
                        ['scheduled', 'confirmed']),
                    'icon': 'tryton-refresh',
                    'depends': ['series', 'state'],
                    },
                })

    @classmethod
    @ModelView.button_action('therapy_scheduling.wizard_series_change')
    def change_series(cls, appointments):
        pass

    @classmethod
    def copy(cls, appointments, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('series_index', None)
        return super().copy(appointments, default=default)

    @classmethod
    def do_reschedule(cls, appointment, start, cancelled_by, **changes):
        changes.setdefault('series_index', appointment.series_index)
        return super().do_reschedule(
            appointment, start, cancelled_by, **changes)

    @classmethod
    def check_client_conflict(cls, client, start, end):
        "Raise the named conflict when client is booked in [start, end)"
        Attendee = Pool().get('therapy.appointment.attendee')
        Attendee.check_conflicts([Attendee(
                    client=client, start=start, end=end, blocking=True)])
