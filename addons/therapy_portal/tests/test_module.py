import datetime as dt
import hashlib
import re
from decimal import Decimal

from trytond import backend
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, ModuleTestCase, RouteTestCase, with_transaction)
from trytond.transaction import Transaction

from therapy_billing import ledger_invariants
from therapy_scheduling.tests.fixtures import (
    Practice, as_user, create_clinician, create_service, create_user, day_at)
from therapy_scheduling.tests.outbox import without_tokens

PASSWORD = 'correct horse battery staple'


class TherapyPortalTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Therapy Portal module"
    module = 'therapy_portal'

    @with_transaction()
    def test_guardian_sees_child(self):
        "A consenting guardian's login reaches the child, others do not"
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        Guardian = pool.get('therapy.client.guardian')
        company = create_company()
        with set_company(company):
            kid, mom, aunt, adult = Party.create([
                    {'name': "Kid"}, {'name': "Mom"}, {'name': "Aunt"},
                    {'name': "Adult"}])
            child, grown = Client.create([{
                        'party': kid.id,
                        'guardians': [('create', [
                                    {'party': mom.id},
                                    {'party': aunt.id,
                                        'legal_guardian': False},
                                    ])],
                        }, {'party': adult.id}])
            Client.write([child], {
                    'birth_date': dt.date.today() - dt.timedelta(days=3650)})
            self.assertEqual(Client.for_portal_party(mom), [child])
            self.assertEqual(Client.for_portal_party(aunt), [])
            self.assertEqual(Client.for_portal_party(adult), [grown])
            self.assertEqual(child.portal_parties(), [kid, mom])

            # the child turns 18 today: the parent's access ends ...
            eighteen = dt.date.today().replace(
                year=dt.date.today().year - 18)
            Client.write([child], {'birth_date': eighteen})
            self.assertEqual(Client.for_portal_party(mom), [])
            self.assertEqual(Client(child.id).portal_parties(), [kid])
            # ... unless the adult client lets them keep it
            mom_row, = [g for g in child.guardians if g.party == mom]
            Guardian.write([mom_row], {'portal_after_majority': True})
            self.assertEqual(Client.for_portal_party(mom), [child])
            self.assertEqual(Client(child.id).portal_parties(), [kid, mom])

    @with_transaction()
    def test_portal_secrets_unreadable_by_staff(self):
        "Hashes, tokens and session keys: refused to every staff role"
        pool = Pool()
        Party = pool.get('party.party')
        WebUser = pool.get('web.user')
        Session = pool.get('web.user.session')
        company = create_company()
        with set_company(company):
            party, = Party.create([{'name': "Pat Parent"}])
            web_user, = WebUser.create([{
                        'email': 'pat@example.com', 'password': PASSWORD,
                        'party': party.id}])
            web_user.new_session()
            owner = create_user('owner', ['therapy_scheduling.group_owner'])
        with set_company(company), as_user(owner):
            # the login itself stays visible to the owner
            self.assertEqual(
                WebUser.read([web_user.id], ['email'])[0]['email'],
                'pat@example.com')
            for field in ['password_hash', 'reset_password_token',
                    'email_token']:
                with self.assertRaises(AccessError, msg=field):
                    WebUser.read([web_user.id], [field])
            with self.assertRaises(AccessError):
                WebUser.search([('password_hash', '!=', None)])
            with self.assertRaises(AccessError):
                Session.search([])


class TherapyPortalRouteTestCase(RouteTestCase):
    "Test the client portal pages"
    module = 'therapy_portal'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        WebUser = pool.get('web.user')
        Template = pool.get('therapy.form.template')
        Response = pool.get('therapy.form.response')
        cls.set_cancellation_policy()
        company = create_company()
        with set_company(company):
            ann, parent, bob = Party.create([
                    {'name': "Ann Client"}, {'name': "Pat Parent"},
                    {'name': "Bob Other"}])
            annie, bobby = Client.create([{
                        'party': ann.id,
                        'preferred_name': "Annie <b>",
                        'birth_date': dt.date(2015, 5, 1),
                        'guardians': [('create', [{'party': parent.id}])],
                        }, {'party': bob.id}])
            WebUser.create([{
                        'email': 'pat@example.com', 'password': PASSWORD,
                        'party': parent.id,
                        }])
            npp, = Template.search([('code', '=', 'hipaa_npp')])
            Response.create([
                    {'client': annie.id, 'template': npp.id},
                    {'client': bobby.id, 'template': npp.id},
                    ])
            phq9, = Template.search([('code', '=', 'phq9')])
            Response.create([{'client': annie.id, 'template': phq9.id}])
            cls.book_appointments(annie, bobby)

    @classmethod
    def set_cancellation_policy(cls):
        """A 72-hour window and a $50 late fee, written before the company
        exists: the settings singleton's first write locks its table, so it
        runs in a transaction of its own, which on PostgreSQL cannot see a
        company the outer transaction has not committed"""
        Configuration = Pool().get('therapy.configuration')
        with Transaction().new_transaction(
                _lock_tables=[Configuration._table]) as transaction:
            Configuration.write([Configuration(1)], {
                    'cancellation_window': dt.timedelta(hours=72),
                    'late_cancel_fee': Decimal('50.00'),
                    })
            transaction.commit()

    @classmethod
    def book_appointments(cls, annie, bobby):
        """Annie: a session in 1 day (inside the 72-hour cancellation
        window, late fee $50), one in 6 days, one 7 days ago; Bob: one in
        2 days"""
        Appointment = Pool().get('therapy.appointment')
        practice = Practice("Harbor Street")
        practice.service = create_service()
        practice.clinician = create_clinician(
            "Dana Lopez", therapy_locations=[practice.location])
        practice.book(day_at(1), annie)
        practice.book(day_at(6), annie)
        past = practice.book(day_at(-7), annie)
        Appointment.arrive([past])
        Appointment.complete([past])
        practice.book(day_at(2), bobby)

    def login(self, client, password=PASSWORD):
        return client.post(f'/{self.db_name}/portal/login', data={
                'email': 'pat@example.com', 'password': password})

    def test_login_required(self):
        response = self.client().get(f'/{self.db_name}/portal/')
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.location.endswith('/portal/login'))

    def test_wrong_password(self):
        response = self.login(self.client(), password='wrong')
        self.assertEqual(response.status_code, 401)
        self.assertIn("Wrong email or password", response.get_data(True))
        self.assertNotIn('caseload_portal', response.headers.get(
                'Set-Cookie', ''))

    def test_guardian_home_and_logout(self):
        client = self.client()
        response = self.login(client)
        self.assertEqual(response.status_code, 302)
        cookie = response.headers['Set-Cookie']
        self.assertIn('HttpOnly', cookie)
        self.assertIn('SameSite=Strict', cookie)
        response = client.get(f'/{self.db_name}/portal/')
        self.assertEqual(response.status_code, 200)
        page = response.get_data(as_text=True)
        self.assertIn("Annie &lt;b&gt;", page)  # escaped, not markup
        self.assertNotIn("Bob Other", page)
        self.assertEqual(response.headers['Cache-Control'], 'no-store')
        self.assertIn("frame-ancestors 'none'",
            response.headers['Content-Security-Policy'])
        client.post(f'/{self.db_name}/portal/logout')
        response = client.get(f'/{self.db_name}/portal/')
        self.assertEqual(response.status_code, 302)

    @with_transaction()
    def login_events(self, since):
        "The portal's login events after since: (code, reason, login, hash)"
        Event = Pool().get('therapy.audit.event')
        return [(e.event_code, e.reason, e.actor_login, e.session_hash)
            for e in Event.search([('seq', '>', since),
                    ('event_code', 'in', ['auth.login.failure',
                            'auth.login.success', 'auth.logout',
                            'portal.view']),
                    ('channel', '=', 'portal')], order=[('seq', 'ASC')])]

    @with_transaction()
    def last_seq(self):
        return Pool().get('therapy.audit.event').head()[0]

    def test_logins_are_audited(self):
        """Wrong and unknown logins, a login, the home page seen and the
        logout, never a password"""
        since = self.last_seq()
        client = self.client()
        self.login(client, password='zz-wrong-9d1e')
        client.post(f'/{self.db_name}/portal/login', data={
                'email': 'nobody@example.com', 'password': PASSWORD})
        key = self.session_key(self.login(client))
        client.get(f'/{self.db_name}/portal/')
        client.post(f'/{self.db_name}/portal/logout')
        hashed = hashlib.sha256(key.encode()).hexdigest()
        self.assertEqual(self.login_events(since), [
                ('auth.login.failure', 'bad credentials', 'pat@example.com',
                    None),
                ('auth.login.failure', 'unknown user', 'nobody@example.com',
                    None),
                ('auth.login.success', None, 'pat@example.com', hashed),
                ('portal.view', None, 'pat@example.com', hashed),
                ('auth.logout', None, 'pat@example.com', hashed),
                ])

    def test_forged_cookie(self):
        client = self.client()
        client.set_cookie('caseload_portal', 'f' * 64,
            path=f'/{self.db_name}/portal')
        response = client.get(f'/{self.db_name}/portal/')
        self.assertEqual(response.status_code, 302)

    def session_key(self, response):
        "The portal session's key a login response sets"
        return re.search(r'caseload_portal=([0-9a-f]+);',
            response.headers['Set-Cookie']).group(1)

    def move_clock(self, key, created, touched):
        """The clock moved on: the session of key was made `created` and
        last used `touched` minutes ago (its stamps moved back)"""
        def ago(minutes):
            return ("CURRENT_TIMESTAMP - INTERVAL '%s minutes'" % minutes
                if backend.name == 'postgresql'
                else "datetime('now', '-%s minutes')" % minutes)
        with Transaction().start(DB_NAME, 0) as transaction:
            transaction.connection.cursor().execute(
                f"UPDATE web_user_session SET create_date = {ago(created)}, "
                f"write_date = {ago(touched)} WHERE key = %s"
                if backend.name == 'postgresql' else
                f"UPDATE web_user_session SET create_date = {ago(created)}, "
                f"write_date = {ago(touched)} WHERE key = ?", (key,))
            transaction.commit()

    @with_transaction()
    def session_state(self, key):
        """(minutes since the session of key was last used or None where
        there is no such session, its expiry events as (reason, channel,
        actor kind, login))"""
        pool = Pool()
        Session = pool.get('web.user.session')
        Event = pool.get('therapy.audit.event')
        sessions = Session.search([('key', '=', key)])
        idle = ((dt.datetime.now() - sessions[0].last_modified_at
                ).total_seconds() / 60 if sessions else None)
        events = Event.search([
                ('event_code', '=', 'auth.session.expired'),
                ('session_hash', '=',
                    hashlib.sha256(key.encode()).hexdigest())])
        return idle, [(e.reason, e.channel, e.actor_kind, e.actor_login)
            for e in events]

    def test_idle_session_ends(self):
        """15 minutes without a request end a portal session: deleted,
        recorded, and the page answers as to the signed out"""
        client = self.client()
        key = self.session_key(self.login(client))
        home = f'/{self.db_name}/portal/'
        # 14 minutes idle: still in, and the request moves the idle clock
        self.move_clock(key, 60, 14)
        self.assertEqual(client.get(home).status_code, 200)
        idle, events = self.session_state(key)
        self.assertLess(idle, 1)
        self.assertEqual(events, [])
        # 16 minutes idle: out
        self.move_clock(key, 60, 16)
        response = client.get(home)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.location.endswith('/portal/login'))
        self.assertEqual(self.session_state(key), (None, [
                    ('idle', 'portal', 'portal', 'pat@example.com')]))
        # nor does the cookie reach the forms any more
        ann = self.responses()["Ann Client"]
        self.assertEqual(client.get(
                f'/{self.db_name}/portal/forms/{ann.id}').status_code, 302)

    def test_absolute_session_ends(self):
        "12 hours after the login a portal session ends, however busy"
        client = self.client()
        key = self.session_key(self.login(client))
        self.move_clock(key, 12 * 60 - 1, 1)
        self.assertEqual(
            client.get(f'/{self.db_name}/portal/').status_code, 200)
        self.move_clock(key, 12 * 60 + 1, 1)
        response = client.get(f'/{self.db_name}/portal/')
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.session_state(key), (None, [
                    ('absolute', 'portal', 'portal', 'pat@example.com')]))

    def test_idle_page_leaves_itself(self):
        """A portal page refreshes to logout?idle=1 after the idle limit,
        without JavaScript; the sign-in page then says why"""
        client = self.client()
        key = self.session_key(self.login(client))
        page = client.get(f'/{self.db_name}/portal/').get_data(as_text=True)
        self.assertIn('<meta http-equiv="refresh" content="900;url='
            f'/{self.db_name}/portal/logout?idle=1">', page)
        ann = self.responses()["Ann Client"]
        form = client.get(f'/{self.db_name}/portal/forms/{ann.id}')
        self.assertIn('/portal/logout?idle=1"', form.get_data(as_text=True))
        # the refresh comes when the server holds the session idle
        self.move_clock(key, 30, 15.1)
        response = client.get(f'/{self.db_name}/portal/logout?idle=1')
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            response.location.endswith('/portal/login?idle=1'))
        self.assertIn('caseload_portal=;', response.headers['Set-Cookie'])
        self.assertEqual(self.session_state(key), (None, [
                    ('idle', 'portal', 'portal', 'pat@example.com')]))
        page = client.get(response.location).get_data(as_text=True)
        self.assertIn("signed out after 15 minutes without activity", page)
        self.assertNotIn("Annie", page)

    @with_transaction()
    def responses(self):
        """{client name: consent response values} read in a transaction of
        its own"""
        Response = Pool().get('therapy.form.response')
        fields = ['id', 'state', 'signer_name', 'signer_role', 'signer_ip',
            'signer_user_agent', 'completed_by', 'hash_valid', 'document']
        values = {}
        for response in Response.search(
                [('template.code', '=', 'hipaa_npp')]):
            values[response.client.party.name] = type('Values', (), {
                    **{f: getattr(response, f) for f in fields},
                    'answer_ids': [a.id for a in response.answers]})
        return values

    def test_guardian_signs_consent(self):
        "Signed with name, role, IP and browser; nothing kept when refused"
        client = self.client()
        self.login(client)
        ann = self.responses()["Ann Client"]
        home = client.get(f'/{self.db_name}/portal/').get_data(as_text=True)
        self.assertIn(f'/portal/forms/{ann.id}', home)
        url = f'/{self.db_name}/portal/forms/{ann.id}'
        page = client.get(url).get_data(as_text=True)
        self.assertIn("Notice of Privacy Practices", page)
        self.assertIn("parent or guardian", page)
        answer_id, = ann.answer_ids
        field = f'q{answer_id}'

        response = client.post(url, data={
                field: 'yes', 'signer_name': "Pat Parent"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("Tick the box", response.get_data(as_text=True))
        response = client.post(url, data={
                'signer_name': "Pat Parent", 'consent': 'yes'})
        self.assertEqual(response.status_code, 422)
        self.assertIn("needs an answer", response.get_data(as_text=True))
        self.assertEqual(self.responses()["Ann Client"].state, 'draft')

        response = client.post(url, data={
                field: 'yes', 'signer_name': "Pat Parent", 'consent': 'yes'},
            headers={'User-Agent': 'PortalTest/1.0'},
            environ_base={'REMOTE_ADDR': '203.0.113.7'})
        self.assertEqual(response.status_code, 302)
        signed = self.responses()["Ann Client"]
        self.assertEqual((signed.state, signed.signer_name,
                signed.signer_role, signed.signer_ip,
                signed.signer_user_agent, signed.completed_by),
            ('completed', "Pat Parent", 'guardian', '203.0.113.7',
                'PortalTest/1.0', None))
        self.assertTrue(signed.hash_valid)
        page = client.get(url).get_data(as_text=True)
        self.assertIn("Signed electronically by Pat Parent", page)
        self.assertEqual(client.post(url, data={
                    field: 'no', 'signer_name': "X", 'consent': 'yes'}
                ).status_code, 302)
        self.assertEqual(self.responses()["Ann Client"].document,
            signed.document)

    @with_transaction()
    def phq9(self):
        "Annie's PHQ-9: (id, state, risk flag, {item code: answer id})"
        Response = Pool().get('therapy.form.response')
        response, = Response.search([('template.code', '=', 'phq9')])
        return (response.id, response.state, response.risk_flag,
            {a.question.code: a.id for a in response.answers})

    def test_risk_answer_shows_crisis_resources(self):
        """PHQ-9 item 9 above 0: the page confirming the form gives the
        988 Lifeline and 911 at once; a form without a risk answer does
        not"""
        client = self.client()
        self.login(client)
        response_id, _, _, answers = self.phq9()
        url = f'/{self.db_name}/portal/forms/{response_id}'
        page = client.get(url).get_data(as_text=True)
        self.assertIn("Little interest or pleasure", page)
        self.assertNotIn("988", page)
        data = {f'q{answers[f"item{i}"]}': '2' if i == 9 else '0'
            for i in range(1, 10)}
        response = client.post(url, data=data)
        self.assertEqual(response.status_code, 302)
        _, state, risk, _ = self.phq9()
        self.assertEqual((state, risk), ('completed', True))
        page = client.get(url).get_data(as_text=True)
        self.assertIn('class="crisis" role="alert"', page)
        for text in ['href="tel:988"', "Suicide &amp; Crisis Lifeline",
                'href="tel:911"', "care team has been told"]:
            self.assertIn(text, page)

        # the consent, signed without a risk answer: no crisis text
        ann = self.responses()["Ann Client"]
        url = f'/{self.db_name}/portal/forms/{ann.id}'
        if ann.state == 'draft':
            answer_id, = ann.answer_ids
            client.post(url, data={f'q{answer_id}': 'yes',
                    'signer_name': "Pat Parent", 'consent': 'yes'})
        page = client.get(url).get_data(as_text=True)
        self.assertIn("Thank you", page)
        self.assertNotIn("988", page)

    @with_transaction()
    def appointments(self):
        "{(client name, days from today): (id, state, late, cancelled by)}"
        Appointment = Pool().get('therapy.appointment')
        today = dt.date.today()
        return {(a.client.party.name, (a.start.date() - today).days): (
                a.id, a.state, a.late_cancellation, a.cancelled_by)
            for a in Appointment.search([])}

    @with_transaction()
    def late_fees(self):
        Charge = Pool().get('therapy.charge')
        return [(c.appointment.id, c.amount) for c in Charge.search([
                    ('kind', '=', 'late_cancel')])]

    def test_appointments_calendar_and_cancel(self):
        """Upcoming and past sessions of the guardian's child only; an
        .ics to add one to a calendar; cancelling inside the window states
        the fee first, then charges it"""
        client = self.client()
        self.login(client)
        booked = self.appointments()
        base = f'/{self.db_name}/portal/appointments'
        page = client.get(base).get_data(as_text=True)
        self.assertIn("Dana Lopez", page)
        self.assertEqual(page.count("Add to calendar"), 2)
        self.assertIn("Completed", page)
        near, _, _, _ = booked["Ann Client", 1]
        far, _, _, _ = booked["Ann Client", 6]
        bobs, _, _, _ = booked["Bob Other", 2]
        self.assertNotIn(f'/appointments/{bobs}', page)
        home = client.get(f'/{self.db_name}/portal/').get_data(as_text=True)
        self.assertIn("Next appointment", home)

        ics = client.get(f'{base}/{near}.ics')
        self.assertEqual(ics.status_code, 200)
        self.assertTrue(ics.content_type.startswith('text/calendar'))
        text = ics.get_data(as_text=True)
        for line in ['BEGIN:VEVENT', 'DTSTART:', 'LOCATION:Harbor Street',
                f'UID:appointment-{near}@']:
            self.assertIn(line, text)
        # what a shared calendar may show: no clinician, service or client
        for phi in ["Dana", "Psychotherapy", "Ann", "Annie"]:
            self.assertNotIn(phi, without_tokens(text))

        # not this user's: not found, nothing cancelled
        for url in [f'{base}/{bobs}.ics', f'{base}/{bobs}/cancel']:
            self.assertEqual(client.get(url).status_code, 404)
        self.assertEqual(client.post(f'{base}/{bobs}/cancel').status_code,
            404)

        page = client.get(f'{base}/{far}/cancel').get_data(as_text=True)
        self.assertIn("no fee", page)
        page = client.get(f'{base}/{near}/cancel').get_data(as_text=True)
        self.assertIn("late cancellation", page)
        self.assertIn("$50.00", page)
        self.assertEqual(self.appointments()["Ann Client", 1][1],
            'scheduled')  # a GET changes nothing
        response = client.post(f'{base}/{near}/cancel')
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.appointments()["Ann Client", 1][1:],
            ('cancelled', True, 'client'))
        self.assertEqual(self.late_fees(), [(near, Decimal('50.00'))])
        # money moved: the ledger keeps its invariants
        self.assertEqual(ledger_invariants.check(self.db_name), [])
        page = client.get(base + '?cancelled=1').get_data(as_text=True)
        self.assertIn("Your appointment is cancelled", page)
        self.assertEqual(page.count("Add to calendar"), 1)
        self.assertEqual(self.appointments()["Bob Other", 2][1], 'scheduled')

    def test_other_clients_form_is_not_found(self):
        client = self.client()
        self.login(client)
        bob = self.responses()["Bob Other"]
        url = f'/{self.db_name}/portal/forms/{bob.id}'
        self.assertEqual(client.get(url).status_code, 404)
        self.assertEqual(client.post(url, data={
                    'signer_name': "Pat", 'consent': 'yes'}).status_code, 404)
        self.assertEqual(self.responses()["Bob Other"].state, 'draft')
        self.assertEqual(client.get(
                f'/{self.db_name}/portal/forms/999999').status_code, 404)


del ModuleTestCase, RouteTestCase
