from trytond.pool import PoolMeta


class Client(metaclass=PoolMeta):
    __name__ = 'therapy.client'

    @classmethod
    def _care_team_unbounded_groups(cls):
        # the clinical director reads every client's record
        return super()._care_team_unbounded_groups() + [
            'therapy_clinical.group_clinical_director']
