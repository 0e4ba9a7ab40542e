"""The emulator's notion of now: real time by default, settable for tests (timers, throttle)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time in UTC that a test can freeze, set and advance."""

    def __init__(self, fixed: datetime | None = None):
        self._lock = threading.Lock()
        self._fixed = fixed
        self._offset = timedelta(0)

    def now(self) -> datetime:
        with self._lock:
            if self._fixed is not None:
                return self._fixed
            return datetime.now(UTC) + self._offset

    def monotonic(self) -> float:
        """Seconds for windows and lockouts; follows set/advance so tests can move the throttle."""
        return self.now().timestamp()

    def set(self, when: datetime) -> None:
        """Freeze the clock at ``when`` (aware; naive means UTC)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        with self._lock:
            self._fixed = when

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._fixed is not None:
                self._fixed += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)

    def unfreeze(self) -> None:
        with self._lock:
            self._fixed = None
            self._offset = timedelta(0)


def iso(when: datetime) -> str:
    """How the store keeps datetimes: ISO 8601 in UTC, sortable as text."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
