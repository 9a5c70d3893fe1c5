"""Portal two-step sign-in, driven through the pages: set up (the first
code confirms, the recovery codes are shown once and stored hashed), the
login's second step (no session before the code; wrong, replayed and
reused codes refused and audited), recovery codes, turning it off, and a
login without it as before."""
import datetime as dt
import re
import time
from unittest import mock

from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, RouteTestCase, with_transaction)
from trytond.transaction import Transaction

from therapy_audit import totp
from therapy_scheduling.phi import NOT_PHI

PASSWORD = 'correct horse battery staple'
MODELS = ['therapy.portal.mfa', 'therapy.portal.mfa.recovery',
    'therapy.portal.mfa.challenge']


def code(secret, steps=0):
    "The app's code, steps time steps from now"
    return totp.code_at(secret, time.time() + steps * totp.STEP)


def wrong(secret):
    "A code no step near now has"
    near = {code(secret, s) for s in range(-2, 3)}
    return next(c for c in (f'{i:06d}' for i in range(10 ** 6))
        if c not in near)


class PortalTwoStepTestCase(RouteTestCase):
    "Test the portal's two-step sign-in"
    module = 'therapy_portal'

    def setUp(self):
        super().setUp()
        # web_user slows guesses by sleeping; not the tests
        patcher = mock.patch('time.sleep')
        patcher.start()
        self.addCleanup(patcher.stop)

    @property
    def base(self):
        return f'/{self.db_name}/portal'

    def user(self, email):
        "A new portal login (committed, as the pages see it)"
        with Transaction().start(DB_NAME, 0) as transaction:
            WebUser = Pool().get('web.user')
            WebUser.create([{'email': email, 'password': PASSWORD}])
            transaction.commit()
        return email

    def enroll(self, email):
        """Two-step sign-in turned on for email, as the pages do it, an
        old step used: (secret, recovery codes)"""
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            WebUser = pool.get('web.user')
            Enrollment = pool.get('therapy.portal.mfa')
            user, = WebUser.search([('email', '=', email)])
            enrollment = Enrollment.start(user)
            codes = enrollment.confirm(code(enrollment.secret, -1))
            self.assertTrue(codes)
            secret = enrollment.secret
            transaction.commit()
        return secret, codes

    @with_transaction()
    def state(self, email):
        """(enrollment as (confirmed, last step, recovery hashes, used
        count) or None, challenges, sessions) of email"""
        pool = Pool()
        WebUser = pool.get('web.user')
        Enrollment = pool.get('therapy.portal.mfa')
        Challenge = pool.get('therapy.portal.mfa.challenge')
        Session = pool.get('web.user.session')
        user, = WebUser.search([('email', '=', email)])
        enrollment = Enrollment.of_user(user)
        if enrollment:
            recovery = enrollment.recovery_codes
            enrollment = (bool(enrollment.confirmed_at),
                enrollment.last_step, [r.code_hash for r in recovery],
                len([r for r in recovery if r.used_at]))
        return (enrollment,
            len(Challenge.search([('web_user', '=', user.id)])),
            len(Session.search([('user', '=', user.id)])))

    @with_transaction()
    def events(self, email, code):
        "(reason, outcome, channel, actor kind, count) of email's events"
        Event = Pool().get('therapy.audit.event')
        return [(e.reason, e.outcome, e.channel, e.actor_kind,
                e.record_count)
            for e in Event.search([
                    ('event_code', '=', code),
                    ('actor_login', '=', email)],
                order=[('seq', 'ASC')])]

    def password(self, client, email):
        return client.post(f'{self.base}/login', data={
                'email': email, 'password': PASSWORD})

    def session_cookie(self, response):
        return 'caseload_portal=' in ' '.join(
            v for k, v in response.headers.items() if k == 'Set-Cookie'
            and not v.startswith('caseload_portal=;'))

    def signed_in(self, client):
        return client.get(f'{self.base}/').status_code == 200

    def test_models_deny_all_and_declared(self):
        "The new tables: nobody's over RPC, and declared as not PHI"
        for name in MODELS:
            self.assertIn(name, NOT_PHI)
        self.assert_deny_all()

    @with_transaction()
    def assert_deny_all(self):
        Access = Pool().get('ir.model.access')
        for name in MODELS:
            rows = Access.search([('model', '=', name)])
            self.assertEqual([(r.group, r.perm_read, r.perm_write,
                        r.perm_create, r.perm_delete) for r in rows],
                [(None, False, False, False, False)], name)

    def test_enroll(self):
        """Set up from the portal: a wrong first code is refused, the right
        one turns it on and shows ten recovery codes once, kept hashed"""
        email = self.user('enroll@example.com')
        client = self.client()
        self.password(client, email)
        home = client.get(f'{self.base}/').get_data(as_text=True)
        self.assertIn(f'href="{self.base}/two-step"', home)
        page = client.get(f'{self.base}/two-step').get_data(as_text=True)
        self.assertIn("Off.", page)

        page = client.post(f'{self.base}/two-step/setup')
        self.assertEqual(page.status_code, 200)
        page = page.get_data(as_text=True)
        self.assertIn('<svg', page)
        self.assertIn('autocomplete="one-time-code"', page)
        self.assertIn('inputmode="numeric"', page)
        key = re.search(r'<p class="key"><code>([A-Z2-7 ]+)</code>',
            page).group(1)
        secret = key.replace(' ', '')
        self.assertEqual(totp.grouped(secret), key)

        refused = client.post(f'{self.base}/two-step/confirm',
            data={'code': wrong(secret)})
        self.assertEqual(refused.status_code, 422)
        self.assertIn("not right", refused.get_data(as_text=True))
        self.assertIn(key, refused.get_data(as_text=True))  # same key
        self.assertEqual(self.state(email)[0], (False, None, [], 0))

        done = client.post(f'{self.base}/two-step/confirm',
            data={'code': code(secret)})
        self.assertEqual(done.status_code, 200)
        self.assertEqual(done.headers['Cache-Control'], 'no-store')
        codes = re.findall(r'<code>([0-9A-Z]{5}-[0-9A-Z]{5})</code>',
            done.get_data(as_text=True))
        self.assertEqual(len(set(codes)), 10)
        (confirmed, step, hashes, used), _, _ = self.state(email)
        self.assertTrue(confirmed)
        self.assertIsNotNone(step)
        self.assertEqual(len(hashes), 10)
        self.assertTrue(all(h.startswith('scrypt$') for h in hashes))
        for recovery in codes:
            self.assertNotIn(totp.normalise(recovery), ' '.join(hashes))
        self.assertEqual(self.events(email, 'auth.mfa.enroll'),
            [('self', '0', 'portal', 'portal', 1)])

        # shown once: neither the page nor confirming again shows them
        page = client.get(f'{self.base}/two-step').get_data(as_text=True)
        self.assertIn("<strong>On</strong>", page)
        self.assertNotIn(codes[0], page)
        again = client.post(f'{self.base}/two-step/confirm',
            data={'code': code(secret, 1)})
        self.assertEqual(again.status_code, 302)
        # nor is a new key given while it is on
        again = client.post(f'{self.base}/two-step/setup')
        self.assertEqual(again.status_code, 302)
        self.assertEqual(self.state(email)[0][2], hashes)

    def test_setup_needs_a_session(self):
        client = self.client()
        for path in ['two-step', 'two-step/setup', 'two-step/confirm',
                'two-step/disable']:
            method = client.get if path == 'two-step' else client.post
            response = method(f'{self.base}/{path}')
            self.assertEqual(response.status_code, 302, path)
            self.assertTrue(response.location.endswith('/portal/login'))

    def test_login_with_code(self):
        """The password opens no session: the code does, once; a wrong
        code is refused and audited, a replayed one refused"""
        email = self.user('code@example.com')
        secret, _ = self.enroll(email)
        client = self.client()
        response = self.password(client, email)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.location.endswith('/portal/login/code'))
        self.assertFalse(self.session_cookie(response))
        cookie = response.headers['Set-Cookie']
        self.assertIn('caseload_portal_mfa=', cookie)
        self.assertIn('HttpOnly', cookie)
        self.assertIn('SameSite=Strict', cookie)
        self.assertNotIn(PASSWORD.split()[0], cookie)
        self.assertEqual(self.state(email)[1:], (1, 0))
        self.assertFalse(self.signed_in(client))

        page = client.get(f'{self.base}/login/code').get_data(as_text=True)
        self.assertIn('autocomplete="one-time-code"', page)
        self.assertIn('inputmode="numeric"', page)
        self.assertIn('<label for="code">', page)

        response = client.post(f'{self.base}/login/code',
            data={'code': wrong(secret)})
        self.assertEqual(response.status_code, 401)
        self.assertIn("not right", response.get_data(as_text=True))
        self.assertFalse(self.session_cookie(response))
        self.assertFalse(self.signed_in(client))
        self.assertEqual(self.events(email, 'auth.login.failure'),
            [('MFA failed', '4', 'portal', 'portal', None)])

        good = code(secret)
        response = client.post(f'{self.base}/login/code',
            data={'code': good})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(self.session_cookie(response))
        self.assertTrue(self.signed_in(client))
        self.assertEqual(self.state(email)[1:], (0, 1))
        # the challenge is over: its cookie no longer signs anyone in
        self.assertEqual(client.post(f'{self.base}/login/code',
                data={'code': code(secret, 1)}).status_code, 302)

        # the same code again, after the password again: a replay
        other = self.client()
        self.password(other, email)
        response = other.post(f'{self.base}/login/code',
            data={'code': good})
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.signed_in(other))
        self.assertEqual(len(self.events(email, 'auth.login.failure')), 2)

    def test_recovery_code_once(self):
        "A recovery code signs in once, and its use is recorded"
        email = self.user('recovery@example.com')
        _, codes = self.enroll(email)
        client = self.client()
        self.password(client, email)
        response = client.post(f'{self.base}/login/code',
            data={'code': '', 'recovery': codes[4].lower()})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(self.signed_in(client))
        self.assertEqual(self.state(email)[0][3], 1)
        self.assertEqual(self.events(email, 'auth.mfa.recovery_used'),
            [(None, '0', 'portal', 'portal', 9)])

        other = self.client()
        self.password(other, email)
        response = other.post(f'{self.base}/login/code',
            data={'recovery': codes[4]})
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.signed_in(other))

    def test_disable(self):
        """Turned off with a current code (a wrong one refused): the
        password alone signs in again"""
        email = self.user('disable@example.com')
        secret, codes = self.enroll(email)
        client = self.client()
        self.password(client, email)
        good = code(secret)
        client.post(f'{self.base}/login/code', data={'code': good})
        self.assertTrue(self.signed_in(client))

        response = client.post(f'{self.base}/two-step/disable',
            data={'code': wrong(secret)})
        self.assertEqual(response.status_code, 422)
        self.assertTrue(self.state(email)[0][0])
        # the code that signed in is used up
        response = client.post(f'{self.base}/two-step/disable',
            data={'code': good})
        self.assertEqual(response.status_code, 422)
        self.assertEqual([e[:2] for e in
                self.events(email, 'auth.mfa.disable')],
            [('wrong code', '4'), ('wrong code', '4')])

        response = client.post(f'{self.base}/two-step/disable',
            data={'recovery': codes[0]})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.location.endswith('/two-step?off=1'))
        self.assertEqual(self.state(email)[0], None)
        self.assertEqual(self.events(email, 'auth.mfa.disable')[-1],
            ('recovery code', '0', 'portal', 'portal', 1))
        self.assertIn("is off", client.get(response.location).get_data(
                as_text=True))

        fresh = self.client()
        response = self.password(fresh, email)
        self.assertTrue(response.location.endswith('/portal/'))
        self.assertTrue(self.session_cookie(response))
        self.assertTrue(self.signed_in(fresh))

    def test_without_enrollment(self):
        """Offered, not forced: without it (or with a set-up never
        confirmed) the password alone signs in"""
        email = self.user('plain@example.com')
        client = self.client()
        response = self.password(client, email)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.location.endswith('/portal/'))
        self.assertTrue(self.session_cookie(response))
        self.assertTrue(self.signed_in(client))
        # a key shown but never confirmed changes nothing
        client.post(f'{self.base}/two-step/setup')
        self.assertEqual(self.state(email)[0], (False, None, [], 0))
        fresh = self.client()
        response = self.password(fresh, email)
        self.assertTrue(response.location.endswith('/portal/'))
        self.assertTrue(self.signed_in(fresh))
        self.assertEqual(self.state(email)[1], 0)

    def test_challenge_bounded(self):
        """The half-done login lasts 5 minutes and 5 wrong codes; wrong
        codes count against the email's attempts, which a right password
        does not clear"""
        email = self.user('bounded@example.com')
        secret, _ = self.enroll(email)
        client = self.client()
        self.password(client, email)
        self.age_challenges(email, 6)
        response = client.post(f'{self.base}/login/code',
            data={'code': code(secret)})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.location.endswith('/login?expired=1'))
        self.assertFalse(self.signed_in(client))

        self.password(client, email)
        for _ in range(4):
            self.assertEqual(client.post(f'{self.base}/login/code',
                    data={'code': wrong(secret)}).status_code, 401)
        response = client.post(f'{self.base}/login/code',
            data={'code': wrong(secret)})
        self.assertIn("Too many wrong codes", response.get_data(True))
        self.assertEqual(self.state(email)[1], 0)

        # 5 wrong codes so far; the password again, one more wrong code,
        # and then even the right one is refused for a while
        self.password(client, email)
        self.assertEqual(client.post(f'{self.base}/login/code',
                data={'code': wrong(secret)}).status_code, 401)
        response = client.post(f'{self.base}/login/code',
            data={'code': code(secret)})
        self.assertEqual(response.status_code, 429)
        self.assertFalse(self.signed_in(client))
        self.assertEqual(
            [e[0] for e in self.events(email, 'auth.login.failure')],
            ['MFA failed'] * 6 + ['rate-limited'])

    def age_challenges(self, email, minutes):
        "email's challenges were made minutes ago"
        when = dt.datetime.now() - dt.timedelta(minutes=minutes)
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            WebUser = pool.get('web.user')
            Challenge = pool.get('therapy.portal.mfa.challenge')
            user, = WebUser.search([('email', '=', email)])
            table = Challenge.__table__()
            cursor = transaction.connection.cursor()
            cursor.execute(*table.update([table.create_date], [when],
                    where=table.web_user == user.id))
            transaction.commit()

    def test_owner_turns_it_off(self):
        """A client who lost phone and recovery codes: the owner turns it
        off (a staff event), the front desk cannot; the password then
        signs in alone"""
        from trytond.exceptions import UserError
        from trytond.modules.company.tests import (
            create_company, set_company)

        from therapy_scheduling.tests.fixtures import as_user, create_user
        from therapy_scheduling.tests.test_phi_audit import rpc

        email = self.user('lost-phone@example.com')
        self.enroll(email)
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            WebUser = pool.get('web.user')
            Event = pool.get('therapy.audit.event')
            self.assertTrue(WebUser.__rpc__['two_step_reset'].fresh_session)
            with set_company(create_company()):
                owner = create_user('owner-reset',
                    ['therapy_scheduling.group_owner'])
                desk = create_user('desk-reset',
                    ['therapy_scheduling.group_front_desk'])
            user, = WebUser.search([('email', '=', email)])
            self.assertTrue(user.two_step_enabled)
            with as_user(desk), self.assertRaises(UserError):
                rpc(WebUser, 'two_step_reset', [user])
            with as_user(owner):
                rpc(WebUser, 'two_step_reset', [user])
            self.assertFalse(WebUser(user.id).two_step_enabled)
            reset, = Event.search([('event_code', '=', 'auth.mfa.reset')])
            self.assertEqual((reset.actor_user, reset.resource_model,
                    reset.resource_ids), (owner, 'web.user', str(user.id)))
            transaction.commit()
        self.assertEqual(self.state(email)[0], None)
        client = self.client()
        response = self.password(client, email)
        self.assertTrue(self.session_cookie(response))


del RouteTestCase
