import datetime as dt

from sql.operators import Or

from trytond.model import fields
from trytond.model.fields import SQL_OPERATORS
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from therapy_scheduling.client import ADULT_AGE, years_between

from .batch import slices


class Client(metaclass=PoolMeta):
    __name__ = 'therapy.client'

    guarantor = fields.Function(
        fields.Many2One('party.party', "Guarantor",
            context={'company': Eval('company', -1)}, depends={'company'},
            help="Who pays the client's share: the guardian marked "
            "guarantor, else the client's contact."),
        'get_guarantor')

    @classmethod
    def get_guarantor(cls, clients, name=None):
        return cls.guarantors([c.id for c in clients])

    @classmethod
    def guarantors(cls, client_ids):
        """{client id: party id} of who pays each client's share: the first
        guardian marked guarantor, else the client's contact (a minor's
        first guardian who can consent, else the client; contact_party).
        Read as rows, all at once: a remittance bills the shares of
        hundreds of claims, and a record per client and guardian was a
        tenth of its posting"""
        Guardian = Pool().get('therapy.client.guardian')
        cursor = Transaction().connection.cursor()
        client = cls.__table__()
        guardian = Guardian.__table__()
        today = dt.date.today()
        result, minors = {}, set()
        for chunk in slices(set(client_ids)):
            cursor.execute(*client.select(
                    client.id, client.party, client.birth_date,
                    where=SQL_OPERATORS['in'](client.id, chunk)))
            for client_id, party, birth_date in cursor:
                result[client_id] = party
                if birth_date and years_between(
                        birth_date, today) < ADULT_AGE:
                    minors.add(client_id)
        rows = []
        for chunk in slices(result):
            cursor.execute(*guardian.select(
                    guardian.client, guardian.party, guardian.guarantor,
                    guardian.legal_guardian, guardian.sequence, guardian.id,
                    where=SQL_OPERATORS['in'](guardian.client, chunk)
                    & Or([guardian.guarantor == True,  # noqa: E712
                            guardian.legal_guardian == True])))  # noqa: E712
            rows += cursor.fetchall()
        # the guardians' order: sequence (unset first), then id
        rows.sort(key=lambda r: (r[4] is not None, r[4] or 0, r[5]))
        guarantor, consenting = {}, {}
        for client_id, party, is_guarantor, legal, _, _ in rows:
            if is_guarantor:
                guarantor.setdefault(client_id, party)
            if legal and client_id in minors:
                consenting.setdefault(client_id, party)
        result.update(consenting)
        result.update(guarantor)
        return result
