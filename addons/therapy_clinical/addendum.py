"""Addenda: what is added to a signed note, signed and hashed the same way.

Add Addendum on a signed note is two steps: the button opens a small form
for the text, and Sign and Add creates the addendum, signed by its author,
in one go."""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from therapy_scheduling import clock
from therapy_scheduling.appointment import format_local

from .exceptions import NoteSignError
from .note import note_timezone
from .signature import content_hash


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
    signed_at_local = fields.Function(
        fields.Char("Signed At"), 'get_signed_at_local')
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

    def get_signed_at_local(self, name):
        return format_local(
            self.signed_at, note_timezone(self.note)) or None

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
        if external and mode == 'write' and (values.keys()
                & {'state', 'author', 'signed_at', 'content_hash'}):
            raise AccessError(gettext(
                    'therapy_clinical.msg_addendum_server_fields'))
        if external and mode == 'create' and any(
                a.state != 'draft' or a.signed_at or a.content_hash
                for a in addenda):
            raise AccessError(gettext(
                    'therapy_clinical.msg_addendum_server_fields'))
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
            addendum.signed_at = clock.now()
            addendum.content_hash = content_hash(addendum.signed_content())
        cls.save(addenda)


class AddendumAddStart(ModelView):
    "Add Addendum"
    __name__ = 'therapy.note.addendum.add.start'

    note = fields.Many2One('therapy.note', "Note", readonly=True)
    content = fields.Text(
        "Addendum", required=True,
        help="A correction or late information; signed with your name and "
        "the time when you click Sign and Add.")


class AddendumAdd(Wizard):
    "Add Addendum"
    __name__ = 'therapy.note.addendum.add'

    start = StateView('therapy.note.addendum.add.start',
        'therapy_clinical.addendum_add_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Sign and Add", 'sign', 'tryton-ok', default=True),
            ])
    sign = StateTransition()

    def default_start(self, fields):
        return {'note': self.record.id}

    def transition_sign(self):
        Addendum = Pool().get('therapy.note.addendum')
        addendum, = Addendum.create([{
                    'note': self.record.id,
                    'content': self.start.content,
                    }])
        Addendum.sign([addendum])
        return 'end'

    def end(self):
        return 'reload'
