"""Break-glass: emergency access to every client's record (SECURITY.md
SEC-AC-02, §4 #4).

Users of the group *Emergency Access: Designated* may open a window of
emergency access (Caseload › Emergency Access): a reason is required, the
login must be fresh, and the window lasts `emergency_hours` of the
security configuration (default 4). Inside it the user also has the group
*Emergency Access: Active*, which the record rules of the clinical
modules open to every client (read only; psychotherapy notes stay their
author's). Nobody holds that group otherwise: `res.user.get_groups` adds
it during a window and drops it outside one, whatever the group's members
say. Every audit event inside a window is flagged `emergency`; opening
one emails the privacy officer (no PHI), and the auditors review each
window afterwards from Audit › Emergency Access."""
import datetime as dt

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .integrity import alert_privacy_officer
from .privilege import FreshLoginWizard

# a reason says what the emergency is, not "emergency"
REASON_MIN = 15


class EmergencyAccess(ModelSQL, ModelView):
    "Emergency Access"
    __name__ = 'therapy.emergency.access'
    user = fields.Many2One('res.user', "User", required=True, readonly=True,
        ondelete='RESTRICT')
    reason = fields.Text("Reason", required=True, readonly=True)
    started_at = fields.Timestamp("Started At", required=True, readonly=True)
    expires_at = fields.Timestamp("Expires At", required=True, readonly=True)
    ended_at = fields.Timestamp("Ended At", readonly=True,
        help="When the user ended it, or when it expired.")
    active_now = fields.Function(fields.Boolean("Active"), 'get_active_now')
    reviewed_by = fields.Many2One('res.user', "Reviewed By", readonly=True,
        ondelete='RESTRICT')
    reviewed_at = fields.Timestamp("Reviewed At", readonly=True)
    review_note = fields.Text("Review Note",
        states={'readonly': Eval('reviewed_at', None) != None},  # noqa: E711
        help="What the review found: was the access justified?")

    _active_until_cache = Cache(
        'therapy_emergency_access.active_until', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('started_at', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'review': {
                    'invisible': Eval('reviewed_at', None) != None,  # noqa
                    'depends': ['reviewed_at'],
                    },
                })

    def get_active_now(self, name):
        return self.ended_at is None and dt.datetime.now() < self.expires_at

    @classmethod
    def active_until(cls, user_id):
        "When the user's open window ends, or None"
        if not user_id:
            return None
        until = cls._active_until_cache.get(user_id, -1)
        if until == -1:
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(table.expires_at,
                    where=(table.user == user_id) & (table.ended_at == None),  # noqa
                    order_by=[table.expires_at.desc], limit=1))
            row = cursor.fetchone()
            until = row[0] if row else None
            if isinstance(until, str):  # SQLite
                until = dt.datetime.fromisoformat(until)
            cls._active_until_cache.set(user_id, until)
        if until and dt.datetime.now() < until:
            return until
        return None

    @classmethod
    def changed(cls):
        pool = Pool()
        User = pool.get('res.user')
        cls._active_until_cache.clear()
        User._get_groups_cache.clear()
        pool.get('ir.rule')._domain_get_cache.clear()

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for records, values in zip(actions, actions):
            if cls._by_rpc() and (set(values) - {'review_note'}
                    or any(r.reviewed_at for r in records)):
                raise AccessError(gettext(
                        'therapy_audit.msg_emergency_server_owned'))
        super().write(*args)

    @staticmethod
    def _by_rpc():
        transaction = Transaction()
        return bool(transaction.user and transaction.check_access)

    @classmethod
    def open(cls, user_id, reason, hours):
        "Open a window for user_id; refused without a reason or designation"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Event = pool.get('therapy.audit.event')
        reason = (reason or '').strip()
        if len(reason) < REASON_MIN:
            raise ValidationError(gettext(
                    'therapy_audit.msg_emergency_reason', minimum=REASON_MIN))
        designated = ModelData.get_id(
            'therapy_audit', 'group_emergency_designated')
        if designated not in User.get_groups():
            raise AccessError(gettext(
                    'therapy_audit.msg_emergency_not_designated'))
        now = dt.datetime.now().replace(microsecond=0)
        with without_check_access():
            access, = cls.create([{
                        'user': user_id, 'reason': reason,
                        'started_at': now,
                        'expires_at': now + dt.timedelta(hours=hours),
                        }])
        cls.changed()
        Event.log('emergency.activate', 'E', model=cls.__name__,
            ids=[access.id], reason=reason,
            detail={'expires_at': access.expires_at.isoformat(),
                'hours': hours})
        login = User(user_id).login
        alert_privacy_officer(
            f"Caseload: emergency access opened by {login}",
            f"{login} opened emergency access to every client's record "
            f"at {now:%Y-%m-%d %H:%M} (server time), until "
            f"{access.expires_at:%Y-%m-%d %H:%M}.\n\n"
            "Review it afterwards in Caseload: Audit > Emergency Access "
            "shows the reason, and the audit log's events flagged "
            "Emergency Access show what was opened.")
        return access

    @classmethod
    def close(cls, accesses, why):
        "End accesses now (why: 'ended' by the user, or 'expired')"
        Event = Pool().get('therapy.audit.event')
        now = dt.datetime.now().replace(microsecond=0)
        for access in accesses:
            end = min(now, access.expires_at)
            # logged before the end: the event belongs to the window
            Event.log('emergency.deactivate', 'E', model=cls.__name__,
                ids=[access.id], reason=why,
                actor_user=access.user.id, actor_login=access.user.login)
            with without_check_access():
                cls.write([access], {'ended_at': end})
        cls.changed()

    @classmethod
    def close_expired(cls):
        "The cron: record the end of windows past their time"
        with without_check_access():
            expired = cls.search([
                    ('ended_at', '=', None),
                    ('expires_at', '<=', dt.datetime.now()),
                    ])
        cls.close(expired, 'expired')

    @classmethod
    @ModelView.button
    def review(cls, accesses):
        Event = Pool().get('therapy.audit.event')
        user = Transaction().user
        with without_check_access():
            cls.write(accesses, {
                    'reviewed_by': user, 'reviewed_at': dt.datetime.now()})
        Event.log('emergency.review', 'E', model=cls.__name__,
            ids=[a.id for a in accesses])


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def get_groups(cls):
        groups = super().get_groups()
        transaction = Transaction()
        if '_groups' in transaction.context or not transaction.user:
            return groups
        active = emergency_group()
        if active is None:
            return groups
        Access = Pool().get('therapy.emergency.access')
        groups = tuple(g for g in groups if g != active)
        if Access.active_until(transaction.user):
            groups = tuple(sorted(groups + (active,)))
        return groups


def emergency_group():
    "Id of the group an open window adds (None while installing)"
    ModelData = Pool().get('ir.model.data')
    try:
        return ModelData.get_id('therapy_audit', 'group_emergency_active')
    except KeyError:
        return None


class Event(metaclass=PoolMeta):
    __name__ = 'therapy.audit.event'

    @classmethod
    def in_emergency(cls, event):
        Access = Pool().get('therapy.emergency.access')
        return (super().in_emergency(event)
            or bool(event.get('actor_kind') == 'staff'
                and Access.active_until(event.get('actor_user'))))


class ActivateStart(ModelView):
    "Emergency Access"
    __name__ = 'therapy.emergency.activate.start'
    explanation = fields.Text("Explanation", readonly=True)
    active_until = fields.Timestamp("Active Until", readonly=True)
    hours = fields.Integer("Hours", readonly=True)
    reason = fields.Text("Reason",
        states={
            'required': ~Bool(Eval('active_until')),
            'invisible': Bool(Eval('active_until')),
            },
        help="What the emergency is and whose record you need: the privacy "
        "officer reads it when reviewing this access.")


class Activate(FreshLoginWizard, Wizard):
    "Emergency Access"
    __name__ = 'therapy.emergency.activate'
    start = StateView('therapy.emergency.activate.start',
        'therapy_audit.emergency_activate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("End Emergency Access", 'deactivate', 'tryton-close',
                states={'invisible': ~Bool(Eval('active_until'))}),
            Button("Open Emergency Access", 'activate', 'tryton-ok',
                default=True,
                states={'invisible': Bool(Eval('active_until'))}),
            ])
    activate = StateTransition()
    deactivate = StateTransition()

    def default_start(self, fields):
        pool = Pool()
        Access = pool.get('therapy.emergency.access')
        Configuration = pool.get('therapy.security.configuration')
        until = Access.active_until(Transaction().user)
        return {
            'explanation': gettext('therapy_audit.msg_emergency_open'
                if until else 'therapy_audit.msg_emergency_explained'),
            'active_until': until,
            'hours': Configuration.emergency_window(),
            }

    def transition_activate(self):
        pool = Pool()
        Configuration = pool.get('therapy.security.configuration')
        pool.get('therapy.emergency.access').open(Transaction().user,
            self.start.reason, Configuration.emergency_window())
        return 'end'

    def transition_deactivate(self):
        Access = Pool().get('therapy.emergency.access')
        with without_check_access():
            accesses = Access.search([
                    ('user', '=', Transaction().user),
                    ('ended_at', '=', None),
                    ])
        Access.close(accesses, 'ended')
        return 'end'

    def end(self):
        # the menu and the open lists follow the groups just changed
        return 'reload menu'
