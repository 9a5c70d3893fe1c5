"""caseload claims / x12: electronic claims from the command line.

    caseload claims export [--clearinghouse NAME] [--out DIR]
    caseload x12 validate FILE...
    caseload x12 parse FILE
    caseload x12 import FILE...

``x12 validate`` and ``x12 parse`` read files only (no database);
``claims export`` and ``x12 import`` work in the database in-process, as
the administrator, each run (each imported file) in one transaction."""
import json
import sys
from decimal import Decimal
from pathlib import Path

from . import heap


def add_commands(commands, cli):
    """The claims and x12 subcommands of caseload's parser; cli is the
    running caseload.cli module (its CommandError is the one main catches,
    also when it runs as __main__)"""
    claims = commands.add_parser(
        'claims', help="electronic claims (837P files)")
    claims_commands = claims.add_subparsers(dest='claims_command',
        required=True)
    export = claims_commands.add_parser(
        'export', help="send the ready claims as 837P files (validated with "
        "pyx12 first) and print them as JSON")
    export.add_argument('--clearinghouse',
        help="only this clearinghouse (its name); default: every active one")
    export.add_argument('--out',
        help="write the files to DIR instead of the outbound folders")
    export.set_defaults(func=cmd_claims_export, cli=cli)

    x12 = commands.add_parser('x12', help="read, check and import X12 files")
    x12_commands = x12.add_subparsers(dest='x12_command', required=True)
    validate = x12_commands.add_parser(
        'validate', help="pyx12's verdict on each file (exit 0 only when "
        "all are valid)")
    validate.add_argument('files', nargs='+', metavar='FILE')
    validate.set_defaults(func=cmd_x12_validate, cli=cli)
    parse = x12_commands.add_parser(
        'parse', help="what an X12 file holds, as JSON")
    parse.add_argument('file', metavar='FILE')
    parse.set_defaults(func=cmd_x12_parse, cli=cli)
    load = x12_commands.add_parser(
        'import', help="import 999, 277CA, 271 and 835 files into the database")
    load.add_argument('files', nargs='+', metavar='FILE')
    load.set_defaults(func=cmd_x12_import, cli=cli)


def _read(args, path):
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise args.cli.CommandError(f"cannot read {path}: {error.strerror}")


def cmd_x12_validate(args):
    from therapy_edi.x12 import validate
    all_valid = True
    for path in args.files:
        valid, errors = validate(_read(args, path))
        all_valid &= valid
        print(f"{path}: {'valid' if valid else 'INVALID'}")
        for error in errors:
            print(f"  {error}")
    return 0 if all_valid else 1


def cmd_x12_parse(args):
    from therapy_edi.x12 import X12Error, summary
    data = _read(args, args.file)
    try:
        result = summary(data)
    except X12Error as error:
        print(f"caseload: {args.file}: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


def _run(args, step, needs_company=True):
    """step(pool, company) in a committed transaction of the database as
    its administrator, in the first company; returns what step returned.
    A step on the whole database (an audit event of a backup) runs in a
    database that holds no practice yet, with company None. The tasks the
    transaction queued run after it (caseload/tasks.py)."""
    args.cli.require_database(args)
    args.settings.apply_in_process()
    from trytond import backend
    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError

    from .tasks import run_queued
    pool = Pool(args.database)
    pool.init()
    heap.freeze_loaded()
    with Transaction().start(args.database, 0, readonly=True):
        admin, = pool.get('res.user').search([('login', '=', 'admin')])
        companies = pool.get('company.company').search([], limit=1)
        if not companies and needs_company:
            raise args.cli.CommandError(
                f"The database {args.database!r} holds no practice yet: "
                "set one up in the back office (Company) first.")
        admin_id = admin.id
        company_id = companies[0].id if companies else None
    # retried with what it must lock, and when the database asks for it (a
    # concurrent update, the audit chain moved on), as trytond's dispatcher
    # does (the invoice and move sequences a posting takes are locked)
    extras = {}
    for attempt in range(5):
        context = {'company': company_id, 'companies': [company_id]} \
            if company_id else {}
        with Transaction().start(args.database, admin_id, context=context,
                **extras) as transaction:
            try:
                result = step(pool, pool.get('company.company')(company_id)
                    if company_id else None)
            except TransactionError as error:
                transaction.rollback()
                transaction.tasks.clear()
                error.fix(extras)
                continue
            except backend.DatabaseOperationalError:
                transaction.rollback()
                transaction.tasks.clear()
                continue
            except BaseException:
                # a refused file queued nothing: its tasks rolled back
                # with it, and the next file's must not name them
                transaction.tasks.clear()
                raise
            transaction.commit()
        # as the dispatcher after a request: what the transaction queued
        # (the invoices an 835's reconciliations paid) runs now, unless a
        # worker takes it
        run_queued(args.database, transaction.tasks)
        return result
    raise args.cli.CommandError("The database is busy: try again.")


def cmd_claims_export(args):
    out = str(Path(args.out).resolve()) if args.out else None

    def export(pool, company):
        Clearinghouse = pool.get('therapy.clearinghouse')
        EdiFile = pool.get('therapy.edi.file')
        domain = [('company', '=', company.id)]
        if args.clearinghouse:
            domain.append(('name', '=', args.clearinghouse))
        clearinghouses = Clearinghouse.search(domain)
        if args.clearinghouse and not clearinghouses:
            raise args.cli.CommandError(
                f"No active clearinghouse is named {args.clearinghouse!r}.")
        files = []
        for clearinghouse in clearinghouses:
            edi_file = EdiFile.send(clearinghouse, folder=out)
            if not edi_file:
                continue
            entry = {
                'path': edi_file.path,
                'claims': len(edi_file.claims),
                'total_charge': str(sum((c.total for c in edi_file.claims),
                        Decimal(0)).quantize(Decimal('0.01'))),
                'isa13': edi_file.interchange_number,
                'clearinghouse': clearinghouse.name,
                'state': edi_file.state,
                }
            if edi_file.state != 'released':
                entry['errors'] = (edi_file.file_log or '').splitlines()
            files.append(entry)
        return files

    files = _run(args, export)
    print(json.dumps({'files': files}, indent=2))
    return 0 if all(f['state'] == 'released' for f in files) else 1


def cmd_x12_import(args):
    from trytond.exceptions import UserError
    failed = False
    results = []
    for path in args.files:
        data = _read(args, path)

        def load(pool, company):
            EdiFile = pool.get('therapy.edi.file')
            edi_file = EdiFile.import_file(data, Path(path).name,
                company=company.id)
            result = {'path': path, 'kind': edi_file.kind,
                'claims': len(edi_file.claims),
                'eligibilities': len(edi_file.eligibilities),
                'log': (edi_file.file_log or '').splitlines()}
            if edi_file.kind == '835':
                result['remittances'] = [{
                        'check_number': r.trace_number,
                        'claims_matched': r.claims_matched,
                        'claims_unmatched': r.claims_unmatched,
                        'posted': str(r.payment_amount.quantize(
                                Decimal('0.01'))),
                        } for r in edi_file.remittances]
            return result
        try:
            results.append(_run(args, load))
        except UserError as error:
            failed = True
            print(f"caseload: {path}: {error.message}", file=sys.stderr)
    output = {'files': results}
    if any(r['kind'] == '835' for r in results):
        # each file in one transaction: a refused file adds nothing here
        output['remittances'] = [remittance for r in results
            for remittance in r.pop('remittances', [])]
    print(json.dumps(output, indent=2))
    return 2 if failed else 0
