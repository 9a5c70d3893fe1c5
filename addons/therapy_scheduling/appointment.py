import datetime as dt
from collections import defaultdict, namedtuple
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sql import Column, Literal
from sql.operators import And, Equal, Or

from trytond.i18n import gettext
from trytond.model import (
    Check, Exclude, Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.fields import SQL_OPERATORS
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.sql.functions import TSRange
from trytond.sql.operators import RangeOverlap
from trytond.transaction import Transaction

from . import clock
from .booking import BookingMixin, PendingMixin, defined_as
from .client import client_rec_name
from .exceptions import AppointmentConflictError, AppointmentValidationError
from .extensions import ensure_extension
from .rows import rows_by, rows_of, until_written

# appointments in these states hold their slot; cancelled and no-show ones
# free it (a no-show slot may be given to a walk-in or the waitlist)
BLOCKING_STATES = ['scheduled', 'confirmed', 'arrived', 'completed']

# attendance of a client added to an appointment already in that state
ATTENDANCE = {
    'completed': 'attended',
    'cancelled': 'cancelled',
    'no_show': 'no_show',
    }

CANCEL_REASONS = [
    ('illness', "Illness"),
    ('schedule', "Schedule conflict"),
    ('transportation', "Transportation"),
    ('weather', "Weather / emergency"),
    ('clinician', "Clinician unavailable"),
    ('financial', "Financial / coverage"),
    ('rescheduled', "Rescheduled"),
    ('other', "Other"),
    ]


def local_time(value, timezone):
    "Naive UTC value as an aware datetime in timezone"
    if not value:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(
        ZoneInfo(timezone or 'UTC'))


def group_by(records, field):
    "{value of field: [records]} for the records where it is set"
    groups = defaultdict(list)
    for record in records:
        if value := getattr(record, field):
            groups[value].append(record)
    return groups


def first_overlap(Model, pending, domain):
    """A stored record matching domain whose [start, end) overlaps one of
    the pending records (not itself), or None.

    The search runs under the user's record rules: what it finds is named
    to the user. A booking's slot is free as a rule, so the table is asked
    first, without them (overlapping_rows): nothing there, nothing for the
    search to find, in a fraction of its time"""
    ids = [p.id for p in pending if p.id is not None]
    if not overlapping_rows(Model, pending, domain, ids):
        return None
    ranges = [[('start', '<', p.end), ('end', '>', p.start)]
        for p in pending]
    if ids:
        domain = domain + [('id', 'not in', ids)]
    for other in Model.search(domain + [['OR'] + ranges], order=[]):
        for record in pending:
            if other.start < record.end and other.end > record.start:
                return other


def overlapping_rows(Model, pending, domain, ids):
    """Does a row of Model's table, other than ids, match domain and
    overlap one of the pending records? Only clauses whose SQL is the
    column compared with the value are put in SQL (a relation, selection
    or integer = or in values that are not None, a boolean = True: Tryton
    reads NULL as False, '' or a name for the others); for any other the
    answer is True and the search tells"""
    if Transaction().context.get('_datetime'):
        return True     # the search reads the history table then
    table = Model.__table__()
    where = []
    for clause in domain:
        if not (isinstance(clause, tuple) and len(clause) == 3):
            return True
        name, operator, value = clause
        field = Model._fields.get(name)
        values = [value] if operator == '=' else value
        if (field is None or type(field) not in PLAIN_COLUMNS
                or operator not in {'=', 'in'}
                or not isinstance(values, (list, tuple))
                or any(v is None or isinstance(v, str)
                    and field._type == 'many2one' for v in values)
                or (field._type == 'boolean' and values != [True])):
            return True
        values = [field.sql_format(v) for v in values]
        where.append(SQL_OPERATORS['in'](Column(table, name), values))
    start, end = Model._fields['start'], Model._fields['end']
    ranges = [(table.start < start.sql_format(p.end))
        & (table.end > end.sql_format(p.start)) for p in pending]
    if not ranges:
        return False
    where.append(Or(ranges))
    if ids:
        where.append(SQL_OPERATORS['not in'](table.id, ids))
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.select(Literal(1), where=And(where), limit=1))
    return cursor.fetchone() is not None


# the fields whose domain clause `= value` or `in values` is the column
# compared with the values (overlapping_rows)
PLAIN_COLUMNS = {fields.Many2One, fields.Selection, fields.Integer,
    fields.Boolean}


def to_utc(local, timezone):
    "Naive local wall time at timezone as naive UTC"
    aware = local.replace(tzinfo=ZoneInfo(timezone or 'UTC'))
    return aware.astimezone(dt.timezone.utc).replace(tzinfo=None)


# {transaction: (its counter, {id: Display})}: display_rows' reads, kept
# until the transaction writes; at most DISPLAYED_SIZE
DISPLAYED = WeakKeyDictionary()
DISPLAYED_SIZE = 10_000
# what names and calendar labels show of an appointment (display_rows)
Display = namedtuple('Display', ['start', 'state', 'client', 'client_name',
        'preferred_name', 'number', 'room_name', 'service', 'service_code',
        'clinician_name', 'timezone'])


def clock_text(local):
    "A local start as the day sheet and the calendar show it: 9:00 AM EST"
    return local.strftime('%I:%M %p %Z').lstrip('0') if local else None


def format_local(value, timezone):
    local = local_time(value, timezone)
    return local.strftime('%a %b %d, %Y %I:%M %p %Z') if local else ''


END_DOMAIN = [If(Eval('start') & Eval('end'), ('end', '>', Eval('start')), ())]
# Tryton's default time format of a DateTime: a stored value (without
# microseconds) always passes its check
DATETIME_FORMAT = '%H:%M:%S'


class Appointment(
        PendingMixin, BookingMixin, Workflow, ModelSQL, ModelView):
    "Appointment"
    __name__ = 'therapy.appointment'
    _history = True

    _states = {'readonly': ~Eval('state').in_(['scheduled', 'confirmed'])}

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    client = fields.Many2One(
        'therapy.client', "Client", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'readonly': _states['readonly'],
            'required': ~Eval('group_session', False),
            'invisible': Bool(Eval('group_session')),
            },
        help="The client of an individual session; group sessions list "
        "their clients as attendees.")
    group_session = fields.Function(
        fields.Boolean("Group Session"), 'get_group_session')
    start = fields.DateTime("Start", required=True, states=_states)
    end = fields.DateTime(
        "End", required=True, states=_states, domain=END_DOMAIN)
    duration = fields.Function(
        fields.TimeDelta("Duration"), 'on_change_with_duration')
    local_date = fields.Function(
        fields.Date("Local Date", help="The date at the location."),
        'get_local_date', searcher='search_local_date')
    local_time = fields.Function(
        fields.Char("Local Time",
            help="Start in the location's time zone."),
        'get_local_time')
    notes = fields.Text(
        "Front Desk Notes",
        help="Logistics only (parking, forms to bring): no clinical content.")
    attendees = fields.One2Many(
        'therapy.appointment.attendee', 'appointment', "Attendees",
        states={
            'readonly': _states['readonly'],
            'invisible': ~Eval('group_session', False),
            })
    capacity = fields.Function(
        fields.Integer("Capacity"), 'on_change_with_capacity')
    state = fields.Selection([
            ('scheduled', "Scheduled"),
            ('confirmed', "Confirmed"),
            ('arrived', "Arrived"),
            ('completed', "Completed"),
            ('cancelled', "Cancelled"),
            ('no_show', "No-Show"),
            ], "State", readonly=True, required=True, sort=False)
    cancelled_by = fields.Selection([
            (None, ""),
            ('client', "Client"),
            ('practice', "Practice"),
            ], "Cancelled By", readonly=True,
        states={'invisible': Eval('state') != 'cancelled'})
    cancel_reason = fields.Selection(
        [(None, "")] + CANCEL_REASONS, "Cancellation Reason", readonly=True,
        states={'invisible': Eval('state') != 'cancelled'})
    cancel_note = fields.Char(
        "Cancellation Note", readonly=True,
        states={'invisible': Eval('state') != 'cancelled'})
    cancelled_at = fields.DateTime(
        "Cancelled At", readonly=True,
        states={'invisible': Eval('state') != 'cancelled'})
    late_cancellation = fields.Boolean(
        "Late Cancellation", readonly=True,
        states={'invisible': Eval('state') != 'cancelled'},
        help="The client cancelled inside the practice's cancellation "
        "window.")
    rescheduled_to = fields.Many2One(
        'therapy.appointment', "Rescheduled To", readonly=True,
        states={'invisible': ~Eval('rescheduled_to')})
    rescheduled_from = fields.One2Many(
        'therapy.appointment', 'rescheduled_to', "Rescheduled From",
        readonly=True, states={'invisible': ~Eval('rescheduled_from')})
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.place_of_service.help = "CMS place-of-service code for the claim."
        t = cls.__table__()
        blocking = t.state.in_(BLOCKING_STATES)
        cls._sql_constraints += [
            ('dates_check', Check(t, t.end > t.start),
                'therapy_scheduling.msg_appointment_dates'),
            ('clinician_no_overlap',
                Exclude(t, (t.clinician, Equal),
                    (TSRange(t.start, t.end, '[)'), RangeOverlap),
                    where=blocking),
                'therapy_scheduling.msg_appointment_clinician_overlap'),
            ('room_no_overlap',
                Exclude(t, (t.room, Equal),
                    (TSRange(t.start, t.end, '[)'), RangeOverlap),
                    where=blocking & (t.room != None)),  # noqa: E711
                'therapy_scheduling.msg_appointment_room_overlap'),
            ]
        # the calendar asks for one clinician's (or room's) week: give the
        # index both bounds
        cls._sql_indexes.update({
                Index(t, (t.clinician, Index.Equality()),
                    (t.start, Index.Range()), (t.end, Index.Range())),
                Index(t, (t.room, Index.Equality()),
                    (t.start, Index.Range()),
                    where=t.room != None),  # noqa: E711
                # sao's calendar domain also bounds "end" alone
                Index(t, (t.clinician, Index.Equality()),
                    (t.end, Index.Range())),
                Index(t, (t.room, Index.Equality()),
                    (t.end, Index.Range()),
                    where=t.room != None),  # noqa: E711
                Index(t, (t.client, Index.Equality()),
                    (t.start, Index.Range())),
                Index(t, (t.start, Index.Range())),
                })
        cls._order = [('start', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('scheduled', 'confirmed'),
            ('scheduled', 'arrived'),
            ('confirmed', 'arrived'),
            ('confirmed', 'scheduled'),
            ('arrived', 'completed'),
            ('arrived', 'confirmed'),
            ('scheduled', 'cancelled'),
            ('confirmed', 'cancelled'),
            ('scheduled', 'no_show'),
            ('confirmed', 'no_show'),
            ('no_show', 'scheduled'),
            }
        cls._buttons.update({
                'confirm': {
                    'invisible': Eval('state') != 'scheduled',
                    'depends': ['state'],
                    },
                'arrive': {
                    'invisible': ~Eval('state').in_(
                        ['scheduled', 'confirmed']),
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'complete': {
                    'invisible': Eval('state') != 'arrived',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['scheduled', 'confirmed']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'reschedule': {
                    'invisible': ~Eval('state').in_(
                        ['scheduled', 'confirmed']),
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                'no_show': {
                    'invisible': ~Eval('state').in_(
                        ['scheduled', 'confirmed']),
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': ~Eval('state').in_(['no_show', 'arrived']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def __register__(cls, module):
        ensure_extension('btree_gist')
        super().__register__(module)

    @classmethod
    def _booking_readonly(cls):
        return ~Eval('state').in_(['scheduled', 'confirmed'])

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'scheduled'

    @fields.depends('service')
    def on_change_with_group_session(self, name=None):
        return bool(self.service and self.service.group_session)

    @classmethod
    def get_group_session(cls, appointments, name):
        """From one read of the rows and their services: Tryton evaluates
        it at each validation of an appointment (the client's required
        state), and each record read its service's record for it. A record
        not stored yet has no row: ask on_change_with_group_session()"""
        if Transaction().context.get('_datetime'):
            # as the appointment was then
            return {a.id: a.on_change_with_group_session()
                for a in appointments}
        table = cls.__table__()
        service = Pool().get('therapy.service').__table__()
        rows = rows_of(table.join(service, 'LEFT',
                condition=service.id == table.service),
            table.id, [a.id for a in appointments], service.group_session)
        return {a.id: bool(rows.get(a.id, (None,))[0]) for a in appointments}

    @fields.depends('start', 'end')
    def on_change_with_duration(self, name=None):
        if self.start and self.end:
            return self.end - self.start

    @fields.depends('service', 'room')
    def on_change_with_capacity(self, name=None):
        if not self.service or not self.service.group_session:
            return 1
        limits = [self.service.max_attendees or 1]
        if self.room:
            limits.append(self.room.capacity)
        return min(limits)

    @fields.depends('service', 'start', 'modality', 'place_of_service')
    def on_change_service(self):
        if self.service:
            if self.start:
                self.end = self.start + self.service.duration
            self.modality = self.service.modality
            self.on_change_modality()

    @fields.depends('service', 'start')
    def on_change_start(self):
        if self.start and self.service:
            self.end = self.start + self.service.duration

    @fields.depends('client', 'location', 'clinician')
    def on_change_client(self):
        if self.client:
            if not self.clinician and self.client.primary_clinician:
                self.clinician = self.client.primary_clinician
            if not self.location and self.client.location:
                self.location = self.client.location

    @classmethod
    def start_rows(cls, appointments):
        """{id: (start, the location's zone, the service's code)}: from
        display_rows (a list's columns without a record per row), or from
        the records when reading a past revision (display_rows reads
        today's rows)"""
        if Transaction().context.get('_datetime'):
            return {a.id: (a.start,
                    a.location.timezone if a.location else None,
                    a.service.code if a.service else None)
                for a in appointments}
        rows = cls.display_rows([a.id for a in appointments])
        return {i: (r.start, r.timezone, r.service_code)
            for i, r in rows.items()}

    @classmethod
    def get_local_time(cls, appointments, name):
        rows = cls.start_rows(appointments)
        return {a.id: format_local(*rows[a.id][:2]) if a.id in rows else None
            for a in appointments}

    @classmethod
    def get_local_date(cls, appointments, name):
        rows = cls.start_rows(appointments)
        result = dict.fromkeys(a.id for a in appointments)
        for id_, (start, timezone, _) in rows.items():
            local = local_time(start, timezone)
            result[id_] = local.date() if local else None
        return result

    @classmethod
    def search_local_date(cls, name, clause):
        "Translate a local date into each location's UTC day"
        Location = Pool().get('therapy.location')
        _, operator, value = clause[:3]
        if not value:
            # every appointment has a start, hence a local date
            return [('start', '!=' if operator == '!=' else '=', None)]
        if operator not in {'=', '>=', '<', '>', '<='}:
            raise NotImplementedError(
                f"local_date does not support {operator!r}")
        domain = ['OR']
        for location in Location.search([]):
            def utc(day):
                return to_utc(dt.datetime.combine(day, dt.time()),
                    location.timezone)
            day = utc(value)
            next_day = utc(value + dt.timedelta(days=1))
            bounds = {
                '=': [('start', '>=', day), ('start', '<', next_day)],
                '>=': [('start', '>=', day)],
                '>': [('start', '>=', next_day)],
                '<': [('start', '<', day)],
                '<=': [('start', '<', next_day)],
                }[operator]
            domain.append([('location', '=', location.id)] + bounds)
        return domain

    @classmethod
    def get_rec_name(cls, appointments, name):
        Service = Pool().get('therapy.service')
        rows = cls.display_rows([a.id for a in appointments])
        # a group session is named by its service (translated: the ORM's)
        services = {s.id: s.rec_name for s in Service.browse(list(
                    {r.service for r in rows.values()
                        if not r.client and r.service}))}
        result = {}
        for id_, row in rows.items():
            who = (client_rec_name(row.client_name, row.preferred_name,
                    row.number) if row.client
                else services.get(row.service, ''))
            result[id_] = f'{who} — {format_local(row.start, row.timezone)}'
        return result

    @classmethod
    def display_rows(cls, ids):
        """{id: Display} of what an appointment's names and labels show,
        read as rows: sao's calendar asks them of a week's appointments at
        once, and through records each name read five related records
        (about 0.6 ms an appointment, most of the week's read). Three short
        queries, not one join of eight tables (PostgreSQL took four times
        longer to plan that than to run it), kept for the transaction until
        it writes (its counter moves), so the name and the label of one
        read share them. The getters run without access checks, as these
        reads do."""
        pool = Pool()
        Party = pool.get('party.party')
        known = until_written(DISPLAYED, DISPLAYED_SIZE)
        missing = [i for i in ids if i not in known]
        appointment = cls.__table__()
        location = pool.get('therapy.location').__table__()
        room = pool.get('therapy.room').__table__()
        service = pool.get('therapy.service').__table__()
        rows = rows_of(appointment
            .join(location, 'LEFT',
                condition=appointment.location == location.id)
            .join(room, 'LEFT', condition=appointment.room == room.id)
            .join(service, 'LEFT',
                condition=appointment.service == service.id),
            appointment.id, missing, appointment.start, appointment.state,
            appointment.client, room.name, appointment.service, service.code,
            appointment.clinician, location.timezone)
        clients = pool.get('therapy.client').name_rows(
            {r[2] for r in rows.values() if r[2]})
        employee, party = pool.get('company.employee').__table__(), (
            Party.__table__())
        clinicians = rows_of(employee.join(party,
                condition=employee.party == party.id),
            employee.id, {r[6] for r in rows.values() if r[6]}, party.name)
        for id_, (start, state, client_id, room_name, service_id,
                service_code, clinician_id, timezone) in rows.items():
            name, preferred, number = clients.get(client_id, ('', None, None))
            known[id_] = Display(start=start, state=state, client=client_id,
                client_name=name,
                preferred_name=preferred, number=number, room_name=room_name,
                service=service_id, service_code=service_code,
                clinician_name=clinicians.get(clinician_id, (None,))[0],
                timezone=timezone)
        return {i: known[i] for i in ids if i in known}

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        if operator.startswith('!') or operator.startswith('not '):
            return [('client.rec_name', operator, value)]
        return ['OR',
            ('client.rec_name', operator, value),
            ('attendees.client.rec_name', operator, value),
            ]

    @classmethod
    def copy(cls, appointments, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', cls.default_state())
        for field in ['cancelled_by', 'cancel_reason', 'cancel_note',
                'cancelled_at', 'late_cancellation', 'rescheduled_to']:
            default.setdefault(field, None)
        default.setdefault('rescheduled_from', None)
        return super().copy(appointments, default=default)

    @classmethod
    def validate_fields(cls, appointments, field_names):
        super().validate_fields(appointments, field_names)
        cls.check_consistency(appointments, field_names)

    @classmethod
    def check_consistency(cls, appointments, field_names=None):
        """A clinician limited to some locations is booked at one of them.
        Their locations are read as rows for all the appointments at once:
        reading each clinician's record for them was a tenth of a booking"""
        if field_names and not (field_names & {'clinician', 'location'}):
            return
        EmployeeLocation = Pool().get('company.employee-therapy.location')
        relation = EmployeeLocation.__table__()
        places = rows_by(relation, relation.employee,
            {a.clinician.id for a in appointments if a.clinician},
            relation.location)
        for appointment in appointments:
            allowed = {location for location, in places.get(
                    appointment.clinician.id if appointment.clinician
                    else None, [])}
            location = appointment.location
            if allowed and (location.id if location else None) not in allowed:
                raise AppointmentValidationError(gettext(
                        'therapy_scheduling.msg_appointment_location',
                        clinician=appointment.clinician.rec_name,
                        location=location.rec_name if location else ''))

    @classmethod
    def _row_checkable(cls):
        """And the times: Tryton validates the end's domain with a search
        OR-ing each record's start (a series: 52 terms)"""
        names = set(super()._row_checkable())
        if (defined_as(cls._fields['start'], fields.DateTime, [], True,
                    format=DATETIME_FORMAT)
                and defined_as(cls._fields['end'], fields.DateTime,
                    END_DOMAIN, True, format=DATETIME_FORMAT)):
            names |= {'start', 'end'}
        return frozenset(names)

    @classmethod
    def _row_columns(cls, table):
        return super()._row_columns(table) + [table.start, table.end]

    @classmethod
    def _row_wrong(cls, start, end, *values):
        wrong = super()._row_wrong(*values)
        if start is None:
            wrong.add('start')
        if end is None or (start is not None and end <= start):
            wrong.add('end')
        return wrong

    @classmethod
    def _before_create(cls, vlist):
        # one batched check for all the rows about to be inserted (a series
        # books 52 at once), before the constraints could refuse them
        vlist = super()._before_create(vlist)
        pending = [cls.pending(values) for values in vlist]
        cls.check_booking(pending)
        return [cls.booking_values(values, appointment)
            for values, appointment in zip(vlist, pending)]

    @classmethod
    def check_modification(cls, mode, appointments, values=None,
            external=False):
        super().check_modification(
            mode, appointments, values=values, external=external)
        if mode == 'write' and values.keys() & cls._slot_fields:
            cls.check_booking(
                [cls.pending(values, a) for a in appointments])

    _slot_fields = {'clinician', 'room', 'start', 'end', 'state'}

    @classmethod
    def check_booking(cls, appointments):
        """Refuse (or warn about) booking the pending appointments: the one
        hook the booking guards of other concepts extend"""
        cls.check_conflicts(appointments)

    @classmethod
    def booking_values(cls, values, appointment):
        """The values to create the pending appointment from, once
        check_booking let it through (a guard may add to them)"""
        return values

    @classmethod
    def check_conflicts(cls, appointments):
        """Name the appointment a booking collides with.

        The exclusion constraints make double booking impossible, also
        between concurrent transactions, but their message cannot say with
        what; this check runs before the row is stored so the user reads
        which appointment is in the way."""
        blocking = [a for a in appointments if a.state in BLOCKING_STATES]
        for field in ['clinician', 'room']:
            for resource, group in group_by(blocking, field).items():
                other = first_overlap(cls, group, [
                        (field, '=', resource.id),
                        ('state', 'in', BLOCKING_STATES),
                        ])
                if other:
                    raise AppointmentConflictError(gettext(
                            'therapy_scheduling.msg_appointment_conflict_'
                            + field,
                            resource=resource.rec_name,
                            other=other.rec_name))

    @classmethod
    def on_modification(cls, mode, appointments, field_names=None):
        super().on_modification(mode, appointments, field_names=field_names)
        if mode in {'create', 'write'}:
            cls.sync_attendees(appointments, field_names)

    @classmethod
    def sync_attendees(cls, appointments, field_names=None):
        """Keep the attendee rows in step with their appointment: the one
        client of an individual session is its only attendee, and every
        attendee carries the time and state the client constraint needs."""
        pool = Pool()
        Attendee = pool.get('therapy.appointment.attendee')
        if field_names and not (field_names & {
                    'client', 'start', 'end', 'state', 'service',
                    'attendees'}):
            return
        to_create, to_save = [], []
        attendees_of = cls.attendee_records(appointments)
        for appointment in appointments:
            attendees = attendees_of[appointment.id]
            if appointment.client and not appointment.group_session:
                mine = [a for a in attendees
                    if a.client == appointment.client]
                others = [a for a in attendees if a not in mine]
                if others:
                    Attendee.delete(others)
                if not mine:
                    to_create.append(Attendee(
                            appointment=appointment,
                            client=appointment.client,
                            attendance=ATTENDANCE.get(
                                appointment.state, 'expected')))
                attendees = mine
            for attendee in attendees:
                attendee.sync_from_appointment()
                to_save.append(attendee)
        for attendee in to_create:
            attendee.sync_from_appointment()
        Attendee.save(to_save + to_create)

    @classmethod
    def attendee_records(cls, appointments):
        """{appointment id: its attendees} from one read of the rows, as
        the records of one browse: the One2Many's search was a twentieth
        of a booking (a new individual session has none yet)"""
        Attendee = Pool().get('therapy.appointment.attendee')
        attendee = Attendee.__table__()
        ids_of = rows_by(attendee, attendee.appointment,
            [a.id for a in appointments], attendee.id,
            order_by=[attendee.id.asc])
        records = iter(Attendee.browse(
                [i for a in appointments for i, in ids_of.get(a.id, [])]))
        return {a.id: [next(records) for _ in ids_of.get(a.id, [])]
            for a in appointments}

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, appointments):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('arrived')
    def arrive(cls, appointments):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('completed')
    def complete(cls, appointments):
        cls.set_attendance(appointments, 'expected', 'attended')

    @classmethod
    @ModelView.button
    @Workflow.transition('no_show')
    def no_show(cls, appointments):
        cls.set_attendance(appointments, 'expected', 'no_show')

    @classmethod
    @ModelView.button
    @Workflow.transition('scheduled')
    def reopen(cls, appointments):
        cls.set_attendance(appointments, 'no_show', 'expected')

    @classmethod
    def set_attendance(cls, appointments, current, new):
        "Move the attendees whose attendance is current to new"
        Attendee = Pool().get('therapy.appointment.attendee')
        Attendee.write([a for p in appointments for a in p.attendees
                if a.attendance == current], {'attendance': new})

    @classmethod
    @ModelView.button_action('therapy_scheduling.wizard_appointment_cancel')
    def cancel(cls, appointments):
        pass

    @classmethod
    @ModelView.button_action(
        'therapy_scheduling.wizard_appointment_reschedule')
    def reschedule(cls, appointments):
        pass

    def is_late_cancellation(self, when=None):
        Configuration = Pool().get('therapy.configuration')
        window = Configuration(1).cancellation_window
        when = when or clock.now()
        return bool(window) and self.start - when < window

    @classmethod
    @Workflow.transition('cancelled')
    def do_cancel(cls, appointments, cancelled_by, reason, note=None):
        "Cancel with who and why; client cancellations may be late"
        now = clock.now()
        for appointment in appointments:
            appointment.cancelled_by = cancelled_by
            appointment.cancel_reason = reason
            appointment.cancel_note = note
            appointment.cancelled_at = now
            appointment.late_cancellation = (cancelled_by == 'client'
                and appointment.is_late_cancellation(now))
        cls.save(appointments)
        cls.set_attendance(appointments, 'expected', 'cancelled')

    @classmethod
    def do_reschedule(cls, appointment, start, cancelled_by, **changes):
        """Move appointment to start (and maybe another clinician or room):
        the old slot is cancelled as rescheduled and linked to the new
        one, so cancellation statistics stay honest."""
        Attendee = Pool().get('therapy.appointment.attendee')
        expected = [a for a in appointment.attendees
            if a.attendance == 'expected']
        # free the old slot first: the new one may overlap it
        cls.do_cancel([appointment], cancelled_by, 'rescheduled')
        new, = cls.copy([appointment], default={
                'start': start,
                'end': start + (appointment.end - appointment.start),
                'attendees': None,
                **changes,
                })
        if appointment.group_session:
            Attendee.copy(expected, default={
                    'appointment': new.id, 'attendance': 'expected'})
        cls.write([appointment], {'rescheduled_to': new.id})
        return new


class Attendee(PendingMixin, ModelSQL, ModelView):
    "Appointment Attendee"
    __name__ = 'therapy.appointment.attendee'
    _history = True

    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", required=True,
        ondelete='CASCADE')
    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='RESTRICT')
    attendance = fields.Selection([
            ('expected', "Expected"),
            ('attended', "Attended"),
            ('cancelled', "Cancelled"),
            ('no_show', "No-Show"),
            ], "Attendance", required=True, sort=False)
    # Copies of the appointment's time and state: the database needs them on
    # this row to refuse a client in two places at once (exclusion
    # constraint); sync_from_appointment keeps them in step.
    start = fields.DateTime("Start", readonly=True)
    end = fields.DateTime("End", readonly=True)
    blocking = fields.Boolean("Holds the Slot", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('appointment')
        t = cls.__table__()
        cls._sql_constraints += [
            ('client_unique', Unique(t, t.appointment, t.client),
                'therapy_scheduling.msg_attendee_client_unique'),
            ('client_no_overlap',
                Exclude(t, (t.client, Equal),
                    (TSRange(t.start, t.end, '[)'), RangeOverlap),
                    where=t.blocking == Literal(True)),
                'therapy_scheduling.msg_appointment_client_overlap'),
            ]
        cls._sql_indexes.add(Index(t, (t.client, Index.Equality()),
                (t.start, Index.Range())))

    @classmethod
    def __register__(cls, module):
        ensure_extension('btree_gist')
        super().__register__(module)

    @classmethod
    def default_attendance(cls):
        return 'expected'

    def sync_from_appointment(self):
        appointment = self.appointment
        self.start = appointment.start
        self.end = appointment.end
        self.blocking = (appointment.state in BLOCKING_STATES
            and self.attendance in {'expected', 'attended'})

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and 'blocking' not in values:
            attendee = cls(
                appointment=values.get('appointment'),
                client=values.get('client'),
                attendance=values.get('attendance') or 'expected')
            attendee.sync_from_appointment()
            values.update(start=attendee.start, end=attendee.end,
                blocking=attendee.blocking)
        return values

    @classmethod
    def _before_create(cls, vlist):
        vlist = super()._before_create(vlist)
        cls.check_booking([cls.pending(values) for values in vlist])
        return vlist

    @classmethod
    def check_modification(cls, mode, attendees, values=None,
            external=False):
        super().check_modification(
            mode, attendees, values=values, external=external)
        if mode == 'write' and values.keys() & cls._slot_fields:
            # only an attendee that moves or starts holding a slot is
            # checked again, not one being completed: one that keeps its
            # slot passed when it took it (the constraint holds it since)
            cls.check_booking([cls.pending(values, a) for a in attendees
                    if any(getattr(a, name) != values[name]
                        for name in cls._slot_fields & values.keys())])

    _slot_fields = {'client', 'start', 'end', 'blocking'}
    _pending_fields = {'appointment'}

    @classmethod
    def check_booking(cls, attendees):
        """Refuse (or warn about) booking the pending attendees: the one
        hook the booking guards of other concepts extend"""
        cls.check_conflicts(attendees)

    def get_rec_name(self, name):
        return self.client.rec_name

    @classmethod
    def validate(cls, attendees):
        super().validate(attendees)
        cls.check_capacity(attendees)

    @classmethod
    def check_capacity(cls, attendees):
        Appointment = Pool().get('therapy.appointment')
        for appointment in Appointment.browse(
                cls.group_sessions_of(attendees)):
            expected = [a for a in appointment.attendees
                if a.attendance in {'expected', 'attended'}]
            if len(expected) > appointment.capacity:
                raise AppointmentValidationError(gettext(
                        'therapy_scheduling.msg_appointment_capacity',
                        appointment=appointment.rec_name,
                        capacity=appointment.capacity))

    @classmethod
    def group_sessions_of(cls, attendees):
        """The ids of the group sessions attendees are in, from one read of
        the rows: an individual session has one client by construction, and
        reading each appointment's service for it was a tenth of booking a
        series"""
        pool = Pool()
        attendee = cls.__table__()
        appointment = pool.get('therapy.appointment').__table__()
        service = pool.get('therapy.service').__table__()
        query = attendee.join(appointment,
            condition=appointment.id == attendee.appointment
            ).join(service, condition=service.id == appointment.service)
        return sorted({appointment_id for appointment_id, group in rows_of(
                    query, attendee.id, [a.id for a in attendees],
                    attendee.appointment, service.group_session).values()
                if group})

    @classmethod
    def check_conflicts(cls, attendees):
        blocking = [a for a in attendees if a.blocking]
        for client, group in group_by(blocking, 'client').items():
            other = first_overlap(cls, group, [
                    ('client', '=', client.id),
                    ('blocking', '=', True),
                    ])
            if other:
                raise AppointmentConflictError(gettext(
                        'therapy_scheduling.msg_appointment_conflict_client',
                        resource=client.rec_name,
                        other=other.appointment.rec_name))
