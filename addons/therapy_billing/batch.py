"""Working on thousands of records at once (a remittance, a claim batch).

Tryton makes each record of a browse know the whole list it came with and
checks its id against that list as it is made, so browsing n records as
one list costs n²: 10,000 claims are 10⁸ steps before any field is read.
Batches are browsed and searched a slice at a time instead; a slice is
also what one `in` search takes on SQLite (its expression depth)."""
import gc
import threading
from contextlib import contextmanager

from trytond.transaction import Transaction

SLICE = 200
# a full collection once in this many of the middle generation's, where
# Python makes one in 10
FULL_COLLECTION_EVERY = 1000
_collector = threading.Lock()
_batches = {'running': 0, 'full': None}


def slices(items, size=SLICE):
    "The items in lists of size"
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def browse_in_slices(Model, ids, size=SLICE):
    "The records of ids, browsed a slice at a time"
    return [r for sub_ids in slices(ids, size) for r in Model.browse(sub_ids)]


def search_ids(Model, domain, order=None):
    "The ids of the records of Model in domain: the query alone, no record"
    cursor = Transaction().connection.cursor()
    cursor.execute(*Model.search(domain, order=order, query=True))
    return [i for i, in cursor]


@contextmanager
def long_lived():
    """Fewer full collections of Python's cyclic garbage collector while a
    batch runs: what a batch makes (records, rows, the ledger lines of
    10,000 claims) lives to its end, and each full collection walks all of
    it again: 4 of the 18 s of CPU an import of 10,000 claims took. Young
    garbage is collected as before; the thresholds come back when the
    last batch of the process ends. They are the process's: a server
    worker's other requests meanwhile collect less often too (peak memory
    of that import 344 -> 434 MB). Tuned on Python 3.11's collector"""
    with _collector:
        if not _batches['running']:
            young, middle, full = gc.get_threshold()
            _batches['full'] = full
            gc.set_threshold(young, middle, max(full, FULL_COLLECTION_EVERY))
        _batches['running'] += 1
    try:
        yield
    finally:
        with _collector:
            _batches['running'] -= 1
            if not _batches['running']:
                young, middle, _ = gc.get_threshold()
                gc.set_threshold(young, middle, _batches['full'])
