import datetime as dt

from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .appointment import BLOCKING_STATES, CANCEL_REASONS
from .slot_wizard import SEARCH_DAYS, chosen_line, slot_lines


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
    """Cancel Appointment; when that frees a slot some waiting clients
    suit, propose them right away so the front desk can offer it"""
    __name__ = 'therapy.appointment.cancel'

    start = StateView('therapy.appointment.cancel.start',
        'therapy_scheduling.appointment_cancel_start_view_form', [
            Button("Keep", 'end', 'tryton-cancel'),
            Button("Cancel Appointment", 'cancel', 'tryton-ok',
                default=True),
            ])
    cancel = StateTransition()
    waitlist = StateView('therapy.waitlist.offer.start',
        'therapy_scheduling.waitlist_offer_start_view_form', [
            Button("Done", 'end', 'tryton-close'),
            Button("Send Offers", 'offer', 'tryton-email', default=True),
            ])
    offer = StateTransition()

    def default_start(self, fields):
        return {
            'late': any(a.is_late_cancellation() for a in self.records),
            }

    def transition_cancel(self):
        Appointment = Pool().get('therapy.appointment')
        Appointment.do_cancel(
            list(self.records), self.start.cancelled_by, self.start.reason,
            self.start.note)
        return 'waitlist' if self.freed_slot_candidates() else 'end'

    def freed_slot(self):
        "The open slot the one cancelled appointment freed, or None"
        Slot = Pool().get('therapy.waitlist.slot')
        if len(self.records) != 1:
            return None
        slots = Slot.search([
                ('cancelled_appointment', '=', self.records[0].id),
                ('state', '=', 'open'),
                ], limit=1)
        return slots[0] if slots else None

    def freed_slot_candidates(self):
        slot = self.freed_slot()
        return slot.ranked_entries() if slot else []

    def default_waitlist(self, fields):
        slot = self.freed_slot()
        candidates = slot.ranked_entries()
        return {
            'slot': slot.id,
            'count': min(3, len(candidates)),
            'candidates': [e.id for e in candidates],
            }

    def transition_offer(self):
        slot = self.freed_slot()
        slot.send_offers(slot.ranked_entries()[:self.waitlist.count])
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


class RescheduleStart(ModelView):
    "Reschedule Appointment"
    __name__ = 'therapy.appointment.reschedule.start'

    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", readonly=True)
    company = fields.Many2One('company.company', "Company", readonly=True)
    location = fields.Many2One('therapy.location', "Location", readonly=True)
    service = fields.Many2One('therapy.service', "Service", readonly=True)
    clinician = fields.Many2One(
        'company.employee', "Clinician",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('discipline', '=', Eval('discipline', '')),
            ],
        help="Leave empty to see every clinician of the service's "
        "discipline.")
    discipline = fields.Char("Discipline", readonly=True)
    requested_by = fields.Selection([
            ('client', "Client"),
            ('practice', "Practice"),
            ], "Requested By", required=True)
    date_from = fields.Date("From", required=True)
    date_to = fields.Date(
        "To", required=True, help="Last day searched (included).")


class Reschedule(Wizard):
    """Reschedule Appointment: pick a free time from the day x clinician
    grid (never one when the client is booked elsewhere), then land on the
    new appointment"""
    __name__ = 'therapy.appointment.reschedule'

    start = StateView('therapy.appointment.reschedule.start',
        'therapy_scheduling.appointment_reschedule_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Find Times", 'choose', 'tryton-search', default=True),
            ])
    choose = StateView('therapy.appointment.slot.choose',
        'therapy_scheduling.appointment_slot_choose_view_form', [
            Button("Back", 'start', 'tryton-back'),
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reschedule", 'reschedule', 'tryton-ok', default=True),
            ])
    reschedule = StateAction('therapy_scheduling.act_appointment_form')

    def default_start(self, fields):
        if self.start.appointment:  # back from the times: keep the search
            return {name: value
                for name, value in self.start._default_values.items()
                if name in fields}
        appointment = self.record
        today = Pool().get('ir.date').today()
        return {
            'appointment': appointment.id,
            'company': appointment.company.id,
            'location': appointment.location.id,
            'service': appointment.service.id,
            'discipline': appointment.service.discipline,
            'clinician': appointment.clinician.id,
            'requested_by': 'client',
            'date_from': today,
            'date_to': today + dt.timedelta(days=SEARCH_DAYS),
            }

    def _clinicians(self):
        Employee = Pool().get('company.employee')
        if self.start.clinician:
            return [self.start.clinician]
        return Employee.search([
                ('company', '=', self.record.company.id),
                ('discipline', '=', self.record.service.discipline),
                ])

    def default_choose(self, fields):
        appointment = self.record
        lines, note = slot_lines(self._clinicians(), appointment.location,
            appointment.service, self.start.date_from, self.start.date_to,
            client=appointment.client, exclude=appointment)
        return {'slots': lines, 'note': note}

    def do_reschedule(self, action):
        Appointment = Pool().get('therapy.appointment')
        appointment = self.record
        line = chosen_line(self.choose.slots)
        end = line.start + (appointment.end - appointment.start)
        room = appointment.room
        if room and Appointment.search([
                    ('room', '=', room.id),
                    ('id', '!=', appointment.id),
                    ('state', 'in', BLOCKING_STATES),
                    ('start', '<', end),
                    ('end', '>', line.start),
                    ], limit=1):
            room = None  # taken then: the front desk picks another
        new = Appointment.do_reschedule(
            appointment, line.start, self.start.requested_by,
            clinician=line.clinician.id, room=room.id if room else None)
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', '=', new.id)])
        action['views'].reverse()
        return action, {'res_id': [new.id]}
