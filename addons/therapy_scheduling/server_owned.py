"""Fields only the server writes: workflow states, signatures, hashes.

Tryton's `readonly` is a hint to the web client; a user can send any value
over RPC. A model lists its server-owned fields here and then only its own
code (transitions and buttons run without the user's access checks) may
set them: a user's create may give a field its default value at most, a
user's write may not name it."""
from trytond.i18n import gettext
from trytond.model import Workflow
from trytond.model.exceptions import AccessError
from trytond.transaction import Transaction


class ServerOwnedMixin:
    __slots__ = ()
    # field names besides the workflow's state
    _server_owned = set()

    @classmethod
    def server_owned_fields(cls):
        names = set(cls._server_owned)
        if issubclass(cls, Workflow):
            names.add(cls._transition_state)
        return names

    @classmethod
    def create(cls, vlist):
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            owned = cls.server_owned_fields()
            defaults = cls.default_get(list(owned), with_rec_name=False)
            for values in vlist:
                for name in owned & values.keys():
                    if values[name] != defaults.get(name):
                        cls._refuse_server_owned(name)
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if external and mode == 'write':
            for name in sorted(cls.server_owned_fields() & values.keys()):
                cls._refuse_server_owned(name)

    @classmethod
    def _refuse_server_owned(cls, name):
        raise AccessError(gettext(
                'therapy_scheduling.msg_server_owned_field',
                field=cls._fields[name].string, model=cls.__doc__ or cls.__name__))
