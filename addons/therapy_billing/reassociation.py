"""EFT reassociation without Tryton: which remittance a bank deposit pays.

A payer's ACH deposit (CCD+) carries the 835's reassociation key in its
addenda, `TRN*1*<TRN02 trace>*<TRN03 1 + payer EIN>`; banks put the
addenda (or just the trace) in the transaction's memo, and a paper check's
deposit carries the check number (TRN02 of a BPR04 = CHK remittance).
A deposit matches a remittance when one of its words is the remittance's
trace number, the payer is the same (TRN03 when the addenda gives it, else
the bank's payer name when the import recognised it) and the amount is the
payment (BPR02) exactly. Anything less sure is left for a person: two
remittances that fit, or the right trace with another amount.
(../shared/REVENUE-CYCLE.md §4)"""
import re
from dataclasses import dataclass
from decimal import Decimal

_TRN = re.compile(r'TRN\*1\*([^*~\\\s]+)(?:\*([^*~\\\s]+))?', re.IGNORECASE)
_WORD = re.compile(r'[A-Za-z0-9-]+')


@dataclass(frozen=True)
class Key:
    "What a deposit says about the payment it is: its words and TRN"
    words: frozenset
    traces: tuple
    originator: str | None = None


def key(*texts):
    """The reassociation key of a deposit from its texts (memo, bank
    reference, check number): the TRN traces first, then every word"""
    traces, originator, words = [], None, set()
    for text in texts:
        if not text:
            continue
        text = str(text)
        for trace, payer in _TRN.findall(text):
            traces.append(trace.upper())
            originator = originator or (payer.upper() or None)
        words.update(w.upper() for w in _WORD.findall(text))
    return Key(frozenset(words) | frozenset(traces), tuple(traces),
        originator)


@dataclass(frozen=True)
class Candidate:
    "A posted remittance with no deposit yet"
    id: int
    trace: str
    amount: Decimal
    payer_identifier: str | None = None
    party: int | None = None


@dataclass(frozen=True)
class Result:
    """matched: the remittance id; mismatched: remittances whose trace the
    deposit carries but whose amount or payer differ; ambiguous: more than
    one remittance fits"""
    matched: int | None = None
    mismatched: tuple = ()
    ambiguous: tuple = ()


def _payer_fits(deposit_key, party, candidate):
    if deposit_key.originator and candidate.payer_identifier:
        return deposit_key.originator == candidate.payer_identifier.upper()
    if party is not None and candidate.party is not None:
        return party == candidate.party
    return True


def match(deposit_key, amount, party, candidates):
    """The remittance among candidates that the deposit of amount (from
    the bank's party, None when unknown) pays, by the rules above"""
    named = [c for c in candidates if c.trace.upper() in deposit_key.words]
    if deposit_key.traces:
        # the addenda's trace is the key; other words are the bank's
        exact = [c for c in named if c.trace.upper() in deposit_key.traces]
        named = exact or named
    fits = [c for c in named
        if c.amount == amount and _payer_fits(deposit_key, party, c)]
    if len(fits) == 1:
        return Result(matched=fits[0].id)
    if len(fits) > 1:
        return Result(ambiguous=tuple(c.id for c in fits))
    return Result(mismatched=tuple(c.id for c in named))
