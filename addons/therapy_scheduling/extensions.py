"""PostgreSQL extensions the schema needs, created when the modules register.

Both are trusted extensions (PostgreSQL >= 13): the database owner may
create them, no superuser needed. Without them Tryton silently does
without: btree_gist's exclusion constraints fall back to a Python check
under a table lock (serialising every booking), pg_trgm's indexes are
not created and a name typed in a search bar scans whole tables.

An extension must be committed before Tryton's table handler asks for it
(on another connection), hence the autocommit transaction and the reset
of Tryton's extension cache (private API of 8.0)."""
from trytond import backend
from trytond.transaction import Transaction


def ensure_extension(name):
    "Create the PostgreSQL extension name if the database lacks it"
    if backend.name != 'postgresql':
        return
    transaction = Transaction()
    database = transaction.database
    if database.has_extension(name):
        return
    with transaction.new_transaction(autocommit=True) as new:
        new.connection.cursor().execute(
            f'CREATE EXTENSION IF NOT EXISTS {name}')
    database._extensions[database.name].pop(name, None)
