"""Two-step sign-in's pure part: time-based one-time passwords (RFC 6238,
computed by pyotp) with replay protection, and single-use recovery codes
(mfa.py keeps both in the database).

A code is accepted within one 30-second step either side of the server's
clock (phones drift), and only for a step later than the last one used:
a code seen once, by the user or by someone looking over a shoulder, is
refused the second time. Recovery codes are 10 characters of Crockford's
base32 (50 bits), stored as scrypt hashes with a salt each: a stolen
table does not give them away."""
import hashlib
import hmac
import secrets
import time

import pyotp

STEP = 30
DIGITS = 6
WINDOW = 1
RECOVERY_COUNT = 10
RECOVERY_LENGTH = 10
# Crockford's base32: no I, L, O or U to misread
RECOVERY_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
SCRYPT = {'n': 2 ** 14, 'r': 8, 'p': 1}


def new_secret():
    "A shared secret of 160 bits, in base32 as authenticator apps take it"
    return pyotp.random_base32()


def grouped(secret):
    "The secret as people type it: groups of four"
    return ' '.join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret, login, issuer):
    "What the QR code holds (otpauth://totp/...)"
    return pyotp.TOTP(secret).provisioning_uri(
        name=login, issuer_name=issuer)


def normalise(code):
    return ''.join(str(code or '').split()).replace('-', '').upper()


def code_at(secret, moment):
    "The code an authenticator shows at moment (seconds since the epoch)"
    return pyotp.TOTP(secret).at(moment)


def matching_step(secret, code, last_step=None, now=None):
    """The time step code belongs to, within WINDOW steps of now, if later
    than last_step (the step last used: an earlier or the same one is a
    replay); None otherwise"""
    code = normalise(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes(count=RECOVERY_COUNT):
    "count codes, shown once as XXXXX-XXXXX"
    codes = []
    for _ in range(count):
        code = ''.join(secrets.choice(RECOVERY_ALPHABET)
            for _ in range(RECOVERY_LENGTH))
        codes.append(code[:5] + '-' + code[5:])
    return codes


def looks_like_recovery_code(code):
    code = normalise(code)
    return len(code) == RECOVERY_LENGTH and all(
        c in RECOVERY_ALPHABET for c in code)


def hash_recovery_code(code):
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(normalise(code).encode(), salt=salt, **SCRYPT)
    return f'scrypt${salt.hex()}${digest.hex()}'


def recovery_code_matches(code, stored):
    try:
        kind, salt, digest = stored.split('$')
    except (AttributeError, ValueError):
        return False
    if kind != 'scrypt':
        return False
    computed = hashlib.scrypt(
        normalise(code).encode(), salt=bytes.fromhex(salt), **SCRYPT)
    return hmac.compare_digest(computed.hex(), digest)
