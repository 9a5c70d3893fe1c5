"""Portal accounts (issue 14): the front desk's invitation, the password
link (single use, expiring, hashed), forgotten passwords, log out
everywhere, the intake packet and forms saved part-way."""
import datetime as dt
import re

from trytond import config
from trytond.exceptions import UserError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import (
    Practice, create_clinician, create_service, create_user, day_at)
from therapy_scheduling.tests.outbox import OutboxMixin, free_port

PASSWORD = 'correct horse battery staple'
NEW_PASSWORD = 'purple otter lamp harbor'
LINK = re.compile(r'/portal/password/([A-Za-z0-9_-]+)')


class PortalAccountsTestCase(OutboxMixin, RouteTestCase):
    "Invitations, password links and the intake packet"
    module = 'therapy_portal'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        WebUser = pool.get('web.user')
        Template = pool.get('therapy.form.template')
        company = create_company()
        with set_company(company):
            ann, pat, carl, dora, eve, frank, gail = Party.create([
                    {'name': "Ann Minor"},
                    {'name': "Pat Parent", 'contact_mechanisms': [
                            ('create', [{'type': 'email',
                                        'value': 'pat@example.com'}])]},
                    {'name': "Carl Adult"}, {'name': "Dora Booked"},
                    {'name': "Eve Stranger"}, {'name': "Frank Twice"},
                    {'name': "Gail Partial"}])
            cls.clients = dict(zip(['ann', 'carl', 'dora', 'frank', 'gail'],
                    [c.id for c in Client.create([{
                                'party': ann.id,
                                'birth_date': dt.date(2014, 3, 1),
                                'guardians': [('create', [
                                            {'party': pat.id}])],
                                }, {'party': carl.id}, {'party': dora.id},
                            {'party': frank.id}, {'party': gail.id}])]))
            cls.eve = eve.id
            WebUser.create([
                    {'email': 'carl@example.com', 'password': PASSWORD,
                        'party': carl.id},
                    {'email': 'dora@example.com', 'password': PASSWORD,
                        'party': dora.id},
                    {'email': 'eve@example.com', 'password': PASSWORD,
                        'party': eve.id},
                    {'email': 'gail@example.com', 'password': PASSWORD,
                        'party': gail.id},
                    ])
            cls.front_desk = create_user('desk', [
                    'therapy_scheduling.group_front_desk']).id
            cls.company = company.id
            # the practice's packet: intake questionnaire and consent
            packet = Template.search([
                    ('code', 'in', ['intake', 'financial_policy'])])
            Template.write(packet, {'intake_packet': True})
            cls.packet = sorted(t.id for t in packet)
            phq9, = Template.search([('code', '=', 'phq9')])
            cls.phq9 = phq9.id

    def transaction(self, user=0):
        return Transaction().start(DB_NAME, user,
            context={'company': self.company, 'companies': [self.company]})

    def invite(self, client, values):
        "Run Invite to Portal as the front desk on client with values"
        with self.transaction(self.front_desk) as transaction:
            Invite = Pool().get('therapy.portal.invite', type='wizard')
            with transaction.set_context(_check_access=True,
                    active_model='therapy.client', active_id=client,
                    active_ids=[client]):
                session, _, _ = Invite.create()
                start = Invite.execute(session, {}, 'start')
                values = dict({k: v for k, v in
                        start['view']['defaults'].items() if '.' not in k},
                    **values)
                result = Invite.execute(session, {'start': values}, 'invite')
                Invite.delete(session)
            transaction.commit()
        return result

    def drafts(self, client):
        with self.transaction():
            Response = Pool().get('therapy.form.response')
            return sorted(r.template.id for r in Response.search([
                        ('client', '=', client), ('state', '=', 'draft')]))

    def events(self, code):
        with self.transaction():
            Event = Pool().get('therapy.audit.event')
            return Event.search([('event_code', '=', code)])

    def link_of(self, message):
        body = message.get_body(('plain',)).get_content()
        return LINK.search(body).group(1)

    def login(self, client, email, password):
        return client.post(f'/{self.db_name}/portal/login', data={
                'email': email, 'password': password})

    def assert_no_phi(self, message, *names):
        text = message['Subject'] + message.get_body(
            ('plain',)).get_content()
        for name in names:
            self.assertNotIn(name, text)

    def test_guardian_invited_chooses_password_once(self):
        result = self.invite(self.clients['ann'], {})
        self.assertIn('pat@example.com',
            result['view']['defaults']['summary'])
        (to, message), = self.outbox.emails
        self.assertEqual(to, ['pat@example.com'])
        self.assert_no_phi(message, "Ann Minor", "Ann")
        token = self.link_of(message)
        self.assertEqual(self.drafts(self.clients['ann']), self.packet)
        self.assertTrue(self.events('portal.invite'))
        with self.transaction():
            WebUser = Pool().get('web.user')
            user, = WebUser.search([('email', '=', 'pat@example.com')])
            self.assertFalse(user.password_hash)
            # only the token's hash is kept
            self.assertNotEqual(user.reset_password_token, token)

        client = self.client()
        url = f'/{self.db_name}/portal/password/{token}'
        page = client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Welcome to the client portal", page.get_data(True))
        self.assertEqual(page.headers['Referrer-Policy'], 'same-origin')
        short = client.post(url, data={'password': 'short', 'confirm': 'short'})
        self.assertEqual(short.status_code, 422)
        self.assertIn("at least 12 characters", short.get_data(True))
        mismatch = client.post(url, data={
                'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD + 'x'})
        self.assertEqual(mismatch.status_code, 422)
        done = client.post(url, data={
                'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
        self.assertEqual(done.status_code, 302)
        self.assertTrue(done.location.endswith('/portal/login?password=1'))
        self.assertEqual(client.get(url).status_code, 410)
        again = client.post(url, data={
                'password': PASSWORD, 'confirm': PASSWORD})
        self.assertEqual(again.status_code, 410)
        self.assertEqual(self.login(
                client, 'pat@example.com', NEW_PASSWORD).status_code, 302)
        home = client.get(f'/{self.db_name}/portal/')
        self.assertIn("Ann Minor", home.get_data(True))

        # inviting again gives no form twice
        self.outbox.clear()
        self.invite(self.clients['ann'], {})
        self.assertEqual(len(self.outbox.emails), 1)
        self.assertEqual(self.drafts(self.clients['ann']), self.packet)

    def test_invitation_refused_changes_nothing(self):
        # someone who may not see the client's record
        with self.assertRaises(UserError) as refused:
            self.invite(self.clients['frank'], {'person': self.eve})
        self.assertIn("may not see the record", refused.exception.message)
        # an address that is another person's login
        with self.assertRaises(UserError) as taken:
            self.invite(self.clients['frank'],
                {'email': 'carl@example.com'})
        self.assertIn("already the portal login of someone else",
            taken.exception.message)
        # the mail server does not answer: the front desk is told
        uri = config.get('email', 'uri')
        config.set('email', 'uri', f'smtp://127.0.0.1:{free_port()}')
        try:
            with self.assertRaises(UserError) as unsent:
                self.invite(self.clients['frank'],
                    {'email': 'frank@example.com'})
        finally:
            config.set('email', 'uri', uri)
        self.assertIn("could not be sent", unsent.exception.message)
        self.assertEqual(self.outbox.emails, [])
        self.assertEqual(self.drafts(self.clients['frank']), [])
        with self.transaction():
            WebUser = Pool().get('web.user')
            self.assertFalse(WebUser.search([('party.name', '=',
                            "Frank Twice")]))

    def test_forgotten_password_and_logout_everywhere(self):
        client, phone = self.client(), self.client()
        for browser in [client, phone]:
            self.assertEqual(self.login(
                    browser, 'carl@example.com', PASSWORD).status_code, 302)
        unknown = client.post(f'/{self.db_name}/portal/password',
            data={'email': 'nobody@example.com'})
        known = client.post(f'/{self.db_name}/portal/password',
            data={'email': 'CARL@example.com'})
        # the same answer: the page says nothing about who is a client
        self.assertEqual(unknown.get_data(True), known.get_data(True))
        (to, message), = self.outbox.emails
        self.assertEqual(to, ['carl@example.com'])
        self.assert_no_phi(message, "Carl Adult")
        # one working link at a time
        client.post(f'/{self.db_name}/portal/password',
            data={'email': 'carl@example.com'})
        self.assertEqual(len(self.outbox.emails), 1)
        url = f'/{self.db_name}/portal/password/{self.link_of(message)}'
        self.assertIn("Choose a new password", client.get(url).get_data(True))
        self.assertEqual(client.post(url, data={
                    'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD,
                    }).status_code, 302)
        # the new password ends every session
        for browser in [client, phone]:
            self.assertEqual(browser.get(
                    f'/{self.db_name}/portal/').status_code, 302)
        self.assertEqual(self.login(
                client, 'carl@example.com', PASSWORD).status_code, 401)
        self.assertEqual(self.login(
                client, 'carl@example.com', NEW_PASSWORD).status_code, 302)
        self.assertEqual(self.login(
                phone, 'carl@example.com', NEW_PASSWORD).status_code, 302)
        out = client.post(f'/{self.db_name}/portal/logout/everywhere')
        self.assertTrue(out.location.endswith('/login?everywhere=1'))
        for browser in [client, phone]:
            self.assertEqual(browser.get(
                    f'/{self.db_name}/portal/').status_code, 302)
        self.assertTrue(self.events('auth.password.change'))

    def test_packet_given_on_first_booking(self):
        with self.transaction() as transaction:
            Client = Pool().get('therapy.client')
            dora = Client(self.clients['dora'])
            practice = Practice("Dora Street")
            practice.service = create_service()
            practice.clinician = create_clinician(
                "Dana Lopez", therapy_locations=[practice.location])
            practice.book(day_at(3), dora)
            self.assertEqual(len(self.outbox.emails), 0)  # at commit
            # the second booking gives nothing more
            practice.book(day_at(4), dora)
            transaction.commit()
        self.assertEqual(self.drafts(self.clients['dora']), self.packet)
        (to, message), = self.outbox.emails
        self.assertEqual(to, ['dora@example.com'])
        self.assert_no_phi(message, "Dora Booked")
        self.assertIn("2 form(s)", message.get_body(('plain',)).get_content())

    def test_form_saved_part_way(self):
        with self.transaction() as transaction:
            pool = Pool()
            Response = pool.get('therapy.form.response')
            response, = Response.create([{'company': self.company,
                        'client': self.clients['gail'],
                        'template': self.phq9}])
            answers = sorted(response.answers,
                key=lambda a: (a.question.sequence or 0, a.question.id))
            transaction.commit()
        client = self.client()
        self.login(client, 'gail@example.com', PASSWORD)
        url = f'/{self.db_name}/portal/forms/{response.id}'
        saved = client.post(url, data={
                f'q{answers[0].id}': '2', 'action': 'save'})
        self.assertEqual(saved.status_code, 302)
        page = client.get(saved.location)
        self.assertIn("Your answers so far are saved", page.get_data(True))
        self.assertIn('value="2" checked>', page.get_data(True))
        self.assertIn('value="save" formnovalidate', page.get_data(True))
        with self.transaction():
            Response = Pool().get('therapy.form.response')
            response = Response(response.id)
            self.assertEqual(response.state, 'draft')
            self.assertEqual(
                {a.question.id: a.value for a in response.answers}[
                    answers[0].question.id], '2')
        # finishing checks the required answers, as sending at once does
        refused = client.post(url, data={f'q{answers[0].id}': '2'})
        self.assertEqual(refused.status_code, 422)


del RouteTestCase
