"""Revenue leakage on a small practice where every leak is known: each
row's count and amount to the cent, the things that must not count next
to the ones that do, the filters, a row opening its items, and who may
read the page (tried as the clinician, the front desk and the
accountant, who must not)."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_billing.tests.test_remittance import RemittanceCase, answer
from therapy_clinical.tests.fixtures import write_note
from therapy_scheduling import clock
from therapy_scheduling.tests.fixtures import (
    as_user, create_client, create_clinician, create_location,
    create_service, create_user, day_at)

D = Decimal
MODELS = ['therapy.leakage', 'therapy.leakage.item']
GROUP = 'therapy_scheduling.group_%s'


class LeakageTestCase(RemittanceCase):

    @classmethod
    def setUpClass(cls):
        activate_module(['therapy_reporting', 'therapy_edi'])

    # --- the practice -----------------------------------------------------
    def build(self):
        """The remittance tests' practice (Noa, Kim covered by Harbor
        Health, a ready $150 claim) with fees, a timed ABA service and its
        clinician at a second location, a self-pay client and Rio, whose
        authorization is booked past what it approved"""
        pool = Pool()
        Fee = pool.get('therapy.fee')
        Coverage = pool.get('therapy.coverage')
        Payer = pool.get('therapy.payer')
        Authorization = pool.get('therapy.authorization')
        Location = pool.get('therapy.location')
        Employee = pool.get('company.employee')
        today = dt.date.today()
        p = self.practice()
        Payer.write([p.payer], {'appeal_days': 10})
        p.uptown = create_location("Uptown")
        p.aba = create_service('97153', "ABA treatment", 60,
            discipline='aba', timed=True)
        p.ada = create_clinician("Ada Wu", discipline='aba')
        Employee.write([Employee(p.clinician.id)],
            {'therapy_locations': [('add', [p.location.id])]})
        Employee.write([p.ada],
            {'therapy_locations': [('add', [p.uptown.id])]})
        p.lee = create_client("Lee Self")
        p.rio = create_client("Rio Moss")
        start = today - dt.timedelta(days=200)
        Fee.create([
                {'company': p.company.id, 'service': p.service.id,
                    'amount': D(150), 'start_date': start},
                {'company': p.company.id, 'service': p.aba.id,
                    'amount': D(20), 'start_date': start},
                # what Harbor contracted: the underpayment's yardstick
                {'company': p.company.id, 'service': p.service.id,
                    'payer': p.payer.id, 'amount': D(120),
                    'start_date': start},
                ])
        p.rio_coverage, = Coverage.create([{
                    'client': p.rio.id, 'payer': p.payer.id,
                    'member_id': 'R1', 'start_date': start}])
        p.authorization, = Authorization.create([{
                    'client': p.rio.id, 'coverage': p.rio_coverage.id,
                    'number': 'PA-1', 'approved': 2,
                    'services': [('add', [p.service.id])],
                    'start_date': today - dt.timedelta(days=10),
                    'end_date': today + dt.timedelta(days=30)}])
        p.noa_user = create_user('noa', [GROUP % 'clinician'],
            p.clinician)
        Location.write([p.location], {'timezone': 'UTC'})
        Location.write([p.uptown], {'timezone': 'UTC'})
        return p

    def session(self, p, days, client=None, clinician=None, service=None,
            location=None, note=None):
        """A session days ago (ahead when negative), completed when past;
        note: None, 'draft' or 'signed'"""
        Note = Pool().get('therapy.note')
        start = day_at(-days, 14)
        home, p.location = p.location, location or p.location
        try:
            appointment = p.book(start, client or p.client,
                clinician or p.clinician, service,
                state='completed' if days > 0 else 'scheduled')
        finally:
            p.location = home
        if note:
            draft, = Note.draft_for([appointment])
            write_note(draft)
            if note == 'signed':
                with Transaction().set_user(p.noa_user.id):
                    Note.sign([draft])
        return appointment

    def charge(self, p, days, amount):
        "A payer charge of Kim's days ago, not on a claim"
        Charge = Pool().get('therapy.charge')
        charge, = Charge.create([{
                    'company': p.company.id, 'client': p.client.id,
                    'kind': 'service',
                    'date': dt.date.today() - dt.timedelta(days=days),
                    'service': p.service.id, 'procedure_code': '90834',
                    'units': 1, 'unit_price': amount, 'amount': amount,
                    'responsibility': 'payer', 'coverage': p.coverage.id,
                    'payer': p.payer.id, 'diagnosis_codes': 'F41.1',
                    'rendering': p.clinician.id}])
        return charge

    def claim_of(self, p, days, amount, sent=None, accepted=False):
        """Kim's claim of a charge days ago, drafted days ago; sent (days
        ago) readies and submits it then, accepted accepts it then"""
        pool = Pool()
        Charge = pool.get('therapy.charge')
        Claim = pool.get('therapy.claim')
        charge = self.charge(p, days, amount)
        with clock.as_of(dt.datetime.now() - dt.timedelta(days=days)):
            (claim,), _ = Charge.bill_charges([charge])
        if sent is not None:
            with clock.as_of(dt.datetime.now() - dt.timedelta(days=sent)):
                Claim.ready([claim])
                Claim.submit([claim])
                if accepted:
                    Claim.accept([claim])
        return Claim(claim.id)

    def eligibility(self, p, coverage, status, days):
        pool = Pool()
        EdiFile = pool.get('therapy.edi.file')
        Eligibility = pool.get('therapy.eligibility')
        edi_file, = EdiFile.create([{
                    'company': p.company.id, 'direction': 'in',
                    'kind': '271', 'name': f'{status}{days}.271',
                    'state': 'imported'}])
        Eligibility.create([{
                    'company': p.company.id, 'coverage': coverage.id,
                    'edi_file': edi_file.id, 'status': status,
                    'date': dt.date.today() - dt.timedelta(days=days)}])

    def leaks(self, p):
        "Every leak of the practice, and the things that must not leak"
        Charge = Pool().get('therapy.charge')
        Claim = Pool().get('therapy.claim')
        # sessions and notes
        s1 = self.session(p, 10)                        # no note: leaks
        self.session(p, 1)                              # too recent
        self.session(p, 5, service=p.aba, clinician=p.ada,
            location=p.uptown)                          # no note, 4 units
        self.session(p, 7, note='draft')                # a draft: leaks
        s4 = self.session(p, 8, note='signed')          # charged, unbilled
        s5 = self.session(p, 6, note='signed')          # charge voided
        Charge.void(Charge.search([('appointment', '=', s5.id)]))
        self.session(p, 4, client=p.lee)                # self-pay, charged
        self.session(p, 9, note='signed')
        Charge.bill_charges(Charge.search([
                    ('appointment.start', '=', day_at(-9, 14))]))
        # claims
        self.claim_of(p, 6, D(100))                     # draft 6 days
        self.claim_of(p, 11, D(110), sent=1)            # just sent
        self.claim_of(p, 12, D(120), sent=10)           # no answer
        self.claim_of(p, 25, D(140), sent=20, accepted=True)
        self.claim_of(p, 16, D(130), sent=8, accepted=True)  # within median
        paid = self.claim_of(p, 14, D(150), sent=12, accepted=True)
        denied = self.claim_of(p, 31, D(150), sent=30, accepted=True)
        appealed = self.claim_of(p, 32, D(150), sent=30, accepted=True)
        line = paid.lines[0]
        self.post(self.remittance(p, 'EFT1', [answer(paid.number,
                        paid=D(80), allowed=D(100),
                        control_number=line.control_number,
                        adjustments=[('CO', '45', D(50)),
                            ('PR', '2', D(20))])]))
        for claim, trace in [(denied, 'EFT2'), (appealed, 'EFT3')]:
            self.post(self.remittance(p, trace, [answer(claim.number,
                            status='4',
                            control_number=claim.lines[0].control_number,
                            adjustments=[('CO', '197', D(150))])],
                    payment=D(0)))
        Claim.appeal([Claim(appealed.id)])
        # Rio: a held session and two booked on a 2-visit authorization
        self.session(p, 2, client=p.rio)
        self.session(p, -3, client=p.rio)
        over = self.session(p, -10, client=p.rio)
        # Kim's coverage inactive on the latest 271, Rio's active again
        self.eligibility(p, p.coverage, 'active', 20)
        self.eligibility(p, p.coverage, 'inactive', 2)
        self.eligibility(p, p.rio_coverage, 'inactive', 20)
        self.eligibility(p, p.rio_coverage, 'active', 2)
        ineligible = self.session(p, -5)
        return {'s1': s1, 's4': s4, 'over': over, 'ineligible': ineligible,
            'denied': denied}

    def rows(self, name, **context):
        Model = Pool().get(name)
        company = Transaction().context['company']
        with Transaction().set_context(**context):
            return Model.search([('company', '=', company)])

    # --- the tests --------------------------------------------------------
    @with_transaction()
    def test_every_leak_counted_to_the_cent(self):
        with set_company(create_company()):
            p = self.build()
            made = self.leaks(p)
            A, B = p.location, p.uptown
            noa, ada = p.clinician, p.ada
            rows = {(r.kind, r.location, r.clinician): (r.count, r.amount)
                for r in self.rows('therapy.leakage')}
            self.assertEqual(rows, {
                    # S1 (estimate $150), the draft's (estimate $150) and
                    # Lee's self-pay session (charged $150)
                    ('no_note', A, noa): (3, D(450)),
                    # 60 minutes of a timed code: 4 units of $20
                    ('no_note', B, ada): (1, D(80)),
                    ('no_charge', A, noa): (1, D(150)),
                    ('unclaimed', A, noa): (1, D(150)),
                    # claims of charges without a session: no location
                    ('unsent', None, noa): (1, D(100)),
                    ('unacknowledged', None, noa): (1, D(120)),
                    # sent 20 days ago; Harbor pays in 12 (its median)
                    ('unpaid', None, noa): (1, D(140)),
                    ('denial', None, noa): (1, D(150)),
                    # allowed $100 against $120 contracted
                    ('underpaid', None, noa): (1, D(20)),
                    ('authorization', A, noa): (1, D(150)),
                    ('ineligible', A, noa): (1, D(150)),
                    })
            items = self.rows('therapy.leakage.item')
            by_kind = defaultdict(list)
            for item in items:
                by_kind[item.kind].append(item)
            self.assertEqual(str(by_kind['authorization'][0].record),
                f"therapy.appointment,{made['over'].id}")
            self.assertEqual(str(by_kind['ineligible'][0].record),
                f"therapy.appointment,{made['ineligible'].id}")
            denial, = by_kind['denial']
            self.assertEqual((denial.deadline, denial.client),
                (dt.date.today() + dt.timedelta(days=10), p.client))
            unclaimed, = by_kind['unclaimed']
            self.assertEqual(unclaimed.record.appointment, made['s4'])
            self.assertEqual(unclaimed.currency, p.company.currency)

    @with_transaction()
    def test_thresholds_filters_and_a_row_opens_its_items(self):
        pool = Pool()
        Item = pool.get('therapy.leakage.item')
        with set_company(create_company()):
            p = self.build()
            self.leaks(p)
            # a denial due in 10 days is not yet near with a 7-day window;
            # two weeks of grace for notes leaves S1 alone
            kinds = {(r.kind, r.count) for r in self.rows(
                    'therapy.leakage', deadline_days=7, note_days=9,
                    pay_days=5)}
            self.assertNotIn('denial', {k for k, _ in kinds})
            self.assertIn(('no_note', 1), kinds)
            # Harbor's own median (12 days) holds, not pay_days
            self.assertIn(('unpaid', 1), kinds)
            uptown = self.rows('therapy.leakage', location=p.uptown.id)
            self.assertEqual([(r.kind, r.count, r.amount) for r in uptown],
                [('no_note', 1, D(80))])
            mine = self.rows('therapy.leakage.item',
                clinician=p.ada.id)
            self.assertEqual([i.kind for i in mine], ['no_note'])
            # the row's items, as its tree_open action's domain finds them
            row, = [r for r in self.rows('therapy.leakage')
                if r.kind == 'no_note' and r.location == p.location]
            items = Item.search([('summary', '=', row.id)])
            self.assertEqual(len(items), 3)
            self.assertEqual(sum(i.amount for i in items), D(450))

            # the look back: a session 400 days ago without its note is
            # past the payers' filing limits, listed only when asked for
            def sessions(**context):
                return {i.record for i in self.rows(
                        'therapy.leakage.item', **context)
                    if i.kind in {'no_note', 'no_charge', 'unclaimed'}}
            listed = sessions()
            self.assertEqual(len(listed), 6)
            old = self.session(p, 400)
            self.assertEqual(sessions(), listed)
            self.assertEqual(sessions(look_back_days=500), listed | {old})
            # a day back: none of the others is that recent
            self.assertEqual(sessions(look_back_days=1), set())
            self.assertIn('unpaid', {i.kind for i in self.rows(
                        'therapy.leakage.item', look_back_days=1)})

    @with_transaction()
    def test_only_the_owner_and_the_biller_read_it(self):
        pool = Pool()
        with set_company(create_company()):
            p = self.build()
            self.session(p, 10)
            users = {name: create_user(name, [GROUP % name])
                for name in ['owner', 'biller', 'front_desk', 'accountant']}
            users['clinician'] = p.noa_user
            item_id = self.rows('therapy.leakage.item')[0].id
            row_id = self.rows('therapy.leakage')[0].id
            for name in ['owner', 'biller']:
                with as_user(users[name]):
                    for model, id_ in zip(MODELS, [row_id, item_id]):
                        Model = pool.get(model)
                        self.assertEqual(len(Model.search_read(
                                    [], fields_names=['amount'])), 1)
                        Model.read([id_], ['amount', 'kind'])
            for name in ['clinician', 'front_desk', 'accountant']:
                with as_user(users[name]):
                    for model, id_ in zip(MODELS, [row_id, item_id]):
                        Model = pool.get(model)
                        with self.subTest(user=name, model=model):
                            with self.assertRaises(AccessError):
                                Model.search_read([], fields_names=['amount'])
                            with self.assertRaises(AccessError):
                                Model.read([id_], ['amount'])

    @with_transaction()
    def test_client_balances_not_statemented(self):
        """Lee owes $90 charged 40 days ago and was never statemented:
        listed with the balance; Kim's $150 of 45 days ago went out on a
        statement since: not listed"""
        pool = Pool()
        Charge = pool.get('therapy.charge')
        Address = pool.get('party.address')
        Sent = pool.get('therapy.client.statement.sent')
        today = dt.date.today()

        def self_pay(client, days, amount):
            date = today - dt.timedelta(days=days)
            charge, = Charge.create([{
                        'company': p.company.id, 'client': client.id,
                        'kind': 'service', 'date': date,
                        'service': p.service.id, 'procedure_code': '90834',
                        'units': 1, 'unit_price': amount, 'amount': amount,
                        'responsibility': 'client',
                        'rendering': p.clinician.id}])
            with Transaction().set_context(billing_date=date,
                    _skip_warnings=True):
                Charge.bill_charges([charge])
        with set_company(create_company()):
            with Transaction().set_context(billing_date=today
                    - dt.timedelta(days=60), _skip_warnings=True):
                p = self.build()
            Address.create([{'party': p.lee.guarantor.id,
                        'street': "2 Oak St", 'city': "Salem"}])
            self.session(p, 50, client=p.lee, location=p.uptown,
                clinician=p.ada)
            self_pay(p.client, 45, D(150))
            self_pay(p.lee, 40, D(90))
            Sent.record([p.client], 'printed')
            items = [i for i in self.rows('therapy.leakage.item')
                if i.kind == 'unstatemented']
            self.assertEqual([(i.client, i.amount, i.date, str(i.record),
                        i.location, i.clinician) for i in items],
                [(p.lee, D(90), today - dt.timedelta(days=40),
                        f'therapy.client,{p.lee.id}', p.uptown, p.ada)])
            rows = [(r.count, r.amount) for r in self.rows('therapy.leakage')
                if r.kind == 'unstatemented']
            self.assertEqual(rows, [(1, D(90))])
            # 41 days of grace: Lee's balance is not late yet
            self.assertEqual([i for i in self.rows('therapy.leakage.item',
                        statement_days=41) if i.kind == 'unstatemented'], [])
            # Kim's new charge of today, with no grace: today's statement
            # is on its date, so it counts as statemented
            self_pay(p.client, 0, D(25))
            items = {i.client: i.amount for i in self.rows(
                    'therapy.leakage.item', statement_days=0)
                if i.kind == 'unstatemented'}
            self.assertEqual(items, {p.lee: D(90)})
