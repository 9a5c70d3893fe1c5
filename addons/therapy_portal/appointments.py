"""Client portal: the client's appointments (issue 14).

Upcoming and past sessions of the portal user's clients (themselves, or
the minors they consent for), individual or in a group, each with its
date and time at its location, the clinician, the service and the place
(*Online* for telehealth). An upcoming one can be added to a calendar
(an .ics file, RFC 5545 through `icalendar`) and cancelled: the page that
asks says first when a cancellation is late and the fee it charges (the
same `late_cancel_fee` the front desk sees), then cancels as a reminder's
cancel link does (`do_cancel` by the client, which charges the late fee;
a group session's attendee alone). GET never changes anything; the
cancellation is a POST. An appointment that is not the user's answers 404.
"""
import datetime as dt

from icalendar import Calendar, Event

from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, redirect, with_pool, with_transaction)
from trytond.wsgi import app

from therapy_scheduling import clock
from therapy_scheduling.appointment import format_local

from .mfa import portal_event
from .session import COOKIE, portal_base, portal_page, requires_sign_in

OPEN = ['scheduled', 'confirmed']
PAST_SHOWN = 20
# what the page says after a change (its redirect's query flag)
NOTICES = {
    'cancelled': 'therapy_portal.msg_appointment_cancel_done',
    'booked': 'therapy_portal.msg_booking_booked',
    'requested': 'therapy_portal.msg_booking_requested',
    'rescheduled': 'therapy_portal.msg_booking_rescheduled',
    'taken': 'therapy_portal.msg_waitlist_offer_taken',
    'withdrawn': 'therapy_portal.msg_booking_withdrawn',
    }


class Visit:
    "One client's place in an appointment, as the portal shows it"

    def __init__(self, appointment, client, attendee=None):
        self.appointment = appointment
        self.client = client
        self.attendee = attendee
        location = appointment.location
        self.id = appointment.id
        self.when = format_local(appointment.start, location.timezone)
        self.minutes = int(
            (appointment.end - appointment.start).total_seconds() // 60)
        self.clinician = appointment.clinician.party.name
        self.service = appointment.service.name
        self.online = appointment.modality == 'telehealth'
        # only here, behind the login: never in an email or an .ics
        self.join_url = appointment.join_url if self.online else None
        self.place = location.name
        self.address = (location.address.full_address.replace('\n', ', ')
            if location.address else '')
        self.phone = location.phone or appointment.company.party.phone

    @property
    def cancelled(self):
        if self.attendee:
            return self.attendee.attendance == 'cancelled'
        return self.appointment.state == 'cancelled'

    @property
    def state(self):
        if self.cancelled:
            return gettext('therapy_portal.msg_appointment_cancelled')
        return dict(self.appointment.__class__.state.selection)[
            self.appointment.state]

    @property
    def movable(self):
        "Whether the portal offers to move it (booking.py)"
        return (self.upcoming and not self.attendee
            and self.appointment.service.portal_booking == 'instant')

    @property
    def upcoming(self):
        return (not self.cancelled and self.appointment.state in OPEN
            and self.appointment.start > dt.datetime.now())


def visits(pool, user, appointment_id=None):
    """[Visit] of the user's clients, newest first; of the one appointment
    appointment_id only, when given"""
    Client = pool.get('therapy.client')
    Appointment = pool.get('therapy.appointment')
    Attendee = pool.get('therapy.appointment.attendee')
    clients = Client.for_portal_party(user.party)
    ids = [c.id for c in clients]
    one, one_group = ([('id', '=', appointment_id)],
        [('appointment', '=', appointment_id)]) if appointment_id else ([], [])
    found = [Visit(a, a.client) for a in Appointment.search([
                ('client', 'in', ids),
                *one,
                ], order=[('start', 'DESC'), ('id', 'DESC')])]
    # group sessions (an individual one has its client's attendee row too)
    found += [Visit(a.appointment, a.client, a) for a in Attendee.search([
                ('client', 'in', ids),
                ('appointment.client', '=', None),
                *one_group,
                ])]
    return sorted(found, key=lambda v: v.appointment.start, reverse=True)


def own_visit(pool, user, appointment_id):
    "The user's Visit of the appointment, else 404"
    found = visits(pool, user, appointment_id)
    if not found:
        abort(HTTPStatus.NOT_FOUND)
    return found[0]


def open_offers(pool, user):
    """Waitlist offers of freed slots to the user's clients that can still
    be taken (accepted in waitlist.py)"""
    Client = pool.get('therapy.client')
    Offer = pool.get('therapy.waitlist.offer')
    now = clock.now()
    clients = Client.for_portal_party(user.party)
    return [o for o in Offer.search([
                ('entry.client', 'in', [c.id for c in clients]),
                ('state', '=', 'sent'),
                ('slot.state', '=', 'open'),
                ('slot.start', '>', now),
                ]) if not o.expires_at or o.expires_at > now]


def pending_requests(pool, user):
    "The user's clients' appointment requests awaiting the front desk"
    Client = pool.get('therapy.client')
    Request = pool.get('therapy.appointment.request')
    clients = Client.for_portal_party(user.party)
    return Request.search([
            ('client', 'in', [c.id for c in clients]),
            ('state', '=', 'pending'),
            ('start', '>', clock.now()),
            ])


def late_fee(visit):
    "The fee cancelling now would charge, or None"
    if visit.attendee or not visit.appointment.is_late_cancellation():
        return None
    fee = visit.appointment.late_cancel_fee()
    return fee if fee else None


@app.route('/<database_name>/portal/appointments', methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def appointments_page(request, pool, user):
    found = visits(pool, user)
    upcoming = [v for v in found if v.upcoming][::-1]
    past = [v for v in found if not v.upcoming][:PAST_SHOWN]
    offers = open_offers(pool, user)
    requests = pending_requests(pool, user)
    portal_event('portal.view', user, 'R', request.cookies.get(COOKIE),
        model='therapy.appointment',
        ids=sorted({v.id for v in upcoming + past}),
        client_ids=sorted({v.client.id for v in upcoming + past}
            | {o.entry.client.id for o in offers}
            | {r.client.id for r in requests}))
    notice = None
    for flag, message in NOTICES.items():
        if request.args.get(flag):
            notice = gettext(message)
    return portal_page('appointments.html', base=portal_base(pool),
        user=user, upcoming=upcoming, past=past, offers=offers,
        requests=requests, notice=notice)


@app.route('/<database_name>/portal/appointments/<int:appointment_id>/cancel',
    methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def cancel_page(request, pool, user, appointment_id):
    visit = own_visit(pool, user, appointment_id)
    if not visit.upcoming:
        return redirect(f'{portal_base(pool)}/appointments')
    return portal_page('appointment_cancel.html', base=portal_base(pool),
        user=user, visit=visit, fee=late_fee(visit))


@app.route('/<database_name>/portal/appointments/<int:appointment_id>/cancel',
    methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def cancel(request, pool, user, appointment_id):
    Appointment = pool.get('therapy.appointment')
    Attendee = pool.get('therapy.appointment.attendee')
    visit = own_visit(pool, user, appointment_id)
    if visit.upcoming:
        if visit.attendee:
            Attendee.write([visit.attendee],
                {'attendance': 'cancelled', 'blocking': False})
        else:
            Appointment.do_cancel([visit.appointment], 'client', 'other',
                note=gettext('therapy_portal.msg_appointment_cancel_note'))
        portal_event('portal.submit', user, 'U', request.cookies.get(COOKIE),
            model='therapy.appointment', ids=[visit.id],
            client_ids=[visit.client.id], reason='cancelled')
    return redirect(f'{portal_base(pool)}/appointments?cancelled=1')


@app.route('/<database_name>/portal/appointments/<int:appointment_id>.ics',
    methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def calendar_file(request, pool, user, appointment_id):
    visit = own_visit(pool, user, appointment_id)
    appointment = visit.appointment
    calendar = Calendar()
    calendar.add('prodid', '-//Caseload//Client portal//EN')
    calendar.add('version', '2.0')
    event = Event()
    event.add('uid', f'appointment-{appointment.id}@{pool.database_name}'
        '.caseload')
    event.add('dtstamp', dt.datetime.now(dt.timezone.utc))
    event.add('dtstart', appointment.start.replace(tzinfo=dt.timezone.utc))
    event.add('dtend', appointment.end.replace(tzinfo=dt.timezone.utc))
    # what a calendar shared with others may show: no service, clinician
    # or client, as a reminder says
    event.add('summary', gettext('therapy_portal.msg_appointment_ics_summary',
            practice=appointment.company.party.name))
    event.add('location', gettext('therapy_portal.msg_appointment_online')
        if visit.online else ', '.join(filter(None,
                [visit.place, visit.address])))
    if visit.cancelled:
        event.add('status', 'CANCELLED')
    calendar.add_component(event)
    portal_event('portal.view', user, 'R', request.cookies.get(COOKIE),
        model='therapy.appointment', ids=[appointment.id],
        client_ids=[visit.client.id])
    return Response(calendar.to_ical(), HTTPStatus.OK, headers={
            'Content-Disposition':
            f'attachment; filename="appointment-{appointment.id}.ics"',
            'Cache-Control': 'no-store',
            }, content_type='text/calendar; charset=utf-8')
