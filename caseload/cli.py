"""caseload: the operator's command for a Caseload practice server.

    caseload [-c CONFIG] [-d DATABASE] init [--demo] [--password-file FILE]
    caseload [-c CONFIG] [-d DATABASE] update
    caseload [-c CONFIG] [-d DATABASE] serve [--listen HOST:PORT]
    caseload [-c CONFIG] [-d DATABASE] users
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

from . import database
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


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='caseload', description="Run a Caseload practice server.")
    parser.add_argument(
        '-c', '--config', default=DEFAULT_CONFIG,
        help="server config file (default: %(default)s)")
    parser.add_argument(
        '-d', '--database', default='demo',
        help="database name (default: %(default)s)")
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
    update.set_defaults(func=cmd_update)

    serve = commands.add_parser(
        'serve', help="serve the back office (sao) and the client portal")
    serve.add_argument(
        '--listen', help="HOST:PORT to listen on (default: from the config)")
    serve.set_defaults(func=cmd_serve)

    users = commands.add_parser('users', help="list the back-office logins")
    users.set_defaults(func=cmd_users)

    args = parser.parse_args(argv)
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
        from . import demo
        config = proteus_config(args)
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
    require_database(args)
    database.update(args.settings, args.database)
    stamp_path(args).write_text(database.code_fingerprint())
    print(f"Updated the Caseload modules in {args.database!r}.")


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
    extra = {'web': {'listen': f'{host}:{port}'}}
    with settings.resolved(extra) as config_files:
        url = f'http://{host}:{port}/'
        print(f"Caseload back office: {url}#{name}", flush=True)
        print(f"Client portal:        {url}{name}/portal/", flush=True)
        # -d preloads the pool: a cold server whose first request is a
        # login would otherwise register an empty pool (trytond 8.0.12).
        command = [os.path.join(os.path.dirname(sys.executable), 'trytond'),
            '-c', *config_files, '-d', name]
        server = subprocess.Popen(command)

        def forward(signum, frame):
            server.send_signal(signum)
        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        return server.wait()


if __name__ == '__main__':
    sys.exit(main())
