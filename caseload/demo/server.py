"""The one way the demo runs a step inside the server.

The bulk of the history is written server-side (thousands of rows a
client would create one call at a time). A step runs in one transaction,
committed, with the loop every trytond entry point runs around a call
(protocols/dispatcher.py, proteus's TrytondConfig, protocols/wrappers.py's
with_transaction, worker.run_task): a TransactionError names what the
transaction must lock and fix() adds it to the next attempt's extras
(therapy.configuration is a singleton: creating its row locks the table);
then the tasks the transaction queued run through trytond.worker.run_task.
Only those public pieces are used: nothing of the dispatcher is copied
or patched.
"""
from trytond.pool import Pool
from trytond.transaction import Transaction, TransactionError

# queued tasks the demo does not run (see run_tasks)
SKIPPED_TASKS = {'print_invoice'}


def run(database, user_id, company_id, step):
    """step() in one transaction as user_id of company_id, committed;
    retried with what it must lock; then the tasks it queued are run (see
    run_tasks). Returns what step returned."""
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
            tasks = list(transaction.tasks)
        run_tasks(database, tasks)
        return result
    raise RuntimeError("demo: a step could not lock what it needs")


def run_tasks(database, task_ids):
    """Run the queued tasks as the dispatcher would after a request (an
    invoice its payment reconciles becomes paid in one), but for the
    rendering of each posted invoice's report (a tenth of a second each):
    a report is rendered, and kept, when it is first printed"""
    from trytond.worker import run_task
    if not task_ids:
        return
    pool = Pool(database)
    with Transaction().start(database, 0) as transaction:
        Queue = pool.get('ir.queue')
        tasks = Queue.browse(task_ids)
        skip = [t for t in tasks if t.data.get('method') in SKIPPED_TASKS]
        Queue.delete(skip)
        transaction.commit()
        task_ids = [t.id for t in tasks if t not in skip]
    for task_id in task_ids:
        run_task(pool, task_id)
