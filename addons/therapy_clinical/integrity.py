"""The signed clinical records the nightly integrity check hashes again
(therapy_audit/integrity.py): notes, addenda and treatment plans by the
content hash of their signature, form responses by their document's."""
from trytond.pool import PoolMeta

from therapy_audit.integrity import Sealed

from .signature import content_hash, sha256


class SignedContent(Sealed):
    __slots__ = ()

    def seal_matches(self):
        return content_hash(self.signed_content()) == self.content_hash


class Note(SignedContent, metaclass=PoolMeta):
    __name__ = 'therapy.note'


class Addendum(SignedContent, metaclass=PoolMeta):
    __name__ = 'therapy.note.addendum'


class TreatmentPlan(SignedContent, metaclass=PoolMeta):
    __name__ = 'therapy.treatment.plan'


class FormResponse(Sealed, metaclass=PoolMeta):
    __name__ = 'therapy.form.response'

    @classmethod
    def sealed_domain(cls):
        return [('document_hash', '!=', None)]

    def seal_matches(self):
        return sha256(self.document or '') == self.document_hash
