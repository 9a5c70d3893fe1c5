"""The reminder cron: which appointments are due, who gets what, and the
delivery by email (Tryton's SMTP settings) and SMS (sms.py).

Policy, per appointment, attendee client, channel and reminder time:
- only the latest reminder time that has passed is sent; earlier ones not
  yet sent are logged 'skipped' ("superseded"), so an appointment booked
  a day ahead gets one reminder, not two at once;
- one therapy.reminder.log row per message (unique); a row 'sent' is final,
  'skipped' rows are re-checked on every run (a client who opts in before
  the appointment still gets the reminder; SMS held back by quiet hours is
  logged once as 'skipped' "quiet hours: deferred" and turns 'sent' when
  they end), 'failed' rows are retried up to MAX_ATTEMPTS times;
- nothing is sent once the appointment has started.

Delivery is synchronous, so the log holds the real outcome (provider id or
error). Delivery errors are caught per message and the log rows are saved
in the cron's transaction; should that transaction still fail to commit,
a message already delivered could go out again on the next run."""
import datetime as dt
import smtplib

from trytond import config
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.sendmail import get_smtp_server
from trytond.transaction import Transaction

from . import clock, notify
from .appointment import local_time
from .sms import SMSError, TwilioCompatibleSMS, in_quiet_hours
from .reminder_token import OPEN_STATES
from .web import format_when

MAX_ATTEMPTS = 3


class Appointment(metaclass=PoolMeta):
    __name__ = 'therapy.appointment'

    def get_reminder_clients(self):
        "Clients to remind: the client, or a group's expected attendees"
        if self.group_session:
            return [a.client for a in self.attendees
                if a.attendance == 'expected']
        return [self.client] if self.client else []

    @classmethod
    def send_reminders(cls, now=None):
        "Cron: send the reminders that are due (see module docstring)"
        pool = Pool()
        Configuration = pool.get('therapy.configuration')
        Log = pool.get('therapy.reminder.log')
        config_ = Configuration(1)
        offsets = config_.get_reminder_offsets()
        channels = config_.get_reminder_channels()
        if not offsets or not channels:
            return
        now = now or clock.now()
        appointments = cls.search([
                ('state', 'in', list(OPEN_STATES)),
                ('start', '>', now),
                ('start', '<=', now + dt.timedelta(hours=max(offsets))),
                ], order=[('start', 'ASC'), ('id', 'ASC')])
        if not appointments:
            return
        logs = {log.key: log for log in Log.search([
                    ('appointment', 'in', [a.id for a in appointments]),
                    ])}
        to_save = []
        sender = ReminderSender(config_, now)
        try:
            for appointment in appointments:
                due = [o for o in offsets
                    if appointment.start - dt.timedelta(hours=o) <= now]
                if not due:
                    continue
                for client in appointment.get_reminder_clients():
                    for channel in channels:
                        for offset in due:
                            key = (appointment.id, client.id, channel, offset)
                            log = logs.get(key)
                            if log is None:
                                log = logs[key] = Log(
                                    company=appointment.company,
                                    appointment=appointment, client=client,
                                    channel=channel, offset_hours=offset,
                                    attempts=0)
                            if sender.process(log, offset == min(due)):
                                to_save.append(log)
        finally:
            sender.close()
        Log.save(to_save)


class ReminderSender:
    "Decides and delivers one message at a time for one cron run"

    def __init__(self, configuration, now):
        self.configuration = configuration
        self.now = now
        self.smtp = None
        self.sms = None
        self.from_addr = config.get('email', 'from')

    def close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None

    def process(self, log, current):
        "Bring log up to date; returns whether it changed"
        new = log.id is None or log.id < 0
        if not new:
            if log.status == 'sent':
                return False
            if log.status == 'failed' and (
                    log.attempts >= MAX_ATTEMPTS or not current):
                return False
        if not current:
            return log.set_status(
                'skipped', 'superseded by a later reminder') or new
        recipient, reason = self.check(log)
        if reason:
            return log.set_status('skipped', reason, recipient) or new
        try:
            detail = self.deliver(log, recipient)
        except (SMSError, smtplib.SMTPException, OSError,
                notify.PHIInEmailError) as error:
            # a refused message is logged like an undelivered one: the
            # other reminders of the run still go out
            log.set_status('failed', str(error), recipient)
        else:
            log.set_status('sent', detail, recipient)
        return True

    def check(self, log):
        "(recipient, reason not to send now or None)"
        client, configuration = log.client, self.configuration
        if log.channel == 'email':
            recipient = client.contact_party().email
            if not client.reminder_email:
                return recipient, 'opted out'
            if not recipient:
                return recipient, 'no email address'
            return recipient, None
        recipient = client.contact_party().mobile
        if not client.reminder_sms:
            return recipient, 'opted out'
        if not recipient:
            return recipient, 'no mobile number'
        if not configuration.sms_configured:
            return recipient, 'SMS provider not configured'
        location = log.appointment.location
        quiet_start = configuration.quiet_start
        quiet_end = configuration.quiet_end
        if quiet_start and quiet_end and in_quiet_hours(
                local_time(self.now, location.timezone),
                quiet_start, quiet_end):
            return recipient, 'quiet hours: deferred'
        return recipient, None

    def deliver(self, log, recipient):
        "Send; returns the provider's message id for the log"
        pool = Pool()
        Token = pool.get('therapy.appointment.token')
        appointment, client = log.appointment, log.client
        expires_at = min(
            self.now + self.configuration.get_link_validity(),
            appointment.start)
        links = Token.issue(appointment, client, log.channel, expires_at)
        language = client.party.lang.code if client.party.lang else None
        with Transaction().set_context(language=language):
            values = self.message_values(appointment, links)
            if log.channel == 'email':
                return self.send_email(recipient,
                    gettext('therapy_scheduling.msg_reminder_email_subject',
                        **values),
                    gettext('therapy_scheduling.msg_reminder_email_body',
                        **values), client)
            return self.send_sms(recipient,
                gettext('therapy_scheduling.msg_reminder_sms', **values))

    def message_values(self, appointment, links):
        "What a reminder may say: no service, clinician or client (no PHI)"
        location = appointment.location
        if appointment.modality == 'telehealth':
            place = gettext('therapy_scheduling.msg_reminder_place_online')
        else:
            place = location.name
        phone = location.phone or appointment.company.party.phone
        return {
            'practice': appointment.company.party.name,
            'when': format_when(appointment.start, location.timezone),
            'place': place,
            'confirm': links['confirm'],
            'cancel': links['cancel'],
            'contact': gettext(
                'therapy_scheduling.msg_reminder_email_contact',
                phone=phone) if phone else '',
            }

    def send_email(self, to, subject, body, client):
        message = notify.auto_email(
            to, subject, body, about=[client], sender=self.from_addr)
        try:
            if self.smtp is None:
                self.smtp = get_smtp_server(strict=True)
            self.smtp = notify.send_now(message, self.smtp)
        except Exception:
            self.close()
            raise
        return f"Message-ID {message['Message-ID']}"

    def send_sms(self, to, body):
        configuration = self.configuration
        if self.sms is None:
            self.sms = TwilioCompatibleSMS(
                configuration.sms_account_sid,
                configuration.sms_auth_token,
                configuration.sms_from_number,
                base_url=(configuration.sms_base_url
                    or 'https://api.twilio.com'))
        result = self.sms.send(to, body)
        return f"provider id {result.provider_id} ({result.status})"
