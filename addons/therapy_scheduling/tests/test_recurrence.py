"Plain unit tests for recurrence.py (no Tryton, no database)."
import datetime as dt

import holidays
import pytest

from ..recurrence import (
    Occurrence, RecurrenceError, Rule, from_rrule, horizon_end,
    occurrences, split_holidays, to_rrule)

NY = 'America/New_York'
HOUR = dt.timedelta(hours=1)
D = dt.date
T = dt.datetime


def local_dates(items):
    return [o.local_start.date() for o in items]


def test_weekly_12_occurrences():
    items = occurrences(Rule(count=12), T(2026, 1, 5, 10), HOUR, NY)
    assert len(items) == 12
    assert [o.index for o in items] == list(range(12))
    assert local_dates(items) == [
        D(2026, 1, 5) + dt.timedelta(weeks=n) for n in range(12)]
    assert all(o.local_start.time() == dt.time(10) for o in items)
    assert all(o.end - o.start == HOUR for o in items)
    assert all(isinstance(o, Occurrence) for o in items)
    assert all(o.start.tzinfo is None and o.end.tzinfo is None for o in items)
    assert all(o.local_start.tzinfo is not None for o in items)


def test_every_two_weeks_on_two_weekdays():
    rule = Rule(interval=2, weekdays=(1, 3), count=6)
    items = occurrences(rule, T(2026, 1, 6, 10), HOUR, NY)
    assert local_dates(items) == [
        D(2026, 1, 6), D(2026, 1, 8), D(2026, 1, 20), D(2026, 1, 22),
        D(2026, 2, 3), D(2026, 2, 5)]


def test_monthly_second_tuesday():
    start = T(2026, 1, 13, 10)
    rule = Rule(frequency='monthly', count=4)
    assert to_rrule(rule, start) == 'FREQ=MONTHLY;BYDAY=2TU;COUNT=4'
    assert local_dates(occurrences(rule, start, HOUR, NY)) == [
        D(2026, 1, 13), D(2026, 2, 10), D(2026, 3, 10), D(2026, 4, 14)]


def test_monthly_last_friday():
    start = T(2026, 1, 30, 16)
    rule = Rule(frequency='monthly', count=4)
    assert to_rrule(rule, start) == 'FREQ=MONTHLY;BYDAY=-1FR;COUNT=4'
    assert local_dates(occurrences(rule, start, HOUR, NY)) == [
        D(2026, 1, 30), D(2026, 2, 27), D(2026, 3, 27), D(2026, 4, 24)]


def test_monthly_fourth_weekday_not_in_last_week_stays_fourth():
    # Jan 22 2026 is the 4th Thursday but not in the last 7 days (25..31).
    assert to_rrule(Rule(frequency='monthly'), T(2026, 1, 22, 10)) == (
        'FREQ=MONTHLY;BYDAY=4TH')


def test_monthly_by_day():
    start = T(2026, 1, 15, 9)
    rule = Rule(frequency='monthly', monthly_by='day', interval=2, count=3)
    assert to_rrule(rule, start) == (
        'FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=15;COUNT=3')
    assert local_dates(occurrences(rule, start, HOUR, NY)) == [
        D(2026, 1, 15), D(2026, 3, 15), D(2026, 5, 15)]


def test_until_is_inclusive():
    rule = Rule(until=D(2026, 1, 27))
    items = occurrences(rule, T(2026, 1, 6, 23, 30), HOUR, NY)
    assert local_dates(items) == [
        D(2026, 1, 6), D(2026, 1, 13), D(2026, 1, 20), D(2026, 1, 27)]


def test_until_before_start():
    with pytest.raises(RecurrenceError, match="before the first start"):
        occurrences(Rule(until=D(2026, 1, 1)), T(2026, 1, 6, 10), HOUR, NY)


def test_count_across_dst_keeps_local_time():
    # DST starts in New York on 2026-03-08.
    items = occurrences(Rule(count=4), T(2026, 2, 24, 10), HOUR, NY)
    assert [o.local_start.time() for o in items] == [dt.time(10)] * 4
    assert [o.start for o in items] == [
        T(2026, 2, 24, 15), T(2026, 3, 3, 15),
        T(2026, 3, 10, 14), T(2026, 3, 17, 14)]
    assert items[-1].end == T(2026, 3, 17, 15)


def test_denver():
    # DST ends in Denver on 2026-11-01.
    items = occurrences(
        Rule(count=2), T(2026, 10, 28, 9), dt.timedelta(minutes=50),
        'America/Denver')
    assert [o.start for o in items] == [
        T(2026, 10, 28, 15), T(2026, 11, 4, 16)]
    assert [o.end for o in items] == [
        T(2026, 10, 28, 15, 50), T(2026, 11, 4, 16, 50)]
    assert all(o.local_start.hour == 9 for o in items)
    assert str(items[0].local_start.tzinfo) == 'America/Denver'


def test_holidays_flagged_not_dropped():
    us = holidays.country_holidays('US', years=2026)
    rule = Rule(skip_holidays=True, until=D(2026, 9, 14))
    items = occurrences(rule, T(2026, 8, 24, 10), HOUR, NY)
    assert local_dates(items) == [
        D(2026, 8, 24), D(2026, 8, 31), D(2026, 9, 7), D(2026, 9, 14)]
    assert [o.holiday for o in items] == [None, None, us[D(2026, 9, 7)], None]
    assert 'Labor Day' in items[2].holiday
    regular, on_holidays = split_holidays(items)
    assert [o.index for o in regular] == [0, 1, 3]
    assert [o.index for o in on_holidays] == [2]


def test_memorial_day_and_custom_calendar():
    start = T(2026, 5, 18, 10)
    items = occurrences(Rule(count=2), start, HOUR, NY)
    assert items[1].holiday == holidays.US(years=2026)[D(2026, 5, 25)]
    custom = {D(2026, 5, 18): "Practice retreat"}
    items = occurrences(Rule(count=2), start, HOUR, NY,
        holiday_calendar=custom)
    assert [o.holiday for o in items] == ["Practice retreat", None]


def test_window_preserves_indexes():
    items = occurrences(Rule(count=10), T(2026, 1, 5, 10), HOUR, NY,
        date_from=D(2026, 1, 19), date_to=D(2026, 2, 2))
    assert [o.index for o in items] == [2, 3, 4]
    assert local_dates(items) == [
        D(2026, 1, 19), D(2026, 1, 26), D(2026, 2, 2)]


def test_window_outside_series_is_empty():
    assert occurrences(Rule(count=2), T(2026, 1, 5, 10), HOUR, NY,
        date_from=D(2026, 6, 1)) == []


def test_open_ended_requires_date_to():
    with pytest.raises(RecurrenceError, match="date_to"):
        occurrences(Rule(), T(2026, 1, 5, 10), HOUR, NY)
    items = occurrences(Rule(), T(2026, 1, 5, 10), HOUR, NY,
        date_to=horizon_end(D(2026, 1, 5), weeks=4))
    assert len(items) == 5  # Jan 5 .. Feb 2 inclusive


def test_horizon_end():
    assert horizon_end(D(2026, 1, 1)) == D(2026, 7, 2)
    assert horizon_end(D(2026, 1, 1), weeks=1) == D(2026, 1, 8)
    with pytest.raises(RecurrenceError):
        horizon_end(D(2026, 1, 1), weeks=0)


def test_dst_gap_shifts_forward():
    # 02:30 does not exist in New York on 2026-03-08.
    items = occurrences(Rule(count=3), T(2026, 3, 1, 2, 30), HOUR, NY)
    assert [o.local_start.time() for o in items] == [
        dt.time(2, 30), dt.time(3, 30), dt.time(2, 30)]
    assert [o.start for o in items] == [
        T(2026, 3, 1, 7, 30), T(2026, 3, 8, 7, 30), T(2026, 3, 15, 6, 30)]
    assert items[1].index == 1


def test_dst_ambiguous_takes_first():
    # 01:30 happens twice in New York on 2026-11-01; take daylight time.
    items = occurrences(Rule(count=1), T(2026, 11, 1, 1, 30), HOUR, NY)
    assert items[0].start == T(2026, 11, 1, 5, 30)
    assert items[0].local_start.utcoffset() == dt.timedelta(hours=-4)


def test_aware_first_start_is_converted():
    start = T(2026, 1, 5, 15, tzinfo=dt.timezone.utc)
    items = occurrences(Rule(count=1), start, HOUR, NY)
    assert items[0].local_start.hour == 10
    assert items[0].start == T(2026, 1, 5, 15)


def test_unknown_time_zone():
    with pytest.raises(RecurrenceError, match="time zone"):
        occurrences(Rule(count=1), T(2026, 1, 5, 10), HOUR, 'Mars/Olympus')


@pytest.mark.parametrize('rule, start, text', [
    (Rule(weekdays=(0,), count=12), T(2026, 1, 5, 10),
        'FREQ=WEEKLY;BYDAY=MO;COUNT=12'),
    (Rule(interval=2, weekdays=(1, 3), count=12), T(2026, 1, 6, 10),
        'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=12'),
    (Rule(weekdays=(4,)), T(2026, 1, 9, 10), 'FREQ=WEEKLY;BYDAY=FR'),
    (Rule(frequency='monthly', until=D(2027, 6, 30)), T(2026, 1, 13, 10),
        'FREQ=MONTHLY;BYDAY=2TU;UNTIL=20270630T235959'),
    (Rule(frequency='monthly', interval=3, count=4), T(2026, 1, 30, 10),
        'FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR;COUNT=4'),
    (Rule(frequency='monthly', monthly_by='day', until=D(2026, 12, 31)),
        T(2026, 1, 15, 10),
        'FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20261231T235959'),
    ])
def test_rrule_round_trip(rule, start, text):
    assert to_rrule(rule, start) == text
    assert from_rrule(text) == rule
    assert from_rrule('RRULE:' + text) == rule
    assert to_rrule(from_rrule(text), start) == text


def test_weekly_default_weekday_round_trip_is_equivalent():
    start = T(2026, 1, 7, 10)
    text = to_rrule(Rule(count=3), start)
    assert text == 'FREQ=WEEKLY;BYDAY=WE;COUNT=3'
    assert from_rrule(text) == Rule(weekdays=(2,), count=3)
    assert occurrences(from_rrule(text), start, HOUR, NY) == occurrences(
        Rule(count=3), start, HOUR, NY)


def test_to_rrule_sorts_and_dedups_weekdays():
    assert to_rrule(Rule(weekdays=(3, 1, 3)), T(2026, 1, 6, 10)) == (
        'FREQ=WEEKLY;BYDAY=TU,TH')


def test_from_rrule_defaults_monthly_to_day():
    assert from_rrule('FREQ=MONTHLY;COUNT=2') == Rule(
        frequency='monthly', monthly_by='day', count=2)


@pytest.mark.parametrize('text, message', [
    ('FREQ=DAILY;COUNT=3', 'WEEKLY and FREQ=MONTHLY'),
    ('FREQ=YEARLY', 'WEEKLY and FREQ=MONTHLY'),
    ('INTERVAL=2', 'WEEKLY and FREQ=MONTHLY'),
    ('FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2', 'BYSETPOS is not supported'),
    ('FREQ=WEEKLY;COUNT', 'Cannot read'),
    ('FREQ=WEEKLY;FREQ=WEEKLY', 'Cannot read'),
    ('FREQ=WEEKLY;COUNT=3;UNTIL=20260101', 'not both'),
    ('FREQ=WEEKLY;COUNT=0', 'at least 1'),
    ('FREQ=WEEKLY;COUNT=x', 'not a number'),
    ('FREQ=WEEKLY;INTERVAL=0', 'at least 1'),
    ('FREQ=WEEKLY;BYDAY=2TU', 'plain weekdays'),
    ('FREQ=WEEKLY;BYMONTHDAY=3', 'plain weekdays'),
    ('FREQ=MONTHLY;BYDAY=TU,TH', 'one BYDAY'),
    ('FREQ=MONTHLY;BYDAY=5TU', 'one BYDAY'),
    ('FREQ=MONTHLY;BYDAY=2TU;BYMONTHDAY=3', 'one BYDAY'),
    ('FREQ=MONTHLY;BYMONTHDAY=32', '1..31'),
    ('FREQ=MONTHLY;BYMONTHDAY=1,15', 'not a number'),
    ('FREQ=WEEKLY;UNTIL=20260101T000000Z', 'local date'),
    ('FREQ=WEEKLY;UNTIL=20261301', 'local date'),
    ])
def test_from_rrule_rejects(text, message):
    with pytest.raises(RecurrenceError, match=message):
        from_rrule(text)


@pytest.mark.parametrize('rule, message', [
    (Rule(frequency='daily'), 'Unknown frequency'),
    (Rule(interval=0), 'interval'),
    (Rule(weekdays=(7,)), 'Weekday 7'),
    (Rule(weekdays=(-1,)), 'Weekday -1'),
    (Rule(frequency='monthly', weekdays=(1,)), 'only apply to weekly'),
    (Rule(frequency='monthly', monthly_by='week'), 'monthly repeat'),
    (Rule(count=3, until=D(2026, 6, 1)), 'not both'),
    (Rule(count=0), 'at least 1'),
    ])
def test_validation_errors(rule, message):
    with pytest.raises(RecurrenceError, match=message):
        rule.validate()
    with pytest.raises(RecurrenceError, match=message):
        occurrences(rule, T(2026, 1, 5, 10), HOUR, NY, date_to=D(2026, 2, 1))


def test_valid_rule_passes_and_error_is_value_error():
    assert Rule().validate() is None
    # a caller that knows only ValueError (parsing a form) catches it
    with pytest.raises(ValueError, match='interval'):
        Rule(interval=0).validate()
    with pytest.raises(ValueError, match='one BYDAY'):
        from_rrule('FREQ=MONTHLY;BYDAY=TU,TH')
