"""A block of work a transaction can take back on its own: the audit
chain's in-action append (a refused row must not abort the action's
transaction: PostgreSQL refuses every statement after an error) and each
file of an inbound folder (a refused file leaves the others imported)."""
import contextlib

from trytond import backend
from trytond.transaction import Transaction


@contextlib.contextmanager
def savepoint(name, forget=True):
    """Roll back what the block wrote when it raises, and only that (the
    transaction goes on). forget: the records the transaction cached are
    read again afterwards, since the block's writes are gone"""
    transaction = Transaction()
    connection = transaction.connection
    cursor = connection.cursor()
    if backend.name == 'sqlite' and not connection.in_transaction:
        # outside a transaction SQLite's RELEASE would commit; IMMEDIATE
        # takes the write lock now (the audit chain reads its head next)
        cursor.execute('BEGIN IMMEDIATE')
    cursor.execute(f'SAVEPOINT {name}')
    try:
        yield
    except BaseException:
        cursor.execute(f'ROLLBACK TO SAVEPOINT {name}')
        cursor.execute(f'RELEASE SAVEPOINT {name}')
        if forget:
            for cache in transaction.cache.values():
                cache.clear()
            # and what was kept "until the transaction writes" (rows.py's
            # until_written) is read again too
            transaction.counter += 1
        raise
    cursor.execute(f'RELEASE SAVEPOINT {name}')
