from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import AccessError, ValidationError


class ClinicianValidationError(ValidationError):
    pass


class ClientValidationError(ValidationError):
    pass


class ServiceValidationError(ValidationError):
    pass


class LocationValidationError(ValidationError):
    pass


class ClientNumberError(UserError):
    pass


class AppointmentValidationError(ValidationError):
    pass


class AppointmentConflictError(ValidationError):
    pass


class SeriesValidationError(ValidationError):
    pass


class AvailabilityValidationError(ValidationError):
    pass


class SlotError(UserError):
    pass


class ReminderValidationError(ValidationError):
    pass


class WaitlistError(UserError):
    pass


class AvailabilityWarning(UserWarning):
    pass


class CareTeamError(AccessError):
    pass
