"""The PHI guard on this module's coverage, charges, claims and
payments: export and history follow the record rules (therapy_scheduling/phi.py says why)."""
from trytond.pool import PoolMeta

from therapy_scheduling.phi import PHIMixin


class Authorization(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.authorization'


class AuthorizationTherapyService(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.authorization-therapy.service'


class Charge(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.charge'


class Claim(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.claim'


class ClaimDiagnosis(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.claim.diagnosis'


class ClaimEvent(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.claim.event'


class ClaimLine(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.claim.line'


class Coverage(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.coverage'


class DeskPayment(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.desk.payment'


class SlidingScale(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.sliding.scale'


class Remittance(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.remittance'


class RemittanceClaim(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.remittance.claim'


class RemittanceLine(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.remittance.line'


class RemittanceAdjustment(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.remittance.adjustment'


class RemittanceProviderAdjustment(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.remittance.provider_adjustment'


class GoodFaithEstimate(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.good_faith_estimate'


class GoodFaithEstimateLine(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.good_faith_estimate.line'
