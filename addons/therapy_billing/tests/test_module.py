import datetime as dt
from decimal import Decimal

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


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


del ModuleTestCase
