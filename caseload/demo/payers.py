"""The demo's billing setup, before the schedule: four payers (a
commercial plan, Medicare Part B with the CMS 8-minute rule, a state
Medicaid plan that wants prior authorization for ABA and speech, self-pay),
the practice's fees and each payer's contracted amounts, the
late-cancellation and no-show fees, a coverage for most clients (a few
with a secondary), the sliding-scale tiers and the self-pay clients'
assessments, and the authorizations the Medicaid clients' sessions need:
the schedule is refused without them. A mixin of billing.DemoBilling."""
import datetime as dt
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from trytond.transaction import Transaction

from .schedule import SERVICE_BY_DISCIPLINE

SEED = 2026
CENT = Decimal('0.01')

# key, name, filing indicator, timely filing days, unit rule, signed note
# required, {clearinghouse: payer ID}, claims address (street, city, ZIP)
PAYERS = [
    ('harbor', "Harbor Health Plan", 'CI', 90, 'midpoint', True,
        {'Availity': 'HHP01', 'Office Ally': 'HRB77'},
        ("PO Box 30548", "Hartford", "06150")),
    ('medicare', "Medicare Part B", 'MB', 365, 'cms_8_minute', True,
        {'Availity': '13202', 'Office Ally': '13202'},
        ("PO Box 6178", "Indianapolis", "46206")),
    ('medicaid', "State Medicaid Plan", 'MC', 90, 'cms_8_minute', True,
        {'Availity': 'SMCD1', 'Office Ally': 'MCD42'},
        ("PO Box 4601", "Rensselaer", "12144")),
    ('self', "Self-Pay", '09', 365, 'midpoint', False, {}, None),
    ]
# modifiers Medicare wants: the therapy discipline on every PT, OT and
# speech line, CQ/CO when an assistant furnished it (discipline,
# credentials, modifier)
MEDICARE_MODIFIERS = [
    ('physical', [], 'GP'),
    ('occupational', [], 'GO'),
    ('speech', [], 'GN'),
    ('physical', ['pta'], 'CQ'),
    ('occupational', ['cota'], 'CO'),
    ]
# services the Medicaid plan authorizes before they are booked
AUTHORIZED_SERVICES = ['97153', '97155', '92507', '92523']
# contracted amount as a share of the practice charge (low, high)
CONTRACTED = {'harbor': (0.78, 0.85), 'medicare': (0.64, 0.72),
    'medicaid': (0.58, 0.66)}
LATE_CANCEL_FEE, NO_SHOW_FEE = Decimal('50'), Decimal('75')
# coverages whose eligibility the biller has not checked yet
UNVERIFIED_SHARE = 0.1

# commercial plans: name, copay choices, deductible, coinsurance, OOP max
HARBOR_PLANS = [
    ("Harbor PPO Gold", ['25', '30', '40'], '500', None, '4000'),
    ("Harbor HMO Silver", ['20', '25', '30'], '1000', None, '6000'),
    ("Harbor HDHP Bronze", [None], '3000', '20', '7500'),
    ]
MEDICARE_DEDUCTIBLE = Decimal('257')  # Part B, 2025
SUPPLEMENT_PLAN = "Harbor Medicare Supplement Plan G"

# the practice's sliding scale: up to % of the poverty line, fee
TIERS = [
    ("Tier A (up to 100% FPL)", '100', '20'),
    ("Tier B (up to 150% FPL)", '150', '40'),
    ("Tier C (up to 200% FPL)", '200', '60'),
    ("Tier D (up to 300% FPL)", '300', '90'),
    ("Full fee (above 300% FPL)", None, '150'),
    ]
# self-pay clients: share of the clients, of them without an assessment
SELF_PAY_SHARE = 0.15
WITHOUT_ASSESSMENT = 3
# % of the poverty line the self-pay households are at
FPL_TARGETS = [70, 90, 120, 140, 170, 190, 240, 280, 350, 450]

# prior authorizations: six-month periods, ABA in units, speech in visits
PERIOD = dt.timedelta(weeks=26)
APPROVED = {'units': 240, 'visits': 26}
MBI_ALPHA = 'ACDEFGHJKMNPQRTUVWXY'


def money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class BillingSetup:
    "Payers to authorizations (see billing.setup)"

    def setup(self):
        self.services = {s.code: s
            for s in self.pool.get('therapy.service').search([])}
        self.payers = self.create_payers()
        self.create_fees()
        self.configure()
        self.tiers = self.create_tiers()
        self.plan_coverages()
        self.create_coverages()
        self.verify_coverages()
        self.create_sliding_scales()
        self.create_authorizations()
        self.create_statement_journal()

    def create_statement_journal(self):
        """The operating bank account's statement journal: where the
        payers' EFTs and the card deposits land (the remittance work
        matches them to the ERA journal's remittances)"""
        pool = self.pool
        StatementJournal = pool.get('account.statement.journal')
        Journal = pool.get('account.journal')
        Account = pool.get('account.account')
        journal, = Journal.search([('type', '=', 'statement')], limit=1)
        bank, = Account.search([
                ('code', '=', '1.1.1'),
                ('company', '=', self.company.id),
                ])
        StatementJournal.create([{
                    'name': "Operating account",
                    'journal': journal.id,
                    'company': self.company.id,
                    'currency': self.company.currency.id,
                    'account': bank.id,
                    'validation': 'balance',
                    }])

    # --- payers, fees -------------------------------------------------------
    def create_payers(self):
        pool = self.pool
        Party = pool.get('party.party')
        Payer = pool.get('therapy.payer')
        Country = pool.get('country.country')
        us = Country.search([('code', '=', 'US')], limit=1)
        parties = Party.create([{
                    'name': name,
                    'addresses': [('create', [{
                                    'street_unstructured': address[0],
                                    'city': address[1],
                                    'postal_code': address[2],
                                    'country': us[0].id if us else None,
                                    }])] if address else [],
                    } for _, name, *_, address in PAYERS])
        auth_services = [self.services[c].id for c in AUTHORIZED_SERVICES
            if c in self.services]
        payers = Payer.create([{
                    'company': self.company.id,
                    'party': party.id,
                    'filing_indicator': indicator,
                    'timely_filing_days': days,
                    'unit_rule': rule,
                    'signed_note_required': signed,
                    'identifiers': [('create', [
                                {'clearinghouse': house, 'payer_id': code}
                                for house, code in ids.items()])],
                    'service_rules': [('create', [{
                                    'service': service,
                                    'authorization_required': True,
                                    } for service in auth_services])]
                    if key == 'medicaid' else [],
                    'modifier_rules': [('create', [{
                                    'sequence': 10 * index,
                                    'discipline': discipline,
                                    'credentials': credentials,
                                    'modifier': modifier,
                                    } for index, (discipline, credentials,
                                    modifier) in enumerate(
                                    MEDICARE_MODIFIERS, 1)])]
                    if key == 'medicare' else [],
                    } for party, (key, name, indicator, days, rule, signed,
                    ids, _) in zip(parties, PAYERS)])
        return {key: payer for (key, *_), payer in zip(PAYERS, payers)}

    def create_fees(self):
        "The practice charge (the product's price) and contracted amounts"
        Fee = self.pool.get('therapy.fee')
        start = dt.date(self.today.year - 1, 1, 1)
        vlist = []
        for service in sorted(self.services.values(), key=lambda s: s.code):
            charge = service.list_price
            if charge is None:
                continue
            vlist.append({'company': self.company.id,
                    'service': service.id, 'amount': money(charge),
                    'start_date': start})
            for key, (low, high) in CONTRACTED.items():
                share = Decimal(str(round(self.random.uniform(low, high), 3)))
                vlist.append({'company': self.company.id,
                        'service': service.id,
                        'payer': self.payers[key].id,
                        'amount': money(charge * share),
                        'start_date': start})
        Fee.create(vlist)

    def configure(self):
        Configuration = self.pool.get('therapy.configuration')
        Configuration.write([Configuration(1)], {
                'late_cancel_fee': LATE_CANCEL_FEE,
                'no_show_fee': NO_SHOW_FEE,
                })

    def create_tiers(self):
        Tier = self.pool.get('therapy.sliding.tier')
        return Tier.create([{
                    'company': self.company.id,
                    'name': name,
                    'max_percent': Decimal(limit) if limit else None,
                    'fee': Decimal(fee),
                    } for name, limit, fee in TIERS])

    # --- coverages ----------------------------------------------------------
    def read_clients(self):
        Client = self.pool.get('therapy.client')
        return Client.search([], order=[('id', 'ASC')])

    def plan_coverages(self):
        """{client: kind}: 'none' (inquiries: their insurance comes with
        the intake), 'self', 'medicare', 'medicaid' or 'harbor'"""
        rng = self.random
        self.clients = self.read_clients()
        plan = {}
        for client in self.clients:
            discipline = client.primary_clinician.discipline \
                if client.primary_clinician else None
            if client.status == 'inquiry':
                plan[client] = 'none'
            elif (client.age or 0) >= 65:
                plan[client] = 'medicare'
            elif client.minor and discipline in {'aba', 'speech'}:
                plan[client] = 'medicaid' if rng.random() < 0.6 \
                    else 'harbor'
            elif client.minor:
                plan[client] = 'medicaid' if rng.random() < 0.3 \
                    else 'harbor'
            else:
                plan[client] = 'medicaid' if rng.random() < 0.15 \
                    else 'harbor'
        # about one client in seven pays for themselves: adults and
        # children outside ABA (which insurance nearly always covers)
        eligible = [c for c in self.clients
            if plan[c] in {'harbor', 'medicaid'}
            and c.primary_clinician.discipline != 'aba']
        rng.shuffle(eligible)
        for client in eligible[:round(SELF_PAY_SHARE * len(self.clients))]:
            plan[client] = 'self'
        self.plan = plan

    def member_id(self, kind):
        rng = self.random
        if kind == 'harbor':
            return f'HHP{rng.randrange(10 ** 8, 10 ** 9)}'
        if kind == 'medicaid':
            letters = 'ABCDEFGHJKLMNPRSTUVWXYZ'
            return (''.join(rng.choice(letters) for _ in range(2))
                + f'{rng.randrange(10 ** 4, 10 ** 5)}' + rng.choice(letters))
        # a Medicare Beneficiary Identifier: 11 characters, fixed pattern
        digit = '0123456789'
        alnum = digit + MBI_ALPHA
        pattern = ['123456789', MBI_ALPHA, alnum, digit, MBI_ALPHA, alnum,
            digit, MBI_ALPHA, MBI_ALPHA, digit, digit]
        return ''.join(rng.choice(p) for p in pattern)

    def since(self):
        "When a coverage started: before the schedule's history"
        return self.history_start - dt.timedelta(
            days=self.random.randint(30, 900))

    def harbor_values(self, client):
        rng = self.random
        name, copays, deductible, coinsurance, oop = rng.choices(
            HARBOR_PLANS, [5, 3, 2])[0]
        copay = rng.choice(copays)
        values = {
            'payer': self.payers['harbor'].id,
            'plan_name': name,
            'member_id': self.member_id('harbor'),
            'group_number': f'G{rng.randrange(10 ** 5, 10 ** 6)}',
            'copay': Decimal(copay) if copay else None,
            'coinsurance': Decimal(coinsurance) if coinsurance else None,
            'deductible': Decimal(deductible),
            'out_of_pocket_max': Decimal(oop),
            }
        # a child is on a parent's plan; some adults on their spouse's
        if client.minor and client.guardians:
            values.update(relationship='19',
                subscriber=client.guardians[0].party.id)
        elif (client.emergency_contact
                and client.emergency_contact_relationship == "Spouse"
                and rng.random() < 0.6):
            values.update(relationship='01',
                subscriber=client.emergency_contact.id)
        return values

    def medicaid_values(self, client):
        return {
            'payer': self.payers['medicaid'].id,
            'plan_name': "Medicaid Managed Care",
            'member_id': self.member_id('medicaid'),
            'copay': Decimal(0),
            }

    def verify_coverages(self):
        """The biller checked eligibility for most coverages; a few new
        cards wait (unverified on the front desk's lists)"""
        pool = self.pool
        Coverage = pool.get('therapy.coverage')
        User = pool.get('res.user')
        coverages = Coverage.search([], order=[('id', 'ASC')])
        # a draw of its own: the rest of the demo stays as it was
        rng = random.Random(SEED + 1)
        checked = [c for c in coverages if rng.random() >= UNVERIFIED_SHARE]
        billers = User.search([('login', '=', 'biller')])
        with Transaction().set_user(billers[0].id if billers else 0):
            Coverage.verify(checked)

    def create_coverages(self):
        Coverage = self.pool.get('therapy.coverage')
        rng = self.random
        vlist = []
        switched = False
        secondary = {'medicare': 0, 'harbor': 0}
        for client in self.clients:
            kind = self.plan[client]
            base = {'client': client.id, 'priority': '1',
                'relationship': '18', 'start_date': self.since()}
            if kind == 'none':
                continue
            if kind == 'self':
                vlist.append(dict(base, payer=self.payers['self'].id,
                        plan_name="Self-pay"))
                continue
            if kind == 'medicare':
                vlist.append(dict(base, payer=self.payers['medicare'].id,
                        plan_name="Original Medicare Part B",
                        member_id=self.member_id('medicare'),
                        coinsurance=Decimal(20),
                        deductible=MEDICARE_DEDUCTIBLE))
                # a Medigap plan pays the 20% for some
                if secondary['medicare'] < 4 and rng.random() < 0.4:
                    secondary['medicare'] += 1
                    vlist.append(dict(base, priority='2',
                            payer=self.payers['harbor'].id,
                            plan_name=SUPPLEMENT_PLAN,
                            member_id=self.member_id('harbor'),
                            copay=Decimal(0)))
                continue
            if kind == 'medicaid':
                vlist.append(dict(base, **self.medicaid_values(client)))
                continue
            values = dict(base, **self.harbor_values(client))
            discipline = client.primary_clinician.discipline
            if (not switched and not client.minor
                    and client.status == 'active'
                    and discipline == 'mental_health'):
                # lost the job's plan three months ago: Medicaid since
                switched = True
                end = self.today - dt.timedelta(days=92)
                vlist.append(dict(values, end_date=end))
                vlist.append(dict(base, start_date=end + dt.timedelta(
                            days=1), **self.medicaid_values(client)))
                continue
            vlist.append(values)
            # a child with autism or a speech delay on a parent's plan,
            # with Medicaid paying what the plan leaves
            if (client.minor and discipline in {'aba', 'speech'}
                    and secondary['harbor'] < 3):
                secondary['harbor'] += 1
                vlist.append(dict(base, priority='2',
                        **self.medicaid_values(client)))
        self.coverages = defaultdict(list)
        for coverage in Coverage.create(vlist):
            self.coverages[coverage.client.id].append(coverage)

    # --- sliding scale ------------------------------------------------------
    def create_sliding_scales(self):
        """An assessment for most self-pay clients, evidence seen before
        their first session; one review overdue, one reassessed after a
        job loss; a few pay the full fee without one"""
        pool = self.pool
        Guideline = pool.get('therapy.poverty.guideline')
        Scale = pool.get('therapy.sliding.scale')
        rng = self.random
        earliest = min((g.effective_date for g in Guideline.search([
                        ('region', '=', 'contiguous')])), default=None)
        if not earliest:
            return
        self_pay = [c for c in self.clients if self.plan[c] == 'self']
        assessed = self_pay[WITHOUT_ASSESSMENT:]
        percents = [FPL_TARGETS[i % len(FPL_TARGETS)]
            for i in range(len(assessed))]
        # clients in care show it in their charges
        in_care = [i for i, c in enumerate(assessed) if c.status == 'active']
        overdue = in_care[0] if in_care else None
        reassessed = next((i for i in in_care
                if i != overdue and 100 < percents[i] <= 300), None)
        vlist = []
        for index, (client, percent) in enumerate(zip(assessed, percents)):
            size = rng.randint(2, 5) if client.minor else rng.choices(
                [1, 2, 3, 4], [4, 3, 2, 1])[0]
            evidence = self.history_start - dt.timedelta(
                days=rng.randint(3, 60))
            if index == overdue:
                # the yearly review is overdue
                evidence = self.today - dt.timedelta(days=380)
            evidence = max(evidence, earliest)
            vlist.append(self.scale_values(
                    client, size, percent, evidence, Guideline))
            if index == reassessed:
                # lost a job: a new assessment, a lower tier since
                evidence = self.today - dt.timedelta(days=rng.randint(
                        40, 70))
                vlist.append(self.scale_values(
                        client, size, percent // 2, evidence, Guideline))
        Scale.create(vlist)

    def scale_values(self, client, size, percent, evidence, Guideline):
        guideline = Guideline.at(evidence, 'contiguous')
        line = guideline.first_person + guideline.additional_person * (
            size - 1)
        income = (line * percent / 100).quantize(
            Decimal('1'), rounding=ROUND_HALF_UP)
        return {
            'client': client.id,
            'household_size': size,
            'annual_income': income,
            'region': 'contiguous',
            'evidence_date': evidence,
            'review_due': evidence + dt.timedelta(days=365),
            }

    # --- authorizations -----------------------------------------------------
    def create_authorizations(self):
        """Two six-month periods for every Medicaid client the schedule
        books for an authorized service (the schedule books six months
        back and three ahead); a speech re-evaluation authorized, not yet
        booked, that expires within 30 days"""
        Authorization = self.pool.get('therapy.authorization')
        medicaid = self.payers['medicaid']
        first = self.history_start - dt.timedelta(weeks=2)
        periods = [(first, first + PERIOD - dt.timedelta(days=1)),
            (first + PERIOD, first + 2 * PERIOD - dt.timedelta(days=1))]
        vlist = []
        evaluation = None
        for client in self.clients:
            if client.status != 'active' or not client.primary_clinician:
                continue
            coverage = next((c for c in self.coverages[client.id]
                    if c.priority == '1' and c.payer == medicaid
                    and not c.end_date), None)
            discipline = client.primary_clinician.discipline
            if not coverage or discipline not in {'aba', 'speech'}:
                continue
            if discipline == 'aba':
                codes, kind = ['97153', '97155'], 'units'
                clinician = client.primary_clinician.id
            else:
                codes, kind = SERVICE_BY_DISCIPLINE['speech'], 'visits'
                clinician = None
            services = [self.services[c].id for c in codes
                if c in self.services]
            for start, end in periods:
                vlist.append({
                        'client': client.id,
                        'coverage': coverage.id,
                        'number': self.authorization_number(start),
                        'services': [('add', services)],
                        'unit_kind': kind,
                        'approved': APPROVED[kind],
                        'start_date': max(start, coverage.start_date),
                        'end_date': end,
                        'clinician': clinician,
                        })
            if discipline == 'speech' and not evaluation \
                    and '92523' in self.services:
                evaluation = True
                start = self.today - dt.timedelta(days=72)
                vlist.append({
                        'client': client.id,
                        'coverage': coverage.id,
                        'number': self.authorization_number(start),
                        'services': [('add', [self.services['92523'].id])],
                        'unit_kind': 'visits',
                        'approved': 1,
                        'start_date': start,
                        'end_date': self.today + dt.timedelta(days=18),
                        })
        Authorization.create(vlist)

    def authorization_number(self, start):
        return f'PA{start:%y%m}{self.random.randrange(10 ** 6, 10 ** 7)}'

    def tighten_authorization(self):
        """The current ABA authorization with the most sessions booked gets
        just one more session than it holds: 'nearly used' on the list"""
        Authorization = self.pool.get('therapy.authorization')
        current = Authorization.search([
                ('unit_kind', '=', 'units'),
                ('start_date', '<=', self.today),
                ('end_date', '>=', self.today),
                ], order=[('id', 'ASC')])
        best = None
        for authorization in current:
            rows = authorization.counted()
            if not rows:
                continue
            held = sum(u for _, u in rows)
            if not best or held > best[1]:
                best = (authorization, held, rows[-1][1])
        if not best:
            return
        authorization, held, session = best
        approved = held + session
        if held >= 0.8 * approved:
            Authorization.write([authorization], {'approved': approved})
