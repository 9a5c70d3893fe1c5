from trytond.pool import PoolMeta

from .party import PartyNamedMixin


class Company(PartyNamedMixin, metaclass=PoolMeta):
    __name__ = 'company.company'
