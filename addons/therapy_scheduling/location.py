from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.modules.company.company import TIMEZONES
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .tools import rec_name_domain
from .exceptions import LocationValidationError
from .phone import format_phone
from .rows import rows_of, stored_ids


class Location(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'therapy.location'

    company = fields.Many2One(
        'company.company', "Company", required=True)
    name = fields.Char("Name", required=True)
    address = fields.Many2One(
        'party.address', "Address",
        domain=[('party', '=', Eval('company_party', -1))],
        help="The service facility address printed on claims.\n"
        "Addresses are kept on the practice's party.")
    company_party = fields.Function(
        fields.Many2One(
            'party.party', "Company Party",
            context={'company': Eval('company', -1)}, depends={'company'}),
        'on_change_with_company_party')
    timezone = fields.Selection(
        TIMEZONES, "Time Zone", required=True, translate=False,
        help="Appointments at this location are shown in this time zone.")
    phone = fields.Char("Phone")
    rooms = fields.One2Many('therapy.room', 'location', "Rooms")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('name_unique', Unique(t, t.company, t.name),
                'therapy_scheduling.msg_location_name_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_timezone(cls):
        return 'America/New_York'

    @classmethod
    def get_rec_name(cls, locations, name):
        "The name, read as rows for a list (a record each before)"
        table = cls.__table__()
        rows = rows_of(table, table.id, stored_ids(locations), table.name)
        return {l.id: rows[l.id][0] if l.id in rows else l.name
            for l in locations}

    @fields.depends('company')
    def on_change_with_company_party(self, name=None):
        return self.company.party if self.company else None

    @fields.depends('phone')
    def on_change_phone(self):
        self.phone = format_phone(self.phone) or self.phone

    @classmethod
    def validate_fields(cls, locations, field_names):
        super().validate_fields(locations, field_names)
        if field_names and 'phone' not in field_names:
            return
        for location in locations:
            if location.phone and not format_phone(location.phone):
                raise LocationValidationError(gettext(
                        'therapy_scheduling.msg_invalid_phone',
                        phone=location.phone, record=location.rec_name))


class Room(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'therapy.room'

    location = fields.Many2One(
        'therapy.location', "Location", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    capacity = fields.Integer(
        "Capacity", required=True,
        domain=[('capacity', '>=', 1)],
        help="How many clients the room seats (group sessions).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('location')
        t = cls.__table__()
        cls._sql_constraints += [
            ('name_unique', Unique(t, t.location, t.name),
                'therapy_scheduling.msg_room_name_unique'),
            ]
        cls._order = [('location', 'ASC'), ('name', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_capacity(cls):
        return 1

    def get_rec_name(self, name):
        return f'{self.location.rec_name} / {self.name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, ['name', 'location.name'])
