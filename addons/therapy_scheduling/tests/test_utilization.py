"""Utilization and attendance per clinician, location and week, from the
hours and appointments they summarise, and who may read whose.

The weeks are the last two (this one and the one before): Dana works
Mondays 9-17 and Tuesdays 9-12 at a New York location and takes this
Tuesday off; Eli, her supervisee, works Wednesdays 10-14 and has no
appointments. Dana's Monday this week: a session kept, one missed, one
cancelled late, one cancelled because it was rescheduled, one booked (a
waitlist fill)."""
import datetime as dt
import unittest

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from ..slots import to_utc
from ..utilization import hours, percent
from .fixtures import (
    as_user, create_availability, create_client, create_clinician,
    create_location, create_service, create_time_off, create_user)

NY = 'America/New_York'
t = dt.time


class UtilizationTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    def test_hours_and_percent(self):
        start = dt.datetime(2031, 3, 3, 9)
        self.assertEqual(hours([(start, start + dt.timedelta(minutes=45)),
                    (start, start + dt.timedelta(hours=2))]), 2.75)
        self.assertEqual(percent(2.3, 8), 28.7)
        self.assertEqual(percent(1, 0), 0.0)

    @with_transaction()
    def test_weeks_of_a_clinician_and_a_supervisee(self):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Slot = pool.get('therapy.waitlist.slot')
        Utilization = pool.get('therapy.utilization')
        company = create_company()
        with set_company(company):
            location = create_location()
            service = create_service()   # 45 minutes
            dana = create_clinician("Dana", therapy_locations=[location])
            eli = create_clinician("Eli", therapy_locations=[location],
                supervisor=dana.id)
            create_availability(dana, location, 0, t(9), t(17))
            create_availability(dana, location, 1, t(9), t(12))
            create_availability(eli, location, 2, t(10), t(14))
            today = dt.date.today()
            monday = today - dt.timedelta(days=today.weekday())
            last_monday = monday - dt.timedelta(weeks=1)
            tuesday = monday + dt.timedelta(days=1)
            create_time_off(dana, to_utc(dt.datetime.combine(tuesday, t(9)),
                    NY), to_utc(dt.datetime.combine(tuesday, t(12)), NY))

            def at(hour):
                return to_utc(dt.datetime.combine(monday, t(hour)), NY)
            clients = [create_client(f"Client {i}") for i in range(5)]
            kept, missed, late, moved, booked = Appointment.create([{
                        'client': c.id, 'clinician': dana.id,
                        'location': location.id, 'service': service.id,
                        'start': at(10 + i),
                        'end': at(10 + i) + dt.timedelta(minutes=45),
                        } for i, c in enumerate(clients)])
            Appointment.arrive([kept])
            Appointment.complete([kept])
            Appointment.no_show([missed])
            Appointment.do_cancel([late], 'client', 'illness')
            Appointment.write([late], {'late_cancellation': True})
            Appointment.do_cancel([moved], 'client', 'rescheduled')
            Slot.create([{
                        'company': company.id, 'clinician': dana.id,
                        'location': location.id, 'service': service.id,
                        'start': booked.start, 'end': booked.end,
                        'modality': 'in_person', 'state': 'filled',
                        'booked_appointment': booked.id,
                        }])

            def rows(**context):
                with Transaction().set_context(weeks=2, **context):
                    return {(r.week, r.clinician.rec_name): r
                        for r in Utilization.search([])}
            found = rows()
            self.assertEqual(sorted(found), [
                    (last_monday, "Dana"), (last_monday, "Eli"),
                    (monday, "Dana"), (monday, "Eli")])
            this = found[monday, "Dana"]
            self.assertEqual(this.location, location)
            self.assertEqual(
                (this.available_hours, this.booked_hours, this.utilization),
                (8.0, 2.25, 28.1))
            self.assertEqual(
                (this.sessions, this.kept, this.no_shows,
                    this.late_cancellations, this.cancellations,
                    this.waitlist_fills), (3, 1, 1, 1, 1, 1))
            self.assertEqual(
                (this.no_show_rate, this.late_cancel_rate,
                    this.cancel_rate), (33.3, 33.3, 33.3))
            before = found[last_monday, "Dana"]
            self.assertEqual(
                (before.available_hours, before.booked_hours,
                    before.utilization, before.sessions, before.kept),
                (11.0, 0.0, 0.0, 0, 0))
            self.assertEqual(
                (found[monday, "Eli"].available_hours,
                    found[monday, "Eli"].utilization), (4.0, 0.0))
            # the context's clinician and location
            self.assertEqual(sorted(rows(clinician=eli.id)), [
                    (last_monday, "Eli"), (monday, "Eli")])
            self.assertEqual(rows(location=create_location("Uptown").id),
                {})

            # who reads whose
            owner = create_user('owner', ['therapy_scheduling.group_owner'])
            dana_user = create_user('dana', [
                    'therapy_scheduling.group_clinician',
                    'therapy_scheduling.group_supervisor'], employee=dana)
            eli_user = create_user('eli', [
                    'therapy_scheduling.group_clinician'], employee=eli)
            desk = create_user('desk', [
                    'therapy_scheduling.group_front_desk'])
            with as_user(owner):
                self.assertEqual(len(rows()), 4)
            with as_user(dana_user):
                self.assertEqual(len(rows()), 4)
            with as_user(eli_user):
                self.assertEqual(sorted(rows()), [
                        (last_monday, "Eli"), (monday, "Eli")])
                # nor by its id
                with Transaction().set_context(weeks=2), \
                        self.assertRaises(AccessError):
                    Utilization.read([this.id], ['booked_hours'])
            with as_user(desk):
                with self.assertRaises(AccessError):
                    rows()
