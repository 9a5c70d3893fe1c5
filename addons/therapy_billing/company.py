from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import ValidationError
from trytond.pool import PoolMeta

from therapy_scheduling.identifiers import is_valid_npi


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'

    billing_npi = fields.Char(
        "Billing NPI", size=10,
        help="The practice's organization (type 2) NPI: the billing "
        "provider on claims and superbills. Its tax ID is the party's "
        "U.S. EIN identifier.")

    @classmethod
    def validate_fields(cls, companies, field_names):
        super().validate_fields(companies, field_names)
        if field_names and 'billing_npi' not in field_names:
            return
        for company in companies:
            if company.billing_npi and not is_valid_npi(company.billing_npi):
                raise ValidationError(gettext(
                        'therapy_billing.msg_company_npi_invalid',
                        npi=company.billing_npi))
