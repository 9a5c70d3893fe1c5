"""What each adjustment of a payer's answer does to the ledger: the posting
rules of ../shared/REVENUE-CYCLE.md §3 as plain Python, so the remittance
import (835) and the manual form for paper EOBs share one decision and it
is tested without a database.

An adjustment is a CAS triple (group, reason, amount): CO the contract
takes off (the client may not be billed), PR the client owes (deductible,
coinsurance, copay), OA other, PI payer initiated, CR a correction. A rule
maps (group, reason) to an action; the practice's rules (per payer when
needed) come first, then the defaults below, the most specific first
(a rule for the reason before one for the whole group).

Actions:
- ``write_off``: the contract takes it off (contractual adjustment account);
- ``hold_denial``: nothing is posted, the balance stays on the payer and
  the line goes to the denial work list (correct, appeal or write off);
- ``transfer_patient``: the client owes it (the guarantor's invoice,
  deposits applied); with a next payer ``transfer_next_payer`` instead,
  and where the payer forbids billing the beneficiary (Medicaid, QMB) a
  write-off to other adjustments;
- ``informational``: already settled elsewhere (OA-23 on a secondary);
- ``duplicate``: the payer says the claim was already answered (OA-18);
- ``review``: someone decides (unknown codes, PI, CR).
"""
from collections import namedtuple
from decimal import Decimal

__all__ = ['Rule', 'DEFAULT_RULES', 'ACTIONS', 'action_for', 'plan',
    'unbalanced']

ACTIONS = ['write_off', 'hold_denial', 'transfer_patient',
    'transfer_next_payer', 'write_off_other', 'informational', 'duplicate',
    'review']
ANY = '*'

Rule = namedtuple('Rule', ['group', 'reason', 'action'])

# CARCs by what they mean for the practice (X12 CARC list): the contract's
# reductions, and denials the practice can correct or appeal
CONTRACTUAL = ['45', '253', '59', '94', '97', '131', '144', 'B10', '42',
    '223']
DENIALS = ['4', '5', '6', '11', '15', '16', '18', '27', '29', '31', '39',
    '49', '50', '51', '54', '55', '56', '96', '109', '119', '151', '167',
    '170', '171', '185', '197', '198', '204', '226', '227', '242', '243']
DEFAULT_RULES = (
    [Rule('CO', r, 'write_off') for r in CONTRACTUAL]
    + [Rule('CO', r, 'hold_denial') for r in DENIALS]
    + [Rule('CO', ANY, 'review'),
        Rule('PR', ANY, 'transfer_patient'),
        Rule('OA', '23', 'informational'),
        Rule('OA', '18', 'duplicate'),
        Rule('OA', ANY, 'review'),
        Rule('PI', ANY, 'review'),
        Rule('CR', ANY, 'review')])


def action_for(group, reason, rules=()):
    """The action of an adjustment: the first of ``rules`` then of the
    defaults that names its reason, else the first for its whole group"""
    for table in [rules, DEFAULT_RULES]:
        for wanted in [reason, ANY]:
            for rule in table:
                if rule.group == group and rule.reason == wanted:
                    return rule.action
    return 'review'


def plan(adjustments, rules=(), next_payer=False,
        beneficiary_billing_prohibited=False):
    """[(action, adjustment)] of a line's (or a claim's) adjustments, the
    client's share routed by what follows the payer"""
    result = []
    for adjustment in adjustments:
        action = action_for(adjustment.group, adjustment.reason, rules)
        if action == 'transfer_patient':
            if next_payer:
                action = 'transfer_next_payer'
            elif beneficiary_billing_prohibited:
                action = 'write_off_other'
        result.append((action, adjustment))
    return result


def unbalanced(charge, paid, adjustments):
    """None when the charge is what was paid plus the adjustments (SVC02 =
    SVC03 + sum of CAS, CLP03 likewise without service lines), else the
    amount that is not accounted for"""
    missing = charge - paid - sum((a.amount for a in adjustments),
        Decimal(0))
    return missing or None
