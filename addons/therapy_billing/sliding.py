"""Sliding-scale arithmetic against the federal poverty guidelines (pure).

HHS publishes the guidelines each January: an amount for a household of
one and an amount per additional person (48 contiguous states, Alaska,
Hawaii). A household's income as a percentage of its guideline picks the
practice's fee tier. A few lines of arithmetic; no PyPI package carries the
table, so it is data the practice updates (sliding_scale_data.xml)."""
from decimal import ROUND_HALF_UP, Decimal


def poverty_line(first_person, additional_person, household_size):
    if household_size < 1:
        raise ValueError("a household has at least one person")
    return Decimal(first_person) + Decimal(additional_person) * (
        household_size - 1)


def fpl_percent(annual_income, line):
    "Income as a percentage of the poverty line, to one decimal"
    return (Decimal(annual_income) * 100 / Decimal(line)).quantize(
        Decimal('0.1'), rounding=ROUND_HALF_UP)


def pick_tier(percent, tiers):
    """The first tier, by ascending upper limit, whose limit is at or above
    percent; a tier without limit (None) takes everyone above the others.
    tiers: [(upper limit percent or None, tier)]"""
    ordered = sorted(tiers, key=lambda t: (t[0] is None, t[0] or 0))
    for limit, tier in ordered:
        if limit is None or percent <= limit:
            return tier
