"""Sending statements: the biller's statement run and the front desk's
Record as Sent.

Send Statements lists the clients whose guarantor owes more than a
minimum on the patient receivable and was last statemented longer ago
than a number of days (or never); the biller removes any, and it records
one statement per guarantor (statement_sent.py) and prints them as one
PDF, the stored bytes. Record as Sent, from a client, records the
client's statement (printed at the desk) and prints it. Both add nothing
for a guarantor statemented today."""
import datetime as dt
from decimal import Decimal

from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateReport, StateTransition, StateView, Wizard)

from .statement_sent import guarantor_clients, patient_balances

DEFAULT_MINIMUM = Decimal('0.01')
DEFAULT_DAYS = 30


def due_clients(company_id, minimum=DEFAULT_MINIMUM, days=DEFAULT_DAYS,
        today=None):
    """The clients (ids, by id) whose guarantor owes at least minimum and
    was not statemented in the last days days (never today)"""
    pool = Pool()
    Sent = pool.get('therapy.client.statement.sent')
    today = today or pool.get('ir.date').today()
    balances = patient_balances(company_id)
    owing = {p for p, (b, _) in balances.items() if b >= minimum and b > 0}
    last = Sent.last_sent(company_id, owing)
    since = today - dt.timedelta(days=max(days, 0))
    clients = guarantor_clients(company_id, owing)
    due = [clients[p] for p in owing if p in clients
        and (last.get(p) is None or (last[p] < since and last[p] < today))]
    return sorted(due)


class SendStatementsStart(ModelView):
    "Send Statements"
    __name__ = 'therapy.client.statement.run.start'

    minimum = fields.Numeric("Minimum Balance", digits=(16, 2),
        required=True, domain=[('minimum', '>', 0)],
        help="Clients whose guarantor owes less are left out.")
    days = fields.Integer("Not Statemented For (Days)", required=True,
        domain=[('days', '>=', 0)],
        help="Clients statemented more recently are left out.")
    clients = fields.Many2Many('therapy.client', None, None, "Clients",
        help="The statements to send: remove any to leave out.")
    statements = fields.Many2Many('therapy.client.statement.sent', None,
        None, "Statements", readonly=True)

    @classmethod
    def default_minimum(cls):
        return DEFAULT_MINIMUM

    @classmethod
    def default_days(cls):
        return DEFAULT_DAYS

    @classmethod
    def default_clients(cls):
        company = Transaction().context.get('company')
        return due_clients(company) if company else []

    @fields.depends('minimum', 'days', 'clients')
    def _refresh(self):
        company = Transaction().context.get('company')
        if company and self.minimum and self.minimum > 0 \
                and self.days is not None:
            self.clients = due_clients(company, self.minimum, self.days)

    @fields.depends(methods=['_refresh'])
    def on_change_minimum(self):
        self._refresh()

    @fields.depends(methods=['_refresh'])
    def on_change_days(self):
        self._refresh()


class SendStatements(Wizard):
    "Send Statements"
    __name__ = 'therapy.client.statement.run'

    start = StateView('therapy.client.statement.run.start',
        'therapy_billing.statement_run_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Send and Print", 'send', 'tryton-print', default=True),
            ])
    send = StateTransition()
    print_ = StateReport('therapy.client.statement.sent')

    def transition_send(self):
        Sent = Pool().get('therapy.client.statement.sent')
        statements = Sent.record(list(self.start.clients), 'printed')
        self.start.statements = statements
        return 'print_' if statements else 'end'

    def do_print_(self, action):
        ids = [s.id for s in self.start.statements]
        return action, {'ids': ids,
            'model': 'therapy.client.statement.sent'}

    def transition_print_(self):
        return 'end'


class RecordSent(Wizard):
    """Record as Sent: the client's statement, printed at the desk, is
    recorded and printed from what was recorded"""
    __name__ = 'therapy.client.statement.record'

    start = StateTransition()
    print_ = StateReport('therapy.client.statement.sent')

    def transition_start(self):
        Sent = Pool().get('therapy.client.statement.sent')
        statements = Sent.record([self.record], 'printed')
        return 'print_' if statements else 'end'

    def do_print_(self, action):
        Sent = Pool().get('therapy.client.statement.sent')
        Date = Pool().get('ir.date')
        guarantor = self.record.guarantor
        statements = Sent.search([
                ('guarantor', '=', guarantor.id if guarantor else -1),
                ('date', '=', Date.today()),
                ], limit=1)
        return action, {'ids': [s.id for s in statements],
            'model': 'therapy.client.statement.sent'}

    def transition_print_(self):
        return 'end'
