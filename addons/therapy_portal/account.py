"""Portal accounts: invitations, password links, log out everywhere.

Staff invite a client, or the guardian who consents for a minor, from the
client's record (invite.py). The invitation and a forgotten password work
alike: an email with a link that sets the password, once, before it
expires (`[caseload] portal_invite_hours`, default 7 days, for an
invitation; web_user's `[session] web_timeout_reset`, default 24 hours,
for a reset). Only the SHA-256 of the link's token is stored, in
web_user's own `reset_password_token` (its single use, expiry and
throttling are web_user's `set_password_token`), so a copy of the
database opens no account. The email names the practice and nobody else:
whose care it is about is seen after signing in.

Setting a password ends every session of the login (a stolen session
does not outlive the new password), as *Log out everywhere* does."""
import datetime as dt
import secrets
import smtplib

from trytond import config
from trytond.i18n import gettext
from trytond.model import ModelView
from trytond.pool import Pool, PoolMeta
from trytond.res.user import PasswordError
from trytond.sendmail import send_message, send_message_transactional
from trytond.transaction import Transaction, without_check_access

from therapy_scheduling.notify import auto_email
from therapy_scheduling.web import hash_token, public_url

from .exceptions import PortalInviteError
from .mfa import portal_event

# a portal password is a client's key to their health record: at least
# this long, whatever [password] length says (SECURITY.md SEC-AT-01)
MIN_PASSWORD_LENGTH = 12


def invite_lifetime():
    return dt.timedelta(hours=config.getint(
            'caseload', 'portal_invite_hours', default=7 * 24))


def reset_lifetime():
    return dt.timedelta(seconds=config.getint(
            'session', 'web_timeout_reset', default=24 * 60 * 60))


def password_link(database_name, token):
    return f'{public_url()}/{database_name}/portal/password/{token}'


class WebUser(metaclass=PoolMeta):
    __name__ = 'web.user'

    @classmethod
    def invite(cls, party, email, clients):
        """The portal login of party at email, created when missing, sent
        an invitation link; clients are those it will see (for the email's
        PHI check and the audit)"""
        email = (email or '').strip().lower()
        if not email:
            raise PortalInviteError(gettext(
                    'therapy_portal.msg_invite_no_email', party=party.name))
        with without_check_access():
            users = cls.search([('email', '=', email)])
            if users and users[0].party != party:
                raise PortalInviteError(gettext(
                        'therapy_portal.msg_invite_email_taken',
                        email=email))
            others = cls.search([
                    ('party', '=', party.id), ('email', '!=', email)])
            if others:
                raise PortalInviteError(gettext(
                        'therapy_portal.msg_invite_party_has_login',
                        party=party.name, email=others[0].email))
            if users:
                user, = users
            else:
                user, = cls.create([{'email': email, 'party': party.id}])
            token = user.issue_password_link(invite_lifetime())
        practice = cls.practice_name()
        message = auto_email(user.email,
            gettext('therapy_portal.msg_invite_email_subject',
                practice=practice),
            gettext('therapy_portal.msg_invite_email_body',
                practice=practice,
                url=password_link(Transaction().database.name, token),
                expires=user.reset_password_token_expire.strftime(
                    '%B %d, %Y')),
            about=clients)
        # sent now, last: the front desk learns here whether it went (a
        # refusal rolls the login back), not from a failed commit
        try:
            send_message(message, strict=True)
        except (OSError, smtplib.SMTPException) as error:
            raise PortalInviteError(gettext(
                    'therapy_portal.msg_invite_mail_failed',
                    email=user.email, error=error)) from error
        Pool().get('therapy.audit.event').log('portal.invite', 'C',
            model=cls.__name__, ids=[user.id],
            client_ids=[c.id for c in clients])
        return user

    @classmethod
    def practice_name(cls):
        Company = Pool().get('company.company')
        company_id = Transaction().context.get('company')
        if company_id:
            return Company(company_id).party.name
        companies = Company.search([], limit=1)
        return companies[0].party.name if companies else ''

    def issue_password_link(self, lifetime):
        """A new single-use token setting this login's password until
        lifetime from now (the previous one no longer works); the token
        itself is returned, only its hash kept"""
        token = secrets.token_urlsafe(32)
        self.reset_password_token = hash_token(token)
        self.reset_password_token_expire = (
            dt.datetime.now() + lifetime).replace(microsecond=0)
        self.save()
        return token

    @classmethod
    @ModelView.button
    def reset_password(cls, users, from_=None):
        """Email each login a link to choose a new password (web_user's
        button and the portal's *Forgot your password?*), at most once
        while an earlier link still works"""
        now = dt.datetime.now()
        practice = cls.practice_name()
        for user in users:
            # one working link at a time: asking again sends nothing
            if (user.reset_password_token_expire
                    and user.reset_password_token_expire > now):
                continue
            token = user.issue_password_link(reset_lifetime())
            # the login's email is the one thing said to it: no client
            send_message_transactional(auto_email(user.email,
                    gettext('therapy_portal.msg_reset_email_subject',
                        practice=practice),
                    gettext('therapy_portal.msg_reset_email_body',
                        practice=practice,
                        url=password_link(
                            Transaction().database.name, token),
                        hours=max(1, round(
                                reset_lifetime().total_seconds() / 3600)))),
                strict=False)

    @classmethod
    def of_password_token(cls, token):
        "The login a password link's token opens while it works, or None"
        if not token:
            return None
        users = cls.search([
                ('reset_password_token', '=', hash_token(token)),
                ('reset_password_token_expire', '>', dt.datetime.now()),
                ], limit=1)
        return users[0] if users else None

    @classmethod
    def check_portal_password(cls, password, users):
        "Raise PasswordError when password is not good enough for users"
        pool = Pool()
        User = pool.get('res.user')
        if len(password.encode('utf-8')) < MIN_PASSWORD_LENGTH:
            raise PasswordError(gettext(
                    'therapy_portal.msg_password_too_short',
                    length=MIN_PASSWORD_LENGTH))
        User.validate_password(password, users)

    def set_password_with_link(self, token, password):
        """Set the password through the link's token (single use); every
        session of the login ends. False when the link no longer works."""
        self.check_portal_password(password, [self])
        if not self.set_password_token(self.email, hash_token(token),
                password):
            return False
        self.end_sessions()
        portal_event('auth.password.change', self, 'U',
            model=self.__name__, ids=[self.id])
        return True

    def end_sessions(self):
        "Log this login out everywhere"
        Session = Pool().get('web.user.session')
        Session.delete(Session.search([('user', '=', self.id)]))
