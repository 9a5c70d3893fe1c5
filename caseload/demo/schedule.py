"""The demo practice's schedule: six months of history, three months ahead.

Runs inside the server (one Tryton transaction) rather than through
proteus: thousands of appointments with their past states (completed,
cancelled late or on time, no-shows) are written directly, which the
client API would only reach one button click at a time.

Every active client has a weekly or fortnightly series with their primary
clinician at a fixed local time; clinicians work Monday to Friday at their
location; US federal holidays are practice holidays; waitlisted clients
wait on the waitlist.
"""
import datetime as dt
import random
from collections import defaultdict

from trytond.pool import Pool
from trytond.transaction import Transaction

SEED = 2026
HISTORY_WEEKS = 26
AHEAD_WEEKS = 13
SERVICE_BY_DISCIPLINE = {
    'mental_health': ['90837', '90834', '90834'],
    'speech': ['92507'],
    'occupational': ['97168'],
    'physical': ['97110'],
    'aba': ['97153'],
    }
WORK_HOURS = range(8, 18)
# a session a few hours after the demo is made, whatever the hour: its
# cancellation is late (fee shown, waiver) and frees a slot the waitlist
# can fill (the front desk's browser journey)
SOON_NOTE = "Demo: starts soon; a cancellation now is late."
SOON_HOURS = 3
# SQLite caps the depth of one query: create in batches
BATCH = 40


def load(database, user_id, company_id):
    "Load the schedule unless it is there; return True when loaded"
    with Transaction().start(database, user_id, context={
                'company': company_id, 'companies': [company_id],
                }) as transaction:
        if Pool().get('therapy.appointment').search([], limit=1):
            return False
        DemoSchedule(company_id).load()
        transaction.commit()
    return True


class DemoSchedule:
    def __init__(self, company_id):
        pool = Pool()
        self.pool = pool
        self.company = pool.get('company.company')(company_id)
        self.random = random.Random(SEED)
        self.today = dt.date.today()
        self.now = dt.datetime.now()

    def load(self):
        self.create_holidays()
        self.create_availability()
        self.create_series()
        self.create_waitlist()
        self.create_session_soon()
        self.create_portal_request()

    def create_holidays(self):
        Holiday = self.pool.get('therapy.holiday')
        Holiday.create_us_federal(
            self.company, [self.today.year - 1, self.today.year,
                self.today.year + 1])
        self.holidays = {h.date for h in Holiday.search([])}

    def clinicians(self):
        Employee = self.pool.get('company.employee')
        return Employee.search([('discipline', '!=', None)],
            order=[('id', 'ASC')])

    def create_availability(self):
        Availability = self.pool.get('therapy.availability')
        Availability.create([{
                    'company': self.company.id,
                    'clinician': clinician.id,
                    'location': location.id,
                    'weekday': str(weekday),
                    'start_time': dt.time(8),
                    'end_time': dt.time(18),
                    'kind': 'bookable',
                    }
                for clinician in self.clinicians()
                for location in clinician.therapy_locations
                for weekday in range(5)])

    def create_series(self):
        pool = self.pool
        Client = pool.get('therapy.client')
        Service = pool.get('therapy.service')
        Series = pool.get('therapy.appointment.series')
        services = {s.code: s for s in Service.search([])}
        taken = {}  # clinician -> {(weekday, hour)}
        series_values = []
        for client in Client.search([('status', '=', 'active')],
                order=[('id', 'ASC')]):
            clinician = client.primary_clinician
            code = self.random.choice(
                SERVICE_BY_DISCIPLINE[clinician.discipline])
            service = services[code]
            hours = -(-int(service.duration.total_seconds()) // 3600)
            busy = taken.setdefault(clinician.id, set())
            free = [(day, hour) for day in range(5)
                for hour in WORK_HOURS[:len(WORK_HOURS) - hours + 1]
                if not any((day, hour + h) in busy for h in range(hours))]
            if not free:
                continue
            day, hour = self.random.choice(free)
            busy.update((day, hour + h) for h in range(hours))
            monday = self.today - dt.timedelta(
                days=self.today.weekday(), weeks=HISTORY_WEEKS)
            telehealth = self.random.random() < 0.2
            series_values.append({
                    'company': self.company.id,
                    'client': client.id,
                    'clinician': clinician.id,
                    'location': client.location.id,
                    'service': service.id,
                    'modality': 'telehealth' if telehealth else 'in_person',
                    'place_of_service': '10' if telehealth else '11',
                    'first_date': monday + dt.timedelta(days=day),
                    'start_time': dt.time(hour),
                    'frequency': 'weekly',
                    'interval': 2 if self.random.random() < 0.25 else 1,
                    'end_type': 'never',
                    'skip_holidays': True,
                    'state': 'active',
                    'generated_until':
                        self.today + dt.timedelta(weeks=AHEAD_WEEKS),
                    })
        self.create_appointments(Series.create(series_values))

    def create_appointments(self, all_series):
        pool = self.pool
        Appointment = pool.get('therapy.appointment')
        end = self.today + dt.timedelta(weeks=AHEAD_WEEKS)
        values = []
        for series in all_series:
            for occurrence in series.occurrences(date_to=end):
                if occurrence.holiday:
                    continue
                record = series.appointment_values(occurrence)
                record.update(self.history(occurrence.start))
                values.append(record)
        for index in range(0, len(values), BATCH):
            Appointment.create(values[index:index + BATCH])

    def history(self, start):
        "State of an appointment at start, as the practice lived it"
        if start > self.now:
            soon = start - self.now < dt.timedelta(days=7)
            return {'state': 'confirmed' if soon
                and self.random.random() < 0.6 else 'scheduled'}
        draw = self.random.random()
        if draw < 0.84:
            return {'state': 'completed'}
        if draw < 0.90:
            late = self.random.random() < 0.4
            notice = dt.timedelta(hours=self.random.randint(2, 20)
                if late else self.random.randint(30, 120))
            return {'state': 'cancelled', 'cancelled_by': 'client',
                'cancel_reason': self.random.choice(
                    ['illness', 'schedule', 'transportation', 'weather']),
                'cancelled_at': start - notice, 'late_cancellation': late}
        if draw < 0.93:
            return {'state': 'cancelled', 'cancelled_by': 'practice',
                'cancel_reason': 'clinician',
                'cancelled_at': start - dt.timedelta(days=2),
                'late_cancellation': False}
        return {'state': 'no_show'}

    def create_waitlist(self):
        pool = self.pool
        Client = pool.get('therapy.client')
        Entry = pool.get('therapy.waitlist.entry')
        Service = pool.get('therapy.service')
        services = {s.code: s for s in Service.search([])}
        entries = []
        # the first entry of each discipline takes any hour, so a slot freed
        # at whatever hour the demo is made has a candidate
        any_hour = set()
        for client in Client.search([('status', '=', 'waitlist')],
                order=[('id', 'ASC')]):
            discipline = client.primary_clinician.discipline
            first = discipline not in any_hour
            any_hour.add(discipline)
            entries.append({
                    'company': self.company.id,
                    'client': client.id,
                    'service': services[
                        SERVICE_BY_DISCIPLINE[discipline][0]].id,
                    'priority': self.random.choice(['1', '1', '2', '3']),
                    'date_added': self.today - dt.timedelta(
                        days=self.random.randint(3, 90)),
                    'earliest': dt.time(15)
                    if self.random.random() < 0.4 and not first else None,
                    })
        Entry.create(entries)

    def create_session_soon(self):
        """One of a mental-health clinician's active clients booked a few
        hours from now, in extra hours (whatever the hour), at the first
        time both are free"""
        pool = self.pool
        Service = pool.get('therapy.service')
        service, = Service.search([('code', '=', '90834')])
        base = (self.now + dt.timedelta(hours=SOON_HOURS)).replace(
            minute=0, second=0, microsecond=0)
        for hours in range(6):
            start = base + dt.timedelta(hours=hours)
            for clinician in self.clinicians():
                if (clinician.discipline == 'mental_health'
                        and self.book_soon(clinician, service, start)):
                    return

    def create_portal_request(self):
        """Clients book 90834 online at once and ask for their discipline's
        first service (90837 in mental health; the front desk approves);
        the adult portal client has asked for a time next week that waits
        on the front desk's home"""
        from therapy_scheduling.slot_wizard import client_busy
        from therapy_scheduling.slots import step_for, utc_bounds

        try:
            from therapy_billing.authorization import authorization_problem
        except ImportError:
            authorization_problem = None

        from .clients import PORTAL_LOGINS
        pool = self.pool
        try:
            WebUser = pool.get('web.user')
        except KeyError:  # the portal is not activated
            return
        Service = pool.get('therapy.service')
        Client = pool.get('therapy.client')
        Availability = pool.get('therapy.availability')
        Request = pool.get('therapy.appointment.request')
        services = {s.code: s for s in Service.search([])}
        login, = WebUser.search([('email', '=', PORTAL_LOGINS[1])])
        client, = Client.search([('party', '=', login.party.id)])
        clinician = client.primary_clinician
        location = client.location or clinician.therapy_locations[0]
        service = services[SERVICE_BY_DISCIPLINE[clinician.discipline][0]]
        Service.write([services['90834']], {'portal_booking': 'instant'})
        if service != services['90834']:
            Service.write([service], {'portal_booking': 'request'})
        first = self.today + dt.timedelta(days=7)
        last = first + dt.timedelta(days=7)
        busy = client_busy(client, *utc_bounds(first, last, location.timezone))
        Appointment = pool.get('therapy.appointment')
        pending = Appointment(
            service=service, clinician=clinician, location=location)
        for _, start, end, _ in Availability.free_slots([clinician],
                location, service.duration, first, last,
                kinds=('bookable',), step=step_for(service.duration),
                busy=busy):
            if authorization_problem and authorization_problem(
                    client, pending, start, end, defaultdict(int)):
                continue  # approving it should just work in the demo
            Request.create([{
                        'company': self.company.id, 'client': client.id,
                        'clinician': clinician.id,
                        'location': location.id, 'service': service.id,
                        'modality': service.modality,
                        'start': start, 'end': end,
                        }])
            return

    def no_missed_fee_clients(self):
        "Medicaid members, who are never charged a late fee"
        try:
            Coverage = self.pool.get('therapy.coverage')
        except KeyError:  # billing not activated
            return set()
        return {c.client for c in Coverage.search([
                    ('payer.filing_indicator', '=', 'MC')])}

    def book_soon(self, clinician, service, start):
        pool = self.pool
        Client = pool.get('therapy.client')
        Attendee = pool.get('therapy.appointment.attendee')
        Exception_ = pool.get('therapy.availability.exception')
        Appointment = pool.get('therapy.appointment')
        location = clinician.therapy_locations[0]
        end = start + service.duration
        if Appointment.search([
                    ('clinician', '=', clinician.id),
                    ('state', 'in', ['scheduled', 'confirmed']),
                    ('start', '<', end), ('end', '>', start)]):
            return False
        busy = {a.client for a in Attendee.search([
                    ('blocking', '=', True),
                    ('start', '<', end), ('end', '>', start)])}
        busy |= self.no_missed_fee_clients()
        client = next((c for c in Client.search([
                        ('status', '=', 'active'),
                        ('primary_clinician', '=', clinician.id),
                        ('location', '=', location.id),
                        ], order=[('id', 'ASC')]) if c not in busy), None)
        if not client:
            return False
        Exception_.create([{
                    'company': self.company.id, 'clinician': clinician.id,
                    'kind': 'extra', 'location': location.id,
                    'start': start, 'end': start + dt.timedelta(hours=2),
                    'reason': "Extra hours",
                    }])
        Appointment.create([{
                    'company': self.company.id, 'client': client.id,
                    'clinician': clinician.id, 'location': location.id,
                    'service': service.id, 'start': start, 'end': end,
                    'notes': SOON_NOTE,
                    }])
        return True
