from trytond.exceptions import UserError


class SignatureConsentError(UserError):
    "A form needing a signature was sent without the e-signature consent"


class MessageError(UserError):
    "A secure message or its attachment that cannot be sent as it is"


class PortalInviteError(UserError):
    "A portal invitation that cannot be sent as asked"
