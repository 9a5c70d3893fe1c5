"""The owner's numbers from the records they summarise: a week of visits,
its charges and the money received, and receivables aged and split between
insurance and clients."""
import datetime as dt
import unittest
from decimal import Decimal

from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from therapy_scheduling.tests.fixtures import (
    create_client, create_clinician, create_location, create_service)
from therapy_scheduling.report_sql import week_starts


class KPITestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('therapy_reporting')

    def test_week_starts_are_mondays_ending_this_week(self):
        weeks = week_starts(dt.date(2026, 12, 3), 3)
        self.assertEqual(weeks, [dt.date(2026, 11, 16),
                dt.date(2026, 11, 23), dt.date(2026, 11, 30)])

    @with_transaction()
    def test_week_counts_visits_charges_and_money(self):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Charge = pool.get('therapy.charge')
        Week = pool.get('therapy.kpi.week')
        company = create_company()
        with set_company(company):
            create_chart(company)
            accounts = self.accounts(company)
            location = create_location()
            service = create_service()
            clinician = create_clinician("Dana Cruz")
            clients = [create_client(f"Client {i}") for i in range(5)]
            today = dt.date.today()
            monday = today - dt.timedelta(days=today.weekday())
            # Monday to Friday of this week, one client a day
            appointments = Appointment.create([{
                        'client': c.id, 'clinician': clinician.id,
                        'location': location.id, 'service': service.id,
                        'start': dt.datetime.combine(
                            monday + dt.timedelta(days=i), dt.time(15)),
                        'end': dt.datetime.combine(
                            monday + dt.timedelta(days=i), dt.time(16)),
                        } for i, c in enumerate(clients)])
            kept, missed, late, moved, early = appointments
            Appointment.arrive([kept])
            Appointment.complete([kept])
            Appointment.no_show([missed])
            Appointment.do_cancel([late], 'client', 'illness')
            Appointment.write([late], {'late_cancellation': True})
            Appointment.do_cancel([moved], 'client', 'rescheduled')
            Appointment.do_cancel([early], 'practice', 'clinician')
            Appointment.write([early], {'late_cancellation': False})
            Charge.create([{
                        'company': company.id, 'client': clients[0].id,
                        'appointment': kept.id, 'kind': 'service',
                        'date': kept.start.date(), 'units': 1,
                        'unit_price': Decimal(140), 'amount': Decimal(140),
                        'responsibility': 'client',
                        }, {
                        'company': company.id, 'client': clients[1].id,
                        'appointment': missed.id, 'kind': 'no_show',
                        'date': missed.start.date(), 'units': 1,
                        'unit_price': Decimal(50), 'amount': Decimal(50),
                        'responsibility': 'client', 'state': 'void',
                        }])
            # 30.00 taken at the desk, 5.00 given back
            self.post(company, accounts['cash'], accounts['receivable'],
                clients[0].party, Decimal(30), journal='CASH')
            self.post(company, accounts['receivable'], accounts['cash'],
                clients[0].party, Decimal(5), journal='CASH')
            # a revenue move is not money
            self.post(company, accounts['receivable'], accounts['revenue'],
                clients[0].party, Decimal(140), journal='REV')

            with self.context(weeks=2):
                last, this = Week.search([])
            self.assertEqual(this.week, monday)
            self.assertEqual(
                (this.kept, this.no_shows, this.late_cancellations,
                    this.cancellations), (1, 1, 1, 2))
            self.assertEqual(this.no_show_rate, 25.0)
            self.assertEqual(this.late_cancel_rate, 25.0)
            self.assertEqual(this.charged, Decimal(140))
            self.assertEqual(this.collected, Decimal(25))
            self.assertEqual((last.kept, last.charged, last.collected),
                (0, 0, 0))

    @with_transaction()
    def test_receivables_insurance_apart_by_age(self):
        pool = Pool()
        Party = pool.get('party.party')
        Payer = pool.get('therapy.payer')
        Aging = pool.get('therapy.receivable.aging')
        company = create_company()
        with set_company(company):
            create_chart(company)
            accounts = self.accounts(company)
            plan, = Party.create([{'name': "Acme Health Plan"}])
            Payer.create([{'party': plan.id}])
            client = create_client("Robin Vale")
            today = dt.date.today()
            self.post(company, accounts['receivable'], accounts['revenue'],
                plan, Decimal(100), journal='REV',
                maturity=today - dt.timedelta(days=100))
            self.post(company, accounts['receivable'], accounts['revenue'],
                plan, Decimal(40), journal='REV',
                maturity=today - dt.timedelta(days=45))
            self.post(company, accounts['receivable'], accounts['revenue'],
                client.party, Decimal(50), journal='REV')
            self.post(company, accounts['cash'], accounts['receivable'],
                client.party, Decimal(20), journal='CASH')
            insurance, patient = Aging.search([])
        self.assertEqual(insurance.kind, 'insurance')
        self.assertEqual(
            (insurance.current, insurance.days_31_60, insurance.days_61_90,
                insurance.over_90, insurance.total),
            (0, Decimal(40), 0, Decimal(100), Decimal(140)))
        self.assertEqual(patient.kind, 'patient')
        self.assertEqual((patient.current, patient.total),
            (Decimal(30), Decimal(30)))

    def context(self, **values):
        return Transaction().set_context(**values)

    def accounts(self, company):
        pool = Pool()
        Account = pool.get('account.account')
        Method = pool.get('account.invoice.payment.method')
        Journal = pool.get('account.journal')
        get_fiscalyear(company).save()
        pool.get('account.fiscalyear').create_period(
            pool.get('account.fiscalyear').search([]))

        def find(**flags):
            return Account.search([
                    *((f'type.{k}', '=', v) for k, v in flags.items()),
                    ('company', '=', company.id), ('childs', '=', None),
                    ('closed', '!=', True)],
                order=[('code', 'ASC')], limit=1)[0]
        cash, = Account.search([
                ('code', '=', '1.1.1'), ('company', '=', company.id)])
        journal, = Journal.search([('code', '=', 'CASH')])
        Method.create([{
                    'name': "Cash", 'company': company.id,
                    'journal': journal.id, 'debit_account': cash.id,
                    'credit_account': cash.id}])
        return {
            'cash': cash,
            'receivable': find(receivable=True),
            'revenue': find(revenue=True),
            }

    def post(self, company, debit, credit, party, amount, journal,
            maturity=None):
        pool = Pool()
        Move = pool.get('account.move')
        Journal = pool.get('account.journal')
        Period = pool.get('account.period')
        today = dt.date.today()
        journal, = Journal.search([('code', '=', journal)])
        move, = Move.create([{
                    'company': company.id, 'journal': journal.id,
                    'period': Period.find(company, date=today),
                    'date': today,
                    'lines': [('create', [{
                                    'account': debit.id, 'debit': amount,
                                    'credit': 0,
                                    'party': party.id
                                    if debit.party_required else None,
                                    'maturity_date': maturity
                                    if debit.type.receivable else None,
                                    }, {
                                    'account': credit.id, 'credit': amount,
                                    'debit': 0,
                                    'party': party.id
                                    if credit.party_required else None,
                                    }])],
                    }])
        Move.post([move])
        return move
