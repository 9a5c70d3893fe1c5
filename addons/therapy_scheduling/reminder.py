"""Appointment reminders: the practice's settings, the client's opt-ins,
the log of every message, and the cron entry.

The sending itself is in reminder_send.py, the confirm/cancel links in
reminder_token.py and routes.py. Outbound texts carry no PHI (SECURITY.md
SEC-TX-01): practice name, date, time and place, and the two links."""
import datetime as dt
import urllib.parse

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from . import clock
from .exceptions import ReminderValidationError
from .phone import format_phone
from .reminder_token import CHANNELS

STATUSES = [
    ('sent', "Sent"),
    ('failed', "Failed"),
    ('skipped', "Skipped"),
    ]


def parse_offsets(value):
    """Hours before the start, largest first, from '48,24'; raises
    ValueError for anything but positive whole hours."""
    offsets = {int(part) for part in (value or '').split(',')
        if part.strip()}
    if any(offset <= 0 for offset in offsets):
        raise ValueError(value)
    return sorted(offsets, reverse=True)


class Configuration(metaclass=PoolMeta):
    __name__ = 'therapy.configuration'

    reminder_offsets = fields.Char(
        "Reminder Times",
        help="Hours before the appointment when reminders go out, "
        "comma-separated (48,24 = two days and one day before).")
    reminder_email = fields.Boolean(
        "Email Reminders",
        help="Send reminders by email to clients who have an email address "
        "and did not opt out.")
    reminder_sms = fields.Boolean(
        "SMS Reminders",
        help="Send reminders by text message to clients who opted in and "
        "have a mobile number. Needs the SMS provider settings below.")
    quiet_start = fields.Time(
        "Quiet Hours From",
        help="No text message goes out from this local time of the "
        "appointment's location...")
    quiet_end = fields.Time(
        "Quiet Hours Until",
        help="... until this one; it is sent when the quiet hours end. "
        "Equal times mean no quiet hours.")
    sms_account_sid = fields.Char(
        "SMS Account SID",
        states={'invisible': ~Eval('reminder_sms')},
        help="Account SID of the Twilio (or compatible) account.")
    sms_auth_token = fields.Char(
        "SMS Auth Token", strip=False,
        states={'invisible': ~Eval('reminder_sms')},
        help="Secret of the SMS account; only practice owners can read it.")
    sms_from_number = fields.Char(
        "SMS From Number",
        states={'invisible': ~Eval('reminder_sms')},
        help="The account's number texts are sent from.")
    sms_base_url = fields.Char(
        "SMS Endpoint",
        states={'invisible': ~Eval('reminder_sms')},
        help="Base URL of the Twilio-compatible Messages API.")
    reminder_link_hours = fields.Integer(
        "Link Validity (hours)",
        domain=['OR',
            ('reminder_link_hours', '=', None),
            ('reminder_link_hours', '>=', 1),
            ],
        help="How long the confirm and cancel links of a reminder work "
        "(never past the appointment's start).")

    @classmethod
    def default_reminder_offsets(cls):
        return '48,24'

    @classmethod
    def default_reminder_email(cls):
        return True

    @classmethod
    def default_reminder_sms(cls):
        return False

    @classmethod
    def default_quiet_start(cls):
        return dt.time(21, 0)

    @classmethod
    def default_quiet_end(cls):
        return dt.time(8, 0)

    @classmethod
    def default_sms_base_url(cls):
        return 'https://api.twilio.com'

    @classmethod
    def default_reminder_link_hours(cls):
        return 72

    @fields.depends('sms_from_number')
    def on_change_sms_from_number(self):
        self.sms_from_number = (
            format_phone(self.sms_from_number) or self.sms_from_number)

    def get_reminder_offsets(self):
        try:
            return parse_offsets(self.reminder_offsets)
        except ValueError:
            return []

    def get_reminder_channels(self):
        "Channels the practice has turned on"
        return [channel for channel, _ in CHANNELS
            if getattr(self, f'reminder_{channel}')]

    @property
    def sms_configured(self):
        return bool(self.sms_account_sid and self.sms_auth_token
            and self.sms_from_number)

    def get_link_validity(self):
        return dt.timedelta(hours=self.reminder_link_hours or 72)

    @classmethod
    def validate_fields(cls, configurations, field_names):
        super().validate_fields(configurations, field_names)
        for configuration in configurations:
            configuration.check_reminder_settings()

    def check_reminder_settings(self):
        try:
            parse_offsets(self.reminder_offsets)
        except ValueError:
            raise ReminderValidationError(gettext(
                    'therapy_scheduling.msg_reminder_offsets_invalid',
                    offsets=self.reminder_offsets))
        if self.sms_from_number and not format_phone(self.sms_from_number):
            raise ReminderValidationError(gettext(
                    'therapy_scheduling.msg_invalid_phone',
                    phone=self.sms_from_number,
                    record=self.__names__('sms_from_number')['field']))
        if self.sms_base_url and urllib.parse.urlsplit(
                self.sms_base_url).scheme not in {'http', 'https'}:
            raise ReminderValidationError(gettext(
                    'therapy_scheduling.msg_reminder_sms_url_invalid',
                    url=self.sms_base_url))


class Client(metaclass=PoolMeta):
    __name__ = 'therapy.client'

    mobile = fields.Function(
        fields.Char("Mobile", help="The party's mobile number."),
        'get_party_mechanism', setter='set_party_mechanism')
    reminder_email = fields.Boolean(
        "Email Reminders",
        help="Send this client appointment reminders to the party's email.")
    reminder_sms = fields.Boolean(
        "SMS Reminders",
        help="Send this client appointment reminders by text message to "
        "the party's mobile number. Turn on only with the client's "
        "consent to texts.")

    @classmethod
    def default_reminder_email(cls):
        return True

    @classmethod
    def default_reminder_sms(cls):
        return False


class ReminderLog(ModelSQL, ModelView):
    "Appointment Reminder Log"
    __name__ = 'therapy.reminder.log'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    appointment = fields.Many2One(
        'therapy.appointment', "Appointment", required=True, readonly=True,
        ondelete='CASCADE')
    client = fields.Many2One(
        'therapy.client', "Client", required=True, readonly=True,
        ondelete='CASCADE')
    channel = fields.Selection(
        CHANNELS, "Channel", required=True, readonly=True)
    offset_hours = fields.Integer(
        "Hours Before", required=True, readonly=True,
        help="The reminder time this message is for.")
    recipient = fields.Char(
        "Recipient", readonly=True, help="Email address or mobile number.")
    status = fields.Selection(STATUSES, "Status", required=True,
        readonly=True)
    detail = fields.Char(
        "Detail", readonly=True,
        help="Why it was skipped or failed, or the provider's message id. "
        "Never the message text.")
    sent_at = fields.DateTime("Sent At", readonly=True)
    attempts = fields.Integer(
        "Attempts", readonly=True,
        help="Failed sending attempts; retried up to "
        "three times by later cron runs.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # one row per message: a cron re-run finds it and never sends twice;
        # skipped and failed rows are updated in place
        cls._sql_constraints += [
            ('message_unique',
                Unique(t, t.appointment, t.client, t.channel,
                    t.offset_hours),
                'therapy_scheduling.msg_reminder_log_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.client, Index.Equality())))
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_attempts(cls):
        return 0

    def get_rec_name(self, name):
        return f'{self.channel} {self.offset_hours}h: {self.status}'

    @property
    def key(self):
        return (self.appointment.id, self.client.id, self.channel,
            self.offset_hours)

    def set_status(self, status, detail, recipient=None):
        "Record an outcome; returns whether anything changed"
        detail = (detail or '')[:250]
        values = {'status': status, 'detail': detail}
        if recipient is not None:
            values['recipient'] = recipient
        if status == 'sent':
            values['sent_at'] = clock.now()
        elif status == 'failed':
            values['attempts'] = (getattr(self, 'attempts', 0) or 0) + 1
        changed = any(getattr(self, name, None) != value
            for name, value in values.items())
        for name, value in values.items():
            setattr(self, name, value)
        return changed
