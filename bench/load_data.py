"""The load test's practice (bench/load.py): the demo practice scaled to a
chain of 50 clinicians at 3 locations with 5 years of history.

Built the quickest honest way:

1. `caseload init --demo` (the command, as an operator runs it): every
   module, the demo's company, ledger, payers, fees, note templates, 2
   locations, 8 clinicians, 120 clients and their six months of records;
   then two-step sign-in is required again (the demo relaxes it).
2. In the server's ORM (user 0, one transaction, a few hundred records):
   a third location with rooms, 42 more clinicians (mental health, 45-min
   psychotherapy) with their weekly availability, and the staff logins of
   the load test: front desk, clinicians, billers, each with the real
   Caseload groups (so access rights and care-team rules apply), a
   password, and a two-step sign-in (TOTP) key, as if enrolled.
3. In bulk SQL (`INSERT ... SELECT generate_series`, what the ORM would
   take hours for): 200 clients per new clinician, and for each new
   clinician 5 sessions a weekday over 5 years (completed, some cancelled,
   some no-shows) and 60 % of the next 4 weeks booked, each with its
   attendee row; a signed note and a charge for every completed session
   (charges of the last two weeks still to bill, older ones billed), the
   last week's notes unsigned drafts with their template's sections.
   Holidays are skipped. Each client has the intake packet's forms,
   completed before its first session (answers left empty). No
   `_history` rows or audit events are made for the history (the mix
   reads neither).
"""
import datetime as dt
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
from faker import Faker

SEED = 19
YEARS = 5
NEW_CLINICIANS = 42          # the demo has 8
CLIENTS_PER_CLINICIAN = 200
SESSION_HOURS = [9, 10, 11, 14, 15]    # local; 5 sessions a weekday
AHEAD_WEEKS = 4                        # booked at 60 %
BOOKABLE_WEEKS = range(6, 32)          # where the front desk books
BOOKABLE_HOURS = range(9, 17)
DRAFT_DAYS = 7                         # notes of the last week unsigned
PENDING_DAYS = 14                      # charges of the last 2 weeks to bill
NEW_LOCATION = ("Austin", 'America/Chicago', "(512) 555-0142")
# clinicians added per location (demo has 4 in Brooklyn, 4 in Denver)
PER_LOCATION = [13, 13, 16]
# staff logins the sessions use (one login per simulated session)
STAFF = {'front_desk': 15, 'clinician': 25, 'biller': 10}
GROUPS = {
    'front_desk': ['therapy_scheduling.group_front_desk'],
    'clinician': ['therapy_scheduling.group_clinician'],
    'biller': ['therapy_scheduling.group_biller', 'account.group_account'],
    }


@dataclass
class BenchUser:
    login: str
    role: str
    password: str
    totp_secret: str
    id: int = None
    employee: int = None     # a clinician's employee
    location: int = None     # a front desk's location


@dataclass
class Practice:
    "What the sessions need to know of the generated practice"
    company: int = None
    service: int = None
    duration: dt.timedelta = dt.timedelta(minutes=45)
    users: list = field(default_factory=list)
    views: dict = field(default_factory=dict)
    free_slots: list = field(default_factory=list)    # (clin, loc, start)
    clinicians: list = field(default_factory=list)  # (emp, loc, tz)
    panels: dict = field(default_factory=dict)      # employee: [clients]
    first_appointment: int = None    # the first of the generated ones
    reschedulable: list = field(default_factory=list)   # (appt, location)
    draft_notes: dict = field(default_factory=dict)     # employee: [ids]
    last_names: list = field(default_factory=list)
    saved_notes: list = field(default_factory=list)
    size: dict = field(default_factory=dict)


def log(message):
    print(f'[{time.strftime("%H:%M:%S")}] {message}', file=sys.stderr,
        flush=True)


def init_demo(config_file, name, folder, uri, conn_factory):
    """`caseload init --demo` on the bench database, then two-step sign-in
    required as in a practice's database (the demo relaxes it). The URI
    goes in the environment too: given only in -c's file, the command's
    demo step reaches trytond's backend before it reads the file and
    looks for SQLite (see bench/README.md, Load test)"""
    password_file = Path(folder, 'admin-password')
    password_file.write_text(secrets.token_urlsafe(16) + '\n')
    env = {**os.environ, 'TRYTOND_DATABASE_URI': uri}
    subprocess.run([sys.executable, '-m', 'caseload.cli', '-c',
            str(config_file), '-d', name, 'init', '--demo',
            '--password-file', str(password_file),
            '--email', 'admin@load.example'], env=env,
        stdin=subprocess.DEVNULL, stdout=sys.stderr, check=True)
    with conn_factory() as conn:
        conn.execute('UPDATE therapy_security_configuration '
            'SET mfa_relaxed_for_demo = false')


def load_trytond(config_file, name):
    "trytond in this process, on the bench database"
    from trytond import config
    config.update_etc(str(config_file))
    # no LISTEN thread for cache invalidation (clean_timeout 0 in the
    # server's config): this process writes once, before any server
    # starts, and the thread would crash loudly when the database is
    # dropped at the end
    config.set('cache', 'clean_timeout', '300')
    from trytond.pool import Pool
    Pool(name).init()


def close_trytond(name):
    if 'trytond.pool' in sys.modules:
        from trytond import backend
        opened = backend.Database._databases.get(os.getpid(), {})
        if name in opened:
            opened[name].close()


def add_chain(name, practice):
    """The third location, the 42 clinicians with availability and the
    staff logins (ORM, user 0)"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from therapy_scheduling.identifiers import npi_check_digit
    with Transaction().start(name, 0):
        company, = Pool().get('company.company').search([])
        practice.company = company.id
    context = {'company': practice.company, 'companies': [practice.company]}
    with Transaction().start(name, 0, context=context) as transaction:
        pool = Pool()
        Location = pool.get('therapy.location')
        Room = pool.get('therapy.room')
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        Availability = pool.get('therapy.availability')
        Service = pool.get('therapy.service')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Enrollment = pool.get('therapy.mfa.enrollment')
        service, = Service.search([('code', '=', '90834')])
        practice.service = service.id
        practice.duration = service.duration
        city, timezone, phone = NEW_LOCATION
        austin, = Location.create([{'name': city, 'timezone': timezone,
                    'phone': phone}])
        Room.create([{'location': austin.id, 'name': room,
                    'capacity': 8 if room == "Group Room" else 2}
                for room in ["Room 1", "Room 2", "Group Room"]])
        locations = Location.search([], order=[('id', 'ASC')])
        fake = Faker('en_US')
        fake.seed_instance(SEED)
        clinicians = []
        for location, count in zip(locations, PER_LOCATION):
            for _ in range(count):
                index = len(clinicians)
                party, = Party.create([{'name': fake.name()}])
                stem = f'19{index:03d}{SEED:02d}00'[:9]
                clinicians.append({'party': party.id,
                        'company': practice.company,
                        'discipline': 'mental_health', 'credential': 'lcsw',
                        'taxonomy_code': '1041C0700X',
                        'npi': stem + npi_check_digit(stem),
                        'start_date': dt.date.today() - dt.timedelta(
                            days=366 * YEARS + 30),
                        'therapy_locations': [('add', [location.id])]})
        employees = Employee.create(clinicians)
        Availability.create([{'company': practice.company,
                    'clinician': e.id, 'location': e.therapy_locations[0].id,
                    'weekday': str(weekday), 'start_time': dt.time(8),
                    'end_time': dt.time(18), 'kind': 'bookable'}
                for e in employees for weekday in range(5)])
        users = []
        for role, count in STAFF.items():
            for n in range(count):
                user = BenchUser(login=f'load-{role.replace("_", "")}-'
                    f'{n + 1:02d}', role=role,
                    password=secrets.token_urlsafe(12),
                    totp_secret=pyotp.random_base32())
                if role == 'clinician':
                    # spread over the locations
                    user.employee = employees[
                        (n * len(employees)) // count].id
                elif role == 'front_desk':
                    user.location = locations[n % len(locations)].id
                users.append(user)
        created = User.create([{
                    'name': u.login, 'login': u.login, 'password': u.password,
                    'groups': [('add', [ModelData.get_id(*g.split('.'))
                                for g in GROUPS[u.role]])],
                    'companies': [('add', [practice.company])],
                    'company': practice.company,
                    'employees': [('add', [u.employee])] if u.employee
                    else [],
                    'employee': u.employee,
                    } for u in users])
        for user, record in zip(users, created):
            user.id = record.id
        Enrollment.create([{'user': u.id, 'secret': u.totp_secret,
                    'confirmed_at': dt.datetime.now()} for u in users])
        Template = pool.get('therapy.note.template')
        template = Template.for_service(service)
        sections = [(s.sequence, s.name) for s in template.sections]
        clinicians = [(e.id, e.therapy_locations[0].id,
                e.therapy_locations[0].timezone) for e in employees]
        template = template.id
        transaction.commit()
    practice.users = users
    return clinicians, template, sections


CLIENTS = """WITH names AS (
    SELECT n, (%(names)s::text[])[n] AS name, (%(sexes)s::text[])[n] AS sex
    FROM generate_series(1, cardinality(%(names)s::text[])) n),
p AS (INSERT INTO party_party (name, code, active, create_uid, create_date)
    SELECT name, 'LOAD-' || n, true, 0, now() FROM names ORDER BY n
    RETURNING id, code)
INSERT INTO therapy_client (company, party, number, status, location,
    primary_clinician, birth_date, sex, create_uid, create_date)
SELECT %(company)s, p.id, 'L' || names.n,  'active',
    (%(locations)s::int[])[(names.n - 1) / %(panel)s + 1],
    (%(clinicians)s::int[])[(names.n - 1) / %(panel)s + 1],
    date '1960-01-01' + (names.n * 37 %% 15000), names.sex, 0, now()
FROM p JOIN names ON 'LOAD-' || names.n = p.code ORDER BY names.n
RETURNING id"""

# one row per (clinician, weekday, hour) over YEARS back and AHEAD_WEEKS
# ahead: client = the clinician's panel, a new 25 each half-year
APPOINTMENTS = f"""INSERT INTO therapy_appointment (company, client,
    clinician, location, service, start, "end", modality,
    place_of_service, state, cancelled_by, cancel_reason, cancelled_at,
    create_uid, create_date)
SELECT %(company)s, s.client, s.clinician, s.location, %(service)s, s.start,
    s.start + %(duration)s, 'in_person', '11', s.state,
    CASE WHEN s.state = 'cancelled' THEN 'client' END,
    CASE WHEN s.state = 'cancelled' THEN 'illness' END,
    CASE WHEN s.state = 'cancelled' THEN s.start - interval '1 day' END,
    0, now()
FROM (SELECT c.clinician, c.location,
        ((d::date + make_time(h.hour, 0, 0)) AT TIME ZONE c.tz)
            AT TIME ZONE 'UTC' AS start,
        (c.clients)[1 + ((((d::date - %(first)s::date) / 7) / 26) * 25
            + (extract(isodow FROM d)::int - 1) * 5 + h.k::int - 1)
            %% {CLIENTS_PER_CLINICIAN}] AS client,
        CASE WHEN d::date >= current_date THEN 'scheduled'
            WHEN (c.n * 7 + (d::date - %(first)s::date) * 5 + h.k) %% 41 = 0
                THEN 'cancelled'
            WHEN (c.n * 3 + (d::date - %(first)s::date) * 5 + h.k) %% 53 = 0
                THEN 'no_show'
            ELSE 'completed' END AS state,
        (d::date >= current_date
            AND (c.n + (d::date - %(first)s::date) * 5 + h.k) %% 5 >= 3)
            AS unbooked
    FROM (SELECT * FROM unnest(%(clinicians)s::int[], %(locations)s::int[],
                %(timezones)s::text[], %(panels)s::text[])
            WITH ORDINALITY AS x(clinician, location, tz, panel, n)) c0
    CROSS JOIN LATERAL (SELECT c0.*, c0.panel::int[] AS clients) c
    CROSS JOIN generate_series(%(first)s::date, %(last)s::date,
        interval '1 day') d
    CROSS JOIN unnest(%(hours)s::int[]) WITH ORDINALITY h(hour, k)
    WHERE extract(isodow FROM d) < 6
        AND d::date <> ALL(%(holidays)s::date[])) s
WHERE NOT s.unbooked AND NOT (s.state = 'scheduled'
    AND s.start < now() AT TIME ZONE 'UTC')
ORDER BY s.start, s.clinician
RETURNING id"""

ATTENDEES = """INSERT INTO therapy_appointment_attendee (appointment,
    client, start, "end", blocking, attendance, create_uid, create_date)
SELECT id, client, start, "end", state <> 'cancelled',
    CASE state WHEN 'completed' THEN 'attended' WHEN 'no_show' THEN 'no_show'
        WHEN 'cancelled' THEN 'cancelled' ELSE 'expected' END, 0, now()
FROM therapy_appointment WHERE id >= %s ORDER BY id"""

NOTES = """INSERT INTO therapy_note (company, appointment, client, clinician,
    template, service, date, start, "end", state, cosign_required,
    signed_at, create_uid, create_date)
SELECT company, id, client, clinician, %(template)s, service,
    (start AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date, start, "end",
    CASE WHEN start >= %(drafts_from)s THEN 'draft' ELSE 'signed' END, false,
    CASE WHEN start < %(drafts_from)s THEN "end" + interval '2 hours' END,
    0, now()
FROM therapy_appointment WHERE id >= %(first)s AND state = 'completed'
ORDER BY id"""

SECTIONS = """INSERT INTO therapy_note_section (note, sequence, name,
    create_uid, create_date)
SELECT n.id, s.sequence, s.name, 0, now()
FROM therapy_note n, unnest(%(sequences)s::int[], %(names)s::text[])
    AS s(sequence, name)
WHERE n.appointment >= %(first)s AND n.state = 'draft'"""

CHARGES = """INSERT INTO therapy_charge (company, client, appointment, kind,
    date, service, procedure_code, minutes, units, unit_price, amount,
    responsibility, place_of_service, rendering, state, create_uid,
    create_date)
SELECT n.company, n.client, n.appointment, 'service', n.date, n.service,
    '90834', 45, 1, 140, 140, 'client', '11', n.clinician,
    CASE WHEN n.date >= %(pending_from)s THEN 'pending' ELSE 'billed' END,
    0, now()
FROM therapy_note n WHERE n.appointment >= %(first)s AND n.state = 'signed'
ORDER BY n.id"""

# the intake packet each client of the history filled in before its first
# session: a booking gives a client the packet's forms it does not have
# yet, and without them every booking of the mix made a new client's
# four forms and their answers (a fifth of a booking's time)
INTAKE = """WITH r AS (
    INSERT INTO therapy_form_response (company, client, template, state,
        date, completed_at, create_uid, create_date)
    SELECT c.company, c.id, t.id, 'completed', least(f.first, now())::date,
        least(f.first, now()), 0, now()
    FROM therapy_client c
    JOIN (SELECT client, min(start) AS first FROM therapy_appointment
        WHERE client = ANY(%(clients)s) GROUP BY client) AS f
        ON f.client = c.id
    CROSS JOIN therapy_form_template t
    WHERE t.intake_packet AND NOT EXISTS (SELECT 1 FROM
        therapy_form_response x WHERE x.client = c.id AND x.template = t.id)
    RETURNING id, template)
INSERT INTO therapy_form_answer (response, question, create_uid, create_date)
SELECT r.id, q.id, 0, now()
FROM r JOIN therapy_form_question q ON q.template = r.template"""


def bulk_history(conn, practice, clinicians, template, sections, rng):
    "Clients, appointments, attendees, notes, sections and charges in SQL"
    fake = Faker('en_US')
    fake.seed_instance(SEED)
    count = len(clinicians) * CLIENTS_PER_CLINICIAN
    sexes = [rng.choice('FM') for _ in range(count)]
    names = [(fake.first_name_female() if sex == 'F'
            else fake.first_name_male()) + ' ' + fake.last_name()
        for sex in sexes]
    practice.last_names = sorted({n.split()[-1] for n in names})
    started = time.perf_counter()
    with conn.transaction():
        clients = [i for i, in conn.execute(CLIENTS, {'names': names,
                    'sexes': sexes, 'company': practice.company,
                    'panel': CLIENTS_PER_CLINICIAN,
                    'locations': [c[1] for c in clinicians],
                    'clinicians': [c[0] for c in clinicians]}).fetchall()]
    log(f'{len(clients):,} clients in {time.perf_counter() - started:.0f} s')
    holidays = [d for d, in conn.execute(
            'SELECT date FROM therapy_holiday').fetchall()]
    today = dt.date.today()
    first = today - dt.timedelta(days=round(365.25 * YEARS))
    first -= dt.timedelta(days=first.weekday())
    panels = ['{' + ','.join(map(str, clients[n * CLIENTS_PER_CLINICIAN:
                        (n + 1) * CLIENTS_PER_CLINICIAN])) + '}'
        for n in range(len(clinicians))]
    top, = conn.execute('SELECT coalesce(max(id), 0) + 1 FROM '
        'therapy_appointment').fetchone()
    conn.rollback()
    drafts_from = dt.datetime.combine(
        today - dt.timedelta(days=DRAFT_DAYS), dt.time())
    with conn.transaction():
        started = time.perf_counter()
        conn.execute(APPOINTMENTS, {'company': practice.company,
                'service': practice.service, 'duration': practice.duration,
                'first': first,
                'last': today + dt.timedelta(weeks=AHEAD_WEEKS),
                'hours': SESSION_HOURS, 'holidays': holidays,
                'clinicians': [c[0] for c in clinicians],
                'locations': [c[1] for c in clinicians],
                'timezones': [c[2] for c in clinicians], 'panels': panels})
        log(f'appointments in {time.perf_counter() - started:.0f} s')
        conn.execute(ATTENDEES, (top,))
        log(f'attendees in {time.perf_counter() - started:.0f} s')
        conn.execute(NOTES, {'template': template, 'tz': 'America/New_York',
                'drafts_from': drafts_from, 'first': top})
        conn.execute(SECTIONS, {'first': top,
                'sequences': [s for s, _ in sections],
                'names': [n for _, n in sections]})
        log(f'notes in {time.perf_counter() - started:.0f} s')
        conn.execute(CHARGES, {'first': top,
                'pending_from': today - dt.timedelta(days=PENDING_DAYS)})
        log(f'charges in {time.perf_counter() - started:.0f} s')
        conn.execute(INTAKE, {'clients': clients})
        log(f'intake forms in {time.perf_counter() - started:.0f} s')
    conn.autocommit = True
    conn.execute('VACUUM ANALYZE')
    conn.autocommit = False
    practice.clinicians = clinicians
    practice.first_appointment = top
    practice.panels = {c[0]: clients[n * CLIENTS_PER_CLINICIAN:
            (n + 1) * CLIENTS_PER_CLINICIAN]
        for n, c in enumerate(clinicians)}


def read_back(conn, practice):
    """What the sessions pick from: free slots (none booked already),
    appointments to move, unsigned notes; read again on a kept database"""
    top = practice.first_appointment
    holidays = {d for d, in conn.execute(
            'SELECT date FROM therapy_holiday').fetchall()}
    taken = set(conn.execute('SELECT clinician, start FROM '
            "therapy_appointment WHERE start > now() AND state <> "
            "'cancelled'").fetchall())
    practice.free_slots, practice.draft_notes = [], {}
    views = {'day_sheet': ('therapy_scheduling',
            'appointment_view_list_day_sheet'),
        'note_section': ('therapy_clinical', 'note_section_view_list_form')}
    for key, (module, fs_id) in views.items():
        row = conn.execute('SELECT db_id FROM ir_model_data WHERE module = '
            '%s AND fs_id = %s', (module, fs_id)).fetchone()
        practice.views[key] = row[0] if row else None
    from zoneinfo import ZoneInfo
    today = dt.date.today()
    monday = today - dt.timedelta(days=today.weekday())
    for clinician, location, tz in practice.clinicians:
        zone = ZoneInfo(tz)
        for week in BOOKABLE_WEEKS:
            for weekday in range(5):
                day = monday + dt.timedelta(weeks=week, days=weekday)
                if day in holidays:
                    continue
                for hour in BOOKABLE_HOURS:
                    start = dt.datetime.combine(day, dt.time(hour),
                        zone).astimezone(dt.timezone.utc).replace(
                        tzinfo=None)
                    if (clinician, start) not in taken:
                        practice.free_slots.append(
                            (clinician, location, start))
    # what the front desk moves: booked sessions 2 to 4 weeks ahead (a
    # reschedule inside the cancellation window would charge a late fee)
    practice.reschedulable = conn.execute(
        'SELECT id, location FROM therapy_appointment WHERE id >= %s AND '
        "state = 'scheduled' AND start > now() + interval '8 days' "
        'ORDER BY id', (top,)).fetchall()
    for employee, note in conn.execute("SELECT clinician, id FROM "
            "therapy_note WHERE appointment >= %s AND state = 'draft'",
            (top,)).fetchall():
        practice.draft_notes.setdefault(employee, []).append(note)
    conn.rollback()


def sizes(conn):
    rows = {}
    for label, query in [
            ('locations', 'SELECT count(*) FROM therapy_location'),
            ('clinicians', 'SELECT count(*) FROM company_employee '
                'WHERE discipline IS NOT NULL'),
            ('clients', 'SELECT count(*) FROM therapy_client'),
            ('appointments', 'SELECT count(*) FROM therapy_appointment'),
            ('history from', 'SELECT min(start)::date FROM '
                'therapy_appointment'),
            ('notes', 'SELECT count(*) FROM therapy_note'),
            ('draft notes', "SELECT count(*) FROM therapy_note "
                "WHERE state = 'draft'"),
            ('charges', 'SELECT count(*) FROM therapy_charge'),
            ('charges to bill', "SELECT count(*) FROM therapy_charge "
                "WHERE state = 'pending'"),
            ('database size', 'SELECT pg_size_pretty(pg_database_size('
                'current_database()))')]:
        rows[label], = conn.execute(query).fetchone()
    conn.rollback()
    return rows
