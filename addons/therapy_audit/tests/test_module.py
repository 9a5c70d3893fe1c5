"""The audit log in a database: appended, linked, refused to edit,
checked, and failing closed"""
import datetime as dt
import unittest
from contextlib import contextmanager

from trytond import backend
from trytond import config
from trytond.exceptions import LoginException
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from therapy_audit.audit import AuditUnavailable, append_function

SENTINEL = 'zz-sentinel-7f3a'


def sql(statement):
    """statement inside the test's transaction, rolled back with it
    (SQLite would otherwise run DDL outside any transaction)"""
    connection = Transaction().connection
    cursor = connection.cursor()
    if backend.name == 'sqlite' and not connection.in_transaction:
        cursor.execute('BEGIN IMMEDIATE')
    cursor.execute(statement)


@contextmanager
def unguarded():
    """The table without the database's guards, as its owner could make
    it: what is left to catch an edit is the chain"""
    if backend.name == 'postgresql':
        sql('ALTER TABLE therapy_audit_event DISABLE TRIGGER USER')
        sql('GRANT UPDATE, DELETE ON therapy_audit_event TO CURRENT_USER')
    else:
        sql('DROP TRIGGER therapy_audit_event_no_update')
        sql('DROP TRIGGER therapy_audit_event_no_delete')
    yield


@contextmanager
def broken_writer():
    "A database that refuses every new audit row"
    if backend.name == 'postgresql':
        sql('ALTER TABLE therapy_audit_event ADD CONSTRAINT '
            'audit_refused CHECK (seq < 0) NOT VALID')
    else:
        sql('CREATE TRIGGER audit_refused BEFORE INSERT ON '
            "therapy_audit_event BEGIN SELECT RAISE(ABORT, 'refused'); END")
    yield


class AuditTestCase(ModuleTestCase):
    "The audit log"
    module = 'therapy_audit'

    def events(self, code=None):
        Event = Pool().get('therapy.audit.event')
        return Event.search([('event_code', '=', code)] if code else [],
            order=[('seq', 'ASC')])

    @with_transaction()
    def test_log_links_events(self):
        "Each event follows the one before; the chain verifies"
        Event = Pool().get('therapy.audit.event')
        Event.log('phi.read', 'R', model='therapy.client', ids=[3, 1, 2],
            client_ids=[2, 1], field_names=['party', 'status'])
        Event.log('phi.search', 'R', model='therapy.client', count=0)
        first, second = self.events()[-2:]
        self.assertEqual(second.seq, first.seq + 1)
        self.assertEqual(second.prev_hash, first.row_hash)
        self.assertEqual(first.resource_ids, '3,1,2')
        self.assertEqual(first.client_ids, ',1,2,')
        self.assertEqual(first.field_names, 'party,status')
        self.assertEqual(first.record_count, 3)
        self.assertEqual(first.actor_kind, 'staff')
        self.assertEqual(first.channel, 'system')
        self.assertEqual(Event.verify(), [])

    @unittest.skipUnless(backend.name == 'postgresql',
        "PostgreSQL's repeatable-read snapshots")
    @with_transaction()
    def test_writer_with_an_older_snapshot(self):
        """Events committed after a transaction's snapshot neither fork the
        chain nor hide from it: its writers of their own and its action's
        own appends link to the last committed event"""
        Event = Pool().get('therapy.audit.event')
        transaction = Transaction()
        Event.head()  # the snapshot of this transaction starts here

        def commit_elsewhere():
            with transaction.new_transaction() as other:
                Event.log('test.elsewhere', 'R')
                other.commit()

        commit_elsewhere()
        Event.log('test.persisted', 'R', persist=True)
        commit_elsewhere()
        Event.log('test.within', 'W')
        Event.log('test.within', 'W')
        transaction.commit()
        events = self.events()
        self.assertEqual([e.event_code for e in events[-5:]],
            ['test.elsewhere', 'test.persisted', 'test.elsewhere',
                'test.within', 'test.within'])
        self.assertEqual([e.seq for e in events],
            list(range(1, len(events) + 1)))
        self.assertEqual(Event.verify(), [])

    @with_transaction()
    def test_events_of_reads_appended_apart(self):
        """A read's event (its transaction read-only) is committed apart,
        every field as logged (on PostgreSQL the database's function
        appends it), linked to the head and hashed as the chain checks"""
        Event = Pool().get('therapy.audit.event')
        transaction = Transaction()
        with transaction.new_transaction(readonly=True):
            # codes of their own: these outlive the test's transaction
            Event.log('test.apart.read', 'R', model='therapy.note',
                ids=[5, 4], client_ids=[9, 2], field_names=['text', 'client'],
                category='note', reason='é "quoted"; \\ back',
                detail={'pages': 2}, request_id='req-0001-read')
            Event.log('test.apart.search', 'R', model='therapy.client',
                count=0)
        with transaction.new_transaction(readonly=True):
            read, = self.events('test.apart.read')
            search, = self.events('test.apart.search')
            self.assertEqual(
                (read.event_code, read.action, read.outcome,
                    read.resource_model, read.resource_ids,
                    read.record_count, read.client_ids, read.field_names,
                    read.data_category, read.reason, read.detail,
                    read.request_id, bool(read.emergency), read.actor_kind,
                    read.create_uid.id),
                ('test.apart.read', 'R', '0', 'therapy.note', '5,4', 2,
                    ',2,9,',
                    'client,text', 'note', 'é "quoted"; \\ back',
                    '{"pages": 2}', 'req-0001-read', False, 'staff',
                    transaction.user))
            self.assertEqual(read.occurred_at, read.create_date)
            self.assertEqual((search.seq, search.prev_hash),
                (read.seq + 1, read.row_hash))
            self.assertEqual(search.record_count, 0)
            self.assertEqual(Event.verify(), [])

    @unittest.skipUnless(backend.name == 'postgresql',
        "PostgreSQL's append function")
    @with_transaction()
    def test_reads_audited_before_the_update_creates_the_function(self):
        """Code newer than its database (the function not created yet):
        a read's event is appended the slower way, not refused"""
        Event = Pool().get('therapy.audit.event')
        transaction = Transaction()

        def committed(statement):
            with transaction.new_transaction() as other:
                other.connection.cursor().execute(statement)
                other.commit()
        committed('DROP FUNCTION therapy_audit_append')
        try:
            with transaction.new_transaction(readonly=True):
                Event.log('test.before.update', 'R', model='therapy.note',
                    ids=[1])
        finally:
            committed(append_function(Event._table))
        with transaction.new_transaction(readonly=True):
            event, = self.events('test.before.update')
            self.assertEqual(event.resource_ids, '1')
            self.assertEqual(Event.verify(), [])

    @with_transaction()
    def test_actor_is_the_user(self):
        pool = Pool()
        Event = pool.get('therapy.audit.event')
        User = pool.get('res.user')
        admin, = User.search([('login', '=', 'admin')])
        request = {'remote_addr': '192.0.2.7'}
        with Transaction().set_user(admin.id), \
                Transaction().set_context(_request=request):
            Event.log('phi.read', 'R', model='therapy.client', ids=[1])
        event, = self.events('phi.read')
        self.assertEqual(event.actor_user, admin)
        self.assertEqual(event.actor_login, 'admin')
        self.assertEqual(event.actor_kind, 'staff')
        self.assertEqual(event.source_ip, '192.0.2.7')
        self.assertEqual(event.channel, 'rpc')
        self.assertIn(str(admin.groups[0].id), event.actor_groups.split(','))

    @with_transaction()
    def test_orm_refuses_changes(self):
        Event = Pool().get('therapy.audit.event')
        Event.log('phi.read', 'R')
        event, = self.events('phi.read')
        for change in [
                lambda: Event.write([event], {'event_code': 'x'}),
                lambda: Event.delete([event]),
                lambda: Event.create([{'event_code': 'x'}]),
                lambda: Event.copy([event]),
                ]:
            with self.assertRaises(AccessError):
                change()

    @with_transaction()
    def test_database_refuses_changes(self):
        "The table's guards refuse an UPDATE and a DELETE in SQL"
        Event = Pool().get('therapy.audit.event')
        Event.log('phi.read', 'R')
        for statement in [
                "UPDATE therapy_audit_event SET event_code = 'x'",
                'DELETE FROM therapy_audit_event']:
            sql('SAVEPOINT refused')
            with self.assertRaises(Exception) as caught:
                sql(statement)
            sql('ROLLBACK TO SAVEPOINT refused')
            # PostgreSQL: the role lost the right; both: the trigger
            self.assertRegex(str(caught.exception),
                'append-only|permission denied')
        self.assertEqual(len(self.events('phi.read')), 1)

    @with_transaction()
    def test_verify_catches_an_edit(self):
        "An owner who takes the guards off is caught by the nightly check"
        Event = Pool().get('therapy.audit.event')
        for i in range(4):
            Event.log('phi.read', 'R', model='therapy.note', ids=[i])
        seq = self.events('phi.read')[1].seq
        with unguarded():
            sql(f"UPDATE therapy_audit_event SET resource_ids = '99' "
                f'WHERE seq = {seq}')
        self.assertEqual(Event.verify_chain(), [(seq, 'edited')])
        alarm, = self.events('audit.verify.failed')
        self.assertEqual(alarm.outcome, '12')
        self.assertIn(f'{seq} edited', alarm.detail)

    @with_transaction()
    def test_verify_catches_a_deletion(self):
        Event = Pool().get('therapy.audit.event')
        for i in range(4):
            Event.log('phi.read', 'R', model='therapy.note', ids=[i])
        seq = self.events('phi.read')[1].seq
        with unguarded():
            sql(f'DELETE FROM therapy_audit_event WHERE seq = {seq}')
        self.assertEqual(Event.verify(), [
                (seq + 1, 'gap'), (seq + 1, 'unlinked')])

    @with_transaction()
    def test_verify_ok_is_recorded(self):
        Event = Pool().get('therapy.audit.event')
        Event.log('phi.read', 'R')
        self.assertEqual(Event.verify_chain(), [])
        self.assertEqual(len(self.events('audit.verify.ok')), 1)

    @with_transaction()
    def test_fails_closed(self):
        "An event the database refuses refuses the action"
        Event = Pool().get('therapy.audit.event')
        with broken_writer(), self.assertRaises(AuditUnavailable):
            Event.log('phi.read', 'R', model='therapy.note', ids=[1])

    @with_transaction()
    def test_fails_open_when_configured(self):
        Event = Pool().get('therapy.audit.event')
        if not config.has_section('caseload'):
            config.add_section('caseload')
        config.set('caseload', 'audit_fail_closed', 'False')
        try:
            with broken_writer():
                Event.log('phi.read', 'R', model='therapy.note', ids=[1])
        finally:
            config.set('caseload', 'audit_fail_closed', 'True')

    @with_transaction()
    def test_login_failure_and_success(self):
        "A wrong password and an unknown login are failures, without the \
password; a session made is a success, with a hash of its key"
        pool = Pool()
        User = pool.get('res.user')
        Session = pool.get('ir.session')
        admin, = User.search([('login', '=', 'admin')])
        User.write([admin], {'password': 'correct horse battery'})
        self.assertIsNone(User.get_login('admin', {'password': SENTINEL}))
        self.assertIsNone(User.get_login('nobody', {'password': SENTINEL}))
        with self.assertRaises(LoginException):
            # asking for the password is not a failure
            User.get_login('admin', {})
        wrong, unknown = self.events('auth.login.failure')
        self.assertEqual((wrong.actor_login, wrong.actor_user, wrong.reason),
            ('admin', admin, 'bad credentials'))
        self.assertEqual((unknown.actor_login, unknown.reason),
            ('nobody', 'unknown user'))
        with Transaction().set_user(admin.id):
            key = Session.new()
        success, = self.events('auth.login.success')
        self.assertEqual(success.actor_user, admin)
        self.assertEqual(len(success.session_hash), 64)
        self.assertNotIn(key, success.session_hash)
        self.assertEqual(Session.remove(key), 'admin')
        logout, = self.events('auth.logout')
        self.assertEqual(logout.session_hash, success.session_hash)
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT * FROM therapy_audit_event')
        self.assertNotIn(SENTINEL, repr(cursor.fetchall()))
        self.assertNotIn(key, repr(cursor.fetchall()))

    @with_transaction()
    def test_request_events_name_their_session(self):
        "An event of a request carries the hash of the request's session"
        pool = Pool()
        User = pool.get('res.user')
        Session = pool.get('ir.session')
        Event = pool.get('therapy.audit.event')
        admin, = User.search([('login', '=', 'admin')])
        request = {'remote_addr': '203.0.113.9'}
        with Transaction().set_user(admin.id), \
                Transaction().set_context(_request=request):
            key = Session.new()
        with Transaction().set_context(_request=request):
            self.assertTrue(Session.check(admin.id, key))
        # the request's later transaction shares its context
        with Transaction().set_user(admin.id), \
                Transaction().set_context(_request=request):
            Event.log('phi.read', 'R', model='res.user', ids=[admin.id])
        login, = self.events('auth.login.success')
        read, = self.events('phi.read')
        self.assertEqual(read.session_hash, login.session_hash)
        self.assertEqual(read.source_ip, '203.0.113.9')
        self.assertNotIn(key, repr(request))

    @with_transaction()
    def test_password_and_settings_changes(self):
        "A password change names whose, never the password; a setting \
changed names its field and new value"
        pool = Pool()
        User = pool.get('res.user')
        Configuration = pool.get('therapy.security.configuration')
        admin, = User.search([('login', '=', 'admin')])
        with Transaction().set_user(admin.id):
            User.write([admin], {'password': SENTINEL + '-password'})
            Configuration.write([Configuration(1)],
                {'privacy_officer_email': 'privacy@example.com'})
        change, = self.events('auth.password.change')
        self.assertEqual((change.actor_user, change.resource_ids),
            (admin, str(admin.id)))
        setting, = self.events('admin.config.change')
        self.assertEqual(setting.field_names, 'privacy_officer_email')
        self.assertIn('privacy@example.com', setting.detail)
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT * FROM therapy_audit_event')
        self.assertNotIn(SENTINEL, repr(cursor.fetchall()))

    @with_transaction()
    def test_session_limits(self):
        "15 minutes idle or 12 hours from the login end a session"
        pool = Pool()
        User = pool.get('res.user')
        Session = pool.get('ir.session')
        admin, = User.search([('login', '=', 'admin')])

        def session(created, touched):
            "A session made minutes ago, last used minutes ago"
            with Transaction().set_user(admin.id):
                key = Session.new()
            sql(f"UPDATE ir_session SET "
                f"create_date = {stamp(created)}, "
                f"write_date = {stamp(touched)} WHERE key = '{key}'")
            return key

        def stamp(minutes):
            return ("CURRENT_TIMESTAMP - INTERVAL '%s minutes'" % minutes
                if backend.name == 'postgresql'
                else "datetime('now', '-%s minutes')" % minutes)

        fresh = session(60, 14)
        self.assertTrue(Session.check(admin.id, fresh))
        idle = session(60, 16)
        self.assertFalse(Session.check(admin.id, idle))
        old = session(12 * 60 + 1, 1)
        self.assertFalse(Session.check(admin.id, old))
        self.assertEqual(Session.search([('key', 'in', [idle, old])]), [])
        self.assertEqual([e.reason for e in
                self.events('auth.session.expired')], ['idle', 'absolute'])
        # a request moves the idle clock
        session_, = Session.search([('key', '=', fresh)])
        self.assertLess(
            dt.datetime.now() - session_.last_modified_at,
            dt.timedelta(minutes=1))

    @with_transaction()
    def test_triggers_looked_up_once_whatever_the_context(self):
        """Which triggers apply is cached without the request's context: a
        wizard's record in the context no longer makes each create, write
        and delete search the triggers again"""
        pool = Pool()
        Trigger = pool.get('ir.trigger')
        Model = pool.get('ir.model')
        model, = Model.search([('name', '=', 'res.user')])
        sql("INSERT INTO ir_trigger (name, model, on_time_, on_create_, "
            "on_write_, on_delete_, condition, limit_number, action, active) "
            f"VALUES ('test', {model.id}, false, true, false, false, 'true', "
            "0, 'test', true)")
        Trigger._get_triggers_cache.clear()
        with Transaction().set_context(active_id=1):
            first = Trigger.get_triggers('res.user', 'create')
        misses = Trigger._get_triggers_cache.miss
        with Transaction().set_context(active_id=2, active_model='x'):
            again = Trigger.get_triggers('res.user', 'create')
        self.assertEqual(Trigger._get_triggers_cache.miss, misses)
        self.assertEqual([t.name for t in first], ['test'])
        self.assertEqual(again, first)
        with Transaction().set_context(_no_trigger=True):
            self.assertEqual(Trigger.get_triggers('res.user', 'create'), [])

    @with_transaction()
    def test_model_names_cached_by_language(self):
        """The list of models a log's resource is checked against is cached
        by language alone: a wizard's record in the context no longer makes
        each logged write search and translate every model again"""
        Model = Pool().get('ir.model')
        Model._get_names_cache.clear()
        with Transaction().set_context(active_id=1, language='en'):
            first = Model.get_name_items()
        misses = Model._get_names_cache.miss
        with Transaction().set_context(active_id=2, active_model='x',
                _phi_rules_on=('therapy.client',), language='en'):
            again = Model.get_name_items()
        self.assertEqual(Model._get_names_cache.miss, misses)
        self.assertEqual(again, first)
        self.assertIn(('res.user', "User"), first)
        with Transaction().set_context(language='fr'):
            Model.get_name_items()
        self.assertEqual(Model._get_names_cache.miss, misses + 1)

    @with_transaction()
    def test_session_address_and_max_age(self):
        """A key answers only from the address it signed in from, and a
        check deletes the user's sessions from that address older than
        Tryton's max_age (Tryton's rules, kept by our one-read check)"""
        pool = Pool()
        User = pool.get('res.user')
        Session = pool.get('ir.session')
        admin, = User.search([('login', '=', 'admin')])
        here = {'remote_addr': '203.0.113.9'}
        there = {'remote_addr': '198.51.100.7'}
        with Transaction().set_user(admin.id), \
                Transaction().set_context(_request=here):
            key, forgotten = Session.new(), Session.new()
        days = config.getint('session', 'max_age') // 86400 + 1
        sql("UPDATE ir_session SET create_date = " + (
                f"CURRENT_TIMESTAMP - INTERVAL '{days} days'"
                if backend.name == 'postgresql'
                else f"datetime('now', '-{days} days')")
            + f" WHERE key = '{forgotten}'")
        with Transaction().set_context(_request=there):
            self.assertIsNone(Session.check(admin.id, key))
        self.assertEqual(len(Session.search([('key', '=', forgotten)])), 1)
        with Transaction().set_context(_request=here):
            self.assertIsNone(Session.check(admin.id, 'not-a-key'))
            self.assertTrue(Session.check(admin.id, key))
        self.assertEqual(Session.search([('key', '=', forgotten)]), [])
        self.assertEqual(len(Session.search([('key', '=', key)])), 1)

    @with_transaction()
    def test_session_limits_in_preferences(self):
        "sao's idle lock reads the limits from the preferences, not context"
        User = Pool().get('res.user')
        admin, = User.search([('login', '=', 'admin')])
        with Transaction().set_user(admin.id):
            preferences = User.get_preferences()
            context = User.get_preferences(context_only=True)
        self.assertEqual((preferences['caseload_session_idle'],
                preferences['caseload_session_max']), (900, 43200))
        self.assertNotIn('caseload_session_idle', context)

    @with_transaction()
    def test_fresh_login(self):
        """Sensitive calls need a login of the last 10 minutes, however
        busy the session since"""
        pool = Pool()
        User = pool.get('res.user')
        Session = pool.get('ir.session')
        admin, = User.search([('login', '=', 'admin')])
        with Transaction().set_user(admin.id):
            recent, old = Session.new(), Session.new()
        sql("UPDATE ir_session SET create_date = "
            + ("CURRENT_TIMESTAMP - INTERVAL '11 minutes'"
                if backend.name == 'postgresql'
                else "datetime('now', '-11 minutes')")
            + f" WHERE key = '{old}'")
        self.assertTrue(Session.check_timeout(admin.id, recent))
        self.assertFalse(Session.check_timeout(admin.id, old))
        self.assertEqual(Session.search([('key', '=', old)]), [])
        expired, = self.events('auth.session.expired')
        self.assertEqual(expired.reason, 'fresh login')
        for model, methods in [
                ('res.user', ['create', 'write', 'delete', 'mfa_reset']),
                ('res.group', ['create', 'write', 'delete']),
                ('ir.model.access', ['create', 'write', 'delete']),
                ('ir.rule', ['create', 'write', 'delete']),
                ('therapy.audit.event',
                    ['export_data', 'export_data_domain']),
                ]:
            for method in methods:
                with self.subTest(model=model, method=method):
                    self.assertTrue(
                        pool.get(model).__rpc__[method].fresh_session)
        self.assertTrue(pool.get('therapy.mfa.enroll', type='wizard'
                ).__rpc__['execute'].fresh_session)
        self.assertFalse(User.__rpc__['read'].fresh_session)

    @with_transaction()
    def test_privilege_changes(self):
        "Giving and taking a group is an event naming the login and group"
        pool = Pool()
        User = pool.get('res.user')
        Group = pool.get('res.group')
        auditors, = Group.search([('name', '=', "Privacy Auditor")])
        user, = User.create([{'name': "Kit", 'login': 'kit'}])
        User.write([user], {'groups': [('add', [auditors.id])]})
        User.write([user], {'groups': [('remove', [auditors.id])]})
        given, taken = self.events('admin.privilege.change')
        self.assertEqual((given.action, given.resource_model),
            ('C', 'res.user-res.group'))
        self.assertIn('["kit", "Privacy Auditor"]', given.detail)
        self.assertEqual(taken.action, 'D')
        self.assertIn('["kit", "Privacy Auditor"]', taken.detail)

    @with_transaction(user=0)
    def test_installation_is_not_a_privilege_change(self):
        "What the modules load (user 0) is the code's, not a person's"
        pool = Pool()
        User = pool.get('res.user')
        Group = pool.get('res.group')
        auditors, = Group.search([('name', '=', "Privacy Auditor")])
        User.create([{'name': "Kit", 'login': 'kit',
                    'groups': [('add', [auditors.id])]}])
        self.assertEqual(self.events('admin.privilege.change'), [])


del ModuleTestCase
