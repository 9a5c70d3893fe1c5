from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import ValidationError


class BillingError(UserError):
    pass


class ClaimError(ValidationError):
    pass


class ModifierRuleError(ValidationError):
    pass


class DepositWarning(UserWarning):
    pass
