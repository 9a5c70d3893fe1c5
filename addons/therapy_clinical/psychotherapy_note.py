"""Psychotherapy (process) notes, HIPAA 45 CFR 164.501.

Kept apart from the record: their own model, readable by their author only
(a global record rule, so the administrator is refused as well), never in
exports, the portal or claims. Nothing else in Caseload links to them."""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import ExportRefused


class PsychotherapyNote(ModelSQL, ModelView):
    "Psychotherapy Note"
    __name__ = 'therapy.psychotherapy.note'

    company = fields.Many2One('company.company', "Company", required=True)
    author = fields.Many2One('res.user', "Author", readonly=True)
    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])
    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", ondelete='SET NULL',
        domain=[('company', '=', Eval('company', -1))])
    date = fields.Date("Date", required=True)
    content = fields.Text("Process Note", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_author(cls):
        return Transaction().user

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            values['author'] = Transaction().user
        return values

    @classmethod
    def check_modification(cls, mode, notes, values=None, external=False):
        super().check_modification(
            mode, notes, values=values, external=external)
        user = Transaction().user
        if user and mode in {'write', 'delete'}:
            for note in notes:
                if note.author.id != user:
                    raise AccessError(gettext(
                            'therapy_clinical.msg_psychotherapy_note_author'))

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        raise ExportRefused(gettext(
                'therapy_clinical.msg_psychotherapy_note_export'))

    @classmethod
    def export_data_domain(cls, domain, fields_names, offset=0, limit=None,
            order=None, header=False):
        raise ExportRefused(gettext(
                'therapy_clinical.msg_psychotherapy_note_export'))
