"""Two-step sign-in for portal users (SECURITY.md §6.2: offered, not
forced): a web user who turned it on gives a code from an authenticator
app, or one of ten single-use recovery codes, after the password.

The codes, their replay protection and the recovery codes are the staff
ones (therapy_audit/totp.py, and the enrollment's behaviour shared through
therapy_audit.mfa.TOTPEnrollmentMixin); only the owner of an enrollment
differs: a web.user here.

Between the password and the code, the half-done login is a challenge row
(`therapy.portal.mfa.challenge`): the browser holds a random token in a
cookie of its own, the row only the token's hash. It lasts CHALLENGE_SECONDS
and CHALLENGE_TRIES wrong codes; no session exists until the code is good.
Wrong codes also count, per email, in web_user's login attempts under a key
of their own (`mfa_attempt_key`), against `[session] max_attempt`: a right
password does not clear them, a right code does.

Every table here is the server's alone: nobody reads it over RPC."""
import datetime as dt
import secrets

from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from therapy_audit import totp
from therapy_audit.mfa import ISSUER, TOTPEnrollmentMixin
from therapy_scheduling.web import hash_token

CHALLENGE_SECONDS = 300
CHALLENGE_TRIES = 5


def mfa_attempt_key(email):
    "What wrong codes of the login of email count under"
    return f'{(email or "").lower()} (two-step code)'


def submitted_code(form):
    """The code a form sent: the app's (a numeric field) or else a
    recovery code (a text field: phones' numeric keypads have no letters)"""
    return (form.get('code') or '').strip() or (
        form.get('recovery') or '').strip()


def portal_event(code, user, action='E', session=None, **values):
    """Record the audit event code of web user user, on the portal
    channel (with the hash of the portal session's key session)"""
    Event = Pool().get('therapy.audit.event')
    context = {'_audit_channel': 'portal'}
    if session:
        context['_audit_session'] = session
    with Transaction().set_context(**context):
        Event.log(code, action, actor_kind='portal', actor_web_user=user.id,
            actor_login=user.email, **values)


class PortalMFA(TOTPEnrollmentMixin, ModelSQL):
    "Portal Two-Step Sign-in"
    __name__ = 'therapy.portal.mfa'
    _recovery_model = 'therapy.portal.mfa.recovery'
    _owner_field = 'web_user'
    web_user = fields.Many2One(
        'web.user', "Portal User", required=True, ondelete='CASCADE')
    recovery_codes = fields.One2Many(
        'therapy.portal.mfa.recovery', 'enrollment', "Recovery Codes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('web_user_unique', Unique(t, t.web_user),
                'therapy_portal.msg_mfa_unique'),
            ]

    @classmethod
    def of_user(cls, user):
        "The enrollment (confirmed or not) of web user user, or None"
        with without_check_access():
            enrollments = cls.search([('web_user', '=', user.id)], limit=1)
        return enrollments[0] if enrollments else None

    @classmethod
    def enrolled(cls, user):
        "The confirmed enrollment of web user user, or None"
        enrollment = cls.of_user(user)
        return enrollment if enrollment and enrollment.confirmed_at else None

    @classmethod
    def start(cls, user):
        """A new key waiting for its first code (replacing one that waited);
        None when the user has a confirmed enrollment"""
        enrollment = cls.of_user(user)
        if enrollment and enrollment.confirmed_at:
            return None
        with without_check_access():
            if enrollment:
                cls.delete([enrollment])
            enrollment, = cls.create([{
                        'web_user': user.id, 'secret': totp.new_secret()}])
        return enrollment

    def provisioning_uri(self):
        return totp.provisioning_uri(self.secret, self.web_user.email, ISSUER)

    def confirm(self, code):
        """Confirm a waiting key by its first code: the recovery codes
        (shown once), or None for a wrong code"""
        if self.confirmed_at:
            return None
        step = totp.matching_step(self.secret, code)
        if step is None or not self.use_step(step):
            return None
        with without_check_access():
            self.__class__.write([self], {'confirmed_at': dt.datetime.now()})
        codes = self.add_recovery_codes()
        portal_event('auth.mfa.enroll', self.web_user, model='web.user',
            ids=[self.web_user.id], reason='self')
        return codes

    def disable(self, code):
        "Turn two-step sign-in off, given a current or a recovery code"
        user = self.web_user
        used = self.accepted_as(code)
        if not used:
            return False
        with without_check_access():
            self.__class__.delete([self])
        portal_event('auth.mfa.disable', user, model='web.user',
            ids=[user.id],
            reason='recovery code' if used == 'recovery' else 'code')
        return True

    def recovery_code_used(self, remaining):
        portal_event('auth.mfa.recovery_used', self.web_user,
            count=remaining)


class PortalMFARecovery(ModelSQL):
    "Portal Two-Step Sign-in Recovery Code"
    __name__ = 'therapy.portal.mfa.recovery'
    enrollment = fields.Many2One('therapy.portal.mfa', "Enrollment",
        required=True, ondelete='CASCADE')
    code_hash = fields.Char("Code Hash", required=True, strip=False)
    used_at = fields.Timestamp("Used At")


class PortalMFAChallenge(ModelSQL):
    "Portal Sign-in Waiting for its Code"
    __name__ = 'therapy.portal.mfa.challenge'
    web_user = fields.Many2One(
        'web.user', "Portal User", required=True, ondelete='CASCADE')
    token_hash = fields.Char("Token Hash", required=True, strip=False)
    failures = fields.Integer("Wrong Codes", required=True)

    @classmethod
    def default_failures(cls):
        return 0

    @classmethod
    def issue(cls, user):
        """A new challenge for web user user (their older ones end): its
        token, for the browser's cookie"""
        token = secrets.token_hex(32)
        with without_check_access():
            cls.delete(cls.search(['OR',
                        ('web_user', '=', user.id),
                        ('create_date', '<', cls.oldest()),
                        ]))
            cls.create([{'web_user': user.id, 'token_hash': hash_token(token)}])
        return token

    @staticmethod
    def oldest():
        return dt.datetime.now() - dt.timedelta(seconds=CHALLENGE_SECONDS)

    @classmethod
    def of_token(cls, token):
        "The challenge of token still running, or None"
        if not token:
            return None
        with without_check_access():
            challenges = cls.search([
                    ('token_hash', '=', hash_token(token)),
                    ('create_date', '>=', cls.oldest()),
                    ], limit=1)
        return challenges[0] if challenges else None

    def end(self):
        with without_check_access():
            self.__class__.delete([self])

    def failed(self):
        "Count a wrong code: false when the challenge is used up (and ended)"
        if self.failures + 1 >= CHALLENGE_TRIES:
            self.end()
            return False
        with without_check_access():
            self.__class__.write([self], {'failures': self.failures + 1})
        return True


class WebUser(metaclass=PoolMeta):
    """A client's lost phone and recovery codes: the practice owner (or
    the administrator) turns their two-step sign-in off from the portal
    user's form, after a fresh login; the client signs in with the
    password alone and may turn it on again"""
    __name__ = 'web.user'
    two_step_enabled = fields.Function(
        fields.Boolean("Two-Step Sign-in"), 'get_two_step_enabled')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'two_step_reset': {
                    'invisible': ~Eval('two_step_enabled'),
                    'depends': ['two_step_enabled'],
                    },
                })

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        cls.__rpc__['two_step_reset'] = RPC(
            readonly=False, instantiate=0, fresh_session=True)

    @classmethod
    def get_two_step_enabled(cls, users, name):
        enrolled = Pool().get('therapy.portal.mfa').confirmed_owners(
            [u.id for u in users])
        return {u.id: u.id in enrolled for u in users}

    @classmethod
    @ModelView.button
    def two_step_reset(cls, users):
        pool = Pool()
        Enrollment = pool.get('therapy.portal.mfa')
        Challenge = pool.get('therapy.portal.mfa.challenge')
        Event = pool.get('therapy.audit.event')
        ids = [u.id for u in users]
        with without_check_access():
            Enrollment.delete(Enrollment.search([('web_user', 'in', ids)]))
            Challenge.delete(Challenge.search([('web_user', 'in', ids)]))
        # a staff action on portal logins: the staff user is the actor
        Event.log('auth.mfa.reset', 'E', model=cls.__name__, ids=ids,
            detail={'portal_logins': [u.email for u in users]})
