from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('therapy.authorization|send_warnings',
                    "Email the Front Desk Authorizations Needing Attention"),
                ])
