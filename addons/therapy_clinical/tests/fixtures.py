"""The clinical tests' practice: the shared Practice (therapy_scheduling's
tests/fixtures.py) with a supervisor, a supervisee, another clinician and
their users, and signed notes."""
from trytond.pool import Pool
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import (
    Practice, create_client, create_clinician, create_service, create_user,
    day_at)

CLINICIAN = 'therapy_scheduling.group_clinician'
SUPERVISOR = 'therapy_scheduling.group_supervisor'
DIRECTOR = 'therapy_clinical.group_clinical_director'


class ClinicalPractice(Practice):
    """A supervisor, a supervisee who needs co-signatures, another
    clinician; book() takes their client, Jordan"""

    def __init__(self):
        super().__init__()
        self.therapy = self.service = create_service()
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
        "A session of clinician's, completed unless told"
        return self.book(start, client, clinician, state=state)

    def past(self, days, hour=15):
        return day_at(-days, hour)


def write_note(note, text="text"):
    "Fill a draft note's sections and risk assessment"
    for section in note.sections:
        section.content = f"{section.name} {text}"
    note.sections = note.sections
    note.suicidal_ideation = note.homicidal_ideation = 'none'
    note.self_harm = 'none'
    note.risk_level = 'low'
    note.save()


def signed_note(practice, clinician, days=1, diagnoses=()):
    "A note of a session days ago, written and signed by clinician"
    Note = Pool().get('therapy.note')
    appointment = practice.session(clinician, practice.past(days))
    note, = Note.draft_for([appointment])
    note.diagnoses = list(diagnoses)
    write_note(note)
    with Transaction().set_user(practice.user_of[clinician].id):
        Note.sign([note])
    return note
