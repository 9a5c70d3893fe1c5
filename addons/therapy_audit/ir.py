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
