"""Client portal pages: log in, see one's own care, log out.

These routes run as user 0 with no access rules (web_user's design), so
every query is restricted here to the clients the logged-in portal user may
see: themselves, or a client they are the consenting guardian of. A client
that is not theirs answers 404, like one that does not exist.
"""
import datetime as dt

from genshi.template import MarkupTemplate

from trytond import config
from trytond.exceptions import RateLimitException
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, redirect, with_pool, with_transaction)
from trytond.tools import file_open
from trytond.transaction import Transaction
from trytond.wsgi import app

COOKIE = 'caseload_portal'


def portal_max_age():
    "Absolute lifetime of a portal session (SECURITY.md §6: 12 h)"
    return dt.timedelta(seconds=config.getint(
            'session', 'portal_max_age', default=12 * 60 * 60))


def _render(template, status=HTTPStatus.OK, **context):
    with file_open(f'therapy_portal/templates/{template}', mode='rb') as fp:
        body = MarkupTemplate(fp).generate(**context).render(
            'html', doctype='html5')
    response = Response(
        body, status=status, content_type='text/html; charset=utf-8')
    response.headers['Cache-Control'] = 'no-store'
    response.headers['X-Frame-Options'] = 'DENY'
    response.headers['X-Content-Type-Options'] = 'nosniff'
    response.headers['Content-Security-Policy'] = (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'")
    return response


def _base(pool):
    return f'/{pool.database_name}/portal'


def _require_module(pool):
    # routes exist for every database; answer 404 where we are not activated
    try:
        pool.get('therapy.client')
        return pool.get('web.user.session')
    except KeyError:
        abort(HTTPStatus.NOT_FOUND)


def portal_user(request, pool):
    "The web.user of a valid session cookie, or None"
    Session = _require_module(pool)
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


@app.route('/<database_name>/portal/portal.css', methods={'GET'})
def stylesheet(request, database_name):
    with file_open('therapy_portal/templates/portal.css', mode='rb') as fp:
        return Response(fp.read(), content_type='text/css; charset=utf-8')


@app.route('/<database_name>/portal/login', methods={'GET'})
@with_pool
@with_transaction()
def login_form(request, pool):
    _require_module(pool)
    return _render('login.html', base=_base(pool), error=None)


@app.route('/<database_name>/portal/login', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
def login(request, pool):
    _require_module(pool)
    User = pool.get('web.user')
    try:
        user = User.authenticate(
            request.form.get('email', ''), request.form.get('password', ''))
    except RateLimitException:
        return _render('login.html', HTTPStatus.TOO_MANY_REQUESTS,
            base=_base(pool),
            error="Too many attempts. Wait a few minutes and try again.")
    if not user:
        return _render('login.html', HTTPStatus.UNAUTHORIZED,
            base=_base(pool), error="Wrong email or password.")
    response = redirect(f'{_base(pool)}/')
    response.set_cookie(
        COOKIE, user.new_session(), path=_base(pool), httponly=True,
        samesite='Strict', secure=request.is_secure)
    return response


@app.route('/<database_name>/portal/logout', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
def logout(request, pool):
    Session = _require_module(pool)
    if key := request.cookies.get(COOKIE):
        Session.remove(key)
    response = redirect(f'{_base(pool)}/login')
    response.delete_cookie(COOKIE, path=_base(pool))
    return response


@app.route('/<database_name>/portal/', methods={'GET'})
@with_pool
@with_transaction()
def home(request, pool):
    Client = pool.get('therapy.client')
    user = portal_user(request, pool)
    if not user:
        return redirect(f'{_base(pool)}/login')
    clients = Client.for_portal_party(user.party)
    from .forms import pending_forms
    return _render('home.html', base=_base(pool), user=user, clients=clients,
        forms=pending_forms(pool, clients))
