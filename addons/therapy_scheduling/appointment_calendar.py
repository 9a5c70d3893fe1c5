"""How appointments look on the calendars.

sao places calendar events in the browser's time zone (it has no setting
for another), so a Brooklyn desk sees a Denver session two hours late on
the grid. The label therefore starts with the location's own wall time and
zone ("9:00 AM MST"), which is what the front desk tells the client. Each
clinician has a colour; cancelled and no-show sessions are grey."""
from trytond.model import fields
from trytond.pool import PoolMeta

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

    def get_calendar_label(self, name):
        client = self.client
        who = (f'{client.preferred_name or client.party.name} '
            f'[{client.number}]' if client
            else f'Group ({len(self.attendees)})')
        room = f' · {self.room.name}' if self.room else ''
        state = ('' if self.state in {'scheduled', 'confirmed', 'arrived',
                    'completed'}
            else f' ({dict(self._fields["state"].selection)[self.state]})')
        return (f'{self.clock} {who} · {self.service.code}{room} · '
            f'{self.clinician.party.name}{state}')

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
