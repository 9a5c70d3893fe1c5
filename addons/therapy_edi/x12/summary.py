"""What an X12 file holds, as the JSON-able dict ``caseload x12 parse``
prints: one entry per transaction set, with the figures staff check first
(claim counts and totals, payments, eligibility, acknowledgments).

Amounts are :class:`~decimal.Decimal` while computing and two-place decimal
strings in the summary, so the JSON never carries a binary float.
"""
from decimal import Decimal

from .acknowledgment import summary_277, summary_999
from .amounts import amount, money, segment_number
from .eligibility import summary_271
from .remittance835 import summary_835
from .tokens import element, parse

__all__ = ['summary', 'summary_of', 'amount', 'money', 'segment_number']


def _summary_837(transaction):
    claims = 0
    total = Decimal(0)
    for index, seg in enumerate(transaction.segments):
        if seg[0] == 'CLM':
            claims += 1
            total += amount(element(seg, 2), transaction, index, 'CLM')
    return {'claim_count': claims, 'total_charge': money(total)}


def _summary_270(transaction):
    subscribers = dependents = 0
    for seg in transaction.segments:
        if seg[0] == 'HL':
            level = element(seg, 3)
            subscribers += level == '22'
            dependents += level == '23'
    return {'subscriber_count': subscribers, 'dependent_count': dependents}


def _summarizers():
    return {
        '837': _summary_837,
        '835': summary_835,
        '270': _summary_270,
        '271': summary_271,
        '277': summary_277,
        '999': summary_999,
        }


def summary(text, strict=True):
    """``{"transactions": [...]}`` of an X12 text or bytes.

    Each transaction has ``type`` (ST01), ``st02``, ``implementation``
    (ST03 or GS08), ``segment`` (its ST's number in the file) and the
    figures of its type. With ``strict=False`` envelope count mismatches do
    not raise but are listed under ``"problems"``."""
    return summary_of(parse(text, strict=strict))


def summary_of(document):
    "summary() of a document parse() made already"
    summarizers = _summarizers()
    transactions = []
    for transaction in document.transactions:
        entry = {
            'type': transaction.type,
            'st02': transaction.control_number,
            'implementation': transaction.implementation,
            'segment': transaction.number,
            }
        summarize = summarizers.get(transaction.type)
        if summarize is not None:
            entry.update(summarize(transaction))
        transactions.append(entry)
    result = {'transactions': transactions}
    if document.problems:
        result['problems'] = document.problems
    return result
