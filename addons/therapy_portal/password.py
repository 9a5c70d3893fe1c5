"""Client portal: choose a password from an emailed link, ask for such a
link when the password is forgotten, log out everywhere (account.py holds
the rules).

*Forgot your password?* answers the same whether the address has a login
or not, so the page tells no one who is a client of the practice. The
link's token is in the path, which referrers never carry to another site,
and a GET changes nothing: the password is set by the POST, which also
ends every session of the login."""
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, redirect, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .account import MIN_PASSWORD_LENGTH
from .mfa import portal_event
from .session import (
    COOKIE, portal_base, portal_page, requires_sign_in, session_model)


def set_page(pool, token, user, error=None, status=HTTPStatus.OK):
    # (its token never leaves the site: every page is same-origin for
    # referrers, and no-referrer would make the POST's Origin "null",
    # which trytond refuses; therapy_scheduling/web.py)
    return portal_page('password_set.html', status,
        base=portal_base(pool), token=token, user=user, error=error,
        min_length=MIN_PASSWORD_LENGTH,
        invited=bool(user and not user.password_hash))


@app.route('/<database_name>/portal/password/<token>', methods={'GET'})
@with_pool
@with_transaction()
def password_form(request, pool, token):
    session_model(pool)
    User = pool.get('web.user')
    user = User.of_password_token(token)
    return set_page(pool, token, user,
        status=HTTPStatus.OK if user else HTTPStatus.GONE)


@app.route('/<database_name>/portal/password/<token>', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
def set_password(request, pool, token):
    session_model(pool)
    User = pool.get('web.user')
    user = User.of_password_token(token)
    if not user:
        return set_page(pool, token, None, status=HTTPStatus.GONE)
    password = request.form.get('password', '')
    if password != request.form.get('confirm', ''):
        return set_page(pool, token, user,
            gettext('therapy_portal.msg_password_mismatch'),
            HTTPStatus.UNPROCESSABLE_ENTITY)
    try:
        done = user.set_password_with_link(token, password)
    except UserError as error:
        Transaction().rollback()
        return set_page(pool, token, User(user.id), error.message,
            HTTPStatus.UNPROCESSABLE_ENTITY)
    if not done:
        return set_page(pool, token, None, status=HTTPStatus.GONE)
    return redirect(f'{portal_base(pool)}/login?password=1')


@app.route('/<database_name>/portal/password', methods={'GET'})
@with_pool
@with_transaction()
def forgot_form(request, pool):
    session_model(pool)
    return portal_page('password_forgot.html', base=portal_base(pool),
        sent=False)


@app.route('/<database_name>/portal/password', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
def forgot(request, pool):
    session_model(pool)
    User = pool.get('web.user')
    email = request.form.get('email', '').strip().lower()
    users = User.search([('email', '=', email)], limit=1) if email else []
    if users:
        User.reset_password(users)
        portal_event('auth.password.reset', users[0], 'E',
            model=User.__name__, ids=[users[0].id])
    return portal_page('password_forgot.html', base=portal_base(pool),
        sent=True)


@app.route('/<database_name>/portal/logout/everywhere', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def logout_everywhere(request, pool, user):
    "End every session of the login, this one included"
    portal_event('auth.logout', user, session=request.cookies.get(COOKIE),
        reason='everywhere')
    user.end_sessions()
    response = redirect(f'{portal_base(pool)}/login?everywhere=1')
    response.delete_cookie(COOKIE, path=portal_base(pool))
    return response
