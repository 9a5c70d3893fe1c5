from trytond.model import fields
from trytond.pool import PoolMeta


class Service(metaclass=PoolMeta):
    __name__ = 'therapy.service'

    timed = fields.Boolean(
        "Timed Code",
        help="Billed in 15-minute units from the session's minutes "
        "(e.g. 97110, 92507 is not); untimed codes bill one unit.")

    @classmethod
    def default_timed(cls):
        return False
