"Aging buckets, days-to-pay statistics, rates and denial next steps (plain Python)"
import datetime as dt
import unittest

from therapy_billing.revenue_stats import (
    appeal_deadline, bucket, bucket_starts, median, next_action, percentile,
    rate)

TODAY = dt.date(2026, 12, 2)


def ago(days):
    return TODAY - dt.timedelta(days=days)


class RevenueStatsTestCase(unittest.TestCase):

    def test_bucket_edges(self):
        for days, index in [(-5, 0), (0, 0), (30, 0), (31, 1), (60, 1),
                (61, 2), (90, 2), (91, 3), (120, 3), (121, 4), (800, 4)]:
            with self.subTest(days=days):
                self.assertEqual(bucket(ago(days), TODAY), index)

    def test_bucket_starts_agree_with_bucket(self):
        starts = bucket_starts(TODAY)
        self.assertEqual(starts, [ago(30), ago(60), ago(90), ago(120)])
        for index, start in enumerate(starts):
            self.assertEqual(bucket(start, TODAY), index)
            self.assertEqual(
                bucket(start - dt.timedelta(days=1), TODAY), index + 1)

    def test_median(self):
        self.assertIsNone(median([]))
        self.assertEqual(median([7]), 7)
        self.assertEqual(median([30, 10, 20]), 20)
        self.assertEqual(median([10, 21, 40, 12]), 16.5)

    def test_percentile_nearest_rank(self):
        self.assertIsNone(percentile([], 90))
        self.assertEqual(percentile([5], 90), 5)
        days = list(range(1, 11))      # 1..10: 9 of 10 at or below 9
        self.assertEqual(percentile(days, 90), 9)
        self.assertEqual(percentile(days + [11], 90), 10)
        self.assertEqual(percentile([14, 30, 21], 90), 30)
        self.assertEqual(percentile([3, 1, 2], 50), 2)

    def test_rate(self):
        self.assertIsNone(rate(0, 0))
        self.assertEqual(rate(1, 3), 33.3)
        self.assertEqual(rate(2, 2), 100.0)

    def test_appeal_deadline(self):
        self.assertIsNone(appeal_deadline(None))
        self.assertEqual(appeal_deadline(TODAY), dt.date(2027, 5, 31))
        self.assertEqual(appeal_deadline(TODAY, 60), dt.date(2027, 1, 31))

    def test_next_action(self):
        later = TODAY + dt.timedelta(days=10)
        for reason, state, deadline, pending, action in [
                ('197', 'denied', later, False, 'appeal'),
                ('50', 'denied', later, False, 'appeal'),
                ('16', 'denied', later, False, 'correct'),
                (' 4 ', 'denied', later, False, 'correct'),
                ('29', 'denied', later, False, 'write_off'),
                ('18', 'denied', later, False, 'write_off'),
                ('197', 'denied', ago(1), False, 'write_off'),
                ('197', 'denied', TODAY, False, 'appeal'),
                ('197', 'appealed', ago(1), False, 'wait_appeal'),
                ('16', 'denied', later, True, 'wait_correction'),
                ]:
            with self.subTest(reason=reason, state=state):
                self.assertEqual(next_action(
                        reason, state, deadline, TODAY, pending), action)
