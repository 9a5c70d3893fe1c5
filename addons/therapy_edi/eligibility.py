"""Eligibility: what a payer's 271 answered about a coverage, one dated
record per answer, written only by the import of the 271 (inbound.py).

The latest answer is shown on the coverage and on the appointment's front
desk tab (instead of the biller's manual "verified"), and
``Coverage.eligibility_on(date)`` is what the scrubber asks about a date
of service: 'active', 'inactive' or 'unknown' (no answer, or the payer
could not answer)."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta

STATUSES = [
    ('active', "Active"),
    ('inactive', "Inactive"),
    ('unknown', "Unknown"),
    ]
NETWORKS = [
    (None, ""),
    ('in', "In Network"),
    ('out', "Out of Network"),
    ('both', "In and Out of Network"),
    ('unknown', "Not Stated"),
    ]


def x12_date(value):
    "A date of a YYYYMMDD text, None when empty or not a date"
    try:
        return dt.datetime.strptime(value or '', '%Y%m%d').date()
    except ValueError:
        return None


class Eligibility(ModelSQL, ModelView):
    "Eligibility"
    __name__ = 'therapy.eligibility'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    coverage = fields.Many2One(
        'therapy.coverage', "Coverage", required=True, readonly=True,
        ondelete='CASCADE')
    client = fields.Function(
        fields.Many2One('therapy.client', "Client"), 'get_client')
    edi_file = fields.Many2One(
        'therapy.edi.file', "271 File", required=True, readonly=True,
        ondelete='RESTRICT')
    date = fields.Date("Checked On", required=True, readonly=True,
        help="The date of the payer's answer (271 BHT04).")
    status = fields.Selection(STATUSES, "Status", required=True,
        readonly=True,
        help="Unknown when the payer could not answer (see Rejections).")
    member_id = fields.Char("Member ID", readonly=True,
        help="As the 271 names the subscriber.")
    plan = fields.Char("Plan", readonly=True)
    plan_begin = fields.Date("Plan Begins", readonly=True)
    plan_end = fields.Date("Plan Ends", readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    copay = Monetary("Copay", currency='currency', digits='currency',
        readonly=True)
    coinsurance = fields.Numeric("Coinsurance (%)", digits=(5, 2),
        readonly=True)
    deductible = Monetary("Deductible", currency='currency',
        digits='currency', readonly=True)
    deductible_remaining = Monetary("Deductible Remaining",
        currency='currency', digits='currency', readonly=True)
    out_of_pocket = Monetary("Out-of-Pocket Maximum", currency='currency',
        digits='currency', readonly=True)
    out_of_pocket_remaining = Monetary("Out-of-Pocket Remaining",
        currency='currency', digits='currency', readonly=True)
    network = fields.Selection(NETWORKS, "Network", readonly=True,
        help="Whom the copay, coinsurance and deductible apply to.")
    visit_limit = fields.Integer("Visit Limit", readonly=True)
    visits_remaining = fields.Integer("Visits Remaining", readonly=True)
    prior_authorization = fields.Boolean("Prior Authorization Required",
        readonly=True)
    rejections = fields.Text("Rejections", readonly=True,
        help="The payer's AAA codes and what they mean.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    def get_client(self, name):
        return self.coverage.client.id

    def get_currency(self, name):
        return self.company.currency.id

    def get_rec_name(self, name):
        return f'{self.coverage.rec_name} @ {self.date}'

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        # the payer's word: only the 271 import writes it
        if external:
            raise AccessError(gettext('therapy_edi.msg_eligibility_readonly'))

    @classmethod
    def values_of(cls, figures, coverage, edi_file_date):
        "The values of a record from x12.eligibility.figures"
        return {
            'company': coverage.client.company.id,
            'coverage': coverage.id,
            'date': edi_file_date,
            'status': figures['status'],
            'plan_begin': x12_date(figures['plan_begin']),
            'plan_end': x12_date(figures['plan_end']),
            'copay': figures['copay'],
            'coinsurance': figures['coinsurance'],
            'deductible': figures['deductible'],
            'deductible_remaining': figures['deductible_remaining'],
            'out_of_pocket': figures['out_of_pocket'],
            'out_of_pocket_remaining': figures['out_of_pocket_remaining'],
            'network': figures['network'],
            'visit_limit': figures['visit_limit'],
            'visits_remaining': figures['visits_remaining'],
            'prior_authorization': figures['prior_authorization'],
            'rejections': '\n'.join(figures['rejections']) or None,
            }

    def status_on(self, date):
        "active, inactive or unknown for a date of service"
        if self.status != 'active':
            return self.status
        if ((self.plan_begin and date < self.plan_begin)
                or (self.plan_end and date > self.plan_end)):
            return 'inactive'
        return 'active'


class Coverage(metaclass=PoolMeta):
    __name__ = 'therapy.coverage'

    eligibilities = fields.One2Many(
        'therapy.eligibility', 'coverage', "Eligibility Answers",
        readonly=True, help="The payer's 271 answers, latest first.")
    eligibility = fields.Function(fields.Many2One(
            'therapy.eligibility', "Latest Eligibility"), 'get_eligibility')
    eligibility_status = fields.Function(fields.Selection(
            STATUSES, "Eligibility",
            help="From the payer's latest 271: unknown when none came or "
            "the payer could not answer."), 'get_eligibility')
    eligibility_date = fields.Function(
        fields.Date("Eligibility Checked On"), 'get_eligibility')
    eligibility_copay = fields.Function(Monetary(
            "Copay (271)", currency='currency', digits='currency'),
        'get_eligibility')

    @classmethod
    def copy(cls, coverages, default=None):
        default = dict(default or {})
        default.setdefault('eligibilities')
        return super().copy(coverages, default=default)

    @classmethod
    def latest_eligibilities(cls, coverages):
        "{coverage id: its latest therapy.eligibility}"
        Eligibility = Pool().get('therapy.eligibility')
        latest = {}
        for record in Eligibility.search([
                    ('coverage', 'in', [c.id for c in coverages]),
                    ], order=[('date', 'ASC'), ('id', 'ASC')]):
            latest[record.coverage.id] = record
        return latest

    @classmethod
    def get_eligibility(cls, coverages, names):
        latest = cls.latest_eligibilities(coverages)
        result = {name: {} for name in names}
        for coverage in coverages:
            record = latest.get(coverage.id)
            values = {
                'eligibility': record.id if record else None,
                'eligibility_status': record.status if record else 'unknown',
                'eligibility_date': record.date if record else None,
                'eligibility_copay': record.copay if record else None,
                }
            for name in names:
                result[name][coverage.id] = values[name]
        return result

    def eligibility_on(self, date):
        """'active', 'inactive' or 'unknown' on a date of service, by the
        payer's latest 271 (the scrubber's question)"""
        record = self.eligibility
        return record.status_on(date) if record else 'unknown'


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    @classmethod
    def _coverage_status(cls, coverage, date):
        "The payer's latest 271 when there is one, else the manual check"
        record = coverage.eligibility
        if not record:
            return super()._coverage_status(coverage, date)
        pool = Pool()
        Lang = pool.get('ir.lang')
        status = record.status_on(date)
        checked = Lang.get().strftime(record.date)
        if status == 'active':
            text = gettext('therapy_edi.msg_eligibility_271_active',
                date=checked)
            if record.copay is not None:
                text = gettext('therapy_edi.msg_eligibility_271_copay',
                    status=text, copay=Lang.get().currency(
                        record.copay, record.currency))
            return text, False
        if status == 'inactive':
            return gettext('therapy_edi.msg_eligibility_271_inactive',
                date=checked), True
        return gettext('therapy_edi.msg_eligibility_271_unknown',
            date=checked, reasons=(record.rejections or '-').replace(
                '\n', '; ')), True
