"""Clients' names, addresses and contact details live on Tryton's party,
which ships no access rows (everyone may edit everything). party.xml gives
the edit rights to the roles that keep demographics; here the history of
addresses and contact mechanisms is kept, so a changed reminder address
shows who changed it, when, and from what."""
from sql.conditionals import Coalesce

from trytond.model import Index
from trytond.pool import Pool, PoolMeta

from .extensions import ensure_extension
from .phi import PHIMixin
from .rows import rows_of, stored_ids


def party_rec_name(name, code):
    "party.party's rec_name from its row: its name, else its code"
    return name or (f'[{code}]' if code else '')


def party_rec_names(Model, ids):
    """{id: its party's rec_name} of Model's records (with a Many2One
    party), read as rows without access checks, as names in lists are"""
    Party = Pool().get('party.party')
    table, party = Model.__table__(), Party.__table__()
    rows = rows_of(table.join(party, condition=table.party == party.id),
        table.id, ids, party.name, party.code)
    return {i: party_rec_name(name, code)
        for i, (name, code) in rows.items()}


class PartyNamedMixin:
    """Named after its party (Tryton's employee and company): a list's
    names read as rows, where each record read its party's record (the
    clinician column of the client list, the company every form depends
    on)"""
    __slots__ = ()

    @classmethod
    def get_rec_name(cls, records, name):
        names = party_rec_names(cls, stored_ids(records))
        return {r.id: names[r.id] if r.id in names
            else (r.party.rec_name if r.party else '') for r in records}


class Party(PHIMixin, metaclass=PoolMeta):
    "Clients and guardians are parties: their names are PHI"
    __name__ = 'party.party'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # a name typed in a search bar (the client list, a party field):
        # Tryton indexes the code's trigrams, not the name's
        cls._sql_indexes.add(Index(t, (Coalesce(t.name, ''),
                    Index.Similarity(cardinality='high'))))

    @classmethod
    def __register__(cls, module):
        ensure_extension('pg_trgm')
        super().__register__(module)

    @classmethod
    def get_rec_name(cls, parties, name):
        "Tryton's (the name, else the code) read as rows for a list"
        table = cls.__table__()
        rows = rows_of(table, table.id, stored_ids(parties),
            table.name, table.code)
        result = {}
        for party in parties:
            if party.id in rows:
                name, code = rows[party.id]
            else:
                name, code = party.name, party.code
            result[party.id] = party_rec_name(name, code)
        return result


class Address(PHIMixin, metaclass=PoolMeta):
    __name__ = 'party.address'
    _history = True


class ContactMechanism(PHIMixin, metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'
    _history = True
