"""The link a waiting client gets by email when a slot frees up.

GET shows the slot with an Accept button and changes nothing (mail clients
prefetch links); POST accepts: the first client to accept gets the slot
booked. Runs as user 0: only the offer whose token hash matches is reached.
"""
from trytond.i18n import gettext
from trytond.protocols.wrappers import HTTPStatus, with_pool, with_transaction
from trytond.wsgi import app

from .routes import link_page
from .web import require_model, visit_details

LINK = '/<database_name>/waitlist/offer/<token>'


def _offer(pool, token):
    Offer = require_model(pool, 'therapy.waitlist.offer')
    return Offer.lookup(token)


def _slot(offer):
    slot = offer.slot
    return visit_details(slot.company, slot.start, slot.location)


def _page(status, key, offer=None, button=None, action=None):
    return link_page(status,
        title=gettext(f'therapy_scheduling.msg_waitlist_page_{key}_title'),
        message=gettext(f'therapy_scheduling.msg_waitlist_page_{key}'),
        appointment=_slot(offer) if offer else None,
        button=button, action=action)


@app.route(LINK, methods={'GET'})
@with_pool
@with_transaction()
def waitlist_offer_form(request, pool, token):
    offer = _offer(pool, token)
    if not offer:
        return _page(HTTPStatus.NOT_FOUND, 'invalid')
    if offer.state != 'sent' or offer.slot.state != 'open':
        return _page(HTTPStatus.GONE, 'gone', offer)
    return _page(HTTPStatus.OK, 'offer', offer,
        button=gettext('therapy_scheduling.msg_waitlist_page_accept'),
        action=request.path)


@app.route(LINK, methods={'POST'})
@with_pool
@with_transaction(readonly=False)
def waitlist_offer_accept(request, pool, token):
    offer = _offer(pool, token)
    if not offer:
        return _page(HTTPStatus.NOT_FOUND, 'invalid')
    if offer.answer(accept=True):
        return _page(HTTPStatus.OK, 'booked', offer)
    return _page(HTTPStatus.GONE, 'gone', offer)
