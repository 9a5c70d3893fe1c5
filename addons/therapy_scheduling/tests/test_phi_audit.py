"""Every RPC call on a PHI model is an audit event (issue 13,
SECURITY.md §5.5 1 and 3): called as the dispatcher calls it (the
method decorated by its RPC entry, as the user, with the request's
address), each read, search, export, change and button leaves one event
naming the records, their clients and the fields, never a value."""
import logging
import unittest

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

from .fixtures import DAY, SchedulingPractice, as_user, at, create_user

SENTINEL = 'zz-sentinel-c41b'
REQUEST = {'remote_addr': '198.51.100.23'}


class LogLines(logging.Handler):
    "What the server logs at INFO and above while in a with block"

    def __init__(self):
        super().__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))

    def __enter__(self):
        root = logging.getLogger()
        self.root_level, root.level = root.level, logging.INFO
        root.addHandler(self)
        # trytond's own loggers: what a server at INFO writes
        logging.getLogger('trytond').info("audit log test: calls begin")
        return self

    def __exit__(self, *exc):
        root = logging.getLogger()
        root.removeHandler(self)
        root.level = self.root_level


def rpc(Model, method, *args):
    "Model.method(*args) as the dispatcher runs it"
    with Transaction().set_context(_request=REQUEST):
        return Model.__rpc__[method].decorate(getattr(Model, method))(*args)


class PHIAuditTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_scheduling')

    @classmethod
    def tearDownClass(cls):
        # test_refusal_outlives_its_transaction commits
        drop_db()

    def last_event(self):
        Event = Pool().get('therapy.audit.event')
        event, = Event.search([], order=[('seq', 'DESC')], limit=1)
        return event

    @with_transaction()
    def test_each_rpc_call_is_an_event(self):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Event = pool.get('therapy.audit.event')
        with set_company(create_company()):
            practice = SchedulingPractice()
            ann = practice.ann
            appointment = practice.book(at(9), notes=SENTINEL)
            other = practice.book(at(11), client=practice.ben)
            desk = create_user('desk', ['therapy_scheduling.group_front_desk'])
            ids = [appointment.id]
            calls = [
                ('read', (ids, ['start', 'notes']), 'phi.read', 'R',
                    ids, 'notes,start'),
                ('search', ([('client', '=', ann.id)], 0, None, None),
                    'phi.search', 'R', ids, None),
                ('search_read', ([('client', '=', ann.id)], 0, None, None,
                        ['notes']), 'phi.search', 'R', ids, 'id,notes'),
                ('search_count', ([('client', '=', ann.id)],),
                    'phi.search', 'R', [], None),
                ('write', ([appointment], {'notes': SENTINEL + '2'}),
                    'phi.update', 'U', ids, 'notes'),
                ('confirm', ([appointment],), 'phi.execute', 'E', ids,
                    None),
                ('history_revisions', (ids,), 'phi.read.history', 'R',
                    ids, None),
                ]
            logged = LogLines()
            for method, args, code, action, event_ids, names in calls:
                with self.subTest(method=method), logged:
                    before = Event.search_count([])
                    with as_user(desk):
                        result = rpc(Appointment, method, *args)
                    self.assertEqual(Event.search_count([]), before + 1)
                    event = self.last_event()
                    self.assertEqual(
                        (event.event_code, event.action, event.outcome),
                        (code, action, '0'))
                    self.assertEqual(event.resource_model,
                        'therapy.appointment')
                    self.assertEqual(event.resource_ids,
                        ','.join(map(str, event_ids)) or None)
                    self.assertEqual(event.client_ids,
                        f',{ann.id},' if event_ids else None)
                    self.assertEqual(event.field_names, names)
                    self.assertEqual(event.actor_user.id, desk.id)
                    self.assertEqual(event.source_ip,
                        REQUEST['remote_addr'])
                    self.assertEqual(event.rpc_method,
                        f'model.therapy.appointment.{method}')
                    if method == 'search_count':
                        self.assertEqual(event.record_count, result)
            # a read showing each record's client names them from its rows
            with as_user(desk):
                rpc(Appointment, 'read', [other.id, appointment.id],
                    ['client', 'start'])
            self.assertEqual(self.last_event().client_ids,
                f',{ann.id},{practice.ben.id},')
            # a past revision's client is not the event's: the table's is
            rows = [{'id': appointment.id, 'client': practice.ben.id}]
            self.assertEqual(
                Appointment.audit_client_ids([appointment.id], rows),
                [practice.ben.id])
            with Transaction().set_context(_datetime=at(0)):
                self.assertEqual(
                    Appointment.audit_client_ids([appointment.id], rows),
                    [ann.id])
            # the export (also the data route's) is an event
            with as_user(desk):
                Appointment.export_data([appointment, other], ['notes'])
            export = self.last_event()
            self.assertEqual(export.event_code, 'phi.export')
            self.assertEqual(export.client_ids,
                f',{ann.id},{practice.ben.id},')
            # and needs a fresh login (the dispatcher checks it)
            for method in ['export_data', 'export_data_domain']:
                self.assertTrue(Appointment.__rpc__[method].fresh_session)
            cursor = Transaction().connection.cursor()
            cursor.execute('SELECT * FROM therapy_audit_event')
            self.assertNotIn(SENTINEL, repr(cursor.fetchall()))
            self.assertEqual(Event.verify(), [])
            # nor in what the server logs at a production level
            self.assertTrue(logged.lines)
            self.assertNotIn(SENTINEL, '\n'.join(logged.lines))

    def test_refusal_outlives_its_transaction(self):
        """A call the rules refuse is an access.denied event: its
        transaction rolls back, the event stays; also
        when that transaction had appended events (and so holds the
        chain's lock) before the refusal"""
        with Transaction().start(DB_NAME, 1) as transaction:
            company = create_company()
            with set_company(company):
                practice = SchedulingPractice()
                appointment = practice.book(at(9, day=DAY))
                accountant = create_user('books2',
                    ['therapy_scheduling.group_accountant'])
            transaction.commit()
        with self.assertRaises(AccessError), \
                Transaction().start(DB_NAME, 1):
            pool = Pool()
            Appointment = pool.get('therapy.appointment')
            Event = pool.get('therapy.audit.event')
            Event.log('test.before', 'E')
            with set_company(company), as_user(accountant):
                rpc(Appointment, 'write', [Appointment(appointment.id)],
                    {'notes': 'x'})
        with Transaction().start(DB_NAME, 1):
            Event = Pool().get('therapy.audit.event')
            event = self.last_event()
            self.assertEqual((event.event_code, event.actor_user.id),
                ('access.denied', accountant.id))
            self.assertEqual(
                Event.search([('event_code', '=', 'test.before')]), [])
            self.assertEqual(Event.verify(), [])

    @with_transaction()
    def test_server_calls_are_not_events(self):
        "What the server does inside a call is the call's event, not more"
        pool = Pool()
        Event = pool.get('therapy.audit.event')
        with set_company(create_company()):
            before = Event.search_count([])
            practice = SchedulingPractice()
            practice.book(at(9))
            self.assertEqual(Event.search_count([]), before)
