"""What the clinician's and the supervisor's homes need: today's sessions in
each location's own day.

A practice with a Brooklyn and a Denver office has two todays around
midnight: "today" here is the date where the session takes place, not the
browser's nor the server's."""
import datetime as dt

from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from therapy_scheduling import clock
from therapy_scheduling.appointment import local_time, to_utc


def today_at(timezone):
    "The date now where timezone is (trytond runs its clock in UTC)"
    return local_time(clock.now(), timezone).date()


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    local_today = fields.Function(
        fields.Boolean("Today",
            help="Takes place today in its location's time zone."),
        'get_local_today', searcher='search_local_today')

    def get_local_today(self, name):
        timezone = self.location.timezone if self.location else None
        return self.local_date == today_at(timezone)

    @classmethod
    def search_local_today(cls, name, clause):
        Location = Pool().get('therapy.location')
        _, operator, value = clause
        today = ['OR']
        for location in Location.search([]):
            day = today_at(location.timezone)
            start = to_utc(dt.datetime.combine(day, dt.time()),
                location.timezone)
            end = to_utc(dt.datetime.combine(
                    day + dt.timedelta(days=1), dt.time()),
                location.timezone)
            today.append([
                    ('location', '=', location.id),
                    ('start', '>=', start),
                    ('start', '<', end),
                    ])
        if len(today) == 1:
            today = [('id', '=', None)]
        if (operator == '=') == bool(value):
            return today
        return ['NOT', today]
