"""Reading how long someone worked: ``1.5``, ``1:30``, ``1h30``, ``1h 30m``, ``90m``, ``.25``.

The result is decimal hours, as Harvest stores them. Accepted forms:

- decimal hours, optionally with a unit: ``1.5``, ``.25``, ``1,5``, ``2h``, ``1.5 hours``
- clock: ``1:30``, ``0:05`` (minutes 00-59)
- units: ``1h30``, ``1h 30m``, ``2h15min``, ``90m``, ``45 mins`` (hours before minutes, each once)

Anything else, zero, negative, or more than 24 hours is a :class:`DurationError` whose message
says what was wrong and shows the forms above.
"""

from __future__ import annotations

import re

MAX_HOURS = 24
EXAMPLES = "`1.5`, `1:30`, `1h30`, `2h 15m` or `90m`"

_NUMBER = r"(?:\d+(?:[.,]\d*)?|[.,]\d+)"
_HOURS_UNIT = r"(?:h|hr|hrs|hour|hours)"
_MINUTES_UNIT = r"(?:m|min|mins|minute|minutes)"

# ASCII digits only: a stray full-width or Arabic-Indic digit is more likely a typo than intent.
_BARE = re.compile(_NUMBER, re.ASCII)
_DECIMAL = re.compile(rf"(?P<hours>{_NUMBER})\s*{_HOURS_UNIT}?", re.ASCII)
_CLOCK = re.compile(r"(?P<hours>\d+):(?P<minutes>[0-5]?\d)", re.ASCII)
_UNITS = re.compile(
    rf"(?:(?P<hours>{_NUMBER})\s*{_HOURS_UNIT})?\s*"
    rf"(?:(?P<minutes>{_NUMBER})\s*{_MINUTES_UNIT}?)?",
    re.ASCII,
)


class DurationError(ValueError):
    """The text is not a duration the bot can log."""

    def __init__(self, text: str, message: str) -> None:
        super().__init__(message)
        self.text = text
        self.message = message


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _read(text: str) -> float | None:
    """Hours for ``text`` in one of the accepted forms, or None; no range check here."""
    if match := _DECIMAL.fullmatch(text):
        return _number(match["hours"])
    if match := _CLOCK.fullmatch(text):
        return int(match["hours"]) + int(match["minutes"]) / 60
    match = _UNITS.fullmatch(text)
    if match and (match["hours"] or match["minutes"]):
        # A bare trailing number is minutes only after hours (``1h30``); ``30`` alone was decimal.
        hours = _number(match["hours"]) if match["hours"] else 0.0
        minutes = _number(match["minutes"]) if match["minutes"] else 0.0
        return hours + minutes / 60
    return None


def parse_duration(text: str) -> float:
    """Decimal hours for ``text`` (more than 0, at most 24).

    :raises DurationError: ``text`` is not a duration, or is out of range.
    """
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        raise DurationError(text, f"How long? Give a duration like {EXAMPLES}.")
    if cleaned.startswith("-"):
        raise DurationError(text, "A duration must be more than zero.")
    hours = _read(cleaned)
    if hours is None:
        raise DurationError(
            text, f"I couldn't read “{text.strip()}” as a duration. Try {EXAMPLES}."
        )
    if hours <= 0:
        raise DurationError(text, "A duration must be more than zero.")
    if hours > MAX_HOURS:
        hint = ""
        if _BARE.fullmatch(cleaned) and _number(cleaned) <= MAX_HOURS * 60:
            hint = f" Did you mean `{cleaned}m`?"
        raise DurationError(
            text,
            f"“{text.strip()}” is more than a day: one entry holds at most {MAX_HOURS} hours.{hint}",
        )
    return hours
