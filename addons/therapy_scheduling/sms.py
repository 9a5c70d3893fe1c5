"""Appointment reminders by SMS: a small provider interface, a
Twilio-compatible REST adapter and quiet-hours rules.

The adapter talks to the provider with urllib rather than a vendor SDK:
sending a message is one small form-encoded POST, so an SDK would only add a
dependency (and its upgrades) to the deployment, and plain HTTP works with
any endpoint that speaks Twilio's Messages API (Twilio itself, a regional
Twilio edge, or a compatible gateway) by changing ``base_url``.

Message bodies must never contain PHI (no diagnosis, service, clinician or
client name): the caller composes them, this module only delivers them.

Nothing here imports Tryton, so it can be used and tested on its own.
"""
import base64
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

MAX_BODY_LENGTH = 1600  # Twilio's limit for one message (all segments)


class SMSError(Exception):
    """Sending failed. ``status`` is the HTTP status (or None when the
    provider gave no answer), ``code`` the provider's error code (or None)."""

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class SMSResult:
    provider_id: str  # the provider's message id (Twilio 'sid')
    status: str  # provider status, e.g. 'queued'


def to_e164(number: str, region: str = 'US') -> str:
    """Return number in E.164 (+15555550123); numbers without a country
    code are read as numbers of region."""
    try:
        parsed = phonenumbers.parse(number or '', region)
    except NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise SMSError(
            f"{number!r} is not a valid mobile number; check the number "
            f"(without a country code it is read as a {region} number).")
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


_HINTS = {
    401: "check the account SID and auth token",
    403: "check the account SID and auth token and the account's "
    "permissions",
    404: "check the account SID and the endpoint URL",
}


class TwilioCompatibleSMS:
    """Send SMS through Twilio's Messages API or a compatible endpoint."""

    def __init__(self, account_sid, auth_token, from_number,
            base_url='https://api.twilio.com', timeout=10):
        if not account_sid or not auth_token:
            raise SMSError(
                "SMS provider credentials are missing; set the account SID "
                "and auth token.")
        if urllib.parse.urlsplit(base_url).scheme not in {'http', 'https'}:
            raise SMSError(
                f"SMS endpoint {base_url!r} is not an http(s) URL; "
                "check the endpoint URL.")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = to_e164(from_number)
        self.base_url = base_url.rstrip('/')
        self.timeout = timeout

    @property
    def url(self):
        sid = urllib.parse.quote(self.account_sid, safe='')
        return f'{self.base_url}/2010-04-01/Accounts/{sid}/Messages.json'

    def send(self, to: str, body: str) -> SMSResult:
        if not body or not body.strip():
            raise SMSError("The SMS body is empty; nothing was sent.")
        if len(body) > MAX_BODY_LENGTH:
            raise SMSError(
                f"The SMS body has {len(body)} characters, more than the "
                f"{MAX_BODY_LENGTH} allowed; shorten the message.")
        data = urllib.parse.urlencode({
                'To': to_e164(to),
                'From': self.from_number,
                'Body': body,
                }).encode('utf-8')
        credentials = base64.b64encode(
            f'{self.account_sid}:{self.auth_token}'.encode('utf-8'))
        request = urllib.request.Request(self.url, data=data, method='POST',
            headers={
                'Authorization': 'Basic ' + credentials.decode('ascii'),
                'Content-Type': 'application/x-www-form-urlencoded',
                'Accept': 'application/json',
                })
        try:
            with urllib.request.urlopen(
                    request, timeout=self.timeout) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            raise self._http_error(error.code, error.read()) from error
        except (urllib.error.URLError, http.client.HTTPException,
                OSError) as error:  # OSError covers timeouts and resets
            reason = getattr(error, 'reason', error)
            raise SMSError(
                f"The SMS provider could not be reached at {self.base_url} "
                f"({reason}); check the endpoint URL and the network "
                "connection.") from error
        try:
            result = json.loads(payload)
            return SMSResult(
                provider_id=str(result['sid']),
                status=str(result.get('status') or ''))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise SMSError(
                f"The SMS provider answered HTTP {status} without a message "
                "id; check that the endpoint URL is a Twilio-compatible "
                "Messages API.", status=status) from error

    def _http_error(self, status, payload):
        code = message = None
        try:
            error = json.loads(payload)
        except (ValueError, TypeError):
            error = None
        if isinstance(error, dict):
            code, message = error.get('code'), error.get('message')
        hint = _HINTS.get(status) or (
            "check the recipient and sender numbers and the message"
            if status < 500 else
            "the provider had a problem; try again later or check the "
            "endpoint URL")
        detail = f"HTTP {status}"
        if code is not None:
            detail += f", error {code}"
        if message:
            detail += f": {message}"
        return SMSError(
            f"The SMS provider refused the message ({detail}); {hint}.",
            status=status, code=code)


def in_quiet_hours(local_dt: datetime, quiet_start: time = time(21, 0),
        quiet_end: time = time(8, 0)) -> bool:
    """Whether local_dt (wall-clock time where the client is) falls in the
    quiet window [quiet_start, quiet_end), which may wrap past midnight.
    Equal start and end mean no quiet hours."""
    now = local_dt.time()
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= now < quiet_end
    return now >= quiet_start or now < quiet_end


def next_allowed(local_dt: datetime, quiet_start: time = time(21, 0),
        quiet_end: time = time(8, 0)) -> datetime:
    """Return local_dt when sending is allowed then, else the end of the
    quiet window it falls in (same tzinfo, next day past midnight)."""
    if not in_quiet_hours(local_dt, quiet_start, quiet_end):
        return local_dt
    day = local_dt.date()
    if quiet_start > quiet_end and local_dt.time() >= quiet_start:
        day += timedelta(days=1)
    return datetime.combine(
        day, quiet_end.replace(tzinfo=None), tzinfo=local_dt.tzinfo)
