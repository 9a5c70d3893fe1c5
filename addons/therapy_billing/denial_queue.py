"""The denial work queue: each denial held on a payer (CARC action
hold_denial) with the last day the payer takes an appeal, who works it and
what to do next.

The deadline is the remittance's payment date plus the payer's appeal
limit (Payer.appeal_days, 180 days unless set), fixed when the remittance
posts: the payer's rule that day is the one that holds. The assignee is the
one thing a biller may write on a posted remittance's adjustment. The next
step follows from the reason code and the claim (revenue_stats.next_action):
correct and resubmit, appeal, write off, or wait for the appeal or the
corrected claim already drafted. Correct and Resubmit drafts the claim's
replacement (frequency 7), as the claim's Replace button does."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from . import rows_sql
from .exceptions import ClaimError
from .revenue_stats import NEXT_ACTIONS, appeal_deadline, next_action

# what a biller may still write on the adjustment of a posted remittance
WORK_FIELDS = {'assignee'}


class RemittanceAdjustment(metaclass=PoolMeta):
    __name__ = 'therapy.remittance.adjustment'

    appeal_deadline = fields.Date("Appeal Deadline", readonly=True,
        help="The last day the payer takes an appeal: the remittance's "
        "date plus the payer's appeal limit.")
    assignee = fields.Many2One('res.user', "Assignee", ondelete='SET NULL',
        help="Who works this denial.")
    payer = fields.Function(
        fields.Many2One('therapy.payer', "Payer"), 'get_payer')
    denied_on = fields.Function(
        fields.Date("Denied On", help="The remittance's payment date."),
        'get_denied_on')
    next_action = fields.Function(
        fields.Selection([(None, "")] + NEXT_ACTIONS, "Next Action",
            help="Correct and resubmit a claim that was wrong, appeal a "
            "judgement, write off what the payer never owes or what is "
            "past the deadline."),
        'get_next_action')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'resubmit': {
                    'invisible': Eval('next_action') != 'correct',
                    'depends': ['next_action'],
                    },
                })

    def get_payer(self, name):
        return self.remittance_claim.remittance.payer.id

    def get_denied_on(self, name):
        return self.remittance_claim.remittance.payment_date

    def get_next_action(self, name):
        if self.action != 'hold_denial':
            return None
        claim = self.remittance_claim.claim
        if not claim:
            return None
        today = Pool().get('ir.date').today()
        pending = any(c.state not in {'replaced', 'voided'}
            for c in claim.corrections)
        return next_action(self.reason, claim.state, self.appeal_deadline,
            today, correction_pending=pending)

    @classmethod
    def check_modification(cls, mode, adjustments, values=None,
            external=False):
        # assigning a denial is work on it, not a change of what the
        # payer said: allowed on a posted remittance
        if mode == 'write' and values and set(values) <= WORK_FIELDS:
            external = False
        super().check_modification(
            mode, adjustments, values=values, external=external)

    @classmethod
    @ModelView.button
    def resubmit(cls, adjustments):
        "Draft the replacement claim (7) of each denied claim"
        Claim = Pool().get('therapy.claim')
        claims = list({a.claim for a in adjustments if a.claim})
        for claim in claims:
            if claim.state != 'denied':
                raise ClaimError(gettext(
                        'therapy_billing.msg_denial_resubmit_state',
                        claim=claim.rec_name))
        Claim.replace(claims)


class Remittance(metaclass=PoolMeta):
    __name__ = 'therapy.remittance'

    @classmethod
    def post_remittances(cls, remittances):
        "Each denial the posting holds gets its appeal deadline"
        Adjustment = Pool().get('therapy.remittance.adjustment')
        super().post_remittances(remittances)
        # the held denials alone, searched: a remittance answers thousands
        # of claims and denies a few
        adjustments = Adjustment.search([
                ('remittance_claim.remittance', 'in',
                    [r.id for r in remittances]),
                ('action', '=', 'hold_denial'),
                ('appeal_deadline', '=', None),
                ])
        for adjustment in adjustments:
            remittance = adjustment.remittance_claim.remittance
            adjustment.appeal_deadline = appeal_deadline(
                remittance.payment_date, remittance.payer.appeal_days)
        # as rows, as the posting saves the adjustments: hundreds of
        # denials a large remittance
        rows_sql.save(Adjustment, adjustments)
