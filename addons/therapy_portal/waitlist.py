"""Client portal: the waitlist (issue 14).

A client (or their guardian) joins the practice's waitlist for a service
offered online, with preferences (days of the week, a time of day, one of
their own clinicians), sees their entries and leaves one. An open offer of
a freed slot made to one of the user's clients shows on the appointments
page with an Accept button: the POST is Offer.answer, the very code of the
emailed link's POST (therapy_scheduling/waitlist_routes.py), so the first
to accept gets the slot, however they answer, and a later one reads that
it is taken. Everything posted must be the user's, else 404."""
import datetime as dt

from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, abort, redirect, with_pool, with_transaction)
from trytond.wsgi import app

from therapy_scheduling.series import WEEKDAYS

from .booking import (
    as_id, bookable_services, client_clinicians, own_client, own_service)
from .mfa import portal_event
from .session import COOKIE, portal_base, portal_page, requires_sign_in

# a time of day as the waitlist's earliest start and latest end (local)
TIMES_OF_DAY = {
    'any': (None, None),
    'morning': (None, dt.time(12)),
    'afternoon': (dt.time(12), dt.time(17)),
    'evening': (dt.time(17), None),
    }


def own_entries(pool, user):
    "The waiting entries of the user's clients"
    Client = pool.get('therapy.client')
    Entry = pool.get('therapy.waitlist.entry')
    clients = Client.for_portal_party(user.party)
    return Entry.search([
            ('client', 'in', [c.id for c in clients]),
            ('state', '=', 'waiting'),
            ], order=[('date_added', 'ASC'), ('id', 'ASC')])


def waitlist_page(request, pool, user, error=None, notice=None,
        status=HTTPStatus.OK):
    Client = pool.get('therapy.client')
    clients = Client.for_portal_party(user.party)
    choices = []
    for client in clients:
        for service in bookable_services(pool, client):
            choices.append((client, service,
                    client_clinicians(client, service)))
    clinicians = []
    for _, _, theirs in choices:
        clinicians += [c for c in theirs if c not in clinicians]
    entries = own_entries(pool, user)
    portal_event('portal.view', user, 'R', request.cookies.get(COOKIE),
        model='therapy.waitlist.entry', ids=[e.id for e in entries],
        client_ids=[c.id for c in clients])
    return portal_page('waitlist.html', status, base=portal_base(pool),
        user=user, clients=clients, choices=choices, entries=entries,
        clinicians=clinicians,
        weekdays=WEEKDAYS, error=error, notice=notice)


@app.route('/<database_name>/portal/waitlist', methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def waitlist_form(request, pool, user):
    notice = None
    if request.args.get('joined'):
        notice = gettext('therapy_portal.msg_waitlist_joined')
    elif request.args.get('left'):
        notice = gettext('therapy_portal.msg_waitlist_left')
    return waitlist_page(request, pool, user, notice=notice)


@app.route('/<database_name>/portal/waitlist', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def join(request, pool, user):
    Entry = pool.get('therapy.waitlist.entry')
    # "client:service", one choice of the form
    client_id, _, service_id = (request.form.get('choice') or '').partition(
        ':')
    client = own_client(pool, user, as_id(client_id))
    service = own_service(pool, client, as_id(service_id))
    clinicians = []
    if clinician_id := as_id(request.form.get('clinician')):
        clinicians = [c for c in client_clinicians(client, service)
            if c.id == clinician_id]
        if not clinicians:
            abort(HTTPStatus.NOT_FOUND)
    weekdays = [d for d in request.form.getlist('weekday')
        if d in dict(WEEKDAYS)]
    time_of_day = request.form.get('time_of_day') or 'any'
    if time_of_day not in TIMES_OF_DAY:
        abort(HTTPStatus.BAD_REQUEST)
    earliest, latest = TIMES_OF_DAY[time_of_day]
    if Entry.search([
                ('client', '=', client.id),
                ('service', '=', service.id),
                ('state', '=', 'waiting'),
                ], limit=1):
        return waitlist_page(request, pool, user,
            error=gettext('therapy_portal.msg_waitlist_already'),
            status=HTTPStatus.CONFLICT)
    entry, = Entry.create([{
                'company': client.company.id,
                'client': client.id,
                'service': service.id,
                'clinicians': [('add', [c.id for c in clinicians])],
                'weekdays': weekdays,
                'earliest': earliest,
                'latest': latest,
                'notes': gettext('therapy_portal.msg_waitlist_note'),
                }])
    portal_event('portal.submit', user, 'C', request.cookies.get(COOKIE),
        model='therapy.waitlist.entry', ids=[entry.id],
        client_ids=[client.id], reason='joined waitlist')
    return redirect(f'{portal_base(pool)}/waitlist?joined=1')


@app.route('/<database_name>/portal/waitlist/<int:entry_id>/leave',
    methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def leave(request, pool, user, entry_id):
    Entry = pool.get('therapy.waitlist.entry')
    entries = [e for e in own_entries(pool, user) if e.id == entry_id]
    if not entries:
        abort(HTTPStatus.NOT_FOUND)
    Entry.remove(entries)
    portal_event('portal.submit', user, 'U', request.cookies.get(COOKIE),
        model='therapy.waitlist.entry', ids=[entry_id],
        client_ids=[entries[0].client.id], reason='left waitlist')
    return redirect(f'{portal_base(pool)}/waitlist?left=1')


@app.route('/<database_name>/portal/waitlist/offers/<int:offer_id>/accept',
    methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def accept(request, pool, user, offer_id):
    Client = pool.get('therapy.client')
    Offer = pool.get('therapy.waitlist.offer')
    clients = Client.for_portal_party(user.party)
    offers = Offer.search([
            ('id', '=', offer_id),
            ('entry.client', 'in', [c.id for c in clients]),
            ])
    if not offers:
        abort(HTTPStatus.NOT_FOUND)
    offer, = offers
    # the emailed link's own answer: the first to accept gets the slot
    booked = offer.answer(accept=True)
    portal_event('portal.submit', user, 'C', request.cookies.get(COOKIE),
        outcome='0' if booked else '4', model='therapy.waitlist.offer',
        ids=[offer.id], client_ids=[offer.entry.client.id],
        reason='offer accepted' if booked else 'offer gone')
    if booked:
        return redirect(f'{portal_base(pool)}/appointments?booked=1')
    return redirect(f'{portal_base(pool)}/appointments?taken=1')
