from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import ValidationError
from trytond.pool import PoolMeta

from therapy_scheduling.identifiers import is_valid_taxonomy


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'

    billing_taxonomy = fields.Char(
        "Billing Taxonomy", size=10,
        help="The practice's NUCC taxonomy code (PRV*BI of the 837P), "
        "e.g. 101YM0800X for mental health counselors, 261QM0801X for a "
        "mental health clinic.")

    @classmethod
    def validate_fields(cls, companies, field_names):
        super().validate_fields(companies, field_names)
        if field_names and 'billing_taxonomy' not in field_names:
            return
        for company in companies:
            if (company.billing_taxonomy
                    and not is_valid_taxonomy(company.billing_taxonomy)):
                raise ValidationError(gettext(
                        'therapy_edi.msg_company_taxonomy_invalid',
                        taxonomy=company.billing_taxonomy))
