"""The leak of balances clients owe and were not told about: a guarantor
with a patient balance whose open charge line is older than statement_days
and no statement sent (therapy_billing statement_sent.py) on or after that
line's date. One row per guarantor, on the first client it pays for (a
statement shows the guarantor's whole account); at stake the patient
balance; its location and clinician those of the client's latest attended
session."""
import datetime as dt

from sql import Null, Values

from trytond.pool import Pool, PoolMeta

from therapy_billing.statement_sent import (
    guarantor_clients, patient_balances)

CLIENT = 'therapy.client'


def unstatemented(company_id, days, today):
    """{client id: (patient balance, date of its oldest charge line not
    statemented)} of the guarantors to statement"""
    Sent = Pool().get('therapy.client.statement.sent')
    cutoff = today - dt.timedelta(days=days)
    balances = patient_balances(company_id)
    last = Sent.last_sent(company_id, balances)
    clients = guarantor_clients(company_id,
        [p for p, (balance, _) in balances.items() if balance > 0])
    result = {}
    for party, (balance, dates) in balances.items():
        if balance <= 0 or party not in clients:
            continue
        waiting = [d for d in dates if d <= cutoff
            and (last.get(party) is None or d > last[party])]
        if waiting:
            result[clients[party]] = (balance, min(waiting))
    return result


class LeakageItem(metaclass=PoolMeta):
    __name__ = 'therapy.leakage.item'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        kind = ('unstatemented', "Client balances not statemented")
        if kind not in cls.kind.selection:
            cls.kind.selection.append(kind)
        record = (CLIENT, "Client")
        if record not in cls.record.selection:
            cls.record.selection.append(record)

    @classmethod
    def _query_unstatemented(cls, days):
        pool = Pool()
        client = pool.get('therapy.client').__table__()
        attendee = pool.get('therapy.appointment.attendee').__table__()
        appointment = pool.get('therapy.appointment').__table__()
        today = pool.get('ir.date').today()
        owed = unstatemented(cls._company(), days['statement_days'], today)
        # the guarantors' figures as a table joined by client: a CASE per
        # client would be tested for every row
        owed = Values([[i, date, balance]
                for i, (balance, date) in sorted(owed.items())]
            or [[-1, None, None]])

        def latest(column):
            return (attendee
                .join(appointment,
                    condition=attendee.appointment == appointment.id)
                .select(column,
                    where=(attendee.client == client.id)
                    & (attendee.attendance == 'attended'),
                    order_by=[appointment.start.desc, appointment.id.desc],
                    limit=1))
        return client.join(owed, condition=owed.column1 == client.id).select(
            *cls._row('unstatemented', client.id,
                latest(appointment.location), latest(appointment.clinician),
                client.id, cls.date.sql_cast(owed.column2),
                cls.deadline.sql_cast(Null),
                cls._reference(CLIENT, client.id),
                cls.amount.sql_cast(owed.column3)))
