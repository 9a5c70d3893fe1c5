"""Waitlist: a cancellation frees a slot, the best waiting clients get an
offer by email (real SMTP on loopback), the first to accept is booked and
the others are told it is taken."""
import datetime as dt
import re
import unittest

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    RouteTestCase, activate_module, with_transaction)
from trytond.transaction import Transaction

from .fixtures import (
    CommittingTestMixin, SchedulingPractice, create_service)
from .links import browser_post
from .outbox import OutboxMixin, without_tokens
from .reminder_tools import create_reminder_client

LINK = re.compile(r'https://\S+/waitlist/offer/([\w-]{43})')


def soon(days=10, hour=15):
    day = dt.date.today() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour))


class WaitlistPractice(SchedulingPractice):
    "Practice with clients who have email and a waitlist"

    def __init__(self):
        super().__init__()
        Entry = Pool().get('therapy.waitlist.entry')
        self.ben = create_reminder_client("Ben Waiting", 'ben@example.com')
        self.cara = create_reminder_client("Cara Waiting", 'cara@example.com')
        self.dee = create_reminder_client("Dee Speech", 'dee@example.com')
        self.eve = create_reminder_client("Eve Weekend", 'eve@example.com')
        speech = create_service('92507', "Speech treatment", 45,
            discipline='speech')
        self.ben_entry, self.cara_entry, _, _ = Entry.create([{
                    'client': self.ben.id, 'service': self.therapy.id,
                    'priority': '3',
                    'date_added': dt.date.today() - dt.timedelta(days=5),
                    }, {
                    'client': self.cara.id, 'service': self.therapy.id,
                    'priority': '1',
                    'date_added': dt.date.today() - dt.timedelta(days=40),
                    }, {
                    'client': self.dee.id, 'service': speech.id,
                    }, {
                    'client': self.eve.id, 'service': self.therapy.id,
                    'weekdays': ['5', '6'] if soon().weekday() < 5
                    else ['0'],
                    }])

    def cancel_slot(self):
        "Ann cancels her appointment: return the freed slot"
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Slot = pool.get('therapy.waitlist.slot')
        appointment = self.book(soon())
        Appointment.do_cancel([appointment], 'client', 'illness')
        slot, = Slot.search([('cancelled_appointment', '=', appointment.id)])
        return slot


class WaitlistTestCase(CommittingTestMixin, OutboxMixin, unittest.TestCase):
    "Test the waitlist filling cancellations"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')
        super().setUpClass()

    @with_transaction()
    def test_ranking(self):
        company = create_company()
        with set_company(company):
            practice = WaitlistPractice()
            slot = practice.cancel_slot()
            # urgent first, then the longer wait; other discipline and
            # wrong weekday out; the client who cancelled is not offered
            self.assertEqual(list(slot.candidates),
                [practice.ben_entry, practice.cara_entry])
            # a candidate booked elsewhere at that time drops out
            practice.book(slot.start, client=practice.ben,
                clinician=practice.eli)
            self.assertEqual(list(slot.ranked_entries()),
                [practice.cara_entry])

    @with_transaction()
    def test_cancel_wizard_proposes_the_waitlist(self):
        "Cancelling shows the freed slot's candidates and sends offers"
        pool = Pool()
        Cancel = pool.get('therapy.appointment.cancel', type='wizard')
        Offer = pool.get('therapy.waitlist.offer')
        transaction = Transaction()
        company = create_company()
        with set_company(company):
            practice = WaitlistPractice()
            appointment = practice.book(soon())
            session_id, _, _ = Cancel.create()
            with transaction.set_context(active_model=appointment.__name__,
                    active_id=appointment.id, active_ids=[appointment.id]):
                Cancel.execute(session_id, {}, 'start')
                start = {'cancelled_by': 'client', 'reason': 'illness',
                    'note': None}
                result = Cancel.execute(
                    session_id, {'start': start}, 'cancel')
                self.assertEqual(result['view']['state'], 'waitlist')
                proposal = result['view']['defaults']
                self.assertEqual(proposal['candidates'],
                    [practice.ben_entry.id, practice.cara_entry.id])
                self.assertEqual(proposal['count'], 2)
                result = Cancel.execute(session_id, {
                        'start': start,
                        'waitlist': {'slot': proposal['slot'], 'count': 1,
                            'candidates': proposal['candidates']}},
                    'offer')
            Cancel.delete(session_id)
            self.assertEqual(appointment.state, 'cancelled')
            offer, = Offer.search([])
            self.assertEqual(offer.entry, practice.ben_entry)
            transaction.commit()
            (to,), _ = self.outbox.emails[0]
            self.assertEqual(to, 'ben@example.com')

    @with_transaction()
    def test_first_to_accept_gets_it(self):
        pool = Pool()
        Offer = pool.get('therapy.waitlist.offer')
        transaction = Transaction()
        company = create_company()
        with set_company(company):
            practice = WaitlistPractice()
            slot = practice.cancel_slot()
            offers = slot.send_offers(slot.ranked_entries()[:2])
            transaction.commit()  # offers are emailed when it commits
            emails = self.outbox.emails
            self.assertEqual(
                sorted(to for (to,), _ in emails),
                ['ben@example.com', 'cara@example.com'])
            body = emails[0][1].get_content()
            for phi in ["Psychotherapy", "Dana", "Ben", "Cara", "90834"]:
                self.assertNotIn(phi, without_tokens(body))
            tokens = {to: LINK.search(m.get_content()).group(1)
                for (to,), m in emails}

            self.outbox.clear()
            cara_offer = Offer.lookup(tokens['cara@example.com'])
            appointment = cara_offer.answer(accept=True)
            transaction.commit()
            self.assertEqual(appointment.client, practice.cara)
            self.assertEqual(appointment.start, slot.start)
            self.assertEqual(slot.state, 'filled')
            self.assertEqual(practice.cara_entry.state, 'booked')
            self.assertEqual(
                {o.entry.client: o.state for o in offers},
                {practice.ben: 'taken', practice.cara: 'accepted'})
            (to,), taken = self.outbox.emails[0]
            self.assertEqual(to, 'ben@example.com')
            self.assertIn("taken", taken.get_content())

            ben_offer = Offer.lookup(tokens['ben@example.com'])
            self.assertIsNone(ben_offer.answer(accept=True))
            self.assertEqual(practice.ben_entry.state, 'waiting')
            self.assertIsNone(Offer.lookup('x' * 43))

    @with_transaction()
    def test_rescheduling_frees_the_old_time(self):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Slot = pool.get('therapy.waitlist.slot')
        company = create_company()
        with set_company(company):
            practice = WaitlistPractice()
            moved = practice.book(soon())
            Appointment.do_reschedule(moved, soon(hour=17), 'client')
            slot, = Slot.search([('cancelled_appointment', '=', moved.id)])
            self.assertEqual(len(slot.candidates), 2)
            # moved by half an hour: the old time is taken again
            shifted = practice.book(soon(days=11), client=practice.ben)
            new = Appointment.do_reschedule(
                shifted, soon(days=11) + dt.timedelta(minutes=30), 'client')
            slot, = Slot.search([('cancelled_appointment', '=', shifted.id)])
            self.assertEqual(list(slot.candidates), [])
            self.assertEqual(new.state, 'scheduled')


class WaitlistRouteTestCase(RouteTestCase):
    "The offer link: GET shows, POST books"
    module = 'therapy_scheduling'
    token = 'A' * 43

    @classmethod
    def setUpDatabase(cls):
        from therapy_scheduling.reminder_token import hash_token
        pool = Pool()
        Offer = pool.get('therapy.waitlist.offer')
        company = create_company()
        with set_company(company):
            practice = WaitlistPractice()
            slot = practice.cancel_slot()
            Offer.create([{
                        'slot': slot.id, 'entry': practice.ben_entry.id,
                        'email': 'ben@example.com',
                        'token_hash': hash_token(cls.token),
                        'expires_at': dt.datetime.now()
                        + dt.timedelta(hours=24),
                        }])

    def test_get_changes_nothing_then_post_books(self):
        client = self.client()
        url = f'/{self.db_name}/waitlist/offer/{self.token}'
        page = client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Accept this appointment", page.get_data(True))
        self.assertEqual(client.get(url).status_code, 200)
        booked = browser_post(client, page, url)
        self.assertEqual(booked.status_code, 200)
        self.assertIn("You are booked", booked.get_data(True))
        self.assertEqual(client.post(url).status_code, 410)
        self.assertEqual(
            client.get(f'/{self.db_name}/waitlist/offer/{"B" * 43}'
                ).status_code, 404)


del RouteTestCase
