from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class ReportingTestCase(CompanyTestMixin, ModuleTestCase):
    "The reporting module's structure: views, access, buttons"
    module = 'therapy_reporting'


del ModuleTestCase
