"""The hash chain alone: plain tests, no database"""
import datetime as dt
import hashlib
import unittest

from therapy_audit import chain


def events(n):
    "n linked events as the log stores them"
    stored, prev = [], chain.GENESIS
    for seq in range(1, n + 1):
        event = {'seq': seq, 'event_code': 'phi.read', 'action': 'R',
            'occurred_at': dt.datetime(2026, 12, 3, 9, 0, seq),
            'actor_user': 7, 'resource_ids': f'{seq},{seq + 1}',
            'emergency': False, 'prev_hash': prev}
        event['row_hash'] = prev = chain.link(prev, event)
        stored.append(event)
    return stored


class ChainTestCase(unittest.TestCase):

    def test_intact(self):
        self.assertEqual(chain.verify(events(5)), [])

    def test_edited_field(self):
        stored = events(5)
        stored[2]['resource_ids'] = '3'
        self.assertEqual(chain.verify(stored), [(3, 'edited')])

    def test_edited_and_rehashed(self):
        "Rehashing an edited event breaks the link of the next one"
        stored = events(5)
        stored[2]['actor_user'] = 8
        stored[2]['row_hash'] = chain.link(stored[2]['prev_hash'], stored[2])
        self.assertEqual(chain.verify(stored), [(4, 'unlinked')])

    def test_deleted(self):
        stored = events(5)
        del stored[1]
        self.assertEqual(chain.verify(stored), [(3, 'gap'), (3, 'unlinked')])

    def test_reordered(self):
        stored = events(5)
        stored[1], stored[2] = stored[2], stored[1]
        self.assertEqual(chain.verify(stored), [
                (3, 'gap'), (3, 'unlinked'), (2, 'gap'), (2, 'unlinked'),
                (4, 'gap'), (4, 'unlinked')])

    def test_from_checkpoint(self):
        stored = events(6)
        self.assertEqual(chain.verify(stored[3:],
                stored[2]['row_hash'], stored[2]['seq']), [])
        self.assertEqual(chain.verify(stored[3:]), [(4, 'gap'),
                (4, 'unlinked')])

    def test_canonical_ignores_unhashed_keys(self):
        "What is not one of FIELDS (the hashes, the id) is not covered"
        event = events(1)[0]
        self.assertEqual(chain.canonical(event),
            chain.canonical({**event, 'id': 99, 'row_hash': 'x'}))
        self.assertNotEqual(chain.canonical(event),
            chain.canonical({**event, 'emergency': True}))

    def test_request_id_covered_when_set(self):
        """An event of before the request id (none) keeps its hash; a set
        one is covered like any field"""
        event = events(1)[0]
        self.assertNotIn(b'request_id', chain.canonical(event))
        self.assertEqual(chain.canonical(event),
            chain.canonical({**event, 'request_id': None}))
        with_id = {**event, 'request_id': 'a1b2c3d4e5f6a7b8'}
        with_id['row_hash'] = chain.link(chain.GENESIS, with_id)
        self.assertEqual(chain.verify([with_id]), [])
        self.assertEqual(chain.verify([{**with_id, 'request_id': 'other'}]),
            [(1, 'edited')])

    def test_canonical_around_seq(self):
        """The halves around the position, joined with its digits, are the
        canonical bytes, whatever fields are set (the database joins them
        under the chain's lock)"""
        event = events(1)[0]
        cases = [event, {**event, 'request_id': 'r-1', 'detail': 'é "q"'},
            {'seq': 12345}, {'seq': 7, 'action': 'R'},
            {'seq': 3, 'source_ip': '127.0.0.1', 'emergency': True}]
        for case in cases:
            before, after = chain.canonical_around_seq(case)
            self.assertEqual(before + str(case['seq']).encode() + after,
                chain.canonical(case))
            joined = hashlib.sha256(chain.GENESIS.encode() + before
                + str(case['seq']).encode() + after).hexdigest()
            self.assertEqual(joined, chain.link(chain.GENESIS, case))
