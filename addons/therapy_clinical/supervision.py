"""Supervision of notes: co-signature with an attestation, or return with
comments.

A supervisee's signed note waits for the supervisor, who either co-signs
it, attesting in words that are stored with the co-signature (who, when,
what, and the content hash that was reviewed), or returns it with
comments. A returned note goes back to draft: its signature is taken off
(the content hash no longer stands for what the clinician will change), the
signed version stays in the note's history and its hash in the review row,
and the clinician corrects it and signs again, which closes the return.
Every co-signature and return is a row of therapy.note.review, written by
the workflow only."""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from therapy_scheduling import clock
from therapy_scheduling.appointment import format_local

from .exceptions import NoteSignError
from .note import is_employee_user, note_timezone, user_employees

REVIEW_KINDS = [
    ('cosigned', "Co-signed"),
    ('returned', "Returned with comments"),
    ]


class NoteReview(ModelSQL, ModelView):
    "Note Supervision"
    __name__ = 'therapy.note.review'
    _history = True

    note = fields.Many2One(
        'therapy.note', "Note", required=True, ondelete='CASCADE',
        readonly=True)
    kind = fields.Selection(REVIEW_KINDS, "Review", readonly=True,
        required=True)
    reviewer = fields.Many2One(
        'res.user', "Supervisor", readonly=True, required=True)
    reviewed_at = fields.DateTime("Reviewed At", readonly=True, required=True)
    reviewed_at_local = fields.Function(
        fields.Char("Reviewed At"), 'get_local_times')
    text = fields.Text(
        "Attestation or Comments", readonly=True, required=True)
    note_hash = fields.Char(
        "Note SHA-256 Reviewed", readonly=True, size=64,
        help="The content hash of the signed note the supervisor reviewed.")
    resolved_at = fields.DateTime(
        "Signed Again At", readonly=True,
        help="A returned note: when the clinician signed the corrected "
        "note.")
    resolved_at_local = fields.Function(
        fields.Char("Signed Again At"), 'get_local_times')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('note')
        cls._order = [('reviewed_at', 'ASC'), ('id', 'ASC')]

    def get_rec_name(self, name):
        return f'{self.note.rec_name}: {dict(REVIEW_KINDS)[self.kind]}'

    @classmethod
    def get_local_times(cls, reviews, names):
        result = {n: {} for n in names}
        for review in reviews:
            timezone = note_timezone(review.note)
            for name in names:
                value = getattr(review, name[:-len('_local')])
                result[name][review.id] = format_local(
                    value, timezone) or None
        return result

    @classmethod
    def check_modification(cls, mode, reviews, values=None, external=False):
        "Written by the workflow only, and never changed by anyone"
        super().check_modification(
            mode, reviews, values=values, external=external)
        if external or mode == 'delete' or (
                mode == 'write' and values.keys() - {'resolved_at'}):
            raise AccessError(gettext('therapy_clinical.msg_review_readonly'))


class Note(metaclass=PoolMeta):
    __name__ = 'therapy.note'

    cosign_attestation = fields.Text(
        "Attestation", readonly=True,
        help="What the supervisor attested when co-signing.")
    reviews = fields.One2Many(
        'therapy.note.review', 'note', "Supervision", readonly=True)
    returned = fields.Function(
        fields.Boolean("Returned",
            help="Returned by the supervisor with comments: correct it and "
            "sign it again."),
        'get_returned', searcher='search_returned')
    return_comments = fields.Function(
        fields.Text("Supervisor's Comments"), 'get_returned')
    awaiting_my_cosign = fields.Function(
        fields.Boolean("Awaiting My Co-signature"),
        'get_awaiting_my_cosign', searcher='search_awaiting_my_cosign')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._server_fields = cls._server_fields | {'cosign_attestation'}
        cls._unlocked_fields = cls._unlocked_fields | {'cosign_attestation'}
        # returned by the supervisor: signed again once corrected
        cls._transitions |= {('signed', 'draft')}
        awaiting_me = {
            'invisible': ~Eval('awaiting_my_cosign', False),
            'depends': ['awaiting_my_cosign'],
            }
        cls._buttons.update({
                'start_cosign': awaiting_me,
                'start_return': awaiting_me,
                })

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//group[@id="returned"]', 'states', {
                    'invisible': ~Eval('returned', False),
                    }, ['returned']),
            ]

    @classmethod
    def get_returned(cls, notes, names):
        result = {n: {} for n in names}
        for note in notes:
            review = note.open_return()
            comments = None
            if review:
                comments = gettext('therapy_clinical.msg_note_returned_by',
                    reviewer=review.reviewer.rec_name,
                    date=format_local(
                        review.reviewed_at, note_timezone(note)),
                    comments=review.text)
            values = {'returned': bool(review), 'return_comments': comments}
            for name in names:
                result[name][note.id] = values[name]
        return result

    def open_return(self):
        "The supervisor's return the clinician has not answered yet"
        if self.state != 'draft':
            return None
        returns = [r for r in self.reviews
            if r.kind == 'returned' and not r.resolved_at]
        return returns[-1] if returns else None

    @classmethod
    def search_returned(cls, name, clause):
        _, operator, value = clause
        open_return = [
            ('kind', '=', 'returned'),
            ('resolved_at', '=', None),
            ]
        if (operator == '=') == bool(value):
            return [('state', '=', 'draft'),
                ('reviews', 'where', open_return)]
        return ['OR', ('state', '!=', 'draft'),
            ('reviews', 'not where', open_return)]

    def get_awaiting_my_cosign(self, name):
        return self.awaits_cosign_of_user()

    def awaits_cosign_of_user(self):
        "Signed, waiting for a co-signature the current user may give"
        supervisor = self.clinician.supervisor
        return bool(self.state == 'signed' and self.cosign_required
            and supervisor and is_employee_user(supervisor))

    @classmethod
    def search_awaiting_my_cosign(cls, name, clause):
        _, operator, value = clause
        awaiting = [
            ('state', '=', 'signed'),
            ('cosign_required', '=', True),
            ]
        if Transaction().user:
            awaiting.append(
                ('clinician.supervisor', 'in', list(user_employees())))
        if (operator == '=') == bool(value):
            return awaiting
        return ['NOT', awaiting]

    @classmethod
    def check_awaiting(cls, notes):
        "Refuse, naming them, the notes not waiting for this user"
        refused = [n for n in notes if not n.awaits_cosign_of_user()]
        if refused:
            raise NoteSignError(gettext(
                    'therapy_clinical.msg_note_not_awaiting_cosign',
                    notes=', '.join(n.rec_name for n in refused[:5])
                    + (', ...' if len(refused) > 5 else '')))

    @classmethod
    @ModelView.button
    @Workflow.transition('signed')
    def sign(cls, notes):
        Review = Pool().get('therapy.note.review')
        returns = [r for n in notes for r in n.reviews
            if r.kind == 'returned' and not r.resolved_at]
        super().sign(notes)
        if returns:
            Review.write(returns, {'resolved_at': clock.now()})

    @classmethod
    @Workflow.transition('cosigned')
    def cosign(cls, notes):
        """Co-sign, attesting the text in the context's cosign_attestation
        (the practice's standard attestation otherwise); reached through
        the Co-sign wizard"""
        pool = Pool()
        User = pool.get('res.user')
        Configuration = pool.get('therapy.configuration')
        Review = pool.get('therapy.note.review')
        attestation = (Transaction().context.get('cosign_attestation')
            or Configuration(1).cosign_attestation or '').strip()
        if not attestation:
            raise NoteSignError(gettext(
                    'therapy_clinical.msg_note_attestation_missing'))
        cls.check_awaiting(notes)
        user = User(Transaction().user)
        when = clock.now()
        for note in notes:
            note.cosigned_by = user
            note.cosigned_at = when
            note.cosign_attestation = attestation
        cls.save(notes)
        Review.create([{
                    'note': n.id,
                    'kind': 'cosigned',
                    'reviewer': user.id,
                    'reviewed_at': when,
                    'text': attestation,
                    'note_hash': n.content_hash,
                    } for n in notes])

    @classmethod
    def cosign_attested(cls, notes, attestation):
        "Co-sign notes (all awaiting the user) with one attestation"
        attestation = (attestation or '').strip()
        if not attestation:
            raise NoteSignError(gettext(
                    'therapy_clinical.msg_note_attestation_missing'))
        cls.check_awaiting(notes)
        with Transaction().set_context(cosign_attestation=attestation):
            cls.cosign(notes)

    @classmethod
    @Workflow.transition('draft')
    def send_back(cls, notes, comments):
        """Return signed notes to their clinician with the supervisor's
        comments: the signature comes off and the clinician signs again"""
        pool = Pool()
        User = pool.get('res.user')
        Review = pool.get('therapy.note.review')
        comments = (comments or '').strip()
        if not comments:
            raise NoteSignError(gettext(
                    'therapy_clinical.msg_note_return_comments_missing'))
        cls.check_awaiting(notes)
        user = User(Transaction().user)
        when = clock.now()
        Review.create([{
                    'note': n.id,
                    'kind': 'returned',
                    'reviewer': user.id,
                    'reviewed_at': when,
                    'text': comments,
                    'note_hash': n.content_hash,
                    } for n in notes])
        cls.write(notes, {
                'signed_by': None,
                'signed_at': None,
                'content_hash': None,
                'cosign_required': False,
                })

    @classmethod
    @ModelView.button_action('therapy_clinical.wizard_note_cosign')
    def start_cosign(cls, notes):
        pass

    @classmethod
    @ModelView.button_action('therapy_clinical.wizard_note_return')
    def start_return(cls, notes):
        pass


def notes_of(records):
    "The notes of wizard records: notes, or rows of Notes to Write"
    Note = Pool().get('therapy.note')
    notes = [r for r in records if r.__name__ == 'therapy.note']
    debts = [r for r in records if r.__name__ == 'therapy.note.debt']
    if debts:
        notes += Note.search(['OR'] + [[
                    ('appointment', '=', d.appointment.id),
                    ('client', '=', d.client.id),
                    ] for d in debts])
    return Note.browse(sorted({n.id for n in notes}))


class NoteCosignStart(ModelView):
    "Co-sign Notes"
    __name__ = 'therapy.note.cosign.start'

    notes = fields.Many2Many(
        'therapy.note', None, None, "Notes", readonly=True)
    attestation = fields.Text(
        "Attestation", required=True,
        help="Stored with each co-signature, with who signed and when.")


class NoteCosign(Wizard):
    "Co-sign Notes"
    __name__ = 'therapy.note.cosign'

    start = StateView('therapy.note.cosign.start',
        'therapy_clinical.note_cosign_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Co-sign", 'cosign', 'tryton-ok', default=True),
            ])
    cosign = StateTransition()

    def default_start(self, fields):
        pool = Pool()
        Note = pool.get('therapy.note')
        Configuration = pool.get('therapy.configuration')
        notes = notes_of(self.records)
        Note.check_awaiting(notes)
        return {
            'notes': [n.id for n in notes],
            'attestation': Configuration(1).cosign_attestation,
            }

    def transition_cosign(self):
        Note = Pool().get('therapy.note')
        Note.cosign_attested(notes_of(self.records), self.start.attestation)
        return 'end'

    def end(self):
        return 'reload'


class NoteReturnStart(ModelView):
    "Return Notes to the Clinician"
    __name__ = 'therapy.note.return.start'

    notes = fields.Many2Many(
        'therapy.note', None, None, "Notes", readonly=True)
    comments = fields.Text(
        "Comments", required=True,
        help="What the clinician should correct or add; shown on the note "
        "and kept in its supervision log.")


class NoteReturn(Wizard):
    "Return Notes to the Clinician"
    __name__ = 'therapy.note.return'

    start = StateView('therapy.note.return.start',
        'therapy_clinical.note_return_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Return to Clinician", 'send_back', 'tryton-back',
                default=True),
            ])
    send_back = StateTransition()

    def default_start(self, fields):
        Note = Pool().get('therapy.note')
        notes = notes_of(self.records)
        Note.check_awaiting(notes)
        return {'notes': [n.id for n in notes]}

    def transition_send_back(self):
        Note = Pool().get('therapy.note')
        Note.send_back(notes_of(self.records), self.start.comments)
        return 'end'

    def end(self):
        return 'reload'
