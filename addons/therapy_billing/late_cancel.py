"""Late cancellations: the fee is shown before it is charged, and the
practice owner may waive it, with a reason that is kept with who and when.

The fee itself is charged by charge.py when the appointment is cancelled
late (Charge.create_for); a waived appointment gets no fee charge."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling import clock

from .exceptions import BillingError

WAIVER_FIELDS = {'late_fee_waived_by', 'late_fee_waived_at',
    'late_fee_waiver_reason'}


def may_waive_fees():
    "Whether the user holds the owner's right to waive a fee"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    if not Transaction().user:  # the system itself (cron, root)
        return True
    return ModelData.get_id('therapy_scheduling', 'group_owner') in (
        User.get_groups())


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    late_fee_waived_by = fields.Many2One(
        'res.user', "Late Fee Waived By", readonly=True,
        states={'invisible': ~Eval('late_fee_waived_at')})
    late_fee_waived_at = fields.DateTime(
        "Late Fee Waived At", readonly=True,
        states={'invisible': ~Eval('late_fee_waived_at')})
    late_fee_waiver_reason = fields.Char(
        "Late Fee Waiver Reason", readonly=True,
        states={'invisible': ~Eval('late_fee_waived_at')})

    @classmethod
    def copy(cls, appointments, default=None):
        default = dict(default or {})
        for name in WAIVER_FIELDS:
            default.setdefault(name)
        return super().copy(appointments, default=default)

    @classmethod
    def check_modification(cls, mode, appointments, values=None,
            external=False):
        super().check_modification(
            mode, appointments, values=values, external=external)
        if (external and values and values.keys() & WAIVER_FIELDS
                and not Transaction().context.get('_late_fee_waiver')):
            raise AccessError(gettext(
                    'therapy_billing.msg_late_fee_waiver_readonly'))

    def late_cancel_fee(self):
        """The fee a late cancellation by the client would be charged now
        (the rules of Charge.fee_values), or 0"""
        Charge = Pool().get('therapy.charge')
        total = Decimal(0)
        # the front desk shows the fee; the configuration is the owner's
        with without_check_access():
            for attendee in self.attendees:
                for values in Charge.fee_values(
                        self, attendee, 'late_cancel'):
                    total += values['amount']
        return total

    @classmethod
    def waive_late_fee(cls, appointments, reason):
        "Record the owner's waiver: who, when and why"
        if not (reason or '').strip():
            raise BillingError(gettext(
                    'therapy_billing.msg_late_fee_waiver_reason'))
        if not may_waive_fees():
            raise AccessError(gettext(
                    'therapy_billing.msg_late_fee_waiver_right'))
        with Transaction().set_context(_late_fee_waiver=True):
            cls.write(appointments, {
                    'late_fee_waived_by': Transaction().user,
                    'late_fee_waived_at': clock.now(),
                    'late_fee_waiver_reason': reason.strip(),
                    })


class CancelStart(metaclass=PoolMeta):
    __name__ = 'therapy.appointment.cancel.start'

    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    fee = Monetary(
        "Late Cancellation Fee", currency='currency', digits='currency',
        readonly=True,
        states={
            'invisible': ~Eval('late', False)
            | (Eval('cancelled_by') != 'client'),
            },
        help="Charged to the client when they cancel this late.")
    may_waive = fields.Boolean("May Waive", readonly=True)
    waive = fields.Boolean(
        "Waive the Fee",
        states={
            'invisible': (~Eval('may_waive', False) | ~Eval('fee')
                | (Eval('cancelled_by') != 'client')),
            },
        help="The practice owner may waive the fee; the reason is kept.")
    waiver_reason = fields.Char(
        "Waiver Reason",
        states={
            'invisible': ~Bool(Eval('waive')),
            'required': Bool(Eval('waive')),
            })


class Cancel(metaclass=PoolMeta):
    __name__ = 'therapy.appointment.cancel'

    def default_start(self, fields):
        values = super().default_start(fields)
        late = [a for a in self.records if a.is_late_cancellation()]
        values.update({
                'currency': self.records[0].company.currency.id
                if self.records else None,
                'fee': sum((a.late_cancel_fee() for a in late), Decimal(0)),
                'may_waive': may_waive_fees(),
                'waive': False,
                })
        return values

    def transition_cancel(self):
        Appointment = Pool().get('therapy.appointment')
        start = self.start
        if start.waive and start.cancelled_by == 'client':
            Appointment.waive_late_fee(
                [a for a in self.records if a.is_late_cancellation()],
                start.waiver_reason)
        return super().transition_cancel()
