"""Client portal pages: log in, see one's own care, log out.

These routes run as user 0 with no access rules (web_user's design), so
every query is restricted here to the clients the logged-in portal user may
see: themselves, or a client they are the consenting guardian of. A client
that is not theirs answers 404, like one that does not exist.
"""
from trytond.exceptions import RateLimitException
from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, Response, redirect, with_pool, with_transaction)
from trytond.tools import file_open
from trytond.wsgi import app

from .forms import pending_forms
from .session import (
    COOKIE, idle_seconds, portal_base, portal_page, portal_user,
    session_model)


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
    return portal_page('login.html', base=portal_base(pool), error=None,
        notice=notice)


@app.route('/<database_name>/portal/login', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
def login(request, pool):
    session_model(pool)
    User = pool.get('web.user')
    try:
        user = User.authenticate(
            request.form.get('email', ''), request.form.get('password', ''))
    except RateLimitException:
        return portal_page('login.html', HTTPStatus.TOO_MANY_REQUESTS,
            base=portal_base(pool),
            error=gettext('therapy_portal.msg_login_rate_limited'),
            notice=None)
    if not user:
        return portal_page('login.html', HTTPStatus.UNAUTHORIZED,
            base=portal_base(pool),
            error=gettext('therapy_portal.msg_login_wrong'), notice=None)
    response = redirect(f'{portal_base(pool)}/')
    response.set_cookie(
        COOKIE, user.new_session(), path=portal_base(pool), httponly=True,
        samesite='Strict', secure=request.is_secure)
    return response


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
        portal_user(request, pool)
        Session.remove(key)
    login = f'{portal_base(pool)}/login'
    response = redirect(login + ('?idle=1' if request.args.get('idle')
            else ''))
    response.delete_cookie(COOKIE, path=portal_base(pool))
    return response


@app.route('/<database_name>/portal/', methods={'GET'})
@with_pool
@with_transaction()
def home(request, pool):
    Client = pool.get('therapy.client')
    user = portal_user(request, pool)
    if not user:
        return redirect(f'{portal_base(pool)}/login')
    clients = Client.for_portal_party(user.party)
    return portal_page('home.html', base=portal_base(pool), user=user,
        clients=clients, forms=pending_forms(pool, clients))
