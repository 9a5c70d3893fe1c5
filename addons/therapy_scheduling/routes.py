"""Confirm / cancel links of appointment reminders.

GET only shows a page with a button: mail clients and link scanners fetch
links on their own, so a GET never changes anything (it runs in a read-only
transaction). The button POSTs to the same URL, which uses the link once.

These routes run as user 0 without access rules: the only thing a request
can reach is the token whose hash matches, and its own appointment. An
unknown, used or expired link answers 410 and changes nothing."""
from genshi.template import MarkupTemplate

from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, with_pool, with_transaction)
from trytond.tools import file_open
from trytond.wsgi import app

from .reminder_send import format_when

LINK = '/<database_name>/appointment/<any(confirm, cancel):action>/<token>'


def _render(status=HTTPStatus.OK, **context):
    path = 'therapy_scheduling/templates/appointment_link.html'
    with file_open(path, mode='rb') as fp:
        body = MarkupTemplate(fp).generate(**context).render(
            'html', doctype='html5')
    response = Response(
        body, status=status, content_type='text/html; charset=utf-8')
    headers = response.headers
    headers['Cache-Control'] = 'no-store'
    headers['X-Frame-Options'] = 'DENY'
    headers['X-Content-Type-Options'] = 'nosniff'
    # the token is in the URL: never send it to another site
    headers['Referrer-Policy'] = 'no-referrer'
    headers['X-Robots-Tag'] = 'noindex, nofollow'
    headers['Content-Security-Policy'] = (
        "default-src 'none'; style-src 'unsafe-inline'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    return response


def _token_model(pool):
    # routes exist for every database; 404 where the module is not active
    try:
        return pool.get('therapy.appointment.token')
    except KeyError:
        abort(HTTPStatus.NOT_FOUND)


def _invalid():
    return _render(HTTPStatus.GONE,
        title=gettext('therapy_scheduling.msg_reminder_link_invalid_title'),
        message=gettext('therapy_scheduling.msg_reminder_link_invalid'),
        appointment=None, button=None)


def _appointment(token):
    "What the page may show: practice, date, time and place, no PHI"
    appointment = token.appointment
    location = appointment.location
    return {
        'practice': appointment.company.party.name,
        'when': format_when(appointment.start, location.timezone),
        'place': location.name,
        'phone': location.phone or appointment.company.party.phone,
        }


@app.route(LINK, methods={'GET'})
@with_pool
@with_transaction()
def appointment_link_form(request, pool, action, token):
    Token = _token_model(pool)
    record = Token.lookup(token, action)
    if not record:
        return _invalid()
    return _render(
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
    Token = _token_model(pool)
    record = Token.redeem(token, action)
    if not record:
        return _invalid()
    return _render(
        title=gettext(f'therapy_scheduling.msg_reminder_link_{action}_title'),
        message=gettext(f'therapy_scheduling.msg_reminder_link_{action}_done'),
        appointment=_appointment(record), button=None)
