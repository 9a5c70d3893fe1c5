"""Lists of integers sent to PostgreSQL as array text in one join.

Why: Tryton reads records by ``id = ANY(%s)`` with the list of ids as the
parameter, and psycopg 3's ``ListDumper`` (still Python in 3.3.9, with
the binary package too) dumps such a list element by element through the
element's dumper, quoting each: on a 10,000-claim 835 import the reads'
id lists alone cost 0.7 s (bench/README.md "2026-12-06, night"). A list
of plain ints has one text form, ``{1,2,3}``, which this gives in one
``join``; any other list (None, bool, nested, other types) goes through
psycopg's own code unchanged. psycopg picks the array's type (int2, int4,
int8 or numeric by the largest value) before dumping; that is kept.

Installed when the module is imported, as row_reader is: only the
``dump`` method of psycopg's text list dumper is wrapped."""
try:
    from psycopg.types.array import ListDumper
except ImportError:  # no PostgreSQL driver: nothing to speed up
    ListDumper = None


def _plain_ints(values):
    # type() is int, not isinstance: True would dump as 't', not 1
    return all(type(v) is int for v in values)


def install():
    "Wrap ListDumper.dump once (module imports may repeat)"
    if ListDumper is None or getattr(ListDumper.dump, 'caseload', False):
        return
    psycopg_dump = ListDumper.dump

    def dump(self, obj):
        if obj and self.delimiter == b',' and _plain_ints(obj):
            return ('{%s}' % ','.join(map(str, obj))).encode()
        return psycopg_dump(self, obj)
    dump.caseload = True
    dump.psycopg = psycopg_dump
    ListDumper.dump = dump
