"""The order a payer's modifier rules give a line's modifiers: added in
the rules' order, a replacement in the place of what it replaces, none
twice."""
import unittest
from collections import namedtuple

from ..modifier import apply_rules

Rule = namedtuple('Rule', 'modifier replaces')


class ApplyRulesTestCase(unittest.TestCase):

    def test_added_in_the_rules_order(self):
        self.assertEqual(
            apply_rules([Rule('GP', None), Rule('CQ', None)], ['95']),
            ['95', 'GP', 'CQ'])

    def test_replacement_takes_the_place(self):
        self.assertEqual(
            apply_rules([Rule('GP', None), Rule('GT', '95')], ['95']),
            ['GT', 'GP'])

    def test_replacement_of_nothing_adds(self):
        self.assertEqual(apply_rules([Rule('GT', '95')], []), ['GT'])

    def test_never_twice(self):
        self.assertEqual(
            apply_rules([Rule('GP', None), Rule('GP', None),
                    Rule('95', 'GT')], ['95']),
            ['95', 'GP'])
