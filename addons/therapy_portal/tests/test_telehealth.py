"""The telehealth link (issue 14): a session's own link, else its
clinician's room, is shown to the client in the portal for online
sessions only; a link that is not a secure web address is refused."""
from trytond.exceptions import UserError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction

from therapy_scheduling.telehealth import is_join_url
from therapy_scheduling.tests.fixtures import (
    Practice, create_clinician, create_service, day_at)

PASSWORD = 'correct horse battery staple'
ROOM = 'https://doxy.me/dana-lopez'
OWN = 'https://video.example.com/j/8812'


class TelehealthLinkTestCase(RouteTestCase):
    "Join links in the portal"
    module = 'therapy_portal'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        WebUser = pool.get('web.user')
        company = create_company()
        with set_company(company):
            kim, = Party.create([{'name': "Kim Online"}])
            client, = Client.create([{'party': kim.id}])
            WebUser.create([{'email': 'kim@example.com',
                        'password': PASSWORD, 'party': kim.id}])
            practice = Practice("Video Street")
            practice.service = create_service()
            practice.clinician = create_clinician("Dana Lopez",
                therapy_locations=[practice.location], telehealth_room=ROOM)
            practice.client = client
            cls.room_visit = practice.book(
                day_at(2), modality='telehealth').id
            cls.own_visit = practice.book(
                day_at(3), modality='telehealth', telehealth_link=OWN).id
            cls.office_visit = practice.book(day_at(4)).id
            cls.company = company.id
            cls.clinician = practice.clinician.id

    def test_join_links_shown_and_checked(self):
        self.assertTrue(is_join_url(ROOM))
        for bad in ['http://doxy.me/dana', 'doxy.me/dana', 'https://',
                'https://doxy.me/dana lopez', 'javascript:alert(1)', '']:
            self.assertFalse(is_join_url(bad), bad)

        client = self.client()
        client.post(f'/{self.db_name}/portal/login', data={
                'email': 'kim@example.com', 'password': PASSWORD})
        page = client.get(
            f'/{self.db_name}/portal/appointments').get_data(True)
        self.assertEqual(page.count("Join the video session"), 2, page)
        self.assertIn(f'href="{ROOM}"', page)
        self.assertIn(f'href="{OWN}"', page)
        # never in a calendar file
        ics = client.get(f'/{self.db_name}/portal/appointments/'
            f'{self.room_visit}.ics').get_data(True)
        self.assertNotIn('doxy.me', ics)

        with Transaction().start(DB_NAME, 0, context={
                    'company': self.company}):
            pool = Pool()
            Appointment = pool.get('therapy.appointment')
            Employee = pool.get('company.employee')
            self.assertEqual(
                [Appointment(i).join_url for i in [
                        self.room_visit, self.own_visit, self.office_visit]],
                [ROOM, OWN, None])
            with self.assertRaises(UserError) as refused:
                Appointment.write([Appointment(self.own_visit)],
                    {'telehealth_link': 'http://video.example.com/j/1'})
            self.assertIn("not a secure web address",
                refused.exception.message)
            with self.assertRaises(UserError):
                Employee.write([Employee(self.clinician)],
                    {'telehealth_room': 'doxy.me/dana'})


del RouteTestCase
