"""Rows read as dicts with their column names taken once a query.

Why: trytond's ``cursor_dict`` (``trytond/tools/__init__.py``), which
``ModelSQL.read`` and ``ModelSQL.search`` turn every row into a dict
with, asks the cursor for its ``description`` once per row, and psycopg 3
builds a new ``Column`` object per column each time it is asked
(psycopg/psycopg#457, still so in 3.3.9). On PostgreSQL a record read
spent more time describing its row than fetching it: importing a
1,000-claim 835 built 1.7 million ``Column`` objects, a tenth of the
posting. Both callers turn the rows into a list at once, so the names
cannot change under them; the dicts are the same. It also fetches a
thousand rows at a time instead of psycopg's default of one.

Installed when the module is imported (trytond imports every module at
start-up), as ``web_guard`` is; only ModelSQL's reference to the function
is replaced, Tryton's other callers keep theirs."""
import trytond.model.modelsql as modelsql

FETCH_SIZE = 1000


def cursor_dict(cursor, size=None):
    "The rows of cursor's query as {column name: value}"
    size = max(cursor.arraysize, FETCH_SIZE) if size is None else size
    names = None
    while True:
        rows = cursor.fetchmany(size)
        if not rows:
            break
        if names is None:
            names = [d[0] for d in cursor.description]
        for row in rows:
            yield dict(zip(names, row))


def install():
    "ModelSQL reads its rows with cursor_dict (module imports may repeat)"
    modelsql.cursor_dict = cursor_dict
