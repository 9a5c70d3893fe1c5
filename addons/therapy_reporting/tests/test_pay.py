"""Clinician pay on a small practice where every figure is known: Noa (a
supervisor, paid per session and a share of collections by rules of her
own) and Ada (Noa's supervisee, paid by the practice's defaults: per
session and hourly); the rules' validation, and who reads which rows (the
attacker's side: a clinician reading another's row, writing a rule)."""
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_billing.tests.test_remittance import RemittanceCase, answer
from therapy_scheduling.tests.fixtures import (
    as_user, create_clinician, create_service, create_user, day_at)

D = Decimal
GROUP = 'therapy_scheduling.group_%s'
FIELDS = ['sessions', 'units', 'hours', 'no_shows', 'late_cancellations',
    'collections', 'session_pay', 'collections_pay', 'hourly_pay',
    'total_pay']


class PayTestCase(RemittanceCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_reporting')

    def build(self):
        """The remittance tests' practice (Noa, Kim covered by Harbor
        Health with a $25 copay, a ready $150 claim rendered by Noa), Ada
        supervised by Noa, their logins, the pay rules and the sessions"""
        pool = Pool()
        Employee = pool.get('company.employee')
        Location = pool.get('therapy.location')
        Rule = pool.get('therapy.pay.rule')
        today = dt.date.today()
        p = self.practice()
        Location.write([p.location], {'timezone': 'UTC'})
        p.ada = create_clinician("Ada Wu")
        Employee.write([p.ada], {'supervisor': p.clinician.id,
                'therapy_locations': [('add', [p.location.id])]})
        Employee.write([Employee(p.clinician.id)],
            {'therapy_locations': [('add', [p.location.id])]})
        p.aba = create_service('97153', "ABA treatment", 60,
            discipline='aba', timed=True)
        p.noa_user = create_user('noa',
            [GROUP % 'clinician', GROUP % 'supervisor'], p.clinician)
        p.ada_user = create_user('ada', [GROUP % 'clinician'], p.ada)
        p.owner = create_user('owner', [GROUP % 'owner'])
        start = today - dt.timedelta(days=365)
        p.rules = Rule.create([
                # Noa's own: $50 a session, 90837 $70, 97153 $10 a unit
                {'company': p.company.id, 'clinician': p.clinician.id,
                    'kind': 'session', 'amount': D(50),
                    'start_date': start,
                    'lines': [('create', [
                                {'procedure_code': '90837',
                                    'basis': 'session', 'amount': D(70)},
                                {'procedure_code': '97153',
                                    'basis': 'unit', 'amount': D(10)},
                                ])]},
                # and 40 % of what comes in on her sessions
                {'company': p.company.id, 'clinician': p.clinician.id,
                    'kind': 'collections', 'percentage': D(40),
                    'start_date': start},
                # the practice's defaults: $30 a session and $60 an hour
                {'company': p.company.id, 'kind': 'session',
                    'amount': D(30), 'start_date': start},
                {'company': p.company.id, 'kind': 'hourly',
                    'amount': D(60), 'start_date': start},
                ])
        return p

    def session(self, p, days, clinician, minutes, state='completed'):
        "A session days ago of minutes"
        Appointment = Pool().get('therapy.appointment')
        start = day_at(-days, 14)
        appointment, = Appointment.create([{
                    'clinician': clinician.id, 'location': p.location.id,
                    'service': p.service.id, 'client': p.client.id,
                    'start': start,
                    'end': start + dt.timedelta(minutes=minutes)}])
        if state == 'completed':
            Appointment.arrive([appointment])
            Appointment.complete([appointment])
        elif state == 'no_show':
            Appointment.no_show([appointment])
        elif state == 'late_cancel':
            Appointment.do_cancel([appointment], 'client', 'illness')
            Appointment.write([appointment], {'late_cancellation': True})
        return appointment

    def charge(self, p, appointment, code, units, amount=D(150),
            state=None):
        Charge = Pool().get('therapy.charge')
        charge, = Charge.create([{
                    'company': p.company.id, 'client': p.client.id,
                    'appointment': appointment.id, 'kind': 'service',
                    'date': appointment.start.date(),
                    'service': p.service.id, 'procedure_code': code,
                    'units': units, 'unit_price': amount, 'amount': amount,
                    'responsibility': 'payer', 'coverage': p.coverage.id,
                    'payer': p.payer.id, 'diagnosis_codes': 'F41.1',
                    'rendering': appointment.clinician.id}])
        if state == 'void':
            Charge.void([charge])
        return charge

    def desk_payment(self, p, appointment, amount):
        pool = Pool()
        Account = pool.get('account.account')
        Journal = pool.get('account.journal')
        Method = pool.get('account.invoice.payment.method')
        DeskPayment = pool.get('therapy.desk.payment')
        cash, = Account.search([('code', '=', '1.1.1'),
                ('company', '=', p.company.id)])
        journal, = Journal.search([('code', '=', 'CASH')])
        method, = Method.create([{
                    'name': "Cash", 'company': p.company.id,
                    'journal': journal.id, 'debit_account': cash.id,
                    'credit_account': cash.id}])
        return DeskPayment.take(appointment, amount, method, 'copay')

    def history(self, p):
        """Noa: 90837 (50 min, $70), 97153 x 4 units (60 min, $40),
        90834 (45 min, $50: her rule's amount), one with its charge voided
        (30 min, no code: $50), one before the period, a no-show and a
        late cancellation; $90 from Harbor on her claim and a $25 copay.
        Ada: one not charged yet (50 min: $30 + $50 an hour) and a 90834
        (45 min: $30 + $45)."""
        n1 = self.session(p, 10, p.clinician, 50)
        self.charge(p, n1, '90837', 1)
        n2 = self.session(p, 8, p.clinician, 60)
        self.charge(p, n2, '97153', 4, amount=D(80))
        n3 = self.session(p, 6, p.clinician, 45)
        self.charge(p, n3, '90834', 1)
        n4 = self.session(p, 3, p.clinician, 30)
        self.charge(p, n4, '90834', 1, state='void')
        old = self.session(p, 60, p.clinician, 50)
        self.charge(p, old, '90837', 1)
        self.session(p, 5, p.clinician, 50, state='no_show')
        self.session(p, -2, p.clinician, 50, state='late_cancel')
        self.session(p, 9, p.ada, 50)
        a2 = self.session(p, 7, p.ada, 45)
        self.charge(p, a2, '90834', 1)
        # Harbor pays $90 of Noa's claim (charge without a session,
        # rendered by Noa), today
        self.post(self.remittance(p, 'EFT4', [answer(p.claim.number,
                        paid=D(90), adjustments=[('CO', '45', D(35)),
                            ('PR', '3', D(25))])]))
        self.desk_payment(p, n1, D(25))
        return {'n1': n1, 'a2': a2}

    def period(self):
        today = dt.date.today()
        return {'from_date': today - dt.timedelta(days=30),
            'to_date': today + dt.timedelta(days=5)}

    def rows(self, name='therapy.pay', **context):
        Model = Pool().get(name)
        with Transaction().set_context(**self.period(), **context):
            return Model.search([])

    def figures(self, row):
        return tuple(getattr(row, f) for f in FIELDS)

    # --- the figures ------------------------------------------------------
    @with_transaction()
    def test_every_figure_of_the_period(self):
        with set_company(create_company()):
            p = self.build()
            self.history(p)
            rows = {r.clinician: r for r in self.rows()}
            self.assertEqual(set(rows), {p.clinician, p.ada})
            noa, ada = rows[p.clinician], rows[p.ada]
            # 4 kept: 1 + 4 + 1 units (the voided charge counts none);
            # 50 + 60 + 45 + 30 = 185 minutes; $90 + $25 collected, 40 %
            self.assertEqual(self.figures(noa), (4, 6, D('3.08'), 1, 1,
                    D(115), D(70 + 40 + 50 + 50), D(46), D(0), D(256)))
            # 95 minutes at $60 an hour: $95
            self.assertEqual(self.figures(ada), (2, 1, D('1.58'), 0, 0,
                    D(0), D(60), D(0), D(95), D(155)))
            self.assertEqual((noa.supervisor, ada.supervisor),
                (None, p.clinician))
            self.assertEqual(noa.id, p.clinician.id)

    @with_transaction()
    def test_lines_and_filters(self):
        with set_company(create_company()):
            p = self.build()
            made = self.history(p)
            lines = self.rows('therapy.pay.line', clinician=p.ada.id)
            self.assertEqual(
                [(l.date, l.procedure_code, l.units, l.minutes,
                        l.session_pay, l.hourly_pay, l.amount)
                    for l in lines], [
                    (dt.date.today() - dt.timedelta(days=9), None, 0, 50,
                        D(30), D(50), D(80)),
                    (made['a2'].start.date(), '90834', 1, 45,
                        D(30), D(45), D(75)),
                    ])
            rows = self.rows(clinician=p.ada.id)
            self.assertEqual([r.clinician for r in rows], [p.ada])
            # a period before anything happened: nothing
            today = dt.date.today()
            Pay = Pool().get('therapy.pay')
            with Transaction().set_context(
                    from_date=today - dt.timedelta(days=400),
                    to_date=today - dt.timedelta(days=300)):
                self.assertEqual(Pay.search([]), [])

    @with_transaction()
    def test_rules_in_effect_on_the_day(self):
        "A rule ended before a session does not pay it; the next does"
        pool = Pool()
        Rule = pool.get('therapy.pay.rule')
        with set_company(create_company()):
            p = self.build()
            today = dt.date.today()
            hourly = p.rules[3]
            Rule.write([hourly], {'end_date': today - dt.timedelta(days=8)})
            Rule.create([{'company': p.company.id, 'kind': 'hourly',
                        'amount': D(120),
                        'start_date': today - dt.timedelta(days=7)}])
            self.session(p, 9, p.ada, 50)     # $60/h: $50
            self.session(p, 7, p.ada, 45)     # $120/h: $90
            row, = self.rows()
            self.assertEqual((row.hourly_pay, row.session_pay,
                    row.total_pay), (D(140), D(60), D(200)))

    @with_transaction()
    def test_default_period_is_the_previous_month(self):
        Context = Pool().get('therapy.pay.context')
        today = dt.date.today()
        last = today.replace(day=1) - dt.timedelta(days=1)
        self.assertEqual(
            (Context.default_from_date(), Context.default_to_date()),
            (last.replace(day=1), last))

    # --- the rules' validation -------------------------------------------
    @with_transaction()
    def test_rule_validation(self):
        pool = Pool()
        Rule = pool.get('therapy.pay.rule')
        Line = pool.get('therapy.pay.rule.line')
        with set_company(create_company()):
            p = self.build()
            start = dt.date.today()
            cases = [
                ({'kind': 'collections', 'percentage': D(101)},
                    'percentage of collections from 0 to 100'),
                ({'kind': 'collections', 'percentage': D(-1),
                        'clinician': p.ada.id},
                    'percentage of collections from 0 to 100'),
                ({'kind': 'hourly', 'amount': D(-5),
                        'clinician': p.ada.id},
                    'amount of 0 or more'),
                # the practice already has a session rule in effect
                ({'kind': 'session', 'amount': D(10)},
                    'meets in time another rule'),
                ]
            for values, message in cases:
                with self.subTest(values=values):
                    with self.assertRaises(UserError) as cm:
                        Rule.create([{'company': p.company.id,
                                    'start_date': start, **values}])
                    self.assertIn(message, cm.exception.message)
            with self.assertRaises(UserError) as cm:
                Line.create([{'rule': p.rules[0].id,
                            'procedure_code': '90837', 'amount': D(1)}])
            self.assertIn('has procedure code 90837 twice',
                cm.exception.message)
            with self.assertRaises(UserError) as cm:
                Line.create([{'rule': p.rules[0].id,
                            'procedure_code': '90791', 'amount': D(-1)}])
            self.assertIn('is negative', cm.exception.message)
            # another clinician's, or one ended the day before, is fine
            # (the refused rows above stay in this transaction)
            Rule.create([
                    {'company': p.company.id, 'clinician': p.ada.id,
                        'kind': 'session', 'amount': D(10),
                        'start_date': start},
                    {'company': p.company.id, 'kind': 'collections',
                        'percentage': D(0),
                        'start_date': start - dt.timedelta(days=10),
                        'end_date': start - dt.timedelta(days=1)},
                    ])

    # --- who reads what ---------------------------------------------------
    @with_transaction()
    def test_who_reads_which_rows(self):
        pool = Pool()
        Pay = pool.get('therapy.pay')
        Line = pool.get('therapy.pay.line')
        Rule = pool.get('therapy.pay.rule')
        with set_company(create_company()):
            p = self.build()
            self.history(p)
            desk = create_user('desk', [GROUP % 'front_desk'])
            biller = create_user('biller', [GROUP % 'biller'])
            period = self.period()
            fields = ['clinician', 'total_pay']

            def read(user, Model=Pay):
                with as_user(user), \
                        Transaction().set_context(**period):
                    return {r.clinician for r in Model.search([])}
            self.assertEqual(read(p.owner), {p.clinician, p.ada})
            # the supervisor: hers and her supervisee's
            self.assertEqual(read(p.noa_user), {p.clinician, p.ada})
            self.assertEqual(read(p.noa_user, Line), {p.clinician, p.ada})
            # the supervisee: her own only
            self.assertEqual(read(p.ada_user), {p.ada})
            self.assertEqual(read(p.ada_user, Line), {p.ada})
            with as_user(p.ada_user), \
                    Transaction().set_context(**period):
                self.assertEqual(Pay.search_read(
                        [('clinician', '=', p.clinician.id)],
                        fields_names=fields), [])
                with self.assertRaises(AccessError):
                    Pay.read([p.clinician.id], fields)
                # her export: her row only
                rows = Pay.export_data(Pay.search([]),
                    ['clinician/rec_name', 'total_pay'])
                self.assertEqual(rows, [["Ada Wu", D(155)]])
                # the rules: hers (none) and the practice's, never written
                self.assertEqual({r.clinician for r in Rule.search([])},
                    {None})
                with self.assertRaises(AccessError):
                    Rule.write([Rule(p.rules[2].id)], {'amount': D(500)})
                with self.assertRaises(AccessError):
                    Rule.create([{'company': p.company.id,
                                'clinician': p.ada.id, 'kind': 'hourly',
                                'amount': D(500),
                                'start_date': dt.date.today()}])
            with as_user(p.noa_user):
                self.assertEqual(
                    {r.clinician for r in Rule.search([])},
                    {p.clinician, None})
            for user in [desk, biller]:
                with self.subTest(user=user.login):
                    with as_user(user), \
                            Transaction().set_context(**period):
                        for Model in [Pay, Line, Rule]:
                            with self.assertRaises(AccessError):
                                Model.search([])
            # the owner exports every row
            with as_user(p.owner), \
                    Transaction().set_context(**period):
                rows = Pay.export_data(Pay.search([]),
                    ['clinician/rec_name', 'sessions', 'total_pay'])
                self.assertEqual(sorted(rows), [
                        ["Ada Wu", 2, D(155)], ["Noa Lind", 4, D(256)]])
