"""Recurring series: preview with conflicts, booking, extension, ending."""
import datetime as dt
import unittest

import holidays

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .fixtures import SchedulingPractice


def monday_holiday_ahead(min_days=14):
    "The next US federal holiday falling on a Monday, min_days from now"
    today = dt.date.today()
    calendar = holidays.US(years=[today.year, today.year + 1])
    return min((day, name) for day, name in calendar.items()
        if day.weekday() == 0 and (day - today).days >= min_days)


def create_series(practice, first_date, **values):
    Series = Pool().get('therapy.appointment.series')
    values.setdefault('start_time', dt.time(10, 0))
    series, = Series.create([{
                'client': practice.ann.id,
                'clinician': practice.dana.id,
                'location': practice.location.id,
                'service': practice.therapy.id,
                'first_date': first_date,
                **values}])
    return series


def run_generate(series, choose=None):
    """Run the Preview and Book wizard; choose(line) may change a line's
    action before booking. Return the preview lines."""
    pool = Pool()
    Generate = pool.get('therapy.appointment.series.generate', type='wizard')
    Line = pool.get('therapy.appointment.series.generate.line')
    session_id, _, _ = Generate.create()
    with Transaction().set_context(
            active_model=series.__name__, active_id=series.id,
            active_ids=[series.id]):
        generate = Generate(session_id)
        lines = [Line(**v) for v in generate.default_start(None)['lines']]
        for line in lines:
            if choose:
                choose(line)
        generate.start.lines = lines
        generate.transition_book()
    Generate.delete(session_id)
    return lines


class SeriesTestCase(unittest.TestCase):
    "Test recurring appointment series"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @with_transaction()
    def test_weekly_series_with_a_holiday_moved(self):
        holiday, name = monday_holiday_ahead()
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            series = create_series(
                practice, holiday - dt.timedelta(weeks=2), count=12)
            self.assertEqual(series.rrule, 'FREQ=WEEKLY;BYDAY=MO;COUNT=12')

            def move_holiday(line):
                if line.problem:
                    self.assertIn("Holiday: ", line.problem)
                    line.action = 'move'
                    line.new_start = line.start + dt.timedelta(days=1)
            lines = run_generate(series, move_holiday)
            self.assertEqual(len(lines), 12)
            self.assertIn(f"Holiday: {name}", [l.problem for l in lines])
            self.assertEqual(series.state, 'active')
            self.assertEqual(len(series.appointments), 12)
            self.assertEqual(
                {a.start.time() for a in series.appointments}
                - {dt.time(15), dt.time(14)}, set(),
                "10:00 in New York is 14:00 or 15:00 UTC")
            moved, = [a for a in series.appointments
                if a.local_date == holiday + dt.timedelta(days=1)]
            self.assertEqual(moved.series_index, 2)

    @with_transaction()
    def test_conflict_is_shown_and_skipped_not_dropped(self):
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            first = dt.date.today() + dt.timedelta(days=14)
            first += dt.timedelta(days=(1 - first.weekday()) % 7)  # Tuesday
            series = create_series(practice, first, count=4,
                skip_holidays=False)
            # Dana is busy at the third occurrence
            busy = series.occurrences()[2]
            practice.book(busy.start, client=practice.ben)
            lines = run_generate(series)
            problems = [l for l in lines if l.problem]
            self.assertEqual(len(problems), 1)
            self.assertIn("Dana is already booked", problems[0].problem)
            self.assertEqual(problems[0].action, 'skip')
            self.assertEqual(len(series.appointments), 3)
            skip, = series.skipped
            self.assertEqual(skip.start, busy.start)
            self.assertIn("Dana is already booked", skip.reason)

    @with_transaction()
    def test_open_series_extends_to_the_horizon(self):
        pool = Pool()
        Series = pool.get('therapy.appointment.series')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            first = dt.date.today() + dt.timedelta(days=7)
            series = create_series(practice, first, end_type='never',
                frequency='weekly', interval=2, skip_holidays=False)
            # as if booked long ago: only the first month exists
            Series.activate([series], first + dt.timedelta(weeks=4))
            Series.extend()
            # every other week from week 5 to week 26
            self.assertGreaterEqual(len(series.appointments), 10)
            self.assertGreater(
                min(a.local_date for a in series.appointments),
                first + dt.timedelta(weeks=4))
            last = max(a.local_date for a in series.appointments)
            self.assertLessEqual(
                last, dt.date.today() + dt.timedelta(weeks=26))
            self.assertEqual(
                series.generated_until,
                dt.date.today() + dt.timedelta(weeks=26))
            # running the cron again books nothing twice
            count = len(series.appointments)
            Series.extend()
            self.assertEqual(len(series.appointments), count)

    @with_transaction()
    def test_end_series_cancels_the_rest(self):
        Series = Pool().get('therapy.appointment.series')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            first = dt.date.today() + dt.timedelta(days=7)
            series = create_series(
                practice, first, count=6, skip_holidays=False)
            run_generate(series)
            last_date = first + dt.timedelta(weeks=2)
            Series.do_end([series], last_date, 'client', 'financial')
            kept = [a for a in series.appointments if a.state == 'scheduled']
            cancelled = [a for a in series.appointments
                if a.state == 'cancelled']
            self.assertEqual(len(kept), 3)
            self.assertEqual(len(cancelled), 3)
            self.assertEqual(
                {a.cancelled_by for a in cancelled}, {'client'})
            self.assertEqual(series.state, 'ended')
            self.assertEqual(series.until, last_date)

    @with_transaction()
    def test_invalid_rule_message(self):
        from trytond.model.exceptions import ValidationError
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            with self.assertRaisesRegex(ValidationError, "not valid"):
                create_series(practice, dt.date.today(), frequency='monthly',
                    weekdays=['1'])

    @with_transaction()
    def test_template_checked_from_rows(self):
        """A series' relations are checked from rows as an appointment's
        but its service (narrowed to individual sessions: Tryton's)"""
        from trytond.model.exceptions import ValidationError
        from .fixtures import create_location, create_room
        Series = Pool().get('therapy.appointment.series')
        self.assertEqual(Series._row_checked,
            {'company', 'clinician', 'location', 'room'})
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            elsewhere = create_room(create_location("Uptown"), "Blue")
            with self.assertRaisesRegex(ValidationError,
                    '"Room" .* not valid according to its domain'):
                create_series(practice, dt.date.today(), room=elsewhere.id)

    @with_transaction()
    def test_change_this_and_following(self):
        pool = Pool()
        Change = pool.get('therapy.appointment.series.change', type='wizard')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            first = dt.date.today() + dt.timedelta(days=7)
            series = create_series(
                practice, first, count=4, skip_holidays=False)
            run_generate(series)
            third = sorted(series.appointments, key=lambda a: a.start)[2]
            session_id, _, _ = Change.create()
            with Transaction().set_context(
                    active_model=third.__name__, active_id=third.id,
                    active_ids=[third.id]):
                change = Change(session_id)
                for name, value in change.default_start(None).items():
                    setattr(change.start, name, value)
                change.start.scope = 'following'
                change.start.start_time = dt.time(10, 30)
                change.start.clinician = practice.eli
                change.transition_apply()
            held = [a for a in series.appointments
                if a.state == 'scheduled']
            self.assertEqual(len(held), 4)
            moved = sorted(
                (a for a in held if a.series_index >= 2),
                key=lambda a: a.start)
            self.assertEqual(len(moved), 2)
            self.assertEqual({a.clinician for a in moved}, {practice.eli})
            self.assertTrue(all(
                    a.local_time.split(' ', 4)[4].startswith('10:30')
                    for a in moved))
            rescheduled = [a for a in series.appointments
                if a.cancel_reason == 'rescheduled']
            self.assertEqual(len(rescheduled), 2)
            self.assertEqual(series.start_time, dt.time(10, 30))
            self.assertEqual(series.clinician, practice.eli)
