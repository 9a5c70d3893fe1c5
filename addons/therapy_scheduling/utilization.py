"""Utilization and attendance per clinician, location and week: the hours
a clinician could see clients, the hours booked, the visits kept, missed
and cancelled, and the waitlist slots filled (the owner's view).

A table_query of Tryton's reporting kind (sale_reporting): one row a
week, clinician and location that had hours or appointments, over the last
N weeks of the context. The visit counts are SQL sums, bucketed like the
practice's week (therapy_reporting's KPI) by the stored UTC start; the
hours are computed in Python for the rows read, a few queries for all of
them: weekly hours are templates expanded in the location's time zone less
time off and holidays (Availability._windows, as the free-slot search),
which no SQL of both backends does."""
import datetime as dt
from collections import defaultdict

from sql import Literal, Null, Union, Values, Window
from sql.aggregate import Count, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import RowNumber

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import slots
from .appointment import BLOCKING_STATES
from .report_sql import (
    WeeksContextMixin, context_weeks, in_weeks, table_query_columns,
    week_of)

# the clinician's time is held by these (a no-show held it too)
HELD_STATES = BLOCKING_STATES + ['no_show']


def hours(intervals):
    "The hours of [(start, end)] intervals"
    return sum(((end - start).total_seconds() for start, end in intervals),
        0.0) / 3600


def percent(part, whole):
    return round(100 * part / whole, 1) if whole else 0.0


class UtilizationContext(WeeksContextMixin, ModelView):
    "Utilization Context"
    __name__ = 'therapy.utilization.context'

    clinician = fields.Many2One(
        'company.employee', "Clinician",
        domain=[('discipline', '!=', None)],
        help="Empty: every clinician.")

    @classmethod
    def default_clinician(cls):
        return Transaction().context.get('clinician')


class Utilization(ModelSQL, ModelView):
    "Clinician Utilization"
    __name__ = 'therapy.utilization'

    company = fields.Many2One('company.company', "Company", readonly=True)
    week = fields.Date("Week Of", readonly=True)
    clinician = fields.Many2One(
        'company.employee', "Clinician", readonly=True)
    location = fields.Many2One('therapy.location', "Location", readonly=True)
    sessions = fields.Integer("Sessions", readonly=True,
        help="Appointments that held the clinician's time: booked, kept "
        "or missed (cancelled ones excluded).")
    kept = fields.Integer("Kept", readonly=True,
        help="Client visits attended (each client of a group counts).")
    no_shows = fields.Integer("No-Shows", readonly=True)
    late_cancellations = fields.Integer("Late Cancellations", readonly=True)
    cancellations = fields.Integer("Cancellations", readonly=True,
        help="Visits cancelled by client or practice; reschedules "
        "excluded.")
    waitlist_fills = fields.Integer("Waitlist Fills", readonly=True,
        help="Freed slots the waitlist filled with an appointment.")
    available_hours = fields.Function(
        fields.Float("Available Hours", digits=(6, 2),
            help="Weekly hours and extra hours at the location, less time "
            "off and holidays."),
        'get_hours')
    booked_hours = fields.Function(
        fields.Float("Booked Hours", digits=(6, 2),
            help="Hours of the sessions."),
        'get_hours')
    utilization = fields.Function(
        fields.Float("Utilization %", digits=(4, 1),
            help="Booked hours over available hours."),
        'get_hours')
    no_show_rate = fields.Function(
        fields.Float("No-Show %", digits=(3, 1)), 'get_rates')
    late_cancel_rate = fields.Function(
        fields.Float("Late Cancel %", digits=(3, 1)), 'get_rates')
    cancel_rate = fields.Function(
        fields.Float("Cancellation %", digits=(3, 1)), 'get_rates')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('week', 'ASC'), ('clinician', 'ASC'),
            ('location', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Availability = pool.get('therapy.availability')
        context = Transaction().context
        company = context.get('company') or -1
        starts = context_weeks()
        values = Values([[i + 1, start, start + dt.timedelta(days=6)]
                for i, start in enumerate(starts)])
        weeks = values.select(values.column1.as_('id'),
            values.column2.as_('start'), values.column3.as_('last'))
        appointment = Appointment.__table__()
        availability = Availability.__table__()
        booked_in = week_of(starts, appointment.start)
        hours_where = ((availability.company == company)
            & ((availability.valid_from == Null)
                | (availability.valid_from <= weeks.last))
            & ((availability.valid_to == Null)
                | (availability.valid_to >= weeks.start)))
        for name in ['location', 'clinician']:
            if context.get(name):
                hours_where &= getattr(availability, name) == context[name]
        # every week, clinician and location with appointments or hours
        keys = Union(
            appointment.select(booked_in.as_('week'),
                appointment.clinician, appointment.location,
                where=cls._same_where(appointment)),
            weeks.join(availability, condition=hours_where).select(
                weeks.id.as_('week'), availability.clinician,
                availability.location))
        sessions = cls._sessions(starts)
        visits = cls._visits(starts)
        fills = cls._fills(starts)

        def on(other):
            return ((other.week == keys.week)
                & (other.clinician == keys.clinician)
                & (other.location == keys.location))
        return (keys
            .join(weeks, condition=weeks.id == keys.week)
            .join(sessions, 'LEFT', condition=on(sessions))
            .join(visits, 'LEFT', condition=on(visits))
            .join(fills, 'LEFT', condition=on(fills))
            .select(
                RowNumber(window=Window([], order_by=[keys.week.asc,
                            keys.clinician.asc, keys.location.asc])
                    ).as_('id'),
                Literal(company).as_('company'),
                weeks.start.as_('week'),
                keys.clinician.as_('clinician'),
                keys.location.as_('location'),
                Coalesce(sessions.sessions, 0).as_('sessions'),
                Coalesce(visits.kept, 0).as_('kept'),
                Coalesce(visits.no_shows, 0).as_('no_shows'),
                Coalesce(visits.late_cancellations, 0).as_(
                    'late_cancellations'),
                Coalesce(visits.cancellations, 0).as_('cancellations'),
                Coalesce(fills.fills, 0).as_('waitlist_fills'),
                *table_query_columns(cls),
                where=(keys.clinician != Null) & (keys.location != Null)))

    @classmethod
    def _sessions(cls, starts):
        Appointment = Pool().get('therapy.appointment')
        appointment = Appointment.__table__()
        rows = appointment.select(
            week_of(starts, appointment.start).as_('week'),
            appointment.clinician, appointment.location, appointment.id,
            where=cls._same_where(appointment)
            & appointment.state.in_(HELD_STATES))
        return rows.select(
            rows.week, rows.clinician, rows.location,
            Count(rows.id).as_('sessions'),
            group_by=[rows.week, rows.clinician, rows.location])

    @classmethod
    def _visits(cls, starts):
        pool = Pool()
        Attendee = pool.get('therapy.appointment.attendee')
        Appointment = pool.get('therapy.appointment')
        attendee = Attendee.__table__()
        appointment = Appointment.__table__()
        cancelled = ((attendee.attendance == 'cancelled')
            & (Coalesce(appointment.cancel_reason, '') != 'rescheduled'))
        late = cancelled & (appointment.late_cancellation == Literal(True))

        def flag(condition):
            return Case((condition, 1), else_=0)
        rows = attendee.join(appointment,
            condition=attendee.appointment == appointment.id).select(
                week_of(starts, appointment.start).as_('week'),
                appointment.clinician, appointment.location,
                flag(attendee.attendance == 'attended').as_('kept'),
                flag(attendee.attendance == 'no_show').as_('no_shows'),
                flag(late).as_('late_cancellations'),
                flag(cancelled).as_('cancellations'),
                where=cls._same_where(appointment))
        return rows.select(
            rows.week, rows.clinician, rows.location,
            Sum(rows.kept).as_('kept'),
            Sum(rows.no_shows).as_('no_shows'),
            Sum(rows.late_cancellations).as_('late_cancellations'),
            Sum(rows.cancellations).as_('cancellations'),
            group_by=[rows.week, rows.clinician, rows.location])

    @classmethod
    def _fills(cls, starts):
        pool = Pool()
        Slot = pool.get('therapy.waitlist.slot')
        Appointment = pool.get('therapy.appointment')
        slot = Slot.__table__()
        appointment = Appointment.__table__()
        rows = slot.join(appointment,
            condition=slot.booked_appointment == appointment.id).select(
                week_of(starts, appointment.start).as_('week'),
                appointment.clinician, appointment.location, slot.id,
                where=cls._same_where(appointment)
                & (slot.state == 'filled'))
        return rows.select(
            rows.week, rows.clinician, rows.location,
            Count(rows.id).as_('fills'),
            group_by=[rows.week, rows.clinician, rows.location])

    @classmethod
    def _same_where(cls, appointment):
        """The context's conditions on appointment: the company, the
        weeks, the location and clinician when chosen"""
        context = Transaction().context
        where = ((appointment.company == (context.get('company') or -1))
            & in_weeks(context_weeks(), appointment.start))
        for name in ['location', 'clinician']:
            if context.get(name):
                where &= getattr(appointment, name) == context[name]
        return where

    @classmethod
    def get_hours(cls, rows, names):
        """Available and booked hours of rows, and their ratio: the
        appointments and hours of all rows' clinicians over the rows' weeks
        read at once, a location at a time"""
        pool = Pool()
        Availability = pool.get('therapy.availability')
        Appointment = pool.get('therapy.appointment')
        appointment = Appointment.__table__()
        cursor = Transaction().connection.cursor()
        result = {n: {r.id: 0.0 for r in rows} for n in names}
        by_location = defaultdict(list)
        for row in rows:
            if row.location and row.clinician:
                by_location[row.location].append(row)
        for location, located in by_location.items():
            tz = location.timezone
            first = min(r.week for r in located)
            last = max(r.week for r in located) + dt.timedelta(days=6)
            clinicians = list({r.clinician for r in located})
            windows = Availability._windows(clinicians, location, first,
                last, ('bookable', 'contact'), appointments=False)
            low, high = slots.utc_bounds(first, last, tz)
            available, booked = defaultdict(list), defaultdict(list)
            for clinician_id, free in windows.items():
                for window in free:
                    week = cls._local_week(window.start, tz)
                    available[clinician_id, week].append(
                        (window.start, window.end))
            # rows, not records: a chain's year is tens of thousands
            cursor.execute(*appointment.select(
                    appointment.clinician, appointment.start,
                    appointment.end,
                    where=appointment.clinician.in_(
                        [c.id for c in clinicians])
                    & (appointment.location == location.id)
                    & appointment.state.in_(HELD_STATES)
                    & (appointment.start < high)
                    & (appointment.end > low)))
            for clinician_id, start, end in cursor:
                booked[clinician_id, cls._utc_week(start)].append(
                    (start, end))
            for row in located:
                key = row.clinician.id, row.week
                values = {
                    'available_hours': hours(available[key]),
                    'booked_hours': hours(booked[key]),
                    }
                values['utilization'] = percent(
                    values['booked_hours'], values['available_hours'])
                values['available_hours'] = round(
                    values['available_hours'], 2)
                values['booked_hours'] = round(values['booked_hours'], 2)
                for name in names:
                    result[name][row.id] = values[name]
        return result

    @staticmethod
    def _local_week(value, tz):
        "The Monday of the local week of naive UTC value"
        day = slots.to_local(value, tz).date()
        return day - dt.timedelta(days=day.weekday())

    @staticmethod
    def _utc_week(value):
        "The Monday of the UTC week of value (the visit counts' bucket)"
        day = value.date()
        return day - dt.timedelta(days=day.weekday())

    @classmethod
    def get_rates(cls, rows, names):
        result = {n: {} for n in names}
        for row in rows:
            booked = row.kept + row.no_shows + row.cancellations
            for name, count in [('no_show_rate', row.no_shows),
                    ('late_cancel_rate', row.late_cancellations),
                    ('cancel_rate', row.cancellations)]:
                if name in names:
                    result[name][row.id] = percent(count, booked)
        return result

    def get_rec_name(self, name):
        return ' - '.join(filter(None, [
                    self.week.strftime('%m/%d/%Y') if self.week else '',
                    self.clinician.rec_name if self.clinician else '']))
