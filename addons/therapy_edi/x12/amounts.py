"""Amounts and segment numbers shared by the readers: an element as
Decimal (X12Error naming the segment when it is not one), two-place
strings for the JSON summaries."""
from decimal import Decimal, InvalidOperation

from .tokens import X12Error

__all__ = ['amount', 'money', 'segment_number']

CENT = Decimal('0.01')


def segment_number(transaction, index):
    "File segment number of ``transaction.segments[index]``."
    return transaction.number + 1 + index


def amount(value, transaction=None, index=None, segment_id=None):
    "A monetary element as Decimal; X12Error naming the segment if bad."
    try:
        result = Decimal(value)
    except InvalidOperation:
        result = None
    if result is None or not result.is_finite():
        number = (segment_number(transaction, index)
                  if transaction is not None and index is not None else None)
        raise X12Error(f'{value!r} is not an amount', number, segment_id)
    return result


def money(value):
    "Two-place decimal string of a Decimal (None stays None)."
    if value is None:
        return None
    return str(Decimal(value).quantize(CENT))
