"""A client's request for a time, made in the client portal for a service
the practice books on approval (service.portal_booking = 'request').

A request of its own rather than a "requested" state of the appointment:
many queries read the appointment's state as "booked unless cancelled"
(care team membership, calendars, the clinicians' homes, statistics), and a
pending or declined request must count in none of them. A request holds
nothing: the slot stays free until the front desk approves, and approving
books the appointment through Appointment.create as the approving user, so
every back-office rule runs then (double booking, availability with its
override right, authorizations). The appointment keeps a link back."""
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .appointment import format_local
from .disciplines import MODALITIES


class AppointmentRequest(Workflow, ModelSQL, ModelView):
    "Appointment Request"
    __name__ = 'therapy.appointment.request'
    _history = True

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    client = fields.Many2One(
        'therapy.client', "Client", required=True, readonly=True,
        ondelete='RESTRICT')
    clinician = fields.Many2One(
        'company.employee', "Clinician", required=True, readonly=True,
        ondelete='RESTRICT')
    location = fields.Many2One(
        'therapy.location', "Location", required=True, readonly=True,
        ondelete='RESTRICT')
    service = fields.Many2One(
        'therapy.service', "Service", required=True, readonly=True,
        ondelete='RESTRICT')
    modality = fields.Selection(MODALITIES, "Modality", required=True,
        readonly=True)
    start = fields.DateTime("Start", required=True, readonly=True)
    end = fields.DateTime("End", required=True, readonly=True)
    local_time = fields.Function(fields.Char("Time"), 'get_local_time')
    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", readonly=True,
        states={'invisible': ~Eval('appointment')},
        help="Booked when the request was approved.")
    state = fields.Selection([
            ('pending', "Pending"),
            ('approved', "Approved"),
            ('declined', "Declined"),
            ('withdrawn', "Withdrawn"),
            ], "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('pending', 'approved'),
            ('pending', 'declined'),
            ('pending', 'withdrawn'),
            }
        cls._buttons.update({
                'approve': {
                    'invisible': Eval('state') != 'pending',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'decline': {
                    'invisible': Eval('state') != 'pending',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'pending'

    def get_local_time(self, name):
        return format_local(self.start, self.location.timezone)

    def get_rec_name(self, name):
        return f'{self.client.rec_name} — {self.local_time}'

    def appointment_values(self):
        return {
            'company': self.company.id,
            'client': self.client.id,
            'clinician': self.clinician.id,
            'location': self.location.id,
            'service': self.service.id,
            'modality': self.modality,
            'start': self.start,
            'end': self.end,
            }

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, requests):
        "Book each request's appointment as the approving user"
        Appointment = Pool().get('therapy.appointment')
        appointments = Appointment.create(
            [r.appointment_values() for r in requests])
        for request, appointment in zip(requests, appointments):
            request.appointment = appointment
        cls.save(requests)

    @classmethod
    @ModelView.button
    @Workflow.transition('declined')
    def decline(cls, requests):
        pass

    @classmethod
    @Workflow.transition('withdrawn')
    def withdraw(cls, requests):
        "The client took the request back (portal)"
        pass
