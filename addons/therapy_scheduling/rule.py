from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Rule(metaclass=PoolMeta):
    """Record rules that follow the user, not only the user's groups.

    Clinical content is visible to its author and the author's supervisor,
    and a client's record to the client's care team (care_team.py), so
    rule domains need the user's employees. The domain cache must then be
    keyed by user and employees too: keyed by groups alone (Tryton's
    default), one clinician's domain would be served to the next clinician
    of the same groups."""
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "user_id" as the id of the current user'
            '\n- "employees" as list of employee ids of the current user')

    @classmethod
    def _get_context(cls, model_name):
        User = Pool().get('res.user')
        context = super()._get_context(model_name)
        context['user_id'] = Transaction().user
        context['employees'] = list(User.get_employees())
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        User = Pool().get('res.user')
        key = super()._get_cache_key(model_names)
        return (*key, Transaction().user, tuple(User.get_employees()))
