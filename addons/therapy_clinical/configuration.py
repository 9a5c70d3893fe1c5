from trytond.model import fields
from trytond.pool import PoolMeta

DEFAULT_NOTE_DUE_HOURS = 24
DEFAULT_COSIGN_ATTESTATION = (
    "I have reviewed this note, discussed the client's care with the "
    "clinician under my supervision, and agree with the assessment and "
    "plan as documented.")


class Configuration(metaclass=PoolMeta):
    __name__ = 'therapy.configuration'

    note_due_hours = fields.Integer(
        "Notes Due After (hours)", required=True,
        domain=[('note_due_hours', '>=', 0)],
        help="A session's note is overdue this many hours after the "
        "session ended (payers and licensing boards expect timely notes).")
    cosign_attestation = fields.Text(
        "Co-signature Attestation", required=True,
        help="What a supervisor attests when co-signing a supervisee's "
        "note; shown before each co-signature (which may adapt it) and "
        "stored with it.")

    @classmethod
    def default_note_due_hours(cls):
        return DEFAULT_NOTE_DUE_HOURS

    @classmethod
    def default_cosign_attestation(cls):
        return DEFAULT_COSIGN_ATTESTATION
