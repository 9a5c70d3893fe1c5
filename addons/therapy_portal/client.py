from trytond.model import fields
from trytond.pool import Pool, PoolMeta


class Client(metaclass=PoolMeta):
    __name__ = 'therapy.client'

    portal_users = fields.Function(
        fields.Many2Many(
            'web.user', None, None, "Portal Logins", readonly=True,
            help="Web logins of the client or of a guardian who can "
            "consent for them."),
        'get_portal_users')

    def portal_parties(self):
        "Parties whose portal login may see this client"
        parties = [self.party]
        parties += [g.party for g in self.guardians if g.legal_guardian]
        return parties

    def get_portal_users(self, name):
        WebUser = Pool().get('web.user')
        return [u.id for u in WebUser.search([
                    ('party', 'in', [p.id for p in self.portal_parties()]),
                    ])]

    @classmethod
    def for_portal_party(cls, party):
        """Clients the portal user of party may see: themselves and the
        clients they are the consenting guardian of."""
        if not party:
            return []
        return cls.search(['OR',
                ('party', '=', party.id),
                # one guardian row must satisfy both conditions
                ('guardians', 'where', [
                        ('party', '=', party.id),
                        ('legal_guardian', '=', True),
                        ]),
                ], order=[('number', 'ASC')])
