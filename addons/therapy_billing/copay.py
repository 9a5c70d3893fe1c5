"""Copays collected at check-in: invoiced to the guarantor and paid at
once in the ledger, so the claim made later bills the payer the rest."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import ledger
from .exceptions import BillingError


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    copay_invoice = fields.Many2One(
        'account.invoice', "Copay Invoice", readonly=True)
    # what the button needs, readable by the front desk, which cannot read
    # invoices (a button depending on an unreadable field is hidden)
    copay_collected = fields.Function(
        fields.Boolean("Copay Collected"), 'get_copay_collected')

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
        default.setdefault('copay_invoice')
        return super().copy(appointments, default=default)

    def get_copay_collected(self, name):
        return bool(self.copay_invoice)

    @classmethod
    @ModelView.button_action('therapy_billing.wizard_collect_copay')
    def collect_copay(cls, appointments):
        pass

    def collect(self, amount, method):
        "Invoice the copay to the guarantor and record its payment"
        pool = Pool()
        Coverage = pool.get('therapy.coverage')
        Charge = pool.get('therapy.charge')
        if self.group_session or not self.client:
            raise BillingError(gettext(
                    'therapy_billing.msg_copay_group',
                    appointment=self.rec_name))
        if self.copay_invoice:
            raise BillingError(gettext(
                    'therapy_billing.msg_copay_already',
                    appointment=self.rec_name))
        date = self.local_date
        coverages = Coverage.for_client(self.client, date)
        account = ledger.revenue_account(Charge(
                service=self.service, company=self.company))
        invoice = ledger.new_invoice(self.company,
            ledger.guarantor(self.client), gettext('therapy_billing.msg_copay_invoice',
                client=self.client.number, date=date))
        invoice.lines = [ledger.amount_line(invoice, account, amount,
                gettext('therapy_billing.msg_copay_line', date=date))]
        ledger.post([invoice])
        paid = invoice.pay_invoice(amount, method, date,
            gettext('therapy_billing.msg_copay_payment',
                client=self.client.number))
        ledger.reconcile(invoice, paid)
        self.copay_invoice = invoice
        self.save()
        return invoice, coverages


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
        Coverage = Pool().get('therapy.coverage')
        appointment = self.record
        coverages = Coverage.for_client(
            appointment.client, appointment.local_date)
        copay = next((c.copay for c in coverages if c.copay), None)
        return {
            'currency': appointment.company.currency.id,
            'amount': copay or Decimal(0),
            }

    def transition_collect(self):
        self.record.collect(self.start.amount, self.start.payment_method)
        return 'end'
