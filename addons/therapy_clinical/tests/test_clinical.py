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

from therapy_scheduling.tests.fixtures import (
    create_client, create_clinician, create_location, create_service)
from therapy_scheduling.tests.outbox import Outbox


def create_user(login, groups, employee=None, email=None):
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    company = Transaction().context['company']
    user, = User.create([{
                'name': login.title(), 'login': login, 'email': email,
                'groups': [('add', [ModelData.get_id(*g.split('.'))
                                for g in groups])],
                'companies': [('add', [company])], 'company': company,
                'employees': [('add', [employee.id])] if employee else [],
                'employee': employee.id if employee else None,
                }])
    return user


CLINICIAN = 'therapy_scheduling.group_clinician'
SUPERVISOR = 'therapy_scheduling.group_supervisor'
DIRECTOR = 'therapy_clinical.group_clinical_director'


class Practice:
    "A supervisor, a supervisee who needs co-signatures, another clinician"

    def __init__(self):
        self.location = create_location()
        self.therapy = create_service()
        self.avery = create_clinician("Avery Brooks")
        self.morgan = create_clinician(
            "Morgan Patel", supervisor=self.avery, cosign_required=True)
        self.alex = create_clinician("Alex Kim")
        self.avery_user = create_user(
            'avery', [CLINICIAN, SUPERVISOR], self.avery, 'avery@example.com')
        self.morgan_user = create_user(
            'morgan', [CLINICIAN], self.morgan, 'morgan@example.com')
        self.alex_user = create_user(
            'alex', [CLINICIAN], self.alex, 'alex@example.com')
        self.director_user = create_user('director', [DIRECTOR])
        self.client = create_client("Jordan Lee")
        self.user_of = {self.avery: self.avery_user,
            self.morgan: self.morgan_user, self.alex: self.alex_user}

    def session(self, clinician, start, state='completed', client=None):
        Appointment = Pool().get('therapy.appointment')
        appointment, = Appointment.create([{
                    'client': (client or self.client).id,
                    'clinician': clinician.id,
                    'location': self.location.id,
                    'service': self.therapy.id,
                    'start': start, 'end': start + dt.timedelta(minutes=45),
                    }])
        if state == 'completed':
            Appointment.arrive([appointment])
            Appointment.complete([appointment])
        return appointment

    def past(self, days, hour=15):
        return (dt.datetime.now() - dt.timedelta(days=days)).replace(
            hour=hour, minute=0, second=0, microsecond=0)


class ClinicalTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_clinical')

    def signed_note(self, practice, clinician, days=1, diagnoses=()):
        Note = Pool().get('therapy.note')
        appointment = practice.session(clinician, practice.past(days))
        note, = Note.draft_for([appointment])
        for section in note.sections:
            section.content = f"{section.name} text"
        note.sections = note.sections
        note.suicidal_ideation = note.homicidal_ideation = 'none'
        note.self_harm = 'none'
        note.risk_level = 'low'
        note.diagnoses = list(diagnoses)
        note.save()
        with Transaction().set_user(practice.user_of[clinician].id):
            Note.sign([note])
        return note

    @with_transaction()
    def test_rule_follows_the_user_not_the_groups(self):
        "Two clinicians of the same groups each read only their own notes"
        Note = Pool().get('therapy.note')
        with set_company(create_company()):
            practice = Practice()
            morgans = self.signed_note(practice, practice.morgan)
            alexs = self.signed_note(practice, practice.alex, days=2)
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
            practice = Practice()
            note = self.signed_note(practice, practice.alex)
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
            practice = Practice()
            gad, = ICD10.search([('code', '=', 'F41.1')])
            mdd, = ICD10.search([('code', '=', 'F32.1')])
            diagnosis, = Diagnosis.create([{
                        'client': practice.client.id, 'code': gad.id}])
            note = self.signed_note(practice, practice.alex, diagnoses=[
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
            practice = Practice()
            note = self.signed_note(practice, practice.morgan)
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
            practice = Practice()
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
            practice = Practice()
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
            practice = Practice()
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
            practice = Practice()
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
            practice = Practice()
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

class OverdueNotesEmailTestCase(unittest.TestCase):
    "The daily job emails each clinician how many notes are overdue"

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_clinical')
        cls.outbox = Outbox()
        cls.outbox.start()

    @classmethod
    def tearDownClass(cls):
        cls.outbox.stop()

    @with_transaction()
    def test_daily_reminder(self):
        pool = Pool()
        Debt = pool.get('therapy.note.debt')
        Note = pool.get('therapy.note')
        with set_company(create_company()):
            practice = Practice()
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

