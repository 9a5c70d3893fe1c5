"""Unapplied insurance cash matched later: a payer paid a claim the import
could not find (a claim number mistyped by the payer, a claim billed
under another payer ID); its money waits on unapplied insurance cash.
Once a biller finds our claim, Apply to Claim posts that answer as if it
had matched when it came: the cash leaves unapplied cash back through
insurance payments in transit, then pays and adjusts the claim's lines
by the same rules, in a move dated the day it is applied
(REVENUE-CYCLE.md §3: "re-posted when matched").

The same for one service line the import could not tie to a line of a
claim it did match (a line control number the payer dropped and a code it
changed): Apply to Line on that service line posts its payment, held as
unapplied cash, and its adjustments onto the claim line a biller chose."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import ClaimError
from .remittance_amounts import ZERO, Amounts

# claims a payer may pay: sent, and not corrected away
PAYABLE = ['submitted', 'accepted', 'appealed', 'partial', 'paid', 'denied',
    'rejected', 'closed']


def released(remittance, answer, amount):
    """The Amounts of remittance that start with amount, held as
    unapplied cash for answer, back in insurance payments in transit"""
    amounts = Amounts(remittance)
    if amount:
        amounts.move_line('unapplied_cash_account', amount, answer)
        amounts.move_line('insurance_clearing_account', -amount, answer)
    return amounts


def book_applied(remittance, answer, amounts, description, message, /,
        **values):
    """Book amounts in a move of the day and say on the remittance who
    applied what (message with values, the user and the date); the move"""
    pool = Pool()
    Remittance = pool.get('therapy.remittance')
    Date = pool.get('ir.date')
    today = Date.today()
    move = Remittance.book(remittance, amounts, [answer], today, description)
    user = pool.get('res.user')(Transaction().user)
    remittance.posting_log = '\n'.join(filter(None, [
                remittance.posting_log,
                gettext(message, user=user.rec_name, date=today, **values),
                *amounts.log]))
    Remittance.save([remittance])
    return move


class RemittanceClaim(metaclass=PoolMeta):
    __name__ = 'therapy.remittance.claim'

    applied_move = fields.Many2One(
        'account.move', "Applied By", readonly=True,
        help="The move that applied this payment, held as unapplied cash "
        "when it came, to the claim a biller matched it to.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'apply_to_claim': {
                    'invisible': ((Eval('remittance_state') != 'posted')
                        | Bool(Eval('claim'))),
                    'depends': ['remittance_state', 'claim'],
                    },
                })

    @classmethod
    @ModelView.button_action('therapy_billing.wizard_remittance_apply')
    def apply_to_claim(cls, answers):
        pass

    @classmethod
    def apply(cls, answer, claim):
        """Post answer, held as unapplied cash, onto claim: a move of the
        day from unapplied cash to the claim's receivables"""
        pool = Pool()
        Remittance = pool.get('therapy.remittance')
        RemittanceLine = pool.get('therapy.remittance.line')
        remittance = answer.remittance
        if remittance.state != 'posted' or answer.claim:
            raise ClaimError(gettext(
                    'therapy_billing.msg_remittance_apply_not_unapplied',
                    answer=answer.rec_name))
        if claim.payer != remittance.payer or claim.state not in PAYABLE:
            raise ClaimError(gettext(
                    'therapy_billing.msg_remittance_apply_claim',
                    answer=answer.rec_name, claim=claim.rec_name,
                    payer=remittance.payer.rec_name))
        answer.claim = claim
        cls.save([answer])  # its lines' domain reads the answer's claim
        claim_lines = Remittance._claim_line_rows([claim.id])[claim.id]
        taken, services = set(), []
        for row in Remittance._service_rows([answer.id])[answer.id]:
            line_id = Remittance.find_line(claim_lines, row, taken)
            service = RemittanceLine(row['id'])
            service.claim_line = line_id
            if line_id:
                taken.add(line_id)
            services.append(service)
        RemittanceLine.save(services)
        amounts = released(remittance, answer, answer.paid)
        Remittance._post_answer(answer, amounts)
        answer.applied_move = book_applied(remittance, answer, amounts,
            gettext('therapy_billing.msg_remittance_apply_move',
                answer=answer.rec_name, claim=claim.rec_name),
            'therapy_billing.msg_remittance_log_applied',
            answer=answer.claim_number, claim=claim.rec_name,
            amount=answer.paid)
        cls.save([answer])


class ApplyStart(ModelView):
    "Apply Unapplied Cash"
    __name__ = 'therapy.remittance.claim.apply.start'

    answer = fields.Many2One(
        'therapy.remittance.claim', "Payer's Answer", readonly=True)
    company = fields.Many2One('company.company', "Company", readonly=True)
    payer = fields.Many2One('therapy.payer', "Payer", readonly=True)
    currency = fields.Many2One('currency.currency', "Currency",
        readonly=True)
    amount = Monetary("Held", currency='currency', digits='currency',
        readonly=True)
    claim = fields.Many2One(
        'therapy.claim', "Our Claim", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('coverage.payer', '=', Eval('payer', -1)),
            ('state', 'in', PAYABLE),
            ],
        help="The claim of this payer the answer is about: its payment "
        "and adjustments post onto the claim's lines.")


class Apply(Wizard):
    "Apply Unapplied Cash to a Claim"
    __name__ = 'therapy.remittance.claim.apply'

    start = StateView('therapy.remittance.claim.apply.start',
        'therapy_billing.remittance_apply_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Apply", 'apply', 'tryton-ok', default=True),
            ])
    apply = StateTransition()

    def default_start(self, fields):
        answer = self.record
        remittance = answer.remittance
        return {
            'answer': answer.id,
            'company': remittance.company.id,
            'payer': remittance.payer.id,
            'currency': remittance.currency.id,
            'amount': answer.paid,
            }

    def transition_apply(self):
        RemittanceClaim = Pool().get('therapy.remittance.claim')
        RemittanceClaim.apply(self.record, self.start.claim)
        return 'end'


class RemittanceLine(metaclass=PoolMeta):
    __name__ = 'therapy.remittance.line'

    applied_move = fields.Many2One(
        'account.move', "Applied By", readonly=True,
        help="The move that applied this line's payment, held as unapplied "
        "cash when it came, to the claim line a biller matched it to.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'apply_to_line': {
                    'invisible': ((Eval('remittance_state') != 'posted')
                        | ~Eval('claim') | Bool(Eval('claim_line'))
                        | Bool(Eval('applied_move'))),
                    'depends': ['remittance_state', 'claim', 'claim_line',
                        'applied_move'],
                    },
                })

    @classmethod
    @ModelView.button_action('therapy_billing.wizard_remittance_line_apply')
    def apply_to_line(cls, services):
        pass

    @classmethod
    def apply(cls, service, claim_line):
        """Post service (an answered line matched to none of its claim's
        lines when it came) onto claim_line: its payment leaves unapplied
        cash, then it pays and adjusts the line by the same rules, in a
        move of the day"""
        answer = service.remittance_claim
        remittance = answer.remittance
        claim = answer.claim
        if (remittance.state != 'posted' or not claim
                or service.claim_line or service.applied_move):
            raise ClaimError(gettext(
                    'therapy_billing.msg_remittance_line_apply_not_held',
                    line=service.rec_name))
        if claim_line.claim != claim or claim.state not in PAYABLE:
            raise ClaimError(gettext(
                    'therapy_billing.msg_remittance_line_apply_line',
                    line=service.rec_name, claim_line=claim_line.rec_name,
                    claim=claim.rec_name))
        service.claim_line = claim_line
        cls.save([service])
        amounts = released(remittance, answer, service.paid)
        amounts.balance(claim_line)
        amounts.pay(claim_line, service.paid, answer)
        amounts.adjust(claim_line, list(service.adjustments), claim)
        if service.allowed is not None:
            line = amounts.record(claim_line)
            line.allowed = (line.allowed or ZERO) + service.allowed
        service.applied_move = book_applied(remittance, answer, amounts,
            gettext('therapy_billing.msg_remittance_line_apply_move',
                line=service.rec_name, claim_line=claim_line.rec_name),
            'therapy_billing.msg_remittance_log_line_applied',
            line=service.rec_name, claim_line=claim_line.rec_name,
            amount=service.paid)
        cls.save([service])


class LineApplyStart(ModelView):
    "Apply Unapplied Cash to a Claim Line"
    __name__ = 'therapy.remittance.line.apply.start'

    service = fields.Many2One(
        'therapy.remittance.line', "Payer's Line", readonly=True)
    claim = fields.Many2One('therapy.claim', "Claim", readonly=True)
    currency = fields.Many2One('currency.currency', "Currency",
        readonly=True)
    amount = Monetary("Held", currency='currency', digits='currency',
        readonly=True)
    claim_line = fields.Many2One(
        'therapy.claim.line', "Our Claim Line", required=True,
        domain=[('claim', '=', Eval('claim', -1))],
        help="The line of the claim the payer's line is about: its payment "
        "and adjustments post onto it.")


class LineApply(Wizard):
    "Apply Unapplied Cash to a Claim Line"
    __name__ = 'therapy.remittance.line.apply'

    start = StateView('therapy.remittance.line.apply.start',
        'therapy_billing.remittance_line_apply_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Apply", 'apply', 'tryton-ok', default=True),
            ])
    apply = StateTransition()

    def default_start(self, fields):
        service = self.record
        answer = service.remittance_claim
        values = {
            'service': service.id,
            'claim': answer.claim.id if answer.claim else None,
            'currency': answer.remittance.currency.id,
            'amount': service.paid,
            }
        if answer.claim:
            # the one line of the claim the payer's other lines left
            answered = {s.claim_line for s in answer.lines}
            free = [l for l in answer.claim.lines if l not in answered]
            if len(free) == 1:
                values['claim_line'] = free[0].id
        return values

    def transition_apply(self):
        RemittanceLine = Pool().get('therapy.remittance.line')
        RemittanceLine.apply(self.record, self.start.claim_line)
        return 'end'
