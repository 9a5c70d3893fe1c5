"""What every portal page needs: the portal's base path, its pages'
rendering, and the portal user of a request's session cookie.

The routes (routes.py, forms.py) build on this module and never on each
other, so there is no import cycle between them.

A portal session ends as a staff one does (therapy_audit/login.py):
`[caseload] session_idle` seconds after its last request (default 900) or
`session_max` seconds after the login (default 43200), checked at every
request; the row is deleted and `auth.session.expired` recorded (channel
portal). A page holding a client's data also leaves itself when idle,
without JavaScript: its refresh goes to logout?idle=1 after the idle
limit (the `idle` every portal page gets)."""
import datetime as dt
from functools import wraps

from trytond.pool import Pool
from trytond.protocols.wrappers import HTTPStatus, redirect
from trytond.transaction import Transaction

from therapy_audit.login import session_limits, stamp_interval
from therapy_scheduling.web import render_page, require_model

COOKIE = 'caseload_portal'


def portal_base(pool):
    "The path every portal URL of pool's database starts with"
    return f'/{pool.database_name}/portal'


def idle_seconds():
    "The portal's idle limit, in seconds"
    idle, _ = session_limits()
    return int(idle.total_seconds())


def portal_page(template, status=HTTPStatus.OK, **context):
    """The portal template named template rendered as a page; idle is the
    idle limit in seconds, for the page's refresh to logout?idle=1"""
    context.setdefault('idle', idle_seconds())
    return render_page(
        f'therapy_portal/templates/{template}', status, **context)


def session_model(pool):
    "web.user.session; 404 where the portal is not activated"
    _, Session = require_model(pool, 'therapy.client', 'web.user.session')
    return Session


def requires_sign_in(func):
    """A route for a signed-in portal user, given after pool; anyone else
    goes to the sign-in page"""
    @wraps(func)
    def wrapper(request, pool, *args, **kwargs):
        user = portal_user(request, pool)
        if not user:
            return redirect(f'{portal_base(pool)}/login')
        return func(request, pool, user, *args, **kwargs)
    return wrapper


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
    now = dt.datetime.now()
    idle, absolute = session_limits()
    if now - session.create_date > absolute:
        expire(session, 'absolute')
        return None
    # (web_user's own `[session] web_timeout` is an idle limit too)
    if now - session.last_modified_at > idle or session.expired:
        expire(session, 'idle')
        return None
    # the idle clock: record the activity, sparing a write at every request
    if now - session.last_modified_at > stamp_interval(idle):
        with Transaction().new_transaction() as transaction:
            Session.reset(key)
            transaction.commit()
    return session.user


def expire(session, limit):
    """End the portal session, recording which limit ended it (in a
    transaction of its own: a page's is read-only)"""
    key, user = session.key, session.user
    with Transaction().new_transaction() as transaction, \
            transaction.set_context(
                _audit_channel='portal', _audit_session=key):
        pool = Pool()
        Session = pool.get('web.user.session')
        Event = pool.get('therapy.audit.event')
        Session.delete(Session.search([('key', '=', key)]))
        Event.log('auth.session.expired', 'E', reason=limit,
            actor_kind='portal', actor_web_user=user.id,
            actor_login=user.email)
        transaction.commit()
