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

What the clinician login (Morgan Patel, a supervisee) finds: a session
today whose note is still to write (the demo books one when the schedule
has none yet today), overdue notes (some not started, two unsigned drafts
listing the client's diagnoses), a note the supervisor returned with
comments, signed notes waiting for the supervisor's co-signature, the rest
co-signed, and a client with a risk flag. The supervisor login (Avery
Brooks, also a clinician) finds those notes awaiting their co-signature.
"""
import contextlib
import datetime as dt
import random
from collections import defaultdict, namedtuple

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
MISSING, DRAFTS, AWAITING_COSIGN, SUPERVISOR_MISSING = 3, 2, 6, 1
# of those awaiting co-signature, the latest goes back with comments
RETURN_COMMENTS = (
    "Please add the client's own words on the week's stressors to the "
    "Subjective section, and tie the Assessment to the treatment plan's "
    "objective (activity log). Then sign again.")
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
    'mental_health_child': {
        'Subjective': [
            "Parent reports fewer arguments at bedtime since starting the "
            "routine chart.",
            "Child said school was \"better this week\" and named a new "
            "friend in class.",
            "Parent reports two meltdowns after school, both shorter than "
            "before.",
            "Child reported feeling worried before a spelling test and used "
            "the \"balloon breathing\" at home.",
            "Parent reports the teacher noticed more time on task in the "
            "mornings.",
            ],
        'Objective': [
            "Child engaged readily in play; able to name three feelings "
            "with the feelings chart.",
            "Fidgety early in the session, settled with movement breaks; "
            "followed turn-taking rules in a board game.",
            "Separated from the parent easily; affect bright, eye contact "
            "appropriate for age.",
            "Parent joined the last 15 minutes to practice praise and "
            "planned ignoring.",
            ],
        'Assessment': [
            "Child is learning to identify and name emotions; emotional "
            "regulation is improving with adult support.",
            "Parent is applying behavior strategies consistently; "
            "problem behaviors at home are decreasing.",
            "Worry remains tied to school performance; coping skills are "
            "emerging with prompts.",
            ],
        'Plan': [
            "Continue weekly sessions; practice the coping card at home "
            "each evening.",
            "Parent to continue the reward chart and log meltdowns; review "
            "next session.",
            "With the parent's consent, coordinate with the school "
            "counselor about classroom supports.",
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
            "Client reports writing is easier to read and less tiring.",
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
    ('worse', (8, 16), (7, 13), True),
    ('steady', (16, 13), (12, 10), True),
    ]
# the clinicians (as named in demo.CLINICIANS) of the clients above
MEASURE_CLINICIANS = ["Morgan Patel", "Morgan Patel", "Avery Brooks",
    "Dr. Chidi Okafor", "Morgan Patel", "Avery Brooks"]
MEASURE_EVERY = 4  # attended sessions, as the PHQ-9/GAD-7 templates say
PLAN_CLIENTS = 4   # of the measure clients, plus one speech client
RISK_NOTE = {
    'suicidal_ideation': 'passive',
    'risk_level': 'moderate',
    'safety_plan': True,
    'risk_notes': (
        "Passive thoughts of being better off dead endorsed on PHQ-9 item 9 "
        "(several days). Denies plan, intent or preparatory behavior; no "
        "access to firearms. Protective factors: children, faith, engaged in "
        "treatment. Safety plan reviewed and updated; 988 and the practice's "
        "after-hours line provided."),
    }

# goal, [(objective, measured by, baseline, [(intervention, frequency)])]
PLAN_GOALS = {
    'mental_health': [
        ("Reduce depressive symptoms and return to usual work and social "
            "activities.", [
            ("Schedule and complete at least three pleasant or valued "
                "activities per week.",
                "Activity log: 3+ activities weekly for 4 weeks",
                "1 activity per week",
                [("Cognitive behavioral therapy (CBT)", "weekly"),
                    ("Psychoeducation", "as needed")]),
            ("PHQ-9 below 10 on two consecutive administrations.",
                "PHQ-9 every 4 sessions", "PHQ-9 at intake",
                [("Cognitive behavioral therapy (CBT)", "weekly")]),
            ]),
        ("Manage worry so it no longer disrupts sleep and work.", [
            ("Use a relaxation or grounding skill when anxiety rises above "
                "6/10.", "Anxiety log: skill used in 4 of 5 episodes",
                "Not using skills",
                [("Mindfulness / relaxation training", "weekly")]),
            ("GAD-7 below 10.", "GAD-7 every 4 sessions", "GAD-7 at intake",
                [("Cognitive behavioral therapy (CBT)", "weekly")]),
            ]),
        ],
    'speech': [
        ("Improve speech intelligibility so the child is understood by "
            "familiar and unfamiliar listeners.", [
            ("Produce /s/ and /z/ in initial and final word positions.",
                "80% accuracy across 3 consecutive sessions", "35% accuracy",
                [("Articulation drills", "each session")]),
            ("Use final consonants in CVC words in structured play.",
                "16 of 20 opportunities", "6 of 20",
                [("Articulation drills", "each session"),
                    ("Parent training / coaching", "monthly")]),
            ]),
        ("Expand expressive language for daily routines.", [
            ("Use 3-word phrases to request and comment during play.",
                "10 spontaneous phrases per session",
                "2-word phrases, prompted",
                [("Language modeling and expansion", "each session")]),
            ]),
        ],
    }

# a new client's intake answers (pronouns, city, ZIP, email and subscriber
# come from the client): a new address, phone, emergency contact, insurance
INTAKE_ANSWERS = {
    'street': "48 Clinton Avenue, Apt 3B",
    'phone': '(347) 555-0199',
    'emergency_name': "Jordan Reyes",
    'emergency_phone': '(718) 555-0188',
    'emergency_relationship': "Partner",
    'insurance_payer': "Aetna",
    'member_id': "W123456789",
    'group_number': "0880123",
    'reason': (
        "I have been feeling anxious most days since I changed jobs in the "
        "spring. I can't switch off at night and I have started avoiding "
        "team meetings. I would like tools to manage the worry."),
    'duration': 'months',
    'previous_therapy': 'yes',
    'medications': "none",
    'distress': '6',
    'referral_source': 'search',
    }
CONSENT_ANSWERS = {'acknowledge': 'yes', 'emergency_contact_ok': 'yes',
    'consent': 'yes', 'agree': 'yes'}
# documentation addresses (RFC 5737) and a phone's browser
PORTAL_IP = '203.0.113.24'
PORTAL_AGENT = ('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) '
    'AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 '
    'Safari/604.1')
PROCESS_NOTES = [
    "Noticed my own urge to reassure when the client talked about failing; "
    "explore the fear of disappointing others next time. Bring to "
    "supervision.",
    "The story about the move echoes the early losses from the intake. "
    "Hypothesis: withdrawal protects against being left. Go slowly.",
    "Strong countertransference today (frustration at the missed "
    "homework). Discuss in supervision.",
    ]


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
    """Sign (notes, co-signatures and returns, addenda, plans) as if it
    were `when`: the addon stamps signatures with the module-level now() of
    note.py (supervision and addenda call it there) and plan.py"""
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


# one attended client of a completed appointment, read once (record
# instances over thousands of rows would reload their neighbours endlessly)
Session = namedtuple('Session', ['appointment', 'client', 'clinician',
        'service', 'start', 'end', 'date', 'modality', 'location'])
Person = namedtuple('Person', ['id', 'name', 'minor', 'clinician',
        'discipline', 'guardian'])


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
        self.book_session_today()
        self.sessions = self.attended_sessions()
        self.clients = self.read_clients()
        self.measure_clients = self.pick_measure_clients()
        self.diagnoses = self.create_diagnoses()
        self.debts = self.pick_debts()
        self.debts.update(self.sessions_today())
        self.measures = self.plan_measures()
        self.create_notes()
        self.create_plans()
        self.create_measures()
        self.create_intake()
        self.create_consents()
        self.create_psychotherapy_notes()

    # --- people --------------------------------------------------------------
    def find_users(self):
        pool = self.pool
        User = pool.get('res.user')
        Employee = pool.get('company.employee')
        self.users = {u.login: u for u in User.search([
                    ('login', 'in', [SUPERVISEE, SUPERVISOR, FRONT_DESK]),
                    ])}
        # who signs a clinician's notes: their login, else root (the demo's
        # other clinicians have no login)
        self.signer = defaultdict(int)
        for user in self.users.values():
            if user.employee:
                self.signer[user.employee.id] = user.id
        self.clinicians = {e.id: e for e in Employee.search([
                    ('discipline', '!=', None)])}

    def user_id(self, login):
        user = self.users.get(login)
        return user.id if user else 0

    def employee_id(self, login):
        user = self.users.get(login)
        return user.employee.id if user and user.employee else None

    def grant_director(self):
        pool = self.pool
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        user = self.users.get(SUPERVISOR)
        if user:
            User.write([user], {'groups': [
                        ('add', [ModelData.get_id(*DIRECTOR_GROUP)])]})

    # --- sessions ------------------------------------------------------------
    def book_session_today(self):
        """A session of the supervisee's that took place today in its
        location's day, for the clinician's home: the schedule's own when
        there is one, else one booked now (on weekends and holidays too)
        with a regular client, ending before now where the day allows"""
        from therapy_scheduling.appointment import local_time, to_utc
        Appointment = self.pool.get('therapy.appointment')
        employee = self.employee_id(SUPERVISEE)
        if not employee or Appointment.search([
                    ('clinician', '=', employee),
                    ('local_today', '=', True),
                    ('state', 'in', ['arrived', 'completed']),
                    ], limit=1):
            return
        booked = {a.client for a in Appointment.search([
                    ('clinician', '=', employee),
                    ('local_today', '=', True),
                    ])}
        regulars = [a for a in Appointment.search([
                    ('clinician', '=', employee),
                    ('state', '=', 'completed'),
                    ('client', '!=', None),
                    ('start', '<', self.now - dt.timedelta(days=1)),
                    ], order=[('start', 'DESC')], limit=50)
            if a.client not in booked]
        if not regulars:
            return
        last = regulars[0]
        timezone = last.location.timezone
        local_now = local_time(self.now, timezone).replace(tzinfo=None)
        start = max(local_now - dt.timedelta(minutes=60),
            local_now.replace(hour=0, minute=0, second=0, microsecond=0))
        start = to_utc(start.replace(minute=start.minute // 5 * 5, second=0,
                microsecond=0), timezone)
        end = start + (last.end - last.start)
        # as root: a demo session outside the clinician's weekly hours
        # needs no override
        with Transaction().set_user(0):
            Appointment.create([{
                        'company': self.company.id,
                        'client': last.client.id,
                        'clinician': employee,
                        'location': last.location.id,
                        'service': last.service.id,
                        'modality': last.modality,
                        'place_of_service': last.place_of_service,
                        'start': start,
                        'end': end,
                        'state': 'completed' if end <= self.now else 'arrived',
                        }])

    def attended_sessions(self):
        "[Session] of the attended clients, oldest first"
        pool = self.pool
        Attendee = pool.get('therapy.appointment.attendee')
        Appointment = pool.get('therapy.appointment')
        attendees = Attendee.search_read([
                ('attendance', '=', 'attended'),
                ('appointment.state', '=', 'completed'),
                ], order=[('start', 'ASC'), ('id', 'ASC')],
            fields_names=['appointment', 'client', 'start', 'end'])
        appointments = {a['id']: a for a in Appointment.read(
                list({a['appointment'] for a in attendees}),
                ['clinician', 'service', 'modality', 'location',
                    'local_date'])}
        sessions = []
        for attendee in attendees:
            appointment = appointments[attendee['appointment']]
            sessions.append(Session(appointment['id'], attendee['client'],
                    appointment['clinician'], appointment['service'],
                    attendee['start'], attendee['end'],
                    appointment['local_date'], appointment['modality'],
                    appointment['location']))
        self.by_client = defaultdict(list)
        for session in sessions:
            self.by_client[session.client].append(session)
        return sessions

    def read_clients(self):
        "{client id: Person} of the clients seen"
        Client = self.pool.get('therapy.client')
        clients = {}
        for client in Client.browse(sorted(self.by_client)):
            guardian = client.guardians[0].party if client.guardians else None
            clinician = client.primary_clinician
            clients[client.id] = Person(client.id, client.party.name,
                client.minor, clinician.id, clinician.discipline,
                guardian.name if guardian else None)
        return clients

    def pick_measure_clients(self):
        "Adult mental health clients seen weekly, one per course"
        by_clinician = defaultdict(list)
        for client in self.clients.values():
            if (client.discipline == 'mental_health' and not client.minor
                    and len(self.by_client[client.id]) >= 16):
                name = self.clinicians[client.clinician].party.name
                by_clinician[name].append(client.id)
        chosen = []
        for name in MEASURE_CLINICIANS:
            candidates = [c for c in by_clinician[name] if c not in chosen]
            if candidates:
                chosen.append(max(candidates,
                        key=lambda c: (len(self.by_client[c]), -c)))
        return chosen

    # --- diagnoses -----------------------------------------------------------
    def create_diagnoses(self):
        "A problem list for every client seen: {client id: [diagnosis]}"
        pool = self.pool
        Code = pool.get('therapy.icd10')
        Diagnosis = pool.get('therapy.client.diagnosis')
        codes = {c.code: c.id for c in Code.search([
                    ('code', 'in', sorted({c for v in DIAGNOSES.values()
                                for c in v} | set(COMORBID.values()))),
                    ])}
        vlist = []
        for client in self.clients.values():
            if client.id in self.measure_clients:
                # depression with anxiety: both measures apply
                primary = self.random.choice(['F32.1', 'F33.1', 'F41.1'])
                secondary = 'F41.1' if primary != 'F41.1' else 'F32.1'
            else:
                age = 'child' if client.minor else 'adult'
                primary = self.random.choice(
                    DIAGNOSES[client.discipline, age])
                secondary = COMORBID.get(primary) if (
                    self.random.random() < 0.3) else None
            for rank, code in enumerate(filter(None, [primary, secondary])):
                vlist.append({
                        'client': client.id,
                        'code': codes[code],
                        'rank': rank + 1,
                        'onset_date': self.by_client[client.id][0].date,
                        'diagnosed_by': client.clinician,
                        })
        result = defaultdict(list)
        for values in batches(vlist):
            for diagnosis, row in zip(Diagnosis.create(values), values):
                result[row['client']].append(
                    (diagnosis.id, diagnosis.code.code))
        return result

    # --- notes ---------------------------------------------------------------
    def pick_debts(self):
        """{(appointment, client): 'missing' | 'draft'}: the supervisee's
        latest overdue sessions, and one of the supervisor's"""
        Configuration = self.pool.get('therapy.configuration')
        overdue = self.now - dt.timedelta(
            hours=(Configuration(1).note_due_hours or 0) + 1)
        debts = {}
        for login, kinds in [
                (SUPERVISEE, ['draft'] * DRAFTS + ['missing'] * MISSING),
                (SUPERVISOR, ['missing'] * SUPERVISOR_MISSING)]:
            employee = self.employee_id(login)
            recent = [(s.appointment, s.client)
                for s in reversed(self.sessions)
                if s.clinician == employee
                and self.now - DEBT_WITHIN < s.end < overdue
                and s.client not in self.measure_clients]
            debts.update(zip(recent, kinds))
        return debts

    def sessions_today(self):
        """{(appointment, client): 'missing'}: the supervisee writes today's
        notes tonight"""
        Appointment = self.pool.get('therapy.appointment')
        today = {a.id for a in Appointment.search([
                    ('clinician', '=', self.employee_id(SUPERVISEE)),
                    ('local_today', '=', True),
                    ])}
        return {(s.appointment, s.client): 'missing' for s in self.sessions
            if s.appointment in today}

    def plan_measures(self):
        """{client: [Session]}: a PHQ-9 and a GAD-7 at the first session,
        then every MEASURE_EVERY attended sessions"""
        return {client: self.by_client[client][::MEASURE_EVERY]
            for client in self.measure_clients}

    def course(self, client):
        if client in self.measure_clients:
            return MEASURE_COURSES[self.measure_clients.index(client)]

    def scores(self, client):
        "[(Session, phq9, gad7, risk)] over the client's measures"
        _, phq, gad, risk = self.course(client)
        sessions = self.measures[client]
        rng = random.Random(f'{SEED}-{client}')
        result = []
        last = len(sessions) - 1
        for index, session in enumerate(sessions):
            share = index / last if last else 1
            values = []
            for (first, latest), top in [(phq, 27), (gad, 21)]:
                value = first + (latest - first) * share
                if 0 < index < last:
                    value += rng.choice([-1, 0, 0, 1])
                values.append(max(0, min(top, round(value))))
            result.append((session, *values, risk and index == last))
        return result

    def note_text(self, session, trend, measured):
        discipline = self.clinicians[session.clinician].discipline
        if discipline == 'mental_health' and self.clients[
                session.client].minor:
            discipline = 'mental_health_child'
        text = TEXT[discipline]
        rng = self.random

        def pick(sentences, count):
            if isinstance(sentences, dict):
                sentences = sentences[trend]
            return ' '.join(rng.sample(sentences, min(count, len(sentences))))
        objective = pick(text['Objective'], 1 + (rng.random() < 0.4))
        if session.modality == 'telehealth':
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

    def interventions_for(self, session):
        key = discipline = self.clinicians[session.clinician].discipline
        if discipline == 'mental_health':
            if self.clients[session.client].minor:
                key = 'mental_health_child'
            elif self.diagnoses[session.client][0][1].startswith('F43.1'):
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
        headings = [(s.sequence, s.name) for s in template.sections]
        interventions = {i.name: i.id for i in Intervention.search([])}
        measured = {(s.appointment, c): (phq, gad, risk)
            for c in self.measure_clients
            for s, phq, gad, risk in self.scores(c)}
        latest_measure = {c: self.measures[c][-1].appointment
            for c in self.measure_clients}

        sessions = [s for s in self.sessions
            if self.debts.get((s.appointment, s.client)) != 'missing'
            and s.end <= self.now - WRITING]
        vlist, texts, chosen = [], [], []
        for session in sessions:
            client = session.client
            course = self.course(client)
            trend = course[0] if course else self.random.choice(
                ['improving', 'improving', 'steady'])
            measure = measured.get((session.appointment, client))
            values = {
                'company': self.company.id,
                'appointment': session.appointment,
                'client': client,
                'clinician': session.clinician,
                'service': session.service,
                'date': session.date,
                'start': session.start,
                'end': session.end,
                }
            values.update(NO_RISK)
            if measure and measure[2]:
                values.update(RISK_NOTE)
            elif (course and course[0] == 'worse'
                    and session.appointment == latest_measure[client]):
                values['risk_level'] = 'moderate'
            vlist.append(values)
            texts.append(self.note_text(session, trend,
                    measure[:2] if measure else None))
            chosen.append(self.interventions_for(session))

        note_ids = []
        for values in batches(vlist):
            note_ids.extend(n.id for n in Note.create(values))
        sections, links, addressed = [], [], []
        for note, session, text, names in zip(
                note_ids, sessions, texts, chosen):
            sections.extend({
                    'note': note,
                    'sequence': sequence,
                    'name': name,
                    'content': text.get(name) or text['Plan'],
                    } for sequence, name in headings)
            links.extend({'note': note, 'intervention': interventions[n]}
                for n in names)
            diagnoses = self.diagnoses[session.client]
            addressed.append({'note': note, 'diagnosis': diagnoses[0][0]})
            if len(diagnoses) > 1 and self.random.random() < 0.4:
                addressed.append({'note': note, 'diagnosis': diagnoses[1][0]})
        for model, rows in [(Section, sections),
                (NoteIntervention, links), (NoteDiagnosis, addressed)]:
            for values in batches(rows, BATCH * 4):
                model.create(values)
        for ids in batches(note_ids, BATCH * 4):
            Note.write(Note.browse(ids), {'template': template.id})

        self.sign_notes([(note, session)
                for note, session in zip(note_ids, sessions)
                if self.debts.get((session.appointment, session.client))
                != 'draft'])
        self.return_note()
        self.add_addendum()

    def sign_notes(self, notes):
        """Each clinician signs a day's notes together, mostly that evening,
        sometimes the next morning, now and then days late; the supervisor
        co-signs a day or two later. notes: [(note id, Session)]"""
        Note = self.pool.get('therapy.note')
        by_day = defaultdict(list)
        for note, session in notes:
            by_day[session.clinician, session.date].append((note, session))
        cosign = []
        for (clinician, _), day in sorted(by_day.items(),
                key=lambda i: (i[0][1], i[0][0])):
            draw = self.random.random()
            delay = dt.timedelta(minutes=(
                    self.random.randint(20, 180) if draw < 0.75
                    else self.random.randint(12 * 60, 20 * 60) if draw < 0.93
                    else self.random.randint(30 * 60, 70 * 60)))
            when = min(max(s.end for _, s in day) + delay, self.now)
            with Transaction().set_user(self.signer[clinician]), \
                    signed_at(when):
                Note.sign(Note.browse([n for n, _ in day]))
            if self.clinicians[clinician].cosign_required:
                cosign.append((when, day))
        # the latest ones wait for the supervisor
        waiting = AWAITING_COSIGN
        for when, day in reversed(cosign):
            day = sorted(day, key=lambda i: i[1].end)
            if waiting:
                keep = min(waiting, len(day))
                day, waiting = day[:-keep], waiting - keep
            if not day:
                continue
            when = min(when + dt.timedelta(
                    hours=self.random.randint(14, 60)), self.now)
            with Transaction().set_user(self.user_id(SUPERVISOR)), \
                    signed_at(when):
                Note.cosign(Note.browse([n for n, _ in day]))

    def return_note(self):
        "The supervisor sends the latest note awaiting them back"
        Note = self.pool.get('therapy.note')
        notes = Note.search([
                ('clinician', '=', self.employee_id(SUPERVISEE)),
                ('state', '=', 'signed'),
                ('cosign_required', '=', True),
                ], order=[('date', 'DESC'), ('id', 'DESC')], limit=1)
        if not notes:
            return
        note, = notes
        when = min(note.signed_at + dt.timedelta(hours=16), self.now)
        with Transaction().set_user(self.user_id(SUPERVISOR)), \
                signed_at(when):
            Note.send_back([note], RETURN_COMMENTS)

    def add_addendum(self):
        "A late entry on one of the supervisor's signed notes"
        pool = self.pool
        Note = pool.get('therapy.note')
        Addendum = pool.get('therapy.note.addendum')
        employee = self.employee_id(SUPERVISOR)
        notes = Note.search([
                ('clinician', '=', employee),
                ('state', '=', 'signed'),
                ('date', '<', self.today - dt.timedelta(days=14)),
                ], limit=1)
        if not employee or not notes:
            return
        note, = notes
        with Transaction().set_user(self.user_id(SUPERVISOR)), \
                signed_at(note.signed_at + dt.timedelta(days=1, hours=2)):
            addendum, = Addendum.create([{
                        'note': note.id,
                        'content': (
                            "Late entry: after the session the client "
                            "called to report that their primary care "
                            "physician started sertraline 50 mg daily. "
                            "Will monitor for side effects and changes in "
                            "mood."),
                        }])
            Addendum.sign([addendum])

    # --- treatment plans -----------------------------------------------------
    def create_plans(self):
        """An active signed plan for four measure clients, a speech client
        and the supervisee's regulars; one overdue for review, one with the
        version it replaced"""
        speech = next((c for c in self.clients.values()
                if c.discipline == 'speech'
                and len(self.by_client[c.id]) >= 10), None)
        # days ago the plan started, version replaced (days ago), client signs
        settings = [(60, None, True), (75, 170, True), (125, None, False),
            (40, None, True)]
        for client, (days, previous_days, client_signs) in zip(
                self.measure_clients[:PLAN_CLIENTS], settings):
            previous = None
            if previous_days:
                previous = self.create_plan(client, previous_days, True)
            self.create_plan(client, days, client_signs, previous=previous)
        if speech:
            self.create_plan(speech.id, 50, True)
        # the supervisee's other regulars too: their plan's goals stand
        # beside the notes the clinician writes
        planned = set(self.measure_clients[:PLAN_CLIENTS]) | (
            {speech.id} if speech else set())
        employee = self.employee_id(SUPERVISEE)
        for client in self.clients.values():
            if (client.clinician == employee and client.id not in planned
                    and len(self.by_client[client.id]) >= 4):
                self.create_plan(client.id, 30 + client.id % 40, True)

    def plan_goals(self, client, start):
        "Goals -> objectives -> interventions, by the primary diagnosis"
        Intervention = self.pool.get('therapy.intervention')
        interventions = {i.name: i.id for i in Intervention.search([])}
        code = self.diagnoses[client][0][1]
        goals = PLAN_GOALS['speech' if code.startswith('F80')
            else 'mental_health']
        # the baseline of a measured objective is the first score
        first = self.scores(client)[0] if client in self.measures else None
        baselines = {
            'PHQ-9 at intake': f'PHQ-9 {first[1]}' if first else None,
            'GAD-7 at intake': f'GAD-7 {first[2]}' if first else None,
            }
        target = start + dt.timedelta(days=90)
        goal_values = []
        for g_index, (goal, objectives) in enumerate(goals):
            objective_values = []
            for o_index, (description, measure, baseline, items) in (
                    enumerate(objectives)):
                objective_values.append({
                        'sequence': o_index,
                        'description': description,
                        'measure': measure,
                        'baseline': baselines.get(baseline) or baseline,
                        'target_date': target,
                        'status': 'in_progress',
                        'interventions': [('create', [{
                                        'sequence': i_index,
                                        'intervention': interventions[name],
                                        'frequency': frequency,
                                        } for i_index, (name, frequency)
                                    in enumerate(items)])],
                        })
            goal_values.append({
                    'sequence': g_index,
                    'description': goal,
                    'objectives': [('create', objective_values)],
                    })
        return [('create', goal_values)]

    def create_plan(self, client, days_ago, client_signs, previous=None):
        "The plan written at the session nearest days_ago, signed in it"
        Plan = self.pool.get('therapy.treatment.plan')
        person = self.clients[client]
        target = self.today - dt.timedelta(days=days_ago)
        session = min(self.by_client[client],
            key=lambda s: abs(s.date - target))
        with Transaction().set_user(self.signer[person.clinician]):
            plan, = Plan.create([{
                        'company': self.company.id,
                        'client': client,
                        'clinician': person.clinician,
                        'diagnoses': [('add',
                                [d for d, _ in self.diagnoses[client]])],
                        'start_date': session.date,
                        'review_due': session.date + dt.timedelta(days=90),
                        'previous': previous.id if previous else None,
                        'goals': self.plan_goals(client, session.date),
                        }])
            # reviewed with the client and signed at the end of the session
            with signed_at(session.end - dt.timedelta(minutes=10)):
                Plan.sign([plan])
        if client_signs:
            Plan.write([plan], {
                    'client_signer_name': person.guardian or person.name,
                    'client_signer_role':
                        'guardian' if person.guardian else 'client',
                    })
            with signed_at(session.end - dt.timedelta(minutes=5)):
                Plan.client_sign([plan])
        return plan

    # --- forms ---------------------------------------------------------------
    def templates(self):
        Template = self.pool.get('therapy.form.template')
        return {t.code: t for t in Template.search([('code', '!=', None)])}

    def complete(self, response_ids, when, **kwargs):
        "Complete the responses as if at `when` (UTC)"
        Response = self.pool.get('therapy.form.response')
        Response.do_complete(
            Response.browse(response_ids), when=when, **kwargs)

    @staticmethod
    def item_values(total, items, rng, fixed=None):
        "Answers 0-3 to items that add up to total"
        fixed = fixed or {}
        values = [fixed.get(i, 0) for i in range(items)]
        free = [i for i in range(items) if i not in fixed]
        remaining = min(total - sum(values), 3 * len(free))
        while remaining > 0:
            index = rng.choice([i for i in free if values[i] < 3])
            values[index] += 1
            remaining -= 1
        return values

    def create_measures(self):
        """PHQ-9 and GAD-7 at the first session and every few sessions,
        entered by the clinician in session or by the client in the portal
        (the demo's other clinicians have no login)"""
        Response = self.pool.get('therapy.form.response')
        templates = self.templates()
        rows = []
        for client in self.measure_clients:
            rng = random.Random(f'{SEED}-answers-{client}')
            for session, phq, gad, risk in self.scores(client):
                for code, total, fixed in [
                        ('phq9', phq, {8: 1 if risk else 0}),
                        ('gad7', gad, None)]:
                    template = templates[code]
                    items = sorted((q for q in template.questions
                            if (q.code or '').startswith('item')),
                        key=lambda q: int(q.code[4:]))
                    values = self.item_values(total, len(items), rng, fixed)
                    answers = [{'question': q.id, 'value': str(v)}
                        for q, v in zip(items, values)]
                    # how difficult the problems made daily life
                    answers.extend({'question': q.id,
                            'value': str(min(3, total // 7))}
                        for q in template.questions if q not in items)
                    rows.append((session, {
                                'company': self.company.id,
                                'template': template.id,
                                'client': client,
                                'appointment': session.appointment,
                                'answers': [('create', answers)],
                                }))
        # the newest response has the highest id, as the latest-score view
        # expects: create them in the order they were given
        rows.sort(key=lambda r: (r[0].start, r[0].client,
                r[1]['template']))
        responses = Response.create([values for _, values in rows])
        for (session, _), response in zip(rows, responses):
            user = self.signer[session.clinician]
            with Transaction().set_user(user):
                self.complete([response.id], session.start
                    + dt.timedelta(minutes=5 if user else -20),
                    portal=not user)

    def create_intake(self):
        """An intake completed in the portal by a new client, waiting for
        staff to apply it: the answers differ from the client record"""
        pool = self.pool
        Client = pool.get('therapy.client')
        Response = pool.get('therapy.form.response')
        clients = [c for c in Client.search([
                    ('status', 'in', ['inquiry', 'waitlist'])],
                order=[('id', 'ASC')]) if not c.minor]
        if not clients:
            return
        client = clients[0]
        address = client.party.addresses[0] if client.party.addresses \
            else None
        template = self.templates()['intake']
        answers = dict(INTAKE_ANSWERS,
            pronouns=client.pronouns or 'she/her',
            city=address.city if address else "Brooklyn",
            postal_code=address.postal_code if address else '11201',
            email=client.party.email or 'new.client@example.com',
            subscriber=client.party.name)
        response, = Response.create([{
                    'company': self.company.id,
                    'template': template.id,
                    'client': client.id,
                    'answers': [('create', [{
                                    'question': q.id,
                                    'value': answers.get(q.code),
                                    } for q in template.questions])],
                    }])
        self.complete([response.id], self.now - dt.timedelta(days=2, hours=3),
            ip_address=PORTAL_IP, user_agent=PORTAL_AGENT, portal=True)

    def create_consents(self):
        """The privacy notice, the financial policy and, for telehealth
        clients, the telehealth consent: signed in the portal before the
        first session or on the front desk's tablet"""
        pool = self.pool
        Response = pool.get('therapy.form.response')
        Location = pool.get('therapy.location')
        templates = self.templates()
        states = {l.id: l.address.subdivision.code.split('-')[-1]
            if l.address and l.address.subdivision else None
            for l in Location.search([])}
        clients = list(self.measure_clients) + [c.id
            for c in self.clients.values()
            if c.minor and c.id not in self.measure_clients][:2]
        for index, client in enumerate(clients):
            person = self.clients[client]
            first = self.by_client[client][0]
            codes = ['hipaa_npp', 'financial_policy']
            if index == 0 or any(s.modality == 'telehealth'
                    for s in self.by_client[client]):
                codes.append('telehealth_consent')
            answers = dict(CONSENT_ANSWERS,
                location_state=states[first.location] or 'NY')
            vlist = []
            for code in codes:
                template = templates[code]
                vlist.append({
                        'company': self.company.id,
                        'template': template.id,
                        'client': client,
                        'signer_name': person.guardian or person.name,
                        'signer_role':
                            'guardian' if person.guardian else 'client',
                        'answers': [('create', [{
                                        'question': q.id,
                                        'value': answers.get(q.code),
                                        } for q in template.questions])],
                        })
            ids = [r.id for r in Response.create(vlist)]
            if index % 2 == 0:
                self.complete(ids, first.start - dt.timedelta(
                        days=3, hours=5), ip_address=PORTAL_IP,
                    user_agent=PORTAL_AGENT, portal=True)
            else:
                with Transaction().set_user(self.user_id(FRONT_DESK)):
                    self.complete(ids, first.start - dt.timedelta(minutes=10))

    def create_psychotherapy_notes(self):
        "Process notes the supervisee keeps apart from the record"
        PsychotherapyNote = self.pool.get('therapy.psychotherapy.note')
        employee = self.employee_id(SUPERVISEE)
        if not employee:
            return
        sessions = [s for s in self.sessions if s.clinician == employee
            and (s.appointment, s.client) not in self.debts][-12::5]
        with Transaction().set_user(self.user_id(SUPERVISEE)):
            PsychotherapyNote.create([{
                        'company': self.company.id,
                        'client': session.client,
                        'appointment': session.appointment,
                        'date': session.date,
                        'content': content,
                        } for session, content
                    in zip(sessions, PROCESS_NOTES)])
