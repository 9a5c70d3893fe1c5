"""Signed clinical records are frozen on the server.

One mechanism for notes, plans and form responses and for their rows: once
a record leaves draft, writing anything but its unlocked fields, or
deleting it, is refused with the record's own message; rows (sections,
goals, answers...) are frozen with the record they belong to."""
from trytond.model.exceptions import AccessError


class SignedLockMixin:
    __slots__ = ()
    # fields a record still receives after signing (state, co-signature...)
    _unlocked_fields = {'state'}

    def locked_message(self):
        "What to say when a change of this signed record is refused"
        raise NotImplementedError

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'write' and values.keys() <= cls._unlocked_fields:
            return
        if mode in {'write', 'delete'}:
            for record in records:
                if record.state != 'draft':
                    raise AccessError(record.locked_message())


class LockedRowMixin:
    """Rows frozen with the signed record they belong to.

    A row names the path to that record in _locked_parent ('plan',
    'goal.plan'...): its first step is also the record whose access rights
    the row follows."""
    __slots__ = ()
    _locked_parent = None

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add(cls._locked_parent.split('.')[0])

    def locked_record(self):
        "The signed-or-draft record this row belongs to"
        record = self
        for name in self._locked_parent.split('.'):
            record = getattr(record, name)
            if record is None:
                return None
        return record

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        for record in records:
            owner = record.locked_record()
            if owner and owner.state != 'draft':
                raise AccessError(owner.locked_message())
