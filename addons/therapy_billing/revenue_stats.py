"""The arithmetic of the revenue-cycle views, without Tryton: the age
bucket of an open receivable, median and 90th percentile of days to pay,
a rate, an appeal deadline and what to do next with a denial.

Plain functions on dates, numbers and codes, tested by plain unit tests
(tests/test_revenue_stats.py); revenue_report.py and denial_queue.py
call them."""
import datetime as dt
import math

# A/R aging: (first day, last day or None, field name, label)
BUCKETS = [
    (0, 30, 'days_0_30', "0-30 Days"),
    (31, 60, 'days_31_60', "31-60 Days"),
    (61, 90, 'days_61_90', "61-90 Days"),
    (91, 120, 'days_91_120', "91-120 Days"),
    (121, None, 'days_over_120', "Over 120 Days"),
    ]
# days a payer gives to appeal a denial when its record says nothing
DEFAULT_APPEAL_DAYS = 180

# what a denial asks of the biller, by its reason code (CARC)
# the claim was wrong or incomplete: fix it and send a replacement (7)
CORRECTABLE = {'4', '5', '6', '11', '16', '31', '125', '146', '181', '182',
    '226', '227', '252', 'A1'}
# nothing to argue: the payer never owes it (duplicate, too late, not
# covered then, benefit used up, not this payer's claim)
FINAL = {'18', '27', '29', '109', '119'}
NEXT_ACTIONS = [
    ('correct', "Correct and resubmit"),
    ('appeal', "Appeal"),
    ('write_off', "Write off"),
    ('wait_appeal', "Wait: appeal sent"),
    ('wait_correction', "Wait: corrected claim drafted"),
    ]


def bucket(since, today):
    "The index in BUCKETS of a receivable due on since, seen on today"
    age = (today - since).days
    for index, (_, last, _, _) in enumerate(BUCKETS):
        if last is None or age <= last:
            return index


def bucket_starts(today):
    """The earliest due date of each bucket but the last, seen on today:
    a line due on or after starts[i] is in bucket i or an earlier one"""
    return [today - dt.timedelta(days=last)
        for _, last, _, _ in BUCKETS if last is not None]


def median(values):
    "The median of values, None for none"
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return float(values[middle])
    return (values[middle - 1] + values[middle]) / 2


def percentile(values, rank):
    """The nearest-rank percentile (0 < rank <= 100): the smallest value
    with at least rank % of values at or below it; None for none"""
    values = sorted(values)
    if not values:
        return None
    index = max(math.ceil(rank / 100 * len(values)), 1) - 1
    return float(values[index])


def rate(part, whole):
    "part of whole in %, one decimal; None when whole is 0"
    if not whole:
        return None
    return round(100 * part / whole, 1)


def appeal_deadline(denied_on, days=None):
    "The last day to appeal a denial dated denied_on"
    if denied_on is None:
        return None
    return denied_on + dt.timedelta(
        days=DEFAULT_APPEAL_DAYS if days is None else days)


def next_action(reason, claim_state, deadline, today,
        correction_pending=False):
    """What the biller does next with a denial of reason (CARC) on a claim
    in claim_state: correct and resubmit, appeal, write off, or wait"""
    if claim_state == 'appealed':
        return 'wait_appeal'
    if correction_pending:
        return 'wait_correction'
    reason = (reason or '').strip().upper()
    if reason in FINAL or (deadline is not None and deadline < today):
        return 'write_off'
    if reason in CORRECTABLE:
        return 'correct'
    return 'appeal'
