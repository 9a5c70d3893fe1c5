import datetime as dt

from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool
from trytond.pyson import Eval, Id

client_sequence = fields.Many2One(
    'ir.sequence', "Client Sequence", required=True,
    domain=[
        ('sequence_type', '=',
            Id('therapy_scheduling', 'sequence_type_client')),
        ('company', 'in', [Eval('context', {}).get('company', -1), None]),
        ],
    help="Numbers new clients (the client number on statements and claims).")


class Configuration(ModelSingleton, ModelSQL, ModelView, CompanyMultiValueMixin):
    __name__ = 'therapy.configuration'

    client_sequence = fields.MultiValue(client_sequence)
    cancellation_window = fields.TimeDelta(
        "Cancellation Window",
        help="A client who cancels closer to the appointment than this "
        "cancels late (late-cancellation fee, honest statistics).")
    care_team_days_back = fields.Integer(
        "Care Team: Days Back", required=True,
        domain=[('care_team_days_back', '>=', 0)],
        help="A clinician who saw a client this many days ago (or since) "
        "is on the client's care team.")
    care_team_days_ahead = fields.Integer(
        "Care Team: Days Ahead", required=True,
        domain=[('care_team_days_ahead', '>=', 0)],
        help="A clinician booked with a client within this many days is on "
        "the client's care team.")
    client_demographics = fields.Selection([
            ('care_team', "Care team only"),
            ('all', "Every clinician"),
            ], "Clinicians Read Demographics Of", required=True,
        help="Care team only: a clinician reads the names, addresses and "
        "contact details of the clients of their care team and of the "
        "clients they (or their supervisees) ever saw.")

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field == 'client_sequence':
            return pool.get('therapy.configuration.sequence')
        return super().multivalue_model(field)

    @classmethod
    def default_cancellation_window(cls):
        return dt.timedelta(hours=24)

    @classmethod
    def default_care_team_days_back(cls):
        return 180

    @classmethod
    def default_care_team_days_ahead(cls):
        return 90

    @classmethod
    def default_client_demographics(cls):
        return 'care_team'

    @classmethod
    def default_client_sequence(cls, **pattern):
        return cls.multivalue_model(
            'client_sequence').default_client_sequence()


class ConfigurationSequence(ModelSQL, CompanyValueMixin):
    __name__ = 'therapy.configuration.sequence'

    client_sequence = client_sequence

    @classmethod
    def default_client_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id('therapy_scheduling', 'sequence_client')
        except KeyError:
            return None
