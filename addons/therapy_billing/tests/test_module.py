import datetime as dt
from decimal import Decimal

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond import backend
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class TherapyBillingTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Therapy Billing module"
    module = 'therapy_billing'

    @with_transaction()
    def test_service_charge_from_product(self):
        "A service's charge is its product's price; without one it is flagged"
        pool = Pool()
        Service = pool.get('therapy.service')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', 'Unit')])
        company = create_company()
        with set_company(company):
            template, = Template.create([{
                        'name': "Psychotherapy 53+ min", 'type': 'service',
                        'default_uom': unit.id,
                        'list_price': Decimal('180'),
                        'products': [('create', [{}])],
                        }])
            billed, unbilled = Service.create([{
                        'name': "Psychotherapy 60", 'code': '90837',
                        'duration': dt.timedelta(minutes=53),
                        'discipline': 'mental_health',
                        'product': template.products[0].id,
                        }, {
                        'name': "Speech treatment", 'code': '92507',
                        'duration': dt.timedelta(minutes=45),
                        'discipline': 'speech',
                        }])
            self.assertEqual(billed.list_price, Decimal('180'))
            self.assertEqual(billed.currency, company.currency)
            self.assertIsNone(unbilled.list_price)
            self.assertEqual(
                Service.search([('billable', '=', False)]), [unbilled])

    @with_transaction()
    def test_coverage_client_indexed(self):
        "A client's coverages are found through an index (PostgreSQL)"
        if backend.name != 'postgresql':
            self.skipTest("Tryton makes no indexes on SQLite")
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT indexdef FROM pg_indexes '
            'WHERE tablename = %s', ('therapy_coverage',))
        self.assertTrue(any('(client)' in d for d, in cursor))

    @with_transaction()
    def test_guarantors(self):
        """Who pays a client's share: the first guardian marked guarantor,
        else a minor's first guardian who can consent, else the client; the
        field and the rows agree for many clients at once"""
        pool = Pool()
        Party = pool.get('party.party')
        Client = pool.get('therapy.client')
        company = create_company()
        today = dt.date.today()
        with set_company(company):
            parties = Party.create([{'name': n} for n in [
                        'Kid', 'Aunt', 'Mom', 'Dad', 'Adult', 'Payer Son',
                        'Teen', 'Grandma', 'Grown', 'Mentor']])
            (kid, aunt, mom, dad, adult, son, teen, grandma, grown,
                mentor) = parties
            clients = Client.create([{
                        # a minor: the first who can consent (Aunt cannot)
                        'party': kid.id,
                        'birth_date': today.replace(year=today.year - 7),
                        'guardians': [('create', [
                                    {'party': aunt.id,
                                        'legal_guardian': False},
                                    {'party': mom.id},
                                    {'party': dad.id}])],
                        }, {
                        # an adult whose son pays: the guarantor
                        'party': adult.id,
                        'birth_date': today.replace(year=today.year - 80),
                        'guardians': [('create', [
                                    {'party': son.id, 'guarantor': True,
                                        'legal_guardian': False}])],
                        }, {
                        # a minor with two guarantors: the first in order
                        # (sequence), not the first created
                        'party': teen.id,
                        'birth_date': today.replace(year=today.year - 15),
                        'guardians': [('create', [
                                    {'party': dad.id, 'sequence': 2,
                                        'guarantor': True},
                                    {'party': grandma.id, 'sequence': 1,
                                        'guarantor': True},
                                    {'party': mom.id}])],
                        }, {
                        # an adult who can be consented for pays himself
                        'party': grown.id,
                        'guardians': [('create', [{'party': mentor.id}])],
                        }])
            expected = [mom, son, grandma, grown]
            self.assertEqual(
                [c.guarantor for c in Client.browse(clients)], expected)
            self.assertEqual(Client.guarantors([c.id for c in clients]),
                {c.id: p.id for c, p in zip(clients, expected)})
            # a client read alone answers the same
            self.assertEqual(Client(clients[2].id).guarantor, grandma)
            self.assertEqual(Client.guarantors([]), {})


del ModuleTestCase
