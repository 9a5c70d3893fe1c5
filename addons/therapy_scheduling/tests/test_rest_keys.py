"""REST API keys when a practice turns the API on: approved by an
administrator, never by their owner, expiring, and dead once their user
changes password or leaves."""
import datetime as dt
import unittest

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .fixtures import create_user


class RestKeyTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_clinical')

    def as_user(self, user):
        transaction = Transaction()
        return transaction.set_user(user.id), transaction.set_context(
            _check_access=True)

    @with_transaction()
    def test_key_needs_approval_expires_and_dies_with_user(self):
        pool = Pool()
        Application = pool.get('res.user.application')
        User = pool.get('res.user')
        with set_company(create_company()):
            desk = create_user('desk', ['therapy_scheduling.group_front_desk'])
        user, context = self.as_user(desk)
        with user, context:
            key, = Application.create([{
                        'user': desk.id, 'application': 'rest'}])
            self.assertEqual(key.state, 'requested')
            self.assertIsNone(Application.check(key.key, 'rest'))
            # neither the button nor a plain write validates one's own key
            with self.assertRaises(AccessButtonError):
                Application.validate_([key])
            with self.assertRaises(AccessError):
                Application.write([key], {'state': 'validated'})
            with self.assertRaises(AccessError):
                Application.write([key], {
                        'expires': dt.datetime(2100, 1, 1)})
            with self.assertRaises(AccessError):
                Application.create([{'user': desk.id,
                            'application': 'rest', 'state': 'validated'}])
        # the administrator approves it (here as the server)
        Application.validate_([key])
        self.assertEqual(Application.check(key.key, 'rest'), key)

        Application.write([key], {
                'expires': dt.datetime.now() - dt.timedelta(minutes=1)})
        self.assertIsNone(Application.check(key.key, 'rest'))
        Application.write([key], {
                'expires': dt.datetime.now() + dt.timedelta(days=1)})
        self.assertEqual(Application.check(key.key, 'rest'), key)

        User.write([desk], {'active': False})
        self.assertIsNone(Application.check(key.key, 'rest'))
        self.assertEqual(Application(key.id).state, 'cancelled')

    @with_transaction()
    def test_password_change_cancels_keys(self):
        pool = Pool()
        Application = pool.get('res.user.application')
        User = pool.get('res.user')
        with set_company(create_company()):
            desk = create_user('desk', ['therapy_scheduling.group_front_desk'])
        key, = Application.create([{'user': desk.id, 'application': 'rest'}])
        Application.validate_([key])
        User.write([desk], {'password': 'a new long passphrase 42'})
        self.assertEqual(Application(key.id).state, 'cancelled')
        self.assertIsNone(Application.check(key.key, 'rest'))
