"Phone number normalisation shared by our models (phonenumbers, US default)."
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat


def format_phone(value, region='US'):
    """Return value in international format, or None when it is not a
    valid phone number."""
    if not value:
        return value
    try:
        number = phonenumbers.parse(value, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(
        number, PhoneNumberFormat.INTERNATIONAL)
