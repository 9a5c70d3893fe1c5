"""The demo payers' remittances: 835 files for the claims they answered,
written by the codec into the clearinghouse's inbound folder and read by
the real import (EdiFile.import_folder), as a practice receives them.

The claims of the last weeks that were accepted and are old enough were
answered a week and a half after their date of service, one 835 per payer
and payment day: the contract's reduction written off (CO-45, the fee
schedule's amount allowed), the client's share (PR-3 copay or PR-2
coinsurance) billed to the guarantor against the visit's deposit, moved
to the secondary claim (then posted) or written off for Medicaid; a share
of claims partly paid (a line's remainder held as CO-16), a few older
claims denied (CO-197, CO-50) and one of them appealed. The last file also
carries a reversal and its correction (CLP02 22 then 1), prompt-pay
interest (PLB L6) and a payment for a claim of another practice (held as
unapplied cash). The older claims stay with their payers, unpaid, so the
aging has its later columns."""
import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction

from . import server
from .billing import (
    ANSWERED_AFTER, BILLED_FROM, date_claim_events, paid_after)
from .edi import CLEARINGHOUSE
from .payers import money

SEED = 2026
DENIED, APPEALED, PARTIAL_SHARE = 2, 1, 0.12
DENIALS = ['197', '50']
# the remark codes (LQ*HE) payers send with those denials
REMARKS = {'197': ['N54'], '50': ['N130', 'M16']}
ZERO = Decimal(0)


def load(database, user_id, company_id):
    "The payers' 835 files, imported; the ledger invariants after"
    from therapy_billing import ledger_invariants

    def step():
        with Transaction().set_context(_skip_warnings=True):
            DemoRemittances(company_id).run()
    server.run(database, user_id, company_id, step)
    problems = ledger_invariants.check(database, company_id, user_id)
    if problems:
        raise RuntimeError("demo remittances: the ledger breaks its "
            "invariants:\n" + '\n'.join(f'- {p}' for p in problems))


class DemoRemittances:

    def __init__(self, company_id):
        pool = self.pool = Pool()
        self.company = pool.get('company.company')(company_id)
        self.random = random.Random(f'{SEED}-remittances')
        self.today = pool.get('ir.date').today()
        self.isa13 = 500

    def run(self):
        pool = self.pool
        Claim = pool.get('therapy.claim')
        Clearinghouse = pool.get('therapy.clearinghouse')
        EdiFile = pool.get('therapy.edi.file')
        clearinghouse, = Clearinghouse.search([('name', '=', CLEARINGHOUSE)])
        accepted = Claim.search([
                ('company', '=', self.company.id),
                ('state', '=', 'accepted'),
                ('primary_claim', '=', None),
                ('date', '<=', self.today - ANSWERED_AFTER),
                ], order=[('date', 'ASC'), ('id', 'ASC')])
        recent = [c for c in accepted
            if c.date >= self.today - BILLED_FROM]
        older = [c for c in accepted if c not in recent]
        denied = self.random.sample(older, min(len(older), DENIED))
        partial = {c for c in recent if self.random.random() < PARTIAL_SHARE}
        days = defaultdict(list)
        for claim in recent + denied:
            day = min(claim.date + paid_after(claim.payer), self.today)
            days[(claim.payer, day)].append(claim)
        files = []
        for (payer, day), claims in sorted(days.items(),
                key=lambda i: (i[0][1], i[0][0].id)):
            answers = [self.answer(c, c in partial, c in denied)
                for c in claims]
            files.append([payer, day, answers, ZERO])
        if not files:
            return
        self.extras(files)
        for payer, day, answers, interest in files:
            self.write(clearinghouse, payer, day, answers, interest)
        EdiFile.import_folder(clearinghouse)
        appealed = denied[:APPEALED]
        if appealed:
            Claim.appeal(Claim.browse([c.id for c in appealed]))
        secondaries = Claim.search([
                ('company', '=', self.company.id),
                ('state', '=', 'draft'),
                ('primary_claim', '!=', None),
                ])
        clean = [c for c in secondaries if not c.scrub()]
        if clean:
            Claim.ready(clean)
        date_claim_events(pool, Claim.browse(
                [c.id for c in recent + denied + clean]))

    # --- what each payer says -------------------------------------------
    def shares(self, claim):
        """{claim line: (allowed, group, reason, client's share)}: the fee
        schedule's amount, and the copay once a visit or the coinsurance"""
        Fee = self.pool.get('therapy.fee')
        coverage = claim.coverage
        result, visits = {}, set()
        for line in claim.lines:
            charge = line.charge
            expected = (Fee.expected_for(charge.service, charge.date,
                    claim.payer) if charge.service else None)
            allowed = min(expected * line.units, line.billed) \
                if expected else line.billed
            share, reason = ZERO, None
            if coverage.copay and charge.appointment not in visits:
                visits.add(charge.appointment)
                share, reason = min(coverage.copay, allowed), '3'
            elif coverage.coinsurance:
                share = money(allowed * coverage.coinsurance / 100)
                reason = '2'
            result[line] = (allowed, reason, share)
        return result

    def answer(self, claim, partial, denied):
        "The ClaimPayment (CLP) of one claim"
        from therapy_edi.x12 import Adjustment, ClaimPayment, ServicePayment
        services = []
        lines = list(claim.lines)
        for line, (allowed, reason, share) in self.shares(claim).items():
            adjustments, remarks = [], []
            if denied:
                reason = self.random.choice(DENIALS)
                adjustments.append(Adjustment('CO', reason, line.billed))
                remarks = [('HE', code) for code in REMARKS[reason]]
                paid = ZERO
            else:
                if line.billed > allowed:
                    adjustments.append(
                        Adjustment('CO', '45', line.billed - allowed))
                if share:
                    adjustments.append(Adjustment('PR', reason, share))
                paid = allowed - share
                if partial and line is lines[-1] and paid > 1:
                    held = money(paid / 2)
                    adjustments.append(Adjustment('CO', '16', held))
                    paid -= held
            services.append(ServicePayment('HC', line.procedure_code,
                    tuple(line.modifiers), line.billed, paid, 0,
                    units=line.units, dates={'472': line.service_date},
                    adjustments=adjustments, remarks=remarks,
                    references={'6R': line.control_number},
                    amounts={} if denied else {'B6': allowed}))
        return ClaimPayment(claim.number, '4' if denied else '1',
            claim.total, sum((s.paid for s in services), ZERO),
            sum((a.amount for s in services for a in s.adjustments
                    if a.group == 'PR'), ZERO),
            claim.coverage.payer.filing_indicator or 'CI',
            claim.payer_claim_number, 0, services=services)

    def extras(self, files):
        """In the last file: a reversal of an earlier paid claim with no
        client's share and its correction, interest, and a payment for a
        claim that is not ours"""
        from therapy_edi.x12 import Adjustment, ClaimPayment
        payer, day, answers, _ = files[-1]
        earlier = [a for p, _, found, _ in files[:-1] if p == payer
            for a in found if a.status == '1' and not any(
                x.group == 'PR' for s in a.services for x in s.adjustments)]
        if earlier:
            original = earlier[0]
            answers.append(negative(original))
            answers.append(corrected(original))
        answers.append(ClaimPayment('HV-0000-OTHER', '1', Decimal(150),
                Decimal(95), ZERO, 'CI', 'X-OTHER-1', 0,
                adjustments=[Adjustment('CO', '45', Decimal(55))]))
        files[-1][3] = Decimal('2.35')

    def write(self, clearinghouse, payer, day, answers, interest):
        """The 835 of one payer's payment (with the prompt-pay interest
        it adds), into the inbound folder"""
        from therapy_edi.edi_file import atomic_write
        from therapy_edi.x12 import (
            Entity, Envelope, ProviderAdjustment, Remittance, write_835)
        payer_id = clearinghouse.payer_id(payer) or payer.rec_name[:20]
        company = self.company
        offsets = [ProviderAdjustment(company.party.rec_name[:20],
                dt.date(day.year, 12, 31), 0,
                [('L6', None, -interest)])] if interest else []
        paid = sum((a.paid for a in answers), ZERO)
        remittance = Remittance('0001', '005010X221A1', 0, handling='I',
            payment_amount=paid + interest,
            credit_debit='C', payment_method='ACH', payment_format='CCP',
            payment_date=day,
            check_number=f'{payer_id}{day:%y%m%d}',
            payer_identifier=f'1{payer.id:09d}',
            payer=Entity(payer.rec_name.upper()[:60],
                references={'2U': payer_id}),
            payee=Entity(company.party.rec_name.upper()[:60]),
            claims=answers, provider_adjustments=offsets)
        self.isa13 += 1
        envelope = Envelope(clearinghouse.receiver_id,
            clearinghouse.submitter_id, self.isa13, self.isa13,
            usage='T', created=dt.datetime.combine(day, dt.time(6)))
        text = write_835([remittance], envelope)
        atomic_write(clearinghouse.inbound_folder,
            f'{payer_id.lower()}-{day:%Y%m%d}-{self.isa13}.835',
            text.encode('ascii'))


def negative(answer):
    "The CLP02 22 reversal of a ClaimPayment: every amount negated"
    from dataclasses import replace
    return replace(answer, status='22', charge=-answer.charge,
        paid=-answer.paid, patient_responsibility=-(
            answer.patient_responsibility or ZERO),
        adjustments=[replace(a, amount=-a.amount)
            for a in answer.adjustments],
        services=[replace(s, charge=-s.charge, paid=-s.paid,
                adjustments=[replace(a, amount=-a.amount)
                    for a in s.adjustments])
            for s in answer.services])


def corrected(answer):
    """The payer's correction after a reversal: it had allowed too little,
    and pays a dollar more a line"""
    from dataclasses import replace
    services = []
    for service in answer.services:
        adjustments = []
        extra = ZERO
        for adjustment in service.adjustments:
            if adjustment.group == 'CO' and adjustment.reason == '45' \
                    and adjustment.amount > 1:
                adjustments.append(replace(
                        adjustment, amount=adjustment.amount - 1))
                extra += 1
            else:
                adjustments.append(adjustment)
        amounts = dict(service.amounts)
        if 'B6' in amounts:
            amounts['B6'] += extra
        services.append(replace(service, paid=service.paid + extra,
                adjustments=adjustments, amounts=amounts))
    return replace(answer, paid=sum((s.paid for s in services), ZERO),
        services=services)
