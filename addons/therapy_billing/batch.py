"""Working on thousands of records at once (a remittance, a claim batch).

Tryton makes each record of a browse know the whole list it came with and
checks its id against that list as it is made, so browsing n records as
one list costs n²: 10,000 claims are 10⁸ steps before any field is read.
Batches are browsed and searched a slice at a time instead; a slice is
also what one `in` search takes on SQLite (its expression depth)."""
from trytond.transaction import Transaction

SLICE = 200


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
