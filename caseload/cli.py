"""caseload: the operator's command for a Caseload practice server.

    caseload [-c CONFIG] [-d DATABASE] init [--demo] [--password-file FILE]
    caseload [-c CONFIG] [-d DATABASE] update [--no-backup]
    caseload [-c CONFIG] [-d DATABASE] serve [--listen HOST:PORT] [--workers N]
    caseload [-c CONFIG] [-d DATABASE] cron [--once]
    caseload [-c CONFIG] [-d DATABASE] worker [-n PROCESSES]
    caseload [-c CONFIG] [-d DATABASE] users
    caseload [-c CONFIG] [-d DATABASE] backup --key-file KEY [--out DIR] [--keep N]
    caseload [-c CONFIG] backup --verify FILE --key-file KEY
    caseload [-c CONFIG] -d NEW restore FILE --key-file KEY
    caseload backup-key --out FILE
    caseload [-c CONFIG] [-d DATABASE] claims export [--clearinghouse NAME] [--out DIR]
    caseload [-c CONFIG] [-d DATABASE] x12 validate|parse|import FILE...
"""
import argparse
import getpass
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from . import audit, database, edi, logs
from .settings import ConfigError, Settings

DEFAULT_CONFIG = os.environ.get(
    'CASELOAD_CONFIG',
    str(Path(__file__).resolve().parent.parent / 'config' / 'caseload.conf'))


class CommandError(Exception):
    pass


# a file name on SQLite, an identifier on PostgreSQL: letters, digits, _
# and -, no path separator, at most PostgreSQL's 63 characters
DATABASE_NAME = re.compile(r'[A-Za-z0-9_][A-Za-z0-9_-]{0,62}')


def check_database_name(name):
    if not DATABASE_NAME.fullmatch(name):
        raise CommandError(
            f"{shlex.quote(name)} is not a valid database name: use up to "
            "63 letters, digits, '_' and '-', starting with a letter, a "
            "digit or '_'.")
    return name


def positive(value):
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a positive whole number")
    return number


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='caseload', description="Run a Caseload practice server.")
    parser.add_argument(
        '-c', '--config', default=DEFAULT_CONFIG,
        help="server config file (default: %(default)s)")
    parser.add_argument(
        '-d', '--database', default='demo',
        help="database name (default: %(default)s)")
    # commands report errors (CommandError) through this module
    parser.set_defaults(cli=sys.modules[__name__])
    commands = parser.add_subparsers(dest='command', required=True)

    init = commands.add_parser(
        'init', help="create the database and activate the Caseload modules")
    init.add_argument(
        '--demo', action='store_true', help="load the demo practice")
    init.add_argument(
        '--password-file',
        help="file whose first line is the admin password "
        "(default: $TRYTONPASSFILE)")
    init.add_argument(
        '--email', help="administrator's email (password resets, alerts)")
    init.set_defaults(func=cmd_init)

    update = commands.add_parser(
        'update', help="update the modules after a code upgrade")
    update.add_argument(
        '--no-backup', action='store_true',
        help="skip the backup taken first ([caseload] backup_key)")
    update.set_defaults(func=cmd_update)

    serve = commands.add_parser(
        'serve', help="serve the back office (sao) and the client portal")
    serve.add_argument(
        '--listen', help="HOST:PORT to listen on (default: from the config)")
    serve.add_argument(
        '--workers', type=positive, metavar='N',
        help="worker processes (default: 1 on SQLite, (2 x cores) + 1 up "
        "to 8 on PostgreSQL)")
    serve.set_defaults(func=cmd_serve)

    cron = commands.add_parser(
        'cron', help="run the scheduled actions (trytond-cron)")
    cron.add_argument(
        '--once', action='store_true', help="run the due actions and stop")
    cron.set_defaults(func=cmd_cron)

    worker = commands.add_parser(
        'worker', help="run the queued tasks (trytond-worker)")
    worker.add_argument(
        '-n', '--processes', type=positive, metavar='N',
        help="task processes (default: one per core)")
    worker.set_defaults(func=cmd_worker)

    users = commands.add_parser('users', help="list the back-office logins")
    users.set_defaults(func=cmd_users)

    backup = commands.add_parser(
        'backup', help="write an encrypted backup of the database "
        "(or check one with --verify)")
    backup.add_argument(
        '--key-file', required=True,
        help="age identity file, or for writing only a public key file")
    backup.add_argument(
        '--out', help="folder of the archives (default: [caseload] "
        "backup_dir, else var/backups next to the database path)")
    backup.add_argument(
        '--keep', type=positive, metavar='N',
        help="then delete this database's archives beyond the newest N")
    backup.add_argument(
        '--verify', metavar='FILE',
        help="decrypt and check an archive instead of writing one")
    backup.set_defaults(func=cmd_backup)

    backup_key = commands.add_parser(
        'backup-key', help="make a new age key for backups")
    backup_key.add_argument('--out', required=True, help="identity file")
    backup_key.set_defaults(func=cmd_backup_key)

    restore = commands.add_parser(
        'restore', help="make a new database (-d) from a backup")
    restore.add_argument('file', help="the .caseload-backup archive")
    restore.add_argument(
        '--key-file', required=True, help="age identity file")
    restore.set_defaults(func=cmd_restore)

    edi.add_commands(commands, sys.modules[__name__])
    audit.add_commands(commands, sys.modules[__name__])

    args = parser.parse_args(argv)
    logs.install()
    try:
        check_database_name(args.database)
        args.settings = Settings(args.config)
        return args.func(args) or 0
    except (ConfigError, CommandError, database.DatabaseError) as error:
        print(f"caseload: {error}", file=sys.stderr)
        return 2


def require_database(args):
    settings, name = args.settings, args.database
    if not database.exists(settings, name):
        raise CommandError(
            f"Database {name!r} does not exist. Create it with: "
            f"caseload -d {shlex.quote(name)} init (add --demo for the demo practice).")
    if not database.initialised(settings, name):
        raise CommandError(
            f"Database {name!r} exists but Caseload is not set up in it. "
            f"Run: caseload -d {shlex.quote(name)} init")


def check_password(settings, password, email=None):
    """The server's own password policy ([password] length and forbidden),
    which trytond-admin does not apply to the admin password it sets"""
    length = int(settings.get('password', 'length', fallback='8') or 8)
    if len(password) < length:
        raise CommandError(
            f"The admin password is shorter than the {length} characters "
            f"the config requires ([password] length); nothing was created.")
    if password.lower() in {'admin', (email or '').lower()}:
        raise CommandError(
            "The admin password may not be the login or the email; "
            "nothing was created.")
    forbidden = settings.get('password', 'forbidden')
    if forbidden and os.path.isfile(forbidden):
        with open(forbidden, encoding='utf-8', errors='replace') as file:
            if password in (line.strip() for line in file):
                raise CommandError(
                    "The admin password is in the list of forbidden "
                    "passwords ([password] forbidden); nothing was created.")


def password_file(args):
    "Path of a file holding the admin password, asking only on a terminal"
    path = args.password_file or os.environ.get('TRYTONPASSFILE')
    if path:
        if not os.path.isfile(path):
            raise CommandError(f"Password file {path} not found.")
        with open(path, encoding='utf-8') as file:
            check_password(
                args.settings, file.readline().rstrip('\r\n'), args.email)
        return path, None
    if not sys.stdin.isatty():
        raise CommandError(
            "No admin password given: set TRYTONPASSFILE or pass "
            "--password-file FILE (its first line is the password).")
    password = getpass.getpass("Admin password: ")
    if password != getpass.getpass("Again: "):
        raise CommandError("The two passwords differ; nothing was created.")
    check_password(args.settings, password, args.email)
    fd, path = tempfile.mkstemp(prefix='caseload-pass-')
    with os.fdopen(fd, 'w') as fp:
        fp.write(password + '\n')
    return path, path


def admin_email(args):
    if args.email:
        return args.email
    if args.demo:
        return 'admin@harborview.example'
    if not sys.stdin.isatty():
        raise CommandError(
            "No administrator email given: pass --email ADDRESS (used for "
            "password resets and alerts).")
    return input("Administrator email: ").strip()


def stamp_path(args):
    base = Path(args.settings.database_path or os.path.dirname(
        args.settings.path))
    # the folder a config names may not exist yet in a fresh checkout
    base.mkdir(parents=True, exist_ok=True)
    return base / f'{args.database}.caseload-code'


def cmd_init(args):
    settings, name = args.settings, args.database
    created = not database.exists(settings, name)
    install = created or not database.initialised(settings, name)
    # the admin's email and password are checked before anything is made
    email, (path, temporary) = (
        (admin_email(args), password_file(args)) if install
        else (None, (None, None)))
    try:
        if created:
            database.create(settings, name)
            print(f"Created database {name!r}.")
        try:
            setup(args, email, path)
        except BaseException:
            # a database we created and could not set up is useless and
            # would look "already set up" next time: remove it, nothing
            # else is lost
            if created:
                database.drop(settings, name)
                stamp_path(args).unlink(missing_ok=True)
                print(f"Removed the incomplete database {name!r}.",
                    file=sys.stderr)
            raise
    finally:
        if temporary:
            os.unlink(temporary)


def setup(args, email, password_path):
    settings, name = args.settings, args.database
    if database.initialised(settings, name):
        print(f"Database {name!r} is already set up.")
        update_if_code_changed(args)
    else:
        database.install(settings, name, password_path, email=email)
        stamp_path(args).write_text(database.code_fingerprint())
        print(f"Activated the Caseload modules in {name!r}.")
    if args.demo:
        # the settings first: the demo imports our modules, which import
        # trytond's backend, chosen from the configuration at import (a
        # PostgreSQL file given with -c came too late: 'the .sqlite
        # database does not exist')
        config = proteus_config(args)
        from . import demo
        if demo.load(config):
            print("Loaded the demo practice.")
        else:
            print("The demo practice is already loaded.")
        print_users(config)


def update_if_code_changed(args):
    stamp = stamp_path(args)
    fingerprint = database.code_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    print("The modules changed since the last update: updating...")
    database.update(args.settings, args.database)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)


def cmd_update(args):
    from . import backup
    settings, name = args.settings, args.database
    require_database(args)
    key = backup.config_path(settings, 'backup_key')
    if not args.no_backup:
        if not key:
            raise CommandError(
                "No backup key is configured: set [caseload] backup_key = "
                "PATH (an age key, see caseload backup-key) to back up "
                "before updating, or pass --no-backup.")
        print("Backing up before the update...", flush=True)
        path, manifest, _ = backup.create(
            settings, name, key, fingerprint=code_stamp(args))
        print(f"Backup: {path}")
    before = backup.schema(settings, name)
    database.update(settings, name)
    stamp_path(args).write_text(database.code_fingerprint())
    if not args.no_backup:
        # logged with the code it was updated to
        audit.log_system(args, 'system.backup', backup_detail(path, manifest))
    print(f"Updated the Caseload modules in {name!r}: "
        f"{', '.join(database.MODULES)}.")
    changes = backup.schema_changes(before, backup.schema(settings, name))
    print('\n'.join(changes) if changes else
        "  No model or field was added or removed.")


def code_stamp(args):
    """The fingerprint of the code the database was last set up with (a
    backup before an update is of the old code's schema)"""
    stamp = stamp_path(args)
    return stamp.read_text() if stamp.exists() else None


def cmd_backup(args):
    from . import backup
    settings = args.settings
    if args.verify:
        manifest = backup.verify(args.verify, args.key_file)
        print(f"Backup {args.verify} is intact.")
        print(backup.summary(manifest))
        return
    require_database(args)
    path, manifest, deleted = backup.create(
        settings, args.database, args.key_file, args.out, args.keep,
        fingerprint=code_stamp(args))
    audit.log_system(args, 'system.backup', backup_detail(path, manifest))
    print(f"Backup: {path} ({backup.human_size(path.stat().st_size)})")
    print(backup.summary(manifest))
    for old in deleted:
        print(f"Deleted the older backup {old.name}.")


def backup_detail(path, manifest):
    "What the audit keeps of a backup: which archive, of what"
    from . import backup
    return {'archive': path.name, 'sha256': backup.sha256_file(path),
        'database': manifest['database'],
        'taken_at': manifest['created_at']}


def cmd_backup_key(args):
    from . import backup
    public = backup.new_key(args.out)
    print(f"Wrote the backup identity to {args.out}: keep it (and a copy) "
        "off the server; whoever holds it can read every backup.")
    print(f"Public key: {public}")
    print("A server that only writes backups needs just this public key "
        "in its key file (echo age1... > FILE).")


def cmd_restore(args):
    from . import backup
    name = args.database
    manifest, same_code = backup.restore(
        args.settings, name, args.file, args.key_file)
    print(f"Restored {manifest['database']!r} of {manifest['created_at']} "
        f"into {name!r}; the row counts match the backup.")
    print(backup.summary(manifest))
    if same_code:
        stamp_path(args).write_text(manifest['code_fingerprint'])
        audit.log_system(args, 'system.restore',
            backup_detail(Path(args.file), manifest))
    else:
        # the modules here cannot open the database before its update:
        # the restore goes unlogged, said here
        print("The restore is not in the audit log (other code).")
        print("The backup was taken with other module code than is "
            f"installed here: run caseload -d {shlex.quote(name)} update")


def proteus_config(args):
    args.settings.apply_in_process()
    from proteus import config
    return config.set_trytond(args.database)


def print_users(config):
    from . import demo
    from proteus import Model
    User = Model.get('res.user', config=config)
    rows = []
    for user in User.find(
            [('login', 'in', [u[0] for u in demo.USERS])],
            order=[('id', 'ASC')]):
        groups = sorted(g.name.replace('Caseload ', '') for g in user.groups
            if g.name.startswith('Caseload '))
        rows.append((user.login, ', '.join(groups)))
    if not rows:
        print("No demo logins in this database.")
        return
    print(f"Logins (password for all: {demo.DEMO_PASSWORD}):")
    width = max(len(login) for login, _ in rows)
    for login, roles in rows:
        print(f"  {login.ljust(width)}  {roles}")
    print(f"  {'admin'.ljust(width)}  Administrator "
        "(the password given to init)")
    print("Two-step sign-in is relaxed in this demo database: who has not "
        "set it up signs in with the password alone (a practice's "
        "database asks everyone for a code from an authenticator app).")
    WebUser = Model.get('web.user', config=config)
    portal = WebUser.find([('email', 'in', demo.PORTAL_LOGINS)])
    if portal:
        print(f"Client portal logins (password: {demo.DEMO_PASSWORD}):")
        for user in portal:
            print(f"  {user.email}  ({user.party.name})")


def cmd_users(args):
    require_database(args)
    print_users(proteus_config(args))


def check_port_free(listen):
    host, _, port = listen.rpartition(':')
    host = host.strip('[]') or 'localhost'
    try:
        port = int(port)
    except ValueError:
        raise CommandError(f"{listen!r} is not HOST:PORT.")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # as the server will: a port in TIME_WAIT is free to take
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            raise CommandError(
                f"Cannot listen on {host}:{port}: {error.strerror}. Is "
                "another server running there? Stop it or pass "
                "--listen HOST:PORT.")
    return host, port


def cmd_serve(args):
    settings, name = args.settings, args.database
    require_database(args)
    update_if_code_changed(args)
    listen = args.listen or settings.listen
    host, port = check_port_free(listen)
    root = settings.web_root
    if not root or not os.path.isfile(os.path.join(root, 'index.html')):
        raise CommandError(
            f"The web client (sao) is not installed in {root}. "
            "Run: make sao")
    from . import server
    workers = args.workers or server.default_workers(settings.backend)
    health = server.health_options(settings)
    extra = {'web': {'listen': f'{host}:{port}'}}
    with settings.resolved(extra) as config_files:
        url = f'http://{host}:{port}/'
        print(f"Caseload back office: {url}#{name}", flush=True)
        print(f"Client portal:        {url}{name}/portal/", flush=True)
        # gunicorn runs in this process: SIGHUP reloads, SIGTERM stops
        server.serve(config_files, name, health, host, port, workers)


def run_trytond(args, tool, *options):
    """Run a trytond tool on the database with the resolved config (its
    relative paths made absolute), passing SIGTERM/SIGINT on to it"""
    require_database(args)
    with args.settings.resolved() as config_files:
        command = [os.path.join(os.path.dirname(sys.executable), tool),
            '-c', *config_files, '-d', args.database, *options]
        children = []

        def forward(signum, frame):
            # trytond-cron and trytond-worker stop their process pools
            # cleanly on KeyboardInterrupt, not on SIGTERM
            for child in children:
                child.send_signal(signal.SIGINT)
        # handled before the child starts: it then starts with SIGINT at its
        # default (Python's KeyboardInterrupt). Started from a background
        # shell job, nohup or some service managers, SIGINT is ignored and
        # an ignored signal stays ignored across exec: the tool would never
        # hear the stop this command forwards
        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        child = subprocess.Popen(command)
        children.append(child)
        code = child.wait()
    # stopped on request is a clean stop
    return 0 if code in (-signal.SIGINT, 130) else code


def cmd_cron(args):
    return run_trytond(args, 'trytond-cron', *(['--once'] if args.once else []))


def cmd_worker(args):
    settings = args.settings
    if settings.backend != 'postgresql':
        raise CommandError(
            "The queue worker needs PostgreSQL (it waits on LISTEN/NOTIFY); "
            "on SQLite, tasks run within the request that queues them.")
    if (settings.get('queue', 'worker', fallback='False') or '').strip(
            ).lower() not in {'1', 'true', 'yes', 'on'}:
        raise CommandError(
            f"{settings.path} does not set [queue] worker = True, so tasks "
            "run within the request that queues them and a worker would "
            "have nothing to do. Set it to queue them for the worker.")
    options = ['-n', str(args.processes)] if args.processes else []
    return run_trytond(args, 'trytond-worker', *options)


if __name__ == '__main__':
    sys.exit(main())
