"""How appointments look on the calendars.

sao places calendar events in the browser's time zone (it has no setting
for another), so a Brooklyn desk sees a Denver session two hours late on
the grid. The label therefore starts with the location's own wall time and
zone ("9:00 AM MST"), which is what the front desk tells the client. Each
clinician has a colour; cancelled and no-show sessions are grey."""
from collections import defaultdict

from sql.aggregate import Count

from trytond import backend
from trytond.model import fields
from trytond.model.fields import SQL_OPERATORS
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .appointment import clock_text, local_time

# readable with white text, distinct side by side
CLINICIAN_COLOURS = [
    '#1f6fb2', '#2e8b57', '#b5651d', '#7b3fa0', '#c0392b', '#00838f',
    '#6d7f10', '#ad1457', '#455a64', '#8d6e63',
    ]
INACTIVE_COLOUR = '#c8c8c8'
INACTIVE_TEXT = '#555555'
TEXT = '#ffffff'


def clinician_colour(clinician_id):
    return CLINICIAN_COLOURS[clinician_id % len(CLINICIAN_COLOURS)]


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    calendar_label = fields.Function(
        fields.Char("Label"), 'get_calendar_label')
    calendar_background = fields.Function(
        fields.Char("Calendar Colour"), 'get_calendar_colours')
    calendar_text = fields.Function(
        fields.Char("Calendar Text Colour"), 'get_calendar_colours')

    @classmethod
    def get_calendar_label(cls, appointments, name):
        pool = Pool()
        Attendee = pool.get('therapy.appointment.attendee')
        cursor = Transaction().connection.cursor()
        rows = cls.display_rows([a.id for a in appointments])
        states = dict(cls._fields['state'].selection)
        attendee = Attendee.__table__()
        groups = [i for i, r in rows.items() if not r.client]
        attending = defaultdict(int)
        for chunk in grouped_slice(groups, backend.MAX_QUERY_PARAMS):
            cursor.execute(*attendee.select(attendee.appointment,
                    Count(attendee.id),
                    where=SQL_OPERATORS['in'](
                        attendee.appointment, list(chunk)),
                    group_by=[attendee.appointment]))
            attending.update(cursor)
        result = {}
        for id_, row in rows.items():
            who = (f'{row.preferred_name or row.client_name} [{row.number}]'
                if row.client else f'Group ({attending[id_]})')
            room = f' · {row.room_name}' if row.room_name else ''
            state = ('' if row.state in {'scheduled', 'confirmed', 'arrived',
                        'completed'}
                else f' ({states[row.state]})')
            result[id_] = (
                f'{clock_text(local_time(row.start, row.timezone))} {who} · '
                f'{row.service_code}{room} · {row.clinician_name}{state}')
        return result

    @classmethod
    def get_calendar_colours(cls, appointments, names):
        result = {name: {} for name in names}
        for appointment in appointments:
            inactive = appointment.state in {'cancelled', 'no_show'}
            values = {
                'calendar_background': INACTIVE_COLOUR if inactive
                else clinician_colour(appointment.clinician.id),
                'calendar_text': INACTIVE_TEXT if inactive else TEXT,
                }
            for name in names:
                result[name][appointment.id] = values[name]
        return result
