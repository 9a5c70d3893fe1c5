from dateutil.relativedelta import relativedelta

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from therapy_billing.gfe import CONTEXT_KEY

AGE_OF_MAJORITY = 18


def majority_birth_date(today):
    "Clients born after this date are minors today"
    return today - relativedelta(years=AGE_OF_MAJORITY)


class Client(metaclass=PoolMeta):
    __name__ = 'therapy.client'

    portal_users = fields.Function(
        fields.Many2Many(
            'web.user', None, None, "Portal Logins", readonly=True,
            help="Web logins of the client or of a guardian who can "
            "consent for them."),
        'get_portal_users')

    def is_minor(self, today=None):
        today = today or Pool().get('ir.date').today()
        return bool(self.birth_date
            and self.birth_date > majority_birth_date(today))

    def portal_parties(self):
        """Parties whose portal login may see this client: the client, and
        a consenting guardian while the client is a minor (or when the
        adult client lets them keep access)"""
        parties = [self.party]
        minor = self.is_minor()
        parties += [g.party for g in self.guardians if g.legal_guardian
            and (minor or g.portal_after_majority)]
        return parties

    def get_portal_users(self, name):
        WebUser = Pool().get('web.user')
        return [u.id for u in WebUser.search([
                    ('party', 'in', [p.id for p in self.portal_parties()]),
                    ])]

    @classmethod
    def for_portal_party(cls, party):
        """Clients the portal user of party may see: themselves and the
        minors they are the consenting guardian of (or adults who let them
        keep access)."""
        if not party:
            return []
        today = Pool().get('ir.date').today()
        return cls.search(['OR',
                ('party', '=', party.id),
                # one guardian row must satisfy all the conditions
                ('guardians', 'where', [
                        ('party', '=', party.id),
                        ('legal_guardian', '=', True),
                        ['OR',
                            ('portal_after_majority', '=', True),
                            ('client.birth_date', '>',
                                majority_birth_date(today)),
                            ],
                        ]),
                ], order=[('number', 'ASC')])


class Guardian(metaclass=PoolMeta):
    __name__ = 'therapy.client.guardian'

    portal_after_majority = fields.Boolean(
        "Portal Access When Adult",
        help="The client, as an adult, lets this person keep seeing their "
        "record in the portal. Without it a guardian's portal access ends "
        "on the client's 18th birthday.")

    @classmethod
    def default_portal_after_majority(cls):
        return False


class GoodFaithEstimate(metaclass=PoolMeta):
    "The portal login that acknowledged an estimate's receipt"
    __name__ = 'therapy.good_faith_estimate'

    acknowledged_web_user = fields.Many2One(
        'web.user', "Acknowledged By Login", readonly=True,
        ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._server_fields = cls._server_fields | {'acknowledged_web_user'}

    @classmethod
    def acknowledge_in_portal(cls, estimates, web_user, by):
        "Record the receipt by web_user (by: its words for the estimate)"
        cls.acknowledge(estimates, by)
        with Transaction().set_context(**{CONTEXT_KEY: True}):
            cls.write(estimates, {'acknowledged_web_user': web_user.id})
