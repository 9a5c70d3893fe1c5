"""Client portal: Good Faith Estimates (therapy_billing gfe.py).

The client, or the consenting guardian of a minor, sees the estimates
issued for their clients (issued, acknowledged, and superseded ones kept
for their record), downloads the PDF exactly as issued (the copy kept on
the estimate), and acknowledges receipt: the estimate records the login
and its role, and the time, through the estimate's own transition (the
server's to write; nobody types it in). An estimate that is not the
user's, or is still a draft, answers 404 like one that does not exist.
Every page, download and acknowledgment is an audit event."""
from trytond.protocols.wrappers import (
    HTTPStatus, abort, redirect, with_pool, with_transaction)
from trytond.wsgi import app

from .billing import money, pdf_response
from .mfa import portal_event
from .session import COOKIE, portal_base, portal_page, requires_sign_in

SHOWN = ['issued', 'acknowledged', 'superseded']


def estimates_of(pool, clients):
    "The estimates the portal shows for clients, newest first"
    Estimate = pool.get('therapy.good_faith_estimate')
    if not clients:
        return []
    return Estimate.search([
            ('client', 'in', [c.id for c in clients]),
            ('state', 'in', SHOWN),
            ], order=[('issue_date', 'DESC'), ('id', 'DESC')])


def to_acknowledge(pool, clients):
    "{client: [estimates issued, not acknowledged]} for the home page"
    pending = {c: [] for c in clients}
    for estimate in estimates_of(pool, clients):
        if estimate.state == 'issued':
            pending[estimate.client].append(estimate)
    return pending


def own_estimate(pool, user, estimate_id):
    "The user's client's estimate shown in the portal, else 404"
    Client = pool.get('therapy.client')
    clients = Client.for_portal_party(user.party)
    for estimate in estimates_of(pool, clients):
        if estimate.id == estimate_id:
            return estimate
    abort(HTTPStatus.NOT_FOUND)


def acknowledger(user, estimate):
    "Who acknowledges, in the estimate's words: the login and as whom"
    role = ('client' if user.party == estimate.client.party
        else 'guardian')
    return f'{user.email} ({role})'


@app.route('/<database_name>/portal/estimates', methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def estimates_page(request, pool, user):
    Client = pool.get('therapy.client')
    clients = Client.for_portal_party(user.party)
    estimates = estimates_of(pool, clients)
    portal_event('portal.view', user, 'R', request.cookies.get(COOKIE),
        model='therapy.good_faith_estimate', ids=[e.id for e in estimates],
        client_ids=[c.id for c in clients])
    return portal_page('estimates.html', base=portal_base(pool), user=user,
        estimates=estimates, money=money,
        acknowledged=request.args.get('acknowledged'))


@app.route('/<database_name>/portal/estimates/<int:estimate_id>.pdf',
    methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def estimate_file(request, pool, user, estimate_id):
    estimate = own_estimate(pool, user, estimate_id)
    portal_event('phi.print', user, 'R', request.cookies.get(COOKIE),
        model=estimate.__name__, ids=[estimate.id],
        client_ids=[estimate.client.id],
        detail={'report': 'therapy.good_faith_estimate.report',
            'format': 'pdf'})
    return pdf_response(bytes(estimate.document),
        estimate.document_name.removesuffix('.pdf'))


@app.route(
    '/<database_name>/portal/estimates/<int:estimate_id>/acknowledge',
    methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def acknowledge(request, pool, user, estimate_id):
    Estimate = pool.get('therapy.good_faith_estimate')
    estimate = own_estimate(pool, user, estimate_id)
    if estimate.state == 'issued':
        Estimate.acknowledge_in_portal([estimate], user,
            acknowledger(user, estimate))
        portal_event('portal.submit', user, 'U', request.cookies.get(COOKIE),
            model=estimate.__name__, ids=[estimate.id],
            client_ids=[estimate.client.id], reason='acknowledged')
    return redirect(f'{portal_base(pool)}/estimates?acknowledged=1')
