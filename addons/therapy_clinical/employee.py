import datetime as dt

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval

from therapy_scheduling.exceptions import ClinicianValidationError

LICENSE_WARNING_DAYS = 90


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    cosign_required = fields.Boolean(
        "Co-signature Required",
        states={'invisible': ~Eval('supervisor')},
        help="The clinician's notes wait for the supervisor's co-signature "
        "(pre-licensed clinicians, students, assistants).")
    license_expiring = fields.Function(
        fields.Boolean("License Expiring"), 'get_license_expiring',
        searcher='search_license_expiring')

    @classmethod
    def default_cosign_required(cls):
        return False

    @classmethod
    def _access_fields(cls):
        # co-signature decides whether a supervisor must attest the notes
        return super()._access_fields() + ['cosign_required']

    def get_license_expiring(self, name):
        return bool(self.license_expiry
            and self.license_expiry <= dt.date.today()
            + dt.timedelta(days=LICENSE_WARNING_DAYS))

    @classmethod
    def search_license_expiring(cls, name, clause):
        _, operator, value = clause
        limit = dt.date.today() + dt.timedelta(days=LICENSE_WARNING_DAYS)
        if (operator == '=') == bool(value):
            return [('license_expiry', '<=', limit)]
        return ['OR',
            ('license_expiry', '>', limit),
            ('license_expiry', '=', None),
            ]

    @classmethod
    def validate_fields(cls, employees, field_names):
        super().validate_fields(employees, field_names)
        if field_names and not (field_names & {'cosign_required', 'supervisor'}):
            return
        for employee in employees:
            if employee.cosign_required and not employee.supervisor:
                raise ClinicianValidationError(gettext(
                        'therapy_clinical.msg_cosign_without_supervisor',
                        employee=employee.rec_name))
