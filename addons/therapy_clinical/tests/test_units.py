"""Session minutes, and billable units under the CMS 8-minute rule and the
per-unit midpoint rule"""
import datetime as dt
import unittest

from ..units import (
    billable_units, cms_units, midpoint_units, minutes_between,
    session_units, units_for)

START = dt.datetime(2031, 3, 3, 15)


class UnitsTestCase(unittest.TestCase):

    def test_minutes_between_whole_minutes(self):
        self.assertEqual(
            minutes_between(START, START + dt.timedelta(minutes=45)), 45)
        # seconds are dropped, never rounded up
        self.assertEqual(minutes_between(
                START, START + dt.timedelta(minutes=7, seconds=59)), 7)
        self.assertEqual(minutes_between(
                START, START + dt.timedelta(hours=2, minutes=1)), 121)

    def test_minutes_between_needs_a_later_end(self):
        for start, end in [(START, START), (START, START - dt.timedelta(
                        minutes=30)), (None, START), (START, None)]:
            with self.subTest(start=start, end=end):
                self.assertIsNone(minutes_between(start, end))

    def test_session_units(self):
        # timed codes: 15-minute units from 8 minutes on
        self.assertEqual(
            [session_units(m, True) for m in [7, 8, 22, 23, 53, 60]],
            [0, 1, 1, 2, 4, 4])
        # untimed codes: one unit per session, however long
        self.assertEqual(
            [session_units(m, False) for m in [1, 7, 45, 90]], [1, 1, 1, 1])
        # no minutes (no end yet, or an end before the start): no unit
        for timed in [True, False]:
            with self.subTest(timed=timed):
                self.assertEqual(session_units(None, timed), 0)
                self.assertEqual(session_units(0, timed), 0)

    def test_single_block_boundaries(self):
        expected = {0: 0, 7: 0, 8: 1, 15: 1, 22: 1, 23: 2, 30: 2, 37: 2,
            38: 3, 52: 3, 53: 4, 67: 4, 68: 5, 120: 8}
        for minutes, units in expected.items():
            with self.subTest(minutes=minutes):
                self.assertEqual(units_for(minutes), units)

    def test_one_code_same_under_both_rules(self):
        for minutes in range(0, 130):
            with self.subTest(minutes=minutes):
                self.assertEqual(cms_units({'97110': minutes}),
                    midpoint_units({'97110': minutes}))

    def test_two_short_codes_differ(self):
        visit = {'97110': 10, '97140': 10}
        self.assertEqual(cms_units(visit), {'97110': 1, '97140': 0})
        self.assertEqual(midpoint_units(visit), {'97110': 1, '97140': 1})

    def test_cms_pools_minutes_and_gives_leftover_to_largest(self):
        # 33 + 7 = 40 minutes -> 3 units: 2 full for 97110, the third to
        # the larger remainder (7 of 97140 beats 3 of 97110)
        self.assertEqual(cms_units({'97110': 33, '97140': 7}),
            {'97110': 2, '97140': 1})
        # 24 + 7 = 31 -> 2 units: 1 full + the larger remainder (9)
        self.assertEqual(cms_units({'97110': 24, '97140': 7}),
            {'97110': 2, '97140': 0})
        # 7 + 7 + 7 = 21 -> 1 unit, to the first of equal remainders
        self.assertEqual(cms_units({'97110': 7, '97112': 7, '97140': 7}),
            {'97110': 1, '97112': 0, '97140': 0})
        self.assertEqual(
            sum(cms_units({'97110': 7, '97112': 7, '97140': 7}).values()),
            units_for(21))

    def test_rule_names(self):
        self.assertEqual(billable_units({'97153': 120}, 'midpoint'),
            {'97153': 8})
        self.assertEqual(billable_units({'97153': 120}, 'cms_8_minute'),
            {'97153': 8})
        with self.assertRaisesRegex(ValueError, "unknown unit rule"):
            billable_units({'97110': 30}, 'quarter_hour')
        with self.assertRaisesRegex(ValueError, "negative"):
            cms_units({'97110': -5})
