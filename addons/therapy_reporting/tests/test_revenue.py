"""Revenue on a small practice where every figure is known: two
clinicians, two payers and a self-pay client over two months; a claim
paid with a contract write-off and a patient share the client pays part
of, a claim replaced (7) and resubmitted then paid, a self-pay session
paid in full, and an unbilled charge of a second payer. Each row checked
to the cent, then the reimbursement per code and payer against the fee
schedule, the filters, and who may read the pages (the clinician may
not)."""
import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_billing.tests.test_remittance import RemittanceCase, answer
from therapy_reporting.revenue import month_start
from therapy_scheduling.tests.fixtures import (
    as_user, create_client, create_clinician, create_location, create_user,
    day_at)

D = Decimal
MODELS = ['therapy.revenue', 'therapy.revenue.month',
    'therapy.revenue.reimbursement']
GROUP = 'therapy_scheduling.group_%s'
FIELDS = ['sessions', 'units', 'charges', 'payer_paid', 'contractual',
    'write_offs', 'patient_responsibility', 'patient_collected',
    'collected', 'collection_rate']


class RevenueTestCase(RemittanceCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_reporting')

    def build(self):
        """The remittance tests' practice (Noa; Kim covered by Harbor; a
        ready $150 claim of 3 days ago) with Ada, Blue Cross, Lee who pays
        herself, the fee schedule and a cash method"""
        pool = Pool()
        Fee = pool.get('therapy.fee')
        Party = pool.get('party.party')
        Payer = pool.get('therapy.payer')
        Account = pool.get('account.account')
        Journal = pool.get('account.journal')
        Method = pool.get('account.invoice.payment.method')
        Address = pool.get('party.address')
        Location = pool.get('therapy.location')
        Employee = pool.get('company.employee')
        today = dt.date.today()
        p = self.practice()
        p.ada = create_clinician("Ada Wu", npi='1245319599')
        p.uptown = create_location("Uptown", timezone='UTC')
        Location.write([p.location], {'timezone': 'UTC'})
        Employee.write([p.ada], {'therapy_locations': [
                    ('add', [p.location.id, p.uptown.id])]})
        p.lee = create_client("Lee Self")
        Address.create([{'party': p.lee.guarantor.id,
                    'street': "2 Elm St", 'city': "Salem"}])
        party, = Party.create([{'name': "Blue Cross",
                    'addresses': [('create', [{}])]}])
        p.blue, = Payer.create([{'party': party.id}])
        start = today - dt.timedelta(days=200)
        Fee.create([
                {'company': p.company.id, 'service': p.service.id,
                    'amount': D(150), 'start_date': start},
                {'company': p.company.id, 'service': p.service.id,
                    'payer': p.payer.id, 'amount': D(110),
                    'start_date': start},
                ])
        cash, = Account.search([
                ('code', '=', '1.1.1'), ('company', '=', p.company.id)])
        journal, = Journal.search([('code', '=', 'CASH')])
        p.cash, = Method.create([{
                    'name': "Cash", 'company': p.company.id,
                    'journal': journal.id, 'debit_account': cash.id,
                    'credit_account': cash.id}])
        return p

    def charge(self, p, days, amount, clinician=None, client=None,
            payer=None, self_pay=False, location=None):
        """A charge of days ago for the practice's service (90834); with
        a location, of a session held there"""
        Charge = Pool().get('therapy.charge')
        appointment = None
        if location:
            home, p.location = p.location, location
            try:
                # left scheduled: completing it would charge it itself
                appointment = p.book(day_at(-days, 14),
                    client or p.client, clinician or p.clinician)
            finally:
                p.location = home
        charge, = Charge.create([{
                    'appointment': appointment.id if appointment else None,
                    'company': p.company.id,
                    'client': (client or p.client).id,
                    'kind': 'service',
                    'date': dt.date.today() - dt.timedelta(days=days),
                    'service': p.service.id, 'procedure_code': '90834',
                    'units': 1, 'unit_price': amount, 'amount': amount,
                    'responsibility': 'client' if self_pay else 'payer',
                    'coverage': None if self_pay or payer else p.coverage.id,
                    'payer': None if self_pay else (payer or p.payer).id,
                    'diagnosis_codes': 'F41.1',
                    'rendering': (clinician or p.clinician).id}])
        return charge

    def pay(self, p, invoice, amount):
        "The guarantor pays amount of invoice in cash"
        Invoice = Pool().get('account.invoice')
        invoice.pay_invoice(amount, p.cash, dt.date.today())
        Invoice(invoice.id).settle()

    def history(self, p):
        """The practice's work and money; returns the charges (now: Kim's
        claim, Lee's session; before: the replaced claim's, Blue Cross')"""
        pool = Pool()
        Charge = pool.get('therapy.charge')
        Claim = pool.get('therapy.claim')
        Invoice = pool.get('account.invoice')
        # Kim's claim: $90 paid, CO-45 $35, PR-3 $25 billed to the
        # guarantor, who pays $10 of it
        line = self.line(p)
        self.post(self.remittance(p, 'EFT1', [answer(p.claim.number,
                        paid=D(90), allowed=D(115),
                        control_number=line.control_number,
                        adjustments=[('CO', '45', D(35)),
                            ('PR', '3', D(25))])]))
        share, = Invoice.search([('party', '=', p.client.guarantor.id),
                ('state', '=', 'posted')])
        self.assertEqual(share.total_amount, D(25))
        self.pay(p, share, D(10))
        # replaced after its payment (a modifier fixed): the correction
        # takes the posted invoice over and copies the line's roll-ups,
        # which must not count the $90 twice
        Claim.submit([p.claim])
        Claim.accept([p.claim])
        Claim.replace([p.claim])
        fixed, = Claim.search([('original_claim', '=', p.claim.id)])
        Claim.ready([fixed])
        self.assertEqual(Claim(fixed.id).lines[0].paid, D(90))
        # 40 days ago: a claim denied for missing information (CO-16),
        # corrected by a replacement (7) that is resubmitted, then paid
        # $100 with CO-45 $50
        replaced = self.charge(p, 40, D(150))
        (original,), _ = Charge.bill_charges([replaced])
        Claim.ready([original])
        Claim.submit([original])
        Claim.accept([original])
        self.post(self.remittance(p, 'EFT2', [answer(original.number,
                        status='4', payer_claim_number='PCN2',
                        control_number=original.lines[0].control_number,
                        adjustments=[('CO', '16', D(150))])],
                payment=D(0)))
        Claim.replace([Claim(original.id)])
        correction, = Claim.search([('original_claim', '=', original.id)])
        Claim.ready([correction])
        Claim.submit([correction])
        self.assertEqual(Claim(original.id).state, 'replaced')
        correction = Claim(correction.id)
        self.post(self.remittance(p, 'EFT3', [answer(correction.number,
                        paid=D(100), allowed=D(100), payer_claim_number='PCN2',
                        control_number=correction.lines[0].control_number,
                        adjustments=[('CO', '45', D(50))])]))
        # Lee pays herself: a $120 session with Ada, paid in full
        self_pay = self.charge(p, 3, D(120), clinician=p.ada, client=p.lee,
            self_pay=True, location=p.location)
        _, (invoice,) = Charge.bill_charges([self_pay])
        self.pay(p, invoice, D(120))
        # Blue Cross: a $200 charge of Ada's 40 days ago, not billed yet,
        # and a voided one that never counts
        blue = self.charge(p, 40, D(200), clinician=p.ada, payer=p.blue,
            location=p.uptown)
        void = self.charge(p, 40, D(999), clinician=p.ada, payer=p.blue)
        Charge.void([void])
        return p.charge, self_pay, replaced, blue

    def rows(self, name, **context):
        Model = Pool().get(name)
        company = Transaction().context['company']
        today = dt.date.today()
        context.setdefault('from_date', today - dt.timedelta(days=60))
        context.setdefault('to_date', today)
        with Transaction().set_context(**context):
            return Model.search([('company', '=', company)])

    def figures(self, **context):
        return {(r.month, r.clinician, r.procedure_code, r.service,
                r.payer, r.location): tuple(getattr(r, f) for f in FIELDS)
            for r in self.rows('therapy.revenue', **context)}

    @with_transaction()
    def test_every_row_to_the_cent(self):
        with set_company(create_company()):
            p = self.build()
            kim, lee, replaced, blue = self.history(p)
            now, before = month_start(kim.date), month_start(replaced.date)
            noa, ada, s = p.clinician, p.ada, p.service
            self.assertEqual(self.figures(), {
                    # (sessions, units, charges, payer paid, contractual,
                    # write-offs, patient responsibility, patient
                    # collected, collected, collection %)
                    # 100 / (150 - 35)
                    (now, noa, '90834', s, p.payer, None):
                        (0, 1, D(150), D(90), D(35), D(0), D(25), D(10),
                            D(100), 87.0),
                    (now, ada, '90834', s, None, p.location):
                        (1, 1, D(120), D(0), D(0), D(0), D(120), D(120),
                            D(120), 100.0),
                    # the replaced claim's charge and payment, once
                    (before, noa, '90834', s, p.payer, None):
                        (0, 1, D(150), D(100), D(50), D(0), D(0), D(0),
                            D(100), 100.0),
                    (before, ada, '90834', s, p.blue, p.uptown):
                        (1, 1, D(200), D(0), D(0), D(0), D(0), D(0),
                            D(0), 0.0),
                    })
            reimbursement = [(r.procedure_code, r.payer, r.lines, r.allowed,
                    r.paid, r.practice_charge, r.expected, r.difference)
                for r in self.rows('therapy.revenue.reimbursement')]
            # Harbor paid two charges: $90 and $100 against $110 contracted
            self.assertEqual(reimbursement, [('90834', p.payer, 2,
                        D('107.50'), D('95.00'), D(150), D(110),
                        D('-15.00'))])
            self.assertEqual(self.rows('therapy.revenue')[0].currency,
                p.company.currency)
            # the home's graph: a row a month, the sums of that month's rows
            months = {r.month: (r.sessions, r.charges, r.payer_paid,
                    r.patient_collected, r.collected, r.collection_rate)
                for r in self.rows('therapy.revenue.month')}
            self.assertEqual(months, {
                    # 210 / (270 - 35)
                    now: (1, D(270), D(90), D(130), D(220), 93.6),
                    before: (1, D(350), D(100), D(0), D(100), 33.3),
                    })

    @with_transaction()
    def test_filters(self):
        with set_company(create_company()):
            p = self.build()
            kim, lee, replaced, blue = self.history(p)
            ada = self.rows('therapy.revenue', clinician=p.ada.id)
            self.assertEqual(sorted(r.charges for r in ada),
                [D(120), D(200)])
            harbor = self.rows('therapy.revenue', payer=p.payer.id)
            self.assertEqual(sum(r.payer_paid for r in harbor), D(190))
            main, = self.rows('therapy.revenue', location=p.location.id)
            self.assertEqual((main.charges, main.patient_collected),
                (D(120), D(120)))
            uptown, = self.rows('therapy.revenue', location=p.uptown.id)
            self.assertEqual(uptown.charges, D(200))
            # the month rows read the same context
            self.assertEqual(sorted(r.charges for r in self.rows(
                        'therapy.revenue.month', clinician=p.ada.id)),
                [D(120), D(200)])
            self.assertEqual(self.rows('therapy.revenue.reimbursement',
                    payer=p.blue.id), [])
            # a period before everything: nothing
            old = dt.date.today() - dt.timedelta(days=150)
            self.assertEqual(self.rows('therapy.revenue', from_date=old,
                    to_date=old + dt.timedelta(days=10)), [])

    @with_transaction()
    def test_only_the_owner_and_the_biller_read_it(self):
        pool = Pool()
        with set_company(create_company()):
            p = self.build()
            self.history(p)
            users = {name: create_user(name, [GROUP % name])
                for name in ['owner', 'biller', 'front_desk',
                    'supervisor', 'clinician', 'accountant']}
            for name in ['owner', 'biller']:
                with as_user(users[name]):
                    for model in MODELS:
                        self.assertTrue(pool.get(model).search_read(
                                [], fields_names=['currency']))
            for name in ['clinician', 'front_desk', 'supervisor',
                    'accountant']:
                with as_user(users[name]):
                    for model in MODELS:
                        with self.subTest(user=name, model=model):
                            with self.assertRaises(AccessError):
                                pool.get(model).search_read(
                                    [], fields_names=['currency'])
