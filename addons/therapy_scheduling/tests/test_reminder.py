"""Appointment reminders: the cron, real email over SMTP on loopback, SMS
through a local stand-in of the provider, no PHI in what goes out, and the
confirm / cancel links."""
import datetime as dt
import re
import unittest

from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, RouteTestCase, activate_module, with_transaction)
from trytond.transaction import Transaction, TransactionError

from .fixtures import as_user, create_user
from .links import browser_post
from .outbox import FROM, PUBLIC_URL, OutboxMixin, without_tokens
from .reminder_tools import START, ReminderPractice, hours, logs, send

PRACTICE = "Harborview Therapy Collective"
WHEN = "Tue Mar 4 at 10:00 AM EST"
PHI = ["Trauma", "90834", "Dana", "Whitfield", "Ann", "Lowry"]
LINK = re.compile(r'https://\S+/appointment/(confirm|cancel)/[\w-]{43}')


class ReminderTestCase(OutboxMixin, unittest.TestCase):
    "Test the reminder cron"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')
        super().setUpClass()

    def practice(self):
        company = create_company(PRACTICE)
        with set_company(company):
            return company, ReminderPractice(self.outbox)

    @with_transaction()
    def test_one_email_and_sms_per_offset_never_twice(self):
        company, practice = self.practice()
        with set_company(company):
            practice.book(START)
            send(START - hours(49))
            self.assertEqual((self.outbox.emails, self.outbox.sms), ([], []))
            for now in [START - hours(47), START - hours(46)]:
                send(now)
                self.assertEqual(len(self.outbox.emails), 1)
                self.assertEqual(len(self.outbox.sms), 1)
            for now in [START - hours(23), START - hours(1), START]:
                send(now)
                self.assertEqual(len(self.outbox.emails), 2)
                self.assertEqual(len(self.outbox.sms), 2)
        recipients, message = self.outbox.emails[0]
        self.assertEqual(recipients, ['ann@example.com'])
        self.assertEqual(message['From'], FROM)
        self.assertEqual(self.outbox.sms[0]['To'], '+19175550123')
        self.assertEqual([(log.offset_hours, log.channel, log.status)
                for log in logs()], [
                (48, 'email', 'sent'), (48, 'sms', 'sent'),
                (24, 'email', 'sent'), (24, 'sms', 'sent')])
        self.assertIn('provider id SM0001', logs(channel='sms')[0].detail)

    @with_transaction()
    def test_no_phi_in_texts(self):
        company, practice = self.practice()
        with set_company(company):
            practice.book(START)
            send(START - hours(20))
        (_, message), = self.outbox.emails
        body = message.get_body().get_content()
        sms = self.outbox.sms[0]['Body']
        self.assertTrue(sms.startswith(
                f"Reminder: you have an appointment with {PRACTICE} on "
                f"{WHEN} at Brooklyn. Confirm: {PUBLIC_URL}/"), sms)
        for text in [sms, body, message['Subject']]:
            for word in PHI:
                self.assertNotIn(word, without_tokens(text))
            self.assertIn(WHEN, text)
        for text in [sms, body]:
            self.assertEqual(LINK.findall(text), ['confirm', 'cancel'])
            self.assertIn(f'{PUBLIC_URL}/{DB_NAME}/appointment/', text)
        self.assertIn("Call us at (718) 555-0142.", body)

    @with_transaction()
    def test_opted_out_client_gets_nothing(self):
        Client = Pool().get('therapy.client')
        company, practice = self.practice()
        with set_company(company):
            Client.write([practice.ann], {
                    'reminder_email': False, 'reminder_sms': False})
            practice.book(START)
            send(START - hours(40))
            send(START - hours(39))
            self.assertEqual((self.outbox.emails, self.outbox.sms), ([], []))
            self.assertEqual([(log.channel, log.status, log.detail)
                    for log in logs()], [
                    ('email', 'skipped', 'opted out'),
                    ('sms', 'skipped', 'opted out')])
            # opting in before the appointment still gets the reminder
            Client.write([practice.ann], {'reminder_email': True})
            send(START - hours(30))
        self.assertEqual(len(self.outbox.emails), 1)
        self.assertEqual([log.status for log in logs()], ['sent', 'skipped'])

    @with_transaction()
    def test_quiet_hours_defer_sms(self):
        Configuration = Pool().get('therapy.configuration')
        company, practice = self.practice()
        with set_company(company):
            Configuration.write([Configuration(1)], {
                    'quiet_start': dt.time(21, 0),
                    'quiet_end': dt.time(8, 0)})
            practice.book(START)
            # Sun 9:00 PM and 11:00 PM in New York
            for now in [dt.datetime(2031, 3, 3, 2), dt.datetime(2031, 3, 3, 4)]:
                send(now)
                self.assertEqual(len(self.outbox.emails), 1)
                self.assertEqual(self.outbox.sms, [])
                sms_log, = logs(channel='sms')
                self.assertEqual((sms_log.status, sms_log.detail),
                    ('skipped', 'quiet hours: deferred'))
            send(dt.datetime(2031, 3, 3, 13))  # Mon 8:00 AM
            self.assertEqual(len(self.outbox.sms), 1)
            sms_log, = logs(channel='sms')
            self.assertEqual(sms_log.status, 'sent')

    @with_transaction()
    def test_group_session_reminds_expected_attendees(self):
        company, practice = self.practice()
        with set_company(company):
            practice.book(START, attendees=[
                    {'client': practice.ann.id},
                    {'client': practice.ben.id},
                    {'client': practice.cara.id,
                        'attendance': 'cancelled'}])
            send(START - hours(10))
        self.assertEqual(sorted(r for r, _ in self.outbox.emails),
            [['ann@example.com'], ['ben@example.com']])
        self.assertEqual(sorted(m['To'] for m in self.outbox.sms),
            ['+19175550123', '+19175550124'])
        for _, message in self.outbox.emails:
            self.assertNotIn("Anxiety", message.get_body().get_content())

    @with_transaction()
    def test_booked_late_gets_one_reminder(self):
        company, practice = self.practice()
        with set_company(company):
            practice.book(START)
            send(START - hours(20))
            self.assertEqual(len(self.outbox.emails), 1)
            early, late = logs(channel='email')
            self.assertEqual((early.offset_hours, early.status, early.detail),
                (48, 'skipped', 'superseded by a later reminder'))
            self.assertEqual((late.offset_hours, late.status), (24, 'sent'))

    @with_transaction()
    def test_sms_failure_logged_and_retried(self):
        company, practice = self.practice()
        with set_company(company):
            practice.book(START)
            self.outbox.http.status = 500
            for attempt in range(1, 5):
                send(START - hours(20) + dt.timedelta(minutes=15 * attempt))
                sms_log, = logs(channel='sms', offset_hours=24)
                self.assertEqual(sms_log.status, 'failed')
                self.assertEqual(sms_log.attempts, min(attempt, 3))
            self.assertIn('HTTP 500', sms_log.detail)
            self.assertEqual(self.outbox.sms, [])
            self.assertEqual(len(self.outbox.emails), 1)

    @with_transaction()
    def test_reminder_offsets_checked(self):
        Configuration = Pool().get('therapy.configuration')
        company = create_company(PRACTICE)
        with set_company(company):
            configuration = Configuration(1)
            self.assertEqual(configuration.get_reminder_offsets(), [48, 24])
            self.assertEqual(configuration.get_reminder_channels(), ['email'])
            Configuration.write([configuration], {'reminder_offsets': '72'})
            for value in ['48,abc', '24,-1', '0']:
                with self.subTest(value=value):
                    with self.assertRaisesRegex(ValidationError, 'whole'):
                        Configuration.write(
                            [configuration], {'reminder_offsets': value})

    @with_transaction()
    def test_access(self):
        "Staff read logs; only owners see links and the SMS auth token"
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        Log = pool.get('therapy.reminder.log')
        Token = pool.get('therapy.appointment.token')
        company, practice = self.practice()
        with set_company(company):
            practice.book(START)
            send(START - hours(20))
            users = {group: create_user(
                        group, [f'therapy_scheduling.group_{group}'])
                for group in ['front_desk', 'owner']}
        for group, sees_secrets in [('front_desk', False), ('owner', True)]:
            with set_company(company), as_user(users[group]):
                log = Log.search([])[0]
                with self.assertRaises(AccessError):
                    Log.write([log], {'status': 'failed'})
                Configuration.read([1], ['reminder_offsets'])
                if sees_secrets:
                    self.assertEqual(len(Token.search([
                                    ('appointment.company', '=',
                                        company.id)])), 4)
                    self.assertTrue(Configuration.read(
                            [1], ['sms_auth_token'])[0]['sms_auth_token'])
                    continue
                for check in [lambda: Token.search([]),
                        lambda: Configuration.read([1], ['sms_auth_token'])]:
                    with self.assertRaises(AccessError):
                        check()


class ReminderLinkTestCase(OutboxMixin, RouteTestCase):
    "Test the confirm and cancel links of reminders"
    module = 'therapy_scheduling'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()  # the outbox first: the practice sends mail
        # not in setUpDatabase: creating the configuration singleton needs
        # a table lock, taken by retrying the transaction
        extras = {}
        while True:
            with Transaction().start(DB_NAME, 1, **extras) as transaction:
                try:
                    cls.create_practice()
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
                    continue
                break

    @classmethod
    def create_practice(cls):
        company = create_company(PRACTICE)
        with set_company(company):
            practice = ReminderPractice(
                cls.outbox, location_name="Park <Slope>")
        cls.company_id = company.id
        cls.ids = {name: getattr(practice, name).id for name in [
                'location', 'dana', 'therapy', 'group', 'ann', 'ben',
                'cara']}

    def transaction(self):
        return Transaction().start(
            DB_NAME, 0, context={'company': self.company_id})

    def book(self, days, **values):
        "An appointment `days` from now; returns its id"
        Appointment = Pool().get('therapy.appointment')
        start = dt.datetime.now().replace(minute=0, second=0, microsecond=0
            ) + dt.timedelta(days=days)
        appointment, = Appointment.create([{
                    'clinician': self.ids['dana'],
                    'location': self.ids['location'],
                    'service': self.ids['therapy'],
                    'start': start, 'end': start + hours(1), **values}])
        return appointment.id

    def issue(self, appointment_id, client, expires_in=hours(24)):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Client = pool.get('therapy.client')
        Token = pool.get('therapy.appointment.token')
        links = Token.issue(Appointment(appointment_id),
            Client(self.ids[client]), 'email',
            dt.datetime.now() + expires_in)
        return {a: url[len(PUBLIC_URL):] for a, url in links.items()}

    def appointment(self, appointment_id):
        with self.transaction():
            appointment = Pool().get('therapy.appointment')(appointment_id)
            return (appointment.state, appointment.cancelled_by,
                [a.attendance for a in appointment.attendees])

    def test_confirm_link_from_reminder(self):
        with self.transaction() as transaction:
            appointment_id = self.book(1, client=self.ids['ann'])
            Pool().get('therapy.appointment').send_reminders()
            transaction.commit()
        (_, message), = [m for m in self.outbox.emails
            if m[0] == ['ann@example.com']]
        url = re.search(r'https://\S+/confirm/\S+',
            message.get_body().get_content()).group()
        path = url[len(PUBLIC_URL):]
        self.assertEqual(path.split('/')[1], DB_NAME)
        client = self.client()

        response = client.get(path)  # what a link scanner does
        self.assertEqual(response.status_code, 200)
        page = response.get_data(as_text=True)
        self.assertIn('method="post"', page)
        self.assertIn("Park &lt;Slope&gt;", page)  # escaped
        for word in PHI:
            self.assertNotIn(word, without_tokens(page))
        # the token goes to no other site
        self.assertEqual(response.headers['Referrer-Policy'], 'same-origin')
        self.assertEqual(response.headers['Cache-Control'], 'no-store')
        self.assertEqual(self.appointment(appointment_id)[0], 'scheduled')

        response = browser_post(client, response, path)
        self.assertEqual(response.status_code, 200)
        self.assertIn("confirmed", response.get_data(as_text=True))
        self.assertEqual(self.appointment(appointment_id)[0], 'confirmed')

        for method in [client.post, client.get]:
            response = method(path)
            self.assertEqual(response.status_code, 410)
            self.assertIn("no longer valid", response.get_data(as_text=True))

    def test_cancel_link_cancels_as_client(self):
        with self.transaction():
            appointment_id = self.book(2, client=self.ids['ben'])
            links = self.issue(appointment_id, 'ben')
        client = self.client()
        self.assertEqual(client.get(links['cancel']).status_code, 200)
        self.assertEqual(self.appointment(appointment_id)[0], 'scheduled')
        # the confirm link does not cancel, the cancel link does not confirm
        wrong = links['cancel'].replace('/cancel/', '/confirm/')
        self.assertEqual(client.post(wrong).status_code, 410)

        response = client.post(links['cancel'])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.appointment(appointment_id),
            ('cancelled', 'client', ['cancelled']))
        # the appointment is gone: its confirm link is refused as well
        self.assertEqual(client.post(links['confirm']).status_code, 410)

    def test_expired_and_unknown_links_refused(self):
        with self.transaction():
            appointment_id = self.book(3, client=self.ids['cara'])
            links = self.issue(appointment_id, 'cara',
                expires_in=-dt.timedelta(minutes=1))
        client = self.client()
        for path in [links['confirm'], links['cancel'],
                f'/{DB_NAME}/appointment/cancel/{"x" * 43}']:
            for method in [client.get, client.post]:
                response = method(path)
                self.assertEqual(response.status_code, 410)
                self.assertIn("call the practice",
                    response.get_data(as_text=True))
        self.assertEqual(self.appointment(appointment_id)[0], 'scheduled')
        response = client.get(f'/{DB_NAME}/appointment/delete/{"x" * 43}')
        self.assertIn(response.status_code, {404, 405})  # no such route

    def test_group_cancel_frees_only_that_place(self):
        with self.transaction():
            appointment_id = self.book(4, service=self.ids['group'],
                attendees=[('create', [
                            {'client': self.ids['ann']},
                            {'client': self.ids['ben']}])])
            links = self.issue(appointment_id, 'ben')
        response = self.client().post(links['cancel'])
        self.assertEqual(response.status_code, 200)
        state, _, attendance = self.appointment(appointment_id)
        self.assertEqual(state, 'scheduled')
        self.assertEqual(sorted(attendance), ['cancelled', 'expected'])


del RouteTestCase
