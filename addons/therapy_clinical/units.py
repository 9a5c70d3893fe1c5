"""Session minutes and billable units of timed procedure codes (15-minute
units).

Two rules are in use, and which one applies is the payer's choice (the
billing module stores it per payer):

- CMS "8-minute rule" (Medicare, many Medicaid plans): the minutes of all
  timed codes of one visit are pooled; the visit earns one unit per full
  15 minutes plus one more when 8 or more minutes remain (8-22 -> 1,
  23-37 -> 2, 38-52 -> 3 ...). The units go first to each code's full 15
  minutes, then to the codes with the most minutes left over.
- Per-unit midpoint rule (AMA CPT "a unit is attained when the midpoint is
  passed"; most commercial plans): each code is counted on its own, one
  unit per full 15 minutes plus one when its remainder is 8 minutes or
  more.

They differ when several timed codes share a visit: 10 minutes of 97110
and 10 of 97140 are 1 unit under CMS (20 pooled minutes) but 2 under the
midpoint rule. Written here because no PyPI package implements them; they
are a few lines of arithmetic with well-known boundaries.
"""
UNIT_MINUTES = 15
MIDPOINT = 8

RULES = ('cms_8_minute', 'midpoint')


def minutes_between(start, end):
    "Whole minutes from start to end (seconds dropped), None if not later"
    if start and end and end > start:
        return int((end - start).total_seconds() // 60)


def session_units(minutes, timed):
    "Units of one session: 15-minute units for timed codes, else one"
    if not minutes:
        return 0
    return units_for(minutes) if timed else 1


def units_for(minutes):
    "Units of one block of minutes: full 15s, plus one from 8 minutes left"
    if minutes < MIDPOINT:
        return 0
    full, rest = divmod(minutes, UNIT_MINUTES)
    return full + (1 if rest >= MIDPOINT else 0)


def midpoint_units(minutes_by_code):
    "{code: units}, each code on its own"
    return {code: units_for(minutes)
        for code, minutes in minutes_by_code.items()}


def cms_units(minutes_by_code):
    "{code: units} under the CMS 8-minute rule (minutes pooled per visit)"
    for minutes in minutes_by_code.values():
        if minutes < 0:
            raise ValueError("minutes cannot be negative")
    total = units_for(sum(minutes_by_code.values()))
    units = {code: minutes // UNIT_MINUTES
        for code, minutes in minutes_by_code.items()}
    left = total - sum(units.values())
    # the remaining units go to the largest remainders (ties: input order)
    remainders = sorted(minutes_by_code,
        key=lambda code: -(minutes_by_code[code] % UNIT_MINUTES))
    for code in remainders[:max(left, 0)]:
        units[code] += 1
    return units


def billable_units(minutes_by_code, rule):
    "Units per code under rule ('cms_8_minute' or 'midpoint')"
    if rule == 'cms_8_minute':
        return cms_units(minutes_by_code)
    if rule == 'midpoint':
        return midpoint_units(minutes_by_code)
    raise ValueError(f"unknown unit rule {rule!r}: use one of {RULES}")
