"""Progress notes: written from a template, signed, locked, co-signed.

A signed note's content is frozen server-side (check_modification), its
SHA-256 stored at signing; corrections and late information go into signed
addenda. Notes of a clinician who needs supervision wait for the
supervisor's co-signature before they count as final (and billable)."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    ModelSQL, ModelView, Unique, Workflow, fields, sequence_ordered)
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .exceptions import NoteSignError
from .locking import LockedRowMixin, SignedLockMixin
from .signature import content_hash
from .units import units_for

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


def now():
    return dt.datetime.now().replace(microsecond=0)


def user_employees():
    "Employee ids the current user acts as (all of them for root)"
    User = Pool().get('res.user')
    return set(User.get_employees())


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
    suicidal_ideation = fields.Selection(
        IDEATION, "Suicidal Ideation", states=_draft)
    homicidal_ideation = fields.Selection(
        IDEATION, "Homicidal Ideation", states=_draft)
    self_harm = fields.Selection(SELF_HARM, "Self-Harm", states=_draft)
    risk_level = fields.Selection(
        RISK_LEVELS, "Risk Level", states=_draft,
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
    plan = fields.Text("Plan", states=_draft)
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
        'therapy.note.addendum', 'note', "Addenda",
        states={'readonly': Eval('state') == 'draft'})
    due = fields.Function(fields.DateTime("Due"), 'get_due')
    del _draft

    _unlocked_fields = {'state', 'cosigned_by', 'cosigned_at', 'addenda'}

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
                'sign': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'cosign': {
                    'invisible': ((Eval('state') != 'signed')
                        | ~Eval('cosign_required', False)),
                    'depends': ['state', 'cosign_required'],
                    },
                })

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

    def get_rec_name(self, name):
        return gettext('therapy_clinical.msg_note_rec_name',
            client=self.client.rec_name, date=self.date)

    @fields.depends('start', 'end')
    def on_change_with_minutes(self, name=None):
        if self.start and self.end and self.end > self.start:
            return int((self.end - self.start).total_seconds() // 60)

    @fields.depends('service', 'start', 'end')
    def on_change_with_units(self, name=None):
        minutes = self.on_change_with_minutes()
        if not minutes:
            return 0
        if self.service and self.service.timed:
            return units_for(minutes)
        return 1

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
    def get_due(cls, notes, name):
        Configuration = Pool().get('therapy.configuration')
        delay = dt.timedelta(hours=Configuration(1).note_due_hours)
        result = {}
        for note in notes:
            end = note.end or (note.appointment and note.appointment.end)
            result[note.id] = end + delay if end else None
        return result

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
            date=self.signed_at)

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
            note.signed_at = now()
            note.cosign_required = bool(note.clinician.cosign_required)
            note.content_hash = content_hash(note.signed_content())
        cls.save(notes)

    @classmethod
    @ModelView.button
    @Workflow.transition('cosigned')
    def cosign(cls, notes):
        User = Pool().get('res.user')
        user = User(Transaction().user)
        for note in notes:
            if not is_employee_user(note.clinician.supervisor):
                raise NoteSignError(gettext(
                        'therapy_clinical.msg_note_cosign_not_supervisor',
                        note=note.rec_name,
                        supervisor=(note.clinician.supervisor.rec_name
                            if note.clinician.supervisor else '-')))
            note.cosigned_by = user
            note.cosigned_at = now()
        cls.save(notes)

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

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('note')

    def locked_record(self):
        return self.note


class NoteSection(NoteChildMixin, sequence_ordered(), ModelSQL, ModelView):
    "Note Section"
    __name__ = 'therapy.note.section'
    _history = True

    note = fields.Many2One(
        'therapy.note', "Note", required=True, ondelete='CASCADE')
    name = fields.Char("Heading", required=True)
    guidance = fields.Function(fields.Text("Guidance"), 'get_template_section')
    required = fields.Function(
        fields.Boolean("Required"), 'get_template_section')
    content = fields.Text("Content")

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


class Addendum(Workflow, ModelSQL, ModelView):
    "Note Addendum"
    __name__ = 'therapy.note.addendum'
    _history = True

    note = fields.Many2One(
        'therapy.note', "Note", required=True, ondelete='RESTRICT',
        domain=[('state', '!=', 'draft')],
        states={'readonly': Eval('state') != 'draft'})
    author = fields.Many2One('res.user', "Author", readonly=True)
    content = fields.Text(
        "Addendum", required=True,
        states={'readonly': Eval('state') != 'draft'})
    state = fields.Selection([
            ('draft', "Draft"),
            ('signed', "Signed"),
            ], "State", readonly=True, required=True)
    signed_at = fields.DateTime("Signed At", readonly=True)
    content_hash = fields.Char("Content SHA-256", readonly=True, size=64)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('note')
        cls._order = [('create_date', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {('draft', 'signed')}
        cls._buttons.update({
                'sign': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_author(cls):
        return Transaction().user

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            # the author is whoever writes it, whatever the client sends
            values['author'] = Transaction().user
        return values

    def signed_content(self):
        return {
            'note': self.note.id,
            'note_hash': self.note.content_hash,
            'author': self.author.id,
            'content': self.content,
            'signed_at': self.signed_at,
            }

    @classmethod
    def check_modification(cls, mode, addenda, values=None, external=False):
        super().check_modification(
            mode, addenda, values=values, external=external)
        if mode == 'create':
            for addendum in addenda:
                if addendum.note.state == 'draft':
                    raise AccessError(gettext(
                            'therapy_clinical.msg_addendum_draft_note',
                            note=addendum.note.rec_name))
        if mode == 'write' and values.keys() <= {'state'}:
            return
        if mode in {'write', 'delete'}:
            for addendum in addenda:
                if addendum.state != 'draft':
                    raise AccessError(gettext(
                            'therapy_clinical.msg_addendum_signed',
                            note=addendum.note.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('signed')
    def sign(cls, addenda):
        user = Transaction().user
        for addendum in addenda:
            if user and addendum.author.id != user:
                raise NoteSignError(gettext(
                        'therapy_clinical.msg_addendum_not_author',
                        author=addendum.author.rec_name))
            addendum.signed_at = now()
            addendum.content_hash = content_hash(addendum.signed_content())
        cls.save(addenda)


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

