import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval

from .disciplines import CREDENTIALS, DISCIPLINES
from .exceptions import ClinicianValidationError
from .party import PartyNamedMixin
from .tools import is_set_domain
from .identifiers import (
    US_STATES, compact, is_valid_npi, is_valid_taxonomy)

LICENSE_STATES = [(None, "")] + US_STATES


class Employee(PartyNamedMixin, metaclass=PoolMeta):
    "A clinician is an employee with a discipline"
    __name__ = 'company.employee'

    discipline = fields.Selection(
        DISCIPLINES, "Discipline",
        help="Leave empty for staff who do not see clients.")
    credential = fields.Selection(CREDENTIALS, "Credential")
    npi = fields.Char(
        "NPI", size=10,
        help="Type 1 (individual) National Provider Identifier.")
    taxonomy_code = fields.Char(
        "Taxonomy Code", size=10,
        help="NUCC provider taxonomy code sent on claims, e.g. 1041C0700X.")
    license_number = fields.Char("License Number")
    license_state = fields.Selection(
        LICENSE_STATES, "License State", sort=False)
    license_expiry = fields.Date("License Expiry")
    license_expired = fields.Function(
        fields.Boolean("License Expired"), 'get_license_expired')
    therapy_locations = fields.Many2Many(
        'company.employee-therapy.location', 'employee', 'location',
        "Locations",
        domain=[('company', '=', Eval('company', -1))],
        help="Where the clinician sees clients.")
    is_clinician = fields.Function(
        fields.Boolean("Clinician"), 'get_is_clinician',
        searcher='search_is_clinician')

    def get_is_clinician(self, name):
        return bool(self.discipline)

    @classmethod
    def search_is_clinician(cls, name, clause):
        return is_set_domain('discipline', clause)

    def get_license_expired(self, name):
        return bool(self.license_expiry
            and self.license_expiry < dt.date.today())

    @fields.depends('npi')
    def on_change_npi(self):
        if self.npi:
            self.npi = compact(self.npi)

    @fields.depends('taxonomy_code')
    def on_change_taxonomy_code(self):
        if self.taxonomy_code:
            self.taxonomy_code = self.taxonomy_code.strip().upper()

    @classmethod
    def validate_fields(cls, employees, field_names):
        super().validate_fields(employees, field_names)
        cls.check_identifiers(employees, field_names)
        cls.check_supervisor(employees, field_names)

    @classmethod
    def check_identifiers(cls, employees, field_names=None):
        if field_names and not (field_names & {'npi', 'taxonomy_code'}):
            return
        for employee in employees:
            if employee.npi and not is_valid_npi(employee.npi):
                raise ClinicianValidationError(gettext(
                        'therapy_scheduling.msg_invalid_npi',
                        npi=employee.npi, employee=employee.rec_name))
            if (employee.taxonomy_code
                    and not is_valid_taxonomy(employee.taxonomy_code)):
                raise ClinicianValidationError(gettext(
                        'therapy_scheduling.msg_invalid_taxonomy',
                        code=employee.taxonomy_code,
                        employee=employee.rec_name))

    @classmethod
    def check_supervisor(cls, employees, field_names=None):
        if field_names and 'supervisor' not in field_names:
            return
        for employee in employees:
            # a supervision chain must end: refuse A -> B -> ... -> A
            seen, current = {employee.id}, employee.supervisor
            while current:
                if current.id in seen:
                    raise ClinicianValidationError(gettext(
                            'therapy_scheduling.msg_supervisor_cycle',
                            employee=employee.rec_name))
                seen.add(current.id)
                current = current.supervisor


class EmployeeLocation(ModelSQL):
    __name__ = 'company.employee-therapy.location'

    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')
    location = fields.Many2One(
        'therapy.location', "Location", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('employee')
