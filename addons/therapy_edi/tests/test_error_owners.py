"""pyx12's errors go to the claims whose segments they name: a claim's
own segments (CLM to the next CLM or HL) to that claim, a subscriber's
loops to its claims, the header and anything unnamed to every claim."""
import os
import sys
import unittest
from collections import OrderedDict

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, 'x12',
        'tests'))
from x12_fixtures import batch  # noqa: E402

from therapy_edi.edi_file import EdiFile  # noqa: E402
from therapy_edi.x12.claim837 import claim_segments  # noqa: E402


class FakeClaim:
    def __init__(self, number):
        self.number = number


class ErrorOwnersTest(unittest.TestCase):

    def test_errors_find_their_claims(self):
        body = claim_segments(batch())
        claims = [FakeClaim(n)
            for n in ['CL1001', 'CL1002', 'CL1003']]
        first, second, third = claims

        def number(predicate):
            "file segment number (ISA, GS, ST first) of the first match"
            return next(i for i, s in enumerate(body, 4) if predicate(s))

        replacement = number(lambda s: s[:2] == ['REF', 'F8'])
        second_payer = number(lambda s: s[:3] == ['NM1', 'PR', '2']
            and s[3] == 'STATE MEDICAID')
        problems = OrderedDict((c, []) for c in claims)
        errors = [
            f'segment {replacement} (REF "Payer Claim Control Number")',
            f'segment {second_payer} (NM1 "Payer Name")',
            'segment 2 (GS "Functional Group Header")',
            'transaction 0001: Number of included segments is wrong',
            ]
        EdiFile._assign_errors(errors, body, claims, problems)
        self.assertEqual(problems[first], errors[2:])
        self.assertEqual(problems[second], [errors[0]] + errors[2:])
        self.assertEqual(problems[third], errors[1:])
