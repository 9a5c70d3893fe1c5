"""Pool-level helpers that build a small practice for tests.

Practice is the one builder the modules' tests share: a location and
book(). Each module's tests extend it with the people, services and payers
they need (SchedulingPractice below, ClinicalPractice and BillingPractice in
their modules' tests/fixtures.py)."""
import contextlib
import datetime as dt

from trytond.pool import Pool
from trytond.tests.test_tryton import drop_db
from trytond.transaction import Transaction


class CommittingTestMixin:
    """A test class whose tests commit: it drops the database when done, so
    the next class in this process (a test worker takes whole files, with
    no ModuleTestCase in between) starts fresh, without its users"""

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()


def create_user(login, groups, employee=None, email=None):
    "A user of the current company in groups ('module.group_xml_id')"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    company = Transaction().context['company']
    user, = User.create([{
                'name': login.title(), 'login': login, 'email': email,
                'groups': [('add', [ModelData.get_id(*g.split('.'))
                                for g in groups])],
                'companies': [('add', [company])], 'company': company,
                'employees': [('add', [employee.id])] if employee else [],
                'employee': employee.id if employee else None,
                }])
    return user


@contextlib.contextmanager
def as_user(user):
    "The user's own call, as over RPC: access rights and rules checked"
    transaction = Transaction()
    with transaction.set_user(user.id), \
            transaction.set_context(_check_access=True):
        yield


def create_location(name="Main Street", timezone='America/New_York'):
    Location = Pool().get('therapy.location')
    location = Location(name=name, timezone=timezone)
    location.save()
    return location


def create_clinician(name, **values):
    pool = Pool()
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    party = Party(name=name)
    party.save()
    values.setdefault('discipline', 'mental_health')
    employee = Employee(party=party, **values)
    employee.save()
    return employee


def create_client(name, **values):
    pool = Pool()
    Party = pool.get('party.party')
    Client = pool.get('therapy.client')
    party, = Party.create([{'name': name}])
    client, = Client.create([{'party': party.id, **values}])
    return client


def create_service(code='90834', name="Psychotherapy, 45 minutes",
        minutes=45, **values):
    Service = Pool().get('therapy.service')
    values.setdefault('discipline', 'mental_health')
    service, = Service.create([{
                'code': code, 'name': name,
                'duration': dt.timedelta(minutes=minutes), **values}])
    return service


def create_room(location, name="Room 1", capacity=2):
    Room = Pool().get('therapy.room')
    room, = Room.create([{
                'location': location.id, 'name': name, 'capacity': capacity}])
    return room


def create_availability(clinician, location, weekday, start, end, **values):
    """Weekly hours of clinician at location: weekday 0 = Monday, start and
    end are datetime.time in the location's wall time"""
    Availability = Pool().get('therapy.availability')
    row, = Availability.create([{
                'clinician': clinician.id, 'location': location.id,
                'weekday': str(weekday), 'start_time': start,
                'end_time': end, **values}])
    return row


def create_time_off(clinician, start, end, kind='time_off', **values):
    "An availability exception (naive UTC start and end)"
    Exception_ = Pool().get('therapy.availability.exception')
    exception, = Exception_.create([{
                'clinician': clinician.id, 'kind': kind,
                'start': start, 'end': end, **values}])
    return exception


def run_new_client(values):
    "Run the New Client wizard with values; return the client created"
    pool = Pool()
    Wizard = pool.get('therapy.client.new', type='wizard')
    Client = pool.get('therapy.client')
    session_id, _, _ = Wizard.create()
    try:
        result = Wizard.execute(session_id, {}, 'start')
        form = {k: v for k, v in result['view']['defaults'].items()
            if not k.endswith('.')}
        form.update(values)
        result = Wizard.execute(session_id, {'start': form}, 'create_')
    finally:
        Wizard.delete(session_id)
    (action, data), = result['actions']
    client, = Client.browse(data['res_id'])
    return client


# a Monday, far enough ahead that nothing is "late" or in the past
DAY = dt.datetime(2031, 3, 3)


def at(hour, minute=0, day=DAY):
    return day + dt.timedelta(hours=hour, minutes=minute)


def day_at(days, hour=15):
    "A naive datetime (as stored: UTC) days from today at hour; days < 0: ago"
    return dt.datetime.combine(
        dt.date.today() + dt.timedelta(days=days), dt.time(hour))


class Practice:
    """A small practice at one location. Subclasses create the people and
    services and name what book() takes when a test does not say:
    clinician, client, service, and group (the service of a group
    session)."""
    clinician = client = service = group = None

    def __init__(self, location_name="Main Street"):
        self.location = create_location(location_name)

    def book(self, start, client=None, clinician=None, service=None,
            room=None, attendees=None, state='scheduled', **values):
        """An appointment from start for the service's duration. With
        attendees (values of attendee rows) it is a group session, of the
        group service unless told; state 'completed' arrives and completes
        it."""
        Appointment = Pool().get('therapy.appointment')
        service = service or (self.group if attendees else self.service)
        values.update({
                'clinician': (clinician or self.clinician).id,
                'location': self.location.id,
                'service': service.id,
                'start': start,
                'end': start + service.duration,
                })
        if attendees:
            values['attendees'] = [('create', attendees)]
        else:
            values['client'] = (client or self.client).id
        if room:
            values['room'] = room.id
        appointment, = Appointment.create([values])
        if state == 'completed':
            Appointment.arrive([appointment])
            Appointment.complete([appointment])
        return appointment


class SchedulingPractice(Practice):
    """One location, two rooms, two clinicians (Dana, Eli), three clients
    (Ann, Ben, Cara), individual and group psychotherapy; book() takes
    Dana, Ann and the individual session"""

    def __init__(self):
        super().__init__()
        self.room = create_room(self.location, "Room 1")
        self.group_room = create_room(self.location, "Group Room", 4)
        self.dana = create_clinician(
            "Dana", therapy_locations=[self.location])
        self.eli = create_clinician(
            "Eli", therapy_locations=[self.location])
        self.ann = create_client("Ann")
        self.ben = create_client("Ben")
        self.cara = create_client("Cara")
        self.therapy = create_service()
        self.group = create_service(
            '90853', "Group psychotherapy", 90, group_session=True,
            max_attendees=3)
        self.clinician, self.client, self.service = (
            self.dana, self.ann, self.therapy)
