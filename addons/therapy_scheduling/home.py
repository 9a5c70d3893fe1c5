"""A home per role: the board each Caseload group opens at login.

Tryton opens the actions listed on the user (`res.user.actions`) after
login. A user with none of their own gets the home of their first role
(by sequence), so a new front-desk login lands on the front desk's day
without anyone configuring it; a user's own actions still win."""
from trytond.model import ModelSQL, ModelView, fields, sequence_ordered
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access


class RoleHome(sequence_ordered(), ModelSQL, ModelView):
    "Role Home"
    __name__ = 'therapy.role.home'

    group = fields.Many2One(
        'res.group', "Group", required=True, ondelete='CASCADE')
    action = fields.Many2One(
        'ir.action', "Action", required=True, ondelete='CASCADE',
        help="Opened at login for the members of the group.")

    @classmethod
    def for_groups(cls, group_ids):
        "The action id of the first home among these groups, or None"
        with without_check_access():
            homes = cls.search([('group', 'in', list(group_ids))], limit=1)
        return homes[0].action.id if homes else None


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def _get_preferences(cls, user, context_only=False):
        RoleHome = Pool().get('therapy.role.home')
        preferences = super()._get_preferences(
            user, context_only=context_only)
        if not context_only and not preferences.get('actions'):
            action = RoleHome.for_groups(g.id for g in user.groups)
            if action:
                preferences['actions'] = [action]
        return preferences
