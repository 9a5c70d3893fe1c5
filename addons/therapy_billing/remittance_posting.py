"""How a remittance posts to the ledger (../shared/REVENUE-CYCLE.md §3).

One move per remittance in the billing journal, dated its payment date,
with the remittance as origin:

- what the payer paid on a line: Dr insurance payments in transit (the
  payer), Cr the payer's receivable on the claim line; paid beyond what
  the payer still owed goes to payer credit balances (a refund or a later
  recoupment);
- an adjustment the rules write off (CO-45...): Dr contractual
  adjustments, Cr the receivable;
- a payment for a claim we cannot find: Dr in transit, Cr unapplied
  insurance cash, never dropped; matched later, it is applied like any;
- prompt-pay interest inside a claim's payment (AMT*I) to interest income;
- the provider-level adjustments (PLB), so Dr/Cr in transit always nets
  to the payment (BPR02): each to its reason's rule's account
  (therapy.plb.rule), else interest (L6) to interest income, recoupments
  (WO) and forwarding balances (FB) through payer credit balances, and
  any other reason to unapplied insurance cash, listed for review;
- a reversal (CLP02 = 22) posts the negatives of the answer it takes back
  with the same rules (the allowance and the payment go back on the
  payer, the client's share invoice is credited) and the correction that
  follows it posts like any answer: the net effect is the difference.

The client's share (PR) moves off the payer in the same move (Dr
responsibility transfer, Cr the receivable: ClaimLine.transfer_rows),
then on through ClaimLine.transfer_responsibility: to the next payer's
claim, else the
guarantor's invoice (the visit's desk deposits applied), else written off
where the payer forbids billing the beneficiary. A denial (the rules'
hold_denial) posts nothing: the balance stays on the payer and the line
shows in the denial queue. Adjustments to review post nothing and are
listed in the remittance's log. The claims' states follow from their
balances afterwards."""
from collections import defaultdict

from sql import Null

from trytond.i18n import gettext
from trytond.model.fields import SQL_OPERATORS
from trytond.pool import Pool
from trytond.transaction import Transaction

from .adjustment_rules import unbalanced
from . import rows_sql
from .batch import browse_in_slices, long_lived, search_ids, slices
from .carc import describe
from .exceptions import ClaimError
from .ledger_sql import merge_rows, pipelined, post_move
from .remittance_amounts import ZERO, Amounts, Part

# where a provider-level adjustment (PLB03-1) posts with no rule of the
# practice's: interest the payer adds (or takes back), recoupments and
# forwarding balances through the payer's credit balance
PLB_ACCOUNTS = {
    'L6': 'interest_account',
    'WO': 'payer_credit_account',
    'FB': 'payer_credit_account',
    }
# CLP02: processed, and forwarded by the payer to the next one
FORWARDED = {'19', '20', '21'}


class RemittancePostingMixin:
    "The matching and the ledger side of therapy.remittance"
    __slots__ = ()

    # --- matching -------------------------------------------------------------
    @classmethod
    def match(cls, remittances):
        """Match the claims and lines not matched yet: claims by CLP01,
        then by the payer's claim number; lines by REF*6R, then by code,
        modifiers, date of service and units. What it compares is read
        as rows: the answers, their service lines and our claims' lines
        as records cost more than the posting of their payments"""
        pool = Pool()
        Claim = pool.get('therapy.claim')
        ClaimLine = pool.get('therapy.claim.line')
        RemittanceClaim = pool.get('therapy.remittance.claim')
        RemittanceLine = pool.get('therapy.remittance.line')
        claims, lines = [], []
        for remittance in remittances:
            answers = cls._answer_rows(remittance)
            numbered = cls._claims_numbered(remittance, {number
                    for _, claim, number in answers
                    if not claim and number})
            matched = {i: claim for i, claim, _ in answers if claim}
            unmatched = [(i, number) for i, claim, number in answers
                if not claim]
            # records a slice at a time, each slice one browse: a record
            # made alone looks its caches up again, thousands of times
            for chunk in slices(unmatched):
                found = {n: numbered[n] for _, n in chunk if n in numbered}
                found_claims = dict(zip(found.values(),
                        Claim.browse(list(found.values()))))
                for (answer_id, number), answer in zip(chunk,
                        RemittanceClaim.browse([i for i, _ in chunk])):
                    claim = (found_claims[found[number]]
                        if number in found
                        else remittance.find_claim(answer))
                    answer.claim = claim
                    claims.append(answer)
                    if claim:
                        matched[answer_id] = claim.id
            claim_lines = cls._claim_line_rows(set(matched.values()))
            services = cls._service_rows(list(matched))
            pairs = []
            for answer_id, claim_id in matched.items():
                rows = services.get(answer_id, [])
                taken = {r['claim_line'] for r in rows if r['claim_line']}
                for service in rows:
                    if service['claim_line']:
                        continue
                    line_id = cls.find_line(
                        claim_lines.get(claim_id, []), service, taken)
                    if line_id:
                        taken.add(line_id)
                    pairs.append((service['id'], line_id))
            for chunk in slices(pairs):
                line_ids = [l for _, l in chunk if l]
                claim_line = dict(zip(line_ids, ClaimLine.browse(line_ids)))
                for (_, line_id), record in zip(chunk,
                        RemittanceLine.browse([i for i, _ in chunk])):
                    record.claim_line = claim_line.get(line_id)
                    lines.append(record)
        digits = (remittances[0].company.currency.digits
            if remittances else 2)
        rows_sql.save(RemittanceClaim, claims, digits=digits)
        rows_sql.save(RemittanceLine, lines, digits=digits)

    @staticmethod
    def _answer_rows(remittance):
        "[(id, claim id, claim number)] of the remittance's answers (CLP)"
        RemittanceClaim = Pool().get('therapy.remittance.claim')
        answer = RemittanceClaim.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*answer.select(answer.id, answer.claim,
                answer.claim_number,
                where=answer.remittance == remittance.id,
                order_by=[answer.id.asc]))
        return cursor.fetchall()

    @staticmethod
    def _claims_numbered(remittance, numbers):
        """{number: claim id} of the remittance payer's claims (the user's
        search) that have one of numbers: the last made of each"""
        Claim = Pool().get('therapy.claim')
        claim = Claim.__table__()
        cursor = Transaction().connection.cursor()
        numbered = {}
        for chunk in slices(sorted(numbers), 500):
            found = Claim.search([
                    ('company', '=', remittance.company.id),
                    ('number', 'in', chunk),
                    ('coverage.payer', '=', remittance.payer.id),
                    ], query=True)
            cursor.execute(*claim.select(claim.id, claim.number,
                    where=claim.id.in_(found)))
            for claim_id, number in cursor:
                numbered[number] = max(numbered.get(number, 0), claim_id)
        return numbered

    @staticmethod
    def _claim_line_rows(claim_ids):
        """{claim id: [claim line row]} in the order of the claim's lines,
        with what a service line is matched on"""
        ClaimLine = Pool().get('therapy.claim.line')
        line = ClaimLine.__table__()
        cursor = Transaction().connection.cursor()
        result = defaultdict(list)
        for chunk in slices(sorted(claim_ids)):
            cursor.execute(*line.select(line.claim, line.id,
                    line.control_number, line.procedure_code,
                    line.modifier_1, line.modifier_2, line.modifier_3,
                    line.modifier_4, line.service_date, line.units,
                    where=SQL_OPERATORS['in'](line.claim, chunk),
                    order_by=[line.claim.asc, line.sequence.asc,
                        line.id.asc]))
            for (claim_id, id_, control_number, code, *modifiers, date,
                    units) in cursor:
                result[claim_id].append({
                        'id': id_,
                        'control_number': control_number,
                        'procedure_code': code,
                        'modifiers': [m for m in modifiers if m],
                        'service_date': date,
                        'units': units,
                        })
        return result

    @staticmethod
    def _service_rows(answer_ids):
        """{answer id: [service line row]} in the order of the answer's
        lines (id)"""
        RemittanceLine = Pool().get('therapy.remittance.line')
        service = RemittanceLine.__table__()
        cursor = Transaction().connection.cursor()
        names = ['id', 'claim_line', 'control_number', 'procedure_code',
            'modifiers', 'service_date', 'units', 'billed_procedure_code',
            'billed_modifiers', 'billed_units']
        result = defaultdict(list)
        for chunk in slices(sorted(answer_ids)):
            cursor.execute(*service.select(service.remittance_claim,
                    *(getattr(service, n) for n in names),
                    where=SQL_OPERATORS['in'](
                        service.remittance_claim, chunk),
                    order_by=[service.id.asc]))
            for answer_id, *values in cursor:
                result[answer_id].append(dict(zip(names, values)))
        return result

    def find_claim(self, answer):
        "Our claim of this payer an answer (CLP) is about, or None"
        Claim = Pool().get('therapy.claim')
        for domain in [
                [('number', '=', answer.claim_number)],
                # a crossover: the primary forwarded our claim, its number
                [('primary_claim.number', '=', answer.claim_number),
                    ('state', 'not in', ['replaced', 'voided'])],
                [('payer_claim_number', '=', answer.payer_claim_number),
                    ('state', 'not in', ['replaced', 'voided'])]
                if answer.payer_claim_number else None]:
            if domain is None:
                continue
            found = [c for c in Claim.search([
                        ('company', '=', self.company.id)] + domain,
                    order=[('id', 'DESC')])
                if c.payer == self.payer]
            if found:
                return found[0]

    @staticmethod
    def find_line(claim_lines, service, taken):
        """The id of the line of claim_lines (rows) a service line (SVC,
        a row) answers, or None; taken: the ids of the lines other
        services answer"""
        lines = [l for l in claim_lines if l['id'] not in taken]
        if service['control_number']:
            for line in lines:
                if line['control_number'] == service['control_number']:
                    return line['id']
        # what we billed: SVC06/07 when the payer answers another code or
        # other units (a bundled or changed procedure), else SVC01/05
        if service['billed_procedure_code']:
            code = service['billed_procedure_code']
            modifiers = (service['billed_modifiers'] or '').split()
        else:
            code = service['procedure_code']
            modifiers = (service['modifiers'] or '').split()
        units = (service['billed_units']
            if service['billed_units'] is not None else service['units'])
        for line in lines:
            if (line['procedure_code'] == code
                    and line['modifiers'] == modifiers
                    and (not service['service_date']
                        or line['service_date'] == service['service_date'])
                    and (units is None or line['units'] == units)):
                return line['id']

    # --- posting --------------------------------------------------------------
    def check_balanced(self):
        """BPR02 = the claims' payments - the provider-level adjustments,
        and each service line's charge = its payment + its adjustments;
        read as rows (thousands of lines a remittance) and summed here
        (SQLite would sum the amounts as floats)"""
        pool = Pool()
        RemittanceClaim = pool.get('therapy.remittance.claim')
        RemittanceLine = pool.get('therapy.remittance.line')
        Adjustment = pool.get('therapy.remittance.adjustment')
        cursor = Transaction().connection.cursor()
        answer = RemittanceClaim.__table__()
        service = RemittanceLine.__table__()
        adjustment = Adjustment.__table__()
        cursor.execute(*answer.select(answer.paid,
                where=answer.remittance == self.id))
        paid = sum((p for p, in cursor), ZERO)
        offsets = sum((p.amount for p in self.provider_adjustments), ZERO)
        if self.payment_amount != paid - offsets:
            raise ClaimError(gettext(
                    'therapy_billing.msg_remittance_unbalanced',
                    remittance=self.rec_name, payment=self.payment_amount,
                    paid=paid, offsets=offsets))
        adjusted = defaultdict(list)
        cursor.execute(*adjustment.join(answer,
                condition=adjustment.remittance_claim == answer.id
                ).select(adjustment.line, adjustment.amount,
                where=(answer.remittance == self.id)
                & (adjustment.line != Null)))
        for line, amount in cursor:
            adjusted[line].append(amount)
        cursor.execute(*service.join(answer,
                condition=service.remittance_claim == answer.id
                ).select(answer.claim_number, service.id, service.charge,
                service.paid, where=answer.remittance == self.id,
                order_by=[answer.id.asc, service.id.asc]))
        for claim_number, line, charge, paid in cursor.fetchall():
            missing = unbalanced(charge, paid, [
                    Part(Adjustment.__name__, amount=a)
                    for a in adjusted[line]])
            if missing:
                raise ClaimError(gettext(
                        'therapy_billing.msg_remittance_line_unbalanced',
                        remittance=self.rec_name, claim=claim_number,
                        line=RemittanceLine(line).rec_name,
                        missing=missing))

    @classmethod
    def lock_posting(cls, days):
        """Take the locks posting on days [(company, date)] will need,
        before any work: Tryton asks for each at its first use by
        restarting the whole transaction, so a file's work would otherwise
        be done up to four times (the journal periods, the move and the
        client invoice number sequences)"""
        pool = Pool()
        JournalPeriod = pool.get('account.journal.period')
        Period = pool.get('account.period')
        Invoice = pool.get('account.invoice')
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        JournalPeriod.lock()
        by_company = defaultdict(set)
        for company, day in days:
            by_company[int(company)].add(day)
        for company, dates in by_company.items():
            company = Company(company)
            with Transaction().set_context(company=company.id):
                today = Date.today()
            for day in dates | {today}:
                if day:
                    Period.find(company, date=day).move_sequence_used.lock()
            sequence, _ = Invoice(type='out', company=company,
                invoice_date=today, accounting_date=None,
                sequence_type_cache='invoice')._number_sequence()
            if sequence:
                sequence.lock()

    @classmethod
    def post_remittances(cls, remittances):
        # the locks first, in place: a lock refused raises there
        cls.lock_posting([(r.company, r.payment_date) for r in remittances])
        with pipelined(), long_lived():
            cls._post_each(remittances)
        cls.save(remittances)

    @classmethod
    def _post_each(cls, remittances):
        "Post each remittance's move and what follows from it"
        pool = Pool()
        RemittanceClaim = pool.get('therapy.remittance.claim')
        Claim = pool.get('therapy.claim')
        for remittance in remittances:
            remittance.check_balanced()
            amounts = Amounts(remittance)
            # reversals first; a slice of answers at a time
            answers = browse_in_slices(RemittanceClaim, [
                    *search_ids(RemittanceClaim, [
                            ('remittance', '=', remittance.id),
                            ('status', '=', '22')], order=[('id', 'ASC')]),
                    *search_ids(RemittanceClaim, [
                            ('remittance', '=', remittance.id),
                            ('status', '!=', '22')], order=[('id', 'ASC')]),
                    ])
            for chunk in slices(answers):
                claims = [a.claim for a in chunk if a.claim]
                amounts.coverage.update(Claim.payers_of(claims))
                amounts.read_lines([c.id for c in claims])
                amounts.read_parts([a.id for a in chunk if a.claim])
            for answer in answers:
                cls._post_answer(answer, amounts)
            cls._post_offsets(remittance, amounts)
            remittance.move = cls.book(remittance, amounts, answers,
                remittance.payment_date, gettext(
                    'therapy_billing.msg_remittance_move',
                    remittance=remittance.rec_name))
            remittance.posting_log = '\n'.join(amounts.log) or None

    @classmethod
    def book(cls, remittance, amounts, answers, date, description):
        """Post the move of amounts dated date, save what it did to the
        claim lines and answers, move the client's shares on and settle
        the claims; the move, or None when there was nothing to post"""
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        ClaimLine = pool.get('therapy.claim.line')
        Claim = pool.get('therapy.claim')
        RemittanceClaim = pool.get('therapy.remittance.claim')
        Adjustment = pool.get('therapy.remittance.adjustment')
        journal = Configuration(1).billing_journal
        if not journal:
            raise ClaimError(gettext(
                    'therapy_billing.msg_billing_journal_missing'))
        touched = list(amounts.records.values())
        touched_claims = cls._claims_of_lines([l.id for l in touched])
        digits = remittance.company.currency.digits
        rows_sql.save(ClaimLine, touched, digits=digits)
        rows_sql.save(RemittanceClaim, answers, digits=digits)
        # the actions the posting set, on records of nothing else (some
        # adjustments are Parts, rows), made by one browse: a record made
        # alone looks the transaction's caches up again
        actions = {a.id: a.action for a in amounts.adjustments
            if a.id is not None}
        adjustments = Adjustment.browse(list(actions))
        for adjustment in adjustments:
            adjustment.action = actions[adjustment.id]
        rows_sql.save(Adjustment, adjustments, digits=digits)
        # the client's shares move off the payer in the remittance's move
        # (REVENUE-CYCLE.md §3), on fresh records: the lines' roll-ups are
        # the saved ones
        transfers = {l.id: a for l, a in amounts.transfers.items()}
        shares = {}
        for chunk in slices(list(transfers)):
            records = ClaimLine.browse(chunk)
            # all the transfer reads of them: the saved PR and the claims
            rows_sql.preload(ClaimLine, records, ['pr', 'claim'])
            shares.update((l, transfers[l.id]) for l in records)
        for _, pair in ClaimLine.transfer_rows(shares,
                # what the payer owed before the transfer, as posted here
                balances={l.id: amounts.balances[l] + a
                    for l, a in amounts.transfers.items()},
                receivables=amounts.receivables, active=amounts.active,
                company=remittance.company):
            amounts.lines += pair
        move = post_move(remittance.company, journal, date, description,
            merge_rows(amounts.lines, apart={str(remittance)}),
            origin=remittance)
        cls._credit_patient_shares(amounts.reversed_transfers)
        Claim.unreconcile_payer_invoices(list(amounts.reversed_claims))
        # then on to the next payer or the guarantor. The client's invoices
        # are dated the day they are posted (invoice numbers follow their
        # dates), not the payer's payment date
        ClaimLine.transfer_responsibility(shares, reconcile=False,
            receivables=amounts.receivables,
            payers=amounts.coverage, posted=True)
        Claim.cross_over({a.claim: a.crossover_payer for a in answers
                if a.status in FORWARDED and a.claim})
        cls._settle_claims(browse_in_slices(Claim, touched_claims),
            remittance, amounts)
        return move

    @staticmethod
    def _claims_of_lines(line_ids):
        """The ids of the claims of the claim lines, as rows: each line's
        claim read through its record grew faster than the lines (the
        records came from many relations' reads, each read window to walk)"""
        ClaimLine = Pool().get('therapy.claim.line')
        line = ClaimLine.__table__()
        cursor = Transaction().connection.cursor()
        claims = set()
        for chunk in slices(sorted(line_ids)):
            cursor.execute(*line.select(line.claim,
                    where=SQL_OPERATORS['in'](line.id, chunk)))
            claims.update(c for c, in cursor)
        return sorted(claims)

    @classmethod
    def _post_answer(cls, answer, amounts):
        "One claim's answer (CLP) onto its lines"
        claim = answer.claim
        if not claim:
            amounts.unapplied(answer.paid, answer, gettext(
                    'therapy_billing.msg_remittance_log_unmatched',
                    claim=answer.claim_number, amount=answer.paid))
            return
        if answer.status == '22':
            answer.reverses = cls._reversed_answer(answer)
            cls._check_reversal(answer, answer.reverses)
            amounts.reversed_claims.add(claim)
        services = amounts.services_of(answer)
        for service in services:
            line = amounts.line_of(service)
            if not line:
                amounts.unapplied(service.paid, answer, gettext(
                        'therapy_billing.msg_remittance_log_line_unmatched',
                        claim=claim.rec_name, line=service.rec_name,
                        amount=service.paid))
                continue
            if not amounts.is_billed(line):
                raise ClaimError(gettext(
                        'therapy_billing.msg_remittance_claim_not_billed',
                        claim=claim.rec_name, state=claim.state))
            amounts.balance(line)  # its claim's state is settled after
            amounts.pay(line, service.paid, answer)
            amounts.adjust(line, amounts.service_adjustments[service.id],
                claim)
            if service.allowed is not None:
                line.allowed = (line.allowed or ZERO) + (
                    service.allowed if answer.status != '22'
                    else -abs(service.allowed))
        # prompt-pay interest (AMT*I) is in CLP04 but owed on no line
        interest = answer.interest or ZERO
        if interest:
            amounts.move_line('insurance_clearing_account', interest, answer)
            amounts.move_line('interest_account', -interest, answer)
        # a claim answered without service lines, or claim-level
        # adjustments: spread over the claim's lines in order. The payer
        # paid CLP04: what claim-level adjustments take off the lines'
        # payments is paid back here
        spread = list(answer.adjustments)
        paid = answer.paid - interest - sum(
            (s.paid for s in services), ZERO)
        lines = amounts.lines_of(claim)
        if not lines:
            raise ClaimError(gettext(
                    'therapy_billing.msg_remittance_claim_not_billed',
                    claim=claim.rec_name, state=claim.state))
        for line in lines:
            amounts.balance(line)
        if not paid and not spread:
            return
        for line, part in cls._spread(lines, paid, amounts):
            amounts.pay(line, part, answer)
        for adjustment in spread:
            for line, part in cls._spread(lines, adjustment.amount, amounts):
                share = type(adjustment)(
                    group=adjustment.group, reason=adjustment.reason,
                    amount=part)
                amounts.adjust(line, [share], claim)
                adjustment.action = share.action
                amounts.adjustments.append(adjustment)

    @staticmethod
    def _spread(lines, amount, amounts):
        "[(line, part)] of amount over lines, each up to its balance"
        parts, left = [], amount
        for line in lines:
            if not left:
                break
            if amount < 0:
                part = left if line is lines[-1] else max(
                    left, -(line.billed - amounts.balance(line)))
            else:
                part = left if line is lines[-1] else min(
                    left, max(amounts.balance(line), ZERO))
            if part:
                parts.append((line, part))
                left -= part
        return parts

    @classmethod
    def _reversed_answer(cls, answer):
        "The posted answer a reversal takes back (the latest not reversed)"
        RemittanceClaim = Pool().get('therapy.remittance.claim')
        earlier = RemittanceClaim.search([
                ('claim', '=', answer.claim.id),
                ('status', '!=', '22'),
                ('remittance.state', '=', 'posted'),
                ('id', '!=', answer.id),
                ], order=[('id', 'DESC')])
        reversed_ = {r.reverses for r in RemittanceClaim.search([
                    ('reverses', 'in', [e.id for e in earlier]),
                    ])}
        for candidate in earlier:
            if candidate not in reversed_ and (
                    not answer.payer_claim_number
                    or candidate.payer_claim_number
                    == answer.payer_claim_number):
                return candidate
        raise ClaimError(gettext(
                'therapy_billing.msg_remittance_reversal_unknown',
                claim=answer.claim.rec_name,
                number=answer.payer_claim_number or '-'))

    @staticmethod
    def _answer_totals(answer, sign=1):
        "{'paid' or CAS group: amount} of an answer, its lines' CAS too"
        totals = defaultdict(lambda: ZERO)
        totals['paid'] += sign * answer.paid
        for adjustment in list(answer.adjustments) + [a
                for service in answer.lines for a in service.adjustments]:
            totals[adjustment.group] += sign * adjustment.amount
        return {k: v for k, v in totals.items() if v}

    @classmethod
    def _check_reversal(cls, reversal, reversed_):
        """A reversal takes back exactly what the answer it reverses
        posted, its payment and each group's adjustments: anything else
        would leave part of that answer on the ledger, or take back more"""
        taken = cls._answer_totals(reversal, sign=-1)
        posted = cls._answer_totals(reversed_)
        if taken != posted:
            def text(totals):
                return ', '.join(f'{k} {v:.2f}' for k, v in sorted(
                        totals.items())) or '0'
            raise ClaimError(gettext(
                    'therapy_billing.msg_remittance_reversal_mismatch',
                    claim=reversal.claim.rec_name,
                    trace=reversed_.remittance.trace_number,
                    taken=text(taken), posted=text(posted)))

    @classmethod
    def _post_offsets(cls, remittance, amounts):
        """The provider-level adjustments (PLB), each against insurance
        payments in transit: positive takes money back from the payment,
        negative adds to it. The account is the reason's rule's, else
        PLB_ACCOUNTS'; a reason with neither waits on unapplied insurance
        cash and is listed for review. Each is tied to the claim its
        reference names, and a forwarding balance (FB) to the earlier one
        it settles"""
        pool = Pool()
        Rule = pool.get('therapy.plb.rule')
        Offset = pool.get('therapy.remittance.provider_adjustment')
        offsets = [o for o in remittance.provider_adjustments if o.amount]
        if not offsets:
            return
        accounts = Rule.accounts_for(remittance.payer)
        cls._match_offsets(remittance, offsets)
        for offset in offsets:
            reason = offset.reason.strip().upper()
            account = accounts.get(reason) or amounts.account(
                PLB_ACCOUNTS.get(reason, 'unapplied_cash_account'))
            if reason not in accounts and reason not in PLB_ACCOUNTS:
                amounts.log.append(gettext(
                        'therapy_billing.msg_remittance_log_plb_review',
                        reason=reason, reference=offset.reference or '-',
                        amount=offset.amount))
            offset.account = account
            amounts.move_line(account, offset.amount, remittance)
            amounts.move_line('insurance_clearing_account', -offset.amount,
                remittance)
        Offset.save(offsets + [o.paired for o in offsets if o.paired])

    @classmethod
    def _match_offsets(cls, remittance, offsets):
        """offsets' claim from their reference (the payer's claim number,
        else ours); an FB pairs with the earlier FB of the payer that has
        the same reference and the opposite amount, not paired yet"""
        pool = Pool()
        Claim = pool.get('therapy.claim')
        Offset = pool.get('therapy.remittance.provider_adjustment')
        references = {o.reference for o in offsets if o.reference}
        if not references:
            return
        found = {}
        for claim in Claim.search([
                    ('company', '=', remittance.company.id),
                    ('coverage.payer', '=', remittance.payer.id),
                    ['OR',
                        ('payer_claim_number', 'in', list(references)),
                        ('number', 'in', list(references)),
                        ],
                    ], order=[('id', 'ASC')]):
            found.setdefault(claim.number, claim)
            if claim.payer_claim_number:
                found[claim.payer_claim_number] = claim
        earlier = Offset.search([
                ('remittance.payer', '=', remittance.payer.id),
                ('remittance.company', '=', remittance.company.id),
                ('remittance.state', '=', 'posted'),
                ('remittance', '!=', remittance.id),
                ('reason', '=', 'FB'),
                ('reference', 'in', list(references)),
                ('paired', '=', None),
                ], order=[('id', 'ASC')])
        for offset in offsets:
            if not offset.reference:
                continue
            offset.claim = found.get(offset.reference)
            if offset.reason.strip().upper() != 'FB':
                continue
            for other in earlier:
                if (other.reference == offset.reference
                        and other.amount == -offset.amount
                        and not other.paired):
                    offset.paired, other.paired = other, offset
                    break

    @classmethod
    def _credit_patient_shares(cls, amounts):
        """Credit the client's share invoices of the claim lines a
        reversal took the share back from {claim line: amount}"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        Claim = pool.get('therapy.claim')
        if not amounts:
            return
        # the share went to the next payer: a secondary claim still in
        # draft was never sent and is voided (the correction drafts a new
        # one); one the next payer has must be voided with it first
        unsent = []
        for line in list(amounts):
            secondaries = [c for c in line.claim.secondary_claims
                if c.active]
            if not secondaries:
                continue
            sent = [c for c in secondaries if c.state != 'draft']
            if sent:
                raise ClaimError(gettext(
                        'therapy_billing.msg_remittance_reversal_secondary',
                        claim=line.claim.rec_name,
                        secondary=sent[0].rec_name))
            unsent += secondaries
            del amounts[line]
        if unsent:
            unsent = list(set(unsent))
            Claim.mark_voided(unsent, gettext(
                    'therapy_billing.msg_claim_secondary_voided_reversal'))
            Claim.reconcile_transfers(unsent)
        if not amounts:
            return
        invoice_lines = InvoiceLine.search([
                ('origin', 'in', [str(l) for l in amounts]),
                ('invoice.type', '=', 'out'),
                ('invoice.state', 'in', ['posted', 'paid']),
                ('invoice.party', 'in', list({l.claim.client.guarantor.id
                            for l in amounts})),
                ])
        invoices = list({l.invoice for l in invoice_lines
                if l.invoice.total_amount > 0})
        credited = {}
        for invoice in invoices:
            for invoice_line in invoice.lines:
                origin = invoice_line.origin
                credited[origin] = credited.get(origin, ZERO) + (
                    invoice_line.amount)
        for line, amount in amounts.items():
            if credited.get(line, ZERO) != amount:
                raise ClaimError(gettext(
                        'therapy_billing.msg_remittance_reversal_share',
                        line=line.rec_name, amount=amount,
                        billed=credited.get(line, ZERO)))
        Invoice.credit_billing(invoices)
        Claim.reconcile_transfers(list({l.claim for l in amounts}))

    @classmethod
    def _settle_claims(cls, claims, remittance, amounts):
        """Each claim's state from its balances: paid when the payer owes
        nothing more, denied when a denial is held and nothing was paid,
        partially paid otherwise; back with the payer after a reversal.
        The balances are the ones the posting counted (amounts.balances:
        every invoiced line of an answered claim), not read again"""
        pool = Pool()
        Claim = pool.get('therapy.claim')
        ClaimLine = pool.get('therapy.claim.line')
        RemittanceClaim = pool.get('therapy.remittance.claim')
        Adjustment = pool.get('therapy.remittance.adjustment')
        Claim.reconcile_payer_invoices(claims)
        owed = {l.id: b for l, b in amounts.balances.items()}
        paid_of = amounts.paid
        events = defaultdict(list)
        to_save = []
        answer = RemittanceClaim.__table__()
        line = ClaimLine.__table__()
        claim_table = Claim.__table__()
        cursor = Transaction().connection.cursor()
        # {claim id: its state once settled}
        settled = {}
        for chunk in slices([c.id for c in claims]):
            # the remittance's answers of a slice of claims, the claims'
            # lines and what is set on the claims, as rows: the claims'
            # records are only written
            cursor.execute(*claim_table.select(claim_table.id,
                    claim_table.state, claim_table.frequency_code,
                    claim_table.payer_claim_number,
                    where=SQL_OPERATORS['in'](claim_table.id, chunk)))
            facts = {i: row for i, *row in cursor}
            by_claim = defaultdict(list)
            cursor.execute(*answer.select(answer.claim, answer.id,
                    answer.status, answer.payer_claim_number,
                    where=(answer.remittance == remittance.id)
                    & SQL_OPERATORS['in'](answer.claim, chunk),
                    order_by=[answer.id.desc]))
            for claim_id, *row in cursor:
                by_claim[claim_id].append(row)
            lines_of = defaultdict(list)
            cursor.execute(*line.select(line.claim, line.id,
                    where=SQL_OPERATORS['in'](line.claim, chunk)))
            for claim_id, line_id in cursor:
                lines_of[claim_id].append(line_id)
            lasts = [a[0][0] for a in by_claim.values()]
            denials = defaultdict(set)
            for row in Adjustment.search_read([
                        ('remittance_claim', 'in', lasts),
                        ('action', '=', 'hold_denial'),
                        ], fields_names=['remittance_claim', 'group',
                        'reason']):
                denials[row['remittance_claim']].add(
                    describe(row['group'], row['reason']))
            # what the posting did not count (a line it paid nothing on,
            # as a denied one) read through the slice's one browse
            unread = {l.id: l for l in ClaimLine.browse([i
                        for c in chunk for i in lines_of[c]
                        if i not in owed or i not in paid_of])}
            for claim in Claim.browse(chunk):
                current, frequency_code, payer_claim_number = facts[claim.id]
                answers = by_claim[claim.id]
                last_id, _, last_number = (answers[0] if answers
                    else (None, None, None))
                line_ids = (lines_of[claim.id]
                    if Claim.is_active(current, frequency_code) else [])
                balance = sum((owed[i] if i in owed
                        else unread[i].payer_balance for i in line_ids), ZERO)
                paid = sum((paid_of[i] if i in paid_of else unread[i].paid
                        for i in line_ids), ZERO)
                denied = denials[last_id] if answers else set()
                reason = None
                if answers and all(
                        status == '22' for _, status, _ in answers):
                    # taken back and not answered again yet: with the payer
                    state = 'accepted'
                elif balance <= 0:
                    state = 'paid'
                elif denied and not paid:
                    state = 'denied'
                else:
                    state = 'partial'
                if denied:
                    reason = '; '.join(sorted(denied))[:250]
                if last_number and payer_claim_number != last_number:
                    claim.payer_claim_number = last_number
                settled[claim.id] = current
                if state != current or reason:
                    claim.state = settled[claim.id] = state
                    if reason:
                        claim.payer_reason = reason
                    events[state, reason].append(claim)
                to_save.append(claim)
        paid_claims = [c for c in to_save if settled[c.id] == 'paid']
        rows_sql.save(Claim, to_save,
            digits=remittance.company.currency.digits)
        for (state, reason), changed in events.items():
            Claim.log_events(changed, state, reason)
        Claim.follow_client_share(paid_claims)
