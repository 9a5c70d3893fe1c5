"""REST API keys, when a practice turns the API on ([caseload] rest_api):
an administrator approves each key, a key expires, and it dies with its
user's password change or deactivation. Off, the routes answer 404
(web_guard.py) and a key opens nothing."""
import datetime as dt

from trytond import config
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from .server_owned import ServerOwnedMixin


def key_lifetime():
    return dt.timedelta(days=config.getint(
            'caseload', 'rest_key_days', default=90))


class UserApplication(ServerOwnedMixin, metaclass=PoolMeta):
    __name__ = 'res.user.application'
    _server_owned = {'expires'}

    expires = fields.DateTime(
        "Expires", readonly=True,
        help="After this the key opens nothing; request a new one.")

    @classmethod
    def default_state(cls):
        # nobody validates their own key: an administrator does
        return 'requested'

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            values['expires'] = dt.datetime.now() + key_lifetime()
        return values

    @classmethod
    def check(cls, key, application):
        record = super().check(key, application)
        if record and (not record.user or not record.user.active
                or not record.expires
                or record.expires < dt.datetime.now()):
            return None
        return record


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def on_modification(cls, mode, users, field_names=None):
        Application = Pool().get('res.user.application')
        super().on_modification(mode, users, field_names=field_names)
        if mode == 'write' and (field_names is None
                or {'active', 'password'} & set(field_names)):
            applications = Application.search([
                    ('user', 'in', [u.id for u in users]),
                    ('state', '!=', 'cancelled'),
                    ])
            Application.cancel(applications)
