from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Client(metaclass=PoolMeta):
    __name__ = 'therapy.client'

    guarantor = fields.Function(
        fields.Many2One('party.party', "Guarantor",
            context={'company': Eval('company', -1)}, depends={'company'},
            help="Who pays the client's share: the guardian marked "
            "guarantor, else the client's contact."),
        'get_guarantor')

    def get_guarantor(self, name=None):
        for guardian in self.guardians:
            if guardian.guarantor:
                return guardian.party.id
        return self.contact_party().id
