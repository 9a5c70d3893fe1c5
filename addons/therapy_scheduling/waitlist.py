"""Waitlist that fills cancellations.

A cancelled future appointment leaves a freed slot (therapy.waitlist.slot);
the waiting clients it suits are ranked (clinical priority, then fit, then
time waited). Staff offer it to the top N by email; the first to accept a
link gets it booked, the others are told it is taken. Every offer and
answer is a row (therapy.waitlist.offer), so nothing happens off the record.
"""
import datetime as dt
import secrets

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import clock, notify
from .appointment import BLOCKING_STATES, format_local, local_time
from .disciplines import MODALITIES
from .exceptions import WaitlistError
from .web import hash_token, public_url
from .series import WEEKDAYS

PRIORITIES = [
    ('3', "Urgent"),
    ('2', "Soon"),
    ('1', "Routine"),
    ]
OFFER_HOURS = 24


class Entry(Workflow, ModelSQL, ModelView):
    "Waitlist Entry"
    __name__ = 'therapy.waitlist.entry'
    _history = True

    company = fields.Many2One('company.company', "Company", required=True)
    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])
    service = fields.Many2One(
        'therapy.service', "Wanted Service", required=True,
        domain=[('company', '=', Eval('company', -1))])
    clinicians = fields.Many2Many(
        'therapy.waitlist.entry-company.employee', 'entry', 'clinician',
        "Clinicians", domain=[('discipline', '!=', None)],
        help="Leave empty for any clinician of the service's discipline.")
    locations = fields.Many2Many(
        'therapy.waitlist.entry-therapy.location', 'entry', 'location',
        "Locations", help="Leave empty for any location.")
    modality = fields.Selection(
        [(None, "Any")] + MODALITIES, "Modality")
    weekdays = fields.MultiSelection(
        WEEKDAYS, "Preferred Weekdays", sort=False,
        help="Leave empty for any day.")
    earliest = fields.Time("Earliest", help="Local time; empty = any.")
    latest = fields.Time("Latest", help="Latest end, local time.")
    priority = fields.Selection(
        PRIORITIES, "Priority", required=True, sort=False,
        help="Clinical urgency, set by a clinician or supervisor.")
    date_added = fields.Date("Date Added", required=True)
    notes = fields.Char("Notes", help="Logistics only, no clinical content.")
    state = fields.Selection([
            ('waiting', "Waiting"),
            ('booked', "Booked"),
            ('removed', "Removed"),
            ], "State", readonly=True, required=True, sort=False)
    booked_appointment = fields.Many2One(
        'therapy.appointment', "Booked Appointment", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('priority', 'DESC'), ('date_added', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('waiting', 'booked'),
            ('waiting', 'removed'),
            ('removed', 'waiting'),
            }
        cls._buttons.update({
                'remove': {
                    'invisible': Eval('state') != 'waiting',
                    'depends': ['state'],
                    },
                'restore': {
                    'invisible': Eval('state') != 'removed',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_priority(cls):
        return '1'

    @classmethod
    def default_date_added(cls):
        return dt.date.today()

    @classmethod
    def default_state(cls):
        return 'waiting'

    def get_rec_name(self, name):
        return f'{self.client.rec_name} · {self.service.rec_name}'

    @classmethod
    @ModelView.button
    @Workflow.transition('removed')
    def remove(cls, entries):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def restore(cls, entries):
        pass

    @classmethod
    @Workflow.transition('booked')
    def book(cls, entries, appointment):
        cls.write(entries, {'booked_appointment': appointment.id})

    def fit(self, slot):
        """How well the freed slot suits this entry: None when it does not
        at all, else a score (higher is better)"""
        if self.client == slot.cancelled_client:
            return None
        if slot.service.discipline != self.service.discipline:
            return None
        if self.clinicians and slot.clinician not in self.clinicians:
            return None
        if self.locations and slot.location not in self.locations:
            return None
        if self.modality and self.modality != slot.modality:
            return None
        timezone = slot.location.timezone
        start = local_time(slot.start, timezone)
        end = local_time(slot.end, timezone)
        if self.weekdays and str(start.weekday()) not in self.weekdays:
            return None
        if self.earliest and start.time() < self.earliest:
            return None
        if self.latest and end.time() > self.latest:
            return None
        score = 0
        score += 2 if self.service == slot.service else 0
        score += 1 if self.clinicians else 0
        score += 1 if self.weekdays or self.earliest or self.latest else 0
        return score


class EntryClinician(ModelSQL):
    "Waitlist Entry - Clinician"
    __name__ = 'therapy.waitlist.entry-company.employee'
    entry = fields.Many2One(
        'therapy.waitlist.entry', "Entry", required=True, ondelete='CASCADE')
    clinician = fields.Many2One(
        'company.employee', "Clinician", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('entry')


class EntryLocation(ModelSQL):
    "Waitlist Entry - Location"
    __name__ = 'therapy.waitlist.entry-therapy.location'
    entry = fields.Many2One(
        'therapy.waitlist.entry', "Entry", required=True, ondelete='CASCADE')
    location = fields.Many2One(
        'therapy.location', "Location", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('entry')


class Slot(Workflow, ModelSQL, ModelView):
    "Freed Slot"
    __name__ = 'therapy.waitlist.slot'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    cancelled_appointment = fields.Many2One(
        'therapy.appointment', "Cancelled Appointment", readonly=True,
        ondelete='CASCADE')
    cancelled_client = fields.Many2One(
        'therapy.client', "Cancelled Client", readonly=True)
    clinician = fields.Many2One(
        'company.employee', "Clinician", required=True, readonly=True)
    location = fields.Many2One(
        'therapy.location', "Location", required=True, readonly=True)
    room = fields.Many2One('therapy.room', "Room", readonly=True)
    service = fields.Many2One(
        'therapy.service', "Service", required=True, readonly=True)
    modality = fields.Selection(MODALITIES, "Modality", readonly=True)
    start = fields.DateTime("Start", required=True, readonly=True)
    end = fields.DateTime("End", required=True, readonly=True)
    local_time = fields.Function(fields.Char("Local Time"), 'get_local_time')
    candidates = fields.Function(fields.Many2Many(
            'therapy.waitlist.entry', None, None, "Candidates",
            help="Waiting clients this slot suits, best first."),
        'get_candidates')
    offers = fields.One2Many(
        'therapy.waitlist.offer', 'slot', "Offers", readonly=True)
    booked_appointment = fields.Many2One(
        'therapy.appointment', "Booked Appointment", readonly=True)
    state = fields.Selection([
            ('open', "Open"),
            ('filled', "Filled"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('open', 'filled'),
            ('open', 'closed'),
            }
        cls._buttons.update({
                'offer': {
                    'invisible': Eval('state') != 'open',
                    'icon': 'tryton-email',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'open'

    def get_local_time(self, name):
        return format_local(self.start, self.location.timezone)

    def get_rec_name(self, name):
        return f'{self.clinician.rec_name} · {self.local_time}'

    def ranked_entries(self):
        "Waiting entries this slot suits: priority, then fit, then wait"
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Entry = pool.get('therapy.waitlist.entry')
        Attendee = pool.get('therapy.appointment.attendee')
        if Appointment.search([
                    ('clinician', '=', self.clinician.id),
                    ('state', 'in', BLOCKING_STATES),
                    ('start', '<', self.end),
                    ('end', '>', self.start),
                    ], limit=1):
            return []  # booked again meanwhile (e.g. a short reschedule)
        suited = []
        for entry in Entry.search([
                    ('company', '=', self.company.id),
                    ('state', '=', 'waiting'),
                    ]):
            score = entry.fit(self)
            if score is not None:
                suited.append((entry, score))
        # one query for who of them is booked elsewhere at that time
        busy = {a.client for a in Attendee.search([
                    ('client', 'in', [e.client.id for e, _ in suited]),
                    ('blocking', '=', True),
                    ('start', '<', self.end),
                    ('end', '>', self.start),
                    ])}
        ranked = [((-int(entry.priority), -score, entry.date_added, entry.id),
                entry) for entry, score in suited if entry.client not in busy]
        return [entry for _, entry in sorted(ranked)]

    def get_candidates(self, name):
        if self.state != 'open':
            return []
        return [e.id for e in self.ranked_entries()]

    @classmethod
    def open_for(cls, appointments):
        """Record the slots freed by cancelled future appointments (a
        record of the system's: whoever cancels, the slot is recorded)"""
        now = clock.now()
        with without_check_access():
            cls._open_for(appointments, now)

    @classmethod
    def _open_for(cls, appointments, now):
        cls.create([{
                    'company': a.company.id,
                    'cancelled_appointment': a.id,
                    'cancelled_client': a.client.id if a.client else None,
                    'clinician': a.clinician.id,
                    'location': a.location.id,
                    'room': a.room.id if a.room else None,
                    'service': a.service.id,
                    'modality': a.modality,
                    'start': a.start,
                    'end': a.end,
                    } for a in appointments
                if a.start > now and not a.group_session])

    @classmethod
    @ModelView.button_action('therapy_scheduling.wizard_waitlist_offer')
    def offer(cls, slots):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, slots):
        Offer = Pool().get('therapy.waitlist.offer')
        Offer.write([o for s in slots for o in s.offers
                if o.state == 'sent'], {'state': 'withdrawn'})

    def send_offers(self, entries):
        "Offer this slot to entries by email; return the offers made"
        pool = Pool()
        Offer = pool.get('therapy.waitlist.offer')
        made = []
        for entry in entries:
            email = entry.client.contact_party().email
            if not email:
                raise WaitlistError(gettext(
                        'therapy_scheduling.msg_waitlist_no_email',
                        client=entry.client.rec_name))
            token = secrets.token_urlsafe(32)
            offer, = Offer.create([{
                        'slot': self.id, 'entry': entry.id,
                        'email': email,
                        'token_hash': hash_token(token),
                        'expires_at': min(self.start, clock.now()
                            + dt.timedelta(hours=OFFER_HOURS)),
                        }])
            offer.notify('offer', token=token)
            made.append(offer)
        return made

    def fill(self, offer):
        """Book the slot for the client of offer, who accepted first; tell
        the other clients it is taken"""
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Entry = pool.get('therapy.waitlist.entry')
        Offer = pool.get('therapy.waitlist.offer')
        appointment, = Appointment.create([{
                    'company': self.company.id,
                    'client': offer.entry.client.id,
                    'clinician': self.clinician.id,
                    'location': self.location.id,
                    'room': self.room.id if self.room else None,
                    'service': offer.entry.service.id
                    if offer.entry.service.discipline
                    == self.service.discipline else self.service.id,
                    'modality': self.modality or 'in_person',
                    'start': self.start,
                    'end': self.end,
                    'notes': gettext(
                        'therapy_scheduling.msg_waitlist_booked_note'),
                    }])
        self.__class__.write([self], {
                'state': 'filled', 'booked_appointment': appointment.id})
        Entry.book([offer.entry], appointment)
        others = [o for o in self.offers if o != offer and o.state == 'sent']
        Offer.write(others, {'state': 'taken'})
        for other in others:
            other.notify('taken')
        return appointment


class Offer(ModelSQL, ModelView):
    "Waitlist Offer"
    __name__ = 'therapy.waitlist.offer'

    slot = fields.Many2One(
        'therapy.waitlist.slot', "Slot", required=True, ondelete='CASCADE')
    entry = fields.Many2One(
        'therapy.waitlist.entry', "Entry", required=True,
        ondelete='CASCADE')
    email = fields.Char("Sent To", readonly=True)
    token_hash = fields.Char("Token Hash", readonly=True)
    expires_at = fields.DateTime("Expires At", readonly=True)
    answered_at = fields.DateTime("Answered At", readonly=True)
    state = fields.Selection([
            ('sent', "Sent"),
            ('accepted', "Accepted"),
            ('declined', "Declined"),
            ('taken', "Taken by Another Client"),
            ('expired', "Expired"),
            ('withdrawn', "Withdrawn"),
            ], "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('slot')
        cls._order = [('create_date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_state(cls):
        return 'sent'

    def get_rec_name(self, name):
        return f'{self.entry.client.rec_name} · {self.slot.local_time}'

    @classmethod
    def lookup(cls, token):
        offers = cls.search([('token_hash', '=', hash_token(token))])
        return offers[0] if offers else None

    def answer(self, accept):
        """The client's answer from the link: book when first to accept.
        Return the appointment booked, or None."""
        now = clock.now()
        slot = self.slot
        # one answer at a time per slot: the first acceptance wins
        slot.__class__.lock([slot])
        if self.state != 'sent' or slot.state != 'open':
            return None
        if self.expires_at and now > self.expires_at:
            self.__class__.write([self], {'state': 'expired'})
            return None
        self.__class__.write([self], {
                'state': 'accepted' if accept else 'declined',
                'answered_at': now})
        if not accept:
            return None
        try:
            return slot.fill(self)
        except ValidationError:
            # the clinician or client got booked meanwhile: the slot is gone
            self.__class__.write([self], {'state': 'taken'})
            slot.__class__.write([slot], {'state': 'closed'})
            return None

    def notify(self, kind, token=None):
        "Email the client: no PHI, only the practice, date and link"
        company = self.slot.company
        practice = company.party.name
        when = self.slot.local_time
        if kind == 'offer':
            database = Transaction().database.name
            link = f'{public_url()}/{database}/waitlist/offer/{token}'
            subject = gettext(
                'therapy_scheduling.msg_waitlist_offer_subject',
                practice=practice)
            body = gettext('therapy_scheduling.msg_waitlist_offer_body',
                practice=practice, when=when, link=link,
                location=self.slot.location.name)
        else:
            subject = gettext(
                'therapy_scheduling.msg_waitlist_taken_subject',
                practice=practice)
            body = gettext('therapy_scheduling.msg_waitlist_taken_body',
                practice=practice, when=when)
        notify.send_after_commit(notify.auto_email(
                self.email, subject, body, about=[self.entry.client]))


class OfferStart(ModelView):
    "Offer Freed Slot"
    __name__ = 'therapy.waitlist.offer.start'

    slot = fields.Many2One('therapy.waitlist.slot', "Slot", readonly=True)
    count = fields.Integer(
        "Offer to the Top", required=True, domain=[('count', '>=', 1)],
        help="How many of the best-ranked waiting clients get the offer; "
        "the first to accept gets the slot.")
    candidates = fields.Many2Many(
        'therapy.waitlist.entry', None, None, "Candidates", readonly=True)


class Offering(Wizard):
    "Offer Freed Slot"
    __name__ = 'therapy.waitlist.offer.wizard'

    start = StateView('therapy.waitlist.offer.start',
        'therapy_scheduling.waitlist_offer_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Send Offers", 'send', 'tryton-email', default=True),
            ])
    send = StateTransition()

    def default_start(self, fields):
        slot = self.record
        candidates = slot.ranked_entries()
        if not candidates:
            raise WaitlistError(gettext(
                    'therapy_scheduling.msg_waitlist_no_candidate',
                    slot=slot.rec_name))
        return {
            'slot': slot.id,
            'count': min(3, len(candidates)),
            'candidates': [e.id for e in candidates],
            }

    def transition_send(self):
        slot = self.record
        slot.send_offers(slot.ranked_entries()[:self.start.count])
        return 'end'


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    @classmethod
    def do_cancel(cls, appointments, cancelled_by, reason, note=None):
        super().do_cancel(appointments, cancelled_by, reason, note=note)
        Pool().get('therapy.waitlist.slot').open_for(appointments)

