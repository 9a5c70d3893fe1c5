"""What the front desk needs to know about money at check-in.

For a list of appointments (the day sheet, today's arrivals) each column is
computed for the whole list at once: one search of coverages, one of
authorizations, one receivable query for the guarantors. Check In shows
the copay and the balance due before the client is marked arrived, and can
go straight on to Collect Copay (therapy_billing.wizard_collect_copay)."""
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from therapy_scheduling.day_sheet import widths
from therapy_scheduling.rows import rows_of


FRONT_DESK_WIDTHS = {
    'field': {'copay_due': 80, 'balance_due': 85, 'eligibility': 110},
    'button': {'check_in': 100, 'collect_copay': 135},
    }

# where a copay may still be taken
COPAY_STATES = {'scheduled', 'confirmed', 'arrived', 'completed'}


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    copay_due = fields.Function(Monetary(
            "Copay Due", currency='currency', digits='currency',
            help="What the client pays at the desk today: the copay, or "
            "the session fee for a self-pay client, until collected."),
        'get_front_desk')
    balance_due = fields.Function(Monetary(
            "Balance Due", currency='currency', digits='currency',
            help="What the guarantor owes the practice (the ledger's "
            "receivable)."),
        'get_front_desk')
    eligibility = fields.Function(fields.Char(
            "Eligibility",
            help="Coverage in effect on the date and whether a biller "
            "verified it; missing authorizations."),
        'get_front_desk')
    eligibility_problem = fields.Function(
        fields.Boolean("Eligibility Problem"), 'get_front_desk')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                # no icon: the label alone fits the front desk's lists
                'check_in': {
                    'invisible': ~Eval('state').in_(
                        ['scheduled', 'confirmed']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree/field[@name="eligibility"]', 'visual',
                If(Eval('eligibility_problem', False), 'warning', '')),
            ('/tree/field[@name="copay_due"]', 'visual',
                If(Eval('copay_due', 0) > 0, 'danger', '')),
            ('/tree/field[@name="balance_due"]', 'visual',
                If(Eval('balance_due', 0) > 0, 'danger', '')),
            ] + widths(FRONT_DESK_WIDTHS)

    @classmethod
    def get_currency(cls, appointments, name):
        "The company's, from the rows: a list's column"
        Company = Pool().get('company.company')
        table = cls.__table__()
        companies = rows_of(table, table.id, [a.id for a in appointments],
            table.company)
        currencies = {c.id: c.currency.id for c in Company.browse(
                list({c for c, in companies.values() if c}))}
        return {a.id: currencies.get(companies.get(a.id, (None,))[0])
            for a in appointments}

    @classmethod
    def get_front_desk(cls, appointments, names):
        pool = Pool()
        Coverage = pool.get('therapy.coverage')
        Authorization = pool.get('therapy.authorization')
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        result = {name: {} for name in names}
        individual = [a for a in appointments if a.client]
        clients = {a.client for a in individual}
        # the getter itself: one read of the rows, no record per row
        local_dates = cls.get_local_date(individual, 'local_date')
        dates = list(local_dates.values())
        coverages, authorizations = defaultdict(list), defaultdict(list)
        if clients:
            for coverage in Coverage.search([
                        ('client', 'in', [c.id for c in clients]),
                        ] + Coverage.in_effect_domain(min(dates), max(dates)),
                    order=[('priority', 'ASC'), ('id', 'ASC')]):
                coverages[coverage.client].append(coverage)
            for authorization in Authorization.search([
                        ('client', 'in', [c.id for c in clients]),
                        ] + Authorization.in_effect_domain(
                        min(dates), max(dates))):
                authorizations[authorization.coverage].append(authorization)
        balances = {}
        if 'balance_due' in names and clients:
            guarantors = Client.guarantors([c.id for c in clients])
            balances = Party.get_receivable_payable(
                Party.browse(list(set(guarantors.values()))),
                ['receivable'])['receivable']
            balances = {c: balances.get(guarantors[c.id], Decimal(0))
                for c in clients}
        in_effect = {a: [c for c in coverages[a.client]
                if c.in_effect(local_dates[a.id])] for a in individual}
        # the copay, nothing for Medicaid/QMB, the fee for self-pay
        due = [a for a in individual
            if a.state in COPAY_STATES and not a.copay_collected]
        expected = (cls.expected_at_desk_of(due, in_effect)
            if 'copay_due' in names else {})
        payers = {}     # a payer's facts, asked by many rows
        for appointment in appointments:
            values = dict.fromkeys(names)
            values['eligibility_problem'] = False
            if appointment.client:
                values.update(cls._eligibility(
                        appointment, in_effect[appointment], authorizations,
                        local_dates[appointment.id], payers))
                values['copay_due'] = expected.get(appointment, Decimal(0))
                values['balance_due'] = balances.get(appointment.client)
            for name in names:
                result[name][appointment.id] = values[name]
        return result

    @classmethod
    def _eligibility(cls, appointment, in_effect, authorizations, date,
            payers):
        """The eligibility text and whether it is a problem; payers: the
        facts of the payers met so far (a list's rows share a few)"""
        if not in_effect:
            return {
                'eligibility': gettext('therapy_billing.msg_eligibility_none'),
                'eligibility_problem': True,
                }
        primary = in_effect[0]
        service = appointment.service
        key = (primary.payer.id, service.id if service else None)
        if key not in payers:
            payer = primary.payer
            payers[key] = (payer.self_pay, payer.rec_name,
                payer.requires_authorization(service))
        self_pay, payer_name, requires_authorization = payers[key]
        if self_pay:
            return {
                'eligibility': gettext(
                    'therapy_billing.msg_eligibility_self_pay'),
                'eligibility_problem': False,
                }
        status, problem = cls._coverage_status(primary, date)
        problems = [status] if problem else []
        if (requires_authorization
                and not any(a.covers(service, appointment.clinician, date)
                    for a in authorizations[primary])):
            problems.append(gettext(
                    'therapy_billing.msg_eligibility_no_authorization'))
        text = gettext('therapy_billing.msg_eligibility_payer',
            payer=payer_name,
            status=', '.join(problems) or status)
        return {'eligibility': text, 'eligibility_problem': bool(problems)}

    @classmethod
    def _coverage_status(cls, coverage, date):
        """(text, is a problem) of whether the coverage was checked with
        the payer for date (therapy_edi answers from the payer's 271)"""
        if coverage.verified:
            return gettext('therapy_billing.msg_eligibility_verified'), False
        return gettext('therapy_billing.msg_eligibility_unverified'), True

    @classmethod
    @ModelView.button_action('therapy_billing.wizard_check_in')
    def check_in(cls, appointments):
        pass


class CheckInStart(ModelView):
    "Check In"
    __name__ = 'therapy.appointment.check_in.start'

    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", readonly=True)
    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    copay_due = Monetary(
        "Copay Due", currency='currency', digits='currency', readonly=True)
    balance_due = Monetary(
        "Balance Due", currency='currency', digits='currency', readonly=True)
    eligibility = fields.Char("Eligibility", readonly=True)


class CheckIn(Wizard):
    """Check In: the client is here; show what they owe, and collect the
    copay right away if the front desk chooses to"""
    __name__ = 'therapy.appointment.check_in'

    start = StateView('therapy.appointment.check_in.start',
        'therapy_billing.check_in_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Check In", 'arrive', 'tryton-ok'),
            Button("Check In and Collect Copay", 'arrive_collect',
                'tryton-forward', default=True),
            ])
    arrive = StateTransition()
    arrive_collect = StateTransition()
    collect = StateAction('therapy_billing.wizard_collect_copay')

    def default_start(self, fields):
        appointment = self.record
        return {
            'appointment': appointment.id,
            'currency': appointment.company.currency.id,
            'copay_due': appointment.copay_due,
            'balance_due': appointment.balance_due,
            'eligibility': appointment.eligibility,
            }

    def transition_arrive(self):
        Appointment = Pool().get('therapy.appointment')
        Appointment.arrive([self.record])
        return 'end'

    def transition_arrive_collect(self):
        self.transition_arrive()
        appointment = self.model(self.record.id)
        return 'collect' if appointment.copay_due else 'end'

    def do_collect(self, action):
        record = self.record
        return action, {
            'model': record.__name__, 'id': record.id, 'ids': [record.id]}
