"""The nightly integrity check and break-glass, on a practice's records:
a signed note or an audit row changed in SQL is caught and the privacy
officer emailed; emergency access opens every client's record for a
designated user only, with a reason, for a time, every event flagged."""
import unittest

from trytond import backend
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

from therapy_audit import totp
from therapy_audit.tests.test_module import sql, unguarded
from therapy_scheduling.tests.fixtures import (
    CommittingTestMixin, as_user, create_user)
from therapy_scheduling.tests.outbox import OutboxMixin
from therapy_scheduling.tests.test_phi_audit import rpc

from .fixtures import ClinicalPractice, signed_note

OFFICER = 'privacy@harborview.example'
REASON = "Client in crisis at the ER; on-call needs the safety plan"


def set_privacy_officer():
    Configuration = Pool().get('therapy.security.configuration')
    Configuration.write([Configuration(1)], {
            'privacy_officer_email': OFFICER})


def designate(user):
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    User.write([user], {'groups': [('add', [ModelData.get_id(
                        'therapy_audit', 'group_emergency_designated')])]})


class SafeguardsTestCase(CommittingTestMixin, OutboxMixin, unittest.TestCase):
    "Integrity check and emergency access"

    def setUp(self):
        # each test commits its practice: a fresh database for each
        activate_module('therapy_clinical')
        super().setUp()

    def tearDown(self):
        super().tearDown()
        drop_db()

    def events(self, code):
        Event = Pool().get('therapy.audit.event')
        return Event.search([('event_code', '=', code)],
            order=[('seq', 'ASC')])

    @with_transaction()
    def test_nightly_check_catches_sql_edits(self):
        pool = Pool()
        Note = pool.get('therapy.note')
        Tamper = pool.get('therapy.audit.tamper')
        Event = pool.get('therapy.audit.event')
        with set_company(create_company()):
            practice = ClinicalPractice()
            note = signed_note(practice, practice.alex)
            other = signed_note(practice, practice.alex, days=2)
            set_privacy_officer()
            self.assertEqual(Tamper.check_integrity(), ([], {}))
            Transaction().commit()
            self.assertEqual(self.outbox.emails, [])

            sql("UPDATE therapy_note_section SET content = 'rewritten' "
                f"WHERE note = {note.id}")
            problems, found = Tamper.check_integrity()
            self.assertEqual((problems, found), ([], {'therapy.note': [note.id]}))
            self.assertTrue(Note(note.id).tampered)
            self.assertFalse(Note(other.id).tampered)
            self.assertEqual(Note.search([('tampered', '=', True)]), [note])
            self.assertEqual(Note.search([('tampered', '=', False)]), [other])
            # the findings are the auditors': not the note's own clinician's
            with as_user(practice.alex_user), \
                    self.assertRaises(AccessError):
                Tamper.search([])
            event, = self.events('integrity.tampered')
            self.assertEqual((event.resource_model, event.resource_ids,
                    event.client_ids), ('therapy.note', str(note.id),
                    f',{practice.client.id},'))
            Transaction().commit()
            (to,), message = self.outbox.emails[0]
            self.assertEqual(to, OFFICER)
            body = message.get_content()
            self.assertIn(f"therapy.note whose content no longer matches "
                f"its signature: ids {note.id}", body)
            for secret in ["Jordan", "rewritten", practice.client.number]:
                self.assertNotIn(secret, body + message['Subject'])

            # found once; cleared when the content is back
            self.outbox.clear()
            self.assertEqual(Tamper.check_integrity(), ([], {}))
            Transaction().commit()
            self.assertEqual(self.outbox.emails, [])
            Note.write([note], {})  # nothing: the SQL edit stays
            for section in Note(note.id).sections:
                sql("UPDATE therapy_note_section SET content = "
                    f"'{section.name} text' WHERE id = {section.id}")
            Tamper.check_integrity()
            finding, = Tamper.search([])
            self.assertIsNotNone(finding.cleared_at)
            self.assertFalse(Note(note.id).tampered)

            # an audit row edited by the database's owner
            with unguarded():
                first, = Event.search([], order=[('seq', 'ASC')], limit=1)
                sql("UPDATE therapy_audit_event SET actor_login = 'nobody' "
                    f"WHERE id = {first.id}")
            problems, _ = Tamper.check_integrity()
            self.assertEqual(problems[0][0], first.seq)
            Transaction().commit()
            (to,), message = self.outbox.emails[-1]
            self.assertIn("hash chain broken", message.get_content())

    @with_transaction()
    def test_emergency_access(self):
        pool = Pool()
        Note = pool.get('therapy.note')
        Client = pool.get('therapy.client')
        Access = pool.get('therapy.emergency.access')
        Activate = pool.get('therapy.emergency.activate', type='wizard')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        self.assertTrue(Activate.__rpc__['execute'].fresh_session)
        with set_company(create_company()):
            practice = ClinicalPractice()
            note = signed_note(practice, practice.morgan)
            client = practice.client
            alex = practice.alex_user
            set_privacy_officer()
            # assigning the active group by hand gives nothing
            User.write([alex], {'groups': [('add', [ModelData.get_id(
                                'therapy_audit', 'group_emergency_active')])]})

            def reach():
                with as_user(alex):
                    return (Note.search([('id', '=', note.id)]),
                        Client.search([('id', '=', client.id)]))
            self.assertEqual(reach(), ([], []))
            with Transaction().set_user(alex.id), \
                    self.assertRaises(AccessError):
                Access.open(alex.id, REASON, 4)
            designate(alex)
            with Transaction().set_user(alex.id), \
                    self.assertRaises(ValidationError):
                Access.open(alex.id, "emergency", 4)

            with Transaction().set_user(alex.id):
                access = Access.open(alex.id, REASON, 4)
            self.assertEqual(reach(), ([note], [client]))
            with as_user(alex):
                rpc(Note, 'read', [note.id], ['risk_level'])
                with self.assertRaises(AccessError):
                    Note.write([Note(note.id)], {'risk_level': 'high'})
            opened, = self.events('emergency.activate')
            read, = self.events('phi.read')
            self.assertTrue(opened.emergency and read.emergency)
            self.assertEqual(read.actor_user, alex)
            Transaction().commit()
            (to,), message = self.outbox.emails[0]
            self.assertEqual(to, OFFICER)
            self.assertIn("alex opened emergency access", message.get_content())
            self.assertNotIn("Jordan", message.get_content())

            with Transaction().set_user(alex.id):
                Access.close([access], 'ended')
            self.assertEqual(reach(), ([], []))
            with as_user(practice.morgan_user):
                rpc(Note, 'read', [note.id], ['risk_level'])
            self.assertFalse(self.events('phi.read')[-1].emergency)

            # a window past its time is gone by itself; the job records it
            with Transaction().set_user(alex.id):
                late = Access.open(alex.id, REASON, 1)
            sql("UPDATE therapy_emergency_access SET expires_at = "
                + ("CURRENT_TIMESTAMP - INTERVAL '1 minute'"
                    if backend.name == 'postgresql'
                    else "datetime('now', '-1 minute')")
                + f" WHERE id = {late.id}")
            Access._active_until_cache.clear()  # what the clock does
            self.assertEqual(reach(), ([], []))
            Access.close_expired()
            self.assertEqual([e.reason for e in
                    self.events('emergency.deactivate')], ['ended', 'expired'])
            self.assertIsNotNone(Access(late.id).ended_at)

            # the record stays as the server wrote it; the auditor reviews
            with as_user(alex), self.assertRaises(AccessError):
                Access.read([late.id], ['reason'])
            auditor = User.search([('login', '=', 'admin')])[0]
            with as_user(auditor):
                with self.assertRaises(AccessError):
                    Access.write([Access(late.id)], {'reason': "edited"})
                Access.write([Access(late.id)], {'review_note': "Justified"})
                Access.review([Access(late.id)])
                with self.assertRaises(AccessError):
                    Access.write([Access(late.id)], {'review_note': "Later"})
            self.assertEqual(Access(late.id).reviewed_by, auditor)

    @with_transaction()
    def test_security_settings_and_resets(self):
        """The settings are the auditors' and the administrator's; the
        demo relaxation nobody's; the owner resets a lost authenticator"""
        pool = Pool()
        Configuration = pool.get('therapy.security.configuration')
        User = pool.get('res.user')
        with set_company(create_company()):
            desk = create_user('desk', ['therapy_scheduling.group_front_desk'])
            owner = create_user('owner', ['therapy_scheduling.group_owner'])
            admin, = User.search([('login', '=', 'admin')])
            with as_user(desk):
                with self.assertRaises(AccessError):
                    Configuration.read([1], ['privacy_officer_email'])
                with self.assertRaises(UserError):
                    rpc(User, 'mfa_reset', [owner])
            with as_user(admin):
                Configuration.write([Configuration(1)],
                    {'privacy_officer_email': OFFICER})
                with self.assertRaises(AccessError):
                    Configuration.write([Configuration(1)],
                        {'mfa_relaxed_for_demo': True})
            pool.get('therapy.mfa.enrollment').enroll(
                desk.id, totp.new_secret(), 1)
            with as_user(owner):
                rpc(User, 'mfa_reset', [desk])
            self.assertFalse(User(desk.id).mfa_enrolled)
            reset, = self.events('auth.mfa.reset')
            self.assertEqual((reset.actor_user, reset.resource_ids),
                (owner, str(desk.id)))
