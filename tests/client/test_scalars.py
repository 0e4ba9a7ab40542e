"""The scalar readers accept every spelling v1 and Co-op used, and refuse the rest."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from bot.harvest.scalars import (
    format_clock,
    format_decimal,
    format_report_day,
    is_blank,
    to_bool,
    to_date,
    to_datetime,
    to_float,
    to_int,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # time-tracking.txt, JSON reply
        ("2016-01-27T21:49:19Z", datetime(2016, 1, 27, 21, 49, 19, tzinfo=UTC)),
        # coop-groups.txt, XML
        ("2008-10-30T16:56:04-04:00", datetime(2008, 10, 30, 20, 56, 4, tzinfo=UTC)),
        # time-tracking.txt, XML reply (RFC 2822)
        (
            "Wed, 27 Jan 2016 21:52:50 +0000",
            datetime(2016, 1, 27, 21, 52, 50, tzinfo=UTC),
        ),
        # reporting.txt: RFC 2822's "-0000" (offset unknown) is read as UTC
        (
            "Wed, 18 Oct 2006 09:53:06 -0000",
            datetime(2006, 10, 18, 9, 53, 6, tzinfo=UTC),
        ),
        # coop-groups.txt, JSON
        ("2008/11/19 20:19:45 +0000", datetime(2008, 11, 19, 20, 19, 45, tzinfo=UTC)),
        ("2008/10/30 16:56:04 -0400", datetime(2008, 10, 30, 20, 56, 4, tzinfo=UTC)),
        ("2016-01-27 21:49:19", datetime(2016, 1, 27, 21, 49, 19, tzinfo=UTC)),
    ],
)
def test_timestamps_in_every_spelling_become_aware_utc(text: str, expected: datetime) -> None:
    parsed = to_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


def test_an_aware_datetime_is_converted_to_utc() -> None:
    moment = datetime(2020, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert to_datetime(moment) == datetime(2020, 1, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "2016-13-45T00:00:00Z", "Wed, 99 Foo 2016 21:52:50 +0000", "12"],
)
def test_unreadable_timestamps_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="not a timestamp"):
        to_datetime(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-01-24", date(2016, 1, 24)),
        ("2016-1-24", date(2016, 1, 24)),
        ("2008/11/19", date(2008, 11, 19)),
        ("20081119", date(2008, 11, 19)),
        ("Sun, Jan 24 2015", date(2015, 1, 24)),
        ("Wed, 25 Nov 2026", date(2026, 11, 25)),
    ],
)
def test_dates_in_every_spelling(text: str, expected: date) -> None:
    assert to_date(text) == expected


@pytest.mark.parametrize("value", ["2016-02-30", "soon", 20160124, None])
def test_unreadable_dates_raise_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="not a date"):
        to_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5), ("5", 5), (" 42 ", 42), (5.0, 5), ("7.0", 7), ("-3", -3)],
)
def test_integers_arrive_as_numbers_or_strings(value: object, expected: int) -> None:
    assert to_int(value) == expected


@pytest.mark.parametrize("value", [True, "5.5", 5.5, "five", None, [], ""])
def test_non_integers_are_refused(value: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        to_int(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3.0),
        ("3.00", 3.0),
        (0.3, 0.3),
        ("22.91", 22.91),
        ("1:30", 1.5),
        ("0:45", 0.75),
    ],
)
def test_numbers_arrive_as_numbers_strings_or_clock_hours(value: object, expected: float) -> None:
    assert to_float(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["nan", "inf", "three", True, None, "1:75"])
def test_non_numbers_are_refused(value: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        to_float(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        ("true", True),
        ("TRUE", True),
        ("1", True),
        (1, True),
        (False, False),
        ("false", False),
        ("0", False),
        (0, False),
    ],
)
def test_booleans(value: object, expected: bool) -> None:
    assert to_bool(value) is expected


@pytest.mark.parametrize("value", ["maybe", 2, None])
def test_non_booleans_are_refused(value: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        to_bool(value)


def test_blank_means_absent_null_or_empty() -> None:
    assert is_blank(None) and is_blank("") and is_blank("   ")
    assert not is_blank("0") and not is_blank(0) and not is_blank(False)


def test_writers() -> None:
    assert format_report_day(date(2026, 1, 5)) == "20260105"
    assert format_clock(time(8, 0)) == "8:00am"
    assert format_clock(time(0, 5)) == "12:05am"
    assert format_clock(time(12, 30)) == "12:30pm"
    assert format_clock(time(21, 10)) == "9:10pm"
    assert format_decimal(1.5) == "1.5"
    assert format_decimal(3.0) == "3"
    assert format_decimal(0.0) == "0"
