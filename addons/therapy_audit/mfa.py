"""Two-step sign-in for staff (SECURITY.md §6.2): a password and then a
code from an authenticator app (TOTP), or one of ten single-use recovery
codes.

It is Tryton's login method `totp` (`[session] authentications =
password+totp`, which sao prompts for), and `res.user.get_login` applies
it after any method list that leaves it out: it is required whatever the
server's config says. A user who has not enrolled yet enrolls at the next
login (the key is shown in the login prompt, confirmed by its first code)
or from Caseload › Two-Step Sign-in (therapy_scheduling), which shows the key as a QR code
and gives the recovery codes. The administrator resets a lost
enrollment. Only the demo loader may relax it, for users not enrolled,
in the demo database.

Secrets, steps used and recovery hashes live in tables nobody reads over
RPC (deny-all access); the server reads them without access checks."""
import contextvars
import datetime as dt
import io

import segno
from sql import Null

from trytond.exceptions import LoginException
from trytond.i18n import gettext
from trytond.model import (
    ModelSQL, ModelView, Unique, fields)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import totp
from .privilege import FreshLoginWizard

# what the last totp check of this login did, for get_login's event
TOTP_RESULT = contextvars.ContextVar('therapy_audit_totp', default=None)
ISSUER = "Caseload"


class TOTPEnrollmentMixin:
    """What staff and portal enrollments share: the key, when its first
    code confirmed it and the last step used; single-use recovery codes
    are the model named `_recovery_model` (fields `enrollment`,
    `code_hash`, `used_at`). `recovery_code_used` records the use of one."""
    __slots__ = ()
    _recovery_model = None
    # the Many2One naming whose enrollment it is
    _owner_field = None
    secret = fields.Char("Secret", required=True, strip=False)
    confirmed_at = fields.Timestamp("Confirmed At")
    last_step = fields.Integer("Last Step")

    @classmethod
    def confirmed_owners(cls, owner_ids=None):
        "Ids of the owners (of owner_ids, else all) with a confirmed key"
        domain = [('confirmed_at', '!=', None)]
        if owner_ids is not None:
            domain.append((cls._owner_field, 'in', list(owner_ids)))
        with without_check_access():
            return {getattr(e, cls._owner_field).id
                for e in cls.search(domain)}

    def add_recovery_codes(self):
        "New recovery codes for the enrollment, stored hashed; shown once"
        Recovery = Pool().get(self._recovery_model)
        codes = totp.new_recovery_codes()
        with without_check_access():
            Recovery.create([{
                        'enrollment': self.id,
                        'code_hash': totp.hash_recovery_code(code),
                        } for code in codes])
        return codes

    def accept(self, code):
        "Whether code (a current code or a recovery code) lets the user in"
        return self.accepted_as(code) is not None

    def accepted_as(self, code):
        "'code' or 'recovery' when code is good (and now used), else None"
        step = totp.matching_step(self.secret, code, self.last_step)
        if step is not None:
            return 'code' if self.use_step(step) else None
        if totp.looks_like_recovery_code(code):
            return 'recovery' if self.use_recovery_code(code) else None
        return None

    def use_step(self, step):
        """Record step as used: false when another login used it (or a
        later one) first"""
        table = self.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.last_step], [step],
                where=(table.id == self.id)
                & ((table.last_step == Null) | (table.last_step < step))))
        return cursor.rowcount == 1

    def use_recovery_code(self, code):
        Recovery = Pool().get(self._recovery_model)
        table = Recovery.__table__()
        cursor = Transaction().connection.cursor()
        with without_check_access():
            unused = Recovery.search([
                    ('enrollment', '=', self.id),
                    ('used_at', '=', None),
                    ])
        for recovery in unused:
            if totp.recovery_code_matches(code, recovery.code_hash):
                cursor.execute(*table.update(
                        [table.used_at], [dt.datetime.now()],
                        where=(table.id == recovery.id)
                        & (table.used_at == Null)))
                if cursor.rowcount != 1:
                    return False
                self.recovery_code_used(len(unused) - 1)
                return True
        return False

    def recovery_code_used(self, remaining):
        "Record that one of the recovery codes was used"
        raise NotImplementedError


class Enrollment(TOTPEnrollmentMixin, ModelSQL):
    "Two-Step Sign-in Enrollment"
    __name__ = 'therapy.mfa.enrollment'
    _recovery_model = 'therapy.mfa.recovery'
    _owner_field = 'user'
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    recovery_codes = fields.One2Many(
        'therapy.mfa.recovery', 'enrollment', "Recovery Codes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('user_unique', Unique(t, t.user),
                'therapy_audit.msg_mfa_enrollment_unique'),
            ]

    @classmethod
    def of_user(cls, user_id):
        with without_check_access():
            enrollments = cls.search([('user', '=', user_id)], limit=1)
        return enrollments[0] if enrollments else None

    @classmethod
    def pending(cls, user_id):
        "The user's enrollment waiting for its first code (made if none)"
        enrollment = cls.of_user(user_id)
        if not enrollment:
            with without_check_access():
                enrollment, = cls.create([{
                            'user': user_id, 'secret': totp.new_secret()}])
        return enrollment

    @classmethod
    def enroll(cls, user_id, secret, step):
        """Replace the user's enrollment by secret, confirmed at step; the
        new recovery codes, shown once"""
        with without_check_access():
            cls.delete(cls.search([('user', '=', user_id)]))
            enrollment, = cls.create([{
                        'user': user_id, 'secret': secret,
                        'confirmed_at': dt.datetime.now(),
                        'last_step': step,
                        }])
        return enrollment.add_recovery_codes()

    def confirm(self, code):
        "Confirm a pending enrollment by its first code"
        step = totp.matching_step(self.secret, code)
        if step is None or not self.use_step(step):
            return False
        with without_check_access():
            self.__class__.write([self], {
                    'confirmed_at': dt.datetime.now()})
        return True

    def recovery_code_used(self, remaining):
        Event = Pool().get('therapy.audit.event')
        Event.log('auth.mfa.recovery_used', 'E',
            actor_user=self.user.id, actor_login=self.user.login,
            actor_kind='staff', count=remaining)


class RecoveryCode(ModelSQL):
    "Two-Step Sign-in Recovery Code"
    __name__ = 'therapy.mfa.recovery'
    enrollment = fields.Many2One('therapy.mfa.enrollment', "Enrollment",
        required=True, ondelete='CASCADE')
    code_hash = fields.Char("Code Hash", required=True, strip=False)
    used_at = fields.Timestamp("Used At")


class User(metaclass=PoolMeta):
    __name__ = 'res.user'
    mfa_enrolled = fields.Function(
        fields.Boolean("Two-Step Sign-in",
            help="Whether the user has set up an authenticator app."),
        'get_mfa_enrolled', searcher='search_mfa_enrolled')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'mfa_reset': {
                    'invisible': ~Eval('mfa_enrolled'),
                    'depends': ['mfa_enrolled'],
                    },
                })

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        # a sensitive action: only right after a login (SECURITY.md §1)
        cls.__rpc__['mfa_reset'] = RPC(
            readonly=False, instantiate=0, fresh_session=True)

    @classmethod
    def get_mfa_enrolled(cls, users, name):
        enrolled = Pool().get('therapy.mfa.enrollment').confirmed_owners(
            [u.id for u in users])
        return {u.id: u.id in enrolled for u in users}

    @classmethod
    def search_mfa_enrolled(cls, name, clause):
        _, operator, value = clause[:3]
        enrolled = Pool().get('therapy.mfa.enrollment').confirmed_owners()
        wanted = (operator == '=') == bool(value)
        return [('id', 'in' if wanted else 'not in', list(enrolled))]

    @classmethod
    @ModelView.button
    def mfa_reset(cls, users):
        "Forget the users' authenticators: they enroll at their next login"
        pool = Pool()
        Enrollment = pool.get('therapy.mfa.enrollment')
        Event = pool.get('therapy.audit.event')
        with without_check_access():
            Enrollment.delete(Enrollment.search([
                        ('user', 'in', [u.id for u in users])]))
        Event.log('auth.mfa.reset', 'E', model='res.user',
            ids=[u.id for u in users],
            detail={'logins': [u.login for u in users]})

    @classmethod
    def _login_totp(cls, login, parameters):
        pool = Pool()
        Enrollment = pool.get('therapy.mfa.enrollment')
        Configuration = pool.get('therapy.security.configuration')
        user_id, _, _ = cls._get_login(login)
        if not user_id:
            return None
        enrollment = Enrollment.of_user(user_id)
        code = parameters.get('totp')
        if enrollment and enrollment.confirmed_at:
            if not code:
                raise LoginException('totp',
                    gettext('therapy_audit.msg_totp_code'), type='char')
            TOTP_RESULT.set('ok' if enrollment.accept(code) else 'failed')
        elif Configuration.mfa_relaxed():
            TOTP_RESULT.set('relaxed')
        else:
            # the login's transaction is committed with the prompt, so
            # the next attempt finds the same key
            enrollment = Enrollment.pending(user_id)
            if not code:
                raise LoginException('totp',
                    gettext('therapy_audit.msg_totp_enroll',
                        secret=totp.grouped(enrollment.secret)),
                    type='char')
            confirmed = enrollment.confirm(code)
            TOTP_RESULT.set('enrolled' if confirmed else 'failed')
        return user_id if TOTP_RESULT.get() != 'failed' else None


class EnrollStart(ModelView):
    "Set Up Two-Step Sign-in"
    __name__ = 'therapy.mfa.enroll.start'
    enrolled = fields.Boolean("Enrolled", readonly=True)
    qr_code = fields.Binary("QR Code", readonly=True)
    key = fields.Char("Key", readonly=True,
        help="Type it into the app if it cannot scan the QR code.")
    secret = fields.Char("Secret", readonly=True)
    code = fields.Char("Code", required=True,
        help="The 6-digit code the app shows now.")


class EnrollDone(ModelView):
    "Two-Step Sign-in Set Up"
    __name__ = 'therapy.mfa.enroll.done'
    recovery_codes = fields.Text("Recovery Codes", readonly=True)


class Enroll(FreshLoginWizard, Wizard):
    "Set Up Two-Step Sign-in"
    __name__ = 'therapy.mfa.enroll'
    start = StateView('therapy.mfa.enroll.start',
        'therapy_audit.mfa_enroll_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Confirm", 'confirm', 'tryton-ok', default=True),
            ])
    confirm = StateTransition()
    done = StateView('therapy.mfa.enroll.done',
        'therapy_audit.mfa_enroll_done_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])


    def default_start(self, fields):
        pool = Pool()
        User = pool.get('res.user')
        user = User(Transaction().user)
        secret = totp.new_secret()
        buffer = io.BytesIO()
        segno.make(totp.provisioning_uri(secret, user.login, ISSUER),
            error='m').save(buffer, kind='png', scale=5, border=2)
        return {
            'enrolled': user.mfa_enrolled,
            'qr_code': buffer.getvalue(),
            'key': totp.grouped(secret),
            'secret': secret,
            }

    def transition_confirm(self):
        pool = Pool()
        Enrollment = pool.get('therapy.mfa.enrollment')
        Event = pool.get('therapy.audit.event')
        user_id = Transaction().user
        step = totp.matching_step(self.start.secret, self.start.code)
        if not user_id or step is None:
            raise ValidationError(gettext('therapy_audit.msg_totp_wrong_code'))
        self.codes = Enrollment.enroll(user_id, self.start.secret, step)
        Event.log('auth.mfa.enroll', 'E', model='res.user', ids=[user_id],
            reason='replaced' if self.start.enrolled else 'self')
        return 'done'

    def default_done(self, fields):
        return {'recovery_codes': '\n'.join(getattr(self, 'codes', []))}
