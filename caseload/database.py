"""Create, check and set up Tryton databases for Caseload.

SQLite databases are files ``<path>/<name>.sqlite`` that trytond-admin will
not create itself; PostgreSQL databases must exist before trytond-admin runs
(else a 30 s pool timeout with no clear message), so both are created here.
"""
import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

MODULES = [
    'therapy_scheduling', 'therapy_audit', 'therapy_clinical',
    'therapy_billing', 'therapy_portal', 'therapy_reporting', 'therapy_edi']


class DatabaseError(Exception):
    pass


def _sqlite_file(settings, name):
    if not settings.database_path:
        raise DatabaseError(
            f"{settings.path} sets no [database] path for SQLite files.")
    return Path(settings.database_path) / f'{name}.sqlite'


def _pg_connect(settings, dbname='postgres'):
    import psycopg
    parts = urlsplit(settings.uri)
    uri = urlunsplit(('postgresql', parts.netloc, f'/{dbname}', '', ''))
    try:
        return psycopg.connect(uri, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as error:
        raise DatabaseError(
            f"Cannot reach PostgreSQL at {parts.hostname or 'localhost'}:"
            f"{parts.port or 5432}: {str(error).strip()}. Is the server "
            "running and the [database] uri right?")


def exists(settings, name):
    if settings.backend == 'sqlite':
        return _sqlite_file(settings, name).exists()
    with _pg_connect(settings) as conn:
        return bool(conn.execute(
                'SELECT 1 FROM pg_database WHERE datname = %s',
                (name,)).fetchone())


def create(settings, name):
    if settings.backend == 'sqlite':
        path = _sqlite_file(settings, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        return
    from psycopg import sql
    with _pg_connect(settings) as conn:
        conn.execute(sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'"
                ).format(sql.Identifier(name)))
    tune(settings, name)


def tune(settings, name):
    """PostgreSQL settings of the database itself, for every connection to
    it (server, cron, worker): no JIT compilation. PostgreSQL compiles a
    query whose estimated cost passes jit_above_cost, and the care team's
    record rules estimate the whole history (a hashed plan it will not
    use for a few rows): a clinician's week that runs in half a
    millisecond spent 100 ms compiling. A practice's queries are short;
    JIT only adds to them."""
    if settings.backend != 'postgresql':
        return
    from psycopg import errors, sql
    statement = sql.SQL('ALTER DATABASE {} SET jit = off').format(
        sql.Identifier(name))
    with _pg_connect(settings) as conn:
        try:
            conn.execute(statement)
        except errors.InsufficientPrivilege:
            # not the database's owner: say what to do, change nothing
            print(f"Warning: could not turn JIT off for database {name!r} "
                "(only its owner may): run `ALTER DATABASE "
                f'"{name}" SET jit = off` as its owner.', file=sys.stderr)


def drop(settings, name):
    if settings.backend == 'sqlite':
        path = _sqlite_file(settings, name)
        for suffix in ['', '-wal', '-shm', '-journal']:
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return
    import time

    from psycopg import errors, sql
    statement = sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(
        sql.Identifier(name))
    # FORCE may not end a superuser's backend, e.g. an autovacuum worker
    # that just entered the new database: it leaves within moments
    for attempt in range(10):
        try:
            with _pg_connect(settings) as conn:
                conn.execute(statement)
            return
        except (errors.InsufficientPrivilege, errors.ObjectInUse):
            if attempt == 9:
                raise
            time.sleep(0.5)


def initialised(settings, name):
    """True when the database holds Tryton with Caseload activated: its
    base module is enough, `update` activates a module added since"""
    if settings.backend == 'sqlite':
        import sqlite3
        conn = sqlite3.connect(_sqlite_file(settings, name))
        query = ("SELECT count(*) FROM ir_module WHERE name = ? "
            "AND state = 'activated'")
        try:
            count, = conn.execute(query, MODULES[:1]).fetchone()
        except sqlite3.OperationalError:
            return False
        finally:
            conn.close()
        return count == 1
    import psycopg
    with _pg_connect(settings, name) as conn:
        try:
            count, = conn.execute(
                "SELECT count(*) FROM ir_module WHERE name = %s "
                "AND state = 'activated'", (MODULES[0],)).fetchone()
        except psycopg.errors.UndefinedTable:
            return False
    return count == 1


def code_fingerprint():
    "Hash of our modules' code and data: when it changes, update the DB"
    digest = hashlib.sha256()
    for module in MODULES:
        folder = Path(importlib.util.find_spec(module).origin).parent
        for path in sorted(folder.rglob('*')):
            if (path.suffix in {'.py', '.xml', '.cfg'}
                    and 'tests' not in path.relative_to(folder).parts):
                digest.update(str(path.relative_to(folder.parent)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def trytond_admin(settings, name, args, password_file=None):
    env = dict(os.environ)
    if password_file:
        env['TRYTONPASSFILE'] = password_file
    with settings.resolved() as config_files:
        command = [os.path.join(os.path.dirname(sys.executable),
                'trytond-admin'), '-c', *config_files, '-d', name, *args]
        result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL)
    if result.returncode:
        raise DatabaseError(
            f"trytond-admin failed on database {name!r} "
            f"(exit {result.returncode}); its messages are above.")


def install(settings, name, password_file, email):
    args = ['--all', '-u', *MODULES, '--activate-dependencies',
        '--email', email]
    trytond_admin(settings, name, args, password_file=password_file)


def update(settings, name):
    tune(settings, name)
    trytond_admin(settings, name, ['-u', *MODULES, '--activate-dependencies'])
