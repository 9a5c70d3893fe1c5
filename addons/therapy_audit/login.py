"""Logins, logouts and session limits, with their audit events
(SECURITY.md §5.1 auth.*, §6.1).

A failure is recorded in `res.user.get_login`, whose transaction Tryton
commits on a refused login, with its class (bad credentials, unknown
user, rate limited) and never the password; a success when the session
is made (`ir.session.new`, running as the user), with a hash of the
session key, never the key; a logout when the session is removed.

Sessions end after `[caseload] session_idle` seconds without a request
(default 900) and `session_max` seconds after the login (default 43200),
checked at every request: the session is deleted and the request answers
401 (`auth.session.expired`, naming the limit); the activity stamp moves
at most every `stamp_interval` (a twentieth of the idle limit, 30 s at
most). Both limits are among the user's preferences (not the context), for
sao's idle lock (sao/custom.js). Sensitive calls need a
login of the last `fresh_login` seconds (default 600). Tryton's own `[session]
max_age` is an absolute limit of 30 days and its `timeout` only guards
"fresh session" calls; its activity stamp stops moving after `timeout`,
so the idle clock is kept here."""
import datetime as dt
from secrets import compare_digest

from trytond import config
from trytond.exceptions import LoginException, RateLimitException
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .audit import session_hash
from .mfa import TOTP_RESULT

# a login is a name, but the field is free: keep a bounded length
LOGIN_MAX = 100


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def get_login(cls, login, parameters):
        pool = Pool()
        Event = pool.get('therapy.audit.event')
        TOTP_RESULT.set(None)
        try:
            user_id = super().get_login(login, parameters)
            if user_id and TOTP_RESULT.get() is None:
                # a method list without totp: two-step sign-in all the same
                user_id = cls._login_totp(login, parameters)
                if not user_id:
                    cls._count_failed_attempt(login, parameters)
        except RateLimitException:
            Event.log('auth.login.failure', 'E', outcome='8',
                actor_login=str(login)[:LOGIN_MAX], actor_kind='staff',
                reason='rate-limited')
            raise
        except LoginException:
            # a prompt for the next credential, not a failure
            raise
        if not user_id:
            known, _, _ = cls._get_login(login)
            if not known:
                reason = 'unknown user'
            elif TOTP_RESULT.get() == 'failed':
                reason = 'MFA failed'
            else:
                reason = 'bad credentials'
            Event.log('auth.login.failure', 'E', outcome='4',
                actor_login=str(login)[:LOGIN_MAX], actor_kind='staff',
                actor_user=known, reason=reason,
                detail={'methods': authentications()})
        return user_id

    @classmethod
    def _get_preferences(cls, user, context_only=False):
        preferences = super()._get_preferences(
            user, context_only=context_only)
        if not context_only:
            # sao's idle lock clears the screen a little before the server
            # ends the session: the limits it must beat
            idle, absolute = session_limits()
            preferences['caseload_session_idle'] = int(idle.total_seconds())
            preferences['caseload_session_max'] = int(
                absolute.total_seconds())
        return preferences

    @classmethod
    def _count_failed_attempt(cls, login, parameters):
        "As Tryton counts a failed method, for its rate limit"
        pool = Pool()
        LoginAttempt = pool.get('res.user.login.attempt')
        UserDevice = pool.get('res.user.device')
        LoginAttempt.add(login, UserDevice.get_valid_cookie(
                login, parameters.get('device_cookie')))


def authentications():
    return config.get('session', 'authentications', default='password')


def remember_session(key):
    """Name the request's session in its context, which the request's
    later transactions share: its events carry the session's hash"""
    request = Transaction().context.get('_request')
    if isinstance(request, dict):
        request['session_hash'] = session_hash(key)


def session_limits():
    "(idle, absolute) limits of a staff or portal session"
    return (dt.timedelta(seconds=config.getint(
                'caseload', 'session_idle', default=900)),
        dt.timedelta(seconds=config.getint(
                'caseload', 'session_max', default=43200)))


def stamp_interval(idle):
    """How stale a session's activity stamp may get before a request moves
    it: a twentieth of the idle limit, 30 s at most (a stamp once a minute
    would let a session of a short idle limit die while in use; sao's idle
    lock allows for this lag)"""
    return min(idle / 20, dt.timedelta(seconds=30))


class Session(metaclass=PoolMeta):
    __name__ = 'ir.session'

    @classmethod
    def check(cls, user, key, domain=None):
        """The practice's limits, then Tryton's check (the key among the
        user's sessions from the request's address, within `[session]
        max_age`; the user's older sessions from that address deleted),
        from one read of the user's sessions as rows: this runs before
        every request, and the two searches it replaces (ours, then
        Tryton's) read each session's fields as records, about a seventh of
        the server's time in the load test (bench/README.md)"""
        now = dt.datetime.now()
        idle, absolute = session_limits()
        rows = cls.user_session_rows(user, domain)
        last_reset = None
        for id_, session_key, _, created, written in rows:
            if not compare_digest(session_key, key):
                continue
            last_reset = written or created
            if now - created > absolute:
                limit = 'absolute'
            elif now - last_reset > idle:
                limit = 'idle'
            else:
                # the idle clock, spared a write at every request
                if now - last_reset > stamp_interval(idle):
                    cls.write([cls(id_)], {})
                    # the write's hook noted the new stamp for reset()
                    last_reset = None
                break
            cls.expire(cls(id_), user, limit)
            return False

        max_age = dt.timedelta(seconds=config.getint('session', 'max_age'))
        address, _ = Transaction().remote_address()
        address = str(address) if address else None
        found, old = None, []
        for id_, session_key, session_address, created, _ in rows:
            if session_address != address:
                continue
            mine = compare_digest(session_key, key)
            if abs(created - now) < max_age:
                if mine:
                    found = True
            else:
                if found is None and mine:
                    found = False
                old.append(cls(id_))
        cls.delete(old)
        if found:
            if last_reset is not None:
                cls._session_reset_cache.set(key, last_reset)
            remember_session(key)
        return found

    @classmethod
    def user_session_rows(cls, user, domain=None):
        "(id, key, ip address, created, written) of the user's sessions"
        session = cls.__table__()
        where = session.create_uid == user
        if domain:
            where &= session.id.in_([s.id for s in cls.search(
                            [('create_uid', '=', user), domain])] or [None])
        cursor = Transaction().connection.cursor()
        cursor.execute(*session.select(session.id, session.key,
                session.ip_address, session.create_date, session.write_date,
                where=where))
        return cursor.fetchall()

    @classmethod
    def expire(cls, session, user, limit):
        "End session, recording which limit ended it"
        key = session.key
        cls.delete([session])
        Event = Pool().get('therapy.audit.event')
        with Transaction().set_context(_audit_session=key):
            Event.log('auth.session.expired', 'E', reason=limit,
                actor_user=user, actor_kind='staff')

    @classmethod
    def check_timeout(cls, user, key, domain=None):
        """A sensitive call (RPC fresh_session: exports, user and group
        changes, two-step sign-in) needs a login of the last
        `[caseload] fresh_login` seconds (default 600), however busy the
        session has been since: else the session ends, and sao asks for
        the password (and code) again before it repeats the call"""
        sessions = cls.search([
                ('create_uid', '=', user), ('key', '=', key),
                domain or []], limit=1)
        if not sessions:
            return False
        session, = sessions
        fresh = dt.timedelta(seconds=config.getint(
                'caseload', 'fresh_login', default=600))
        if dt.datetime.now() - session.create_date < fresh:
            remember_session(key)
            return True
        cls.expire(session, user, 'fresh login')
        return False

    @classmethod
    def new(cls, values=None):
        key = super().new(values)
        Event = Pool().get('therapy.audit.event')
        with Transaction().set_context(_audit_session=key):
            Event.log('auth.login.success', 'E',
                detail={'methods': authentications(),
                    'second_step': TOTP_RESULT.get()})
        return key

    @classmethod
    def remove(cls, key, domain=None):
        login = super().remove(key, domain=domain)
        if login:
            Event = Pool().get('therapy.audit.event')
            with Transaction().set_context(_audit_session=key):
                Event.log('auth.logout', 'E', actor_login=login,
                    actor_kind='staff')
        return login
