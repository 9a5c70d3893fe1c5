"""Changes of who may do what as audit events (SECURITY.md §5.1
admin.privilege.change): group memberships, model and field access rows,
record rules, REST application keys. Changes made by a person only: the
module installation and updates (user 0) load hundreds of rows that the
code, not a person, decided.

Over RPC, these changes and those of users and groups need a fresh login
(`login.Session.check_timeout`): a session left open on a desk does not
give its holder the keys."""
import copy

from trytond.pool import Pool, PoolMeta
from trytond.rpc import RPC
from trytond.transaction import Transaction


def log_change(Model, action, ids, field_names=None, detail=None):
    if not Transaction().user:
        return
    Pool().get('therapy.audit.event').log('admin.privilege.change', action,
        model=Model.__name__, ids=ids, field_names=field_names,
        detail=detail)


class FreshLoginMixin:
    "create, write and delete over RPC only right after a login"
    __slots__ = ()

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        for name in ['create', 'write', 'delete']:
            if name not in cls.__rpc__:
                continue
            rpc = copy.copy(cls.__rpc__[name])
            rpc.fresh_session = True
            cls.__rpc__[name] = rpc


class FreshLoginWizard:
    "A wizard for a sensitive action: run only right after a login"
    __slots__ = ()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__['execute'] = RPC(
            readonly=False, check_access=False, fresh_session=True)


class PrivilegeAuditMixin(FreshLoginMixin):
    __slots__ = ()

    @classmethod
    def create(cls, vlist):
        records = super().create(vlist)
        log_change(cls, 'C', [r.id for r in records],
            {k for v in vlist for k in v}, cls._privilege_detail(records))
        return records

    @classmethod
    def write(cls, *args):
        ids = [r.id for records in args[0::2] for r in records]
        names = {k for values in args[1::2] for k in values}
        super().write(*args)
        log_change(cls, 'U', ids, names,
            cls._privilege_detail(cls.browse(ids)))

    @classmethod
    def delete(cls, records):
        ids = [r.id for r in records]
        detail = cls._privilege_detail(records)
        super().delete(records)
        log_change(cls, 'D', ids, detail=detail)

    @classmethod
    def _privilege_detail(cls, records):
        "What an auditor needs beyond the ids (never a secret)"
        return None


class User(FreshLoginMixin, metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def write(cls, *args):
        changed = [r.id for records, values in zip(args[0::2], args[1::2])
            if 'password' in values for r in records]
        super().write(*args)
        if changed and Transaction().user:
            # whose password, by whom (the actor): never the password
            Pool().get('therapy.audit.event').log('auth.password.change',
                'U', model=cls.__name__, ids=changed)


class Group(FreshLoginMixin, metaclass=PoolMeta):
    __name__ = 'res.group'


class UserGroup(PrivilegeAuditMixin, metaclass=PoolMeta):
    __name__ = 'res.user-res.group'

    @classmethod
    def _privilege_detail(cls, records):
        return {'memberships': [[r.user.login, r.group.name]
                for r in records]}


class ModelAccess(PrivilegeAuditMixin, metaclass=PoolMeta):
    __name__ = 'ir.model.access'


class ModelFieldAccess(PrivilegeAuditMixin, metaclass=PoolMeta):
    __name__ = 'ir.model.field.access'


class RuleGroup(PrivilegeAuditMixin, metaclass=PoolMeta):
    __name__ = 'ir.rule.group'


class Rule(PrivilegeAuditMixin, metaclass=PoolMeta):
    __name__ = 'ir.rule'


class UserApplication(PrivilegeAuditMixin, metaclass=PoolMeta):
    __name__ = 'res.user.application'
