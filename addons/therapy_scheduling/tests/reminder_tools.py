"""A small practice with reminder settings, for tests/test_reminder.py."""
import datetime as dt

from trytond.pool import Pool

from .fixtures import Practice, create_clinician, create_service

START = dt.datetime(2031, 3, 4, 15, 0)  # Tue 10:00 AM in New York


def hours(n):
    return dt.timedelta(hours=n)


def create_reminder_client(name, email=None, mobile=None, **values):
    pool = Pool()
    Party = pool.get('party.party')
    Client = pool.get('therapy.client')
    mechanisms = [{'type': t, 'value': v}
        for t, v in [('email', email), ('mobile', mobile)] if v]
    party, = Party.create([{'name': name,
                'contact_mechanisms': [('create', mechanisms)]}])
    values.setdefault('reminder_sms', True)
    client, = Client.create([{'party': party.id, **values}])
    return client


class ReminderPractice(Practice):
    """Harborview: one location in New York, one clinician, three clients
    with email and mobile; reminders by SMS, no quiet hours"""

    def __init__(self, outbox, location_name="Brooklyn"):
        Configuration = Pool().get('therapy.configuration')
        super().__init__(location_name)
        self.location.phone = '(718) 555-0142'
        self.location.save()
        self.dana = create_clinician(
            "Dana Whitfield", therapy_locations=[self.location])
        self.therapy = create_service(
            '90834', "Trauma-focused psychotherapy", 45)
        self.group = create_service('90853', "Anxiety skills group", 90,
            group_session=True, max_attendees=4)
        self.ann = create_reminder_client(
            "Ann Lowry", 'ann@example.com', '+1 917 555 0123')
        self.ben = create_reminder_client(
            "Ben Ortiz", 'ben@example.com', '+1 917 555 0124')
        self.cara = create_reminder_client(
            "Cara Diaz", 'cara@example.com', '+1 917 555 0125')
        self.clinician, self.client, self.service = (
            self.dana, self.ann, self.therapy)
        Configuration.write([Configuration(1)], {
                **outbox.sms_settings(),
                # no quiet hours unless a test sets them
                'quiet_start': dt.time(0, 0), 'quiet_end': dt.time(0, 0),
                })


def send(now):
    Pool().get('therapy.appointment').send_reminders(now=now)


def logs(**domain):
    Log = Pool().get('therapy.reminder.log')
    return Log.search([(k, '=', v) for k, v in domain.items()],
        order=[('offset_hours', 'DESC'), ('channel', 'ASC')])
