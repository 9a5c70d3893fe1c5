"""Content hashes for signed clinical records (pure Python).

A signed note, addendum, plan or consent stores the SHA-256 of its content
at signing; recomputing it later proves nothing was changed behind the
application's back (HIPAA 164.312(c)(2)). The canonical form is JSON with
sorted keys, so the hash does not depend on field order."""
import hashlib
import json


def canonical(content):
    return json.dumps(content, sort_keys=True, separators=(',', ':'),
        ensure_ascii=False, default=str)


def sha256(text):
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def content_hash(content):
    return sha256(canonical(content))
