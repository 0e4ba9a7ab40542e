"""Which days a digest reports, and when it fires: DST change days with a controllable clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digest_periods import (
    Period,
    fire_times,
    last_fire,
    local_date,
    next_fire,
    previous_day,
    previous_period,
    report_period,
    trigger,
    week_start_number,
)
from bot.parsing.digest_words import ALL_DAYS, WORK_DAYS

LONDON, NEW_YORK = "Europe/London", "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- periods -----------------------------------------------------------------------------------


def test_daily_reports_the_previous_working_day() -> None:
    monday, tuesday, sunday = date(2026, 3, 30), date(2026, 3, 31), date(2026, 3, 29)
    assert report_period("daily", monday, WORK_DAYS) == Period(date(2026, 3, 27), date(2026, 3, 27))
    assert report_period("daily", tuesday, WORK_DAYS).start == monday
    assert report_period("daily", monday, ALL_DAYS).start == sunday
    friday = report_period("daily", monday, WORK_DAYS)
    assert previous_period("daily", friday, WORK_DAYS).start == date(2026, 3, 26)
    assert previous_period("daily", Period(monday, monday), WORK_DAYS).start == date(2026, 3, 27)


def test_weekly_reports_the_last_complete_week_from_the_accounts_week_start() -> None:
    wednesday = date(2026, 4, 1)
    monday_weeks = report_period("weekly", wednesday, (0,), week_start_number("Monday"))
    assert monday_weeks == Period(date(2026, 3, 23), date(2026, 3, 29))
    sunday_weeks = report_period("weekly", wednesday, (0,), week_start_number("Sunday"))
    assert sunday_weeks == Period(date(2026, 3, 22), date(2026, 3, 28))
    on_the_start_day = report_period("weekly", date(2026, 3, 30), (0,), 0)
    assert on_the_start_day == monday_weeks
    assert previous_period("weekly", monday_weeks, (0,)) == Period(date(2026, 3, 16),
                                                                  date(2026, 3, 22))


def test_period_keys_and_labels() -> None:
    day, week = Period(date(2026, 3, 27), date(2026, 3, 27)), Period(date(2026, 3, 23),
                                                                     date(2026, 3, 29))
    assert day.key == "2026-03-27" and week.key == "2026-03-23..2026-03-29"
    assert day.label() == "Friday 27 March 2026" and week.label() == "23–29 March 2026"
    assert Period(date(2026, 3, 30), date(2026, 4, 5)).label() == "30 March – 5 April 2026"
    assert week.days == 7 and date(2026, 3, 25) in week and date(2026, 3, 30) not in week


def test_previous_day_needs_a_day() -> None:
    with pytest.raises(ValueError):
        previous_day(date(2026, 3, 30), ())


# -- firing: DST change days ------------------------------------------------------------------


def test_london_spring_forward_fires_at_nine_local_every_day() -> None:
    cron = trigger(time(9), ALL_DAYS, LONDON)
    fires = list(fire_times(cron, utc(2026, 3, 27, 12), utc(2026, 3, 31, 12)))
    assert fires == [utc(2026, 3, 28, 9), utc(2026, 3, 29, 8), utc(2026, 3, 30, 8),
                     utc(2026, 3, 31, 8)]
    assert {f.astimezone(ZoneInfo(LONDON)).time() for f in fires} == {time(9)}


def test_london_fall_back_fires_at_nine_local() -> None:
    cron = trigger(time(9), ALL_DAYS, LONDON)
    fires = list(fire_times(cron, utc(2026, 10, 24, 0), utc(2026, 10, 26, 23)))
    assert fires == [utc(2026, 10, 24, 8), utc(2026, 10, 25, 9), utc(2026, 10, 26, 9)]


def test_a_missing_local_time_fires_once_just_after_the_gap() -> None:
    # 01:30 does not exist in London on 2026-03-29 (01:00 GMT becomes 02:00 BST).
    cron = trigger(time(1, 30), ALL_DAYS, LONDON)
    fires = list(fire_times(cron, utc(2026, 3, 28, 12), utc(2026, 3, 30, 12)))
    assert fires == [utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]
    assert local_date(fires[0], LONDON) == date(2026, 3, 29)


def test_a_repeated_local_time_fires_once_at_its_first_occurrence() -> None:
    # 01:30 happens twice in London on 2026-10-25: 00:30 UTC (BST) and 01:30 UTC (GMT).
    cron = trigger(time(1, 30), ALL_DAYS, LONDON)
    fires = list(fire_times(cron, utc(2026, 10, 24, 12), utc(2026, 10, 26, 12)))
    assert fires == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    # A clock that reads between the two occurrences sees no second fire that day.
    assert next_fire(cron, utc(2026, 10, 25, 0, 45)) == utc(2026, 10, 26, 1, 30)


def test_new_york_changes_on_its_own_dates() -> None:
    cron = trigger(time(9), WORK_DAYS, NEW_YORK)
    spring = list(fire_times(cron, utc(2026, 3, 6, 0), utc(2026, 3, 10, 0)))
    assert spring == [utc(2026, 3, 6, 14), utc(2026, 3, 9, 13)]  # 8 March: EST to EDT
    autumn = list(fire_times(cron, utc(2026, 10, 30, 0), utc(2026, 11, 3, 0)))
    assert autumn == [utc(2026, 10, 30, 13), utc(2026, 11, 2, 14)]  # 1 November: back to EST
    # On London's change day New York has not changed yet: 9:00 EDT is still 13:00 UTC.
    assert next_fire(cron, utc(2026, 3, 29, 12)) == utc(2026, 3, 30, 13)


def test_weekly_fires_on_its_day_only() -> None:
    cron = trigger(time(9), (0,), LONDON)
    fires = list(fire_times(cron, utc(2026, 3, 20), utc(2026, 4, 7)))
    assert fires == [utc(2026, 3, 23, 9), utc(2026, 3, 30, 8), utc(2026, 4, 6, 8)]


def test_last_fire_within_a_lookback_with_a_controllable_clock() -> None:
    cron = trigger(time(9), WORK_DAYS, LONDON)
    now = utc(2026, 3, 30, 8, 30)  # Monday 09:30 BST
    assert last_fire(cron, now, timedelta(hours=1)) == utc(2026, 3, 30, 8)
    assert last_fire(cron, now, timedelta(minutes=20)) is None
    assert last_fire(cron, utc(2026, 3, 30, 7, 59), timedelta(hours=1)) is None
    assert last_fire(cron, utc(2026, 3, 30, 8), timedelta(hours=1)) == utc(2026, 3, 30, 8)
    # Over the weekend the last fire was Friday's.
    assert last_fire(cron, utc(2026, 3, 29, 12), timedelta(days=7)) == utc(2026, 3, 27, 9)
