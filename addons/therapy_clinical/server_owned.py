"""Treatment plans and form responses: their workflow, signature, hash and
score fields are set by their buttons and the portal only, never by a
user's write over RPC (a signed plan written back to draft would reopen
for editing). Notes and addenda keep their own, older check
(note.py `_server_fields`, addendum.py)."""
from trytond.pool import PoolMeta

from therapy_scheduling.server_owned import ServerOwnedMixin


class TreatmentPlan(ServerOwnedMixin, metaclass=PoolMeta):
    __name__ = 'therapy.treatment.plan'
    _server_owned = {'signed_by', 'signed_at', 'content_hash',
        'client_signed_at', 'previous'}


class FormResponse(ServerOwnedMixin, metaclass=PoolMeta):
    __name__ = 'therapy.form.response'
    _server_owned = {'date', 'completed_at', 'completed_by', 'signer_ip',
        'signer_user_agent', 'document', 'document_hash', 'score',
        'severity', 'risk_flag', 'applied_at', 'applied_by',
        'risk_reviewed_by', 'risk_reviewed_at'}
