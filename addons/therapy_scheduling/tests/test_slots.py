"Plain unit tests for slots.py (no Tryton, no database)."
import datetime as dt

import pytest

from .. import slots
from ..slots import (
    Slot, Template, Window, clip, covers, cut, expand, free_slots,
    local_days, merge, normalize, rank, subtract, to_local, utc_bounds)

NY = 'America/New_York'
DENVER = 'America/Denver'
D = dt.date
T = dt.datetime
t = dt.time
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def test_expand_keeps_local_hours_across_spring_forward():
    # DST starts Sunday 2031-03-09 in the US
    rows = [Template(0, t(9), t(12))]   # Mondays 09:00-12:00
    windows = expand(rows, D(2031, 3, 1), D(2031, 3, 16), NY)
    assert windows == [
        Window(T(2031, 3, 3, 14), T(2031, 3, 3, 17), 'bookable'),  # EST
        Window(T(2031, 3, 10, 13), T(2031, 3, 10, 16), 'bookable'),  # EDT
        ]
    assert {to_local(w.start, NY).time() for w in windows} == {t(9)}


def test_expand_across_fall_back_and_validity():
    # DST ends Sunday 2031-11-02; the row only applies from Nov 1
    rows = [(5, t(10), t(11), 'contact', D(2031, 11, 1), None),
        (6, t(1), t(2), 'bookable', None, D(2031, 11, 2))]
    windows = expand(rows, D(2031, 10, 25), D(2031, 11, 9), NY)
    assert windows == [
        Window(T(2031, 10, 26, 5), T(2031, 10, 26, 6), 'bookable'),
        Window(T(2031, 11, 1, 14), T(2031, 11, 1, 15), 'contact'),
        # 01:00 is ambiguous: the first (daylight) one, 02:00 EST is 07:00
        Window(T(2031, 11, 2, 5), T(2031, 11, 2, 7), 'bookable'),
        Window(T(2031, 11, 8, 15), T(2031, 11, 8, 16), 'contact'),
        ]


def test_expand_row_inside_spring_forward_gap_is_empty():
    rows = [Template(6, t(2), t(3))]   # Sunday 02:00-03:00 does not exist
    assert expand(rows, D(2031, 3, 9), D(2031, 3, 9), NY) == []
    assert expand(rows, D(2031, 3, 16), D(2031, 3, 16), NY) == [
        Window(T(2031, 3, 16, 6), T(2031, 3, 16, 7))]


def test_local_days_are_23_or_25_hours():
    spring, = local_days([D(2031, 3, 9)], NY)
    fall, = local_days([D(2031, 11, 2)], NY)
    assert spring == (T(2031, 3, 9, 5), T(2031, 3, 10, 4))
    assert fall[1] - fall[0] == dt.timedelta(hours=25)
    assert utc_bounds(D(2031, 7, 4), D(2031, 7, 5), DENVER) == (
        T(2031, 7, 4, 6), T(2031, 7, 6, 6))
    # consecutive holidays become one interval
    assert len(local_days([D(2031, 12, 25), D(2031, 12, 26)], NY)) == 1


def test_merge_and_subtract():
    assert merge([(T(2031, 1, 1, 10), T(2031, 1, 1, 11)),
            (T(2031, 1, 1, 9), T(2031, 1, 1, 10)),
            (T(2031, 1, 1, 12), T(2031, 1, 1, 12))]) == [
        (T(2031, 1, 1, 9), T(2031, 1, 1, 11))]
    day = [Window(T(2031, 1, 1, 9), T(2031, 1, 1, 17), 'contact')]
    busy = [(T(2031, 1, 1, 10), T(2031, 1, 1, 11)),
        (T(2031, 1, 1, 16), T(2031, 1, 1, 18)),
        (T(2031, 1, 1, 8), T(2031, 1, 1, 9))]
    assert subtract(day, busy) == [
        Window(T(2031, 1, 1, 9), T(2031, 1, 1, 10), 'contact'),
        Window(T(2031, 1, 1, 11), T(2031, 1, 1, 16), 'contact'),
        ]
    assert subtract(day, [(T(2031, 1, 1), T(2031, 1, 2))]) == []


def test_normalize_bookable_wins_over_contact():
    windows = [Window(T(2031, 1, 1, 9), T(2031, 1, 1, 13), 'contact'),
        Window(T(2031, 1, 1, 12), T(2031, 1, 1, 14), 'bookable'),
        Window(T(2031, 1, 1, 14), T(2031, 1, 1, 15), 'bookable')]
    assert normalize(windows) == [
        Window(T(2031, 1, 1, 9), T(2031, 1, 1, 12), 'contact'),
        Window(T(2031, 1, 1, 12), T(2031, 1, 1, 15), 'bookable'),
        ]


def test_covers_joins_kinds_and_clip():
    windows = [Window(T(2031, 1, 1, 9), T(2031, 1, 1, 12), 'bookable'),
        Window(T(2031, 1, 1, 12), T(2031, 1, 1, 17), 'contact')]
    assert covers(windows, T(2031, 1, 1, 11, 30), T(2031, 1, 1, 12, 30))
    assert covers(windows, T(2031, 1, 1, 9), T(2031, 1, 1, 17))
    assert not covers(windows, T(2031, 1, 1, 16, 30), T(2031, 1, 1, 17, 15))
    assert not covers([], T(2031, 1, 1, 9), T(2031, 1, 1, 10))
    assert clip(windows, T(2031, 1, 1, 10), T(2031, 1, 1, 13)) == [
        Window(T(2031, 1, 1, 10), T(2031, 1, 1, 12), 'bookable'),
        Window(T(2031, 1, 1, 12), T(2031, 1, 1, 13), 'contact')]


def test_cut_aligns_to_local_step_and_not_before():
    # Denver is UTC-7 in winter: 09:10 local = 16:10 UTC
    window = Window(T(2031, 1, 6, 16, 10), T(2031, 1, 6, 18), 'bookable')
    slots = cut([window], 45 * MIN, tz=DENVER)
    assert [to_local(s.start, DENVER).time() for s in slots] == [
        t(9, 15), t(9, 30), t(9, 45), t(10), t(10, 15)]
    assert all(s.end - s.start == 45 * MIN for s in slots)
    later = cut([window], 45 * MIN, tz=DENVER,
        not_before=T(2031, 1, 6, 16, 31, 5))
    assert [to_local(s.start, DENVER).time() for s in later] == [
        t(9, 45), t(10), t(10, 15)]
    hourly = cut([window], 30 * MIN, step=60 * MIN, tz=DENVER)
    assert [to_local(s.start, DENVER).time() for s in hourly] == [t(10)]
    # India is UTC+5:30: on the local hour (09:00 = 03:30 UTC), not UTC's
    india = cut([Window(T(2031, 1, 6, 3), T(2031, 1, 6, 4))], 30 * MIN,
        step=60 * MIN, tz='Asia/Kolkata')
    assert [s.start.minute for s in india] == [30]
    with pytest.raises(ValueError):
        cut([window], dt.timedelta(0))


def test_rank_earliest_first_then_name():
    nine, ten = T(2031, 1, 6, 14), T(2031, 1, 6, 15)
    slots = [('Eli', ten, ten + 45 * MIN, 'bookable'),
        ('Eli', nine, nine + 45 * MIN, 'contact'),
        ('Dana', nine, nine + 45 * MIN, 'bookable')]
    ranked = rank(slots)
    assert [(s.resource, s.start) for s in ranked] == [
        ('Dana', nine), ('Eli', nine), ('Eli', ten)]
    assert isinstance(ranked[0], Slot)
    by_length = rank(slots, key=lambda name: -len(name))
    assert by_length[0].resource == 'Dana'


def test_free_slots_subtracts_busy_and_filters_kinds():
    windows = expand([Template(0, t(9), t(11), 'bookable'),
            Template(0, t(11), t(12), 'contact')],
        D(2031, 3, 3), D(2031, 3, 3), NY)
    busy = [(T(2031, 3, 3, 14, 30), T(2031, 3, 3, 15, 15))]  # 09:30-10:15
    slots = free_slots(windows, busy, 45 * MIN, tz=NY)
    assert [(to_local(s.start, NY).time(), s.kind) for s in slots] == [
        (t(10, 15), 'bookable'),
        (t(11), 'contact'), (t(11, 15), 'contact')]
    online = free_slots(windows, busy, 45 * MIN, tz=NY, kinds={'bookable'})
    assert [to_local(s.start, NY).time() for s in online] == [t(10, 15)]


def test_step_follows_the_service_length():
    assert slots.step_for(dt.timedelta(minutes=45)) == dt.timedelta(hours=1)
    assert slots.step_for(dt.timedelta(minutes=60)) == dt.timedelta(hours=1)
    assert slots.step_for(dt.timedelta(minutes=30)) == dt.timedelta(
        minutes=30)
    assert slots.step_for(dt.timedelta(minutes=90)) == dt.timedelta(
        minutes=90)
    assert slots.step_for(dt.timedelta(minutes=20)) == dt.timedelta(
        minutes=30)


def test_grid_by_day_then_clinician_then_time():
    day = dt.datetime(2031, 3, 3, 14)   # 09:00 in New York
    found = [
        ('eli', day, day + HOUR, 'bookable'),
        ('dana', day + 2 * HOUR, day + 3 * HOUR, 'bookable'),
        ('dana', day, day + HOUR, 'bookable'),
        ('ann', day + dt.timedelta(days=1), day + dt.timedelta(days=1)
            + HOUR, 'bookable'),
        ]
    grid = slots.by_day_and_resource(found, 'America/New_York')
    assert [(d.day, who, [s.start.hour for s in times])
        for (d, who), times in grid.items()] == [
            (3, 'dana', [14, 16]), (3, 'eli', [14]), (4, 'ann', [14])]
