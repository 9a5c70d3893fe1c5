from sql.operators import Equal

from trytond.model import Check, Exclude, Index, ModelSQL, ModelView, fields
from trytond.sql.functions import TSRange
from trytond.sql.operators import RangeOverlap


class Appointment(ModelSQL, ModelView):
    "Bare Appointment"
    __name__ = 'bench.appointment'

    company = fields.Many2One('company.company', "Company", required=True)
    clinician = fields.Many2One(
        'company.employee', "Clinician", required=True)
    room = fields.Many2One('therapy.room', "Room")
    client = fields.Many2One('therapy.client', "Client", required=True)
    start = fields.DateTime("Start", required=True)
    end = fields.DateTime("End", required=True)
    state = fields.Selection([
            ('scheduled', "Scheduled"),
            ('completed', "Completed"),
            ('cancelled', "Cancelled"),
            ], "State", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        blocking = t.state != 'cancelled'
        cls._sql_constraints += [
            ('dates_check', Check(t, t.end > t.start),
                'therapy_scheduling.msg_appointment_dates'),
            ] + [(f'{name}_no_overlap',
                Exclude(t, (column, Equal),
                    (TSRange(t.start, t.end, '[)'), RangeOverlap),
                    where=blocking & (column != None)),  # noqa: E711
                f'therapy_scheduling.msg_appointment_{name}_overlap')
            for name, column in [('clinician', t.clinician),
                ('room', t.room), ('client', t.client)]]
        cls._sql_indexes.update({
                Index(t, (t.clinician, Index.Equality()),
                    (t.start, Index.Range()), (t.end, Index.Range())),
                Index(t, (t.clinician, Index.Equality()),
                    (t.end, Index.Range())),
                })
        cls._order = [('start', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_state():
        return 'scheduled'
