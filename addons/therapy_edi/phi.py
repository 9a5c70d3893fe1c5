"""The EDI files and eligibility answers carry PHI (names, member IDs, diagnoses): export and
history follow the record rules (therapy_scheduling/phi.py says why).
Clearinghouses hold none (see NOT_PHI there)."""
from trytond.pool import PoolMeta

from therapy_scheduling.phi import PHIMixin


class EdiFile(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.edi.file'


class EdiFileClaim(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.edi.file-therapy.claim'


class Eligibility(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.eligibility'
