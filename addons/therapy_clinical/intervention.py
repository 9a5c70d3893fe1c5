from trytond.model import DeactivableMixin, ModelSQL, ModelView, Unique, fields

from therapy_scheduling.disciplines import DISCIPLINES


class Intervention(DeactivableMixin, ModelSQL, ModelView):
    "Therapeutic intervention (used by notes and treatment plans)"
    __name__ = 'therapy.intervention'

    name = fields.Char("Name", required=True, translate=True)
    discipline = fields.Selection(
        [(None, "Any")] + DISCIPLINES, "Discipline")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('name_unique', Unique(t, t.name),
                'therapy_clinical.msg_intervention_name_unique'),
            ]
        cls._order = [('name', 'ASC'), ('id', 'ASC')]
