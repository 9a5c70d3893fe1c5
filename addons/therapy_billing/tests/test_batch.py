"""Batches make the collector's full collections rarer while they run,
and give the thresholds back when the last one ends."""
import gc
import threading
import unittest

from ..batch import FULL_COLLECTION_EVERY, long_lived


class LongLivedTestCase(unittest.TestCase):

    def setUp(self):
        self.thresholds = gc.get_threshold()
        self.addCleanup(gc.set_threshold, *self.thresholds)
        gc.set_threshold(700, 10, 10)

    def test_full_collections_rarer_inside_and_restored_after(self):
        with long_lived():
            self.assertEqual(gc.get_threshold(),
                (700, 10, FULL_COLLECTION_EVERY))
            with long_lived():
                pass
            # the inner batch ended, the outer one runs on
            self.assertEqual(gc.get_threshold()[2], FULL_COLLECTION_EVERY)
        self.assertEqual(gc.get_threshold(), (700, 10, 10))

    def test_restored_after_an_error(self):
        with self.assertRaises(ZeroDivisionError):
            with long_lived():
                1 / 0
        self.assertEqual(gc.get_threshold(), (700, 10, 10))

    def test_overlapping_threads_restore_once_the_last_ends(self):
        entered, leave = threading.Event(), threading.Event()

        def other():
            with long_lived():
                entered.set()
                leave.wait(10)
        thread = threading.Thread(target=other)
        self.addCleanup(leave.set)
        thread.start()
        entered.wait(10)
        with long_lived():
            pass
        self.assertEqual(gc.get_threshold()[2], FULL_COLLECTION_EVERY)
        leave.set()
        thread.join(10)
        self.assertEqual(gc.get_threshold(), (700, 10, 10))
