"""Supervision and the note editor on the server: co-signature with an
attestation, return with comments (and signing again), bulk co-signature,
copy forward, and the signature fields no client may write."""
import datetime as dt
import unittest

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import create_client

from ..note import note_timezone
from .fixtures import ClinicalPractice, signed_note, write_note

ATTESTATION = "I reviewed this note and agree with the plan."


def as_client(user):
    "An RPC call of user: access rights, rules and server-owned fields apply"
    transaction = Transaction()

    class Both:
        def __enter__(self):
            self.user = transaction.set_user(user.id)
            self.context = transaction.set_context(_check_access=True)
            self.user.__enter__()
            self.context.__enter__()

        def __exit__(self, *args):
            self.context.__exit__(*args)
            self.user.__exit__(*args)
    return Both()


class SupervisionTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_clinical')

    @with_transaction()
    def test_cosign_stores_who_when_and_the_attestation(self):
        pool = Pool()
        Note = pool.get('therapy.note')
        Review = pool.get('therapy.note.review')
        with set_company(create_company()):
            practice = ClinicalPractice()
            note = signed_note(practice, practice.morgan)
            signed_hash = note.content_hash
            with Transaction().set_user(practice.avery_user.id):
                self.assertTrue(Note(note.id).awaiting_my_cosign)
                with self.assertRaisesRegex(UserError, 'attestation'):
                    Note.cosign_attested([note], "  ")
                Note.cosign_attested([note], ATTESTATION)
            note = Note(note.id)
            self.assertEqual(note.state, 'cosigned')
            self.assertTrue(note.final)
            self.assertEqual(note.cosigned_by, practice.avery_user)
            self.assertTrue(note.cosigned_at)
            self.assertEqual(note.cosign_attestation, ATTESTATION)
            self.assertTrue(note.hash_valid)
            review, = Review.search([('note', '=', note.id)])
            self.assertEqual(
                (review.kind, review.reviewer, review.text, review.note_hash),
                ('cosigned', practice.avery_user, ATTESTATION, signed_hash))
            self.assertEqual(review.reviewed_at, note.cosigned_at)

    @with_transaction()
    def test_return_with_comments_then_sign_again(self):
        pool = Pool()
        Note = pool.get('therapy.note')
        Review = pool.get('therapy.note.review')
        Debt = pool.get('therapy.note.debt')
        with set_company(create_company()):
            practice = ClinicalPractice()
            note = signed_note(practice, practice.morgan)
            first_hash = note.content_hash
            # only the supervisor, and only with comments
            with Transaction().set_user(practice.alex_user.id):
                with self.assertRaisesRegex(UserError, 'your co-signature'):
                    Note.send_back([note], "Redo it.")
            with Transaction().set_user(practice.avery_user.id):
                with self.assertRaisesRegex(UserError, 'comments'):
                    Note.send_back([note], "")
                Note.send_back([note], "Add the client's own words.")
            note = Note(note.id)
            # back to the clinician: unsigned, so it can be corrected
            self.assertEqual(note.state, 'draft')
            self.assertIsNone(note.signed_by)
            self.assertIsNone(note.signed_at)
            self.assertIsNone(note.content_hash)
            self.assertFalse(note.final)
            self.assertTrue(note.returned)
            self.assertIn("Add the client's own words.", note.return_comments)
            self.assertIn("Avery", note.return_comments)
            self.assertEqual(Note.search([('returned', '=', True)]), [note])
            debt, = Debt.search([])
            self.assertEqual(debt.status, 'returned')
            review, = Review.search([('note', '=', note.id)])
            # the version that was returned: its hash, in the log
            self.assertEqual(
                (review.kind, review.reviewer, review.note_hash),
                ('returned', practice.avery_user, first_hash))
            self.assertIsNone(review.resolved_at)
            # the clinician sees it, corrects it and signs again
            with as_client(practice.morgan_user):
                mine = Note(note.id)
                self.assertTrue(mine.returned)
                self.assertIn("own words", mine.return_comments)
                self.assertEqual(Note.search([('returned', '=', True)]),
                    [mine])
            write_note(note, "corrected")
            with Transaction().set_user(practice.morgan_user.id):
                Note.sign([note])
            note = Note(note.id)
            self.assertEqual(note.state, 'signed')
            self.assertTrue(note.hash_valid)
            self.assertNotEqual(note.content_hash, first_hash)
            self.assertFalse(note.returned)
            self.assertEqual(Note.search([('returned', '=', True)]), [])
            self.assertTrue(Review(review.id).resolved_at)
            # (read: the SQL view's rows are cached like a table's)
            self.assertEqual(
                Debt.read([debt.id], ['status'])[0]['status'], 'cosign')
            with Transaction().set_user(practice.avery_user.id):
                Note.cosign_attested([note], ATTESTATION)
            self.assertEqual(Note(note.id).state, 'cosigned')
            self.assertEqual(
                [r.kind for r in Note(note.id).reviews],
                ['returned', 'cosigned'])

    @with_transaction()
    def test_bulk_cosign_refuses_notes_not_awaiting_the_user(self):
        "All or nothing: one note not waiting for the user stops the batch"
        pool = Pool()
        Note = pool.get('therapy.note')
        CosignWizard = pool.get('therapy.note.cosign', type='wizard')
        with set_company(create_company()):
            practice = ClinicalPractice()
            first = signed_note(practice, practice.morgan, days=1)
            second = signed_note(practice, practice.morgan, days=2)
            alexs = signed_note(practice, practice.alex, days=3)
            draft, = Note.draft_for(
                [practice.session(practice.morgan, practice.past(4))])
            with Transaction().set_user(practice.avery_user.id):
                for batch in [[first, second, alexs], [first, draft]]:
                    with self.assertRaisesRegex(UserError, 'your co-sign'):
                        Note.cosign_attested(batch, ATTESTATION)
                    self.assertEqual(
                        {Note(n.id).state for n in batch} - {'draft'},
                        {'signed'})
                # the wizard refuses before showing the attestation
                with Transaction().set_context(
                        active_model='therapy.note',
                        active_ids=[first.id, alexs.id],
                        active_id=first.id):
                    # a note the supervisor may not even read
                    with self.assertRaises(AccessError):
                        CosignWizard.create()
                with Transaction().set_context(
                        active_model='therapy.note',
                        active_ids=[first.id, draft.id],
                        active_id=first.id):
                    session_id, _, _ = CosignWizard.create()
                    with self.assertRaisesRegex(UserError, 'your co-sign'):
                        CosignWizard.execute(session_id, {}, 'start')
                with Transaction().set_context(
                        active_model='therapy.note',
                        active_ids=[first.id, second.id],
                        active_id=first.id):
                    session_id, _, _ = CosignWizard.create()
                    result = CosignWizard.execute(session_id, {}, 'start')
                    defaults = result['view']['defaults']
                    self.assertEqual(
                        set(defaults['notes']), {first.id, second.id})
                    self.assertTrue(defaults['attestation'])
                    CosignWizard.execute(session_id, {
                            'start': {'attestation': ATTESTATION},
                            }, 'cosign')
            for note in [first, second]:
                note = Note(note.id)
                self.assertEqual(note.state, 'cosigned')
                self.assertEqual(note.cosign_attestation, ATTESTATION)
            self.assertEqual(Note(alexs.id).state, 'signed')

    @with_transaction()
    def test_copy_forward_fills_empty_sections_never_a_signed_note(self):
        pool = Pool()
        Note = pool.get('therapy.note')
        ICD10 = pool.get('therapy.icd10')
        Diagnosis = pool.get('therapy.client.diagnosis')
        with set_company(create_company()):
            practice = ClinicalPractice()
            gad, = ICD10.search([('code', '=', 'F41.1')])
            diagnosis, = Diagnosis.create([{
                        'client': practice.client.id, 'code': gad.id}])
            earlier = signed_note(practice, practice.alex, days=8,
                diagnoses=[diagnosis])
            earlier_hash = earlier.content_hash
            draft, = Note.draft_for(
                [practice.session(practice.alex, practice.past(1))])
            draft.sections[0].content = "Today's own words."
            draft.sections = draft.sections
            draft.save()
            with Transaction().set_user(practice.alex_user.id):
                Note.copy_forward([draft])
                with self.assertRaises(AccessError):
                    Note.copy_forward([earlier])
            draft = Note(draft.id)
            self.assertEqual(
                [s.content for s in draft.sections],
                ["Today's own words."]
                + [s.content for s in earlier.sections][1:])
            self.assertEqual(list(draft.diagnoses), [diagnosis])
            self.assertEqual(draft.state, 'draft')
            earlier = Note(earlier.id)
            self.assertEqual(earlier.content_hash, earlier_hash)
            self.assertTrue(earlier.hash_valid)
            # nothing to copy from: said, not silently ignored
            other, = Note.draft_for([practice.session(
                        practice.alex, practice.past(2),
                        client=create_client("Sam Rivera"))])
            with Transaction().set_user(practice.alex_user.id), \
                    self.assertRaisesRegex(UserError, 'nothing to copy'):
                Note.copy_forward([other])

    @with_transaction()
    def test_copy_forward_only_from_notes_the_user_reads(self):
        "Another clinician's note of the same client stays unread"
        Note = Pool().get('therapy.note')
        with set_company(create_company()):
            practice = ClinicalPractice()
            signed_note(practice, practice.alex, days=8)
            draft, = Note.draft_for(
                [practice.session(practice.morgan, practice.past(1))])
            with Transaction().set_user(practice.morgan_user.id), \
                    self.assertRaisesRegex(UserError, 'nothing to copy'):
                Note.copy_forward([draft])

    @with_transaction()
    def test_signature_fields_refused_from_clients(self):
        """Tryton does not enforce readonly over RPC: the supervisee, and
        the supervisor too, cannot write what only the workflow writes"""
        pool = Pool()
        Note = pool.get('therapy.note')
        Review = pool.get('therapy.note.review')
        Addendum = pool.get('therapy.note.addendum')
        with set_company(create_company()):
            practice = ClinicalPractice()
            note = signed_note(practice, practice.morgan)
            now = dt.datetime.now()
            for user, values in [
                    (practice.morgan_user, {'state': 'cosigned'}),
                    (practice.morgan_user, {'cosign_required': False}),
                    (practice.avery_user, {
                            'cosigned_by': practice.avery_user.id,
                            'cosigned_at': now}),
                    (practice.avery_user, {'cosign_attestation': "Fine."}),
                    (practice.avery_user, {'state': 'draft'}),
                    (practice.morgan_user, {'content_hash': '0' * 64}),
                    ]:
                with self.subTest(user=user.login, values=values), \
                        as_client(user), \
                        self.assertRaisesRegex(AccessError, 'never directly'):
                    Note.write([Note(note.id)], values)
            self.assertEqual(Note(note.id).state, 'signed')
            # a new note starts unsigned
            appointment = practice.session(practice.morgan, practice.past(2))
            with as_client(practice.morgan_user), \
                    self.assertRaises(AccessError):
                Note.create([{
                            'appointment': appointment.id,
                            'client': practice.client.id,
                            'clinician': practice.morgan.id,
                            'state': 'signed',
                            'signed_by': practice.morgan_user.id,
                            }])
            # the supervision log: written by the workflow only
            with Transaction().set_user(practice.avery_user.id):
                Note.send_back([note], "Please add the risk notes.")
            review, = Review.search([])
            for user in [practice.morgan_user, practice.avery_user]:
                with as_client(user):
                    self.assertEqual(Review.search([]), [review])
                    with self.assertRaises(AccessError):
                        Review.write([review], {'text': "Nothing to add."})
                    with self.assertRaises(AccessError):
                        Review.write([review], {'resolved_at': now})
                    with self.assertRaises(AccessError):
                        Review.delete([review])
            for user in [practice.morgan_user, practice.avery_user]:
                # (refused once inserted: the request's transaction, rolled
                # back, takes the row with it)
                with as_client(user), self.assertRaises(AccessError):
                    Review.create([{
                                'note': note.id, 'kind': 'cosigned',
                                'reviewer': user.id, 'reviewed_at': now,
                                'text': "Fine."}])
            # nor an addendum's signature
            write_note(note, "again")
            with Transaction().set_user(practice.morgan_user.id):
                Note.sign([note])
            with as_client(practice.morgan_user):
                addendum, = Addendum.create([{
                            'note': note.id, 'content': "Late entry."}])
                with self.assertRaisesRegex(AccessError, 'never directly'):
                    Addendum.write([addendum], {'signed_at': now})

    @with_transaction()
    def test_addendum_wizard_signs_in_one_step(self):
        pool = Pool()
        Note = pool.get('therapy.note')
        AddWizard = pool.get('therapy.note.addendum.add', type='wizard')
        with set_company(create_company()):
            practice = ClinicalPractice()
            note = signed_note(practice, practice.morgan)
            with Transaction().set_user(practice.morgan_user.id), \
                    Transaction().set_context(
                        active_model='therapy.note', active_id=note.id,
                        active_ids=[note.id]):
                session_id, _, _ = AddWizard.create()
                AddWizard.execute(session_id, {}, 'start')
                AddWizard.execute(session_id, {
                        'start': {'content': "Client called back."},
                        }, 'sign')
            addendum, = Note(note.id).addenda
            self.assertEqual(
                (addendum.state, addendum.author, addendum.content),
                ('signed', practice.morgan_user, "Client called back."))
            self.assertEqual(len(addendum.content_hash), 64)
            self.assertTrue(Note(note.id).hash_valid)

    @with_transaction()
    def test_local_times_and_locked_message(self):
        "Times read where the session was, in messages too: never UTC"
        Note = Pool().get('therapy.note')
        with set_company(create_company()):
            practice = ClinicalPractice()
            note = signed_note(practice, practice.alex)
            note = Note(note.id)
            self.assertRegex(note.signed_at_local, r' E[SD]T$')
            self.assertRegex(note.session_time,
                r'^\w{3} \w{3} \d\d, \d{4} \d\d:\d\d [AP]M - '
                r'\d\d:\d\d [AP]M E[SD]T$')
            section = note.sections[0]
            section.content = "changed"
            with self.assertRaisesRegex(AccessError, r'E[SD]T') as raised:
                section.save()
            self.assertNotIn('UTC', str(raised.exception))
            self.assertEqual(section.note_state, 'signed')

    @with_transaction()
    def test_list_times_and_names_from_rows(self):
        """A list's times and names read as rows give what each note's
        records give, and a changed due delay shows at once"""
        pool = Pool()
        Note = pool.get('therapy.note')
        Configuration = pool.get('therapy.configuration')
        Lang = pool.get('ir.lang')
        with set_company(create_company()):
            practice = ClinicalPractice()
            booked = signed_note(practice, practice.alex)
            walk_in, = Note.create([{
                        'client': booked.client.id,
                        'clinician': booked.clinician.id,
                        'service': booked.service.id,
                        'date': booked.date,
                        'end': booked.appointment.end}])
            notes = Note.browse([booked.id, walk_in.id])
            rows = Note.time_rows(notes)
            for note in notes:
                self.assertEqual(rows[note.id], (note_timezone(note),
                        note.end or note.appointment.end))
                self.assertEqual(note.rec_name, gettext(
                        'therapy_clinical.msg_note_rec_name',
                        client=note.client.rec_name,
                        date=Lang.get().strftime(note.date)))
            self.assertEqual(rows[booked.id][0], 'America/New_York')
            hours = Configuration(1).note_due_hours
            due = Note(booked.id).due
            Configuration.write([Configuration(1)],
                {'note_due_hours': hours + 24})
            self.assertEqual(Note(booked.id).due - due,
                dt.timedelta(hours=24))

