from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsing.dates import (
    LOOKAHEAD,
    MONTHS,
    WEEKDAYS,
    DateError,
    DaysAgo,
    OnDate,
    RecentWeekday,
    YearlessDate,
    parse_date,
    parse_date_spec,
)

WEDNESDAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", date(2026, 11, 25)),
        ("Yesterday", date(2026, 11, 24)),
        ("wed", date(2026, 11, 25)),
        ("wednesday", date(2026, 11, 25)),
        ("mon", date(2026, 11, 23)),
        ("thurs", date(2026, 11, 19)),
        ("fri", date(2026, 11, 20)),
        ("last friday", date(2026, 11, 20)),
        ("last wed", date(2026, 11, 18)),
        ("last tue", date(2026, 11, 24)),
        ("2026-11-20", date(2026, 11, 20)),
        ("2025-1-2", date(2025, 1, 2)),
        ("11/20", date(2026, 11, 20)),
        ("20/11", date(2026, 11, 20)),
        ("11/20/2025", date(2025, 11, 20)),
        ("4/4", date(2026, 4, 4)),
        ("nov 20", date(2026, 11, 20)),
        ("Nov. 20th", date(2026, 11, 20)),
        ("20 november", date(2026, 11, 20)),
        ("november 20, 2024", date(2024, 11, 20)),
        ("nov 27", date(2026, 11, 27)),
        ("sept 3", date(2026, 9, 3)),
    ],
)
def test_days_for_a_wednesday(text: str, expected: date) -> None:
    assert parse_date(text, WEDNESDAY) == expected


def test_a_yearless_date_is_the_latest_up_to_a_month_ahead() -> None:
    assert parse_date("dec 31", date(2027, 1, 2)) == date(2026, 12, 31)
    assert parse_date("jan 2", date(2026, 12, 30)) == date(2027, 1, 2)
    assert parse_date("dec 26", date(2026, 11, 25)) == date(2026, 12, 26)
    assert parse_date("dec 27", date(2026, 11, 25)) == date(2025, 12, 27)
    assert parse_date("feb 29", date(2026, 11, 25)) == date(2024, 2, 29)
    assert parse_date("feb 29", date(2028, 2, 1)) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("3/4", "could be mar 4 or apr 3"),
        ("2026-02-30", "not a day on the calendar"),
        ("feb 30", "not a day on the calendar"),
        ("13/13", "not a day on the calendar"),
        ("someday", "couldn't read “someday”"),
        ("last", "couldn't read"),
        ("next friday", "couldn't read"),
        ("", "couldn't read"),
    ],
)
def test_refused_with_a_helpful_message(text: str, says: str) -> None:
    with pytest.raises(DateError) as raised:
        parse_date_spec(text)
    assert says in raised.value.message


def test_specs_are_values_that_resolve_later() -> None:
    assert parse_date_spec("today") == DaysAgo(0)
    assert parse_date_spec("last fri") == RecentWeekday(4, strictly_before=True)
    assert parse_date_spec("2026-11-20") == OnDate(date(2026, 11, 20))
    assert parse_date_spec("nov 20") == YearlessDate(11, 20)


days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@given(days, st.sampled_from(WEEKDAYS), st.booleans())
def test_a_weekday_is_the_latest_such_day_within_a_week(
    today: date, name: str, short: bool
):
    spoken = name[:3] if short else name
    plain = parse_date(spoken, today)
    last = parse_date(f"last {spoken}", today)
    assert plain.weekday() == last.weekday() == WEEKDAYS.index(name)
    assert 0 <= (today - plain).days <= 6
    assert 1 <= (today - last).days <= 7
    assert last == (plain if plain < today else plain - timedelta(days=7))


@given(days, days)
def test_iso_dates_read_back_whatever_today_is(day: date, today: date) -> None:
    assert parse_date(day.isoformat(), today) == day


@given(days, days)
def test_month_names_with_a_year_read_back(day: date, today: date) -> None:
    month = MONTHS[day.month - 1]
    assert parse_date(f"{month} {day.day} {day.year}", today) == day
    assert parse_date(f"{day.day} {month[:3]} {day.year}", today) == day


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2199, 12, 31)), days)
def test_a_yearless_date_is_the_latest_within_the_lookahead(
    day: date, today: date
) -> None:
    resolved = parse_date(f"{MONTHS[day.month - 1][:3]} {day.day}", today)
    horizon = today + LOOKAHEAD
    assert (resolved.month, resolved.day) == (day.month, day.day)
    assert resolved <= horizon
    if (day.month, day.day) != (2, 29):
        assert resolved.replace(year=resolved.year + 1) > horizon


@given(st.text(max_size=25), days)
def test_any_text_gives_a_day_or_a_date_error(text: str, today: date) -> None:
    try:
        parse_date(text, today)
    except DateError as error:
        assert error.message
