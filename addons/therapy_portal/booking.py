"""Client portal: book, request or move a session from the clinician's
bookable hours (issue 14).

A service is offered online only when the practice says so on the service
(portal_booking: instant, or request for the front desk to approve), and
only with the client's own clinicians (the primary clinician and the care
team, of the service's discipline): the free times are the back office's
own search (Availability.free_slots, bookable hours only, the client's other
bookings left out) over the next BOOKING_WEEKS weeks.

Booking is the back office's Appointment.create, so its rules hold: double
booking (checks and the database's exclusion constraints), authorizations
(an authorization problem staff could override is refused here: these
routes run without a user, and Override.guard refuses a booking without
one). Availability is checked by offering and accepting only a free
bookable slot, recomputed at the POST. A request books nothing: it waits
for the front desk (therapy.appointment.request). A reschedule is the back
office's do_reschedule (the old slot cancelled as rescheduled by the
client, charged the late fee inside the window, linked to the new one),
all or nothing in a savepoint.

Every client, service, clinician, place and appointment posted must be the
signed-in user's (their clients'), else 404 with nothing written. GET
never changes anything."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model.exceptions import ValidationError
from trytond.protocols.wrappers import (
    HTTPStatus, abort, redirect, with_pool, with_transaction)
from trytond.wsgi import app

from therapy_audit.savepoint import savepoint
from therapy_scheduling import slots as slot_math
from therapy_scheduling.appointment import BLOCKING_STATES, format_local
from therapy_scheduling.exceptions import AppointmentConflictError
from therapy_scheduling.slot_wizard import client_busy

from .appointments import late_fee, own_visit, pending_requests
from .mfa import portal_event
from .session import COOKIE, portal_base, portal_page, requires_sign_in

BOOKING_WEEKS = 4
BOOKABLE = ['request', 'instant']


def own_client(pool, user, client_id):
    "The user's client of id client_id (or their only one), else 404"
    Client = pool.get('therapy.client')
    clients = Client.for_portal_party(user.party)
    if client_id is None and len(clients) == 1:
        return clients[0]
    for client in clients:
        if client.id == client_id:
            return client
    abort(HTTPStatus.NOT_FOUND)


def as_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def bookable_services(pool, client):
    "The individual services the practice lets clients book online"
    Service = pool.get('therapy.service')
    return Service.search([
            ('company', '=', client.company.id),
            ('portal_booking', 'in', BOOKABLE),
            ('group_session', '=', False),
            ], order=[('name', 'ASC'), ('id', 'ASC')])


def own_service(pool, client, service_id):
    for service in bookable_services(pool, client):
        if service.id == service_id:
            return service
    abort(HTTPStatus.NOT_FOUND)


def client_clinicians(client, service):
    """The client's own clinicians who give service: the primary one
    first, then the care team"""
    found = []
    for clinician in [client.primary_clinician, *client.care_team]:
        if (clinician and clinician not in found
                and clinician.discipline == service.discipline):
            found.append(clinician)
    return found


def clinician_locations(pool, client, clinician):
    "Where clinician has weekly hours: the client's usual location first"
    Availability = pool.get('therapy.availability')
    locations = []
    for row in Availability.search([('clinician', '=', clinician.id)],
            order=[('id', 'ASC')]):
        if row.location not in locations:
            locations.append(row.location)
    locations.sort(key=lambda l: l != client.location)
    return locations


class Offered:
    "A free time the portal offers: clinician, place and time"

    def __init__(self, clinician, location, start, end):
        self.clinician = clinician
        self.location = location
        self.start = start
        self.end = end
        self.key = f'{clinician.id}:{location.id}:{start.isoformat()}'
        local = slot_math.to_local(start, location.timezone)
        self.day = local.strftime('%A %B %d')
        self.when = format_local(start, location.timezone)
        self.time = local.strftime('%I:%M %p').lstrip('0')


def offered_slots(pool, client, service, clinicians, exclude=None):
    """[Offered] free bookable times of service with clinicians over the
    next BOOKING_WEEKS weeks, earliest first"""
    Availability = pool.get('therapy.availability')
    found = []
    today = dt.date.today()
    last = today + dt.timedelta(weeks=BOOKING_WEEKS)
    for clinician in clinicians:
        for location in clinician_locations(pool, client, clinician):
            low, high = slot_math.utc_bounds(today, last, location.timezone)
            for _, start, end, _ in Availability.free_slots(
                    [clinician], location, service.duration, today, last,
                    kinds=('bookable',),
                    step=slot_math.step_for(service.duration),
                    busy=client_busy(client, low, high, exclude)):
                found.append(Offered(clinician, location, start, end))
    return sorted(found, key=lambda o: (o.start, o.clinician.id))


def chosen_slot(pool, client, service, clinicians, key, exclude=None):
    """The Offered of the posted key: 404 when it names a clinician or
    place that is not the client's; None when the time is no longer free"""
    try:
        clinician_id, location_id, start = key.split(':', 2)
        clinician_id, location_id = int(clinician_id), int(location_id)
        start = dt.datetime.fromisoformat(start)
    except (AttributeError, ValueError):
        abort(HTTPStatus.NOT_FOUND)
    clinicians = [c for c in clinicians if c.id == clinician_id]
    if not clinicians or location_id not in [l.id for l in
            clinician_locations(pool, client, clinicians[0])]:
        abort(HTTPStatus.NOT_FOUND)
    for slot in offered_slots(pool, client, service, clinicians, exclude):
        if slot.location.id == location_id and slot.start == start:
            return slot
    return None


def refusal(error):
    """The portal's message for a booking the back-office rules refused:
    a taken time, or a rule only staff may override (authorizations)"""
    if isinstance(error, AppointmentConflictError) or (
            error.__class__.__name__ == 'SQLConstraintError'):
        return gettext('therapy_portal.msg_booking_slot_taken')
    return gettext('therapy_portal.msg_booking_refused',
        problem=error.message)


def by_day(slots):
    "[(day, [Offered])] in order"
    days = {}
    for slot in slots:
        days.setdefault(slot.day, []).append(slot)
    return list(days.items())


def book_page(request, pool, user, client, service, error=None,
        status=HTTPStatus.OK):
    Client = pool.get('therapy.client')
    clients = Client.for_portal_party(user.party)
    services = bookable_services(pool, client) if client else []
    slots = []
    if client and service:
        slots = offered_slots(
            pool, client, service, client_clinicians(client, service))
    portal_event('portal.view', user, 'R', request.cookies.get(COOKIE),
        model='therapy.client', ids=[client.id] if client else [],
        client_ids=[client.id] if client else [], reason='booking')
    return portal_page('appointment_book.html', status,
        base=portal_base(pool), user=user, clients=clients, client=client,
        services=services, service=service, days=by_day(slots),
        weeks=BOOKING_WEEKS, error=error)


@app.route('/<database_name>/portal/appointments/book', methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def book_form(request, pool, user):
    Client = pool.get('therapy.client')
    client_id = as_id(request.args.get('client'))
    client = None
    if client_id is not None or len(
            Client.for_portal_party(user.party)) == 1:
        client = own_client(pool, user, client_id)
    service = None
    if client and request.args.get('service'):
        service = own_service(
            pool, client, as_id(request.args.get('service')))
    return book_page(request, pool, user, client, service)


@app.route('/<database_name>/portal/appointments/book', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def book(request, pool, user):
    Appointment = pool.get('therapy.appointment')
    Request = pool.get('therapy.appointment.request')
    client = own_client(pool, user, as_id(request.form.get('client')))
    service = own_service(pool, client, as_id(request.form.get('service')))
    clinicians = client_clinicians(client, service)
    slot = chosen_slot(pool, client, service, clinicians,
        request.form.get('slot'))
    session = request.cookies.get(COOKIE)
    if slot and service.portal_booking == 'request' and Request.search([
                ('client', '=', client.id),
                ('clinician', '=', slot.clinician.id),
                ('start', '=', slot.start),
                ('state', '=', 'pending'),
                ], limit=1):
        slot = None  # asked already: one request per time
    if not slot:
        portal_event('portal.submit', user, 'C', session, outcome='4',
            model='therapy.appointment', client_ids=[client.id],
            reason='booking refused: time taken')
        return book_page(request, pool, user, client, service,
            gettext('therapy_portal.msg_booking_slot_taken'),
            HTTPStatus.CONFLICT)
    values = {
        'company': client.company.id,
        'client': client.id,
        'clinician': slot.clinician.id,
        'location': slot.location.id,
        'service': service.id,
        'modality': service.modality,
        'start': slot.start,
        'end': slot.end,
        }
    if service.portal_booking == 'request':
        made, = Request.create([values])
        portal_event('portal.submit', user, 'C', session,
            model='therapy.appointment.request', ids=[made.id],
            client_ids=[client.id], reason='appointment requested')
        return redirect(f'{portal_base(pool)}/appointments?requested=1')
    values['notes'] = gettext('therapy_portal.msg_booking_note')
    try:
        with savepoint('portal_booking'):
            made, = Appointment.create([values])
    except ValidationError as error:
        portal_event('portal.submit', user, 'C', session, outcome='4',
            model='therapy.appointment', client_ids=[client.id],
            reason='booking refused')
        return book_page(request, pool, user, client, service,
            refusal(error), HTTPStatus.CONFLICT)
    portal_event('portal.submit', user, 'C', session,
        model='therapy.appointment', ids=[made.id], client_ids=[client.id],
        reason='booked')
    return redirect(f'{portal_base(pool)}/appointments?booked=1')


@app.route('/<database_name>/portal/appointments/requests/<int:request_id>'
    '/withdraw', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def withdraw(request, pool, user, request_id):
    "Take back a request the front desk has not answered yet"
    Request = pool.get('therapy.appointment.request')
    found = [r for r in pending_requests(pool, user) if r.id == request_id]
    if not found:
        abort(HTTPStatus.NOT_FOUND)
    Request.withdraw(found)
    portal_event('portal.submit', user, 'U', request.cookies.get(COOKIE),
        model='therapy.appointment.request', ids=[request_id],
        client_ids=[found[0].client.id], reason='request withdrawn')
    return redirect(f'{portal_base(pool)}/appointments?withdrawn=1')


def movable(visit):
    """The visit, when the portal may move it: an upcoming individual
    session of a service booked online at once; else 404"""
    appointment = visit.appointment
    if (not visit.upcoming or visit.attendee
            or appointment.service.portal_booking != 'instant'):
        abort(HTTPStatus.NOT_FOUND)
    return visit


def kept_room(pool, appointment, slot):
    """The appointment's room id when it is free at the new time at the
    same place, else None (the front desk picks one), as the back office's
    reschedule does"""
    Appointment = pool.get('therapy.appointment')
    room = appointment.room
    if not room or slot.location != appointment.location:
        return None
    if Appointment.search([
                ('room', '=', room.id),
                ('id', '!=', appointment.id),
                ('state', 'in', BLOCKING_STATES),
                ('start', '<', slot.end),
                ('end', '>', slot.start),
                ], limit=1):
        return None
    return room.id


def reschedule_page(request, pool, user, visit, error=None,
        status=HTTPStatus.OK):
    appointment = visit.appointment
    slots = offered_slots(pool, visit.client, appointment.service,
        [appointment.clinician], exclude=appointment)
    portal_event('portal.view', user, 'R', request.cookies.get(COOKIE),
        model='therapy.appointment', ids=[visit.id],
        client_ids=[visit.client.id], reason='reschedule')
    return portal_page('appointment_reschedule.html', status,
        base=portal_base(pool), user=user, visit=visit, fee=late_fee(visit),
        days=by_day(slots), weeks=BOOKING_WEEKS, error=error)


@app.route(
    '/<database_name>/portal/appointments/<int:appointment_id>/reschedule',
    methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def reschedule_form(request, pool, user, appointment_id):
    visit = movable(own_visit(pool, user, appointment_id))
    return reschedule_page(request, pool, user, visit)


@app.route(
    '/<database_name>/portal/appointments/<int:appointment_id>/reschedule',
    methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def reschedule(request, pool, user, appointment_id):
    Appointment = pool.get('therapy.appointment')
    visit = movable(own_visit(pool, user, appointment_id))
    appointment = visit.appointment
    session = request.cookies.get(COOKIE)
    slot = chosen_slot(pool, visit.client, appointment.service,
        [appointment.clinician], request.form.get('slot'),
        exclude=appointment)
    error = None if slot else gettext(
        'therapy_portal.msg_booking_slot_taken')
    if slot:
        try:
            # all or nothing: the old one stays if the new time is refused
            with savepoint('portal_reschedule'):
                new = Appointment.do_reschedule(appointment, slot.start,
                    'client', location=slot.location.id,
                    room=kept_room(pool, appointment, slot))
        except ValidationError as exception:
            error = refusal(exception)
    if error:
        portal_event('portal.submit', user, 'U', session, outcome='4',
            model='therapy.appointment', ids=[visit.id],
            client_ids=[visit.client.id], reason='reschedule refused')
        visit = own_visit(pool, user, appointment_id)
        return reschedule_page(request, pool, user, visit, error,
            HTTPStatus.CONFLICT)
    portal_event('portal.submit', user, 'U', session,
        model='therapy.appointment', ids=[visit.id, new.id],
        client_ids=[visit.client.id], reason='rescheduled')
    return redirect(f'{portal_base(pool)}/appointments?rescheduled=1')
