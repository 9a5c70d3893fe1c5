"""Who changed whose access, and when.

A clinician's supervisor grants reading the supervisee's notes, a user's
groups grant whole roles: each change is a row here, written by the server
as the change is saved (who made it, when, before and after), never edited
or deleted by anyone. The owner, the clinical director and the
administrator read them (Configuration > Access Changes)."""

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from . import clock

KINDS = [
    ('supervisor', "Supervisor"),
    ('cosign_required', "Co-signature Required"),
    ('group_added', "Group Added"),
    ('group_removed', "Group Removed"),
    ]


def value_text(record, name):
    "How a logged value reads: a record's name, yes/no, or empty"
    value = getattr(record, name)
    if record._fields[name]._type == 'boolean':
        # SQLite hands booleans back as integers
        return "yes" if value else "no"
    if value is None:
        return None
    return getattr(value, 'rec_name', str(value))


class AccessChange(ModelSQL, ModelView):
    "Access Change"
    __name__ = 'therapy.access.change'

    changed_at = fields.DateTime("Changed At", readonly=True, required=True)
    changed_by = fields.Many2One(
        'res.user', "Changed By", readonly=True,
        help="Empty for the system (module installation, scheduled jobs).")
    kind = fields.Selection(KINDS, "Change", readonly=True, required=True)
    employee = fields.Many2One(
        'company.employee', "Employee", readonly=True, ondelete='RESTRICT')
    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='RESTRICT')
    group = fields.Many2One(
        'res.group', "Group", readonly=True, ondelete='RESTRICT')
    old_value = fields.Char("Before", readonly=True)
    new_value = fields.Char("After", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('changed_at', 'DESC'), ('id', 'DESC')]

    @classmethod
    def check_modification(cls, mode, changes, values=None, external=False):
        super().check_modification(
            mode, changes, values=values, external=external)
        if external or mode != 'create':
            raise AccessError(
                gettext('therapy_scheduling.msg_access_change_readonly'))

    @classmethod
    def log(cls, rows):
        "Record changes made by the current user (none: the system)"
        if not rows:
            return
        user = Transaction().user or None
        now = clock.now()
        with without_check_access():
            cls.create([{'changed_at': now, 'changed_by': user, **row}
                    for row in rows])


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    @classmethod
    def _access_fields(cls):
        "Fields whose changes grant or take away access"
        return ['supervisor']

    @classmethod
    def create(cls, vlist):
        employees = super().create(vlist)
        cls._log_access(employees, {})
        return employees

    @classmethod
    def write(cls, *args):
        logged = cls._access_fields()
        before = {}
        actions = iter(args)
        for employees, values in zip(actions, actions):
            for name in logged:
                if name in values:
                    for employee in employees:
                        before[employee.id, name] = value_text(
                            employee, name)
        super().write(*args)
        if before:
            cls._log_access(
                cls.browse({i for i, _ in before}), before)

    @classmethod
    def _log_access(cls, employees, before):
        AccessChange = Pool().get('therapy.access.change')
        rows = []
        for employee in employees:
            for name in cls._access_fields():
                if before and (employee.id, name) not in before:
                    continue
                old = before.get((employee.id, name))
                new = value_text(employee, name)
                if old != new and (before or new not in {None, "no"}):
                    rows.append({'kind': name, 'employee': employee.id,
                            'old_value': old, 'new_value': new})
        AccessChange.log(rows)


class UserGroup(metaclass=PoolMeta):
    __name__ = 'res.user-res.group'

    @classmethod
    def create(cls, vlist):
        memberships = super().create(vlist)
        Pool().get('therapy.access.change').log([
                {'kind': 'group_added', 'user': m.user.id,
                    'group': m.group.id, 'new_value': m.group.rec_name}
                for m in memberships])
        return memberships

    @classmethod
    def delete(cls, memberships):
        rows = [{'kind': 'group_removed', 'user': m.user.id,
                'group': m.group.id, 'old_value': m.group.rec_name}
            for m in memberships]
        super().delete(memberships)
        Pool().get('therapy.access.change').log(rows)
