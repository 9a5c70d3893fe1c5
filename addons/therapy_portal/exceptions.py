from trytond.exceptions import UserError


class SignatureConsentError(UserError):
    "A form needing a signature was sent without the e-signature consent"
