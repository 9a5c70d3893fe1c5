from trytond.exceptions import UserError


class SignatureConsentError(UserError):
    "A form needing a signature was sent without the e-signature consent"


class PortalInviteError(UserError):
    "A portal invitation that cannot be sent as asked"
