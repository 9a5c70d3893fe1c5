from trytond.pool import PoolMeta


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
