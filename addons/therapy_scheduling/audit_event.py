"""The audit log, read by client: which clients an event touched, by
name, so the privacy officer can ask "who opened this client's record"
(the accounting of disclosures starts there). The auditor need not have
access to the clients themselves: the names are looked up for them."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from .tools import rec_name_domain


def client_ids(event):
    return [int(i) for i in (event.client_ids or '').split(',') if i]


class AuditEvent(metaclass=PoolMeta):
    __name__ = 'therapy.audit.event'

    clients = fields.Function(fields.Char("Clients",
            help="The clients whose records the event touched."),
        'get_clients', searcher='search_clients')

    @classmethod
    def get_clients(cls, events, name):
        Client = Pool().get('therapy.client')
        ids = {i for e in events for i in client_ids(e)}
        with without_check_access():
            names = {c.id: c.rec_name for c in Client.browse(sorted(ids))}
        return {e.id: ', '.join(names.get(i, str(i)) for i in client_ids(e))
            or None for e in events}

    @classmethod
    def search_clients(cls, name, clause):
        Client = Pool().get('therapy.client')
        # by name or number: a party's rec_name would also match its
        # emails and phones, and list clients the auditor did not name
        with without_check_access():
            clients = Client.search(rec_name_domain(clause,
                    ['party.name', 'number', 'preferred_name']), order=[])
        if not clients:
            return [('id', '=', -1)]
        return ['OR'] + [('client_ids', 'like', f'%,{c.id},%')
            for c in clients]
