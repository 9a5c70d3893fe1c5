"""Encrypted backups of a practice's database and filestore (HIPAA
164.308(a)(7): PHI stays recoverable), and their verification and restore.

An archive ``<db>-<UTC stamp>.caseload-backup`` is a tar encrypted with age
(pyrage): ``manifest.json`` first, then the database (``database.pgdump``
from pg_dump's custom format, or ``database.sqlite`` from SQLite's online
backup) and the files of Tryton's filestore under ``filestore/``. The
manifest names every part with its size and SHA-256 and counts the rows of
the main tables, so a restore proves it got back what was saved.

The key is an age identity file (``AGE-SECRET-KEY-1...``); a backup may be
written with only its public key (``age1...``), so a server can write
backups it cannot read.
"""
import contextlib
import datetime
import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from . import database

FORMAT = 1
SUFFIX = '.caseload-backup'
MANIFEST = 'manifest.json'
FILESTORE = 'filestore'
# counted in the manifest and checked after a restore, when they exist
MAIN_TABLES = [
    'party_party', 'therapy_client', 'therapy_appointment', 'therapy_note',
    'therapy_note_addendum', 'therapy_psychotherapy_note', 'account_move',
    'account_move_line', 'account_invoice', 'ir_attachment']
CHUNK = 1 << 20


class BackupError(database.DatabaseError):
    "A backup, verify or restore that cannot go on: the message says why"


# Keys ---------------------------------------------------------------------

def read_key(path):
    """(identities, recipients) of an age key file: identities decrypt,
    a public key only encrypts"""
    import pyrage
    try:
        text = Path(path).read_text(encoding='ascii')
    except FileNotFoundError:
        raise BackupError(f"Key file {path} not found.")
    except (OSError, UnicodeDecodeError) as error:
        raise BackupError(f"Key file {path} cannot be read: {error}.")
    identities, recipients = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        try:
            if line.startswith('AGE-SECRET-KEY-1'):
                identities.append(pyrage.x25519.Identity.from_str(line))
            elif line.startswith('age1'):
                recipients.append(pyrage.x25519.Recipient.from_str(line))
            else:
                raise ValueError(line[:12])
        except (ValueError, pyrage.IdentityError, pyrage.RecipientError):
            raise BackupError(
                f"Key file {path} holds a line that is not an age key "
                "(AGE-SECRET-KEY-1... or age1...). Make one with: "
                "caseload backup-key --out FILE")
    if not identities and not recipients:
        raise BackupError(f"Key file {path} holds no age key.")
    return identities, recipients


def recipients_of(path):
    identities, recipients = read_key(path)
    return recipients + [identity.to_public() for identity in identities]


def identities_of(path):
    identities, _ = read_key(path)
    if not identities:
        raise BackupError(
            f"Key file {path} holds only a public key (age1...), which "
            "can write backups but not read them: pass the identity file "
            "(AGE-SECRET-KEY-1...) kept off the server.")
    return identities


def new_key(out):
    "Write a new age identity to out (0600, never over a file); its public key"
    import pyrage
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    now = datetime.datetime.now(datetime.timezone.utc)
    text = (f"# created: {now.isoformat(timespec='seconds')}\n"
        f"# public key: {public}\n{identity}\n")
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(
            f"{out} already exists; a key is never overwritten (the "
            "backups made with it would be lost). Choose another file.")
    except OSError as error:
        raise BackupError(f"Cannot create {out}: {error.strerror}.")
    with os.fdopen(fd, 'w') as file:
        file.write(text)
    return public


# Where things are --------------------------------------------------------

def config_path(settings, option):
    "A [caseload] path option, relative to the config file like the others"
    value = settings.get('caseload', option)
    if value:
        return Path(os.path.dirname(settings.path), value).resolve()


def filestore_root(settings):
    # trytond's own default when the config names no [database] path
    return Path(settings.database_path or os.path.expanduser('~/db'))


def backup_dir(settings, out=None):
    if out:
        return Path(out)
    return config_path(settings, 'backup_dir') or (
        filestore_root(settings).parent / 'backups')


def archive_name(name, when):
    return f"{name}-{when.strftime('%Y%m%dT%H%M%SZ')}{SUFFIX}"


def archives_of(folder, name):
    "The archives of database name in folder, oldest first"
    pattern = re.compile(
        re.escape(name) + r'-\d{8}T\d{6}Z' + re.escape(SUFFIX))
    return sorted(p for p in Path(folder).iterdir()
        if pattern.fullmatch(p.name) and p.is_file())


def prune(folder, name, keep):
    "Delete the archives of name beyond the newest keep; the deleted paths"
    old = archives_of(folder, name)[:-keep] if keep else []
    for path in old:
        path.unlink()
    return old


# Databases ---------------------------------------------------------------

def pg_environ(settings, name):
    "libpq's environment for the server of the URI (no password in argv)"
    parts = urlsplit(settings.uri)
    env = dict(os.environ)
    for key, value in [('PGHOST', parts.hostname), ('PGPORT', parts.port),
            ('PGUSER', parts.username), ('PGPASSWORD', parts.password)]:
        if value is not None:
            env[key] = unquote(str(value))
    sslmode = parse_qs(parts.query).get('sslmode')
    if sslmode:
        env['PGSSLMODE'] = sslmode[0]
    env['PGDATABASE'] = name
    return env


def pg_tool(tool):
    "The newest pg_dump/pg_restore on PATH or in /usr/lib/postgresql/*/bin"
    candidates = [p for p in [shutil.which(tool)] if p] + glob.glob(
        f'/usr/lib/postgresql/*/bin/{tool}')
    best = None
    for path in candidates:
        try:
            output = subprocess.run([path, '--version'], capture_output=True,
                text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        found = re.search(r'(\d+)(?:\.(\d+))?', output)
        version = tuple(int(v or 0) for v in found.groups()) if found else ()
        if best is None or version > best[0]:
            best = (version, path)
    if best is None:
        raise BackupError(
            f"{tool} not found (on PATH or in /usr/lib/postgresql/*/bin): "
            "install the PostgreSQL client of the server's version "
            "(Debian: apt-get install postgresql-client-15).")
    return best[1]


@contextlib.contextmanager
def connect(settings, name):
    "A DB-API connection to database name"
    if settings.backend == 'sqlite':
        conn = sqlite3.connect(database._sqlite_file(settings, name))
    else:
        conn = database._pg_connect(settings, name)
    try:
        yield conn
    finally:
        conn.close()


def tables(conn):
    if isinstance(conn, sqlite3.Connection):
        query = ("SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%'")
    else:
        query = ("SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
    return sorted(row[0] for row in conn.execute(query).fetchall())


def row_counts(conn, names=None):
    "{table: rows} of the tables in names that exist (all when None)"
    existing = tables(conn)
    selected = existing if names is None else [
        t for t in names if t in existing]
    # the names come from the catalog (or our list checked against it)
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
        for t in selected}


def dump_sqlite(settings, name, target):
    source = database._sqlite_file(settings, name)
    with contextlib.closing(sqlite3.connect(source)) as conn, \
            contextlib.closing(sqlite3.connect(target)) as copy:
        conn.backup(copy)
    with contextlib.closing(sqlite3.connect(target)) as copy:
        return row_counts(copy, MAIN_TABLES)


def dump_postgresql(settings, name, target):
    """pg_dump in the snapshot the row counts are read in, so they agree
    with the dump even while the practice works"""
    import psycopg
    pg_dump = pg_tool('pg_dump')
    with contextlib.closing(database._pg_connect(settings, name)) as conn:
        conn.autocommit = False
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot, = conn.execute('SELECT pg_export_snapshot()').fetchone()
        counts = row_counts(conn, MAIN_TABLES)
        result = subprocess.run(
            [pg_dump, '--format=custom', f'--snapshot={snapshot}',
                f'--file={target}', '--dbname', name],
            env=pg_environ(settings, name), capture_output=True, text=True)
        conn.rollback()
    if result.returncode:
        raise BackupError(
            f"pg_dump failed on {name!r}: {result.stderr.strip()}")
    return counts


# Archives ----------------------------------------------------------------

def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def caseload_version():
    try:
        return metadata.version('caseload')
    except metadata.PackageNotFoundError:
        return 'unknown'


@contextlib.contextmanager
def private_folder():
    "A temporary folder only we can read (mkdtemp: 0700), removed after"
    folder = tempfile.mkdtemp(prefix='caseload-backup-')
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def create(settings, name, key_file, out=None, keep=None, fingerprint=None):
    """Write an encrypted archive of database name; (path, manifest,
    deleted old archives)"""
    recipients = recipients_of(key_file)
    folder = backup_dir(settings, out)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    path = folder / archive_name(name, now)
    if path.exists():
        raise BackupError(
            f"{path} already exists (a backup of {name!r} this second); "
            "try again in a moment.")
    with private_folder() as work:
        if settings.backend == 'sqlite':
            part = 'database.sqlite'
            counts = dump_sqlite(settings, name, work / part)
        else:
            part = 'database.pgdump'
            counts = dump_postgresql(settings, name, work / part)
        parts = [(part, work / part)]
        store = filestore_root(settings) / name
        if store.is_dir():
            for file in sorted(store.rglob('*')):
                if file.is_file() and not file.is_symlink():
                    parts.append((
                        f'{FILESTORE}/{file.relative_to(store).as_posix()}',
                        file))
        manifest = {
            'format': FORMAT,
            'database': name,
            'backend': settings.backend,
            'created_at': now.isoformat().replace('+00:00', 'Z'),
            'caseload_version': caseload_version(),
            'code_fingerprint': fingerprint or database.code_fingerprint(),
            'parts': [{'name': n, 'size': p.stat().st_size,
                    'sha256': sha256_file(p)} for n, p in parts],
            'row_counts': counts,
            }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1))
        plain = work / 'archive.tar'
        with tarfile.open(plain, 'w') as tar:
            tar.add(work / MANIFEST, MANIFEST)
            for part_name, part_path in parts:
                tar.add(part_path, part_name, recursive=False)
        partial = folder / f'.{path.name}.partial'
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                0o600)
            os.close(fd)
            encrypt(plain, partial, recipients)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    deleted = prune(folder, name, keep) if keep else []
    return path, manifest, deleted


def encrypt(plain, target, recipients):
    import pyrage
    with open(plain, 'rb') as reader, open(target, 'wb') as writer:
        pyrage.encrypt_io(reader, writer, recipients)


def decrypt(archive, target, identities):
    import pyrage
    try:
        reader = open(archive, 'rb')
    except FileNotFoundError:
        raise BackupError(f"Backup {archive} not found.")
    with reader, open(target, 'wb') as writer:
        try:
            pyrage.decrypt_io(reader, writer, identities)
        except (pyrage.DecryptError, OSError) as error:
            # a changed or cut-short stream fails as an OSError here
            raise BackupError(
                f"Backup {archive} cannot be decrypted: it was made for "
                "another key, or it is damaged (changed or cut short) "
                f"({error}).")


def unpack(archive, key_file, work):
    """Decrypt and check archive into folder work: its manifest. Every
    part must be in the manifest with its size and SHA-256, and back."""
    identities = identities_of(key_file)
    plain = work / 'archive.tar'
    decrypt(archive, plain, identities)
    content = work / 'content'
    content.mkdir(mode=0o700)
    try:
        with tarfile.open(plain) as tar:
            # 'data': regular files inside content/ only, no links out
            tar.extractall(content, filter='data')
        manifest = json.loads((content / MANIFEST).read_text())
    except (tarfile.TarError, OSError, ValueError) as error:
        raise BackupError(
            f"Backup {archive} decrypts but holds no readable archive "
            f"({error}).")
    finally:
        plain.unlink(missing_ok=True)
    if not isinstance(manifest, dict) or manifest.get('format') != FORMAT:
        raise BackupError(
            f"Backup {archive} has a manifest of an unknown format; "
            "a newer Caseload may read it.")
    try:
        expected = {p['name']: p for p in manifest['parts']}
        for key in ['database', 'backend', 'created_at', 'row_counts',
                'code_fingerprint', 'caseload_version']:
            manifest[key]
    except (KeyError, TypeError) as error:
        raise BackupError(
            f"Backup {archive} has an incomplete manifest ({error}).")
    found = {p.relative_to(content).as_posix() for p in content.rglob('*')
        if p.is_file()} - {MANIFEST}
    if found != set(expected):
        odd = sorted(found ^ set(expected))
        raise BackupError(
            f"Backup {archive} does not match its manifest: "
            f"{', '.join(odd[:3])} {'is' if len(odd) == 1 else 'are'} "
            "missing or extra.")
    for part_name, part in expected.items():
        path = content / part_name
        if (path.stat().st_size != part['size']
                or sha256_file(path) != part['sha256']):
            raise BackupError(
                f"Backup {archive} does not match its manifest: "
                f"{part_name} has changed.")
    return manifest, content


def verify(archive, key_file):
    with private_folder() as work:
        manifest, _ = unpack(archive, key_file, work)
    return manifest


def summary(manifest):
    "The manifest as a few lines for the operator"
    parts = manifest['parts']
    database_part = parts[0]
    lines = [
        f"  database:  {manifest['database']} ({manifest['backend']}), "
        f"taken {manifest['created_at']}",
        f"  caseload:  {manifest['caseload_version']}, modules "
        f"{manifest['code_fingerprint'][:16]}",
        f"  parts:     {database_part['name']} "
        f"{human_size(database_part['size'])}, {len(parts) - 1} "
        f"filestore file(s) "
        f"{human_size(sum(p['size'] for p in parts[1:]))}",
        "  rows:      " + ', '.join(
            f"{table} {count}"
            for table, count in manifest['row_counts'].items())]
    return '\n'.join(lines)


def human_size(size):
    for unit in ['B', 'KiB', 'MiB', 'GiB']:
        if size < 1024 or unit == 'GiB':
            return f"{size:.0f} {unit}" if unit == 'B' else (
                f"{size:.1f} {unit}")
        size /= 1024


# Restore -----------------------------------------------------------------

def restore(settings, name, archive, key_file):
    """Verify archive, then make database name from it: (manifest, whether
    its modules' code is the code installed here)"""
    if database.exists(settings, name):
        raise BackupError(
            f"Database {name!r} already exists; a restore never replaces "
            "a database. Pick a new name with -d (nothing was changed).")
    store = filestore_root(settings) / name
    if store.exists():
        raise BackupError(
            f"The filestore folder {store} already exists; move it away "
            "or pick a new name with -d (nothing was changed).")
    with private_folder() as work:
        manifest, content = unpack(archive, key_file, work)
        if manifest['backend'] != settings.backend:
            raise BackupError(
                f"Backup {archive} is of a {manifest['backend']} database; "
                f"this server uses {settings.backend} (nothing was changed).")
        try:
            load(settings, name, content, manifest)
            with connect(settings, name) as conn:
                counts = row_counts(conn, manifest['row_counts'])
            if counts != manifest['row_counts']:
                differ = [t for t in manifest['row_counts']
                    if counts.get(t) != manifest['row_counts'][t]]
                raise BackupError(
                    f"The restored database's row counts differ from the "
                    f"backup's in {', '.join(differ)}.")
        except BaseException as error:
            database.drop(settings, name)
            shutil.rmtree(store, ignore_errors=True)
            if isinstance(error, (BackupError, database.DatabaseError)):
                raise BackupError(
                    f"{error} The incomplete database {name!r} was removed.")
            raise
    return manifest, manifest['code_fingerprint'] == (
        database.code_fingerprint())


def load(settings, name, content, manifest):
    if settings.backend == 'sqlite':
        target = database._sqlite_file(settings, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(content / 'database.sqlite', target)
    else:
        database.create(settings, name)
        result = subprocess.run(
            [pg_tool('pg_restore'), '--no-owner', '--exit-on-error',
                '--dbname', name, str(content / 'database.pgdump')],
            env=pg_environ(settings, name), capture_output=True, text=True)
        if result.returncode:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    source = content / FILESTORE
    if source.is_dir():
        store = filestore_root(settings) / name
        shutil.copytree(source, store)


# Update report ----------------------------------------------------------

def schema(settings, name):
    "(activated modules, models, (model, field)s) of database name"
    with connect(settings, name) as conn:
        modules = {r[0] for r in conn.execute(
                "SELECT name FROM ir_module WHERE state = 'activated'")}
        models = {r[0] for r in conn.execute('SELECT name FROM ir_model')}
        fields = {(r[0], r[1]) for r in conn.execute(
                'SELECT model, name FROM ir_model_field')}
    return modules, models, fields


def schema_changes(before, after, limit=20):
    "Lines saying what an update added or removed"
    lines = []
    labels = ['modules activated', 'models', 'fields']
    for label, old, new in zip(labels, before, after):
        added, removed = sorted(new - old), sorted(old - new)
        for sign, items in [('+', added), ('-', removed)]:
            if label == 'modules activated' and sign == '-':
                label = 'modules deactivated'
            if not items:
                continue
            shown = ['.'.join(i) if isinstance(i, tuple) else i
                for i in items[:limit]]
            more = f" and {len(items) - limit} more" if (
                len(items) > limit) else ''
            lines.append(f"  {sign} {len(items)} {label}: "
                f"{', '.join(shown)}{more}")
    return lines
