"""The portal's two-step sign-in page: a signed-in client turns it on (the
key as a QR code and as text, confirmed by its first code, then ten
recovery codes shown once) or off (with a current or a recovery code).

Like every portal form, these post only with the session's cookie, which is
SameSite=Strict (another site's form arrives without it and is sent to the
login), and trytond refuses a request whose Origin is another site. Wrong
codes to turn it off count as wrong login codes do (mfa.py)."""
import time

import segno
from genshi.core import Markup

from trytond import config
from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, redirect, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from therapy_audit import totp

from .mfa import mfa_attempt_key, portal_event, submitted_code
from .session import portal_base, portal_page, requires_sign_in


def qr_code(enrollment):
    "The key's QR code as inline SVG (the pages' CSP allows no image)"
    return Markup(segno.make(enrollment.provisioning_uri(), error='m')
        .svg_inline(scale=5, border=2, svgclass='qr', dark='#000',
            light='#fff'))


def status_page(pool, user, enrollment, error=None, notice=None,
        status=HTTPStatus.OK):
    return portal_page('two_step.html', status, base=portal_base(pool),
        user=user, enrollment=enrollment, error=error, notice=notice)


def setup_page(pool, enrollment, error=None, status=HTTPStatus.OK):
    return portal_page('two_step_setup.html', status,
        base=portal_base(pool), qr=qr_code(enrollment),
        key=totp.grouped(enrollment.secret), error=error)


@app.route('/<database_name>/portal/two-step', methods={'GET'})
@with_pool
@with_transaction()
@requires_sign_in
def two_step(request, pool, user):
    Enrollment = pool.get('therapy.portal.mfa')
    notice = (gettext('therapy_portal.msg_mfa_off')
        if request.args.get('off') else None)
    return status_page(pool, user, Enrollment.enrolled(user), notice=notice)


@app.route('/<database_name>/portal/two-step/setup', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def setup(request, pool, user):
    "A new key, to scan or type into the app"
    Enrollment = pool.get('therapy.portal.mfa')
    enrollment = Enrollment.start(user)
    if not enrollment:
        # already on: turned off first, then set up again
        return redirect(f'{portal_base(pool)}/two-step')
    return setup_page(pool, enrollment)


@app.route('/<database_name>/portal/two-step/confirm', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def confirm(request, pool, user):
    "The app's first code turns it on; the recovery codes, shown once"
    Enrollment = pool.get('therapy.portal.mfa')
    enrollment = Enrollment.of_user(user)
    if not enrollment or enrollment.confirmed_at:
        return redirect(f'{portal_base(pool)}/two-step')
    codes = enrollment.confirm(submitted_code(request.form))
    if not codes:
        return setup_page(pool, enrollment,
            error=gettext('therapy_portal.msg_mfa_wrong_code'),
            status=HTTPStatus.UNPROCESSABLE_ENTITY)
    return portal_page('two_step_codes.html', base=portal_base(pool),
        codes=codes)


@app.route('/<database_name>/portal/two-step/disable', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@requires_sign_in
def disable(request, pool, user):
    Enrollment = pool.get('therapy.portal.mfa')
    Attempt = pool.get('web.user.authenticate.attempt')
    enrollment = Enrollment.enrolled(user)
    if not enrollment:
        return redirect(f'{portal_base(pool)}/two-step')
    key = mfa_attempt_key(user.email)
    count = Attempt.count(key)
    if count > config.getint('session', 'max_attempt', default=5):
        return status_page(pool, user, enrollment,
            error=gettext('therapy_portal.msg_login_rate_limited'),
            status=HTTPStatus.TOO_MANY_REQUESTS)
    Transaction().atexit(time.sleep, 2 ** count - 1)
    if not enrollment.disable(submitted_code(request.form)):
        Attempt.add(key)
        portal_event('auth.mfa.disable', user, outcome='4',
            model='web.user', ids=[user.id], reason='wrong code')
        return status_page(pool, user, enrollment,
            error=gettext('therapy_portal.msg_mfa_wrong_code'),
            status=HTTPStatus.UNPROCESSABLE_ENTITY)
    Attempt.remove(key)
    return redirect(f'{portal_base(pool)}/two-step?off=1')
