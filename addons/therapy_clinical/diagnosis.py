from sql.aggregate import Count
from sql.functions import CurrentTimestamp

from trytond.model import (
    ModelSQL, ModelView, Unique, fields, sequence_ordered)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.transaction import Transaction, without_check_access

from .icd10 import code_rows, search_words

BATCH = 500


class ICD10(ModelSQL, ModelView):
    "ICD-10-CM Code"
    __name__ = 'therapy.icd10'
    _rec_name = 'code'

    code = fields.Char("Code", required=True, readonly=True)
    name = fields.Char("Description", required=True, readonly=True)
    billable = fields.Boolean(
        "Billable", readonly=True,
        help="The most specific code of its branch: the only kind a claim "
        "accepts.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'therapy_clinical.msg_icd10_code_unique'),
            ]
        cls._order = [('code', 'ASC'), ('id', 'ASC')]

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        cls.load_codes()

    @classmethod
    def load_codes(cls):
        """Insert the package's codes missing from the table, in bulk (the
        ORM would take minutes for ~97,000 rows); existing rows are kept, so
        a newer code set only adds codes and refreshes nothing by hand."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(Count(table.id)))
        count, = cursor.fetchone()
        rows = list(code_rows())
        if count >= len(rows):
            return
        cursor.execute(*table.select(table.code))
        known = {c for c, in cursor}
        missing = [r for r in rows if r[0] not in known]
        for i in range(0, len(missing), BATCH):
            cursor.execute(*table.insert(
                    [table.code, table.name, table.billable,
                        table.create_uid, table.create_date],
                    [[c, n, b, 0, CurrentTimestamp()]
                        for c, n, b in missing[i:i + BATCH]]))

    def get_rec_name(self, name):
        return f'{self.code} {self.name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        if operator not in {'ilike', 'like', '='} or not isinstance(value, str):
            return [('code', operator, value)]
        words = search_words(value.strip('%'))
        if not words:
            return []
        by_words = [('name', 'ilike', f'%{w}%') for w in words]
        return ['OR',
            ('code', 'ilike', value.strip('%').upper() + '%'),
            by_words,
            ]


class ClientDiagnosis(sequence_ordered('rank', "Rank"), ModelSQL, ModelView):
    "Client Diagnosis"
    __name__ = 'therapy.client.diagnosis'
    _history = True

    client = fields.Many2One(
        'therapy.client', "Client", required=True, ondelete='CASCADE')
    code = fields.Many2One(
        'therapy.icd10', "ICD-10-CM", required=True, ondelete='RESTRICT',
        domain=[('billable', '=', True)],
        help="Billable (most specific) codes only: claims refuse others.")
    onset_date = fields.Date("Onset")
    resolved_date = fields.Date(
        "Resolved",
        # both set: the web client checks this domain on every diagnosis a
        # note lists, and an open problem (no resolved date) must pass
        domain=[If(Bool(Eval('onset_date')) & Bool(Eval('resolved_date')),
                ('resolved_date', '>=', Eval('onset_date')), ())])
    diagnosed_by = fields.Many2One(
        'company.employee', "Diagnosed By", ondelete='RESTRICT')
    comment = fields.Char("Comment")
    active_problem = fields.Function(
        fields.Boolean("Active"), 'get_active_problem',
        searcher='search_active_problem')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.client, t.code, t.onset_date),
                'therapy_clinical.msg_client_diagnosis_unique'),
            ]
        cls._order.insert(0, ('client', 'ASC'))

    @classmethod
    def default_client(cls):
        # the problem list of a client and a note's diagnoses pass it
        return Transaction().context.get('client')

    @classmethod
    def default_diagnosed_by(cls):
        return Transaction().context.get('employee')

    def get_rec_name(self, name):
        return self.code.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('code.rec_name',) + tuple(clause[1:])]

    @classmethod
    def check_modification(cls, mode, diagnoses, values=None,
            external=False):
        """A diagnosis a signed note or plan refers to keeps its code and
        client (resolving it stays possible): what was signed stays true."""
        pool = Pool()
        Note = pool.get('therapy.note')
        Plan = pool.get('therapy.treatment.plan')
        super().check_modification(
            mode, diagnoses, values=values, external=external)
        cls.check_care_team(mode, diagnoses, values, external)
        if mode == 'write' and not (values.keys() & {'code', 'client'}):
            return
        if mode not in {'write', 'delete'}:
            return
        ids = [d.id for d in diagnoses]
        with without_check_access():
            signed = Note.search([
                    ('diagnoses', 'in', ids), ('state', '!=', 'draft'),
                    ], limit=1) or Plan.search([
                    ('diagnoses', 'in', ids), ('state', '!=', 'draft'),
                    ], limit=1)
        if signed:
            raise AccessError(gettext(
                    'therapy_clinical.msg_client_diagnosis_signed',
                    record=signed[0].rec_name))

    @classmethod
    def check_care_team(cls, mode, records, values=None, external=False):
        """A clinician adds to the record of their care team's clients
        only (the rule on create would name no reason)"""
        Client = Pool().get('therapy.client')
        if not external:
            return
        if mode == 'create':
            clients = {r.client for r in records}
        elif mode == 'write' and 'client' in values:
            clients = {Client(values['client'])}
        else:
            return
        Client.check_care_team([c for c in clients if c])

    def get_active_problem(self, name):
        today = Pool().get('ir.date').today()
        return not self.resolved_date or self.resolved_date > today

    @classmethod
    def search_active_problem(cls, name, clause):
        today = Pool().get('ir.date').today()
        _, operator, value = clause
        active = ['OR',
            ('resolved_date', '=', None),
            ('resolved_date', '>', today),
            ]
        if (operator == '=') == bool(value):
            return active
        return [('resolved_date', '<=', today)]


class Client(metaclass=PoolMeta):
    __name__ = 'therapy.client'

    diagnoses = fields.One2Many(
        'therapy.client.diagnosis', 'client', "Diagnoses",
        help="Problem list; the first by rank is the primary diagnosis.")
