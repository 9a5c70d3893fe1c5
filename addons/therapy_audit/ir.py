from trytond.pool import PoolMeta
from trytond.transaction import Transaction


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('therapy.audit.tamper|check_integrity',
                    "Check the Audit Log and Signed Records"),
                ('therapy.emergency.access|close_expired',
                    "Close Expired Emergency Access"),
                ])


class Trigger(metaclass=PoolMeta):
    __name__ = 'ir.trigger'

    @classmethod
    def get_triggers(cls, model_name, mode):
        """Tryton's, without the request's context in its cache key: every
        create, write and delete asks, and a wizard's context (the record
        it runs on) made each ask a search (about 2% of the server's time
        in the load test). Which triggers apply does not depend on the
        context; `_no_trigger` is honoured before it is put aside."""
        transaction = Transaction()
        if transaction.context.get('_no_trigger'):
            return []
        with transaction.reset_context():
            return super().get_triggers(model_name, mode)


class Model(metaclass=PoolMeta):
    __name__ = 'ir.model'

    @classmethod
    def get_name_items(cls, classes=None):
        """Tryton's, cached by language alone: every logged write, button
        and transition validates its ir.model.log's resource against the
        list of models, and the cache keyed on the request's whole context
        (a wizard's record, the PHI rules' markers) made each of them
        search and translate every model again (a tenth of a reschedule's
        time in the load test). The names depend on the language only."""
        transaction = Transaction()
        language = transaction.language
        with transaction.reset_context(), \
                transaction.set_context(language=language):
            return super().get_name_items(classes=classes)
