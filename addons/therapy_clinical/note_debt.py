"""Documentation debt: attended sessions whose note is not final.

Two read-only SQL views over notes and attendees:
- therapy.note.billing: what billing needs of a note (status, date, codes,
  minutes, units) and nothing of its content, for billers and owners who
  may not read therapy.note itself;
- therapy.note.debt: one row per attended client whose note is missing,
  unsigned or waiting for the supervisor, with its due time and aging,
  plus the daily reminder to each clinician."""
from collections import defaultdict

from sql import Literal, Null
from sql.conditionals import Case
from sql.operators import Exists

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling import clock, notify
from therapy_scheduling.web import public_url

from .note import due_delay
from .units import minutes_between, session_units

DEBT_STATUS = [
    ('missing', "Not started"),
    ('draft', "Unsigned draft"),
    ('returned', "Returned by supervisor"),
    ('cosign', "Awaiting co-signature"),
    ]


class NoteBilling(ModelSQL, ModelView):
    "Note Status for Billing"
    __name__ = 'therapy.note.billing'

    company = fields.Many2One('company.company', "Company", readonly=True)
    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", readonly=True)
    client = fields.Many2One('therapy.client', "Client", readonly=True)
    clinician = fields.Many2One(
        'company.employee', "Clinician", readonly=True)
    service = fields.Many2One('therapy.service', "Service", readonly=True)
    date = fields.Date("Date of Service", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('signed', "Signed"),
            ('cosigned', "Co-signed"),
            ], "State", readonly=True)
    cosign_required = fields.Boolean("Co-signature Required", readonly=True)
    signed_at = fields.DateTime("Signed At", readonly=True)
    cosigned_at = fields.DateTime("Co-signed At", readonly=True)
    start = fields.DateTime("Session Start", readonly=True)
    end = fields.DateTime("Session End", readonly=True)
    procedure_code = fields.Function(
        fields.Char("Procedure Code"), 'get_billing')
    minutes = fields.Function(fields.Integer("Minutes"), 'get_billing')
    units = fields.Function(fields.Integer("Units"), 'get_billing')
    diagnosis_codes = fields.Function(
        fields.Char("Diagnosis Codes",
            help="ICD-10-CM codes addressed, primary first."),
        'get_diagnosis_codes')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    def get_rec_name(self, name):
        Lang = Pool().get('ir.lang')
        return gettext('therapy_clinical.msg_note_rec_name',
            client=self.client.rec_name, date=Lang.get().strftime(self.date))

    @classmethod
    def table_query(cls):
        note = Pool().get('therapy.note').__table__()
        return note.select(
            note.id, note.create_uid, note.create_date, note.write_uid,
            note.write_date, note.company, note.appointment, note.client,
            note.clinician, note.service, note.date, note.state,
            note.cosign_required, note.signed_at, note.cosigned_at,
            note.start, note.end)

    @classmethod
    def get_billing(cls, notes, names):
        result = {n: {} for n in names}
        for note in notes:
            minutes = minutes_between(note.start, note.end)
            timed = bool(note.service and note.service.timed)
            values = {
                'procedure_code': note.service.code if note.service else None,
                'minutes': minutes,
                'units': session_units(minutes, timed),
                }
            for name in names:
                result[name][note.id] = values[name]
        return result

    @classmethod
    def get_diagnosis_codes(cls, notes, name):
        "Codes read in SQL: billers may not read the note's own relations"
        pool = Pool()
        Relation = pool.get('therapy.note-therapy.client.diagnosis')
        Diagnosis = pool.get('therapy.client.diagnosis')
        Code = pool.get('therapy.icd10')
        relation = Relation.__table__()
        diagnosis = Diagnosis.__table__()
        code = Code.__table__()
        cursor = Transaction().connection.cursor()
        codes = defaultdict(list)
        cursor.execute(*relation.join(diagnosis,
                condition=relation.diagnosis == diagnosis.id
                ).join(code, condition=diagnosis.code == code.id
                ).select(relation.note, code.code,
                where=relation.note.in_([n.id for n in notes]),
                order_by=[relation.note, diagnosis.rank, diagnosis.id]))
        for note_id, value in cursor:
            codes[note_id].append(value)
        return {n.id: ', '.join(codes[n.id]) or None for n in notes}


class NoteDebt(ModelSQL, ModelView):
    "Overdue or Missing Note"
    __name__ = 'therapy.note.debt'

    company = fields.Many2One('company.company', "Company", readonly=True)
    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", readonly=True)
    client = fields.Many2One('therapy.client', "Client", readonly=True)
    clinician = fields.Many2One(
        'company.employee', "Clinician", readonly=True)
    start = fields.DateTime("Session Start", readonly=True)
    end = fields.DateTime("Session End", readonly=True)
    status = fields.Selection(DEBT_STATUS, "Status", readonly=True)
    due = fields.Function(fields.DateTime("Due"), 'get_due')
    overdue = fields.Function(
        fields.Boolean("Overdue"), 'get_overdue', searcher='search_overdue')
    days_overdue = fields.Function(
        fields.Integer("Days Overdue"), 'get_days_overdue')
    awaiting_my_cosign = fields.Function(
        fields.Boolean("Awaiting My Co-signature"),
        'get_awaiting_my_cosign')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('end', 'ASC'), ('id', 'ASC')]
        cls._buttons.update({
                'write_note': {
                    # awaiting co-signature: the supervisor's move
                    'invisible': Eval('status') == 'cosign',
                    'depends': ['status'],
                    },
                'cosign': {
                    'invisible': ~Eval('awaiting_my_cosign', False),
                    'depends': ['awaiting_my_cosign'],
                    },
                })

    def get_rec_name(self, name):
        "The client and when the session was, as a tab title reads it"
        return f'{self.client.rec_name}, {self.appointment.local_time}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('client.rec_name',) + tuple(clause[1:])]

    @classmethod
    def table_query(cls):
        pool = Pool()
        attendee = pool.get('therapy.appointment.attendee').__table__()
        appointment = pool.get('therapy.appointment').__table__()
        note = pool.get('therapy.note').__table__()
        review = pool.get('therapy.note.review').__table__()
        open_return = review.select(review.id,
            where=(review.note == note.id) & (review.kind == 'returned')
            & (review.resolved_at == Null))
        status = Case(
            (note.id == Null, 'missing'),
            ((note.state == 'draft') & Exists(open_return), 'returned'),
            (note.state == 'draft', 'draft'),
            else_='cosign')
        return attendee.join(appointment,
            condition=attendee.appointment == appointment.id
            ).join(note, 'LEFT',
                condition=(note.appointment == appointment.id)
                & (note.client == attendee.client)
            ).select(
                attendee.id, attendee.create_uid, attendee.create_date,
                attendee.write_uid, attendee.write_date,
                appointment.company,
                attendee.appointment,
                attendee.client,
                appointment.clinician,
                appointment.start,
                appointment.end,
                status.as_('status'),
                where=(attendee.attendance == 'attended')
                & ((note.id == Null)
                    | (note.state == 'draft')
                    | ((note.state == 'signed')
                        & (note.cosign_required == Literal(True)))))

    @classmethod
    def get_due(cls, debts, name):
        delay = due_delay()
        return {d.id: d.end + delay for d in debts}

    @classmethod
    def get_overdue(cls, debts, name):
        now = clock.now()
        return {d.id: d.end + due_delay() < now for d in debts}

    @classmethod
    def search_overdue(cls, name, clause):
        _, operator, value = clause
        limit = clock.now() - due_delay()
        if (operator == '=') == bool(value):
            return [('end', '<', limit)]
        return [('end', '>=', limit)]

    @classmethod
    def get_days_overdue(cls, debts, name):
        now = clock.now()
        delay = due_delay()
        return {d.id: max((now - (d.end + delay)).days, 0) for d in debts}

    @classmethod
    def get_awaiting_my_cosign(cls, debts, name):
        Note = Pool().get('therapy.note')
        waiting = [d for d in debts if d.status == 'cosign']
        awaiting = set()
        if waiting:
            for note in Note.search(['OR'] + [[
                            ('appointment', '=', d.appointment.id),
                            ('client', '=', d.client.id),
                            ] for d in waiting]):
                if note.awaits_cosign_of_user():
                    awaiting.add((note.appointment.id, note.client.id))
        return {d.id: (d.appointment.id, d.client.id) in awaiting
            for d in debts}

    @classmethod
    @ModelView.button_action('therapy_clinical.wizard_note_debt_cosign')
    def cosign(cls, debts):
        pass

    @classmethod
    @ModelView.button_action('therapy_clinical.act_note_appointment')
    def write_note(cls, debts):
        Note = Pool().get('therapy.note')
        notes = Note.open_for(list({d.appointment for d in debts}))
        return {'res_id': [n.id for n in notes]}

    @classmethod
    def send_reminders(cls):
        """Email each clinician how many notes are overdue (no client
        names: email is not a safe channel for PHI)"""
        pool = Pool()
        User = pool.get('res.user')
        with without_check_access():
            debts = cls.search([('overdue', '=', True)])
        by_clinician = defaultdict(list)
        for debt in debts:
            by_clinician[debt.clinician].append(debt)
        sent = []
        for clinician, rows in by_clinician.items():
            users = User.search([('employees', '=', clinician.id)])
            emails = {u.email for u in users if u.email}
            if not emails and clinician.party.email:
                emails = {clinician.party.email}
            if not emails:
                continue
            oldest = min(r.end for r in rows)
            with without_check_access():
                clients = {r.client for r in rows}
                notify.send_after_commit(notify.auto_email(emails,
                        gettext('therapy_clinical.msg_note_debt_email_subject',
                            count=len(rows)),
                        gettext('therapy_clinical.msg_note_debt_email_body',
                            name=clinician.party.name,
                            count=len(rows),
                            oldest=oldest.date(),
                            days=max(r.days_overdue for r in rows),
                            url=public_url()),
                        about=clients))
            sent.append(clinician)
        return sent
