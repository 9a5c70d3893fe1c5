"""The demo's charges are what the workflow charges.

The demo writes its six months of past appointments straight into their
final states (completed, no-show, cancelled early or late): thousands of
check-ins and completions one transition at a time would make the build
much slower, and cancelling in the past through the workflow would record
every freed slot on the waitlist. So this test proves the shortcut changes
nothing a biller sees: for a sample of the demo's past appointments of
every outcome, it books the same session again on the same local day (in
the evening, when the clinician and the client are free), takes it
through the real transitions as a user would (check in and complete,
no-show, cancel with the same notice), writes and signs its note as the
original was (signed, co-signed, still a draft), and compares the charges
the workflow created with the demo's: kind, procedure, units, price,
amount, who is responsible, coverage and payer, diagnoses, authorization,
sliding-scale tier. All in one transaction, rolled back.

Run as a script in a subprocess (python tests/test_demo_charges.py CONFIG
DATABASE): trytond then reads the demo's database with the config the
`caseload` command used, apart from the test process.
"""
import datetime as dt
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# per outcome, appointments replayed (spread over the history)
PER_GROUP = 3
COMPARED = ['kind', 'client', 'date', 'service', 'procedure_code',
    'modifiers', 'minutes', 'unit_rule', 'units', 'unit_price', 'amount',
    'responsibility', 'coverage', 'payer', 'diagnosis_codes',
    'place_of_service', 'rendering', 'authorization', 'sliding_tier']
# the outcomes the sample must hold: the demo's history has them all
OUTCOMES = {'completed', 'no_show', 'cancelled', 'cancelled late'}


def test_demo_charges_are_the_workflows(practice_config, demo_database):
    result = subprocess.run(
        [sys.executable, __file__, str(practice_config), demo_database],
        capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report['differences'] == [], json.dumps(
        report['differences'], indent=1, default=str)
    assert OUTCOMES <= set(report['outcomes']), report['outcomes']
    # the sample charged sessions to payers and to clients, and fees
    assert {'service payer', 'service client', 'no_show client',
        'late_cancel client'} <= set(report['charged']), report['charged']
    assert report['replayed'] >= 12, report


def outcome(appointment):
    if appointment.state == 'cancelled' and appointment.late_cancellation:
        return 'cancelled late'
    return appointment.state


def sample(Appointment, Charge, before):
    """Up to PER_GROUP past appointments per outcome and kind of charge,
    spread over the history"""
    groups = defaultdict(list)
    for appointment in Appointment.search([
                ('start', '<', before),
                ('client', '!=', None),
                ('state', 'in', ['completed', 'no_show', 'cancelled']),
                ('rescheduled_to', '=', None),
                ], order=[('start', 'ASC'), ('id', 'ASC')]):
        charges = Charge.search([('appointment', '=', appointment.id)])
        # a charge naming fewer diagnoses than the problem list was taken
        # from the note, not at completion
        problems = len([d for d in appointment.client.diagnoses
                if d.active_problem])
        fewer = any(c.diagnosis_codes
            and len(c.diagnosis_codes.split(', ')) < problems
            for c in charges)
        key = (outcome(appointment), fewer, tuple(sorted(
                    f'{c.kind} {c.responsibility}' for c in charges)))
        groups[key].append(appointment)
    chosen = []
    for key in sorted(groups):
        rows = groups[key]
        step = max(1, len(rows) // PER_GROUP)
        chosen.extend(rows[::step][:PER_GROUP])
    return chosen


def charge_rows(charges):
    rows = []
    for charge in charges:
        row = {}
        for name in COMPARED:
            value = getattr(charge, name)
            row[name] = getattr(value, 'id', value)
        rows.append(row)
    return sorted(rows, key=lambda r: json.dumps(r, default=str,
            sort_keys=True))


def evening(appointment, booked):
    """The same session at 19:00 on its local day, after the replays of
    that day with the same clinician or client (booked: {(local day, hour,
    resource): end}): they must not meet. Should that run past local
    midnight, the charge would fall on the next day: then it goes from
    05:00 instead (the first sample of each outcome is the history's
    first day, so many replays share that day)"""
    from therapy_scheduling.appointment import local_time, to_utc
    timezone = appointment.location.timezone
    local = local_time(appointment.start, timezone).replace(tzinfo=None)
    length = appointment.end - appointment.start
    day = local.date()
    midnight = to_utc(dt.datetime.combine(day + dt.timedelta(days=1),
            dt.time()), timezone)
    for hour in [19, 5]:
        keys = [(day, hour, 'clinician', appointment.clinician.id),
            (day, hour, 'client', appointment.client.id)]
        start = max([to_utc(local.replace(hour=hour, minute=0), timezone)]
            + [booked[k] for k in keys if k in booked])
        if start + length <= midnight:
            break
    end = start + length
    for key in keys:
        booked[key] = end
    return start, end


def replay_note(note, appointment, shift):
    "The original's note again, for appointment, signed as it was"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    from therapy_scheduling import clock
    pool = Pool()
    Note = pool.get('therapy.note')
    copy, = Note.create([{
                'company': note.company.id,
                'appointment': appointment.id,
                'client': note.client.id,
                'clinician': note.clinician.id,
                'template': note.template.id if note.template else None,
                'service': note.service.id if note.service else None,
                'date': note.date,
                'start': note.start + shift if note.start else None,
                'end': note.end + shift if note.end else None,
                'suicidal_ideation': note.suicidal_ideation,
                'homicidal_ideation': note.homicidal_ideation,
                'self_harm': note.self_harm,
                'risk_level': note.risk_level,
                'safety_plan': note.safety_plan,
                'risk_notes': note.risk_notes,
                'sections': [('create', [{
                                'sequence': s.sequence, 'name': s.name,
                                'content': s.content,
                                } for s in note.sections])],
                'procedures': [('create', [{
                                'service': p.service.id,
                                'minutes': p.minutes,
                                } for p in note.procedures])],
                'interventions': [('add',
                        [i.id for i in note.interventions])],
                'diagnoses': [('add', [d.id for d in note.diagnoses])],
                }])
    if note.state in {'signed', 'cosigned'}:
        with Transaction().set_user(note.signed_by.id), \
                clock.as_of(note.signed_at + shift):
            Note.sign([copy])
    if note.state == 'cosigned':
        with Transaction().set_user(note.cosigned_by.id), \
                clock.as_of(note.cosigned_at + shift):
            Note.cosign([copy])


def replay(appointment, booked):
    """The same session booked again in the evening and taken through the
    transitions the original's outcome needs; returns the new one"""
    from trytond.pool import Pool

    from therapy_scheduling import clock
    pool = Pool()
    Appointment = pool.get('therapy.appointment')
    Note = pool.get('therapy.note')
    start, end = evening(appointment, booked)
    shift = start - appointment.start
    again, = Appointment.create([{
                'company': appointment.company.id,
                'client': appointment.client.id,
                'clinician': appointment.clinician.id,
                'location': appointment.location.id,
                'service': appointment.service.id,
                'modality': appointment.modality,
                'place_of_service': appointment.place_of_service,
                'start': start,
                'end': end,
                }])
    if appointment.state == 'completed':
        with clock.as_of(start - dt.timedelta(minutes=5)):
            Appointment.arrive([again])
        with clock.as_of(end):
            Appointment.complete([again])
        for note in Note.search([
                    ('appointment', '=', appointment.id),
                    ('client', '=', appointment.client.id),
                    ]):
            replay_note(note, again, shift)
    elif appointment.state == 'no_show':
        with clock.as_of(start + dt.timedelta(minutes=15)):
            Appointment.no_show([again])
    else:
        notice = appointment.start - appointment.cancelled_at
        with clock.as_of(start - notice):
            Appointment.do_cancel([again], appointment.cancelled_by,
                appointment.cancel_reason)
    return Appointment(again.id)


def check(config, database):
    "The report of the replay, as a dict"
    from helpers import open_pool
    pool = open_pool(config, database)
    from trytond.transaction import Transaction
    report = {'replayed': 0, 'outcomes': [], 'charged': [],
        'differences': []}
    with Transaction().start(database, 0) as transaction:
        company, = pool.get('company.company').search([])
        with transaction.set_context(company=company.id,
                companies=[company.id], _skip_warnings=True):
            Appointment = pool.get('therapy.appointment')
            Charge = pool.get('therapy.charge')
            before = dt.datetime.now() - dt.timedelta(days=2)
            outcomes, charged = set(), set()
            booked = {}  # (local day, hour, resource): end of its last replay
            for appointment in sample(Appointment, Charge, before):
                again = replay(appointment, booked)
                demo = charge_rows(Charge.search([
                            ('appointment', '=', appointment.id)]))
                workflow = charge_rows(Charge.search([
                            ('appointment', '=', again.id)]))
                if (demo != workflow or again.late_cancellation
                        != appointment.late_cancellation):
                    report['differences'].append({
                            'appointment': appointment.rec_name,
                            'outcome': outcome(appointment),
                            'replayed outcome': outcome(again),
                            'demo': demo, 'workflow': workflow})
                report['replayed'] += 1
                outcomes.add(outcome(appointment))
                charged.update(f"{r['kind']} {r['responsibility']}"
                    for r in demo)
        report['outcomes'] = sorted(outcomes)
        report['charged'] = sorted(charged)
        transaction.rollback()
    return report


if __name__ == '__main__':
    sys.path.insert(0, str(ROOT))
    print(json.dumps(check(sys.argv[1], sys.argv[2]), default=str))
