"""Progress notes: written from a template, signed, locked, co-signed.

A signed note's content is frozen server-side (check_modification), its
SHA-256 stored at signing; corrections and late information go into signed
addenda. Notes of a clinician who needs supervision wait for the
supervisor's co-signature before they count as final (and billable); the
supervisor may instead return them with comments (supervision.py), which
takes the signature off: the clinician corrects and signs again.

Signature, co-signature and workflow fields are the server's: Tryton does
not enforce `readonly` over RPC, so check_modification refuses them from
any client."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    ModelSQL, ModelView, Unique, Workflow, fields, sequence_ordered)
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction, check_access

from therapy_scheduling import clock
from therapy_scheduling.appointment import format_local, local_time
from therapy_scheduling.client import client_rec_name
from therapy_scheduling.rows import rows_of, stored_ids

from .exceptions import NoteSignError
from .locking import LockedRowMixin, SignedLockMixin
from .signature import content_hash
from .units import minutes_between, session_units

IDEATION = [
    (None, ""),
    ('none', "None reported"),
    ('passive', "Passive"),
    ('active_no_plan', "Active, no plan"),
    ('active_plan', "Active, with plan or intent"),
    ]
SELF_HARM = [
    (None, ""),
    ('none', "None"),
    ('past', "History, not current"),
    ('current', "Current"),
    ]
RISK_LEVELS = [
    (None, ""),
    ('low', "Low"),
    ('moderate', "Moderate"),
    ('high', "High"),
    ('imminent', "Imminent"),
    ]
RISK_FIELDS = ['suicidal_ideation', 'homicidal_ideation', 'self_harm',
    'risk_level']


def due_delay():
    "How long after the session a note is due (the practice's setting)"
    Configuration = Pool().get('therapy.configuration')
    hours, = Configuration.settings(['note_due_hours']).values()
    return dt.timedelta(hours=hours)


def user_employees():
    "Employee ids the current user acts as (all of them for root)"
    User = Pool().get('res.user')
    return set(User.get_employees())


def note_timezone(note):
    "The time zone a note's times are shown in: where the session was"
    for location in [note.appointment and note.appointment.location,
            note.client and note.client.location]:
        if location and location.timezone:
            return location.timezone
    return note.company.timezone if note.company else None


def format_time(value, timezone):
    "A naive UTC time as the practice reads it there, e.g. 04:10 PM EST"
    local = local_time(value, timezone)
    return local.strftime('%I:%M %p %Z') if local else ''


def is_employee_user(employee):
    user = Transaction().user
    if user == 0:
        return True
    User = Pool().get('res.user')
    return employee and employee.id in {e.id for e in User(user).employees}


class Note(SignedLockMixin, Workflow, ModelSQL, ModelView):
    "Clinical Note"
    __name__ = 'therapy.note'
    _history = True

    _draft = {'readonly': Eval('state') != 'draft'}
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_draft)
    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))], states=_draft)
    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))], states=_draft)
    clinician = fields.Many2One(
        'company.employee', "Clinician", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))], states=_draft)
    template = fields.Many2One(
        'therapy.note.template', "Template", ondelete='RESTRICT',
        states=_draft)
    service = fields.Many2One(
        'therapy.service', "Service", ondelete='RESTRICT', states=_draft)
    date = fields.Date("Date of Service", required=True, states=_draft)
    start = fields.DateTime(
        "Session Start", states=_draft,
        domain=[If(Bool(Eval('start')) & Bool(Eval('end')),
                ('start', '<', Eval('end')), ())])
    end = fields.DateTime("Session End", states=_draft)
    minutes = fields.Function(
        fields.Integer("Minutes"), 'on_change_with_minutes')
    units = fields.Function(
        fields.Integer("Units",
            help="Units under the per-unit midpoint rule; the payer's own "
            "rule applies when the charge is made."),
        'on_change_with_units')
    sections = fields.One2Many(
        'therapy.note.section', 'note', "Sections", states=_draft)
    procedures = fields.One2Many(
        'therapy.note.procedure', 'note', "Timed Procedures", states=_draft,
        help="Minutes per timed code when a visit bills several (e.g. 25 "
        "minutes of 97110 and 15 of 97140); empty: the session's service "
        "for all its minutes.")
    interventions = fields.Many2Many(
        'therapy.note-therapy.intervention', 'note', 'intervention',
        "Interventions", states=_draft)
    # ordered by severity, as a clinician scans them
    suicidal_ideation = fields.Selection(
        IDEATION, "Suicidal Ideation", states=_draft, sort=False)
    homicidal_ideation = fields.Selection(
        IDEATION, "Homicidal Ideation", states=_draft, sort=False)
    self_harm = fields.Selection(
        SELF_HARM, "Self-Harm", states=_draft, sort=False)
    risk_level = fields.Selection(
        RISK_LEVELS, "Risk Level", states=_draft, sort=False,
        help="The clinician's overall judgement of current risk.")
    safety_plan = fields.Boolean(
        "Safety Plan Reviewed", states=_draft)
    risk_notes = fields.Text("Risk Notes", states=_draft)
    diagnoses = fields.Many2Many(
        'therapy.note-therapy.client.diagnosis', 'note', 'diagnosis',
        "Diagnoses Addressed",
        domain=[('client', '=', Eval('client', -1))], states=_draft,
        # a diagnosis made in this session is added from here, for its client
        context={'client': Eval('client', -1)}, depends={'client'})
    # the template's Plan section took its place: only notes written before
    # show it (it stays part of what they signed)
    plan = fields.Text(
        "Plan (earlier notes)",
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': ~Eval('plan'),
            })
    plan_goals = fields.Function(
        fields.Text("Treatment Plan Goals",
            help="The goals and objectives of the client's active signed "
            "treatment plan."),
        'get_plan_goals')
    state = fields.Selection([
            ('draft', "Draft"),
            ('signed', "Signed"),
            ('cosigned', "Co-signed"),
            ], "State", readonly=True, required=True, sort=False)
    cosign_required = fields.Boolean(
        "Co-signature Required", readonly=True,
        help="The clinician needed supervision when the note was signed.")
    signed_by = fields.Many2One('res.user', "Signed By", readonly=True)
    signed_at = fields.DateTime("Signed At", readonly=True)
    content_hash = fields.Char(
        "Content SHA-256", readonly=True, size=64,
        help="Fingerprint of the content as signed.")
    hash_valid = fields.Function(
        fields.Boolean("Content Matches Signature"), 'get_hash_valid')
    cosigned_by = fields.Many2One('res.user', "Co-signed By", readonly=True)
    cosigned_at = fields.DateTime("Co-signed At", readonly=True)
    final = fields.Function(
        fields.Boolean("Final",
            help="Signed, and co-signed when supervision requires it."),
        'get_final', searcher='search_final')
    addenda = fields.One2Many(
        'therapy.note.addendum', 'note', "Addenda", readonly=True)
    due = fields.Function(fields.DateTime("Due"), 'get_due')
    # shown where the session took place, whatever the browser's zone
    session_time = fields.Function(
        fields.Char("Session"), 'get_local_times')
    signed_at_local = fields.Function(
        fields.Char("Signed At"), 'get_local_times')
    cosigned_at_local = fields.Function(
        fields.Char("Co-signed At"), 'get_local_times')
    due_local = fields.Function(fields.Char("Due"), 'get_local_times')
    del _draft

    # what only the workflow writes (sign, co-sign, return): refused from
    # any client
    _server_fields = {'state', 'cosign_required', 'signed_by', 'signed_at',
        'content_hash', 'cosigned_by', 'cosigned_at'}
    # what a signed note still receives, from the workflow only
    _unlocked_fields = _server_fields | {'addenda'}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('attendee_unique', Unique(t, t.appointment, t.client),
                'therapy_clinical.msg_note_attendee_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'signed'),
            ('signed', 'cosigned'),
            }
        cls._buttons.update({
                'copy_forward': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'sign': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'add_addendum': {
                    'invisible': Eval('state') == 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            # a signed session's times are read where it took place
            ('//group[@id="session_times"]', 'states', {
                    'invisible': Eval('state') != 'draft',
                    }, ['state']),
            ]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_cosign_required(cls):
        return False

    @classmethod
    def default_clinician(cls):
        return Transaction().context.get('employee')

    @classmethod
    def get_rec_name(cls, notes, name):
        """"Client — date": the client's name and the date read as rows
        for a list (a note's record read its client's); a past revision
        or an unsaved note from its records"""
        pool = Pool()
        Client = pool.get('therapy.client')
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        saved = stored_ids(notes)
        facts = {}
        if saved and not Transaction().context.get('_datetime'):
            note = cls.__table__()
            rows = rows_of(note, note.id, saved, note.client, note.date)
            clients = Client.name_rows({c for c, _ in rows.values() if c})
            facts = {i: (client_rec_name(*clients[c]) if c in clients
                    else '', date) for i, (c, date) in rows.items()}
        for note in notes:
            if note.id not in facts:
                facts[note.id] = (note.client.rec_name if note.client
                    else '', note.date)
        return {i: gettext('therapy_clinical.msg_note_rec_name',
                client=client, date=lang.strftime(date) if date else '')
            for i, (client, date) in facts.items()}

    @fields.depends('start', 'end')
    def on_change_with_minutes(self, name=None):
        return minutes_between(self.start, self.end)

    @fields.depends('service', 'start', 'end')
    def on_change_with_units(self, name=None):
        return session_units(self.on_change_with_minutes(),
            bool(self.service and self.service.timed))

    @fields.depends('appointment', 'client', 'clinician', 'service',
        'template', 'sections', 'date', 'start', 'end',
        methods=['on_change_with_minutes', 'on_change_with_units'])
    def on_change_appointment(self):
        appointment = self.appointment
        if not appointment:
            return
        self.clinician = appointment.clinician
        self.service = appointment.service
        self.start = appointment.start
        self.end = appointment.end
        self.date = appointment.local_date
        if not self.client and len(appointment.attendees) == 1:
            self.client, = [a.client for a in appointment.attendees]
        self.minutes = self.on_change_with_minutes()
        self.units = self.on_change_with_units()
        if not self.template:
            self.template = Pool().get(
                'therapy.note.template').for_service(appointment.service)
            self.on_change_template()

    @fields.depends('template', 'sections')
    def on_change_template(self):
        if self.template and not self.sections:
            Section = Pool().get('therapy.note.section')
            self.sections = [Section(**values)
                for values in self.template_sections(self.template)]

    @staticmethod
    def template_sections(template):
        return [{'sequence': s.sequence, 'name': s.name}
            for s in template.sections]

    def get_hash_valid(self, name):
        if self.content_hash:
            return content_hash(self.signed_content()) == self.content_hash

    def get_final(self, name):
        return (self.state == 'cosigned'
            or (self.state == 'signed' and not self.cosign_required))

    @classmethod
    def search_final(cls, name, clause):
        _, operator, value = clause
        final = ['OR',
            ('state', '=', 'cosigned'),
            [('state', '=', 'signed'), ('cosign_required', '!=', True)],
            ]
        if (operator == '=') == bool(value):
            return final
        return ['OR',
            ('state', '=', 'draft'),
            [('state', '=', 'signed'), ('cosign_required', '=', True)],
            ]

    @classmethod
    def time_rows(cls, notes):
        """{note id: (time zone, session end)}: note_timezone's zone and
        the end the note is due after, read as rows for a list (each note
        read its appointment, location, client and company as records,
        a tenth of opening a note); a past revision or an unsaved note
        from its records"""
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Client = pool.get('therapy.client')
        Location = pool.get('therapy.location')
        Company = pool.get('company.company')
        saved = stored_ids(notes)
        rows = {}
        if saved and not Transaction().context.get('_datetime'):
            note, appointment = cls.__table__(), Appointment.__table__()
            client, company = Client.__table__(), Company.__table__()
            at, lives = Location.__table__(), Location.__table__()
            query = (note
                .join(appointment, 'LEFT',
                    condition=note.appointment == appointment.id)
                .join(at, 'LEFT', condition=appointment.location == at.id)
                .join(client, 'LEFT', condition=note.client == client.id)
                .join(lives, 'LEFT', condition=client.location == lives.id)
                .join(company, 'LEFT', condition=note.company == company.id))
            for id_, (*zones, end, appointment_end) in rows_of(query,
                    note.id, saved, at.timezone, lives.timezone,
                    company.timezone, note.end, appointment.end).items():
                rows[id_] = (next(filter(None, zones), None),
                    end or appointment_end)
        for note in notes:
            if note.id not in rows:
                rows[note.id] = (note_timezone(note), note.end
                    or (note.appointment and note.appointment.end))
        return rows

    @classmethod
    def get_due(cls, notes, name, rows=None):
        delay = due_delay()
        rows = rows or cls.time_rows(notes)
        return {n.id: rows[n.id][1] + delay if rows[n.id][1] else None
            for n in notes}

    @classmethod
    def get_local_times(cls, notes, names):
        result = {n: {} for n in names}
        rows = cls.time_rows(notes)
        due = cls.get_due(notes, 'due', rows)
        for note in notes:
            timezone = rows[note.id][0]
            session = format_local(note.start, timezone)
            if note.start and note.end:
                start = local_time(note.start, timezone)
                session = (f'{start:%a %b %d, %Y %I:%M %p} - '
                    + format_time(note.end, timezone))
            values = {
                'session_time': session or None,
                'signed_at_local': format_local(note.signed_at, timezone),
                'cosigned_at_local': format_local(note.cosigned_at, timezone),
                'due_local': format_local(due[note.id], timezone),
                }
            for name in names:
                result[name][note.id] = values[name] or None
        return result

    def get_plan_goals(self, name):
        "The active plan's goals and objectives, as this user may read them"
        pool = Pool()
        Plan = pool.get('therapy.treatment.plan')
        Lang = pool.get('ir.lang')
        ModelAccess = pool.get('ir.model.access')
        if not self.client:
            return None
        with check_access():
            if not ModelAccess.check(
                    Plan.__name__, 'read', raise_exception=False):
                return None
            plans = Plan.search([
                    ('client', '=', self.client.id),
                    ('state', '=', 'active'),
                    ], order=[('start_date', 'DESC'), ('id', 'DESC')],
                limit=1)
            if not plans:
                return gettext('therapy_clinical.msg_note_no_active_plan')
            plan, = plans
            lang = Lang.get()
            lines = [gettext('therapy_clinical.msg_note_plan_heading',
                    start=lang.strftime(plan.start_date),
                    review=lang.strftime(plan.review_due))]
            for number, goal in enumerate(plan.goals, 1):
                lines += ['', f'{number}. {goal.description.strip()}']
                for objective in goal.objectives:
                    status = dict(
                        objective.__class__.status.selection)[objective.status]
                    lines.append(gettext(
                            'therapy_clinical.msg_note_plan_objective',
                            objective=objective.description.strip(),
                            target=lang.strftime(objective.target_date),
                            status=status))
        return '\n'.join(lines)

    def signed_content(self):
        "What the signature covers, in a stable form"
        return {
            'note': self.id,
            'client': self.client.id,
            'clinician': self.clinician.id,
            'appointment': self.appointment.id if self.appointment else None,
            'service': self.service.id if self.service else None,
            'date': self.date,
            'start': self.start,
            'end': self.end,
            'sections': [[s.name, s.content or ''] for s in self.sections],
            'procedures': [[p.service.id, p.minutes] for p in self.procedures],
            # ids: the catalogue's names may be reworded later
            'interventions': sorted(i.id for i in self.interventions),
            'risk': {f: getattr(self, f) for f in RISK_FIELDS},
            'safety_plan': bool(self.safety_plan),
            'risk_notes': self.risk_notes or '',
            'diagnoses': [[d.id, d.code.code] for d in self.diagnoses],
            'plan': self.plan or '',
            'signed_by': self.signed_by.id if self.signed_by else None,
            'signed_at': self.signed_at,
            }

    def minutes_by_service(self):
        "{service: minutes} the visit bills"
        if self.procedures:
            minutes = {}
            for procedure in self.procedures:
                minutes[procedure.service] = (
                    minutes.get(procedure.service, 0) + procedure.minutes)
            return minutes
        return {self.service: self.on_change_with_minutes() or 0}

    @classmethod
    def create(cls, vlist):
        Section = Pool().get('therapy.note.section')
        notes = super().create(vlist)
        sections = []
        for note in notes:
            if note.template and not note.sections:
                sections.extend(dict(values, note=note.id)
                    for values in cls.template_sections(note.template))
        if sections:
            Section.create(sections)
        return notes

    def locked_message(self):
        return gettext('therapy_clinical.msg_note_signed_locked',
            note=self.rec_name, signer=self.signed_by.rec_name,
            date=format_local(self.signed_at, note_timezone(self)))

    @classmethod
    def check_modification(cls, mode, notes, values=None, external=False):
        super().check_modification(
            mode, notes, values=values, external=external)
        if not external:
            return
        if mode == 'write' and (values.keys() & cls._server_fields):
            raise AccessError(gettext(
                    'therapy_clinical.msg_note_server_fields',
                    fields=', '.join(sorted(
                            getattr(cls, f).string for f in (
                                values.keys() & cls._server_fields)))))
        if mode == 'create':
            for note in notes:
                if note.state != 'draft' or any(getattr(note, f)
                        for f in cls._server_fields - {'state'}):
                    raise AccessError(gettext(
                            'therapy_clinical.msg_note_create_draft'))

    @classmethod
    def validate(cls, notes):
        super().validate(notes)
        for note in notes:
            appointment = note.appointment
            if appointment and note.client not in {
                    a.client for a in appointment.attendees}:
                raise NoteSignError(gettext(
                        'therapy_clinical.msg_note_client_not_attendee',
                        client=note.client.rec_name,
                        appointment=appointment.rec_name))

    def check_signable(self):
        if not is_employee_user(self.clinician):
            raise NoteSignError(gettext(
                    'therapy_clinical.msg_note_sign_not_author',
                    note=self.rec_name, clinician=self.clinician.rec_name))
        missing = [s.name for s in self.sections
            if s.required and not (s.content or '').strip()]
        if self.template and self.template.risk_assessment:
            missing += [getattr(self.__class__, f).string
                for f in RISK_FIELDS if not getattr(self, f)]
        if not self.start or not self.end:
            missing.append(gettext('therapy_clinical.msg_note_session_time'))
        if missing:
            raise NoteSignError(gettext(
                    'therapy_clinical.msg_note_incomplete',
                    note=self.rec_name, missing=', '.join(missing)))

    @classmethod
    @ModelView.button
    @Workflow.transition('signed')
    def sign(cls, notes):
        User = Pool().get('res.user')
        user = User(Transaction().user)
        for note in notes:
            note.check_signable()
            note.signed_by = user
            note.signed_at = clock.now()
            note.cosign_required = bool(note.clinician.cosign_required)
            note.content_hash = content_hash(note.signed_content())
        cls.save(notes)

    @classmethod
    @ModelView.button
    def copy_forward(cls, notes):
        """Fill a draft's empty sections (and empty diagnoses and
        interventions) from the client's last signed note of the same
        template that the user may read; nothing else is touched, and a
        signed note never"""
        for note in notes:
            if note.state != 'draft':
                raise AccessError(note.locked_message())
            previous = note.last_signed()
            if not previous:
                raise NoteSignError(gettext(
                        'therapy_clinical.msg_note_copy_forward_none',
                        client=note.client.rec_name,
                        template=(note.template.rec_name
                            if note.template else '-')))
            earlier = {s.name: s.content for s in previous.sections}
            for section in note.sections:
                if (not (section.content or '').strip()
                        and (earlier.get(section.name) or '').strip()):
                    section.content = earlier[section.name]
            note.sections = note.sections
            if not note.diagnoses:
                note.diagnoses = [d for d in previous.diagnoses
                    if d.active_problem]
            if not note.interventions:
                note.interventions = previous.interventions
        cls.save(notes)

    def last_signed(self):
        "The client's latest signed note of this template the user reads"
        with check_access():
            notes = self.search([
                    ('client', '=', self.client.id),
                    ('template', '=', self.template.id
                        if self.template else None),
                    ('state', 'in', ['signed', 'cosigned']),
                    ('id', '!=', self.id),
                    ], order=[('date', 'DESC'), ('signed_at', 'DESC')],
                limit=1)
        return notes[0] if notes else None

    @classmethod
    @ModelView.button_action('therapy_clinical.wizard_note_addendum')
    def add_addendum(cls, notes):
        pass

    @classmethod
    def open_for(cls, appointments):
        "The notes of appointments, drafting the missing ones first"
        cls.draft_for(appointments)
        return cls.search([
                ('appointment', 'in', [a.id for a in appointments]),
                ])

    @classmethod
    def draft_for(cls, appointments):
        "Draft a note for each attendee of appointments who has none"
        NoteTemplate = Pool().get('therapy.note.template')
        existing = {(n.appointment.id, n.client.id) for n in cls.search([
                    ('appointment', 'in', [a.id for a in appointments]),
                    ])}
        vlist = []
        for appointment in appointments:
            template = NoteTemplate.for_service(appointment.service)
            for attendee in appointment.attendees:
                if attendee.attendance not in {'attended', 'expected'}:
                    continue
                if (appointment.id, attendee.client.id) in existing:
                    continue
                vlist.append({
                        'company': appointment.company.id,
                        'appointment': appointment.id,
                        'client': attendee.client.id,
                        'clinician': appointment.clinician.id,
                        'service': appointment.service.id,
                        'template': template.id if template else None,
                        'date': appointment.local_date,
                        'start': appointment.start,
                        'end': appointment.end,
                        })
        return cls.create(vlist)

    @classmethod
    def copy(cls, notes, default=None):
        if not notes:
            return []
        raise AccessError(gettext('therapy_clinical.msg_note_no_copy'))


class NoteChildMixin(LockedRowMixin):
    "Rows of a note: locked with it, readable by whoever reads the note"
    __slots__ = ()
    _locked_parent = 'note'


class NoteSection(NoteChildMixin, sequence_ordered(), ModelSQL, ModelView):
    "Note Section"
    __name__ = 'therapy.note.section'
    _history = True

    _locked = {'readonly': Eval('note_state', 'draft') != 'draft'}
    note = fields.Many2One(
        'therapy.note', "Note", required=True, ondelete='CASCADE')
    name = fields.Char("Heading", required=True, states=_locked)
    guidance = fields.Function(fields.Text("Guidance"), 'get_template_section')
    required = fields.Function(
        fields.Boolean("Required"), 'get_template_section')
    content = fields.Text("Content", states=_locked)
    # read-only in the form itself once the note is signed, not refused
    # only when saving
    note_state = fields.Function(
        fields.Selection('get_note_states', "Note State"),
        'on_change_with_note_state')
    del _locked

    @classmethod
    def get_note_states(cls):
        return Pool().get('therapy.note').fields_get(
            ['state'])['state']['selection']

    @fields.depends('note', '_parent_note.state')
    def on_change_with_note_state(self, name=None):
        return self.note.state if self.note else 'draft'

    def get_template_section(self, name):
        "From the note template's section of the same heading"
        template = self.note.template
        for section in (template.sections if template else []):
            if section.name == self.name:
                return getattr(section, name)


class NoteProcedure(NoteChildMixin, ModelSQL, ModelView):
    "Note Timed Procedure"
    __name__ = 'therapy.note.procedure'
    _history = True

    note = fields.Many2One(
        'therapy.note', "Note", required=True, ondelete='CASCADE')
    service = fields.Many2One(
        'therapy.service', "Procedure", required=True, ondelete='RESTRICT')
    minutes = fields.Integer(
        "Minutes", required=True, domain=[('minutes', '>', 0)])


class NoteIntervention(NoteChildMixin, ModelSQL):
    "Note - Intervention"
    __name__ = 'therapy.note-therapy.intervention'
    note = fields.Many2One(
        'therapy.note', "Note", required=True, ondelete='CASCADE')
    intervention = fields.Many2One(
        'therapy.intervention', "Intervention", required=True,
        ondelete='RESTRICT')


class NoteDiagnosis(NoteChildMixin, ModelSQL):
    "Note - Diagnosis"
    __name__ = 'therapy.note-therapy.client.diagnosis'
    note = fields.Many2One(
        'therapy.note', "Note", required=True, ondelete='CASCADE')
    diagnosis = fields.Many2One(
        'therapy.client.diagnosis', "Diagnosis", required=True,
        ondelete='RESTRICT')


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    clinical_notes = fields.One2Many(
        'therapy.note', 'appointment', "Clinical Notes", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'write_notes': {
                    'invisible': ~Eval('state').in_(['arrived', 'completed']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    @ModelView.button_action('therapy_clinical.act_note_appointment')
    def write_notes(cls, appointments):
        "Open the session's notes, drafting one per attendee missing one"
        Note = Pool().get('therapy.note')
        return {'res_id': [n.id for n in Note.open_for(appointments)]}

