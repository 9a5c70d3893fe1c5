"""The audit log's hash chain, free of the ERP.

Each event's hash covers the previous event's hash and the event's own
fields in a canonical form (sorted keys, JSON, UTF-8), so editing,
deleting or reordering a stored event breaks every hash after it. The
first event links to GENESIS. Plain Python (hashlib, json): a chain is a
few lines and no package on PyPI does this one thing without bringing a
storage of its own.
"""
import datetime as dt
import hashlib
import json

GENESIS = '0' * 64

# the stored fields the hash covers, in the order they are read
FIELDS = ('seq', 'occurred_at', 'event_code', 'action', 'outcome',
    'actor_kind', 'actor_user', 'actor_web_user', 'actor_login',
    'actor_groups', 'session_hash', 'source_ip', 'channel', 'rpc_method',
    'client_ids', 'resource_model', 'resource_ids', 'record_count',
    'data_category', 'field_names', 'emergency', 'reason', 'detail',
    'request_id')
# covered only when set: the events from before they existed keep their hash
OPTIONAL = {'request_id'}


def _plain(value):
    if isinstance(value, dt.datetime):
        # stored without time zone (UTC); seconds and microseconds kept
        return value.replace(tzinfo=None).isoformat(timespec='microseconds')
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    return str(value)


# SQLite gives booleans back as 0 and 1
BOOLEANS = {'emergency'}


def plain(event, field):
    "The value of event's field as the hash covers it (JSON-ready)"
    value = event.get(field)
    return bool(value) if field in BOOLEANS else _plain(value)


def _covered(event, exclude=()):
    return {f: plain(event, f) for f in FIELDS
        if f not in exclude
        and (f not in OPTIONAL or event.get(f) is not None)}


def _dumps(values):
    return json.dumps(values, sort_keys=True, separators=(',', ':'),
        ensure_ascii=False)


def canonical(event):
    "The bytes an event's hash covers"
    return _dumps(_covered(event)).encode('utf-8')


def canonical_around_seq(event):
    """canonical(event) without its position: (before, after), the bytes
    that go around the decimal digits of seq. The position is known only
    under the chain's lock, in the database (PostgreSQL hashes
    before + seq + after there)."""
    covered = _covered(event, exclude={'seq'})
    before = _dumps({f: v for f, v in covered.items() if f < 'seq'})
    after = _dumps({f: v for f, v in covered.items() if f > 'seq'})
    # sorted keys: seq sits between the two halves of the object
    before = before[:-1] + (',' if before != '{}' else '') + '"seq":'
    after = (',' if after != '{}' else '') + after[1:]
    return before.encode('utf-8'), after.encode('utf-8')


def link(prev_hash, event):
    "The hash of event after the event whose hash is prev_hash"
    digest = hashlib.sha256()
    digest.update(prev_hash.encode('ascii'))
    digest.update(canonical(event))
    return digest.hexdigest()


def verify(events, prev_hash=GENESIS, prev_seq=0):
    """Problems of a chain read in order, as (seq, problem) pairs: 'edited'
    (its hash does not match its content), 'unlinked' (it does not follow
    the event read before it: one was deleted or moved between them),
    'gap' (positions missing before it: events deleted). Positions are
    counted under the chain's lock, so a rolled back event leaves no gap
    (database ids may).

    A chain read from a checkpoint passes the checkpoint's hash and seq."""
    problems = []
    for event in events:
        if event['seq'] != prev_seq + 1:
            problems.append((event['seq'], 'gap'))
        if event['prev_hash'] != prev_hash:
            problems.append((event['seq'], 'unlinked'))
        if link(event['prev_hash'], event) != event['row_hash']:
            problems.append((event['seq'], 'edited'))
        prev_hash, prev_seq = event['row_hash'], event['seq']
    return problems
