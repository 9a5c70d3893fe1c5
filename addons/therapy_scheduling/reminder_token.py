"""Single-use links that let a client confirm or cancel an appointment
from a reminder, without logging in.

Only the SHA-256 of a link's token is stored: a copy of the database (or a
backup) gives nobody a working link. The routes (routes.py) run as user 0
without access rules and find a token by its hash only."""
import datetime as dt
import secrets

from sql import Null

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .web import hash_token, public_url

ACTIONS = [
    ('confirm', "Confirm"),
    ('cancel', "Cancel"),
    ]
CHANNELS = [
    ('email', "Email"),
    ('sms', "SMS"),
    ]
OPEN_STATES = {'scheduled', 'confirmed'}
MAX_TOKEN_LENGTH = 100  # token_urlsafe(32) gives 43 characters


def link_url(action, token, database=None):
    database = database or Transaction().database.name
    return f'{public_url()}/{database}/appointment/{action}/{token}'


class AppointmentToken(ModelSQL, ModelView):
    "Appointment Reminder Link"
    __name__ = 'therapy.appointment.token'

    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", required=True, readonly=True,
        ondelete='CASCADE')
    client = fields.Many2One(
        'therapy.client', "Client", required=True, readonly=True,
        ondelete='CASCADE',
        help="The attendee the link was sent to (a group session's link "
        "cancels only that attendee's place).")
    action = fields.Selection(ACTIONS, "Action", required=True, readonly=True)
    channel = fields.Selection(
        CHANNELS, "Channel", required=True, readonly=True)
    token_hash = fields.Char(
        "Token Hash", required=True, readonly=True, strip=False,
        help="SHA-256 of the link's token; the token itself is never "
        "stored.")
    expires_at = fields.DateTime("Expires At", required=True, readonly=True)
    used_at = fields.DateTime("Used At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('token_hash_unique', Unique(t, t.token_hash),
                'therapy_scheduling.msg_reminder_token_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.appointment, Index.Equality())))
        cls._order = [('expires_at', 'DESC'), ('id', 'DESC')]

    def get_rec_name(self, name):
        return f'{self.appointment.rec_name} ({self.action})'

    @classmethod
    def issue(cls, appointment, client, channel, expires_at):
        """Create a confirm and a cancel link for client's place in
        appointment; return {action: url}. The tokens exist only in the
        returned URLs."""
        tokens = {action: secrets.token_urlsafe(32) for action, _ in ACTIONS}
        cls.create([{
                    'appointment': appointment.id,
                    'client': client.id,
                    'action': action,
                    'channel': channel,
                    'token_hash': hash_token(token),
                    'expires_at': expires_at,
                    } for action, token in tokens.items()])
        return {action: link_url(action, token)
            for action, token in tokens.items()}

    @classmethod
    def lookup(cls, token, action):
        "The usable token of action for the raw token, or None"
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        records = cls.search([
                ('token_hash', '=', hash_token(token)),
                ('action', '=', action),
                ], limit=1)
        if records and records[0].usable():
            return records[0]
        return None

    def usable(self, now=None):
        "Unused, not expired, and the client's place is still open"
        now = now or dt.datetime.now()
        appointment = self.appointment
        return (not self.used_at
            and self.expires_at > now
            and appointment.start > now
            and appointment.state in OPEN_STATES
            and self.attendee is not None)

    @property
    def attendee(self):
        "The client's expected attendee row, or None"
        for attendee in self.appointment.attendees:
            if (attendee.client == self.client
                    and attendee.attendance == 'expected'):
                return attendee
        return None

    @classmethod
    def redeem(cls, token, action):
        """Use the token: confirm or cancel, then it is spent. Returns the
        token record, or None (nothing changed) when the link is unknown,
        used, expired or its appointment no longer open."""
        record = cls.lookup(token, action)
        if not record or not record.claim():
            return None
        record.apply()
        return record

    def claim(self):
        """Mark used, only if no one else did first (an UPDATE guarded on
        used_at, so two requests at once cannot both use the link)."""
        table = self.__table__()
        now = dt.datetime.now()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.used_at, table.write_date, table.write_uid],
                [now, now, Transaction().user],
                where=(table.id == self.id) & (table.used_at == Null)))
        return cursor.rowcount == 1

    def apply(self):
        pool = Pool()
        Appointment = pool.get('therapy.appointment')
        Attendee = pool.get('therapy.appointment.attendee')
        appointment = self.appointment
        if appointment.group_session:
            # one attendee's answer must not confirm or cancel the group
            if self.action == 'cancel':
                Attendee.write([self.attendee], {
                        'attendance': 'cancelled',
                        'blocking': False,
                        })
        elif self.action == 'confirm':
            if appointment.state == 'scheduled':
                Appointment.confirm([appointment])
        else:
            Appointment.do_cancel([appointment], 'client', 'other',
                note=gettext(
                    'therapy_scheduling.msg_cancelled_from_reminder_link'))
