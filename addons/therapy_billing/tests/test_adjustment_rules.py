"""What each adjustment of a payer's answer does: the contract's
reductions written off, denials held, the client's share to the client or
the next payer, the practice's own rules first."""
import unittest
from collections import namedtuple
from decimal import Decimal as D

from ..adjustment_rules import Rule, action_for, plan, unbalanced
from ..carc import describe, remarks_text

Adjustment = namedtuple('Adjustment', 'group reason amount')


class AdjustmentRulesTestCase(unittest.TestCase):

    def test_defaults_by_group_and_reason(self):
        for (group, reason), action in {
                ('CO', '45'): 'write_off',
                ('CO', '253'): 'write_off',
                ('CO', '29'): 'hold_denial',
                ('CO', '197'): 'hold_denial',
                ('CO', '999'): 'review',
                ('PR', '1'): 'transfer_patient',
                ('PR', '3'): 'transfer_patient',
                ('OA', '23'): 'informational',
                ('OA', '18'): 'duplicate',
                ('OA', '94'): 'review',
                ('PI', '45'): 'review',
                ('XX', '45'): 'review',
                }.items():
            with self.subTest(group=group, reason=reason):
                self.assertEqual(action_for(group, reason), action)

    def test_practice_rules_first_the_reason_before_the_group(self):
        rules = [Rule('CO', '*', 'write_off'), Rule('CO', '29', 'review'),
            Rule('OA', '23', 'review')]
        self.assertEqual(action_for('CO', '29', rules), 'review')
        # the practice's whole-group rule beats the default for a reason
        self.assertEqual(action_for('CO', '197', rules), 'write_off')
        self.assertEqual(action_for('OA', '23', rules), 'review')
        self.assertEqual(action_for('PR', '2', rules), 'transfer_patient')

    def test_client_share_follows_what_comes_after_the_payer(self):
        adjustments = [Adjustment('CO', '45', D('40')),
            Adjustment('PR', '2', D('20')), Adjustment('PR', '3', D('20'))]
        self.assertEqual([a for a, _ in plan(adjustments)],
            ['write_off', 'transfer_patient', 'transfer_patient'])
        self.assertEqual([a for a, _ in plan(adjustments, next_payer=True)],
            ['write_off', 'transfer_next_payer', 'transfer_next_payer'])
        self.assertEqual([a for a, _ in plan(adjustments,
                        beneficiary_billing_prohibited=True)],
            ['write_off', 'write_off_other', 'write_off_other'])
        self.assertEqual([b for _, b in plan(adjustments)], adjustments)

    def test_line_balance(self):
        adjustments = [Adjustment('CO', '45', D('47.00')),
            Adjustment('PR', '3', D('20.00'))]
        self.assertIsNone(unbalanced(D('190.00'), D('123.00'), adjustments))
        self.assertEqual(unbalanced(D('190.00'), D('120.00'), adjustments),
            D('3.00'))
        # a reversal: every amount negative
        self.assertIsNone(unbalanced(D('-150'), D('-90'),
                [Adjustment('CO', '45', D('-60'))]))


class ReasonTextsTestCase(unittest.TestCase):

    def test_reason_and_remarks_in_words(self):
        self.assertEqual(describe('CO', '197'), 'CO-197 Precertification/'
            'authorization/notification absent')
        self.assertEqual(describe('CO', 'Z9'), 'CO-Z9')
        self.assertEqual(remarks_text('n290 M16'),
            "N290 Rendering provider's identifier missing, incomplete or "
            "invalid; M16 See the payer's website, mailings or bulletins "
            "for this policy")
        # a code not in the table is shown as the payer sent it
        self.assertEqual(remarks_text('N9999'), 'N9999')
        self.assertEqual(remarks_text(None), '')
