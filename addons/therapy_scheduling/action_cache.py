"""What an action opens, kept between requests.

Why: a button that opens a window or a wizard, and a wizard's last step
(Tryton's StateAction), read the action's definition again at each
click: its window, views, tab domains and their translations, with a
search for the action's id first; 7-8% of a reschedule in the load test
(about 20 ms). The definitions are read as before and kept per user,
their groups, the language and whether access is checked (a user reads
what their groups may: a key of their own raises as before), and
forgotten when an action, a window's view or tab, an action's groups, a
view, an icon or a translation is saved (Tryton's Cache: other workers
forget at their next request).

Callers change what they get (a wizard's step sets the domain of the
window it opens), so each call gets its own copy: the values are kept
pickled, as Tryton's Cache would otherwise freeze lists into tuples."""
import pickle

from trytond.cache import Cache
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

VALUES = Cache('ir.action.get_action_values', context=False)


class ForgetsActionValues:
    "Saving one of these changes what actions open"
    __slots__ = ()

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        VALUES.clear()


class Action(ForgetsActionValues, metaclass=PoolMeta):
    __name__ = 'ir.action'

    @classmethod
    def get_action_values(cls, type_, action_ids, columns=None):
        User = Pool().get('res.user')
        transaction = Transaction()
        key = (type_, tuple(action_ids), tuple(columns or ()),
            transaction.user, tuple(sorted(User.get_groups())),
            transaction.language, transaction.check_access)
        kept = VALUES.get(key)
        if kept is None:
            values = super().get_action_values(
                type_, action_ids, columns=columns)
            VALUES.set(key, pickle.dumps(values))
            return values
        return pickle.loads(kept)


class ActionGroup(ForgetsActionValues, metaclass=PoolMeta):
    __name__ = 'ir.action-res.group'


class ActionWindow(ForgetsActionValues, metaclass=PoolMeta):
    __name__ = 'ir.action.act_window'


class ActionWindowView(ForgetsActionValues, metaclass=PoolMeta):
    __name__ = 'ir.action.act_window.view'


class ActionWindowDomain(ForgetsActionValues, metaclass=PoolMeta):
    __name__ = 'ir.action.act_window.domain'


class ActionWizard(ForgetsActionValues, metaclass=PoolMeta):
    __name__ = 'ir.action.wizard'


class ActionReport(ForgetsActionValues, metaclass=PoolMeta):
    __name__ = 'ir.action.report'


class ActionURL(ForgetsActionValues, metaclass=PoolMeta):
    __name__ = 'ir.action.url'


class View(ForgetsActionValues, metaclass=PoolMeta):
    __name__ = 'ir.ui.view'


class Icon(ForgetsActionValues, metaclass=PoolMeta):
    __name__ = 'ir.ui.icon'


class Translation(ForgetsActionValues, metaclass=PoolMeta):
    __name__ = 'ir.translation'
