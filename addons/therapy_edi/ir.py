from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('therapy.clearinghouse|send_all',
                    "Send Ready Claims to the Clearinghouses"),
                ('therapy.clearinghouse|fetch_all',
                    "Import the Clearinghouses' Answers"),
                ])
