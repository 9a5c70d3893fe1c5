"""Two-step sign-in in a database: enrollment at the first login, codes,
replays, recovery codes, the administrator's reset, the demo's relaxation
and the secrets nobody reads over RPC"""
import time

from trytond import config
from trytond.exceptions import LoginException
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from therapy_audit import totp

PASSWORD = 'correct horse battery'


def now_code(secret):
    return totp.code_at(secret, time.time())


class MFATestCase(ModuleTestCase):
    "Two-step sign-in"
    module = 'therapy_audit'

    def user(self, login):
        User = Pool().get('res.user')
        user, = User.create([{
                    'name': login.title(), 'login': login,
                    'password': PASSWORD}])
        return user

    def prompt(self, login, **parameters):
        "The login's prompt (LoginException) for the next credential"
        User = Pool().get('res.user')
        with self.assertRaises(LoginException) as raised:
            User.get_login(login, {'password': PASSWORD, **parameters})
        return raised.exception

    def login(self, login, code, password=PASSWORD):
        User = Pool().get('res.user')
        return User.get_login(login, {'password': password, 'totp': code})

    def events(self, code):
        Event = Pool().get('therapy.audit.event')
        return Event.search([('event_code', '=', code)],
            order=[('seq', 'ASC')])

    def enrollment(self, user):
        return Pool().get('therapy.mfa.enrollment').of_user(user.id)

    @with_transaction()
    def test_enrollment_at_first_login(self):
        "A user without an app is given a key and confirms its first code"
        kit = self.user('kit')
        prompt = self.prompt('kit')
        self.assertEqual((prompt.name, prompt.type), ('totp', 'char'))
        secret = self.enrollment(kit).secret
        self.assertIn(totp.grouped(secret), prompt.message)
        # asked again, the same key
        self.assertIn(totp.grouped(secret), self.prompt('kit').message)
        self.assertFalse(kit.mfa_enrolled)
        # no key for a wrong password
        User = Pool().get('res.user')
        self.assertIsNone(User.get_login('kit', {'password': 'wrong one!'}))
        wrong = f'{(int(now_code(secret)) + 1) % 10 ** 6:06d}'
        self.assertIsNone(self.login('kit', wrong))
        code = now_code(secret)
        self.assertEqual(self.login('kit', code), kit.id)
        self.assertTrue(User(kit.id).mfa_enrolled)
        self.assertEqual([e.reason for e in
                self.events('auth.login.failure')],
            ['bad credentials', 'MFA failed'])

    @with_transaction()
    def test_enrolled_login(self):
        "Password then code; a code used once is refused the second time"
        kit = self.user('kit')
        secret = totp.new_secret()
        Enrollment = Pool().get('therapy.mfa.enrollment')
        Enrollment.enroll(kit.id, secret, None)
        prompt = self.prompt('kit')
        self.assertEqual(prompt.name, 'totp')
        self.assertNotIn(totp.grouped(secret), prompt.message)
        code = now_code(secret)
        self.assertIsNone(self.login('kit', code, password='wrong one!'))
        self.assertEqual(self.login('kit', code), kit.id)
        self.assertIsNone(self.login('kit', code))
        failures = self.events('auth.login.failure')
        self.assertEqual([e.reason for e in failures],
            ['bad credentials', 'MFA failed'])
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT * FROM therapy_audit_event')
        self.assertNotIn(code, repr(cursor.fetchall()))

    @with_transaction()
    def test_recovery_codes(self):
        "Ten codes, each good once, and an event when one is used"
        kit = self.user('kit')
        Enrollment = Pool().get('therapy.mfa.enrollment')
        codes = Enrollment.enroll(kit.id, totp.new_secret(), None)
        self.assertEqual(len(set(codes)), 10)
        self.assertEqual(self.login('kit', codes[3].lower()), kit.id)
        self.assertIsNone(self.login('kit', codes[3]))
        used, = self.events('auth.mfa.recovery_used')
        self.assertEqual((used.actor_user, used.record_count), (kit, 9))
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT * FROM therapy_mfa_recovery')
        self.assertNotIn(totp.normalise(codes[0]), repr(cursor.fetchall()))

    @with_transaction()
    def test_method_list_with_totp(self):
        "[session] authentications = password+totp: the same steps"
        kit = self.user('kit')
        secret = totp.new_secret()
        Pool().get('therapy.mfa.enrollment').enroll(kit.id, secret, None)
        config.set('session', 'authentications', 'password+totp')
        try:
            self.assertEqual(self.prompt('kit').name, 'totp')
            self.assertEqual(self.login('kit', now_code(secret)), kit.id)
        finally:
            config.set('session', 'authentications', 'password')

    @with_transaction()
    def test_reset(self):
        "The administrator resets a lost app; nobody else can"
        pool = Pool()
        User = pool.get('res.user')
        kit, lee = self.user('kit'), self.user('lee')
        Enrollment = pool.get('therapy.mfa.enrollment')
        Enrollment.enroll(kit.id, totp.new_secret(), None)
        transaction = Transaction()
        with transaction.set_user(lee.id), \
                transaction.set_context(_check_access=True), \
                self.assertRaises(AccessButtonError):
            User.mfa_reset([kit])
        admin, = User.search([('login', '=', 'admin')])
        with transaction.set_user(admin.id), \
                transaction.set_context(_check_access=True):
            User.mfa_reset([kit])
        self.assertIsNone(self.enrollment(kit))
        reset, = self.events('auth.mfa.reset')
        self.assertEqual((reset.actor_user, reset.resource_ids),
            (admin, str(kit.id)))
        # back to enrolling at the next login
        message = self.prompt('kit').message
        self.assertIn(totp.grouped(self.enrollment(kit).secret), message)

    @with_transaction()
    def test_relaxed_for_the_demo(self):
        "In the demo, who has no app signs in with the password alone"
        pool = Pool()
        User = pool.get('res.user')
        Configuration = pool.get('therapy.security.configuration')
        kit, lee = self.user('kit'), self.user('lee')
        secret = totp.new_secret()
        pool.get('therapy.mfa.enrollment').enroll(lee.id, secret, None)
        Configuration.write([Configuration(1)],
            {'mfa_relaxed_for_demo': True})
        self.assertEqual(
            User.get_login('kit', {'password': PASSWORD}), kit.id)
        self.assertEqual(self.prompt('lee').name, 'totp')
        # nobody changes it over RPC, the administrator included
        admin, = User.search([('login', '=', 'admin')])
        transaction = Transaction()
        with transaction.set_user(admin.id), \
                transaction.set_context(_check_access=True), \
                self.assertRaises(AccessError):
            Configuration.write([Configuration(1)],
                {'mfa_relaxed_for_demo': False})

    @with_transaction()
    def test_secrets_unreadable(self):
        "Nobody reads the keys or recovery hashes over RPC"
        pool = Pool()
        User = pool.get('res.user')
        kit = self.user('kit')
        pool.get('therapy.mfa.enrollment').enroll(
            kit.id, totp.new_secret(), None)
        admin, = User.search([('login', '=', 'admin')])
        transaction = Transaction()
        for name in ['therapy.mfa.enrollment', 'therapy.mfa.recovery']:
            Model = pool.get(name)
            with self.subTest(model=name), \
                    transaction.set_user(admin.id), \
                    transaction.set_context(_check_access=True), \
                    self.assertRaises(AccessError):
                Model.search_read([], fields_names=['id'])
        with transaction.set_user(admin.id), \
                transaction.set_context(_check_access=True):
            self.assertEqual(
                User.search([('mfa_enrolled', '=', True)]), [kit])


del ModuleTestCase
