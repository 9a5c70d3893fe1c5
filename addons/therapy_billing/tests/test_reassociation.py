"""The EFT reassociation key and match, without Tryton
(reassociation.py)."""
import unittest
from decimal import Decimal

from ..reassociation import Candidate, key, match

ADDENDA = 'HCCLAIMPMT TRN*1*EFT-1001*1999999999\\'


def candidate(id_, trace, amount, payer_identifier=None, party=None):
    return Candidate(id_, trace, Decimal(amount), payer_identifier, party)


class KeyTestCase(unittest.TestCase):

    def test_addenda(self):
        "The CCD+ addenda gives the trace and the payer's TRN03"
        deposit = key(ADDENDA)
        self.assertEqual(deposit.traces, ('EFT-1001',))
        self.assertEqual(deposit.originator, '1999999999')
        self.assertIn('HCCLAIMPMT', deposit.words)

    def test_words(self):
        "Without addenda, every word of memo, reference and check number"
        deposit = key('Deposit check', None, '10442')
        self.assertEqual(deposit.traces, ())
        self.assertIsNone(deposit.originator)
        self.assertEqual(deposit.words, {'DEPOSIT', 'CHECK', '10442'})


class MatchTestCase(unittest.TestCase):

    def test_trace_and_amount(self):
        "The one remittance with the addenda's trace and the amount"
        result = match(key(ADDENDA), Decimal('95.00'), None, [
                candidate(1, 'EFT-1001', '95.00', '1999999999'),
                candidate(2, 'EFT-1002', '95.00', '1999999999'),
                ])
        self.assertEqual(result.matched, 1)

    def test_wrong_amount(self):
        "The trace with another amount is not a match: it is reported"
        result = match(key(ADDENDA), Decimal('90.00'), None, [
                candidate(1, 'EFT-1001', '95.00')])
        self.assertIsNone(result.matched)
        self.assertEqual(result.mismatched, (1,))

    def test_other_payer(self):
        "The same trace and amount from another payer (TRN03) is not"
        result = match(key(ADDENDA), Decimal('95.00'), None, [
                candidate(1, 'EFT-1001', '95.00', '1888888888')])
        self.assertIsNone(result.matched)
        self.assertEqual(result.mismatched, (1,))

    def test_other_party(self):
        "Without TRN03, the bank's payer name must be the payer's"
        result = match(key('CHECK 10442'), Decimal('50'), 7, [
                candidate(1, '10442', '50', None, 8)])
        self.assertIsNone(result.matched)
        result = match(key('CHECK 10442'), Decimal('50'), 8, [
                candidate(1, '10442', '50', None, 8)])
        self.assertEqual(result.matched, 1)

    def test_paper_check(self):
        "A check's number (BPR04 = CHK) is its trace"
        result = match(key(None, None, '10442'), Decimal('50'), None, [
                candidate(3, '10442', '50')])
        self.assertEqual(result.matched, 3)

    def test_ambiguous(self):
        "Two remittances that fit: neither is chosen"
        result = match(key('PAYMENT 777'), Decimal('50'), None, [
                candidate(1, '777', '50'), candidate(2, '777', '50')])
        self.assertIsNone(result.matched)
        self.assertEqual(result.ambiguous, (1, 2))

    def test_nothing(self):
        "A deposit naming no remittance matches none and reports none"
        result = match(key(ADDENDA), Decimal('95'), None, [
                candidate(1, 'EFT-2000', '95')])
        self.assertEqual((result.matched, result.mismatched,
                result.ambiguous), (None, (), ()))
