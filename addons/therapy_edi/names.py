"""Name parts and plain ASCII for X12, derived from the one-line names the
practice keeps on parties (Tryton's party has a single ``name``).

Pure functions, no Tryton import (tests/test_names.py). The derivation
reads "First [Middle...] Last [Suffix]" or "Last, First [Middle]"; a name
it would split wrongly is fixed on the party (e.g. "de la Cruz, Ana")."""
import re
import unicodedata

SUFFIXES = {'JR', 'SR', 'II', 'III', 'IV', 'V'}


def ascii_text(value):
    "Plain ASCII (X12 basic/extended character set): accents dropped"
    if value is None:
        return None
    text = unicodedata.normalize('NFKD', value)
    text = text.encode('ascii', 'ignore').decode('ascii')
    return re.sub(r'\s+', ' ', text).strip()


def _suffix(token):
    return token.replace('.', '').upper() in SUFFIXES


def name_parts(full_name):
    "(last, first, middle, suffix) of a person's one-line name"
    text = ascii_text(full_name or '')
    suffix = None
    if ',' in text:
        head, _, tail = text.partition(',')
        tail = tail.strip()
        if tail and all(_suffix(t) for t in tail.split()):
            text, suffix = head.strip(), tail.replace('.', '')
        else:
            tokens = tail.split()
            first = tokens[0] if tokens else None
            middle = ' '.join(tokens[1:]) or None
            return head.strip(), first, middle, None
    tokens = text.split()
    if len(tokens) > 2 and _suffix(tokens[-1]):
        suffix = tokens.pop().replace('.', '')
    if len(tokens) == 1:
        return tokens[0], None, None, suffix
    if not tokens:
        return '', None, None, suffix
    return tokens[-1], tokens[0], ' '.join(tokens[1:-1]) or None, suffix


def digits(value):
    return ''.join(c for c in (value or '') if c.isdigit())
