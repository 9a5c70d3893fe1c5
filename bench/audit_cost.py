"""Audit cost benchmark (issue 13): what the PHI access audit adds to a
clinician's week in the calendar and to opening a note, on PostgreSQL.

    .venv/bin/python bench/audit_cost.py \\
        --uri postgresql://tryton@127.0.0.1:55432/ --size 100000

Creates caseload_bench_<pid> (therapy_clinical activated by trytond-admin),
loads the scheduling benchmark's practice and N past appointments
(bench/scheduling.py), gives one clinician a user and 50 notes, and drops
the database at the end, also on failure. Each call runs as that
clinician with access checks and record rules, in its own read-only
transaction, as the dispatcher runs an RPC call: "audited" through the
method's RPC decorator (the event appended in a writing transaction of
its own, under the chain's lock, committed), "plain" the same method
undecorated. Interleaved rep by rep; the goal is audited ≤ 1.2 × plain.
Nothing is asserted; progress goes to stderr, the report to stdout.
"""
import argparse
import logging
import os
import sys
import tempfile
import time

from scheduling import (
    CALENDAR_FIELDS, Bench, Practice, calendar_domain, create_database,
    drop_database, interleaved, load, log, machine, pg_connect, summary)

NOTES = 50
# what sao's note form reads when it opens a note
NOTE_FIELDS = ['client', 'clinician', 'date', 'start', 'end', 'state',
    'service', 'sections', 'diagnoses', 'procedures', 'risk_level',
    'suicidal_ideation', 'homicidal_ideation', 'self_harm', 'content_hash',
    'signed_at', 'rec_name']
REQUEST = {'remote_addr': '127.0.0.1'}


def clinician_user(db, practice):
    """A user for the practice's first clinician (a clinician's groups),
    and NOTES drafted notes of its last sessions"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(db, 0, context=practice.context) as transaction:
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Appointment = pool.get('therapy.appointment')
        Note = pool.get('therapy.note')
        employee = practice.clinicians[0]
        user, = User.create([{
                    'name': "Bench Clinician", 'login': 'bench-clinician',
                    'groups': [('add', [ModelData.get_id(
                                    'therapy_scheduling', 'group_clinician')])],
                    'companies': [('add', [practice.company])],
                    'company': practice.company,
                    'employees': [('add', [employee])], 'employee': employee,
                    }])
        sessions = Appointment.search([('clinician', '=', employee)],
            order=[('start', 'DESC')], limit=NOTES)
        notes = Note.draft_for(sessions)
        transaction.commit()
        return user.id, [n.id for n in notes]


class AuditBench(Bench):

    def __init__(self, db, conn, practice, size, user, notes):
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        super().__init__(db, conn, practice, size)
        self.user, self.notes = user, notes
        # the context sao sends with each call: company, employee...
        with Transaction().start(db, user, readonly=True):
            self.context = Pool().get('res.user').get_preferences(
                context_only=True)

    def as_clinician(self):
        "One RPC call's transaction of the clinician (read-only)"
        from trytond.transaction import Transaction
        return Transaction().start(self.db, self.user, readonly=True,
            context={**self.context, '_check_access': True,
                '_request': dict(REQUEST)})

    def call(self, model, method, audited, *args):
        from trytond.pool import Pool
        with self.as_clinician():
            Model = Pool().get(model)
            function = getattr(Model, method)
            if audited:
                function = Model.__rpc__[method].decorate(function)
            return function(*args)

    def week_reads(self, reps):
        start, end = self.week
        domain = calendar_domain(self.practice.clinicians[0], start, end)
        return interleaved(reps, {
                audited: lambda rep, audited=audited: self.call(
                    'therapy.appointment', 'search_read', audited == 'audited',
                    domain, 0, None, None, CALENDAR_FIELDS)
                for audited in ['plain', 'audited']})

    def note_open(self, reps):
        return interleaved(reps, {
                audited: lambda rep, audited=audited: self.call(
                    'therapy.note', 'read', audited == 'audited',
                    [self.notes[rep % len(self.notes)]], NOTE_FIELDS)
                for audited in ['plain', 'audited']})


def report(size, week, note):
    print(f'\n## {size:,} past appointments, one clinician\'s calls\n')
    print('| measure | reps | plain median ms | audited median ms | '
        'ratio (median) | ratio (p95) | goal |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    for label, times in [
            ("clinician-week, sao's calendar domain (search_read)", week),
            ('open a note (read, the form\'s fields)', note)]:
        plain, audited = summary(times['plain']), summary(times['audited'])
        print(f"| {label} | {len(times['plain'])} | {plain[0]:.2f} | "
            f"{audited[0]:.2f} | {audited[0] / plain[0]:.2f}x | "
            f"{audited[1] / plain[1]:.2f}x | 1.2x |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://tryton@127.0.0.1:5432/'))
    parser.add_argument('--size', type=int, default=100000,
        help="past appointments to load")
    parser.add_argument('--reps', type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    name = f'caseload_bench_{os.getpid()}'
    with tempfile.TemporaryDirectory() as folder:
        try:
            log(f'creating {name}, activating therapy_clinical')
            config_file = create_database(args.uri, name, folder,
                module='therapy_clinical')
            from trytond import config
            config.update_etc(str(config_file))
            config.set('database', 'uri', args.uri)
            from trytond.pool import Pool
            Pool(name).init()
            practice = Practice(name)
            with pg_connect(args.uri, name) as conn:
                machine(conn, "Audit cost benchmark")
                print('Ratios = audited / plain, both measured in this run, '
                    'interleaved; each call as a clinician (access rights, '
                    'record rules), in its own read-only transaction like '
                    'one RPC call.')
                started = time.perf_counter()
                load(conn, practice, 0, args.size)
                log(f'loaded in {time.perf_counter() - started:.0f} s')
                user, notes = clinician_user(name, practice)
                bench = AuditBench(name, conn, practice, args.size, user,
                    notes)
                log('clinician-week reads')
                week = bench.week_reads(args.reps)
                log('note opens')
                note = bench.note_open(args.reps)
                report(args.size, week, note)
        finally:
            drop_database(args.uri, name)
            log(f'dropped {name}')


if __name__ == '__main__':
    main()
