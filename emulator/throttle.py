"""Harvest's API throttle: more than 100 calls per 15 seconds per account gets 503 + Retry-After.

overview.txt: "blocks accounts emitting more than 100 calls per 15 seconds" and sends the seconds
until the throttle lifts in ``Retry-After``. Assumption (the document also says "the throttle is
reset with each call" and "will lift itself in a few minutes"): the window slides, refused calls
are not counted, and ``Retry-After`` is the whole seconds until the oldest counted call leaves
the window, so it is at most the window (15 s) and the throttle lifts when it says.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

from emulator.clock import Clock


@dataclass
class ThrottleStatus:
    count: int
    max_calls: int
    timeframe_limit: int
    lockout_seconds: int
    last_access_at: float | None


class Throttle:
    """A sliding window of accepted calls for the one account this emulator serves."""

    def __init__(self, clock: Clock, limit: int = 100, window: float = 15.0, enabled: bool = True):
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: deque[float] = deque()
        self._last: float | None = None
        self.limit = limit
        self.window = window
        self.enabled = enabled
        self.refused = 0  # calls answered 503/429 since the last configure, for tests and benches

    def configure(self, limit: int | None = None, window: float | None = None,
                  enabled: bool | None = None) -> None:
        with self._lock:
            if limit is not None:
                self.limit = limit
            if window is not None:
                self.window = window
            if enabled is not None:
                self.enabled = enabled
            self._calls.clear()
            self.refused = 0

    def _expire(self, now: float) -> None:
        while self._calls and self._calls[0] <= now - self.window:
            self._calls.popleft()

    def hit(self) -> int | None:
        """Count one call; return None if allowed, else the Retry-After seconds."""
        now = self._clock.monotonic()
        with self._lock:
            self._last = now
            if not self.enabled:
                return None
            self._expire(now)
            if len(self._calls) >= self.limit:
                self.refused += 1
                wait = self._calls[0] + self.window - now
                return max(1, min(math.ceil(wait), math.ceil(self.window)))
            self._calls.append(now)
            return None

    def status(self) -> ThrottleStatus:
        now = self._clock.monotonic()
        with self._lock:
            self._expire(now)
            lockout = 0
            if self.enabled and len(self._calls) >= self.limit:
                lockout = max(1, math.ceil(self._calls[0] + self.window - now))
            return ThrottleStatus(len(self._calls), self.limit, int(self.window), lockout, self._last)
