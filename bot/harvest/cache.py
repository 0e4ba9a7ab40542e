"""A short-lived cache for lookups that rarely change (projects, tasks, people, clients).

The overview asks clients to cache when possible, and the throttle makes it pay: rendering one
timesheet would otherwise fetch the same project list for every entry. Entries live ``ttl``
seconds on an injected clock; writes through the client invalidate what they change. A cache
belongs to one client (one person), because what Harvest shows depends on the person's role.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class TtlCache:
    """Values by key, each forgotten ``ttl`` seconds after it was loaded."""

    def __init__(self, ttl: float = 60.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._values: dict[tuple[Hashable, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get_or_load(self, key: tuple[Hashable, ...], load: Callable[[], T]) -> T:
        """The cached value for ``key``, or ``load()``'s (cached if it did not raise)."""
        now = self._clock()
        with self._lock:
            hit = self._values.get(key)
            if hit is not None and now - hit[0] < self.ttl:
                value: T = hit[1]
                return value
        # Loaded outside the lock: two threads may both load, which is cheaper than one
        # waiting on the other's network call.
        value = load()
        if self.ttl > 0:
            with self._lock:
                self._values[key] = (now, value)
        return value

    def invalidate(self, kind: Hashable | None = None) -> None:
        """Forget every value whose key starts with ``kind`` (everything if None)."""
        with self._lock:
            if kind is None:
                self._values.clear()
            else:
                for key in [k for k in self._values if k[0] == kind]:
                    del self._values[key]
