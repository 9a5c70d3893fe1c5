from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .appointment import CANCEL_REASONS


class CancellationMixin:
    "Who cancels and why, as the cancellation forms ask it"
    __slots__ = ()

    cancelled_by = fields.Selection([
            ('client', "Client"),
            ('practice', "Practice"),
            ], "Cancelled By", required=True)
    reason = fields.Selection(
        [r for r in CANCEL_REASONS if r[0] != 'rescheduled'],
        "Reason", required=True)

    @classmethod
    def default_cancelled_by(cls):
        return 'client'


class CancelStart(CancellationMixin, ModelView):
    "Cancel Appointment"
    __name__ = 'therapy.appointment.cancel.start'

    note = fields.Char("Note", help="No clinical details.")
    late = fields.Boolean(
        "Late", readonly=True,
        help="Inside the practice's cancellation window.")


class Cancel(Wizard):
    "Cancel Appointment"
    __name__ = 'therapy.appointment.cancel'

    start = StateView('therapy.appointment.cancel.start',
        'therapy_scheduling.appointment_cancel_start_view_form', [
            Button("Keep", 'end', 'tryton-cancel'),
            Button("Cancel Appointment", 'cancel', 'tryton-ok',
                default=True),
            ])
    cancel = StateTransition()

    def default_start(self, fields):
        return {
            'late': any(a.is_late_cancellation() for a in self.records),
            }

    def transition_cancel(self):
        Appointment = Pool().get('therapy.appointment')
        Appointment.do_cancel(
            list(self.records), self.start.cancelled_by, self.start.reason,
            self.start.note)
        return 'end'


class MoveMixin:
    "The appointment being moved, and where to: clinician and room"
    __slots__ = ()

    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", readonly=True)
    location = fields.Many2One('therapy.location', "Location", readonly=True)
    company = fields.Many2One('company.company', "Company", readonly=True)
    clinician = fields.Many2One(
        'company.employee', "Clinician", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('discipline', '!=', None),
            ])
    room = fields.Many2One(
        'therapy.room', "Room",
        domain=[('location', '=', Eval('location', -1))])

    @staticmethod
    def defaults_from(appointment):
        return {
            'appointment': appointment.id,
            'location': appointment.location.id,
            'company': appointment.company.id,
            'clinician': appointment.clinician.id,
            'room': appointment.room.id if appointment.room else None,
            }

    def changes(self):
        "Values moving an appointment to this clinician and room"
        return {
            'clinician': self.clinician.id,
            'room': self.room.id if self.room else None,
            }


class RescheduleStart(MoveMixin, ModelView):
    "Reschedule Appointment"
    __name__ = 'therapy.appointment.reschedule.start'

    start = fields.DateTime("New Start", required=True)
    requested_by = fields.Selection([
            ('client', "Client"),
            ('practice', "Practice"),
            ], "Requested By", required=True)


class Reschedule(Wizard):
    "Reschedule Appointment"
    __name__ = 'therapy.appointment.reschedule'

    start = StateView('therapy.appointment.reschedule.start',
        'therapy_scheduling.appointment_reschedule_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reschedule", 'reschedule', 'tryton-ok', default=True),
            ])
    reschedule = StateTransition()

    def default_start(self, fields):
        return {
            **MoveMixin.defaults_from(self.record),
            'start': self.record.start,
            'requested_by': 'client',
            }

    def transition_reschedule(self):
        Appointment = Pool().get('therapy.appointment')
        Appointment.do_reschedule(
            self.record, self.start.start, self.start.requested_by,
            **self.start.changes())
        return 'end'
