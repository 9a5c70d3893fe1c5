"""What every portal page needs: the portal's base path, its pages'
rendering, and the portal user of a request's session cookie.

The routes (routes.py, forms.py) build on this module and never on each
other, so there is no import cycle between them."""
import datetime as dt

from trytond import config
from trytond.protocols.wrappers import HTTPStatus
from trytond.transaction import Transaction

from therapy_scheduling.web import render_page, require_model

COOKIE = 'caseload_portal'


def portal_max_age():
    "Absolute lifetime of a portal session (SECURITY.md §6: 12 h)"
    return dt.timedelta(seconds=config.getint(
            'session', 'portal_max_age', default=12 * 60 * 60))


def portal_base(pool):
    "The path every portal URL of pool's database starts with"
    return f'/{pool.database_name}/portal'


def portal_page(template, status=HTTPStatus.OK, **context):
    "The portal template named template rendered as a page"
    return render_page(
        f'therapy_portal/templates/{template}', status, **context)


def session_model(pool):
    "web.user.session; 404 where the portal is not activated"
    _, Session = require_model(pool, 'therapy.client', 'web.user.session')
    return Session


def portal_user(request, pool):
    "The web.user of a valid session cookie, or None"
    Session = session_model(pool)
    key = request.cookies.get(COOKIE)
    if not key:
        return None
    sessions = Session.search([('key', '=', key)])
    if not sessions:
        return None
    session, = sessions
    if (session.expired
            or dt.datetime.now() - session.create_date > portal_max_age()):
        return None
    # idle expiry counts from the last activity: record it, at most every
    # tenth of the timeout to spare writes
    if dt.datetime.now() - session.last_modified_at > Session.timeout() / 10:
        with Transaction().new_transaction() as transaction:
            Session.reset(key)
            transaction.commit()
    return session.user
