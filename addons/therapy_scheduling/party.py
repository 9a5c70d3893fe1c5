"""Clients' names, addresses and contact details live on Tryton's party,
which ships no access rows (everyone may edit everything). party.xml gives
the edit rights to the roles that keep demographics; here the history of
addresses and contact mechanisms is kept, so a changed reminder address
shows who changed it, when, and from what."""
from trytond.pool import PoolMeta

from .phi import PHIMixin


class Party(PHIMixin, metaclass=PoolMeta):
    "Clients and guardians are parties: their names are PHI"
    __name__ = 'party.party'


class Address(PHIMixin, metaclass=PoolMeta):
    __name__ = 'party.address'
    _history = True


class ContactMechanism(PHIMixin, metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'
    _history = True
