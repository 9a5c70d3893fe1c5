"""The demo practice's billing: the charges of the sessions held, copays,
claims and the payers' answers.

Runs inside the server (see server.py), in four steps around the schedule
and the clinical record (see caseload.demo.DemoPractice.load):

- setup(), before the schedule: payers to authorizations (payers.py); the
  schedule is refused without the authorizations.
- after_schedule(): one authorization is nearly used up (the payer
  approved fewer units than asked), now that its sessions are booked.
- charge_history(), after the clinical record: what is still uncharged
  that should be, late cancellations and no-shows (the sessions held are
  charged in clinical.DemoClinical.charge_completed, as Complete charges
  them, and when their note is final).
- bill_history(), last: copays (and self-pay fees) taken at check-in for
  some sessions of the last three weeks, held as patient deposits; then,
  day by day as the biller would have, the charges of the two weeks before
  the last one and of three older days billed: client invoices posted
  with the visit's deposit applied, claims drafted, then scrubbed and
  posted in one pass a day, each invoice dated the day it was posted (so
  the aged balance spreads over its columns); the claims sent, most
  accepted and three rejected (their remittances come later as 835 files,
  remittances.py). The last week's charges wait "To
  Bill", and so does the older history (posting costs a tenth of a second
  a claim). The claim events are dated when each step would have happened.
  The ledger invariants are checked last: the build fails if they break.
"""
import datetime as dt
import random
from collections import defaultdict

from trytond.pool import Pool
from trytond.transaction import Transaction

from therapy_billing import ledger_invariants

from . import server
from .payers import BillingSetup
from .schedule import HISTORY_WEEKS

SEED = 2026
# SQLite caps the depth of one query: create and charge in batches
BATCH = 100

# claims: the charges of the weeks before the last are billed (the last
# days' wait "To Bill": the biller's work), and those of a day about 6, 10
# and 15 weeks ago, still unpaid (the aged balance's later columns); money
# was taken at the desk (copays, self-pay fees) for a share of the
# sessions of the last weeks, by card mostly. Posting costs an invoice a
# claim: the window is kept short
BILLED_FROM, UNBILLED = dt.timedelta(weeks=3), dt.timedelta(days=7)
OLD_DAYS = [45, 75, 105]
COPAY_FROM = dt.timedelta(weeks=3)
COPAY_SHARE, CARD_SHARE = 1 / 3, 0.7
# the payers' answers, by the age of the date of service: younger claims
# wait to be sent, then wait for an answer (some accepted); of the older
# so many are rejected, the rest accepted (their remittances:
# remittances.py)
SENT_AFTER, ANSWERED_AFTER = dt.timedelta(days=9), dt.timedelta(days=12)
REJECTED = 3
# the clearinghouse's reasons, as it gives them (277CA codes)
REJECTIONS = [
    "A7:164 Entity's contract/member number not found",
    "A7:562 Entity's National Provider Identifier (NPI) invalid",
    "A8:254 Principal diagnosis code invalid",
    ]
# days after the date of service each step happened (see date_events)
STEP_DAYS = {'draft': 1, 'ready': 2, 'submitted': 3, 'accepted': 4,
    'rejected': 4, 'paid': 11, 'partial': 11, 'denied': 11, 'appealed': 12}
ANSWERED = {'paid', 'partial', 'denied', 'appealed'}
# days from the date of service to each payer's answer, payers taken in
# turn by id: payers do not all pay alike (Days to Pay shows it)
PAYER_DAYS = [11, 17, 8, 24, 14]


def paid_after(payer):
    "How long after the date of service payer answers a claim"
    return dt.timedelta(days=PAYER_DAYS[payer.id % len(PAYER_DAYS)])


def run(database, user_id, company_id, step):
    "step(DemoBilling) in one server-side step (see server.run)"
    return server.run(database, user_id, company_id,
        lambda: step(DemoBilling(company_id)))


def setup(database, user_id, company_id):
    "Payers to authorizations unless there; return True when loaded"
    def step(billing):
        if billing.pool.get('therapy.payer').search([], limit=1):
            return False
        billing.setup()
        return True
    return run(database, user_id, company_id, step)


def after_schedule(database, user_id, company_id):
    run(database, user_id, company_id,
        lambda billing: billing.tighten_authorization())


def charge_history(database, user_id, company_id):
    run(database, user_id, company_id,
        lambda billing: billing.charge_history())


def bill_history(database, user_id, company_id):
    """The billed history, then the ledger invariants: the demo fails
    loudly if its ledger would not pass an accountant's checks"""
    run(database, user_id, company_id,
        lambda billing: billing.bill_history())
    problems = ledger_invariants.check(database, company_id, user_id)
    if problems:
        raise RuntimeError("demo billing: the ledger breaks its invariants:\n"
            + '\n'.join(f'- {p}' for p in problems))



class DemoBilling(BillingSetup):
    def __init__(self, company_id):
        pool = self.pool = Pool()
        self.company = pool.get('company.company')(company_id)
        self.random = random.Random(f'{SEED}-billing')
        self.today = pool.get('ir.date').today()
        # the schedule's first week (see schedule.DemoSchedule.create_series)
        self.history_start = self.today - dt.timedelta(
            days=self.today.weekday(), weeks=HISTORY_WEEKS)

    # --- charges ------------------------------------------------------------
    def charge_history(self):
        """Charge the past sessions signing did not (idempotent): held,
        late-cancelled and no-show"""
        pool = self.pool
        Appointment = pool.get('therapy.appointment')
        Charge = pool.get('therapy.charge')
        ids = [a.id for a in Appointment.search([
                    ('start', '<', dt.datetime.now()),
                    ['OR',
                        ('state', 'in', ['completed', 'no_show']),
                        [('state', '=', 'cancelled'),
                            ('late_cancellation', '=', True)],
                        ],
                    ], order=[('start', 'ASC'), ('id', 'ASC')])]
        for index in range(0, len(ids), BATCH):
            Charge.create_for(Appointment.browse(ids[index:index + BATCH]))

    # --- claims -------------------------------------------------------------
    def bill_history(self):
        """Money taken at the desk, then the days billed in date order
        (each day's client invoices and ready claims posted in one pass,
        dated that day), the payers' answers, and the patient shares they
        name"""
        with Transaction().set_context(_skip_warnings=True):
            self.collect_at_desk()
            self.bill(self.billing_days())
            self.answer_claims()

    def payment_methods(self):
        Method = self.pool.get('account.invoice.payment.method')
        methods = {m.name: m for m in Method.search([
                    ('company', '=', self.company.id)])}
        return methods.get("Card terminal"), methods.get("Cash")

    def collect_at_desk(self):
        """At check-in, for a share of the individual sessions of the last
        weeks: the primary coverage's copay, or a self-pay client's fee;
        held as the guarantor's deposit until the visit's invoice"""
        pool = self.pool
        Appointment = pool.get('therapy.appointment')
        card, cash = self.payment_methods()
        if not card or not cash:
            return
        since = dt.datetime.combine(self.today - COPAY_FROM, dt.time())
        sessions = Appointment.search([
                ('start', '>=', since),
                ('start', '<', dt.datetime.now()),
                ('state', '=', 'completed'),
                ('client', '!=', None),
                ], order=[('start', 'ASC'), ('id', 'ASC')])
        for appointment in sessions:
            if (appointment.desk_payments or appointment.copay_forbidden_by()
                    or self.random.random() >= COPAY_SHARE):
                continue
            amount = appointment.expected_at_desk()
            if not amount:
                continue
            method = card if self.random.random() < CARD_SHARE else cash
            with Transaction().set_context(
                    billing_date=appointment.local_date):
                appointment.collect(amount, method)

    def billing_days(self):
        """The dates of service billed: the weeks before the last, and a
        few older days whose claims are still open (the aged balance's
        later columns)"""
        Charge = self.pool.get('therapy.charge')
        start, end = self.today - BILLED_FROM, self.today - UNBILLED
        days = sorted({c.date for c in Charge.search([
                        ('company', '=', self.company.id),
                        ('state', '=', 'pending'),
                        ('date', '>=', start),
                        ('date', '<', end),
                        ])})
        for age in OLD_DAYS:
            older = Charge.search([
                    ('company', '=', self.company.id),
                    ('state', '=', 'pending'),
                    ('date', '<=', self.today - dt.timedelta(days=age)),
                    ], order=[('date', 'DESC')], limit=1)
            if older:
                days.append(older[0].date)
        return sorted(set(days))

    def bill(self, days):
        """Day by day, as the biller would have: the charges of a date of
        service billed the next day (client invoices posted, claims
        drafted), the clean claims scrubbed and posted the day after, all
        of a day's claims in one pass"""
        pool = self.pool
        Charge = pool.get('therapy.charge')
        Claim = pool.get('therapy.claim')
        postings = defaultdict(lambda: {'bill': [], 'ready': []})
        for day in days:
            postings[min(day + dt.timedelta(days=1), self.today)][
                'bill'].append(day)
            postings[min(day + dt.timedelta(days=2), self.today)][
                'ready'].append(day)
        last = max((p for p in postings if postings[p]['ready']),
            default=None)
        for posted in sorted(postings):
            with Transaction().set_context(billing_date=posted):
                work = postings[posted]
                if work['bill']:
                    Charge.bill_charges(Charge.search([
                                ('company', '=', self.company.id),
                                ('state', '=', 'pending'),
                                ('date', 'in', work['bill']),
                                ], order=[('date', 'ASC'), ('id', 'ASC')]))
                if work['ready']:
                    drafts = Claim.search([
                            ('company', '=', self.company.id),
                            ('state', '=', 'draft'),
                            ('primary_claim', '=', None),
                            ('date', 'in', work['ready']),
                            ], order=[('date', 'ASC'), ('id', 'ASC')])
                    if posted == last:
                        self.coverage_ended(drafts)
                        drafts = Claim.browse(drafts)  # uncached
                    clean = [c for c in drafts if not c.scrub()]
                    if clean:
                        Claim.ready(clean)

    def coverage_ended(self, drafts):
        """One client's plan ended the day before their last session and
        the front desk has no new card yet: the scrubber holds that claim
        (Claims to Fix, Coverage), whatever the rest of the demo's draw.
        The client with the fewest sessions booked after it is chosen, so
        the least of the schedule sits past the coverage's end."""
        Appointment = self.pool.get('therapy.appointment')
        Coverage = self.pool.get('therapy.coverage')
        candidates = [c for c in drafts if not c.primary_claim
            and not c.coverage.end_date and not c.coverage.self_pay
            and c.coverage.start_date < c.date]
        if not candidates:
            return
        # one read of the sessions booked after the earliest candidate
        booked = Appointment.search([
                ('client', 'in', list({c.client.id for c in candidates})),
                ('state', 'in', ['scheduled', 'confirmed']),
                ('start', '>=', dt.datetime.combine(
                        min(c.date for c in candidates)
                        + dt.timedelta(days=1), dt.time())),
                ])

        def booked_after(claim):
            after = dt.datetime.combine(
                claim.date + dt.timedelta(days=1), dt.time())
            return sum(1 for a in booked
                if a.client == claim.client and a.start >= after)
        claim = min(reversed(candidates), key=booked_after)
        Coverage.write([claim.coverage], {
                'end_date': claim.date - dt.timedelta(days=1)})

    def answer_claims(self):
        """The youngest claims are ready, the next sent (some accepted),
        the older accepted with the payer's claim number, but for a few
        rejected (left to correct). The payers' money comes as 835 files
        (remittances.py, once the clearinghouse is there)"""
        Claim = self.pool.get('therapy.claim')
        claims = Claim.search([
                ('company', '=', self.company.id),
                ('state', '=', 'ready'),
                ], order=[('date', 'ASC'), ('id', 'ASC')])
        rng = self.random
        old = [c for c in claims if c.date <= self.today - ANSWERED_AFTER]
        sent = [c for c in claims
            if self.today - ANSWERED_AFTER < c.date
            <= self.today - SENT_AFTER]
        accepted = [c for c in sent if rng.random() < 0.4]
        if accepted and len(accepted) == len(sent):
            # some still wait for the clearinghouse's answer, whatever the
            # draw (the window may hold one weekday's claims only)
            accepted = accepted[1:]
        rejected = rng.sample(old, min(len(old), REJECTED))
        Claim.submit(sent + old)
        answered = accepted + [c for c in old if c not in rejected]
        Claim.accept(answered)
        for claim in answered:
            claim.payer_claim_number = (
                f'{claim.payer.filing_indicator}{claim.date:%y%j}'
                f'{rng.randrange(10 ** 6, 10 ** 7)}')
        Claim.save(answered)
        for claim in rejected:
            Claim.do_reject([claim], rng.choice(REJECTIONS))
        self.date_events(claims)

    def date_events(self, claims):
        date_claim_events(self.pool, claims)


def date_claim_events(pool, claims):
    """Each step of the claims dated when it would have happened: days
    after the date of service, never later than now"""
    Event = pool.get('therapy.claim.event')
    now = dt.datetime.now().replace(microsecond=0)
    events = []
    for index in range(0, len(claims), BATCH):
        events += Event.search([('claim', 'in', [
                        c.id for c in claims[index:index + BATCH]])])
    args = []
    for event in events:
        days = STEP_DAYS.get(event.state)
        primary = event.claim.primary_claim
        if primary:
            # drafted when the primary payer answered
            days = paid_after(primary.payer).days + 1
        elif event.state in ANSWERED:
            days = paid_after(event.claim.payer).days + (
                days - STEP_DAYS['paid'])
        if days is None:
            continue
        hour = 9 + (event.claim.id + days) % 8
        at = dt.datetime.combine(event.claim.date + dt.timedelta(
                days=days), dt.time(hour, (event.id * 7) % 60))
        args.extend([[event], {'at': min(at, now)}])
    if args:
        Event.write(*args)
