"""Running the tasks committed transactions queued, as trytond's
dispatcher does after a request when no queue worker is configured
(`[queue] worker = True` leaves them in ir.queue for `caseload worker`,
and none are listed here).

Without it a command's transaction leaves its tasks in the queue with no
one to run them: the invoices a remittance's reconciliations paid stay
posted (account_invoice marks them paid in a queued `process`), and the
health check reports the due tasks nobody took. The rendering of each
posted invoice's report is not run (a tenth of a second each, thousands
after a remittance): a report is rendered, and kept, when it is first
printed."""
from trytond.pool import Pool
from trytond.transaction import Transaction

# queued tasks not run here (see the docstring)
SKIPPED_TASKS = {'print_invoice'}


def run_queued(database, tasks):
    """Run the tasks of tasks (Transaction().tasks: the ids the thread's
    committed transactions queued), taking them off it as the dispatcher
    does, until none is left: a task may queue more. Each runs in its own
    transaction, as trytond.worker.run_task runs it"""
    from trytond.worker import run_task
    pool = Pool(database)
    while tasks:
        task_ids = list(dict.fromkeys(tasks))
        tasks.clear()
        with Transaction().start(database, 0) as transaction:
            Queue = pool.get('ir.queue')
            # searched, as run_task finds its task: the id of a task
            # whose transaction rolled back names nothing (or, on SQLite,
            # a later task)
            queued = Queue.search([('id', 'in', task_ids)])
            skip = [t for t in queued
                if t.data.get('method') in SKIPPED_TASKS]
            Queue.delete(skip)
            transaction.commit()
            task_ids = [t.id for t in queued if t not in skip]
        for task_id in task_ids:
            run_task(pool, task_id)
