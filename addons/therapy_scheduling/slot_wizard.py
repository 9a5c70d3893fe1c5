"Find a Slot: search the clinicians' free time for a service and book it."
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If, PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateView, Wizard)

from . import slots as slot_math
from .appointment import format_local, local_time
from .booking import DEFAULT_PLACE
from .availability import KINDS
from .disciplines import DISCIPLINES, MODALITIES
from .exceptions import SlotError

SEARCH_DAYS = 14
MAX_LINES = 80


def client_busy(client, low, high, exclude=None):
    """The client's own bookings overlapping [low, high) as (start, end)
    intervals, but those of the appointment exclude (being moved)"""
    if not client:
        return []
    Attendee = Pool().get('therapy.appointment.attendee')
    domain = [
        ('client', '=', client.id),
        ('blocking', '=', True),
        ('start', '<', high),
        ('end', '>', low),
        ]
    if exclude:
        domain.append(('appointment', '!=', exclude.id))
    return [(a.start, a.end) for a in Attendee.search(domain, order=[])]


def slot_lines(clinicians, location, service, date_from, date_to,
        client=None, exclude=None):
    """Free times for service at location as slot line values, a day x
    clinician grid: day earliest first, then clinician, then time; starts
    on the service's own length (45 min -> on the hour), never when the
    client is booked elsewhere. Returns (lines, note about the rest)."""
    if date_to < date_from:
        raise SlotError(gettext('therapy_scheduling.msg_slot_dates'))
    Availability = Pool().get('therapy.availability')
    tz = location.timezone
    duration = service.duration
    low, high = slot_math.utc_bounds(date_from, date_to, tz)
    found = Availability.free_slots(
        clinicians, location, duration, date_from, date_to,
        step=slot_math.step_for(duration),
        busy=client_busy(client, low, high, exclude))
    if not found:
        raise SlotError(gettext('therapy_scheduling.msg_slot_none',
                service=service.rec_name, location=location.rec_name,
                date_from=date_from, date_to=date_to))
    grid = slot_math.by_day_and_resource(
        found, tz, key=lambda c: (c.rec_name, c.id))
    lines = []
    for (_, clinician), times in grid.items():
        for begin, end, kind in (s[1:] for s in times):
            local = local_time(begin, tz)
            lines.append({
                    'day': local.strftime('%a %b %d'),
                    'time': local.strftime('%I:%M %p %Z').lstrip('0'),
                    'clinician': clinician.id,
                    'start': begin,
                    'end': end,
                    'local_time': format_local(begin, tz),
                    'kind': kind,
                    'book': False,
                    })
    note = None
    if len(lines) > MAX_LINES:
        note = gettext('therapy_scheduling.msg_slot_more',
            shown=MAX_LINES, count=len(lines))
    return lines[:MAX_LINES], note


def chosen_line(lines):
    "The one slot line ticked"
    chosen = [line for line in lines if line.book]
    if len(chosen) != 1:
        raise SlotError(gettext('therapy_scheduling.msg_slot_choose_one',
                count=len(chosen)))
    return chosen[0]


class SlotStart(ModelView):
    "Find a Slot"
    __name__ = 'therapy.appointment.slot.start'

    company = fields.Many2One('company.company', "Company", readonly=True)
    client = fields.Many2One(
        'therapy.client', "Client",
        domain=[('company', '=', Eval('company', -1))],
        help="Who the appointment is for (not needed for group sessions).")
    service = fields.Many2One(
        'therapy.service', "Service", required=True,
        domain=[('company', '=', Eval('company', -1))])
    discipline = fields.Selection(
        DISCIPLINES, "Discipline",
        help="Search the clinicians of this discipline when none is "
        "chosen below.")
    clinicians = fields.Many2Many(
        'company.employee', None, None, "Clinicians",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('discipline', '!=', None),
            If(Bool(Eval('discipline')),
                ('discipline', '=', Eval('discipline')), ()),
            ],
        help="Leave empty to search every clinician of the discipline.")
    location = fields.Many2One(
        'therapy.location', "Location", required=True,
        domain=[('company', '=', Eval('company', -1))])
    modality = fields.Selection(MODALITIES, "Modality", required=True)
    date_from = fields.Date("From", required=True)
    date_to = fields.Date(
        "To", required=True, help="Last day searched (included).")

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_modality(cls):
        return 'in_person'

    @classmethod
    def default_date_from(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_date_to(cls):
        return cls.default_date_from() + dt.timedelta(days=SEARCH_DAYS)

    @fields.depends('service', 'discipline', 'modality')
    def on_change_service(self):
        if self.service:
            self.discipline = self.service.discipline
            self.modality = self.service.modality

    @fields.depends('client', 'location')
    def on_change_client(self):
        if self.client and self.client.location and not self.location:
            self.location = self.client.location


class SlotLine(ModelView):
    "Free Slot"
    __name__ = 'therapy.appointment.slot.line'

    day = fields.Char("Day", readonly=True)
    time = fields.Char("Time", readonly=True, help="At the location.")
    clinician = fields.Many2One(
        'company.employee', "Clinician", readonly=True)
    start = fields.DateTime("Start", readonly=True)
    end = fields.DateTime("End", readonly=True)
    local_time = fields.Char(
        "Local Time", readonly=True,
        help="Start in the location's time zone.")
    kind = fields.Selection(KINDS, "Kind", readonly=True)
    book = fields.Boolean("Choose", help="Tick the time to book.")


class SlotChoose(ModelView):
    "Find a Slot"
    __name__ = 'therapy.appointment.slot.choose'

    note = fields.Char(
        "Note", readonly=True, states={'invisible': ~Eval('note')})
    slots = fields.One2Many(
        'therapy.appointment.slot.line', None, "Free Slots",
        help="Each day, each clinician's free times. Tick one and press "
        "Book.")


class Slot(Wizard):
    "Find a Slot"
    __name__ = 'therapy.appointment.slot'

    start = StateView('therapy.appointment.slot.start',
        'therapy_scheduling.appointment_slot_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Search", 'choose', 'tryton-search', default=True),
            ])
    choose = StateView('therapy.appointment.slot.choose',
        'therapy_scheduling.appointment_slot_choose_view_form', [
            Button("Back", 'start', 'tryton-back'),
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Book", 'book', 'tryton-ok', default=True),
            ])
    book = StateAction('therapy_scheduling.act_appointment_form')

    def default_start(self, fields):
        if self.start.service:  # back from the list: keep the search
            return {name: value
                for name, value in self.start._default_values.items()
                if name in fields}
        values = {}
        if (self.model and self.model.__name__ == 'therapy.client'
                and self.record):
            client = self.record
            values['client'] = client.id
            if client.location:
                values['location'] = client.location.id
        return values

    def _clinicians(self):
        "The clinicians searched: those chosen, else all of the discipline"
        Employee = Pool().get('company.employee')
        if self.start.clinicians:
            return list(self.start.clinicians)
        discipline = self.start.discipline
        return Employee.search([
                ('company', '=', self.start.location.company.id),
                ('discipline', '=', discipline) if discipline
                else ('discipline', '!=', None),
                ])

    def check_client(self):
        "An individual session is booked for a client"
        if not self.start.client and not self.start.service.group_session:
            raise SlotError(gettext('therapy_scheduling.msg_slot_client',
                    service=self.start.service.rec_name))

    def default_choose(self, fields):
        start = self.start
        self.check_client()
        lines, note = slot_lines(self._clinicians(), start.location,
            start.service, start.date_from, start.date_to,
            client=start.client)
        return {'slots': lines, 'note': note}

    def do_book(self, action):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        line = chosen_line(self.choose.slots)
        self.check_client()
        start = self.start
        appointment = Appointment(
            company=start.location.company,
            client=start.client,
            clinician=line.clinician,
            location=start.location,
            service=start.service,
            start=line.start,
            end=line.start + start.service.duration,
            modality=start.modality,
            place_of_service=DEFAULT_PLACE[start.modality])
        appointment.save()
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', '=', appointment.id)])
        action['views'].reverse()
        return action, {'res_id': [appointment.id]}
