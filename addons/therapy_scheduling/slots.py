"""Free-slot arithmetic: weekly availability → free windows → bookable slots.

A clinician's week is kept as template rows in the location's local wall time
("Mondays 09:00-17:00 in America/New_York"); the database stores naive UTC.
This module turns rows into naive-UTC windows for a date range (each day is
localized on its own, so 09:00 stays 09:00 across daylight saving changes),
removes busy intervals (appointments, time off, holidays as whole local days)
and cuts what is left into candidate slots aligned to a step in local time.

Hand-written on purpose: it is a handful of interval operations (union,
difference, containment) on sorted lists.  The PyPI candidates either model
intervals without time zones (portion, intervaltree: we would still write the
template expansion, the local-day holidays and the local alignment around
them) or are whole scheduling engines that want to own the calendar.  Plain
Python, no Tryton imports, so tests/test_slots.py runs without a database.

Conventions: every datetime is naive UTC, every interval half-open
[start, end), a "window" is (start, end, kind) with kind 'bookable' or
'contact' (contact-to-book: staff may book it, it is not offered online).
"""
import datetime as dt
from typing import NamedTuple
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
DAY = dt.timedelta(days=1)
DEFAULT_STEP = dt.timedelta(minutes=15)
# staff offer times on the half hour at the finest: a 45- or 55-minute
# session is offered on the hour, a 90-minute one every 90 minutes
STEP_GRAIN = dt.timedelta(minutes=30)
# where windows of several kinds overlap, the first kind wins
KIND_PRIORITY = ('bookable', 'contact')


class Template(NamedTuple):
    "A weekly availability row (weekday 0 = Monday), local wall times"
    weekday: int
    start_time: dt.time
    end_time: dt.time
    kind: str = 'bookable'
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class Window(NamedTuple):
    start: dt.datetime
    end: dt.datetime
    kind: str = 'bookable'


class Slot(NamedTuple):
    resource: object    # who the slot belongs to (a clinician), opaque here
    start: dt.datetime
    end: dt.datetime
    kind: str


def _zone(tz):
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def to_utc(wall, tz):
    """Naive local wall time in tz as naive UTC.

    fold=0 takes the first of two ambiguous times (fall back: daylight
    time); a time inside the spring-forward gap is read with the offset
    before the gap, i.e. shifted forward by the gap (02:30 -> 03:30)."""
    return wall.replace(tzinfo=_zone(tz), fold=0).astimezone(UTC).replace(
        tzinfo=None)


def to_local(value, tz):
    "Naive UTC value as naive local wall time in tz"
    return value.replace(tzinfo=UTC).astimezone(_zone(tz)).replace(
        tzinfo=None)


def days(date_from, date_to):
    "Dates from date_from to date_to, both included"
    day = date_from
    while day <= date_to:
        yield day
        day += DAY


def utc_bounds(date_from, date_to, tz):
    "[local midnight of date_from, local midnight after date_to) in UTC"
    start = to_utc(dt.datetime.combine(date_from, dt.time()), tz)
    end = to_utc(dt.datetime.combine(date_to + DAY, dt.time()), tz)
    return start, end


def local_days(dates, tz):
    """Whole local days (holidays) as UTC intervals: 23 or 25 hours long on
    daylight saving days."""
    return merge(utc_bounds(date, date, tz) for date in dates)


def expand(templates, date_from, date_to, tz):
    """Windows of the template rows on each local date in [date_from,
    date_to], sorted.  A row applies on its weekday inside its optional
    validity dates (both included)."""
    by_weekday = {}
    for template in templates:
        template = Template(*template)
        by_weekday.setdefault(int(template.weekday), []).append(template)
    windows = []
    for day in days(date_from, date_to):
        for template in by_weekday.get(day.weekday(), []):
            if template.valid_from and day < template.valid_from:
                continue
            if template.valid_to and day > template.valid_to:
                continue
            start = to_utc(dt.datetime.combine(day, template.start_time), tz)
            end = to_utc(dt.datetime.combine(day, template.end_time), tz)
            if end > start:  # a row lost in a spring-forward gap is empty
                windows.append(Window(start, end, template.kind))
    return sorted(windows)


def merge(intervals):
    "Sorted union of (start, end) intervals; touching intervals are joined"
    result = []
    for start, end in sorted((i[0], i[1]) for i in intervals):
        if end <= start:
            continue
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def subtract(windows, busy):
    "Windows with the busy (start, end) intervals removed, sorted"
    busy = merge(busy)
    result = []
    for window in sorted(Window(*w) for w in windows):
        start = window.start
        for busy_start, busy_end in busy:
            if busy_end <= start:
                continue
            if busy_start >= window.end:
                break
            if busy_start > start:
                result.append(window._replace(start=start, end=busy_start))
            start = max(start, busy_end)
            if start >= window.end:
                break
        if start < window.end:
            result.append(window._replace(start=start))
    return result


def normalize(windows, priority=KIND_PRIORITY):
    """Non-overlapping windows: windows of one kind are joined, and where
    kinds overlap the kind first in priority keeps the time."""
    windows = [Window(*w) for w in windows]
    kinds = list(priority) + sorted(
        {w.kind for w in windows} - set(priority))
    taken, result = [], []
    for kind in kinds:
        mine = [Window(s, e, kind)
            for s, e in merge(w[:2] for w in windows if w.kind == kind)]
        result.extend(subtract(mine, taken))
        taken.extend(w[:2] for w in mine)
    return sorted(result)


def clip(windows, start, end):
    "Windows cut to [start, end)"
    result = []
    for window in windows:
        window = Window(*window)
        window = window._replace(
            start=max(window.start, start), end=min(window.end, end))
        if window.end > window.start:
            result.append(window)
    return result


def covers(windows, start, end):
    "Whether [start, end) lies entirely inside the union of windows"
    return any(s <= start and end <= e for s, e in merge(
                w[:2] for w in windows))


def cut(windows, duration, step=DEFAULT_STEP, tz='UTC', not_before=None):
    """Candidate slots (Window) of duration inside windows, starting on
    local times that are multiples of step after local midnight (10:00,
    10:15, ...), not before not_before.  Earliest first."""
    if duration <= dt.timedelta(0) or step <= dt.timedelta(0):
        raise ValueError("duration and step must be positive")
    result = []
    for window in sorted(Window(*w) for w in windows):
        first = window.start
        if not_before and not_before > first:
            first = not_before
        local = to_local(first, tz)
        since_midnight = local - local.replace(
            hour=0, minute=0, second=0, microsecond=0)
        aligned = -(-since_midnight // step) * step
        start = first + (aligned - since_midnight)
        while start + duration <= window.end:
            result.append(Window(start, start + duration, window.kind))
            start += step
    return result


def step_for(duration, grain=STEP_GRAIN):
    """The step between offered starts for a service of duration: the
    duration rounded up to the grain (45 min -> 1 h, 90 min -> 1 h 30), so
    a day is offered as back-to-back sessions, not every quarter hour."""
    if duration <= dt.timedelta(0):
        raise ValueError("duration must be positive")
    return -(-duration // grain) * grain


def rank(slots, key=None):
    """Slots earliest first; at equal start ordered by key(resource) (e.g.
    the clinician's name)."""
    key = key or (lambda resource: resource)
    return sorted(
        (Slot(*s) for s in slots), key=lambda s: (s.start, key(s.resource)))


def by_day_and_resource(slots, tz, key=None):
    """Slots grouped as a day x clinician grid: local day earliest first,
    then the resource (ordered by key), then time; {(day, resource):
    [slots]} in that order."""
    key = key or (lambda resource: resource)
    groups = {}
    for slot in sorted((Slot(*s) for s in slots), key=lambda s: (
                to_local(s.start, tz).date(), key(s.resource), s.start)):
        day = to_local(slot.start, tz).date()
        groups.setdefault((day, slot.resource), []).append(slot)
    return groups


def free_slots(windows, busy, duration, step=DEFAULT_STEP, tz='UTC',
        not_before=None, kinds=None):
    """Candidate slots of one resource: windows minus busy, cut into slots.

    kinds keeps only windows of those kinds (after overlaps are resolved)."""
    free = subtract(normalize(windows), busy)
    if kinds is not None:
        free = [w for w in free if w.kind in kinds]
    return cut(free, duration, step=step, tz=tz, not_before=not_before)
