"""The demo practice's clinical record: diagnoses, signed notes, treatment
plans, outcome measures, an intake form and consents.

Runs inside the server in one Tryton transaction, like schedule.py,
once the schedule exists. Records are created in bulk, then go through the
addon's own workflow (Note.sign, Note.cosign, TreatmentPlan.sign,
FormResponse.do_complete), so signer, time and SHA-256 are what the
application itself would store.

The demo needs a history, so signatures are dated when the clinician would
have signed (after the session), not when the demo is built: the addon
stamps them with its clock (therapy_scheduling/clock.py), which
signed_at() below sets for the duration of one signing. Forms are completed
with do_complete's own `when`.

What the clinician login (Morgan Patel, a supervisee) finds: a session
today whose note is still to write (the demo books one when the schedule
has none yet today), overdue notes (some not started, two unsigned drafts
listing the client's diagnoses), a note the supervisor returned with
comments, signed notes waiting for the supervisor's co-signature, the rest
co-signed, and a client with a risk flag. The supervisor login (Avery
Brooks, also a clinician) finds those notes awaiting their co-signature.
"""
import datetime as dt
import random
from collections import defaultdict, namedtuple

from trytond.pool import Pool
from trytond.transaction import Transaction

from .clinical_forms import ClinicalForms
from .clinical_text import (
    COMORBID, DIAGNOSES, FRONT_DESK, INTERVENTIONS, MEASURE_CLINICIANS,
    MEASURE_COURSES, MEASURE_EVERY, PROCESS_NOTES, RISK_NOTE, SEED,
    SUPERVISEE, SUPERVISOR, TELEHEALTH, TEXT)

# SQLite caps the depth of one query: create in batches
BATCH = 100
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


def signed_at(when):
    """Sign (notes, co-signatures and returns, addenda, plans) as if it
    were `when`: the addon stamps signatures with therapy_scheduling's
    clock, which a server-side context may set (never an RPC call)"""
    from therapy_scheduling import clock
    return clock.as_of(when)


def batches(values, size=BATCH):
    for index in range(0, len(values), size):
        yield values[index:index + size]


# one attended client of a completed appointment, read once (record
# instances over thousands of rows would reload their neighbours endlessly)
Session = namedtuple('Session', ['appointment', 'client', 'clinician',
        'service', 'start', 'end', 'date', 'modality', 'location'])
Person = namedtuple('Person', ['id', 'name', 'minor', 'clinician',
        'discipline', 'guardian'])


class DemoClinical(ClinicalForms):
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
        self.charge_completed()
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

    def charge_completed(self):
        """The sessions held, charged as Complete charges them, before
        their notes: a payer that wants a signed note is charged when the
        note is final; a self-pay client now, from the problem list
        (tests/test_demo_charges.py compares with the workflow)"""
        pool = self.pool
        try:
            Charge = pool.get('therapy.charge')
        except KeyError:  # billing not activated
            return
        Appointment = pool.get('therapy.appointment')
        ids = list(dict.fromkeys(s.appointment for s in self.sessions))
        for batch in batches(ids):
            Charge.create_for(Appointment.browse(batch))

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
