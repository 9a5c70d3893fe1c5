"""The front desk's day: the Day Sheet for any date and today's arrivals.

The Day Sheet is a list of appointments with a context model (a date and
a location chosen above the list); the list's domain follows them. Each
location's day is its own: a date means that local date at every
location, and "today" is each location's own today."""
import datetime as dt

from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .appointment import clock_text, local_time, to_utc

# sao sizes a list column by its type (10em for text, a button, a name) and
# scrolls the list sideways beyond; the front desk's lists give their
# narrow columns a width in pixels so that their buttons stay on screen at
# 1280 px beside the menu
FRONT_DESK_LISTS = ['appointment_view_list_day_sheet',
    'appointment_view_list_arrivals']
FRONT_DESK_WIDTHS = {
    'field': {'clock': 100, 'client': 120, 'clinician': 100, 'state': 80},
    'button': {'arrive': 100},
    }


def front_desk_list():
    "Whether the view being built is one of the front desk's lists"
    ModelData = Pool().get('ir.model.data')
    view_id = Transaction().context.get('view_id')
    return bool(view_id) and view_id in {
        ModelData.get_id('therapy_scheduling', name)
        for name in FRONT_DESK_LISTS}


def widths(sizes):
    "view_attributes giving the front desk's list columns their widths"
    if not front_desk_list():
        return []
    return [(f'/tree/{kind}[@name="{name}"]', 'width', width)
        for kind, names in sizes.items() for name, width in names.items()]


class DaySheetContext(ModelView):
    "Day Sheet"
    __name__ = 'therapy.day_sheet.context'

    date = fields.Date("Date", required=True,
        help="The day shown, at each location's own time.")
    location = fields.Many2One(
        'therapy.location', "Location",
        domain=[('company', '=', Eval('company', -1))],
        help="Leave empty for every location.")
    company = fields.Many2One('company.company', "Company")

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    clock = fields.Function(
        fields.Char("Time", help="Start at the location, e.g. 9:00 AM EST."),
        'get_clock')
    service_code = fields.Function(
        fields.Char("Code", help="The service's procedure code."),
        'get_service_code')
    local_today = fields.Function(
        fields.Boolean("Today", help="On the location's own today."),
        'get_local_today', searcher='search_local_today')

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + widths(FRONT_DESK_WIDTHS)

    @classmethod
    def get_clock(cls, appointments, name):
        "From start_rows, as the list's other columns of the appointment"
        rows = cls.start_rows(appointments)
        return {a.id: clock_text(local_time(*rows[a.id][:2]))
            if a.id in rows else None for a in appointments}

    @classmethod
    def get_service_code(cls, appointments, name):
        rows = cls.start_rows(appointments)
        return {a.id: rows[a.id][2] if a.id in rows else None
            for a in appointments}

    @staticmethod
    def _location_today(location):
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        return local_time(now, location.timezone).date()

    def get_local_today(self, name):
        return bool(self.location
            and self.local_date == self._location_today(self.location))

    @classmethod
    def search_local_today(cls, name, clause):
        "Each location's own today (or not), as that location's UTC day"
        Location = Pool().get('therapy.location')
        _, operator, value = clause[:3]
        today = (operator == '=') == bool(value)
        domain = ['OR']
        for location in Location.search([]):
            day = cls._location_today(location)
            low = to_utc(dt.datetime.combine(day, dt.time()),
                location.timezone)
            high = to_utc(dt.datetime.combine(
                    day + dt.timedelta(days=1), dt.time()),
                location.timezone)
            if today:
                bounds = [('start', '>=', low), ('start', '<', high)]
            else:
                bounds = [['OR', ('start', '<', low), ('start', '>=', high)]]
            domain.append([('location', '=', location.id)] + bounds)
        if len(domain) == 1:
            return [('id', '=', -1)] if today else []
        return domain
