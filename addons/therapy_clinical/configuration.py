from trytond.model import fields
from trytond.pool import PoolMeta

DEFAULT_NOTE_DUE_HOURS = 24


class Configuration(metaclass=PoolMeta):
    __name__ = 'therapy.configuration'

    note_due_hours = fields.Integer(
        "Notes Due After (hours)", required=True,
        domain=[('note_due_hours', '>=', 0)],
        help="A session's note is overdue this many hours after the "
        "session ended (payers and licensing boards expect timely notes).")

    @classmethod
    def default_note_due_hours(cls):
        return DEFAULT_NOTE_DUE_HOURS
