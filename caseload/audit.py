"""caseload audit: the audit log kept off the host (SECURITY.md §5).

    caseload audit export FILE
    caseload audit verify FILE

``audit export`` appends to FILE (JSON Lines, one event per line, in the
chain's order) the events it does not hold yet, so a nightly run to a
mounted remote folder or a bucket keeps a copy the database's host cannot
rewrite; the export is itself an event (`audit.export`, channel cli).
``audit verify`` checks such a file on any machine, without the database:
every line's hash, and that each follows the one before (therapy_audit's
chain.py). Each line holds the fields the hash covers in their canonical
form, with `prev_hash` and `row_hash`: names, ids and codes, never a
value of a record, like the log itself."""
import json
from pathlib import Path

from .edi import _run

SLICE = 2000


def add_commands(commands, cli):
    audit = commands.add_parser(
        'audit', help="export the audit log off the host, check an export")
    audit_commands = audit.add_subparsers(dest='audit_command',
        required=True)
    export = audit_commands.add_parser(
        'export', help="append the events FILE does not hold yet "
        "(JSON Lines)")
    export.add_argument('file', metavar='FILE')
    export.set_defaults(func=cmd_audit_export, cli=cli)
    verify = audit_commands.add_parser(
        'verify', help="check an export's hash chain, without the database")
    verify.add_argument('file', metavar='FILE')
    verify.set_defaults(func=cmd_audit_verify, cli=cli)


def read_export(args, path):
    "The events of an export file, in order"
    events = []
    try:
        with open(path, encoding='utf-8') as file:
            for number, line in enumerate(file, 1):
                if not line.strip():
                    continue
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise args.cli.CommandError(
                        f"{path}, line {number}: not an audit event "
                        f"({error.msg}); the file is damaged or not an "
                        "export of `caseload audit export`.")
    except FileNotFoundError:
        return []
    except OSError as error:
        raise args.cli.CommandError(f"cannot read {path}: {error.strerror}")
    return events


def cmd_audit_export(args):
    from therapy_audit import chain
    path = Path(args.file)
    held = read_export(args, path)
    after = held[-1]['seq'] if held else 0

    def export(pool, company):
        from trytond.transaction import Transaction
        Event = pool.get('therapy.audit.event')
        table = Event.__table__()
        cursor = Transaction().connection.cursor()
        names = ['prev_hash', 'row_hash', *chain.FIELDS]
        lines, last, gap = [], after, False
        while not gap:
            cursor.execute(*table.select(table.id,
                    where=table.seq > last,
                    order_by=[table.seq.asc], limit=SLICE))
            ids = [i for i, in cursor]
            if not ids:
                break
            events = sorted(Event.read(ids, names), key=lambda e: e['seq'])
            for event in events:
                if event['seq'] != last + 1:
                    # not in the chain's order (an event missing or twice):
                    # the next export goes on from the last one that is
                    gap = True
                    break
                last = event['seq']
                lines.append(json.dumps({
                            **{f: chain.plain(event, f)
                                for f in chain.FIELDS},
                            'prev_hash': event['prev_hash'],
                            'row_hash': event['row_hash'],
                            }, sort_keys=True, ensure_ascii=False))
        with Transaction().set_context(_audit_channel='cli'):
            Event.log('audit.export', 'R', model=Event.__name__,
                count=len(lines), reason='off-host export',
                detail={'after_seq': after, 'last_seq': last,
                    'file': path.name})
        return lines, last

    lines, last = _run(args, export, needs_company=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'a', encoding='utf-8') as file:
        for line in lines:
            file.write(line + '\n')
    print(json.dumps({'file': str(path), 'exported': len(lines),
                'first_seq': after + 1 if lines else None,
                'last_seq': last}, indent=2))
    return 0


def log_system(args, event_code, detail):
    """An operator's action on the whole database (a backup, a restore) as
    an audit event of the command line"""
    def log(pool, company):
        from trytond.transaction import Transaction
        Event = pool.get('therapy.audit.event')
        with Transaction().set_context(_audit_channel='cli'):
            Event.log(event_code, 'E', detail=detail)
    _run(args, log, needs_company=False)


def cmd_audit_verify(args):
    from therapy_audit import chain
    events = read_export(args, args.file)
    if not events:
        raise args.cli.CommandError(f"{args.file} holds no audit event.")
    first = events[0]
    # an export starts at the first event, or goes on from an older one
    problems = chain.verify(events, first['prev_hash'], first['seq'] - 1)
    if first['seq'] == 1 and first['prev_hash'] != chain.GENESIS:
        problems.insert(0, (1, 'unlinked'))
    print(json.dumps({'file': args.file, 'events': len(events),
                'first_seq': first['seq'], 'last_seq': events[-1]['seq'],
                'problems': [f'{seq} {problem}'
                    for seq, problem in problems]}, indent=2))
    return 1 if problems else 0
