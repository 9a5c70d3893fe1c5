"""Confirm / cancel links of appointment reminders.

GET only shows a page with a button: mail clients and link scanners fetch
links on their own, so a GET never changes anything (it runs in a read-only
transaction). The button POSTs to the same URL, which uses the link once.

These routes run as user 0 without access rules: the only thing a request
can reach is the token whose hash matches, and its own appointment. An
unknown, used or expired link answers 410 and changes nothing."""
from trytond.i18n import gettext
from trytond.protocols.wrappers import HTTPStatus, with_pool, with_transaction
from trytond.wsgi import app

from .web import render_page, require_model, visit_details

LINK = '/<database_name>/appointment/<any(confirm, cancel):action>/<token>'
TEMPLATE = 'therapy_scheduling/templates/appointment_link.html'


def link_page(status=HTTPStatus.OK, **context):
    "The page of a reminder or waitlist link (its URL holds the token)"
    return render_page(TEMPLATE, status, **context)


def _invalid():
    return link_page(HTTPStatus.GONE,
        title=gettext('therapy_scheduling.msg_reminder_link_invalid_title'),
        message=gettext('therapy_scheduling.msg_reminder_link_invalid'),
        appointment=None, button=None)


def _appointment(token):
    appointment = token.appointment
    return visit_details(
        appointment.company, appointment.start, appointment.location)


@app.route(LINK, methods={'GET'})
@with_pool
@with_transaction()
def appointment_link_form(request, pool, action, token):
    Token = require_model(pool, 'therapy.appointment.token')
    record = Token.lookup(token, action)
    if not record:
        return _invalid()
    return link_page(
        title=gettext(f'therapy_scheduling.msg_reminder_link_{action}_title'),
        message=gettext(
            f'therapy_scheduling.msg_reminder_link_{action}_question'),
        appointment=_appointment(record),
        button=gettext(
            f'therapy_scheduling.msg_reminder_link_{action}_button'),
        action=request.path)


@app.route(LINK, methods={'POST'})
@with_pool
@with_transaction()
def appointment_link_use(request, pool, action, token):
    Token = require_model(pool, 'therapy.appointment.token')
    record = Token.redeem(token, action)
    if not record:
        return _invalid()
    return link_page(
        title=gettext(f'therapy_scheduling.msg_reminder_link_{action}_title'),
        message=gettext(f'therapy_scheduling.msg_reminder_link_{action}_done'),
        appointment=_appointment(record), button=None)
