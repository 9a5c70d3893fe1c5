"Pool-level helpers that build a small practice for tests."
import datetime as dt

from trytond.pool import Pool


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
