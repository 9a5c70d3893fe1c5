import unittest
from decimal import Decimal

from therapy_billing.sliding import fpl_percent, pick_tier, poverty_line


class SlidingTestCase(unittest.TestCase):

    def test_poverty_line(self):
        "2026, 48 states: $15,960 plus $5,680 per additional person"
        self.assertEqual(poverty_line(15960, 5680, 1), Decimal(15960))
        self.assertEqual(poverty_line(15960, 5680, 4), Decimal(33000))
        with self.assertRaises(ValueError):
            poverty_line(15960, 5680, 0)

    def test_percent_rounds_half_up(self):
        self.assertEqual(fpl_percent(30000, 27320), Decimal('109.8'))
        self.assertEqual(fpl_percent(0, 27320), Decimal('0.0'))
        self.assertEqual(fpl_percent(1, 2000), Decimal('0.1'))  # 0.05

    def test_tiers_by_upper_limit(self):
        tiers = [(None, 'full'), (Decimal(200), 'b'), (Decimal(100), 'a')]
        self.assertEqual(pick_tier(Decimal(0), tiers), 'a')
        self.assertEqual(pick_tier(Decimal(100), tiers), 'a')
        self.assertEqual(pick_tier(Decimal('100.1'), tiers), 'b')
        self.assertEqual(pick_tier(Decimal(200), tiers), 'b')
        self.assertEqual(pick_tier(Decimal(450), tiers), 'full')
        self.assertIsNone(pick_tier(Decimal(450), tiers[1:]))
