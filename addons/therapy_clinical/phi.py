"""The PHI guard on this module's clinical records: export and history follow
the record rules (therapy_scheduling/phi.py says why)."""
from trytond.pool import PoolMeta

from therapy_scheduling.phi import PHIMixin


class ClientDiagnosis(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.client.diagnosis'


class FormAnswer(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.form.answer'


class FormResponse(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.form.response'


class MeasureLatest(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.measure.latest'


class Note(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.note'


class NoteTherapyClientDiagnosis(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.note-therapy.client.diagnosis'


class NoteTherapyIntervention(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.note-therapy.intervention'


class NoteAddendum(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.note.addendum'


class NoteBilling(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.note.billing'


class NoteDebt(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.note.debt'


class NoteProcedure(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.note.procedure'


class NoteReview(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.note.review'


class NoteSection(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.note.section'


class PsychotherapyNote(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.psychotherapy.note'


class TreatmentGoal(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.treatment.goal'


class TreatmentIntervention(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.treatment.intervention'


class TreatmentObjective(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.treatment.objective'


class TreatmentPlan(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.treatment.plan'


class TreatmentPlanTherapyClientDiagnosis(PHIMixin, metaclass=PoolMeta):
    __name__ = 'therapy.treatment.plan-therapy.client.diagnosis'
