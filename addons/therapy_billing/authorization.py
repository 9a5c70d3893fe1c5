"""Prior authorizations, enforced from the schedule on.

An authorization approves visits or units of some services for a client's
coverage between two dates (for one clinician or any). Booking a session
the payer wants authorized needs one with enough left: used (sessions
held) plus scheduled (sessions booked) may not pass what was approved.
Without an authorization the booking is refused; a user with the schedule
override right is warned and, on confirming, books, and the override is
logged. Root jobs (series extension) are checked too: a series does not run
past its authorization silently."""
import datetime as dt
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import without_check_access

from therapy_clinical.units import minutes_between, session_units
from therapy_scheduling import clock, notify
from therapy_scheduling.dated import DatedMixin
from therapy_scheduling.appointment import format_local, local_time

USAGE_WARNING = 0.8
EXPIRY_WARNING_DAYS = 30
RATE_WEEKS = 8
UNIT_KINDS = [
    ('visits', "Visits"),
    ('units', "Units"),
    ]


class Authorization(DatedMixin, ModelSQL, ModelView):
    "Prior Authorization"
    __name__ = 'therapy.authorization'
    _history = True

    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='CASCADE')
    coverage = fields.Many2One(
        'therapy.coverage', "Coverage", required=True, ondelete='RESTRICT',
        domain=[('client', '=', Eval('client', -1))])
    number = fields.Char("Authorization Number", required=True)
    services = fields.Many2Many(
        'therapy.authorization-therapy.service', 'authorization', 'service',
        "Services", required=True)
    modifiers = fields.Char("Modifiers")
    unit_kind = fields.Selection(UNIT_KINDS, "Counted In", required=True)
    approved = fields.Integer(
        "Approved", required=True, domain=[('approved', '>', 0)])
    start_date = fields.Date("From", required=True)
    end_date = fields.Date(
        "To", required=True,
        domain=[('end_date', '>=', Eval('start_date', None))])
    clinician = fields.Many2One(
        'company.employee', "Rendering Clinician", ondelete='RESTRICT',
        help="Empty: any clinician of the practice.")
    used = fields.Function(fields.Integer("Used"), 'get_usage')
    scheduled = fields.Function(fields.Integer("Scheduled"), 'get_usage')
    remaining = fields.Function(fields.Integer("Remaining"), 'get_usage')
    exhaustion_date = fields.Function(
        fields.Date("Expected Exhaustion",
            help="When the remaining units run out at the client's current "
            "schedule."),
        'get_usage')
    attention = fields.Function(
        fields.Selection([
                (None, ""),
                ('usage', "80% used"),
                ('expiry', "Expires within 30 days"),
                ('exhausted', "Exhausted"),
                ('expired', "Expired"),
                ], "Attention"),
        'get_usage', searcher='search_attention')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('end_date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_unit_kind(cls):
        return 'visits'

    def get_rec_name(self, name):
        return f'{self.number} ({self.client.rec_name})'

    def covers(self, service, clinician, date):
        return (service in self.services
            and self.start_date <= date <= self.end_date
            and (not self.clinician or self.clinician == clinician))

    def units_of(self, start, end, service):
        if self.unit_kind == 'visits':
            return 1
        return session_units(minutes_between(start, end), service.timed)

    def counted(self, exclude=()):
        "[(attendee, units)] booked or held against this authorization"
        Attendee = Pool().get('therapy.appointment.attendee')
        # start is stored in UTC and the dates are the location's: search a
        # day wider on each side, then keep the sessions by their local date
        domain = [
            ('client', '=', self.client.id),
            ('blocking', '=', True),
            ('start', '>=', dt.datetime.combine(
                    self.start_date - dt.timedelta(days=1), dt.time())),
            ('start', '<', dt.datetime.combine(
                    self.end_date + dt.timedelta(days=2), dt.time())),
            ('appointment.service', 'in', [s.id for s in self.services]),
            ('id', 'not in', list(exclude)),
            ]
        if self.clinician:
            domain.append(('appointment.clinician', '=', self.clinician.id))
        with without_check_access():
            attendees = Attendee.search(domain, order=[('start', 'ASC')])
        return [(a, self.units_of(a.start, a.end, a.appointment.service))
            for a in attendees
            if self.start_date <= session_date(a) <= self.end_date]

    def left(self, exclude=()):
        return self.approved - sum(u for _, u in self.counted(exclude))

    @classmethod
    def get_usage(cls, authorizations, names):
        today = Pool().get('ir.date').today()
        now = clock.now()
        result = {n: {} for n in names}
        for auth in authorizations:
            rows = auth.counted()
            used = sum(u for a, u in rows if a.attendance == 'attended')
            scheduled = sum(u for a, u in rows if a.attendance == 'expected')
            remaining = auth.approved - used - scheduled
            values = {
                'used': used, 'scheduled': scheduled, 'remaining': remaining,
                'exhaustion_date': auth.exhaustion(rows, remaining, now),
                'attention': None,
                }
            # an authorization past its end covers nothing any more,
            # whatever its usage was: say so rather than "80% used"
            if auth.end_date < today:
                values['attention'] = 'expired'
            elif remaining <= 0:
                values['attention'] = 'exhausted'
            elif used + scheduled >= USAGE_WARNING * auth.approved:
                values['attention'] = 'usage'
            elif auth.end_date - today <= dt.timedelta(
                    days=EXPIRY_WARNING_DAYS) and auth.end_date >= today:
                values['attention'] = 'expiry'
            for name in names:
                result[name][auth.id] = values[name]
        return result

    def exhaustion(self, rows, remaining, now):
        """The date the approved units run out: the session that uses the
        last one, or, when sessions booked so far leave some, an estimate
        at the client's booking rate of the coming weeks"""
        total = 0
        for attendee, units in rows:
            total += units
            if total >= self.approved:
                return attendee.start.date()
        upcoming = [(a, u) for a, u in rows if a.start >= now
            and a.start < now + dt.timedelta(weeks=RATE_WEEKS)]
        if not upcoming:
            return None
        per_week = sum(u for _, u in upcoming) / RATE_WEEKS
        last = max(a.start for a, _ in rows).date()
        return last + dt.timedelta(weeks=remaining / per_week)

    @classmethod
    def search_attention(cls, name, clause):
        _, operator, value = clause
        if operator not in {'=', '!=', 'in', 'not in'}:
            raise ValueError(f"attention does not support {operator!r}")
        values = value if isinstance(value, (list, tuple)) else [value]
        ids = [a.id for a in cls.search([]) if a.attention in values]
        return [('id', 'in' if operator in {'=', 'in'} else 'not in', ids)]

    @classmethod
    def for_booking(cls, client, coverage, service, clinician, date):
        "Authorizations that could hold this session, soonest ending first"
        return [a for a in cls.search([
                    ('client', '=', client.id),
                    ('coverage', '=', coverage.id),
                    ] + cls.in_effect_domain(date))
            if a.covers(service, clinician, date)]

    @classmethod
    def send_warnings(cls):
        """Email the front desk how many authorizations need attention
        (counts only: email is not a channel for PHI)"""
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        with without_check_access():
            attention = defaultdict(int)
            auths = cls.search([('attention', 'in',
                            ['usage', 'expiry', 'exhausted'])])
            for auth in auths:
                attention[auth.attention] += 1
            if not attention:
                return []
            group = ModelData.get_id(
                'therapy_scheduling.group_front_desk')
            users = User.search([('groups', '=', group)])
        emails = sorted({u.email for u in users if u.email})
        if not emails:
            return []
        with without_check_access():
            clients = {a.client for a in auths}
            notify.send_after_commit(notify.auto_email(emails,
                    gettext('therapy_billing.msg_authorization_email_subject',
                        count=sum(attention.values())),
                    gettext('therapy_billing.msg_authorization_email_body',
                        usage=attention['usage'], expiry=attention['expiry'],
                        exhausted=attention['exhausted']),
                    about=clients))
        return emails


def session_date(attendee):
    "The attendee's session date where it takes place"
    location = attendee.appointment.location
    return local_time(
        attendee.start, location.timezone if location else None).date()


class AuthorizationService(ModelSQL):
    "Authorization - Service"
    __name__ = 'therapy.authorization-therapy.service'
    authorization = fields.Many2One(
        'therapy.authorization', "Authorization", required=True,
        ondelete='CASCADE')
    service = fields.Many2One(
        'therapy.service', "Service", required=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('authorization')


def authorization_problem(client, appointment, start, end, consumed,
        exclude=()):
    """Why client's session of appointment (start to end) cannot be booked
    against an authorization (a message), or None. consumed counts what
    earlier bookings of the same batch took, by authorization; exclude the
    attendee being moved."""
    pool = Pool()
    Coverage = pool.get('therapy.coverage')
    Authorization = pool.get('therapy.authorization')
    service = appointment.service
    timezone = appointment.location.timezone if appointment.location else None
    date = local_time(start, timezone).date()
    coverages = Coverage.for_client(client, date)
    coverage = coverages[0] if coverages else None
    if not coverage or not coverage.payer.requires_authorization(service):
        return None
    candidates = Authorization.for_booking(
        client, coverage, service, appointment.clinician, date)
    for auth in candidates:
        need = auth.units_of(start, end, service)
        if auth.left(exclude) - consumed[auth] >= need:
            consumed[auth] += need
            return None
    when = format_local(start, timezone)
    if candidates:
        auth = candidates[0]
        return gettext('therapy_billing.msg_authorization_exhausted',
            client=client.rec_name, number=auth.number,
            approved=auth.approved,
            kind=dict(UNIT_KINDS)[auth.unit_kind].lower(), when=when)
    return gettext('therapy_billing.msg_authorization_missing',
        client=client.rec_name, payer=coverage.payer.rec_name,
        service=service.rec_name, when=when)


class Attendee(metaclass=PoolMeta):
    __name__ = 'therapy.appointment.attendee'

    @classmethod
    def check_booking(cls, attendees):
        super().check_booking(attendees)
        cls.check_authorizations(attendees)

    @classmethod
    def check_authorizations(cls, attendees):
        Override = Pool().get('therapy.appointment.override')
        consumed = defaultdict(int)
        for attendee in attendees:
            if not attendee.blocking or not attendee.appointment:
                continue
            problem = authorization_problem(
                attendee.client, attendee.appointment, attendee.start,
                attendee.end, consumed,
                [attendee.id] if attendee.id is not None else [])
            if problem:
                Override.guard('authorization', problem,
                    attendee.appointment, attendee.client, attendee.start)


class Override(metaclass=PoolMeta):
    __name__ = 'therapy.appointment.override'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection.append(('authorization', "Authorization"))


class Series(metaclass=PoolMeta):
    __name__ = 'therapy.appointment.series'

    def preview(self, date_from=None, date_to=None):
        "Occurrences past the authorization show why, like conflicts"
        Appointment = Pool().get('therapy.appointment')
        consumed = defaultdict(int)
        for occurrence, problem in super().preview(date_from, date_to):
            if not problem:
                values = self.appointment_values(occurrence)
                problem = authorization_problem(self.client,
                    Appointment(**{k: values[k] for k in [
                                'service', 'clinician', 'location']}),
                    values['start'], values['end'], consumed)
            yield occurrence, problem
