"""Clinician availability: weekly hours, time off and extra hours, holidays.

The free-slot search (free_slots, is_available) gathers these rows and the
booked appointments and hands the interval work to the pure slots.py."""
import datetime as dt
from collections import defaultdict

import holidays

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from . import slots
from .appointment import BLOCKING_STATES, format_local
from .exceptions import AvailabilityValidationError

WEEKDAYS = [
    ('0', "Monday"),
    ('1', "Tuesday"),
    ('2', "Wednesday"),
    ('3', "Thursday"),
    ('4', "Friday"),
    ('5', "Saturday"),
    ('6', "Sunday"),
    ]
KINDS = [
    ('bookable', "Bookable"),
    ('contact', "Contact to Book"),
    ]
EXCEPTION_KINDS = [
    ('time_off', "Time Off"),
    ('extra', "Extra Hours"),
    ]


def _utcnow():
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _clinician_domain():
    return [
        ('company', '=', Eval('company', -1)),
        ('discipline', '!=', None),
        ]


def _check_location(record, location):
    "Refuse a location the clinician does not work at (when they list any)"
    clinician = record.clinician
    if (location and clinician.therapy_locations
            and location not in clinician.therapy_locations):
        raise AvailabilityValidationError(gettext(
                'therapy_scheduling.msg_availability_location',
                clinician=clinician.rec_name, location=location.rec_name))


class Availability(ModelSQL, ModelView):
    "Weekly hours a clinician sees clients at a location"
    __name__ = 'therapy.availability'

    company = fields.Many2One('company.company', "Company", required=True)
    clinician = fields.Many2One(
        'company.employee', "Clinician", required=True, ondelete='CASCADE',
        domain=_clinician_domain())
    location = fields.Many2One(
        'therapy.location', "Location", required=True, ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))])
    weekday = fields.Selection(WEEKDAYS, "Weekday", required=True, sort=False)
    start_time = fields.Time(
        "Start", required=True, format='%H:%M',
        help="Local wall time of the location.")
    end_time = fields.Time(
        "End", required=True, format='%H:%M',
        help="Local wall time of the location; after the start.")
    kind = fields.Selection(
        KINDS, "Kind", required=True, sort=False,
        help="Bookable: the front desk and online booking may book it.\n"
        "Contact to Book: staff may book it; it is not offered online.")
    valid_from = fields.Date(
        "Valid From", help="First day these hours apply (empty: always).")
    valid_to = fields.Date(
        "Valid To", help="Last day these hours apply (empty: no end).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('clinician', 'ASC'), ('weekday', 'ASC'),
            ('start_time', 'ASC'), ('id', 'ASC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'bookable'

    def get_rec_name(self, name):
        weekday = dict(WEEKDAYS)[self.weekday]
        text = (f'{self.clinician.rec_name}, {weekday} '
            f'{self.start_time:%H:%M}-{self.end_time:%H:%M} '
            f'at {self.location.rec_name}')
        if self.valid_from or self.valid_to:
            text += f" ({self.valid_from or '…'} to {self.valid_to or '…'})"
        return text

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        return [('clinician.rec_name', operator, value)]

    def overlaps(self, other):
        "Same clinician and weekday, hours and validity dates overlapping"
        return (self.clinician == other.clinician
            and self.weekday == other.weekday
            and self.start_time < other.end_time
            and other.start_time < self.end_time
            and (not self.valid_from or not other.valid_to
                or self.valid_from <= other.valid_to)
            and (not other.valid_from or not self.valid_to
                or other.valid_from <= self.valid_to))

    @classmethod
    def validate_fields(cls, rows, field_names):
        super().validate_fields(rows, field_names)
        for row in rows:
            if row.end_time <= row.start_time:
                raise AvailabilityValidationError(gettext(
                        'therapy_scheduling.msg_availability_times',
                        availability=row.rec_name))
            if (row.valid_from and row.valid_to
                    and row.valid_to < row.valid_from):
                raise AvailabilityValidationError(gettext(
                        'therapy_scheduling.msg_availability_validity',
                        availability=row.rec_name))
            _check_location(row, row.location)
        cls.check_overlap(rows)

    @classmethod
    def check_overlap(cls, rows):
        """One clinician cannot be in two places, nor keep two rows for the
        same hours: refuse overlapping rows, naming the other one."""
        for row in rows:
            others = cls.search([
                    ('id', '!=', row.id),
                    ('clinician', '=', row.clinician.id),
                    ('weekday', '=', row.weekday),
                    ])
            for other in others:
                if row.overlaps(other):
                    raise AvailabilityValidationError(gettext(
                            'therapy_scheduling.msg_availability_overlap',
                            availability=row.rec_name,
                            other=other.rec_name))

    @classmethod
    def _windows(cls, clinicians, location, date_from, date_to, kinds,
            appointments=True):
        """Free windows per clinician id at location over the local dates
        [date_from, date_to]: weekly rows and extra hours, minus time off,
        extra hours elsewhere, holidays and (if appointments) bookings."""
        pool = Pool()
        Exception_ = pool.get('therapy.availability.exception')
        Holiday = pool.get('therapy.holiday')
        Appointment = pool.get('therapy.appointment')
        tz = location.timezone
        low, high = slots.utc_bounds(date_from, date_to, tz)
        ids = [c.id for c in clinicians]
        windows, busy = defaultdict(list), defaultdict(list)
        rows = cls.search([
                ('clinician', 'in', ids),
                ('location', '=', location.id),
                ('kind', 'in', list(kinds)),
                ['OR', ('valid_from', '=', None),
                    ('valid_from', '<=', date_to)],
                ['OR', ('valid_to', '=', None),
                    ('valid_to', '>=', date_from)],
                ])
        templates = defaultdict(list)
        for row in rows:
            templates[row.clinician.id].append(slots.Template(
                    int(row.weekday), row.start_time, row.end_time,
                    row.kind, row.valid_from, row.valid_to))
        for clinician_id, rows in templates.items():
            windows[clinician_id] = slots.expand(rows, date_from, date_to, tz)
        for exception in Exception_.search([
                    ('clinician', 'in', ids),
                    ('start', '<', high),
                    ('end', '>', low),
                    ]):
            clinician_id = exception.clinician.id
            if exception.kind == 'extra' and exception.location == location:
                if 'bookable' in kinds:
                    windows[clinician_id].append(slots.Window(
                            exception.start, exception.end, 'bookable'))
            else:
                busy[clinician_id].append((exception.start, exception.end))
        if appointments:
            for appointment in Appointment.search([
                        ('clinician', 'in', ids),
                        ('state', 'in', BLOCKING_STATES),
                        ('start', '<', high),
                        ('end', '>', low),
                        ]):
                busy[appointment.clinician.id].append(
                    (appointment.start, appointment.end))
        closed = slots.local_days([h.date for h in Holiday.search([
                        ('company', '=', location.company.id),
                        ('date', '>=', date_from),
                        ('date', '<=', date_to),
                        ])], tz)
        return {
            clinician_id: slots.clip(slots.subtract(slots.normalize(w),
                    busy[clinician_id] + closed), low, high)
            for clinician_id, w in windows.items()}

    @classmethod
    def free_slots(cls, clinicians, location, duration, date_from, date_to,
            kinds=('bookable', 'contact'), not_before=None,
            step=slots.DEFAULT_STEP, busy=()):
        """Return [(clinician, start, end, kind)] of free slots of duration
        at location on the local dates [date_from, date_to], earliest first
        then by clinician name; start and end are naive UTC.

        Slots start on multiples of step in local time and not before
        not_before (default: now).  Online booking passes
        kinds=('bookable',)."""
        Employee = Pool().get('company.employee')
        clinicians = Employee.browse([int(c) for c in clinicians])
        by_id = {c.id: c for c in clinicians}
        if not_before is None:
            not_before = _utcnow()
        windows = cls._windows(
            clinicians, location, date_from, date_to, kinds)
        found = []
        for clinician_id, free in windows.items():
            free = slots.subtract(free, busy) if busy else free
            for window in slots.cut([w for w in free if w.kind in kinds],
                    duration, step=step, tz=location.timezone,
                    not_before=not_before):
                found.append((by_id[clinician_id], *window))
        return [tuple(s) for s in slots.rank(
                found, key=lambda c: (c.rec_name, c.id))]

    @classmethod
    def is_available(cls, clinician, location, start, end):
        """Whether [start, end) (naive UTC) lies entirely inside the
        clinician's hours at location (bookable, contact to book or extra
        hours) and outside time off and holidays.  Bookings are not looked
        at: the appointment's own overlap checks handle them."""
        tz = location.timezone
        date_from = slots.to_local(start, tz).date()
        date_to = slots.to_local(end, tz).date()
        windows = cls._windows([clinician], location, date_from, date_to,
            ('bookable', 'contact'), appointments=False)
        return slots.covers(windows.get(clinician.id, []), start, end)


class AvailabilityException(ModelSQL, ModelView):
    "Time off or extra hours of a clinician"
    __name__ = 'therapy.availability.exception'

    company = fields.Many2One('company.company', "Company", required=True)
    clinician = fields.Many2One(
        'company.employee', "Clinician", required=True, ondelete='CASCADE',
        domain=_clinician_domain())
    kind = fields.Selection(
        EXCEPTION_KINDS, "Kind", required=True, sort=False,
        help="Time Off removes availability (vacation, sick, training).\n"
        "Extra Hours add bookable time at a location (e.g. a Saturday "
        "clinic).")
    start = fields.DateTime("Start", required=True)
    end = fields.DateTime("End", required=True, help="After the start.")
    location = fields.Many2One(
        'therapy.location', "Location", ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))],
        states={'invisible': Eval('kind') != 'extra'},
        help="Where the extra hours are held (needed for extra hours).")
    reason = fields.Char("Reason", help="No clinical details.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'time_off'

    @fields.depends('kind', 'location')
    def on_change_kind(self):
        if self.kind != 'extra':
            self.location = None

    def get_rec_name(self, name):
        timezone = (self.location.timezone if self.location
            else self.company.timezone if self.company else None)
        kind = dict(EXCEPTION_KINDS)[self.kind]
        return (f'{self.clinician.rec_name}, {kind} '
            f'{format_local(self.start, timezone)} to '
            f'{format_local(self.end, timezone)}')

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        return [('clinician.rec_name', operator, value)]

    @classmethod
    def validate_fields(cls, exceptions, field_names):
        super().validate_fields(exceptions, field_names)
        for exception in exceptions:
            if exception.end <= exception.start:
                raise AvailabilityValidationError(gettext(
                        'therapy_scheduling.msg_availability_exception_dates',
                        exception=exception.rec_name))
            if exception.kind == 'extra':
                if not exception.location:
                    raise AvailabilityValidationError(gettext(
                            'therapy_scheduling'
                            '.msg_availability_exception_location',
                            exception=exception.rec_name))
                _check_location(exception, exception.location)


class Holiday(ModelSQL, ModelView):
    "Practice holiday: closed all day for everyone"
    __name__ = 'therapy.holiday'

    company = fields.Many2One('company.company', "Company", required=True)
    date = fields.Date("Date", required=True)
    name = fields.Char("Name", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('date_unique', Unique(t, t.company, t.date),
                'therapy_scheduling.msg_holiday_date_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    def get_rec_name(self, name):
        return f'{self.date} {self.name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        return [('name', operator, value)]

    @classmethod
    def create_us_federal(cls, company, years):
        """Create the US federal holidays (with their observed weekdays) of
        years for company, skipping dates it already has; return them."""
        calendar = holidays.US(years=list(years))
        existing = {h.date for h in cls.search([
                    ('company', '=', company.id),
                    ('date', 'in', list(calendar.keys())),
                    ])}
        return cls.create([{
                    'company': company.id, 'date': date, 'name': name}
                for date, name in sorted(calendar.items())
                if date not in existing])
