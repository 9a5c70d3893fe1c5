"""The front desk's money at check-in: Collect Copay on the appointment.

An insured client's copay, or a self-pay client paying for the session,
becomes a desk payment (desk_payment.py): a deposit of the guarantor until
the visit's invoice exists. One per visit; none when a payer of the visit
forbids billing its beneficiary (Medicaid, QMB)."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.wizard import Button, StateTransition, StateView, Wizard

from therapy_scheduling.rows import rows_by

from .exceptions import BillingError


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    desk_payments = fields.One2Many(
        'therapy.desk.payment', 'appointment', "Desk Payments",
        readonly=True)
    # what the button needs, readable by the front desk, which cannot read
    # the ledger (a button depending on an unreadable field is hidden)
    copay_collected = fields.Function(
        fields.Boolean("Copay Collected"), 'get_copay_collected',
        searcher='search_copay_collected')
    billing_notice = fields.Function(
        fields.Char("Billing Notice",
            help="What the front desk should know about this visit's "
            "money: no copay allowed, sliding-scale review due."),
        'get_billing_notice')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'collect_copay': {
                    'invisible': (~Eval('state').in_(
                            ['confirmed', 'arrived', 'completed'])
                        | Eval('copay_collected', False)
                        | Eval('group_session', False)),
                    'depends': ['state', 'copay_collected', 'group_session'],
                    },
                })

    @classmethod
    def copy(cls, appointments, default=None):
        default = dict(default or {})
        default.setdefault('desk_payments')
        return super().copy(appointments, default=default)

    @classmethod
    def get_copay_collected(cls, appointments, name):
        "Whether a desk payment exists, one query for a list's rows"
        DeskPayment = Pool().get('therapy.desk.payment')
        table = DeskPayment.__table__()
        taken = rows_by(table, table.appointment,
            [a.id for a in appointments], table.id)
        return {a.id: a.id in taken for a in appointments}

    @classmethod
    def search_copay_collected(cls, name, clause):
        _, operator, value = clause
        if operator not in {'=', '!='}:
            return []
        taken = (operator == '=') == bool(value)
        return [('desk_payments', 'where' if taken else 'not where', [])]

    def coverages(self):
        Coverage = Pool().get('therapy.coverage')
        return Coverage.for_client(self.client, self.local_date) \
            if self.client else []

    def insured(self, coverages=None):
        """Is a payer billed for this visit (not a self-pay client)?
        coverages: the visit's in effect, primary first, when the caller
        has them"""
        coverages = self.coverages() if coverages is None else coverages
        return bool(coverages) and not coverages[0].payer.self_pay

    def copay_forbidden_by(self, coverages=None):
        "The payer of the visit that forbids billing its beneficiary"
        coverages = self.coverages() if coverages is None else coverages
        return next((c.payer for c in coverages
                if c.payer.beneficiary_billing_prohibited), None)

    def sliding_scale_review_due(self):
        SlidingScale = Pool().get('therapy.sliding.scale')
        return (bool(self.client) and not self.insured()
            and SlidingScale.review_due_for(self.client, self.local_date))

    def get_billing_notice(self, name):
        notices = []
        payer = self.copay_forbidden_by()
        if payer:
            notices.append(gettext('therapy_billing.msg_notice_no_copay',
                    payer=payer.rec_name))
        if self.sliding_scale_review_due():
            notices.append(gettext(
                    'therapy_billing.msg_notice_sliding_review'))
        return '; '.join(notices) or None

    def expected_at_desk(self):
        """What the client is expected to pay today: the primary
        coverage's copay, or for a self-pay client the session's fee (the
        sliding-scale tier, never above the practice charge)"""
        return self.expected_at_desk_of([self])[self]

    @classmethod
    def expected_at_desk_of(cls, appointments, coverages=None):
        """expected_at_desk of each appointment of a list at once (the
        day sheet's column): coverages maps each appointment to its
        coverages in effect, primary first, when the caller has them; one
        fee lookup per service and date, one search of the self-pay
        clients' sliding scales"""
        pool = Pool()
        Fee = pool.get('therapy.fee')
        SlidingScale = pool.get('therapy.sliding.scale')
        if coverages is None:
            coverages = {a: a.coverages() for a in appointments}
        result, self_pay = {}, []
        for appointment in appointments:
            in_effect = coverages[appointment]
            if appointment.insured(in_effect):
                result[appointment] = (Decimal(0)
                    if appointment.copay_forbidden_by(in_effect)
                    else in_effect[0].copay or Decimal(0))
            else:
                self_pay.append(appointment)
        dates = cls.get_local_date(self_pay, 'local_date')
        scales = SlidingScale.current_of({(a.client, dates[a.id])
                for a in self_pay if a.client})
        charges = {}
        for appointment in self_pay:
            service, date = appointment.service, dates[appointment.id]
            if service and (service, date) not in charges:
                charges[service, date] = Fee.charge_for(service, date)
            charge = charges.get((service, date))
            scale = scales.get((appointment.client, date))
            if scale and scale.tier:
                result[appointment] = min(filter(None, [scale.tier.fee,
                            charge]))
            else:
                result[appointment] = charge or Decimal(0)
        return result

    @classmethod
    @ModelView.button_action('therapy_billing.wizard_collect_copay')
    def collect_copay(cls, appointments):
        pass

    def check_collect(self):
        if self.group_session or not self.client:
            raise BillingError(gettext(
                    'therapy_billing.msg_copay_group',
                    appointment=self.rec_name))
        if self.desk_payments:
            raise BillingError(gettext(
                    'therapy_billing.msg_copay_already',
                    appointment=self.rec_name,
                    receipt=self.desk_payments[0].number))
        payer = self.copay_forbidden_by()
        if payer:
            raise BillingError(gettext(
                    'therapy_billing.msg_copay_forbidden',
                    payer=payer.rec_name, appointment=self.rec_name))

    def collect(self, amount, method):
        """Take the copay (or a self-pay client's payment) for this visit:
        a desk payment held as the guarantor's deposit until the visit's
        invoice; returns it"""
        DeskPayment = Pool().get('therapy.desk.payment')
        self.check_collect()
        if not amount or amount <= 0:
            raise BillingError(gettext(
                    'therapy_billing.msg_copay_amount', amount=amount))
        kind = 'copay' if self.insured() else 'payment'
        return DeskPayment.take(self, amount, method, kind)


class CollectCopayStart(ModelView):
    "Collect Copay"
    __name__ = 'therapy.appointment.collect_copay.start'

    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[('amount', '>', 0)])
    payment_method = fields.Many2One(
        'account.invoice.payment.method', "Payment Method", required=True,
        help="Cash, card terminal or check: the journal it is recorded in.")
    notice = fields.Char("Notice", readonly=True,
        states={'invisible': ~Eval('notice')})


class CollectCopay(Wizard):
    "Collect Copay"
    __name__ = 'therapy.appointment.collect_copay'

    start = StateView('therapy.appointment.collect_copay.start',
        'therapy_billing.collect_copay_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Collect", 'collect', 'tryton-ok', default=True),
            ])
    collect = StateTransition()

    def default_start(self, fields):
        appointment = self.record
        appointment.check_collect()
        return {
            'currency': appointment.company.currency.id,
            'amount': appointment.expected_at_desk(),
            'notice': appointment.billing_notice,
            }

    def transition_collect(self):
        self.record.collect(self.start.amount, self.start.payment_method)
        return 'end'
