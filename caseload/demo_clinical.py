"""The demo practice's clinical record: diagnoses, signed notes, treatment
plans, outcome measures, an intake form and consents.

Runs inside the server in one Tryton transaction, like demo_schedule.py,
once the schedule exists. Records are created in bulk, then go through the
addon's own workflow (Note.sign, Note.cosign, TreatmentPlan.sign,
FormResponse.do_complete), so signer, time and SHA-256 are what the
application itself would store.

The demo needs a history, so signatures are dated when the clinician would
have signed (after the session), not when the demo is built: the addon
stamps them with its module-level now(), which signed_at() below sets for
the duration of one signing. Forms are completed with do_complete's own
`when`.

What the clinician login (Morgan Patel, a supervisee) finds: overdue notes
(some not started, two unsigned drafts), two signed notes waiting for the
supervisor's co-signature, and the rest co-signed.
"""
import contextlib
import datetime as dt
import inspect
import random
from collections import defaultdict

from trytond.pool import Pool
from trytond.transaction import Transaction

SEED = 2026
# SQLite caps the depth of one query: create in batches
BATCH = 100
# the demo's supervisee login (see demo.USERS) and the one who co-signs
SUPERVISEE, SUPERVISOR, FRONT_DESK = 'clinician', 'supervisor', 'frontdesk'
# the supervisor login also directs the clinical side (reads every note)
DIRECTOR_GROUP = ('therapy_clinical', 'group_clinical_director')
# documentation debt left for the supervisee: notes not started, drafts
# and signed notes waiting for co-signature; one missing for the supervisor
MISSING, DRAFTS, AWAITING_COSIGN, SUPERVISOR_MISSING = 3, 2, 2, 1
DEBT_WITHIN = dt.timedelta(days=10)
# sessions that ended less than this ago have no note yet
WRITING = dt.timedelta(minutes=30)
NOTE_TEMPLATE = 'SOAP note'
NO_RISK = {'suicidal_ideation': 'none', 'homicidal_ideation': 'none',
    'self_harm': 'none', 'risk_level': 'low'}

# ICD-10-CM codes (billable) by discipline; children's and adults' apart
DIAGNOSES = {
    ('mental_health', 'adult'): ['F41.1', 'F32.1', 'F33.1', 'F43.10',
        'F43.23', 'F41.0', 'F32.0', 'F42.2'],
    ('mental_health', 'child'): ['F90.0', 'F90.2', 'F41.1', 'F93.0',
        'F43.23'],
    ('speech', 'child'): ['F80.0', 'F80.1', 'F80.2', 'F80.81'],
    ('speech', 'adult'): ['F80.1', 'F80.81'],
    ('occupational', 'child'): ['F82', 'R27.8'],
    ('occupational', 'adult'): ['M62.81', 'M75.101', 'R27.8'],
    ('physical', 'child'): ['M25.561', 'M62.81'],
    ('physical', 'adult'): ['M54.50', 'M25.561', 'M17.11', 'M54.2'],
    ('aba', 'child'): ['F84.0'],
    ('aba', 'adult'): ['F84.0'],
    }
# a second diagnosis that often comes with the first
COMORBID = {'F32.1': 'F41.1', 'F33.1': 'F41.1', 'F41.1': 'F32.0',
    'F43.10': 'F32.1', 'F90.2': 'F41.1', 'F84.0': 'F80.2'}

INTERVENTIONS = {
    'mental_health': ["Cognitive behavioral therapy (CBT)",
        "Psychoeducation", "Mindfulness / relaxation training",
        "Motivational interviewing", "Dialectical behavior therapy (DBT) "
        "skills"],
    'mental_health_child': ["Play therapy", "Parent training / coaching",
        "Cognitive behavioral therapy (CBT)", "Psychoeducation"],
    'mental_health_trauma': ["Trauma-focused CBT (TF-CBT)",
        "Mindfulness / relaxation training", "Psychoeducation"],
    'speech': ["Articulation drills", "Language modeling and expansion",
        "Parent training / coaching"],
    'occupational': ["Fine motor / ADL training",
        "Parent training / coaching"],
    'physical': ["Therapeutic exercise", "Neuromuscular re-education"],
    'aba': ["Discrete trial training (DTT)",
        "Natural environment teaching (NET)",
        "Parent training / coaching"],
    }

# --- note text: sentences picked per section, by discipline and trend -------
TEXT = {
    'mental_health': {
        'Subjective': {
            'improving': [
                "Client reported a better week overall, with more energy in "
                "the mornings.",
                "Client reported sleeping 6-7 hours most nights, up from 4-5 "
                "at the start of treatment.",
                "Client said the paced breathing \"actually helped\" before "
                "a difficult meeting at work.",
                "Client reported meeting a friend twice this week and "
                "enjoying it more than expected.",
                "Client completed the thought record homework on 5 of 7 "
                "days.",
                "Client reported fewer episodes of worry that kept them up "
                "at night.",
                ],
            'steady': [
                "Client reported a mixed week: two good days, then low mood "
                "after a disagreement with a family member.",
                "Client described ongoing worry about work deadlines and "
                "difficulty winding down in the evening.",
                "Client completed the thought record on 2 of 7 days and "
                "said it was hard to find the time.",
                "Client reported that sleep remains irregular, with "
                "frequent waking around 3 a.m.",
                "Client reported continued tension at home but no new "
                "stressors.",
                ],
            'worse': [
                "Client reported feeling more down this week and staying in "
                "bed on two days.",
                "Client reported increased worry since learning of layoffs "
                "at work.",
                "Client said they skipped the planned activities and "
                "\"couldn't see the point\".",
                "Client reported poor sleep and loss of appetite over the "
                "past two weeks.",
                "Client described feeling overwhelmed by caregiving for a "
                "parent.",
                ],
            },
        'Objective': [
            "Client arrived on time, casually groomed, good eye contact. "
            "Speech of normal rate and volume; thought process linear and "
            "goal-directed.",
            "Alert and oriented x4. Affect mildly constricted, congruent "
            "with reported mood. No evidence of psychosis.",
            "Engaged and cooperative throughout; tearful briefly when "
            "discussing family, able to settle with grounding.",
            "Mood described as \"okay\"; affect reactive and brighter than "
            "last session. Insight and judgment fair.",
            "Restless at the start of the session, calmer after the "
            "breathing exercise. Thought content focused on work.",
            ],
        'Assessment': {
            'improving': [
                "Client is making steady progress toward treatment plan "
                "goals: symptoms are decreasing and daily activity is "
                "increasing.",
                "Client demonstrated improved ability to identify and "
                "challenge automatic thoughts in session.",
                "Client is using coping skills independently with good "
                "benefit.",
                ],
            'steady': [
                "Symptoms remain in the moderate range; client is engaged "
                "but avoidance continues to limit progress.",
                "Anxiety persists around work performance; coping skills "
                "used with partial benefit.",
                "Progress is slow but client remains motivated and attends "
                "consistently.",
                ],
            'worse': [
                "Depressive symptoms have increased in the context of new "
                "stressors; functioning at work is affected.",
                "Client's anxiety has worsened; avoidance has increased and "
                "the current plan is not yet effective.",
                "Symptoms are worsening; a review of the treatment plan and "
                "a referral for a medication evaluation are indicated.",
                ],
            },
        'Plan': [
            "Continue weekly CBT. Homework: a thought record on at least "
            "four days.",
            "Continue the behavioral activation schedule, adding one "
            "pleasant activity per day. Next session in one week.",
            "Practice paced breathing twice daily and log anxiety ratings "
            "(0-10); review the log next session.",
            "Readminister PHQ-9 and GAD-7 in four sessions. Coordinate with "
            "the primary care physician about sleep, as client consented.",
            "Continue the current plan; review treatment plan goals at the "
            "next session.",
            ],
        },
    'speech': {
        'Subjective': [
            "Parent reports the child practiced the home exercises on most "
            "evenings this week.",
            "Parent reports more two- and three-word phrases at home.",
            "Child arrived cheerful and separated from the parent easily.",
            "Parent shared teacher feedback: the child was understood more "
            "often in class.",
            "Parent reports the child became frustrated when not "
            "understood by a sibling.",
            ],
        'Objective': [
            "Targeted /s/ in initial position at word level: 16/20 correct "
            "(80%) with a visual cue.",
            "Produced 2-word utterances in 12 of 15 opportunities during "
            "play-based activities with moderate modeling.",
            "Followed 2-step directions with 70% accuracy, up from 55% last "
            "month.",
            "Final consonant deletion observed in 6 of 20 CVC words; "
            "self-corrected 3 with a tactile cue.",
            "Fluent speech in 90% of utterances during structured "
            "conversation using easy onsets.",
            ],
        'Assessment': [
            "Progressing toward the articulation goal; accuracy is "
            "improving with reduced cueing.",
            "Expressive language is growing; the child benefits from "
            "expansions and recasts.",
            "Receptive skills are emerging; attention to task was good for "
            "most of the session.",
            "Steady progress; carryover to conversation is not yet "
            "consistent.",
            ],
        'Plan': [
            "Continue weekly sessions; next target /s/ at phrase level.",
            "Home program: 5 minutes of picture-card practice daily. Parent "
            "shown how to model expansions.",
            "Continue current goals; probe generalization in conversation "
            "next session.",
            "Send the home practice sheet; check in with the teacher at the "
            "end of the month.",
            ],
        },
    'occupational': {
        'Subjective': [
            "Client reports dressing independently most mornings this "
            "week.",
            "Client reports less fatigue when cooking a simple meal.",
            "Parent reports improved handwriting on homework pages.",
            "Client reports some soreness after last session's exercises.",
            ],
        'Objective': [
            "Completed buttoning task in 45 seconds with minimal verbal "
            "cues (baseline 90 seconds).",
            "Grip strength right 18 kg, left 22 kg; tolerated 20 minutes "
            "of fine motor activity.",
            "Copied a 10-word sentence legibly with correct letter sizing "
            "in 8 of 10 words.",
            "Performed a simulated meal preparation task with one rest "
            "break and stand-by assistance.",
            ],
        'Assessment': [
            "Fine motor control and endurance are improving; ADL "
            "independence is increasing.",
            "Progressing toward goals; still needs cues for sequencing "
            "multi-step tasks.",
            "Good carryover of adaptive strategies at home.",
            ],
        'Plan': [
            "Continue weekly OT; progress the fine motor program.",
            "Home program: theraputty exercises 10 minutes daily; trial of "
            "adaptive utensils.",
            "Re-assess ADL performance in four weeks.",
            ],
        },
    'physical': {
        'Subjective': [
            "Client reports pain 3/10 at rest and 5/10 on stairs, down "
            "from 6/10 last month.",
            "Client reports walking 20 minutes daily without increased "
            "pain.",
            "Client reports stiffness in the morning that eases after "
            "about 15 minutes.",
            "Client reports doing the home exercises on most days.",
            ],
        'Objective': [
            "Knee flexion AROM 0-118 degrees (previous 0-105). Quadriceps "
            "strength 4/5.",
            "Lumbar flexion limited by 25%; straight leg raise negative "
            "bilaterally.",
            "Performed 3 sets of 12 sit-to-stand, step-ups and bridges "
            "with good form.",
            "Single-leg stance 15 seconds on the affected side (baseline 6 "
            "seconds).",
            ],
        'Assessment': [
            "Range of motion and strength are improving; client is "
            "tolerating progression well.",
            "Pain is decreasing and functional mobility improving; "
            "balance remains the main limitation.",
            "Progress toward goals is on track.",
            ],
        'Plan': [
            "Continue therapeutic exercise; progress resistance next "
            "session.",
            "Update the home exercise program with balance work; review "
            "next week.",
            "Continue the plan of care; re-measure range of motion in two "
            "weeks.",
            ],
        },
    'aba': {
        'Subjective': [
            "Caregiver reports two tantrums this week, both during "
            "transitions, down from daily.",
            "Caregiver reports the child is requesting snacks with words "
            "more often.",
            "Child arrived calm and transitioned to the work area with one "
            "prompt.",
            "Caregiver reports a change in the school schedule this week.",
            ],
        'Objective': [
            "Manding: 24 independent mands in 2 hours (previous session "
            "17). Receptive identification 85% correct across 40 DTT "
            "trials.",
            "Two instances of elopement, both blocked; duration of "
            "problem behavior 3 minutes total.",
            "Followed the visual schedule through 6 transitions with "
            "gestural prompts only.",
            "Imitation of 2-step actions 70% independent in natural "
            "environment teaching.",
            ],
        'Assessment': [
            "Communication targets are being acquired; problem behavior "
            "is decreasing in frequency.",
            "Transitions remain difficult; prompting is being faded as "
            "planned.",
            "Good progress on manding; maintenance probes stable.",
            ],
        'Plan': [
            "Continue the current protocol; fade prompts for tacting "
            "targets.",
            "Add two new mand targets; caregiver to practice the first/then "
            "board at home.",
            "BCBA to review graphs and update protocol at the next "
            "supervision session.",
            ],
        },
    }
TELEHEALTH = ("Telehealth video session; client at home in a private room, "
    "identity and location confirmed.")

# outcome measures: score series from the first to the latest response
# (kind, PHQ-9 from -> to, GAD-7 from -> to, risk on the latest)
MEASURE_COURSES = [
    ('improving', (18, 7), (14, 6), False),
    ('improving', (15, 5), (16, 7), False),
    ('improving', (21, 9), (11, 5), False),
    ('improving', (12, 4), (17, 8), False),
    ('worse', (8, 16), (7, 13), False),
    ('steady', (16, 13), (12, 10), True),
    ]
# clinicians (employee keys of demo.CLINICIANS by name) of the clients above
MEASURE_CLINICIANS = ["Morgan Patel", "Morgan Patel", "Avery Brooks",
    "Dr. Chidi Okafor", "Morgan Patel", "Avery Brooks"]
MEASURE_EVERY = 4  # attended sessions, as the PHQ-9/GAD-7 templates say
PLAN_CLIENTS = 4   # of the measure clients, plus one speech client
INTAKE_IP = '203.0.113.24'
INTAKE_AGENT = ('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) '
    'AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 '
    'Safari/604.1')


def load(database, user_id, company_id):
    "Load the clinical record unless it is there; return True when loaded"
    with Transaction().start(database, user_id, context={
                'company': company_id, 'companies': [company_id],
                }) as transaction:
        pool = Pool()
        if (pool.get('therapy.note').search([], limit=1)
                or not pool.get('therapy.appointment').search([], limit=1)):
            return False
        DemoClinical(company_id).load()
        transaction.commit()
    return True


@contextlib.contextmanager
def signed_at(when):
    """Sign (notes, co-signatures, addenda, plans) as if it were `when`:
    the addon stamps signatures with its module-level now()"""
    from therapy_clinical import note, plan
    saved = note.now, plan.now
    note.now = plan.now = lambda: when
    try:
        yield
    finally:
        note.now, plan.now = saved


def batches(values, size=BATCH):
    for index in range(0, len(values), size):
        yield values[index:index + size]


class DemoClinical:
    def __init__(self, company_id):
        pool = self.pool = Pool()
        self.company = pool.get('company.company')(company_id)
        self.random = random.Random(SEED)
        self.today = pool.get('ir.date').today()
        self.now = dt.datetime.now().replace(microsecond=0)

    def load(self):
        self.find_users()
        self.grant_director()
        self.sessions = self.attended_sessions()
        self.measure_clients = self.pick_measure_clients()
        self.diagnoses = self.create_diagnoses()
        self.debts = self.pick_debts()
        self.measures = self.plan_measures()
        self.create_notes()
        self.create_plans()
        self.create_measures()
        self.create_intake()
        self.create_consents()
        self.create_psychotherapy_notes()

    # --- people -----------------------------------------------------------
    def find_users(self):
        User = self.pool.get('res.user')
        self.users = {u.login: u for u in User.search([
                    ('login', 'in', [SUPERVISEE, SUPERVISOR, FRONT_DESK]),
                    ])}
        # who signs a clinician's notes: their login, else root (the demo's
        # other clinicians have no login)
        self.signer = defaultdict(int)
        for user in self.users.values():
            if user.employee:
                self.signer[user.employee.id] = user.id

    def grant_director(self):
        pool = self.pool
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        user = self.users.get(SUPERVISOR)
        if user:
            User.write([user], {'groups': [
                        ('add', [ModelData.get_id(*DIRECTOR_GROUP)])]})

    def user_of(self, employee):
        return self.signer[employee.id]

    # --- sessions ------------------------------------------------------------
    def attended_sessions(self):
        "[(appointment, client)] attended, oldest first"
        Attendee = self.pool.get('therapy.appointment.attendee')
        return [(a.appointment, a.client) for a in Attendee.search([
                    ('attendance', '=', 'attended'),
                    ('appointment.state', '=', 'completed'),
                    ], order=[('start', 'ASC'), ('id', 'ASC')])]

    def sessions_of(self, client):
        return [a for a, c in self.sessions if c == client]

    def pick_measure_clients(self):
        "Adult mental health clients seen weekly, one per course"
        by_clinician = defaultdict(list)
        counts = defaultdict(int)
        for appointment, client in self.sessions:
            counts[client] += 1
        for client, count in sorted(counts.items(), key=lambda i: i[0].id):
            if (client.primary_clinician.discipline == 'mental_health'
                    and not client.minor and count >= 16):
                by_clinician[client.primary_clinician.party.name].append(
                    client)
        chosen = []
        for name in MEASURE_CLINICIANS:
            candidates = [c for c in by_clinician[name] if c not in chosen]
            if candidates:
                chosen.append(max(candidates, key=lambda c: counts[c]))
        return chosen

    # --- diagnoses -----------------------------------------------------------
    def create_diagnoses(self):
        "Every client seen gets a problem list; returns {client: [diagnosis]}"
        pool = self.pool
        Code = pool.get('therapy.icd10')
        Diagnosis = pool.get('therapy.client.diagnosis')
        codes = {c.code: c for c in Code.search([
                    ('code', 'in', sorted({c for v in DIAGNOSES.values()
                                for c in v} | set(COMORBID.values()))),
                    ])}
        first_seen = {}
        for appointment, client in self.sessions:
            first_seen.setdefault(client, appointment.local_date)
        vlist = []
        for client in sorted(first_seen, key=lambda c: c.id):
            clinician = client.primary_clinician
            age = 'child' if client.minor else 'adult'
            if client in self.measure_clients:
                # depression with anxiety: both measures apply
                primary = self.random.choice(['F32.1', 'F33.1', 'F41.1'])
                secondary = 'F41.1' if primary != 'F41.1' else 'F32.1'
            else:
                primary = self.random.choice(
                    DIAGNOSES[clinician.discipline, age])
                secondary = COMORBID.get(primary) if (
                    self.random.random() < 0.3) else None
            onset = first_seen[client]
            for rank, code in enumerate(filter(None, [primary, secondary])):
                vlist.append({
                        'client': client.id,
                        'code': codes[code].id,
                        'rank': rank + 1,
                        'onset_date': onset,
                        'diagnosed_by': clinician.id,
                        })
        result = defaultdict(list)
        for values in batches(vlist):
            for diagnosis in Diagnosis.create(values):
                result[diagnosis.client].append(diagnosis)
        return result

    # --- notes ---------------------------------------------------------------
    def pick_debts(self):
        """{(appointment, client): 'missing' | 'draft'}: the supervisee's
        latest overdue sessions, and one of the supervisor's"""
        Configuration = self.pool.get('therapy.configuration')
        overdue = self.now - dt.timedelta(
            hours=Configuration(1).note_due_hours or 0) - dt.timedelta(
            hours=1)
        debts = {}
        for login, kinds in [
                (SUPERVISEE, ['draft'] * DRAFTS + ['missing'] * MISSING),
                (SUPERVISOR, ['missing'] * SUPERVISOR_MISSING)]:
            user = self.users.get(login)
            if not user or not user.employee:
                continue
            recent = [(a, c) for a, c in reversed(self.sessions)
                if a.clinician == user.employee
                and self.now - DEBT_WITHIN < a.end < overdue
                and c not in self.measure_clients]
            debts.update(zip(recent, kinds))
        return debts

    def plan_measures(self):
        """{client: [appointment]}: a PHQ-9 and a GAD-7 at the first
        session, then every MEASURE_EVERY attended sessions"""
        return {client: self.sessions_of(client)[::MEASURE_EVERY]
            for client in self.measure_clients}

    def course(self, client):
        if client in self.measure_clients:
            return MEASURE_COURSES[self.measure_clients.index(client)]

    def scores(self, client):
        "[(appointment, phq9, gad7, risk)] over the client's measures"
        kind, phq, gad, risk = self.course(client)
        appointments = self.measures[client]
        rng = random.Random(f'{SEED}-{client.id}')
        result = []
        last = len(appointments) - 1
        for index, appointment in enumerate(appointments):
            share = index / last if last else 1
            values = []
            for (first, latest), top in [(phq, 27), (gad, 21)]:
                value = first + (latest - first) * share
                if 0 < index < last:
                    value += rng.choice([-1, 0, 0, 1])
                values.append(max(0, min(top, round(value))))
            result.append((appointment, *values, risk and index == last))
        return result

    def note_text(self, appointment, client, trend, measured):
        discipline = appointment.clinician.discipline
        text = TEXT[discipline]
        rng = self.random

        def pick(pool, count):
            if isinstance(pool, dict):
                pool = pool[trend]
            return ' '.join(rng.sample(pool, min(count, len(pool))))
        objective = pick(text['Objective'], 1 + (rng.random() < 0.4))
        if appointment.modality == 'telehealth':
            objective = f'{TELEHEALTH} {objective}'
        if measured:
            objective += (f" PHQ-9 today: {measured[0]}; GAD-7: "
                f"{measured[1]}.")
        return {
            'Subjective': pick(text['Subjective'], 2),
            'Objective': objective,
            'Assessment': pick(text['Assessment'], 1 + (rng.random() < 0.3)),
            'Plan': pick(text['Plan'], 1 + (rng.random() < 0.5)),
            }

    def interventions_for(self, appointment, client):
        discipline = appointment.clinician.discipline
        key = discipline
        if discipline == 'mental_health':
            primary = self.diagnoses[client][0].code.code
            if client.minor:
                key = 'mental_health_child'
            elif primary.startswith('F43.1'):
                key = 'mental_health_trauma'
        names = INTERVENTIONS[key]
        return self.random.sample(names, 1 + (self.random.random() < 0.5))

    def create_notes(self):
        pool = self.pool
        Note = pool.get('therapy.note')
        Section = pool.get('therapy.note.section')
        Template = pool.get('therapy.note.template')
        Intervention = pool.get('therapy.intervention')
        NoteIntervention = pool.get('therapy.note-therapy.intervention')
        NoteDiagnosis = pool.get('therapy.note-therapy.client.diagnosis')
        template, = Template.search([('name', '=', NOTE_TEMPLATE)], limit=1)
        interventions = {i.name: i for i in Intervention.search([])}
        measured = {(a, c): (phq, gad, risk)
            for c in self.measure_clients
            for a, phq, gad, risk in self.scores(c)}
        latest_measure = {c: self.measures[c][-1]
            for c in self.measure_clients}

        sessions = [(a, c) for a, c in self.sessions
            if self.debts.get((a, c)) != 'missing'
            and a.end <= self.now - WRITING]
        vlist, texts, chosen = [], [], []
        for appointment, client in sessions:
            course = self.course(client)
            trend = course[0] if course else self.random.choice(
                ['improving', 'improving', 'steady'])
            measure = measured.get((appointment, client))
            values = {
                'company': self.company.id,
                'appointment': appointment.id,
                'client': client.id,
                'clinician': appointment.clinician.id,
                'service': appointment.service.id,
                'date': appointment.local_date,
                'start': appointment.start,
                'end': appointment.end,
                }
            values.update(NO_RISK)
            if measure and measure[2]:
                values.update({
                        'suicidal_ideation': 'passive',
                        'risk_level': 'moderate',
                        'safety_plan': True,
                        'risk_notes': (
                            "Passive thoughts of being better off dead "
                            "endorsed on PHQ-9 item 9 (several days). "
                            "Denies plan, intent or preparatory behavior; "
                            "no access to firearms. Protective factors: "
                            "children, faith, engaged in treatment. Safety "
                            "plan reviewed and updated; 988 and the "
                            "practice's after-hours line provided."),
                        })
            elif (course and course[0] == 'worse'
                    and appointment == latest_measure[client]):
                values['risk_level'] = 'moderate'
            vlist.append(values)
            texts.append(self.note_text(appointment, client, trend,
                    measure[:2] if measure else None))
            chosen.append(self.interventions_for(appointment, client))

        notes = []
        for values in batches(vlist):
            notes.extend(Note.create(values))
        sections, links, addressed = [], [], []
        for note, text, names in zip(notes, texts, chosen):
            for section in template.sections:
                sections.append({
                        'note': note.id,
                        'sequence': section.sequence,
                        'name': section.name,
                        'content': text.get(section.name) or text['Plan'],
                        })
            links.extend({'note': note.id, 'intervention': interventions[n].id}
                for n in names)
            diagnoses = self.diagnoses[note.client]
            addressed.append({'note': note.id, 'diagnosis': diagnoses[0].id})
            if len(diagnoses) > 1 and self.random.random() < 0.4:
                addressed.append(
                    {'note': note.id, 'diagnosis': diagnoses[1].id})
        for model, rows in [(Section, sections),
                (NoteIntervention, links), (NoteDiagnosis, addressed)]:
            for values in batches(rows, BATCH * 4):
                model.create(values)
        Note.write(notes, {'template': template.id})

        drafts = {key for key, kind in self.debts.items() if kind == 'draft'}
        self.sign_notes([n for n in notes
                if (n.appointment, n.client) not in drafts])
        self.add_addendum()

    def sign_notes(self, notes):
        """Each clinician signs a day's notes together, mostly that evening,
        sometimes the next morning, now and then days late; the
        supervisor co-signs a day or two later"""
        Note = self.pool.get('therapy.note')
        by_day = defaultdict(list)
        for note in notes:
            by_day[note.clinician, note.date].append(note)
        cosign = []
        for (clinician, _), day_notes in sorted(
                by_day.items(), key=lambda i: (i[0][1], i[0][0].id)):
            draw = self.random.random()
            delay = dt.timedelta(minutes=(
                    self.random.randint(20, 180) if draw < 0.75
                    else self.random.randint(12 * 60, 20 * 60) if draw < 0.93
                    else self.random.randint(30 * 60, 70 * 60)))
            when = min(max(n.end for n in day_notes) + delay, self.now)
            with Transaction().set_user(self.user_of(clinician)), \
                    signed_at(when):
                Note.sign(Note.browse([n.id for n in day_notes]))
            if clinician.cosign_required:
                cosign.append((when, day_notes))
        supervisor = self.users.get(SUPERVISOR)
        # the latest ones wait for the supervisor
        waiting = AWAITING_COSIGN
        for when, day_notes in reversed(cosign):
            if waiting:
                keep = min(waiting, len(day_notes))
                day_notes = sorted(day_notes, key=lambda n: n.end)
                day_notes, waiting = day_notes[:-keep], waiting - keep
            if not day_notes:
                continue
            when = min(when + dt.timedelta(
                    hours=self.random.randint(14, 60)), self.now)
            with Transaction().set_user(supervisor.id if supervisor else 0), \
                    signed_at(when):
                Note.cosign(Note.browse([n.id for n in day_notes]))

    def add_addendum(self):
        "A late entry on one of the supervisor's signed notes"
        pool = self.pool
        Note = pool.get('therapy.note')
        Addendum = pool.get('therapy.note.addendum')
        supervisor = self.users.get(SUPERVISOR)
        if not supervisor or not supervisor.employee:
            return
        notes = Note.search([
                ('clinician', '=', supervisor.employee.id),
                ('state', '=', 'signed'),
                ('date', '<', self.today - dt.timedelta(days=14)),
                ], limit=1)
        if not notes:
            return
        note, = notes
        with Transaction().set_user(supervisor.id), \
                signed_at(note.signed_at + dt.timedelta(days=1, hours=2)):
            addendum, = Addendum.create([{
                        'note': note.id,
                        'content': (
                            "Late entry: after the session the client "
                            "called to report that their primary care "
                            "physician started sertraline 50 mg daily. "
                            "Will monitor for side effects and mood "
                            "changes."),
                        }])
            Addendum.sign([addendum])

    # --- treatment plans -----------------------------------------------------
    def create_plans(self):
        """An active signed plan for four measure clients and a speech
        client; one overdue for review, one with the version it replaced"""
        clients = self.measure_clients[:PLAN_CLIENTS]
        speech = next((c for c in sorted(self.diagnoses, key=lambda c: c.id)
                if c.primary_clinician.discipline == 'speech'
                and len(self.sessions_of(c)) >= 10), None)
        # days ago the plan started, version replaced (days ago), client signs
        settings = [(60, None, True), (75, 170, True), (125, None, False),
            (40, None, True)]
        for client, (days, previous_days, client_signs) in zip(
                clients, settings):
            previous = None
            if previous_days:
                previous = self.create_plan(client, previous_days, True)
            self.create_plan(client, days, client_signs, previous=previous)
        if speech:
            self.create_plan(speech, 50, True)

    def plan_goals(self, client, start):
        "Goals -> objectives -> interventions, by the primary diagnosis"
        Intervention = self.pool.get('therapy.intervention')
        interventions = {i.name: i.id for i in Intervention.search([])}
        code = self.diagnoses[client][0].code.code
        later = start + dt.timedelta(days=90)
        if code.startswith('F80'):
            goals = [
                ("Improve speech intelligibility so the child is understood "
                    "by familiar and unfamiliar listeners.", [
                    ("Produce /s/ and /z/ in initial and final word "
                        "positions with 80% accuracy.",
                        "80% accuracy across 3 consecutive sessions",
                        "35% accuracy",
                        [("Articulation drills", "each session")]),
                    ("Use final consonants in CVC words in structured "
                        "play.", "16 of 20 opportunities", "6 of 20",
                        [("Articulation drills", "each session"),
                            ("Parent training / coaching", "monthly")]),
                    ]),
                ("Expand expressive language for daily routines.", [
                    ("Use 3-word phrases to request and comment during "
                        "play.", "10 spontaneous phrases per session",
                        "2-word phrases, prompted",
                        [("Language modeling and expansion",
                            "each session")]),
                    ]),
                ]
        else:
            goals = [
                ("Reduce depressive symptoms and return to usual work and "
                    "social activities.", [
                    ("Schedule and complete at least three pleasant or "
                        "valued activities per week.",
                        "Activity log: 3+ activities weekly for 4 weeks",
                        "1 activity per week",
                        [("Cognitive behavioral therapy (CBT)", "weekly"),
                            ("Psychoeducation", "as needed")]),
                    ("PHQ-9 below 10 on two consecutive administrations.",
                        "PHQ-9 every 4 sessions", "PHQ-9 at intake",
                        [("Cognitive behavioral therapy (CBT)", "weekly")]),
                    ]),
                ("Manage worry so it no longer disrupts sleep and work.", [
                    ("Use a relaxation or grounding skill when anxiety "
                        "rises above 6/10.",
                        "Anxiety log: skill used in 4 of 5 episodes",
                        "Not using skills",
                        [("Mindfulness / relaxation training", "weekly")]),
                    ("GAD-7 below 10.", "GAD-7 every 4 sessions",
                        "GAD-7 at intake",
                        [("Cognitive behavioral therapy (CBT)", "weekly")]),
                    ]),
                ]
        return [('create', [{
                        'sequence': g_index,
                        'description': goal,
                        'objectives': [('create', [{
                                        'sequence': o_index,
                                        'description': description,
                                        'measure': measure,
                                        'baseline': baseline,
                                        'target_date': later,
                                        'status': 'in_progress',
                                        'interventions': [('create', [{
                                                        'sequence': i_index,
                                                        'intervention':
                                                            interventions[n],
                                                        'frequency': f,
                                                        } for i_index, (n, f)
                                                    in enumerate(items)])],
                                        } for o_index, (description, measure,
                                            baseline, items)
                                    in enumerate(objectives)])],
                        } for g_index, (goal, objectives)
                    in enumerate(goals)])]

    def create_plan(self, client, days_ago, client_signs, previous=None):
        pool = self.pool
        Plan = pool.get('therapy.treatment.plan')
        sessions = self.sessions_of(client)
        target = self.today - dt.timedelta(days=days_ago)
        session = min(sessions, key=lambda a: abs(a.local_date - target))
        start = session.local_date
        clinician = client.primary_clinician
        with Transaction().set_user(self.user_of(clinician)):
            plan, = Plan.create([{
                        'company': self.company.id,
                        'client': client.id,
                        'clinician': clinician.id,
                        'diagnoses': [('add',
                                [d.id for d in self.diagnoses[client]])],
                        'start_date': start,
                        'review_due': start + dt.timedelta(days=90),
                        'previous': previous.id if previous else None,
                        'goals': self.plan_goals(client, start),
                        }])
            # reviewed and signed with the client at the end of the session
            with signed_at(session.end - dt.timedelta(minutes=10)):
                Plan.sign([plan])
        if client_signs:
            guardian = client.guardians[0].party if client.guardians else None
            Plan.write([plan], {
                    'client_signer_name': (guardian or client.party).name,
                    'client_signer_role': 'guardian' if guardian else 'client',
                    })
            with signed_at(session.end + dt.timedelta(minutes=5)):
                Plan.client_sign([plan])
        return plan

    # --- forms ---------------------------------------------------------------
    def templates(self):
        Template = self.pool.get('therapy.form.template')
        return {t.code: t for t in Template.search([('code', '!=', None)])}

    def complete(self, responses, when, **kwargs):
        """do_complete, dated `when` (UTC) when the addon supports it"""
        Response = self.pool.get('therapy.form.response')
        if 'when' in inspect.signature(Response.do_complete).parameters:
            kwargs['when'] = when
        Response.do_complete(responses, **kwargs)

    @staticmethod
    def item_values(total, items, rng, fixed=None):
        "Answers 0-3 to items that add up to total"
        values = [0] * items
        for index, value in (fixed or {}).items():
            values[index] = value
        free = [i for i in range(items) if i not in (fixed or {})]
        remaining = min(total - sum(values), 3 * len(free))
        while remaining > 0:
            index = rng.choice([i for i in free if values[i] < 3])
            values[index] += 1
            remaining -= 1
        return values

    def create_measures(self):
        "PHQ-9 and GAD-7 every few sessions, entered at the session"
        Response = self.pool.get('therapy.form.response')
        templates = self.templates()
        rows = []
        for client in self.measure_clients:
            rng = random.Random(f'{SEED}-answers-{client.id}')
            for appointment, phq, gad, risk in self.scores(client):
                for code, total, fixed in [
                        ('phq9', phq, {8: 1} if risk else {8: 0}),
                        ('gad7', gad, None)]:
                    template = templates[code]
                    items = [q for q in template.questions
                        if (q.code or '').startswith('item')]
                    items.sort(key=lambda q: int(q.code[4:]))
                    values = self.item_values(total, len(items), rng, fixed)
                    answers = [{'question': q.id, 'value': str(v)}
                        for q, v in zip(items, values)]
                    answers.extend({'question': q.id,
                            'value': str(min(3, total // 7))}
                        for q in template.questions if q not in items)
                    rows.append((appointment.start, appointment, client, {
                                'company': self.company.id,
                                'template': template.id,
                                'client': client.id,
                                'appointment': appointment.id,
                                'answers': [('create', answers)],
                                }))
        # created in the order they were given: the newest has the
        # highest id, as the latest-score view expects
        rows.sort(key=lambda r: (r[0], r[2].id, r[3]['template']))
        responses = Response.create([r[3] for r in rows])
        for (start, appointment, client, _), response in zip(
                rows, responses):
            # entered by the clinician in session, or by the client in the
            # portal before it (the demo's other clinicians have no login)
            user = self.user_of(appointment.clinician)
            with Transaction().set_user(user):
                self.complete(Response.browse([response.id]),
                    start + dt.timedelta(minutes=5 if user else -20),
                    portal=not user)

    def create_intake(self):
        """An intake completed in the portal by a new client, waiting for
        staff to apply it: the answers differ from the client record"""
        pool = self.pool
        Client = pool.get('therapy.client')
        Response = pool.get('therapy.form.response')
        clients = [c for c in Client.search([('status', 'in',
                        ['inquiry', 'waitlist'])], order=[('id', 'ASC')])
            if not c.minor]
        if not clients:
            return
        client = clients[0]
        template = self.templates()['intake']
        city = client.party.addresses[0].city if client.party.addresses \
            else "Brooklyn"
        answers = {
            'pronouns': client.pronouns or 'she/her',
            'street': "48 Clinton Avenue, Apt 3B",
            'city': city,
            'postal_code': client.party.addresses[0].postal_code
            if client.party.addresses else '11205',
            'phone': '(347) 555-0199',
            'email': client.party.email or 'new.client@example.com',
            'emergency_name': "Jordan Reyes",
            'emergency_phone': '(718) 555-0188',
            'emergency_relationship': "Partner",
            'insurance_payer': "Aetna",
            'member_id': "W123456789",
            'group_number': "0880123",
            'subscriber': client.party.name,
            'reason': (
                "I have been feeling anxious most days since I changed "
                "jobs in the spring. I can't switch off at night and I have "
                "started avoiding team meetings. I would like tools to "
                "manage the worry."),
            'duration': 'months',
            'previous_therapy': 'yes',
            'medications': "none",
            'distress': '6',
            'referral_source': 'search',
            }
        response, = Response.create([{
                    'company': self.company.id,
                    'template': template.id,
                    'client': client.id,
                    'answers': [('create', [{
                                    'question': q.id,
                                    'value': answers.get(q.code),
                                    } for q in template.questions])],
                    }])
        self.complete([response], self.now - dt.timedelta(days=2, hours=3),
            ip_address=INTAKE_IP, user_agent=INTAKE_AGENT, portal=True)

    def create_consents(self):
        """The notice of privacy practices, financial policy and, for
        telehealth clients, the telehealth consent: signed in the portal
        before the first session or on the office tablet"""
        pool = self.pool
        Response = pool.get('therapy.form.response')
        templates = self.templates()
        front_desk = self.users.get(FRONT_DESK)
        clients = list(self.measure_clients)
        clients += [c for c in sorted(self.diagnoses, key=lambda c: c.id)
            if c.minor and c not in clients][:2]
        answers = {'acknowledge': 'yes', 'emergency_contact_ok': 'yes',
            'consent': 'yes', 'agree': 'yes'}
        for index, client in enumerate(clients):
            first = self.sessions_of(client)[0]
            telehealth = any(a.modality == 'telehealth'
                for a in self.sessions_of(client))
            codes = ['hipaa_npp', 'financial_policy']
            if telehealth or index == 0:
                codes.append('telehealth_consent')
            guardian = client.guardians[0].party if client.guardians else None
            state = first.location.address.subdivision
            portal = index % 2 == 0
            vlist = []
            for code in codes:
                template = templates[code]
                vlist.append({
                        'company': self.company.id,
                        'template': template.id,
                        'client': client.id,
                        'signer_name': (guardian or client.party).name,
                        'signer_role': 'guardian' if guardian else 'client',
                        'answers': [('create', [{
                                        'question': q.id,
                                        'value': (state.code[3:] if state
                                            else 'NY')
                                        if q.code == 'location_state'
                                        else answers.get(q.code),
                                        } for q in template.questions])],
                        })
            responses = Response.create(vlist)
            if portal:
                self.complete(responses, first.start - dt.timedelta(
                        days=3, hours=5), ip_address=INTAKE_IP,
                    user_agent=INTAKE_AGENT, portal=True)
            else:
                with Transaction().set_user(
                        front_desk.id if front_desk else 0):
                    self.complete(Response.browse([r.id for r in responses]),
                        first.start - dt.timedelta(minutes=10))

    def create_psychotherapy_notes(self):
        "Process notes the supervisee keeps apart from the record"
        pool = self.pool
        PsychotherapyNote = pool.get('therapy.psychotherapy.note')
        user = self.users.get(SUPERVISEE)
        if not user or not user.employee:
            return
        sessions = [(a, c) for a, c in self.sessions
            if a.clinician == user.employee
            and self.debts.get((a, c)) is None][-12::5]
        contents = [
            "Noticed my own urge to reassure when the client talked about "
            "failing; explore the fear of disappointing others next time. "
            "Bring to supervision.",
            "Client's story about the move echoes the early losses from the "
            "intake. Hypothesis: withdrawal protects against being left. "
            "Go slowly.",
            "Strong countertransference today (frustration at the missed "
            "homework). Discuss with Avery.",
            ]
        with Transaction().set_user(user.id):
            PsychotherapyNote.create([{
                        'company': self.company.id,
                        'client': client.id,
                        'appointment': appointment.id,
                        'date': appointment.local_date,
                        'content': content,
                        } for (appointment, client), content
                    in zip(sessions, contents)])
