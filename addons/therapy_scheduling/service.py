import datetime as dt

from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, Unique, fields
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .disciplines import DISCIPLINES, MODALITIES
from .tools import rec_name_domain
from .exceptions import ServiceValidationError
from .identifiers import is_valid_procedure_code


class Service(DeactivableMixin, ModelSQL, ModelView):
    "Session type the practice offers (what is booked and billed)"
    __name__ = 'therapy.service'

    company = fields.Many2One('company.company', "Company", required=True)
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char(
        "Procedure Code", required=True, size=5,
        help="CPT or HCPCS code billed for this service, e.g. 90837.")
    duration = fields.TimeDelta(
        "Default Duration", required=True,
        domain=[('duration', '>', dt.timedelta(0))],
        help="How long an appointment for this service lasts by default.")
    modality = fields.Selection(
        MODALITIES, "Default Modality", required=True)
    discipline = fields.Selection(DISCIPLINES, "Discipline", required=True)
    group_session = fields.Boolean(
        "Group Session", help="Several clients attend the same session.")
    max_attendees = fields.Integer(
        "Maximum Attendees",
        domain=[('max_attendees', '>=', 1)],
        states={'invisible': ~Eval('group_session')},
        help="Upper bound for a group; the room's capacity also applies.")
    product = fields.Many2One(
        'product.product', "Product", ondelete='RESTRICT',
        domain=[('type', '=', 'service')],
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The product used to invoice this service in the ledger.")
    portal_booking = fields.Selection([
            ('none', "Not bookable online"),
            ('request', "Request, staff approve"),
            ('instant', "Instant booking"),
            ], "Portal Booking", required=True, sort=False,
        states={'invisible': Eval('group_session', False)},
        help="Whether clients may book this service in the client portal "
        "from their clinician's bookable hours: not at all, as a request "
        "the front desk approves, or at once.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('name_unique', Unique(t, t.company, t.name),
                'therapy_scheduling.msg_service_name_unique'),
            ]
        cls._order = [('code', 'ASC'), ('name', 'ASC'), ('id', 'ASC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_modality(cls):
        return 'in_person'

    @classmethod
    def default_group_session(cls):
        return False

    @classmethod
    def default_portal_booking(cls):
        return 'none'

    @classmethod
    def default_max_attendees(cls):
        return 1

    @fields.depends('code')
    def on_change_code(self):
        if self.code:
            self.code = self.code.strip().upper()

    def get_rec_name(self, name):
        return f'{self.code} {self.name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, ['code', 'name'])

    @classmethod
    def validate_fields(cls, services, field_names):
        super().validate_fields(services, field_names)
        if field_names and not (
                field_names & {'code', 'group_session', 'max_attendees'}):
            return
        for service in services:
            if not is_valid_procedure_code(service.code):
                raise ServiceValidationError(gettext(
                        'therapy_scheduling.msg_service_invalid_code',
                        code=service.code, service=service.name))
            if not service.group_session and (service.max_attendees or 1) > 1:
                raise ServiceValidationError(gettext(
                        'therapy_scheduling.msg_service_individual_attendees',
                        service=service.rec_name))
