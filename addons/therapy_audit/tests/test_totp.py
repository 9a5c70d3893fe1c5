"""One-time passwords and recovery codes alone: plain tests, no database"""
import unittest

from therapy_audit import totp

# RFC 6238's SHA-1 test key ("12345678901234567890") in base32
RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'


class TOTPTestCase(unittest.TestCase):

    def test_rfc_6238_vectors(self):
        "The codes of RFC 6238's appendix B (their last six digits)"
        for moment, code in [(59, '287082'), (1111111109, '081804'),
                (1234567890, '005924'), (2000000000, '279037')]:
            self.assertEqual(totp.code_at(RFC_SECRET, moment), code)

    def test_window_and_replay(self):
        now = 1_800_000_000
        step = now // totp.STEP
        code = totp.code_at(RFC_SECRET, now)
        self.assertEqual(totp.matching_step(RFC_SECRET, code, now=now), step)
        # a phone 30 s ahead or behind is still right; 90 s is not
        self.assertEqual(
            totp.matching_step(RFC_SECRET, code, now=now + 30), step)
        self.assertEqual(
            totp.matching_step(RFC_SECRET, code, now=now - 30), step)
        self.assertIsNone(totp.matching_step(RFC_SECRET, code, now=now + 90))
        # the same code again, or an older one, is a replay
        self.assertIsNone(
            totp.matching_step(RFC_SECRET, code, last_step=step, now=now))
        older = totp.code_at(RFC_SECRET, now - 30)
        self.assertIsNone(
            totp.matching_step(RFC_SECRET, older, last_step=step, now=now))
        newer = totp.code_at(RFC_SECRET, now + 30)
        self.assertEqual(totp.matching_step(
                RFC_SECRET, newer, last_step=step, now=now + 30), step + 1)

    def test_malformed_codes(self):
        for code in [None, '', '12345', '1234567', 'abcdef', '12 34 5x']:
            self.assertIsNone(totp.matching_step(RFC_SECRET, code))
        # spaces as authenticators show them are fine
        code = totp.code_at(RFC_SECRET, 1_800_000_000)
        self.assertIsNotNone(totp.matching_step(RFC_SECRET,
                f'{code[:3]} {code[3:]}', now=1_800_000_000))

    def test_new_secret(self):
        secret = totp.new_secret()
        self.assertEqual(len(secret), 32)
        self.assertNotEqual(secret, totp.new_secret())
        self.assertEqual(totp.grouped('ABCDEFGH'), 'ABCD EFGH')
        uri = totp.provisioning_uri(secret, 'dana', 'Harbor View')
        self.assertTrue(uri.startswith('otpauth://totp/Harbor%20View:dana?'))
        self.assertIn(f'secret={secret}', uri)

    def test_recovery_codes(self):
        codes = totp.new_recovery_codes()
        self.assertEqual(len(set(codes)), totp.RECOVERY_COUNT)
        code = codes[0]
        self.assertRegex(code, r'^[0-9A-Z]{5}-[0-9A-Z]{5}$')
        self.assertTrue(totp.looks_like_recovery_code(code))
        self.assertTrue(totp.looks_like_recovery_code(code.lower()))
        self.assertFalse(totp.looks_like_recovery_code('123456'))
        stored = totp.hash_recovery_code(code)
        self.assertNotIn(totp.normalise(code), stored)
        self.assertNotEqual(stored, totp.hash_recovery_code(code))
        self.assertTrue(totp.recovery_code_matches(code.lower(), stored))
        self.assertTrue(totp.recovery_code_matches(
                code.replace('-', ' '), stored))
        self.assertFalse(totp.recovery_code_matches(codes[1], stored))
        self.assertFalse(totp.recovery_code_matches(code, 'garbage'))
