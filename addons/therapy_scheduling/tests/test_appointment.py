"""Appointments: booking rules, group sessions, cancellation, rescheduling.

Runs on the backend of the test run (SQLite by default, PostgreSQL in CI's
second pass); the concurrent double booking needs two real connections and
runs on PostgreSQL only."""
import datetime as dt
import threading
import unittest

from trytond import backend
from trytond.model.exceptions import SQLConstraintError, ValidationError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, activate_module, with_transaction)
from trytond.transaction import Transaction

from ..appointment import BLOCKING_STATES, overlapping_rows
from .fixtures import (
    DAY, CommittingTestMixin, SchedulingPractice, at, create_availability,
    create_client, create_location, create_room, create_service)


class AppointmentTestCase(unittest.TestCase):
    """Test booking appointments

    A refused write leaves its rows in the test's transaction (an RPC call
    would roll back), so each test makes its refused booking last."""

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @with_transaction()
    def test_clinician_double_booking_names_the_other(self):
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            first = practice.book(at(10))
            self.assertEqual(
                [a.client for a in first.attendees], [practice.ann])
            # back to back is fine: ranges are [start, end)
            practice.book(at(10, 45), client=practice.ben)
            with self.assertRaises(ValidationError) as cm:
                practice.book(at(9, 30), client=practice.cara)
            self.assertEqual(cm.exception.message,
                f"Dana is already booked then: {first.rec_name}. "
                "Choose another time or clinician.")

    @with_transaction()
    def test_room_double_booking(self):
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            practice.book(at(9), room=practice.room)
            with self.assertRaisesRegex(
                    ValidationError, "Room Main Street / Room 1 .* booked"):
                practice.book(at(9, 15), client=practice.ben,
                    clinician=practice.eli, room=practice.room)

    @with_transaction()
    def test_client_double_booking(self):
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            practice.book(at(9))
            with self.assertRaisesRegex(
                    ValidationError, "Ann .* already has an appointment"):
                practice.book(at(9, 30), clinician=practice.eli)

    @with_transaction()
    def test_cancelled_and_no_show_free_the_slot(self):
        Appointment = Pool().get('therapy.appointment')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            first = practice.book(at(11))
            Appointment.do_cancel([first], 'practice', 'clinician')
            self.assertEqual(first.attendees[0].attendance, 'cancelled')
            second = practice.book(at(11), client=practice.ben)
            Appointment.no_show([second])
            third = practice.book(at(11), client=practice.cara)
            self.assertEqual(third.state, 'scheduled')
            # reopening the no-show would double book Dana
            with self.assertRaises(ValidationError):
                Appointment.reopen([second])

    @with_transaction()
    def test_names_and_labels_read_together(self):
        """An appointment's name and calendar label, read for many at once
        as rows, say what its records say: the client (preferred name,
        number), a group's service and attendee count, the room, a state
        that frees the slot, the location's own time; a change written in
        the same transaction shows in the next read"""
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Client = pool.get('therapy.client')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            Client.write([practice.ben], {'preferred_name': "Benny"})
            single = practice.book(at(9), room=practice.room)
            preferred = practice.book(at(10), client=practice.ben)
            group = practice.book(at(14), room=practice.group_room,
                attendees=[
                    {'client': practice.ann.id},
                    {'client': practice.cara.id}])
            cancelled = practice.book(at(16), client=practice.cara)
            Appointment.do_cancel([cancelled], 'practice', 'clinician')
            appointments = [single, preferred, group, cancelled]
            read = {r['id']: r for r in Appointment.read(
                    [a.id for a in appointments],
                    ['rec_name', 'calendar_label'])}
            for appointment in Appointment.browse(appointments):
                with self.subTest(appointment=appointment.id):
                    client = appointment.client
                    who = (client.rec_name if client
                        else appointment.service.rec_name)
                    self.assertEqual(read[appointment.id]['rec_name'],
                        f'{who} — {appointment.local_time}')
                    label = read[appointment.id]['calendar_label']
                    self.assertTrue(label.startswith(
                            f'{appointment.clock} '), label)
                    self.assertIn(
                        f' · {appointment.clinician.party.name}', label)
                    self.assertIn(f' · {appointment.service.code}', label)
            self.assertIn("Ben (Benny) [", read[preferred.id]['rec_name'])
            self.assertIn(" Benny [", read[preferred.id]['calendar_label'])
            self.assertIn(" · Room 1 · ", read[single.id]['calendar_label'])
            self.assertIn("Group (2)", read[group.id]['calendar_label'])
            self.assertTrue(
                read[cancelled.id]['calendar_label'].endswith("(Cancelled)"))
            # AM in New York: the location's wall time, not UTC's
            self.assertIn("AM E", read[single.id]['calendar_label'])
            Client.write([practice.ben], {'preferred_name': "B."})
            self.assertIn("Ben (B.) [",
                Appointment(preferred.id).rec_name)

    @with_transaction()
    def test_group_session_capacity_and_attendees(self):
        Appointment = Pool().get('therapy.appointment')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            group = practice.book(at(14), room=practice.group_room,
                attendees=[
                    {'client': practice.ann.id}, {'client': practice.ben.id}])
            self.assertEqual(group.capacity, 3)
            self.assertIn("Group (2)", group.calendar_label)
            single = practice.book(at(9))
            # the computed flag, read from the rows
            self.assertEqual(
                [(r['id'], r['group_session']) for r in Appointment.read(
                        [group.id, single.id], ['group_session'])],
                [(group.id, True), (single.id, False)])
            Appointment.write([group], {'attendees': [
                        ('create', [{'client': practice.cara.id}])]})
            Appointment.arrive([group])
            Appointment.complete([group])
            self.assertEqual(
                {a.attendance for a in group.attendees}, {'attended'})
            # an attendee of the group cannot be elsewhere meanwhile
            with self.assertRaisesRegex(
                    ValidationError, "Cara .* already has an appointment"):
                practice.book(at(14, 30), client=practice.cara,
                    clinician=practice.eli)

    @with_transaction()
    def test_client_change_moves_the_attendee(self):
        """The attendee row follows an individual session's client: the
        new client holds the slot, the former one is free then"""
        Appointment = Pool().get('therapy.appointment')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            booked = practice.book(at(9))
            Appointment.write([booked], {'client': practice.ben.id})
            self.assertEqual([(a.client, a.start, a.blocking)
                    for a in booked.attendees], [(practice.ben, at(9), True)])
            # Ann is free then
            practice.book(at(9), clinician=practice.eli)

    @with_transaction()
    def test_individual_session_needs_its_client(self):
        "Required unless the service is a group's (group_session)"
        Appointment = Pool().get('therapy.appointment')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            with self.assertRaisesRegex(ValidationError, '"Client"'):
                Appointment.create([{
                            'clinician': practice.dana.id,
                            'location': practice.location.id,
                            'service': practice.therapy.id,
                            'start': at(9), 'end': at(10)}])

    @with_transaction()
    def test_group_session_is_full(self):
        Appointment = Pool().get('therapy.appointment')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            group = practice.book(at(14), room=practice.group_room,
                attendees=[{'client': c.id} for c in [
                        practice.ann, practice.ben, practice.cara]])
            extra = create_client("Dee")
            with self.assertRaisesRegex(ValidationError, "at most 3"):
                Appointment.write([group], {'attendees': [
                            ('create', [{'client': extra.id}])]})

    @with_transaction()
    def test_late_cancellation_by_client_only(self):
        Appointment = Pool().get('therapy.appointment')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            soon = dt.datetime.now().replace(microsecond=0) \
                + dt.timedelta(hours=5)
            late = practice.book(soon)
            early = practice.book(at(9), client=practice.ben)
            by_practice = practice.book(soon, client=practice.cara,
                clinician=practice.eli)
            Appointment.do_cancel([late, early], 'client', 'illness')
            Appointment.do_cancel([by_practice], 'practice', 'clinician')
            self.assertTrue(late.late_cancellation)
            self.assertFalse(early.late_cancellation)
            self.assertFalse(by_practice.late_cancellation)
            self.assertEqual(late.cancelled_by, 'client')
            self.assertTrue(late.cancelled_at)

    @with_transaction()
    def test_reschedule_keeps_history(self):
        Appointment = Pool().get('therapy.appointment')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            old = practice.book(at(10), room=practice.room)
            practice.book(at(16), client=practice.ben)
            # overlapping its own old slot is fine: that slot is freed
            new = Appointment.do_reschedule(
                old, at(10, 30), 'client', clinician=practice.eli.id)
            self.assertEqual(old.state, 'cancelled')
            self.assertEqual(old.cancel_reason, 'rescheduled')
            self.assertEqual(old.rescheduled_to, new)
            self.assertEqual(new.rescheduled_from, (old,))
            self.assertEqual((new.start, new.end), (at(10, 30), at(11, 15)))
            self.assertEqual(new.clinician, practice.eli)
            self.assertEqual(new.client, practice.ann)
            self.assertEqual(new.state, 'scheduled')
            with self.assertRaisesRegex(ValidationError, "already booked"):
                Appointment.do_reschedule(
                    new, at(16), 'client', clinician=practice.dana.id)

    @with_transaction()
    def test_reschedule_and_cancel_wizards(self):
        pool = Pool()
        Reschedule = pool.get(
            'therapy.appointment.reschedule', type='wizard')
        Cancel = pool.get('therapy.appointment.cancel', type='wizard')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            old = practice.book(at(10), room=practice.room)
            # Eli works 09:00-12:00 in New York (14:00-17:00 UTC) that day;
            # Ann is booked with Dana at 15:00 UTC
            create_availability(practice.eli, practice.location, 0,
                dt.time(9), dt.time(12))
            practice.book(at(15), client=practice.ann)
            session_id, _, _ = Reschedule.create()
            context = {'active_model': old.__name__, 'active_id': old.id,
                'active_ids': [old.id]}
            with Transaction().set_context(context):
                result = Reschedule.execute(session_id, {}, 'start')
                # as the client sends it back: without the rec_name keys
                form = {k: v for k, v in result['view']['defaults'].items()
                    if not k.endswith('.')}
                self.assertEqual(
                    (form['clinician'], form['requested_by']),
                    (practice.dana.id, 'client'))
                # any clinician of the discipline that day: Eli's hours on
                # the hour, but not 10:00 when Ann is with Dana
                form.update(clinician=None, date_from=DAY.date(),
                    date_to=DAY.date())
                result = Reschedule.execute(
                    session_id, {'start': form}, 'choose')
                lines = [{k: v for k, v in line.items()
                        if not k.endswith('.')}
                    for line in result['view']['defaults']['slots']]
                self.assertEqual(
                    [(line['clinician'], line['start']) for line in lines],
                    [(practice.eli.id, at(14)), (practice.eli.id, at(16))])
                lines[1]['book'] = True
                result = Reschedule.execute(session_id, {
                        'start': form, 'choose': {'slots': lines}},
                    'reschedule')
            Reschedule.delete(session_id)
            new = old.rescheduled_to
            # the front desk lands on the new appointment
            (action, data), = result['actions']
            self.assertEqual(data, {'res_id': [new.id]})
            self.assertEqual((new.start, new.clinician, new.room),
                (at(16), practice.eli, practice.room))
            session_id, _, _ = Cancel.create()
            with Transaction().set_context(active_model=new.__name__,
                    active_id=new.id, active_ids=[new.id]):
                Cancel.execute(session_id, {'start': {
                            'cancelled_by': 'practice',
                            'reason': 'weather', 'note': "Snow"}},
                    'cancel')
            Cancel.delete(session_id)
            self.assertEqual(
                (new.state, new.cancel_reason, new.cancel_note),
                ('cancelled', 'weather', "Snow"))

    @with_transaction()
    def test_room_must_be_at_location(self):
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            other = create_location("Uptown")
            elsewhere = create_room(other, "Blue")
            with self.assertRaisesRegex(ValidationError, "Room"):
                practice.book(at(9), room=elsewhere)

    @with_transaction()
    def test_booking_relations_checked_from_rows(self):
        """The template's relations are validated from one read of the
        rows (BookingMixin._validate) and refused with Tryton's domain
        message, on create and on write"""
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Employee = pool.get('company.employee')
        self.assertEqual(Appointment._row_checked, {
                'company', 'clinician', 'location', 'room', 'service',
                'start', 'end'})
        company = create_company()
        other_company = create_company("Elsewhere Inc.")
        with set_company(other_company):
            their_location = create_location("Their Street")
            their_service = create_service('90837', "Their therapy")
        with set_company(company):
            practice = SchedulingPractice()
            other = create_location("Uptown")
            elsewhere = create_room(other, "Blue")
            fine = practice.book(at(8), room=practice.room)
            Appointment.write([fine], {'room': practice.group_room.id})
            # a refused row stays in the test's transaction: each its hour
            for hour, values, field in [
                    (9, {'room': elsewhere}, "Room"),
                    (10, {'service': their_service}, "Service"),
                    ]:
                with self.subTest(field=field):
                    with self.assertRaisesRegex(ValidationError,
                            f'"{field}" .* not valid according to its '
                            'domain'):
                        practice.book(at(hour), **values)
            with self.assertRaisesRegex(ValidationError,
                    '"Location" .* not valid according to its domain'):
                Appointment.create([{
                            'client': practice.ann.id,
                            'clinician': practice.dana.id,
                            'location': their_location.id,
                            'service': practice.therapy.id,
                            'start': at(11), 'end': at(12)}])
            with self.assertRaisesRegex(ValidationError,
                    '"Room" .* not valid according to its domain'):
                Appointment.write([fine], {'room': elsewhere.id})
            Employee.write([practice.eli], {'discipline': None})
            with self.assertRaisesRegex(ValidationError,
                    '"Clinician" .* not valid according to its domain'):
                practice.book(at(13), client=practice.ben,
                    clinician=practice.eli)
            # the times last: PostgreSQL's check constraint refuses them
            # first and aborts the transaction (hence the savepoints); the
            # test run's SQLite tables have no such constraint
            ends_first = ('"End" .* not valid according to its domain'
                '|must end after it starts')
            cursor = Transaction().connection.cursor()
            for refused in [
                    lambda: Appointment.write([fine], {'end': fine.start}),
                    lambda: Appointment.create([{
                                'client': practice.cara.id,
                                'clinician': practice.dana.id,
                                'location': practice.location.id,
                                'service': practice.therapy.id,
                                'start': at(15), 'end': at(15)}]),
                    ]:
                cursor.execute('SAVEPOINT ends_first')
                with self.assertRaisesRegex(ValidationError, ends_first):
                    refused()
                cursor.execute('ROLLBACK TO SAVEPOINT ends_first')

    @with_transaction()
    def test_overlap_asked_of_the_rows_first(self):
        """Before the search under the user's rules, the pre-check asks the
        table: a free slot is free, a taken one taken (but by the records
        themselves), and a domain it cannot put in SQL is the search's"""
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Attendee = pool.get('therapy.appointment.attendee')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            booked = practice.book(at(9))
            dana = [('clinician', '=', practice.dana.id),
                ('state', 'in', BLOCKING_STATES)]
            ann = [('client', '=', practice.ann.id), ('blocking', '=', True)]

            def overlaps(Model, start, end, domain, ids=()):
                return overlapping_rows(Model,
                    [Model(start=start, end=end)], domain, list(ids))
            self.assertFalse(overlaps(Appointment, at(9, 45), at(10), dana))
            self.assertTrue(overlaps(Appointment, at(9, 30), at(10), dana))
            self.assertFalse(overlaps(Appointment, at(9, 30), at(10), dana,
                    [booked.id]))
            self.assertFalse(overlaps(Appointment, at(9, 30), at(10), [
                        ('clinician', '=', practice.eli.id)]))
            self.assertTrue(overlaps(Attendee, at(8, 30), at(9, 15), ann))
            self.assertFalse(overlaps(Attendee, at(8, 30), at(9, 15), [
                        ('client', '=', practice.ben.id)]))
            # a free slot, but clauses whose SQL is more than the column
            # and the value: the search decides
            for Model, domain in [
                    (Appointment, [('group_session', '=', False)]),
                    (Appointment, [('clinician.name', '=', "Dana")]),
                    (Appointment, [('start', '>=', at(0))]),
                    (Appointment, [('room', 'in', [None])]),
                    (Appointment, [('client', '=', "Ann")]),
                    (Appointment, [('notes', '=', "")]),
                    (Attendee, [('blocking', '=', False)]),
                    ]:
                with self.subTest(domain=domain):
                    self.assertTrue(overlaps(Model, at(12), at(13), domain))
            with Transaction().set_context(_datetime=at(0)):
                self.assertTrue(overlaps(Appointment, at(12), at(13), dana))
            Appointment.do_cancel([booked], 'practice', 'clinician')
            self.assertFalse(overlaps(Appointment, at(9, 30), at(10), dana))
            self.assertFalse(overlaps(Attendee, at(8, 30), at(9, 15), ann))

    @with_transaction()
    def test_list_columns_from_rows(self):
        """The local date and time, clock and code come from the rows the
        name reads; a past revision's from its records; a row gone reads
        as nothing, and a failed savepoint drops the rows kept"""
        from therapy_audit.savepoint import savepoint
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        with set_company(create_company()):
            practice = SchedulingPractice()
            booked = practice.book(at(9))
            names = ['local_date', 'local_time', 'clock', 'service_code']
            now, = Appointment.read([booked.id], names)
            self.assertEqual(
                (now['local_date'], now['service_code']),
                (booked.start.date(), practice.therapy.code))
            with Transaction().set_context(_datetime=dt.datetime.now()):
                past, = Appointment.read([booked.id], names)
            self.assertEqual(past, now)
            gone = Appointment(-5)
            self.assertEqual(
                Appointment.get_clock([booked, gone], 'clock'),
                {booked.id: now['clock'], -5: None})
            counter = Transaction().counter
            with self.assertRaises(ZeroDivisionError):
                with savepoint('columns'):
                    1 / 0
            self.assertGreater(Transaction().counter, counter)

    @with_transaction()
    def test_row_checked_fields_hooks_as_tryton(self):
        """The fields' own checks run for the fields written, as Tryton
        runs them: an appointment whose clinician was limited to other
        locations since can still move and change room"""
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Employee = pool.get('company.employee')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            booked = practice.book(at(8))
            other = create_location("Uptown")
            Employee.write([practice.dana], {'therapy_locations': [
                        ('remove', [practice.location.id]),
                        ('add', [other.id])]})
            Appointment.write([booked], {'start': at(9), 'end': at(9, 45)})
            Appointment.write([booked], {'room': practice.room.id})
            self.assertEqual((booked.start, booked.room),
                (at(9), practice.room))
            # the clinician or the location written is checked again
            with self.assertRaisesRegex(ValidationError, "does not work at"):
                Appointment.write([booked], {'clinician': practice.dana.id})

    @with_transaction()
    def test_clinician_location(self):
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            other = create_location("Uptown")
            with self.assertRaisesRegex(ValidationError, "does not work at"):
                Pool().get('therapy.appointment').create([{
                            'client': practice.ann.id,
                            'clinician': practice.dana.id,
                            'location': other.id,
                            'service': practice.therapy.id,
                            'start': at(9), 'end': at(10)}])

    @with_transaction()
    def test_day_sheet_uses_each_location_day(self):
        "23:30 UTC is still Monday in New York, Tuesday in Europe"
        Appointment = Pool().get('therapy.appointment')
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            late = practice.book(at(23, 30))
            self.assertEqual(late.local_date, DAY.date())
            self.assertEqual(Appointment.search(
                    [('local_date', '=', DAY.date())]), [late])
            self.assertEqual(Appointment.search([('local_date', '=',
                            DAY.date() + dt.timedelta(days=1))]), [])

    @with_transaction()
    def test_local_time_in_location_zone(self):
        company = create_company()
        with set_company(company):
            practice = SchedulingPractice()
            appointment = practice.book(at(15))  # 15:00 UTC
            self.assertEqual(
                appointment.local_time, "Mon Mar 03, 2031 10:00 AM EST")


@unittest.skipUnless(backend.name == 'postgresql', "needs PostgreSQL")
class ConcurrentBookingTestCase(CommittingTestMixin, unittest.TestCase):
    "Two transactions booking one clinician at once: exactly one wins"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    def test_exclusion_constraints_exist(self):
        with Transaction().start(DB_NAME, 0) as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE contype = 'x' "
                "AND conrelid IN ('therapy_appointment'::regclass, "
                "'therapy_appointment_attendee'::regclass)")
            names = {name for name, in cursor}
        self.assertTrue(
            {n for n in names if n.endswith('clinician_no_overlap')})
        self.assertTrue({n for n in names if n.endswith('room_no_overlap')})
        self.assertTrue({n for n in names if n.endswith('client_no_overlap')})

    def test_two_connections_one_slot(self):
        with Transaction().start(DB_NAME, 0) as transaction:
            company = create_company()
            with set_company(company):
                practice = SchedulingPractice()
                ids = (company.id, practice.dana.id, practice.ann.id,
                    practice.ben.id, practice.location.id,
                    practice.therapy.id)
            transaction.commit()
        company_id, dana, ann, ben, location, service = ids
        first_inserted = threading.Event()
        results = {}

        def book(name, client, wait=None, hold=0):
            try:
                with Transaction().start(DB_NAME, 0, context={
                            'company': company_id}) as transaction:
                    if wait:
                        wait.wait(10)
                    Appointment = Pool().get('therapy.appointment')
                    Appointment.create([{
                                'company': company_id, 'client': client,
                                'clinician': dana, 'location': location,
                                'service': service, 'start': at(10),
                                'end': at(10, 45)}])
                    if not wait:
                        first_inserted.set()
                        threading.Event().wait(hold)
                    transaction.commit()
                results[name] = 'booked'
            except SQLConstraintError as error:
                results[name] = error.message
            except Exception as error:  # report, do not hang the test
                results[name] = repr(error)
                first_inserted.set()

        first = threading.Thread(target=book, args=('first', ann),
            kwargs={'hold': 1})
        second = threading.Thread(target=book, args=('second', ben),
            kwargs={'wait': first_inserted})
        first.start()
        second.start()
        first.join(30)
        second.join(30)
        self.assertEqual(results.get('first'), 'booked', results)
        self.assertIn("clinician is already booked", results.get('second'))
