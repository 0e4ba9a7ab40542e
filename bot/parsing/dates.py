"""Reading which day someone means: ``today``, ``yesterday``, ``mon``, ``last friday``, ``nov 20``.

Parsing and resolving are two steps. :func:`parse_date_spec` checks the words and returns a
:data:`DateSpec` without knowing the date; :meth:`resolve` turns it into a day given ``today``
in the person's time zone. So a command can be checked at once and its date fixed later, and
nothing here reads a clock.

The rules, for a person whose today is Wednesday 2026-11-25:

- ``today``, ``yesterday``: 11-25, 11-24.
- a weekday (``friday``, ``fri``, ``thurs``): the most recent such day not after today, so
  ``wed`` is today and ``fri`` is 11-20.
- ``last <weekday>``: the most recent such day strictly before today, so ``last wed`` is 11-18.
- ISO ``2026-11-20``, or ``11/20/2026``: that day.
- without a year (``nov 20``, ``20 november``, ``11/20``): the latest such day at most a month
  ahead, since time is mostly logged for the past and sometimes planned a little ahead:
  ``apr 4`` is 2026-04-04, ``nov 27`` is this Friday, and ``jan 2`` on 12-30 is next year's.
- slashed dates are read only when they can mean one day: ``11/20`` is November 20 and
  ``20/11`` is too (no month 20); ``3/4`` could be March 4 or April 3, so it is refused with a
  suggestion to write the month's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

LOOKAHEAD = timedelta(days=31)
EXAMPLES = "`today`, `yesterday`, `mon`, `last friday`, `nov 20` or `2026-11-20`"

WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_WEEKDAY_NAMES = {
    **{name: number for number, name in enumerate(WEEKDAYS)},
    **{name[:3]: number for number, name in enumerate(WEEKDAYS)},
    "tue": 1,
    "tues": 1,
    "weds": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
}
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_NAMES = {
    **{name: number for number, name in enumerate(MONTHS, start=1)},
    **{name[:3]: number for number, name in enumerate(MONTHS, start=1)},
    "sept": 9,
}

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))?", re.ASCII)
_MONTH_DAY = re.compile(
    r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?", re.ASCII
)
_DAY_MONTH = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?(?:,? (\d{4}))?", re.ASCII
)


class DateError(ValueError):
    """The text is not a day the bot understands."""

    def __init__(self, text: str, message: str) -> None:
        super().__init__(message)
        self.text = text
        self.message = message


class DateSpec(Protocol):
    """A day as the person said it, to be fixed once ``today`` is known."""

    def resolve(self, today: date) -> date: ...


@dataclass(frozen=True)
class DaysAgo:
    """``today`` (0) or ``yesterday`` (1)."""

    days: int

    def resolve(self, today: date) -> date:
        return today - timedelta(days=self.days)


@dataclass(frozen=True)
class RecentWeekday:
    """A weekday (Monday is 0): the latest not after today, or strictly before it (``last``)."""

    weekday: int
    strictly_before: bool = False

    def resolve(self, today: date) -> date:
        back = (today.weekday() - self.weekday) % 7
        if back == 0 and self.strictly_before:
            back = 7
        return today - timedelta(days=back)


@dataclass(frozen=True)
class OnDate:
    """A full date, year included."""

    value: date

    def resolve(self, today: date) -> date:
        return self.value


@dataclass(frozen=True)
class YearlessDate:
    """A month and day: the latest such day at most :data:`LOOKAHEAD` after today."""

    month: int
    day: int

    def resolve(self, today: date) -> date:
        horizon = today + LOOKAHEAD
        year = horizon.year
        while True:
            try:
                candidate = date(year, self.month, self.day)
            except ValueError:  # 29 February outside a leap year
                candidate = None
            if candidate is not None and candidate <= horizon:
                return candidate
            year -= 1


def _full_date(text: str, year: int, month: int, day: int) -> OnDate:
    try:
        return OnDate(date(year, month, day))
    except ValueError:
        raise DateError(text, f"“{text}” is not a day on the calendar.") from None


def _yearless(text: str, month: int, day: int) -> YearlessDate:
    try:
        date(2024, month, day)  # a leap year, so 29 February passes
    except ValueError:
        raise DateError(text, f"“{text}” is not a day on the calendar.") from None
    return YearlessDate(month, day)


def _month_day(
    text: str, month_name: str, day: int, year: str | None
) -> DateSpec | None:
    month = _MONTH_NAMES.get(month_name)
    if month is None:
        return None
    return (
        _full_date(text, int(year), month, day) if year else _yearless(text, month, day)
    )


def parse_date_spec(text: str) -> DateSpec:
    """The day ``text`` names, not yet resolved.

    :raises DateError: ``text`` names no day, an impossible day, or an ambiguous ``M/D``.
    """
    shown = text.strip()
    cleaned = " ".join(shown.lower().split())
    if cleaned == "today":
        return DaysAgo(0)
    if cleaned in ("yesterday", "yday", "yest"):
        return DaysAgo(1)
    words = cleaned.split(" ")
    if (
        len(words) == 2
        and words[0] in ("last", "previous")
        and words[1] in _WEEKDAY_NAMES
    ):
        return RecentWeekday(_WEEKDAY_NAMES[words[1]], strictly_before=True)
    if cleaned in _WEEKDAY_NAMES:
        return RecentWeekday(_WEEKDAY_NAMES[cleaned])
    if match := _ISO.fullmatch(cleaned):
        return _full_date(shown, int(match[1]), int(match[2]), int(match[3]))
    if match := _SLASHED.fullmatch(cleaned):
        first, second = int(match[1]), int(match[2])
        if first <= 12 and second <= 12 and first != second:
            raise DateError(
                shown,
                f"“{shown}” could be {MONTHS[first - 1][:3]} {second} or "
                f"{MONTHS[second - 1][:3]} {first}: write the month's name, like "
                f"`{MONTHS[first - 1][:3]} {second}`, or `YYYY-MM-DD`.",
            )
        month, day = (second, first) if first > 12 else (first, second)
        if match[3]:
            return _full_date(shown, int(match[3]), month, day)
        return _yearless(shown, month, day)
    if match := _MONTH_DAY.fullmatch(cleaned):
        spec = _month_day(shown, match[1], int(match[2]), match[3])
        if spec is not None:
            return spec
    if match := _DAY_MONTH.fullmatch(cleaned):
        spec = _month_day(shown, match[2], int(match[1]), match[3])
        if spec is not None:
            return spec
    raise DateError(shown, f"I couldn't read “{shown}” as a day. Try {EXAMPLES}.")


def parse_date(text: str, today: date) -> date:
    """The day ``text`` names for a person whose today is ``today``.

    :raises DateError: as :func:`parse_date_spec`.
    """
    return parse_date_spec(text).resolve(today)
