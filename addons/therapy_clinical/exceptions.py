from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class NoteSignError(UserError):
    pass


class FormError(ValidationError):
    pass


class PlanError(UserError):
    pass


class ExportRefused(UserError):
    pass
