"""The one way the demo runs a step inside the server.

The bulk of the history is written server-side (thousands of rows a
client would create one call at a time). A step runs in one transaction,
committed, with the loop every trytond entry point runs around a call
(protocols/dispatcher.py, proteus's TrytondConfig, protocols/wrappers.py's
with_transaction, worker.run_task): a TransactionError names what the
transaction must lock and fix() adds it to the next attempt's extras
(therapy.configuration is a singleton: creating its row locks the table);
then the tasks the transaction queued run (caseload/tasks.py).
Only those public pieces are used: nothing of the dispatcher is copied
or patched.
"""
from trytond.transaction import Transaction, TransactionError

from ..tasks import run_queued


def run(database, user_id, company_id, step):
    """step() in one transaction as user_id of company_id, committed;
    retried with what it must lock; then the tasks it queued are run
    (caseload.tasks.run_queued). Returns what step returned."""
    extras = {}
    for attempt in range(5):
        with Transaction().start(database, user_id, context={
                    'company': company_id, 'companies': [company_id],
                    }, **extras) as transaction:
            try:
                result = step()
            except TransactionError as error:
                transaction.rollback()
                transaction.tasks.clear()
                error.fix(extras)
                continue
            transaction.commit()
        run_queued(database, transaction.tasks)
        return result
    raise RuntimeError("demo: a step could not lock what it needs")
