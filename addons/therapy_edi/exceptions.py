from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class EDIError(UserError):
    pass


class ClearinghouseValidationError(ValidationError):
    pass
