"""Recurring appointment series: expand a rule into dated occurrences.

A series is defined in the location's local wall time ("every Tuesday at
10:00 in America/New_York").  Each occurrence must stay at 10:00 local across
daylight saving changes, while the database stores naive UTC.  So the rule is
expanded on naive local datetimes first, and only then is each occurrence
localized with zoneinfo and converted to UTC (its UTC hour moves with DST).

The rule is an RFC 5545 RRULE expanded by dateutil.rrule rather than
hand-rolled date arithmetic: "2nd Tuesday" / "last Friday", intervals counted
from week starts, COUNT vs UNTIL and months without a 31st are edge cases that
dateutil already gets right and tests, and RRULE text is what calendars
(iCalendar, CalDAV) exchange.  to_rrule() is the single source of truth:
occurrences() expands exactly the text it produces.

Pure Python (no Tryton imports) so it can be unit tested without a database.
"""
import calendar
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays
from dateutil.rrule import rrulestr

FREQUENCIES = ('weekly', 'monthly')
MONTHLY_BY = ('weekday', 'day')
DAY_CODES = ('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')
SUPPORTED_PARTS = ('FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'COUNT', 'UNTIL')
UTC = dt.timezone.utc


class RecurrenceError(ValueError):
    "A recurrence rule, or a request to expand one, is invalid."


@dataclass(frozen=True)
class Rule:
    """How a series repeats, relative to its first appointment.

    The first start is not part of the rule: monthly 'weekday' repeats the
    nth weekday of the first start (-1 = last when it falls in the last 7
    days of its month, so a 5th weekday does not skip months), monthly 'day'
    its day of month (RFC 5545: a 31st skips shorter months).

    skip_holidays never drops anything in occurrences(): holiday occurrences
    are always returned, flagged, so the caller can show them; it tells the
    caller to book only the regular half of split_holidays().  It is not
    part of the RRULE text.
    """
    frequency: str = 'weekly'
    interval: int = 1
    weekdays: tuple = ()
    monthly_by: str = 'weekday'
    count: int | None = None
    until: dt.date | None = None
    skip_holidays: bool = False

    def validate(self):
        "Raise RecurrenceError explaining the first problem found."
        if self.frequency not in FREQUENCIES:
            raise RecurrenceError(
                f"Unknown frequency {self.frequency!r}: "
                "use 'weekly' or 'monthly'.")
        if not isinstance(self.interval, int) or self.interval < 1:
            raise RecurrenceError(
                f"The interval must be at least 1, not {self.interval!r}.")
        for day in self.weekdays:
            if not isinstance(day, int) or not 0 <= day <= 6:
                raise RecurrenceError(
                    f"Weekday {day!r} is not valid: "
                    "use 0 (Monday) to 6 (Sunday).")
        if self.frequency == 'monthly' and self.weekdays:
            raise RecurrenceError(
                "Weekdays only apply to weekly series; a monthly series "
                "repeats the weekday or day of month of its first start.")
        if self.monthly_by not in MONTHLY_BY:
            raise RecurrenceError(
                f"Unknown monthly repeat {self.monthly_by!r}: "
                "use 'weekday' or 'day'.")
        if self.count is not None and self.until is not None:
            raise RecurrenceError(
                "Give a number of occurrences or an end date, not both.")
        if self.count is not None and (
                not isinstance(self.count, int) or self.count < 1):
            raise RecurrenceError(
                f"The count must be at least 1, not {self.count!r}.")


@dataclass(frozen=True)
class Occurrence:
    index: int                  # 0-based position in the full series
    local_start: dt.datetime    # aware, in the series' time zone
    start: dt.datetime          # naive UTC
    end: dt.datetime            # naive UTC (start + duration)
    holiday: str | None         # holiday name on the local date, if any


def _nth_weekday(day):
    "Ordinal of day's weekday in its month: 1..4, or -1 in the last 7 days."
    last = calendar.monthrange(day.year, day.month)[1]
    return -1 if day.day > last - 7 else (day.day - 1) // 7 + 1


def to_rrule(rule, first_local_start):
    """Return the RRULE value (no 'RRULE:' prefix) for rule from
    first_local_start (naive local wall time).

    Parts come in a fixed order (FREQ, INTERVAL when > 1, BYDAY or
    BYMONTHDAY, COUNT or UNTIL) so equal rules give equal text.  BYDAY is
    always explicit for weekly rules (the first start's weekday when
    rule.weekdays is empty).  UNTIL is a floating local time at the end of the
    day, as RFC 5545 requires for a floating DTSTART, so it is inclusive.
    """
    rule.validate()
    parts = [f'FREQ={rule.frequency.upper()}']
    if rule.interval > 1:
        parts.append(f'INTERVAL={rule.interval}')
    if rule.frequency == 'weekly':
        days = sorted(set(rule.weekdays)) or [first_local_start.weekday()]
        parts.append('BYDAY=' + ','.join(DAY_CODES[d] for d in days))
    elif rule.monthly_by == 'weekday':
        parts.append(f'BYDAY={_nth_weekday(first_local_start)}'
            f'{DAY_CODES[first_local_start.weekday()]}')
    else:
        parts.append(f'BYMONTHDAY={first_local_start.day}')
    if rule.count is not None:
        parts.append(f'COUNT={rule.count}')
    elif rule.until is not None:
        parts.append(f'UNTIL={rule.until:%Y%m%d}T235959')
    return ';'.join(parts)


def _number(text, key, value):
    if not re.fullmatch(r'\d+', value):
        raise RecurrenceError(f"{key}={value} is not a number in {text!r}.")
    return int(value)


def from_rrule(text):
    """Return the Rule for an RRULE value as to_rrule() writes it ('RRULE:'
    prefix optional).  The nth weekday / day of month of a monthly rule comes
    from the first start, so it is not kept; skip_holidays is False.
    Anything else (DAILY, BYSETPOS, UTC UNTIL...) raises RecurrenceError."""
    body = text.strip()
    if body.upper().startswith('RRULE:'):
        body = body[len('RRULE:'):]
    parts = {}
    for part in body.split(';'):
        key, sep, value = (s.strip().upper() for s in part.partition('='))
        if not sep or not value or key in parts:
            raise RecurrenceError(f"Cannot read {part!r} in {text!r}.")
        if key not in SUPPORTED_PARTS:
            raise RecurrenceError(f"{key} is not supported in {text!r}.")
        parts[key] = value
    freq = parts.get('FREQ')
    if freq not in ('WEEKLY', 'MONTHLY'):
        raise RecurrenceError(
            f"Only FREQ=WEEKLY and FREQ=MONTHLY are supported in {text!r}.")
    values = {'frequency': freq.lower()}
    if 'INTERVAL' in parts:
        values['interval'] = _number(text, 'INTERVAL', parts['INTERVAL'])
    if 'COUNT' in parts:
        values['count'] = _number(text, 'COUNT', parts['COUNT'])
    if 'UNTIL' in parts:
        match = re.fullmatch(r'(\d{8})(T\d{6})?', parts['UNTIL'])
        try:
            values['until'] = dt.datetime.strptime(
                match.group(1), '%Y%m%d').date()
        except (AttributeError, ValueError):
            raise RecurrenceError(
                f"UNTIL must be a local date such as 20270630 or "
                f"20270630T235959 in {text!r}.") from None
    byday, bymonthday = parts.get('BYDAY'), parts.get('BYMONTHDAY')
    if freq == 'WEEKLY':
        codes = byday.split(',') if byday else []
        if bymonthday or any(c not in DAY_CODES for c in codes):
            raise RecurrenceError(
                f"A weekly rule takes plain weekdays (BYDAY=TU,TH) "
                f"only: {text!r}.")
        values['weekdays'] = tuple(DAY_CODES.index(c) for c in codes)
    elif byday:
        if bymonthday or not re.fullmatch(r'(-1|[1-4])(MO|TU|WE|TH|FR|SA|SU)',
                byday):
            raise RecurrenceError(
                f"A monthly rule takes one BYDAY such as 2TU or -1FR, or "
                f"one BYMONTHDAY: {text!r}.")
        values['monthly_by'] = 'weekday'
    else:
        if bymonthday and not 1 <= _number(
                text, 'BYMONTHDAY', bymonthday) <= 31:
            raise RecurrenceError(f"BYMONTHDAY must be 1..31 in {text!r}.")
        values['monthly_by'] = 'day'   # RFC 5545 default: DTSTART's day
    rule = Rule(**values)
    rule.validate()
    return rule


def _localize(wall, zone):
    """Attach zone to a naive wall time, as an aware local datetime.

    fold=0 takes the first of two ambiguous times (fall back: daylight time).
    A time that does not exist (spring-forward gap, e.g. 02:30) is read with
    the offset before the gap, so the UTC round trip shifts it forward by the
    gap (02:30 -> 03:30): the appointment still happens instead of crashing.
    """
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def occurrences(rule, first_local_start, duration, tz,
        date_from=None, date_to=None, holiday_calendar=None):
    """Return the occurrences whose local date is in [date_from, date_to]
    (inclusive, None = unbounded), in order.

    index counts from the first start even when date_from cuts earlier ones,
    so COUNT means the same thing in every window.  An open-ended rule needs
    date_to (see horizon_end()).  holiday_calendar maps date -> name and
    defaults to US federal holidays; holiday occurrences are flagged, never
    dropped.  end is start + duration in UTC, i.e. real elapsed time.
    """
    rule.validate()
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError, TypeError):
        raise RecurrenceError(f"Unknown time zone {tz!r}.") from None
    if first_local_start.tzinfo is not None:  # accept aware, use local
        first_local_start = first_local_start.astimezone(zone).replace(
            tzinfo=None)
    if rule.until is not None and rule.until < first_local_start.date():
        raise RecurrenceError(f"The end date {rule.until} is before the "
            f"first start {first_local_start:%Y-%m-%d}.")
    if rule.count is None and rule.until is None and date_to is None:
        raise RecurrenceError("An open-ended series needs date_to (a "
            "horizon) to know where to stop generating occurrences.")
    series = rrulestr(to_rrule(rule, first_local_start),
        dtstart=first_local_start)
    found = []
    for index, wall in enumerate(series):
        if date_to is not None and wall.date() > date_to:
            break
        if date_from is None or wall.date() >= date_from:
            found.append((index, wall))
    if holiday_calendar is None:
        holiday_calendar = holidays.country_holidays(
            'US', years=sorted({wall.year for _, wall in found}))
    result = []
    for index, wall in found:
        local = _localize(wall, zone)
        start = local.astimezone(UTC).replace(tzinfo=None)
        result.append(Occurrence(index, local, start, start + duration,
                holiday_calendar.get(wall.date())))
    return result


def split_holidays(occurrences):
    """Return (regular, on_holidays), both in order, so a preview can show
    what a skip_holidays series leaves out rather than dropping it silently."""
    return ([o for o in occurrences if o.holiday is None],
        [o for o in occurrences if o.holiday is not None])


def horizon_end(today, weeks=26):
    """Last date to generate open-ended series up to: they are materialized
    only up to a rolling horizon (not forever) and extended as time passes."""
    if weeks < 1:
        raise RecurrenceError(f"The horizon must be at least 1 week: {weeks}.")
    return today + dt.timedelta(weeks=weeks)
