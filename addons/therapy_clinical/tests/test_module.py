import datetime as dt

from trytond.model.exceptions import ValidationError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

from therapy_scheduling.tests.fixtures import create_clinician


class TherapyClinicalTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Therapy Clinical module"
    module = 'therapy_clinical'

    # The structural check of every wizard, as root: ours are granted to
    # the clinical groups only (the administrator is not a clinician), and
    # who may run them is tested in test_clinical.py and the browser.
    test_wizards = with_transaction(user=0)(
        ModuleTestCase.test_wizards.__wrapped__)

    @with_transaction()
    def test_cosign_needs_supervisor(self):
        company = create_company()
        with set_company(company):
            with self.assertRaisesRegex(ValidationError, 'supervisor'):
                create_clinician("Intern", cosign_required=True)
            boss = create_clinician("Boss")
            intern = create_clinician(
                "Intern", supervisor=boss, cosign_required=True)
            self.assertTrue(intern.cosign_required)

    @with_transaction()
    def test_license_expiring(self):
        "Licenses expiring within 90 days are found, expired ones included"
        Employee = Pool().get('company.employee')
        today = dt.date.today()
        company = create_company()
        with set_company(company):
            soon = create_clinician(
                "Soon", license_expiry=today + dt.timedelta(days=30))
            gone = create_clinician(
                "Gone", license_expiry=today - dt.timedelta(days=1))
            later = create_clinician(
                "Later", license_expiry=today + dt.timedelta(days=400))
            unknown = create_clinician("Unknown")
            self.assertEqual(
                set(Employee.search([('license_expiring', '=', True)])),
                {soon, gone})
            self.assertEqual(
                set(Employee.search([('license_expiring', '=', False)])),
                {later, unknown})
            self.assertTrue(gone.license_expired)
            self.assertFalse(soon.license_expired)


del ModuleTestCase
