"""Client portal pages: log in, see one's own care, log out.

A web user who turned two-step sign-in on (mfa.py) gives a code after the
password: the password only opens a challenge (a cookie of its own, for
CHALLENGE_SECONDS), and the session is made once the code is right.

These routes run as user 0 with no access rules (web_user's design), so
every query is restricted here to the clients the logged-in portal user may
see: themselves, or a client they are the consenting guardian of. A client
that is not theirs answers 404, like one that does not exist.
"""
import time

from trytond import config
from trytond.exceptions import RateLimitException
from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, Response, redirect, with_pool, with_transaction)
from trytond.tools import file_open
from trytond.transaction import Transaction
from trytond.wsgi import app

from therapy_audit.login import LOGIN_MAX

from .appointments import visits
from .billing import balance_due, money
from .estimates import to_acknowledge
from .forms import pending_forms
from .messages import unread_count
from .mfa import (
    CHALLENGE_SECONDS, mfa_attempt_key, portal_event, submitted_code)
from .session import (
    COOKIE, idle_seconds, portal_base, portal_page, portal_user,
    requires_sign_in, session_model)

# the half-done login's token, while the code is awaited
CHALLENGE_COOKIE = 'caseload_portal_mfa'


@app.route('/<database_name>/portal/portal.css', methods={'GET'})
def stylesheet(request, database_name):
    with file_open('therapy_portal/templates/portal.css', mode='rb') as fp:
        return Response(fp.read(), content_type='text/css; charset=utf-8')


@app.route('/<database_name>/portal/login', methods={'GET'})
@with_pool
@with_transaction()
def login_form(request, pool):
    session_model(pool)
    notice = None
    if request.args.get('idle'):
        notice = gettext('therapy_portal.msg_session_idle',
            minutes=max(1, round(idle_seconds() / 60)))
    elif request.args.get('expired'):
        notice = gettext('therapy_portal.msg_mfa_expired')
    elif request.args.get('password'):
        notice = gettext('therapy_portal.msg_password_set')
    elif request.args.get('everywhere'):
        notice = gettext('therapy_portal.msg_logged_out_everywhere')
    return portal_page('login.html', base=portal_base(pool), error=None,
        notice=notice)


@app.route('/<database_name>/portal/login', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
def login(request, pool):
    session_model(pool)
    User = pool.get('web.user')
    Enrollment = pool.get('therapy.portal.mfa')
    Challenge = pool.get('therapy.portal.mfa.challenge')
    email = request.form.get('email', '')
    try:
        user = User.authenticate(email, request.form.get('password', ''))
    except RateLimitException:
        login_failed(pool, email, 'rate-limited', outcome='8')
        return portal_page('login.html', HTTPStatus.TOO_MANY_REQUESTS,
            base=portal_base(pool),
            error=gettext('therapy_portal.msg_login_rate_limited'),
            notice=None)
    if not user:
        login_failed(pool, email, 'bad credentials' if User.search(
                [('email', '=', email)], limit=1) else 'unknown user')
        return portal_page('login.html', HTTPStatus.UNAUTHORIZED,
            base=portal_base(pool),
            error=gettext('therapy_portal.msg_login_wrong'), notice=None)
    if Enrollment.enrolled(user):
        # no session yet: the code comes first
        response = redirect(f'{portal_base(pool)}/login/code')
        response.set_cookie(CHALLENGE_COOKIE, Challenge.issue(user),
            max_age=CHALLENGE_SECONDS, path=portal_base(pool),
            httponly=True, samesite='Strict', secure=request.is_secure)
        return response
    return signed_in(request, pool, user)


def login_failed(pool, email, reason, outcome='4'):
    "A refused portal login's audit event (never the password)"
    Event = pool.get('therapy.audit.event')
    with Transaction().set_context(_audit_channel='portal'):
        Event.log('auth.login.failure', 'E', outcome=outcome,
            actor_kind='portal', actor_login=str(email)[:LOGIN_MAX],
            reason=reason)


def signed_in(request, pool, user):
    "The response of a finished login: home, with the session's cookie"
    response = redirect(f'{portal_base(pool)}/')
    key = user.new_session()
    portal_event('auth.login.success', user, session=key)
    response.set_cookie(
        COOKIE, key, path=portal_base(pool), httponly=True,
        samesite='Strict', secure=request.is_secure)
    response.delete_cookie(CHALLENGE_COOKIE, path=portal_base(pool))
    return response


def back_to_login(pool, error=None, status=HTTPStatus.OK):
    """The login's first step again (the challenge is over): the page,
    with error, or a redirect that says the time ran out"""
    if error:
        response = portal_page('login.html', status, base=portal_base(pool),
            error=error, notice=None)
    else:
        response = redirect(f'{portal_base(pool)}/login?expired=1')
    response.delete_cookie(CHALLENGE_COOKIE, path=portal_base(pool))
    return response


def code_page(pool, error=None, status=HTTPStatus.OK):
    return portal_page('login_code.html', status, base=portal_base(pool),
        error=error)


@app.route('/<database_name>/portal/login/code', methods={'GET'})
@with_pool
@with_transaction()
def login_code_form(request, pool):
    session_model(pool)
    Challenge = pool.get('therapy.portal.mfa.challenge')
    if not Challenge.of_token(request.cookies.get(CHALLENGE_COOKIE)):
        return back_to_login(pool)
    return code_page(pool)


@app.route('/<database_name>/portal/login/code', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
def login_code(request, pool):
    """The login's second step: a current code or an unused recovery code
    of the user whose password opened the challenge"""
    session_model(pool)
    Enrollment = pool.get('therapy.portal.mfa')
    Challenge = pool.get('therapy.portal.mfa.challenge')
    Attempt = pool.get('web.user.authenticate.attempt')
    challenge = Challenge.of_token(request.cookies.get(CHALLENGE_COOKIE))
    if not challenge:
        return back_to_login(pool)
    user = challenge.web_user
    enrollment = Enrollment.enrolled(user)
    if not enrollment:
        # turned off meanwhile: the password again
        challenge.end()
        return back_to_login(pool)
    key = mfa_attempt_key(user.email)
    count = Attempt.count(key)
    if count > config.getint('session', 'max_attempt', default=5):
        challenge.end()
        portal_event('auth.login.failure', user, outcome='8',
            reason='rate-limited')
        return back_to_login(pool,
            gettext('therapy_portal.msg_login_rate_limited'),
            HTTPStatus.TOO_MANY_REQUESTS)
    # as web_user slows password guesses
    Transaction().atexit(time.sleep, 2 ** count - 1)
    used = enrollment.accepted_as(submitted_code(request.form))
    if not used:
        Attempt.add(key)
        portal_event('auth.login.failure', user, outcome='4',
            reason='MFA failed')
        if not challenge.failed():
            return back_to_login(pool,
                gettext('therapy_portal.msg_mfa_too_many'),
                HTTPStatus.UNAUTHORIZED)
        return code_page(pool, gettext('therapy_portal.msg_mfa_wrong_code'),
            HTTPStatus.UNAUTHORIZED)
    Attempt.remove(key)
    challenge.end()
    return signed_in(request, pool, user)


@app.route('/<database_name>/portal/logout', methods={'GET', 'POST'})
@with_pool
@with_transaction(readonly=False)
def logout(request, pool):
    """Log out (the button posts), or leave an idle page (its refresh gets
    logout?idle=1: the sign-in page then says why). A GET cannot log anyone
    out from another site: the cookie is SameSite=Strict."""
    Session = session_model(pool)
    if key := request.cookies.get(COOKIE):
        # an idle page's session is over: recorded as expired
        if user := portal_user(request, pool):
            portal_event('auth.logout', user, session=key)
        Session.remove(key)
    login = f'{portal_base(pool)}/login'
    response = redirect(login + ('?idle=1' if request.args.get('idle')
            else ''))
    response.delete_cookie(COOKIE, path=portal_base(pool))
    return response


@app.route('/<database_name>/portal/', methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def home(request, pool, user):
    Client = pool.get('therapy.client')
    clients = Client.for_portal_party(user.party)
    forms = pending_forms(pool, clients)
    # what the client saw of their (or their child's) record
    portal_event('portal.view', user, 'R', request.cookies.get(COOKIE),
        model='therapy.client', ids=[c.id for c in clients],
        client_ids=[c.id for c in clients])
    next_visit = {}
    for visit in sorted((v for v in visits(pool, user) if v.upcoming),
            key=lambda v: v.appointment.start):
        next_visit.setdefault(visit.client, visit)
    balance, accounts = balance_due(pool, user)
    return portal_page('home.html', base=portal_base(pool), user=user,
        clients=clients, forms=forms, next_visit=next_visit,
        estimates=to_acknowledge(pool, clients),
        unread=unread_count(pool, clients),
        balance=balance, currency=accounts[0].company.currency
        if accounts else None, money=money)
