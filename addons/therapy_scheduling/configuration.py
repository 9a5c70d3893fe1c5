import datetime as dt

from trytond.cache import Cache
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool
from trytond.pyson import Eval, Id
from trytond.transaction import without_check_access

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

    # record rules and lists ask for settings many times a request: kept
    # across requests until the configuration is saved (a transaction that
    # saved it reads its own values until it commits: Tryton's Cache)
    _settings_cache = Cache('therapy.configuration.settings', context=False)

    @classmethod
    def settings(cls, names):
        """{name: value} of the practice's settings named (the singleton's
        own fields: not company-dependent values, the cache ignores the
        context)"""
        key = tuple(sorted(names))
        values = cls._settings_cache.get(key)
        if values is None:
            with without_check_access():
                values, = cls.read([1], list(key))
            values = cls._settings_cache.set(key, values)
        return {name: values[name] for name in names}

    @classmethod
    def on_write(cls, records, values):
        # before the update too: a setting read while the write validates
        # would otherwise be shared, and kept if the transaction rolls back
        cls._settings_cache.clear()
        return super().on_write(records, values)

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        cls._settings_cache.clear()

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
