"""Lenient readers for the scalar values Harvest v1 and Co-op sent, and writers for requests.

Real v1 servers sent numbers as strings, booleans as "true", empty elements for "no value",
and at least four timestamp spellings. Each reader accepts all of them and raises
``ValueError`` (with the offending value) for anything else; the codec turns that into
``Unavailable``. Timestamps always come back aware, in UTC.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime

_BLANK = (None, "")
_CLOCK_HOURS = re.compile(r"^\s*(\d+):([0-5]\d)\s*$")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%a, %d %b %Y",  # Wed, 25 Nov 2026
    "%a, %b %d %Y",  # Sun, Jan 24 2015
    "%d %b %Y",
)
_DATETIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S %z",  # Co-op JSON: 2008/11/19 20:19:45 +0000
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S",
)


def is_blank(value: object) -> bool:
    """No value: absent, null, or an empty element."""
    return value in _BLANK or (isinstance(value, str) and not value.strip())


def to_int(value: object) -> int:
    """``5``, ``"5"``, ``" 5 "`` (``5.0`` too, as JSON encoders sometimes send ids)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        if re.fullmatch(r"[+-]?\d+\.0*", text):
            return int(float(text))
    raise ValueError(f"not an integer: {value!r}")


def to_float(value: object) -> float:
    """``3``, ``"3.00"``, ``0.3``, or clock-style hours ``"1:30"`` (1.5)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        match = _CLOCK_HOURS.match(text)
        if match:
            return int(match.group(1)) + int(match.group(2)) / 60
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    raise ValueError(f"not a number: {value!r}")


def to_bool(value: object) -> bool:
    """``true``/``"true"``/``"1"``/``1`` and their opposites."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1", "yes", "t"):
            return True
        if text in ("false", "0", "no", "f"):
            return False
    raise ValueError(f"not a boolean: {value!r}")


def to_date(value: object) -> date:
    """``2016-01-24``, ``2016-1-24``, ``2008/11/19``, ``20160124``, ``Sun, Jan 24 2015``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise ValueError(f"not a date: {value!r}")


def to_datetime(value: object) -> datetime:
    """ISO 8601, RFC 2822 and Co-op's ``2008/11/19 20:19:45 +0000``, as aware UTC.

    A timestamp without an offset (or RFC 2822's "-0000", "offset unknown") is taken as UTC,
    which is what Harvest stores.
    """
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return _utc(datetime.fromisoformat(text))
        except ValueError:
            pass
        for fmt in _DATETIME_FORMATS:
            try:
                return _utc(datetime.strptime(text, fmt))
            except ValueError:
                continue
        if "," in text or re.search(r"[A-Za-z]{3} \d{4}", text):
            try:
                return _utc(parsedate_to_datetime(text))
            except (TypeError, ValueError, IndexError):
                pass
    raise ValueError(f"not a timestamp: {value!r}")


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# --- writers ---------------------------------------------------------------------------------


def format_day(day: date) -> str:
    """ISO form, which every v1 endpoint accepts for ``spent_at``."""
    return day.isoformat()


def format_report_day(day: date) -> str:
    """The ``from``/``to`` form of the reporting API: YYYYMMDD."""
    return day.strftime("%Y%m%d")


def format_clock(moment: time) -> str:
    """``8:00am``, the form the time-tracking document posts for timestamp timers."""
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}:{moment.minute:02d}{suffix}"


def format_decimal(value: float) -> str:
    """A decimal without float noise: 1.5 -> "1.5", 3.0 -> "3"."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"
