"""Forms the client still owes (intake, consents), shown to the front
desk on the day sheet and today's arrivals: pending form responses, one
search for the whole list."""
from collections import defaultdict

from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from therapy_scheduling.day_sheet import widths

# outcome measures are the clinician's business, not the front desk's
FRONT_DESK_CATEGORIES = ['intake', 'consent', 'other']


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    forms_due = fields.Function(fields.Char(
            "Forms Due",
            help="Intake and consent forms the client has not completed."),
        'get_forms_due')

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + widths(
            {'field': {'forms_due': 80}})

    @classmethod
    def get_forms_due(cls, appointments, name):
        Response = Pool().get('therapy.form.response')
        clients = {a.client.id for a in appointments if a.client}
        pending = defaultdict(list)
        if clients:
            for response in Response.search([
                        ('client', 'in', list(clients)),
                        ('state', '=', 'draft'),
                        ('template.category', 'in', FRONT_DESK_CATEGORIES),
                        ], order=[('id', 'ASC')]):
                pending[response.client.id].append(response.template.name)
        return {a.id: ', '.join(dict.fromkeys(pending[a.client.id]))
            if a.client and pending[a.client.id] else None
            for a in appointments}
