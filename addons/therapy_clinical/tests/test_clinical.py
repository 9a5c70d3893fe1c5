"""Clinical records from the server side: who may read them (record rules
that follow the user), what signing locks, and the jobs (overdue-note
emails on a real SMTP server, outcome measures scheduling)."""
import datetime as dt
import unittest

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling import clock
from therapy_scheduling.tests.fixtures import CommittingTestMixin
from therapy_scheduling.tests.outbox import OutboxMixin

from .fixtures import ClinicalPractice, signed_note


class ClinicalTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_clinical')

    @with_transaction()
    def test_signature_time_is_the_servers(self):
        """The clock a server-side context sets (the demo's history) never
        comes from a user's RPC call: Tryton drops private context keys"""
        pool = Pool()
        Note = pool.get('therapy.note')
        past = dt.datetime(2020, 1, 6, 9, 0)
        with set_company(create_company()):
            practice = ClinicalPractice()
            with clock.as_of(past):
                backdated = signed_note(practice, practice.morgan)
            self.assertEqual(backdated.signed_at, past)
            appointment = practice.session(practice.morgan, practice.past(2))
            note, = Note.draft_for([appointment])
            _, _, context, _ = Note.__rpc__['sign'].convert(
                Note, [note.id], {'_clock_now': past, 'language': 'en'})
            self.assertNotIn('_clock_now', context)
            self.assertEqual(clock.now().date(), dt.date.today())

    @with_transaction()
    def test_rule_follows_the_user_not_the_groups(self):
        "Two clinicians of the same groups each read only their own notes"
        Note = Pool().get('therapy.note')
        with set_company(create_company()):
            practice = ClinicalPractice()
            morgans = signed_note(practice, practice.morgan)
            alexs = signed_note(practice, practice.alex, days=2)
            for user, expected in [
                    (practice.morgan_user, {morgans}),
                    (practice.alex_user, {alexs}),
                    (practice.morgan_user, {morgans}),
                    (practice.avery_user, {morgans}),
                    (practice.director_user, {morgans, alexs}),
                    ]:
                with Transaction().set_user(user.id), \
                        Transaction().set_context(_check_access=True):
                    self.assertEqual(
                        set(Note.search([])), expected, user.login)

    @with_transaction()
    def test_signed_content_tampering_is_detected(self):
        "A change made behind the application's back breaks the hash"
        pool = Pool()
        Note = pool.get('therapy.note')
        Section = pool.get('therapy.note.section')
        with set_company(create_company()):
            practice = ClinicalPractice()
            note = signed_note(practice, practice.alex)
            self.assertTrue(note.hash_valid)
            section = Section.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*section.update(
                    [section.content], ['rewritten'],
                    where=section.note == note.id))
            self.assertFalse(Note(note.id).hash_valid)

    @with_transaction()
    def test_diagnosis_of_a_signed_note_keeps_its_code(self):
        pool = Pool()
        Note = pool.get('therapy.note')
        ICD10 = pool.get('therapy.icd10')
        Diagnosis = pool.get('therapy.client.diagnosis')
        with set_company(create_company()):
            practice = ClinicalPractice()
            gad, = ICD10.search([('code', '=', 'F41.1')])
            mdd, = ICD10.search([('code', '=', 'F32.1')])
            diagnosis, = Diagnosis.create([{
                        'client': practice.client.id, 'code': gad.id}])
            note = signed_note(practice, practice.alex, diagnoses=[
                    diagnosis])
            self.assertTrue(note.hash_valid)
            with self.assertRaisesRegex(AccessError, 'resolved date'):
                Diagnosis.write([diagnosis], {'code': mdd.id})
            with self.assertRaises(AccessError):
                Diagnosis.delete([diagnosis])
            Diagnosis.write([diagnosis], {'resolved_date': dt.date.today()})
            self.assertTrue(Note(note.id).hash_valid)

    @with_transaction()
    def test_cosign_only_by_the_supervisor(self):
        Note = Pool().get('therapy.note')
        with set_company(create_company()):
            practice = ClinicalPractice()
            note = signed_note(practice, practice.morgan)
            self.assertFalse(note.final)
            self.assertIn(note, Note.search([('final', '=', False)]))
            with Transaction().set_user(practice.alex_user.id):
                with self.assertRaisesRegex(UserError, 'your co-signature'):
                    Note.cosign_attested([note], "Reviewed.")
            with Transaction().set_user(practice.avery_user.id):
                Note.cosign_attested([note], "Reviewed.")
            self.assertEqual(note.state, 'cosigned')
            self.assertIn(note, Note.search([('final', '=', True)]))

    @with_transaction()
    def test_psychotherapy_notes_author_only(self):
        "Not the supervisor, not the clinical director, not exported"
        PsychotherapyNote = Pool().get('therapy.psychotherapy.note')
        with set_company(create_company()):
            practice = ClinicalPractice()
            with Transaction().set_user(practice.morgan_user.id), \
                    Transaction().set_context(_check_access=True):
                note, = PsychotherapyNote.create([{
                            'client': practice.client.id,
                            'author': practice.alex_user.id,  # ignored
                            'content': "Process note",
                            }])
                self.assertEqual(note.author, practice.morgan_user)
                self.assertEqual(PsychotherapyNote.search([]), [note])
                with self.assertRaises(UserError):
                    PsychotherapyNote.export_data([note], ['content'])
            for user in [practice.avery_user, practice.director_user,
                    practice.alex_user]:
                with Transaction().set_user(user.id), \
                        Transaction().set_context(_check_access=True):
                    self.assertEqual(PsychotherapyNote.search([]), [])
                    with self.assertRaises(AccessError):
                        PsychotherapyNote.read([note.id], ['content'])

    @with_transaction()
    def test_treatment_plan_sign_review_supersede(self):
        pool = Pool()
        Plan = pool.get('therapy.treatment.plan')
        Intervention = pool.get('therapy.intervention')
        with set_company(create_company()):
            practice = ClinicalPractice()
            cbt, = Intervention.search([], limit=1)
            start = dt.date.today() - dt.timedelta(days=100)
            plan, = Plan.create([{
                        'client': practice.client.id,
                        'clinician': practice.alex.id,
                        'start_date': start,
                        'review_due': start + dt.timedelta(days=90),
                        }])
            with self.assertRaisesRegex(UserError, 'goal'), \
                    Transaction().set_user(practice.alex_user.id):
                Plan.sign([plan])
            Plan.write([plan], {'goals': [('create', [{
                                'description': "Less worry",
                                'objectives': [('create', [{
                                            'description': "Worry log daily",
                                            'measure': "5 of 7 days",
                                            'target_date': start
                                            + dt.timedelta(days=60),
                                            'interventions': [('create', [{
                                                        'intervention':
                                                        cbt.id}])],
                                            }])],
                                }])]})
            with Transaction().set_user(practice.morgan_user.id):
                with self.assertRaisesRegex(UserError, 'Alex Kim'):
                    Plan.sign([plan])
            with Transaction().set_user(practice.alex_user.id):
                Plan.sign([plan])
            self.assertEqual(plan.state, 'active')
            self.assertEqual(len(plan.content_hash), 64)
            self.assertEqual(Plan.search([('review_overdue', '=', True)]),
                [plan])
            with self.assertRaises(AccessError):
                Plan.write([plan], {'review_due': dt.date.today()})
            with self.assertRaises(AccessError):
                pool.get('therapy.treatment.goal').write(
                    list(plan.goals), {'description': "Other"})
            new, = Plan.draft_review([plan])
            self.assertEqual(new.previous, plan)
            self.assertEqual(
                [o.description for g in new.goals for o in g.objectives],
                ["Worry log daily"])
            with Transaction().set_user(practice.alex_user.id):
                Plan.sign([new])
            self.assertEqual(Plan(plan.id).state, 'superseded')
            self.assertEqual(Plan.search([('review_overdue', '=', True)]),
                [])
            with Transaction().set_user(practice.morgan_user.id), \
                    Transaction().set_context(_check_access=True):
                self.assertEqual(Plan.search([]), [])

    @with_transaction()
    def test_measures_scheduled_at_baseline_then_every_fourth_session(self):
        pool = Pool()
        Response = pool.get('therapy.form.response')
        Template = pool.get('therapy.form.template')
        with set_company(create_company()):
            practice = ClinicalPractice()
            phq9, = Template.search([('code', '=', 'phq9')])
            gad7, = Template.search([('code', '=', 'gad7')])
            tomorrow = dt.datetime.now() + dt.timedelta(days=1)
            upcoming = practice.session(practice.alex, tomorrow, 'scheduled')
            created = Response.schedule_measures()
            self.assertEqual(
                {(r.template, r.appointment) for r in created},
                {(phq9, upcoming), (gad7, upcoming)})
            self.assertEqual(Response.schedule_measures(), [])

            # completed at baseline; three sessions later: not yet due
            Response.delete(created)
            for days in [30, 21, 14, 7]:
                practice.session(practice.alex, practice.past(days))
            baseline = Response.create([{
                        'client': practice.client.id, 'template': phq9.id,
                        }])
            for answer in baseline[0].answers:
                if answer.question.code.startswith('item'):
                    answer.value = '1'
            baseline[0].save()
            Response.do_complete(baseline,
                when=practice.past(25))
            due = {r.template for r in Response.schedule_measures()}
            self.assertEqual(due, {gad7})
            practice.session(practice.alex, practice.past(3))
            due = {r.template for r in Response.schedule_measures()}
            self.assertEqual(due, {phq9})

    @with_transaction()
    def test_latest_score_and_change(self):
        pool = Pool()
        Response = pool.get('therapy.form.response')
        Template = pool.get('therapy.form.template')
        Latest = pool.get('therapy.measure.latest')
        with set_company(create_company()):
            practice = ClinicalPractice()
            phq9, = Template.search([('code', '=', 'phq9')])
            for days, value in [(60, '2'), (30, '1'), (45, '3')]:
                response, = Response.create([{
                            'client': practice.client.id,
                            'template': phq9.id}])
                for answer in response.answers:
                    if answer.question.code.startswith('item'):
                        answer.value = value
                response.answers = response.answers
                response.save()
                Response.do_complete([response],
                    when=dt.datetime.now() - dt.timedelta(days=days))
            latest, = Latest.search([('client', '=', practice.client.id)])
            # by date: 27 (45 days ago) is before 9 (30 days ago)
            self.assertEqual(
                (latest.score, latest.previous_score, latest.change),
                (9, 27, -18))


    @with_transaction()
    def test_questions_read_as_their_words(self):
        "Staff see a question's text, not its id (Tryton's \"(23)\")"
        Question = Pool().get('therapy.form.question')
        item9, = Question.search([
                ('template.code', '=', 'phq9'), ('code', '=', 'item9')])
        self.assertIn("better off dead", item9.rec_name)
        self.assertEqual(Question.search(
                [('rec_name', 'ilike', '%better off dead%')]), [item9])

    @with_transaction()
    def test_plan_and_form_response_fields_refused_from_clients(self):
        """Signed plans and completed forms stay final over RPC: the state
        and the signature, hash and score fields are written by their
        buttons only (Tryton does not enforce readonly on a client's
        write)"""
        pool = Pool()
        Plan = pool.get('therapy.treatment.plan')
        Response = pool.get('therapy.form.response')
        Template = pool.get('therapy.form.template')
        with set_company(create_company()):
            practice = ClinicalPractice()
            plan, = Plan.create([{
                        'client': practice.client.id,
                        'clinician': practice.alex.id,
                        'start_date': dt.date.today(),
                        'review_due': dt.date.today(),
                        'goals': [('create', [{
                                        'description': "Sleep",
                                        'objectives': [('create', [{
                                                    'description': "Diary",
                                                    'measure': "7 of 7",
                                                    'target_date':
                                                    dt.date.today(),
                                                    }])],
                                        }])],
                        }])
            with Transaction().set_user(practice.alex_user.id):
                Plan.sign([plan])
            phq9, = Template.search([('code', '=', 'phq9')])
            response, = Response.create([{
                        'client': practice.client.id, 'template': phq9.id}])
            for answer in response.answers:
                if answer.question.code.startswith('item'):
                    answer.value = '1'
            response.answers = response.answers
            response.save()
            Response.do_complete([response])
        now = dt.datetime.now()
        with Transaction().set_user(practice.alex_user.id), \
                Transaction().set_context(_check_access=True):
            for values in [{'state': 'draft'}, {'signed_at': now},
                    {'content_hash': '0' * 64},
                    {'client_signed_at': now}]:
                with self.subTest(values=values), \
                        self.assertRaises(AccessError):
                    Plan.write([Plan(plan.id)], values)
            for values in [{'state': 'pending'}, {'score': 0},
                    {'risk_flag': False}, {'document': "edited"}]:
                with self.subTest(values=values), \
                        self.assertRaises(AccessError):
                    Response.write([Response(response.id)], values)
            with self.assertRaises(AccessError):
                Response.create([{'client': practice.client.id,
                            'template': phq9.id, 'state': 'completed'}])
            # what a user may still do: the client's signer on the plan
            Plan.write([Plan(plan.id)], {'client_signer_name': "Jordan Lee",
                    'client_signer_role': 'client'})
        self.assertEqual(Plan(plan.id).state, 'active')
        self.assertEqual(Response(response.id).state, 'completed')

class OverdueNotesEmailTestCase(
        CommittingTestMixin, OutboxMixin, unittest.TestCase):
    "The daily job emails each clinician how many notes are overdue"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_clinical')
        super().setUpClass()

    @with_transaction()
    def test_daily_reminder(self):
        pool = Pool()
        Debt = pool.get('therapy.note.debt')
        Note = pool.get('therapy.note')
        with set_company(create_company()):
            practice = ClinicalPractice()
            old = practice.session(practice.morgan, practice.past(6))
            practice.session(practice.morgan, practice.past(3))
            practice.session(practice.alex, dt.datetime.now()
                - dt.timedelta(hours=2))  # not due yet
            Note.draft_for([old])
            sent = Debt.send_reminders()
            Transaction().commit()  # messages leave when the job commits
        self.assertEqual(sent, [practice.morgan])
        (to,), message = self.outbox.emails[0]
        self.assertEqual(to, 'morgan@example.com')
        body = message.get_content()
        self.assertIn("2 of your session notes are past due", body)
        self.assertNotIn("Jordan", body)
        self.assertEqual(len(self.outbox.emails), 1)

