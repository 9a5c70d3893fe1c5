"""Clinician availability, the free-slot search and the Find a Slot wizard.

Dates are in March 2031 at a New York location: Monday March 3 is on
standard time (UTC-5), daylight time starts Sunday March 9 (UTC-4)."""
import datetime as dt
import unittest

from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from ..slots import to_local
from .fixtures import (
    Practice, create_availability, create_client, create_clinician,
    create_location, create_service, create_time_off)

NY = 'America/New_York'
MONDAY = dt.date(2031, 3, 3)
NEXT_MONDAY = dt.date(2031, 3, 10)
MIN = dt.timedelta(minutes=1)
T = dt.datetime
t = dt.time


def local(slots):
    "(clinician name, local start) of free slots"
    return [(c.rec_name, to_local(start, NY)) for c, start, _, _ in slots]


class AvailabilityPractice(Practice):
    """One location, two clinicians (Eli created first: slots are ranked by
    name, not by id), a client, a service; book() takes Dana and Ann"""

    def __init__(self):
        super().__init__()
        self.eli = create_clinician("Eli", therapy_locations=[self.location])
        self.dana = create_clinician(
            "Dana", therapy_locations=[self.location])
        self.ann = create_client("Ann", location=self.location.id)
        self.therapy = create_service()   # 45 minutes
        self.clinician, self.client, self.service = (
            self.dana, self.ann, self.therapy)

    def elsewhere(self):
        "A second location Dana (not Eli) works at too"
        Employee = Pool().get('company.employee')
        other = create_location("Uptown")
        Employee.write([self.dana], {'therapy_locations': [
                    ('add', [other.id])]})
        return other

    def free(self, clinicians=None, date_from=MONDAY, date_to=MONDAY,
            **kwargs):
        Availability = Pool().get('therapy.availability')
        return Availability.free_slots(
            clinicians or [self.dana], self.location, self.therapy.duration,
            date_from, date_to, **kwargs)

    def available(self, start, end, clinician=None, location=None):
        Availability = Pool().get('therapy.availability')
        return Availability.is_available(
            clinician or self.dana, location or self.location, start, end)


class AvailabilityTestCase(unittest.TestCase):
    "Test availability and the free-slot search"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @with_transaction()
    def test_weekly_hours_across_dst(self):
        company = create_company()
        with set_company(company):
            practice = AvailabilityPractice()
            create_availability(practice.dana, practice.location, 0,
                t(9), t(10))
            slots = practice.free(date_to=NEXT_MONDAY)
            self.assertEqual([s[1] for s in slots], [
                    T(2031, 3, 3, 14), T(2031, 3, 3, 14, 15),   # EST
                    T(2031, 3, 10, 13), T(2031, 3, 10, 13, 15),  # EDT
                    ])
            self.assertEqual(
                {to_local(s[1], NY).time() for s in slots},
                {t(9), t(9, 15)})
            self.assertTrue(all(s[2] - s[1] == 45 * MIN for s in slots))
            self.assertEqual({s[3] for s in slots}, {'bookable'})

    @with_transaction()
    def test_time_off_removes_and_extra_adds(self):
        company = create_company()
        with set_company(company):
            practice = AvailabilityPractice()
            other = practice.elsewhere()
            create_availability(practice.dana, practice.location, 0,
                t(9), t(10))
            create_time_off(practice.dana, T(2031, 3, 3, 14),
                T(2031, 3, 3, 15), reason="Training")
            # a Saturday clinic here, and one elsewhere that does not count
            create_time_off(practice.dana, T(2031, 3, 8, 15),
                T(2031, 3, 8, 16), kind='extra',
                location=practice.location.id)
            create_time_off(practice.dana, T(2031, 3, 9, 14),
                T(2031, 3, 9, 16), kind='extra', location=other.id)
            slots = practice.free(date_to=NEXT_MONDAY)
            self.assertEqual(local(slots), [
                    ("Dana", T(2031, 3, 8, 10)),
                    ("Dana", T(2031, 3, 8, 10, 15)),
                    ("Dana", T(2031, 3, 10, 9)),
                    ("Dana", T(2031, 3, 10, 9, 15)),
                    ])
            self.assertEqual(slots[0][3], 'bookable')

    @with_transaction()
    def test_holiday_closes_the_day(self):
        Holiday = Pool().get('therapy.holiday')
        company = create_company()
        with set_company(company):
            practice = AvailabilityPractice()
            for weekday in range(7):
                create_availability(practice.dana, practice.location,
                    weekday, t(9), t(10))
            Holiday.create([{'date': MONDAY, 'name': "Staff Day"}])
            slots = practice.free(date_to=MONDAY + dt.timedelta(days=1))
            self.assertEqual({to_local(s[1], NY).date() for s in slots},
                {dt.date(2031, 3, 4)})
            # 11 federal holidays in 2031; none twice, none over Staff Day
            created = Holiday.create_us_federal(company, [2031])
            self.assertEqual(len(created), 11)
            self.assertIn(dt.date(2031, 7, 4), {h.date for h in created})
            self.assertEqual(Holiday.create_us_federal(company, [2031]), [])
            self.assertEqual(practice.free(
                    date_from=dt.date(2031, 7, 4),
                    date_to=dt.date(2031, 7, 4)), [])
            with self.assertRaises(ValidationError):
                Holiday.create([{'date': MONDAY, 'name': "Again"}])

    @with_transaction()
    def test_bookings_remove_their_time(self):
        Appointment = Pool().get('therapy.appointment')
        company = create_company()
        with set_company(company):
            practice = AvailabilityPractice()
            create_availability(practice.dana, practice.location, 0,
                t(9), t(11))
            booked = practice.book(T(2031, 3, 3, 14, 30))   # 09:30-10:15
            self.assertEqual([s for _, s in local(practice.free())],
                [T(2031, 3, 3, 10, 15)])
            Appointment.do_cancel([booked], 'client', 'illness')
            self.assertEqual(len(practice.free()), 6)

    @with_transaction()
    def test_ranking_and_kinds(self):
        company = create_company()
        with set_company(company):
            practice = AvailabilityPractice()
            create_availability(practice.eli, practice.location, 0,
                t(9), t(10), kind='contact')
            create_availability(practice.dana, practice.location, 0,
                t(9, 15), t(10))
            slots = practice.free([practice.eli, practice.dana])
            self.assertEqual(local(slots), [
                    ("Eli", T(2031, 3, 3, 9)),
                    ("Dana", T(2031, 3, 3, 9, 15)),
                    ("Eli", T(2031, 3, 3, 9, 15)),
                    ])
            self.assertEqual([s[3] for s in slots],
                ['contact', 'bookable', 'contact'])
            online = practice.free(
                [practice.eli, practice.dana], kinds=('bookable',))
            self.assertEqual(local(online), [("Dana", T(2031, 3, 3, 9, 15))])
            later = practice.free([practice.eli, practice.dana],
                not_before=T(2031, 3, 3, 14, 10))
            self.assertEqual(local(later), [("Dana", T(2031, 3, 3, 9, 15)),
                    ("Eli", T(2031, 3, 3, 9, 15))])

    @with_transaction()
    def test_is_available(self):
        Holiday = Pool().get('therapy.holiday')
        company = create_company()
        with set_company(company):
            practice = AvailabilityPractice()
            other = practice.elsewhere()
            create_availability(practice.dana, practice.location, 0,
                t(9), t(12))
            create_availability(practice.dana, practice.location, 0,
                t(12), t(17), kind='contact')
            create_time_off(practice.dana, T(2031, 3, 3, 20),
                T(2031, 3, 3, 21))                      # 15:00-16:00
            create_time_off(practice.dana, T(2031, 3, 8, 15),
                T(2031, 3, 8, 17), kind='extra',
                location=practice.location.id)      # Saturday 10:00-12:00
            available = practice.available
            self.assertTrue(available(T(2031, 3, 3, 14), T(2031, 3, 3, 15)))
            # across the bookable / contact boundary at noon
            self.assertTrue(
                available(T(2031, 3, 3, 16, 30), T(2031, 3, 3, 17, 30)))
            self.assertTrue(available(T(2031, 3, 8, 15), T(2031, 3, 8, 16)))
            # before opening, into time off, a Tuesday, another location
            self.assertFalse(
                available(T(2031, 3, 3, 13, 30), T(2031, 3, 3, 14, 30)))
            self.assertFalse(
                available(T(2031, 3, 3, 19, 30), T(2031, 3, 3, 20, 15)))
            self.assertFalse(available(T(2031, 3, 4, 14), T(2031, 3, 4, 15)))
            self.assertFalse(available(T(2031, 3, 3, 14), T(2031, 3, 3, 15),
                    location=other))
            self.assertFalse(available(T(2031, 3, 3, 14), T(2031, 3, 3, 15),
                    clinician=practice.eli))
            Holiday.create([{'date': MONDAY, 'name': "Staff Day"}])
            self.assertFalse(
                available(T(2031, 3, 3, 14), T(2031, 3, 3, 15)))

    @with_transaction()
    def test_overlapping_rows_refused(self):
        company = create_company()
        with set_company(company):
            practice = AvailabilityPractice()
            other = practice.elsewhere()
            first = create_availability(practice.dana, practice.location,
                0, t(9), t(12), valid_to=dt.date(2031, 6, 30))
            # later validity, other clinician, other weekday: fine
            create_availability(practice.dana, other, 0, t(10), t(14),
                valid_from=dt.date(2031, 7, 1))
            create_availability(practice.eli, practice.location, 0,
                t(9), t(12))
            create_availability(practice.dana, practice.location, 1,
                t(9), t(12))
            with self.assertRaises(ValidationError) as cm:
                create_availability(practice.dana, other, 0, t(11), t(13))
            self.assertEqual(cm.exception.message,
                '"Dana, Monday 11:00-13:00 at Uptown" overlaps '
                f'"{first.rec_name}" of the same clinician. Change the '
                'hours or validity dates of one of them, or delete one.')
            self.assertEqual(first.rec_name,
                "Dana, Monday 09:00-12:00 at Main Street (… to 2031-06-30)")

    @with_transaction()
    def test_invalid_rows_refused(self):
        company = create_company()
        with set_company(company):
            practice = AvailabilityPractice()
            other = create_location("Uptown")
            with self.assertRaisesRegex(ValidationError,
                    "ends at or before it starts"):
                create_availability(practice.dana, practice.location, 0,
                    t(12), t(9))
            with self.assertRaisesRegex(ValidationError, "Valid To"):
                create_availability(practice.dana, practice.location, 0,
                    t(9), t(12), valid_from=dt.date(2031, 2, 1),
                    valid_to=dt.date(2031, 1, 1))
            with self.assertRaisesRegex(ValidationError, "does not work at"):
                create_availability(practice.dana, other, 0, t(9), t(12))
            with self.assertRaisesRegex(ValidationError, "need a location"):
                create_time_off(practice.dana, T(2031, 3, 8, 15),
                    T(2031, 3, 8, 16), kind='extra')
            with self.assertRaisesRegex(ValidationError,
                    "ends at or before it starts"):
                create_time_off(practice.dana, T(2031, 3, 8, 15),
                    T(2031, 3, 8, 14))


class SlotWizardTestCase(unittest.TestCase):
    "Test the Find a Slot wizard"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @with_transaction()
    def test_find_and_book(self):
        pool = Pool()
        Wizard = pool.get('therapy.appointment.slot', type='wizard')
        Appointment = pool.get('therapy.appointment')
        company = create_company()
        with set_company(company):
            practice = AvailabilityPractice()
            create_availability(practice.dana, practice.location, 0,
                t(9), t(10))
            create_availability(practice.eli, practice.location, 0,
                t(9), t(10), kind='contact')
            session_id, start_state, _ = Wizard.create()
            self.assertEqual(start_state, 'start')
            with Transaction().set_context(active_model='therapy.client',
                    active_id=practice.ann.id,
                    active_ids=[practice.ann.id]):
                result = Wizard.execute(session_id, {}, 'start')
            defaults = result['view']['defaults']
            self.assertEqual(defaults['client'], practice.ann.id)
            self.assertEqual(defaults['location'], practice.location.id)
            self.assertEqual(defaults['modality'], 'in_person')

            search = {
                'client': practice.ann.id,
                'service': practice.therapy.id,
                'discipline': 'mental_health',
                'clinicians': [],
                'location': practice.location.id,
                'modality': 'telehealth',
                'date_from': MONDAY,
                'date_to': MONDAY + dt.timedelta(days=6),
                }
            # an individual session needs its client
            with self.assertRaisesRegex(UserError, "choose the client"):
                Wizard.execute(session_id, {'start': {**search,
                            'client': None}}, 'choose')
            # nothing free in the far past: stay on the search, say why
            with self.assertRaisesRegex(UserError, "Widen the dates"):
                Wizard.execute(session_id, {'start': {**search,
                            'date_from': dt.date(2001, 1, 1),
                            'date_to': dt.date(2001, 1, 7)}}, 'choose')
            result = Wizard.execute(session_id, {'start': search}, 'choose')
            lines = result['view']['defaults']['slots']
            # a 45-minute service is offered on the hour, each day's times
            # grouped by clinician (Dana before Eli)
            self.assertEqual(
                [(line['clinician'], line['start']) for line in lines], [
                    (practice.dana.id, T(2031, 3, 3, 14)),
                    (practice.eli.id, T(2031, 3, 3, 14)),
                    ])
            self.assertEqual(lines[0]['local_time'],
                "Mon Mar 03, 2031 09:00 AM EST")
            self.assertEqual((lines[0]['day'], lines[0]['time']),
                ("Mon Mar 03", "9:00 AM EST"))
            self.assertEqual(lines[1]['kind'], 'contact')

            # as the client sends them back: without the rec_name keys
            lines = [{k: v for k, v in line.items() if not k.endswith('.')}
                for line in lines]

            # back to the search keeps what was entered
            result = Wizard.execute(session_id, {}, 'start')
            self.assertEqual(result['view']['defaults']['modality'],
                'telehealth')

            with self.assertRaisesRegex(UserError, "exactly one"):
                Wizard.execute(session_id, {'choose': {'slots': lines}},
                    'book')
            lines[1]['book'] = True
            result = Wizard.execute(
                session_id, {'choose': {'slots': lines}}, 'book')
            (action, data), = result['actions']
            appointment, = Appointment.search(
                [('client', '=', practice.ann.id)])
            self.assertEqual(data, {'res_id': [appointment.id]})
            self.assertEqual(
                (appointment.client, appointment.clinician,
                    appointment.start, appointment.end,
                    appointment.modality, appointment.place_of_service),
                (practice.ann, practice.eli, T(2031, 3, 3, 14),
                    T(2031, 3, 3, 14, 45), 'telehealth', '10'))
            self.assertEqual(action['res_model'], 'therapy.appointment')
            Wizard.delete(session_id)

            # Eli's hour is no longer offered (09:45-10:00 is too short)
            self.assertEqual(
                local(practice.free([practice.eli, practice.dana])),
                [("Dana", T(2031, 3, 3, 9)), ("Dana", T(2031, 3, 3, 9, 15))])

    @with_transaction()
    def test_times_when_the_client_is_booked_are_not_offered(self):
        "Find a Slot never offers a time the client is booked elsewhere"
        pool = Pool()
        Wizard = pool.get('therapy.appointment.slot', type='wizard')
        company = create_company()
        with set_company(company):
            practice = AvailabilityPractice()
            for clinician in [practice.dana, practice.eli]:
                create_availability(clinician, practice.location, 0,
                    t(9), t(12))
            # Ann sees Eli at 10:00 (15:00 UTC): no clinician is offered
            # to her at 10:00 (9:00 ends at 9:45, before it)
            practice.book(T(2031, 3, 3, 15), clinician=practice.eli)
            session_id, _, _ = Wizard.create()
            search = {
                'client': practice.ann.id, 'service': practice.therapy.id,
                'discipline': 'mental_health', 'clinicians': [],
                'location': practice.location.id, 'modality': 'in_person',
                'date_from': MONDAY, 'date_to': MONDAY,
                }
            result = Wizard.execute(session_id, {'start': search}, 'choose')
            lines = result['view']['defaults']['slots']
            self.assertEqual(
                [(line['clinician'], line['time']) for line in lines], [
                    (practice.dana.id, "9:00 AM EST"),
                    (practice.dana.id, "11:00 AM EST"),
                    (practice.eli.id, "9:00 AM EST"),
                    (practice.eli.id, "11:00 AM EST"),
                    ])
            # without a client (a group) Dana's whole morning is offered
            Wizard.delete(session_id)
            self.assertEqual(
                [to_local(s, NY).hour for _, s, _, _ in practice.free(
                        step=dt.timedelta(hours=1))], [9, 10, 11])
