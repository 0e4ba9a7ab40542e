"""Client-side pacing: keep each Harvest account under its throttle before the server has to.

Harvest blocks an account that makes more than 100 calls in 15 seconds, and every call made
while blocked extends the block. So every client of one account shares one ``Pacer`` (see
``PacerRegistry``), which lets at most ``max_calls - margin`` calls start in any ``window``
seconds, and stops them all when the server still answers with a ``Retry-After``.

Harvest counts a call when it arrives, somewhere between our start and the answer; so a caller
that says when its call ``finished`` has the call counted from then instead. Counting from the
start alone let a burst at the window's edge overlap calls that Harvest still counted (they had
arrived late), and draw 429/503s that had to be waited out.

Waiters are served in order of priority ("interactive" before "batch"), then arrival, so a
person pressing a button is not stuck behind a digest fetching a month of entries.

Harvest v2 gives an account two budgets: 100 calls per 15 seconds in general, and a separate
100 per 15 minutes for the Reports API (``/reports/*``). Each is a ``Pacer`` of its own (a
``bucket`` of the registry), so a digest waiting minutes for report slots never holds up a
general call. v2 accounts share one host, so the registry keys them by account id too.
Time is read from an injected ``clock`` and waited with an injected ``sleep``: tests drive a
fake clock and never sleep for real.
"""

from __future__ import annotations

import bisect
import itertools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

Priority = Literal["interactive", "batch"]
_RANK: dict[str, int] = {"interactive": 0, "batch": 1}

#: Which of an account's budgets a call spends: v2's Reports API has its own.
Bucket = Literal["general", "reports"]

#: Harvest v2's Reports API budget: 100 calls per 15 minutes, per account.
REPORTS_MAX_CALLS = 100
REPORTS_WINDOW = 15 * 60.0

#: How long a waiter that is not first in line waits to be woken before looking again; a
#: safety net only, since the first waiter wakes the next one when it leaves.
_NUDGE_SECONDS = 0.05


class Pacer:
    """A thread-safe sliding-window limiter for one Harvest account."""

    def __init__(
        self,
        max_calls: int = 100,
        window: float = 15.0,
        *,
        margin: int = 5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls - margin < 1:
            raise ValueError("max_calls - margin must allow at least one call")
        if window <= 0:
            raise ValueError("window must be positive")
        self.max_calls = max_calls
        self.limit = max_calls - margin
        self.window = window
        self._clock = clock
        self._sleep = sleep
        #: When each call in the window started (or, once told, finished): kept sorted.
        self._starts: list[float] = []
        self._paused_until = 0.0
        self._queue: list[tuple[int, int]] = []
        self._tickets = itertools.count()
        self._cond = threading.Condition()

    def acquire(self, priority: Priority = "interactive") -> float:
        """Wait until a call may start, record it, and return when it started (on ``clock``)."""
        if priority not in _RANK:
            raise ValueError(f"unknown priority {priority!r}")
        ticket = (_RANK[priority], next(self._tickets))
        with self._cond:
            self._queue.append(ticket)
            self._queue.sort()
            try:
                while True:
                    now = self._clock()
                    delay = self._delay(now)
                    if self._queue[0] != ticket:
                        self._cond.wait(_NUDGE_SECONDS)
                    elif delay <= 0:
                        bisect.insort(self._starts, now)
                        return now
                    else:
                        # Sleep outside the lock so others can queue up (or pause us).
                        self._cond.release()
                        try:
                            self._sleep(delay)
                        finally:
                            self._cond.acquire()
            finally:
                self._queue.remove(ticket)
                self._cond.notify_all()

    def finished(self, started: float) -> None:
        """The call that ``acquire`` started at ``started`` has its answer (or failed): count
        it from now, the latest Harvest can have counted it from."""
        with self._cond:
            at = bisect.bisect_left(self._starts, started)
            if at < len(self._starts) and self._starts[at] == started:
                del self._starts[at]
                bisect.insort(self._starts, max(started, self._clock()))
            # else: already out of the window, so the answer came a window later; nothing held.

    def pause(self, seconds: float) -> None:
        """Start no call for ``seconds``: the server said so in a Retry-After."""
        with self._cond:
            self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))
            self._cond.notify_all()

    def paused_for(self) -> float:
        """Seconds left of a pause the server asked for (0 when none)."""
        with self._cond:
            return max(0.0, self._paused_until - self._clock())

    def calls_in_window(self) -> int:
        """How many calls started in the last ``window`` seconds."""
        with self._cond:
            self._prune(self._clock())
            return len(self._starts)

    def _delay(self, now: float) -> float:
        """Seconds until the next call may start (<= 0: now)."""
        self._prune(now)
        wait = self._paused_until - now
        if len(self._starts) >= self.limit:
            oldest_that_must_expire = self._starts[len(self._starts) - self.limit]
            wait = max(wait, oldest_that_must_expire + self.window - now)
        return wait

    def _prune(self, now: float) -> None:
        expired = bisect.bisect_right(self._starts, now - self.window)
        if expired:
            del self._starts[:expired]


def reports_pacer() -> Pacer:
    """A pacer for v2's Reports API budget (100 per 15 minutes)."""
    return Pacer(REPORTS_MAX_CALLS, REPORTS_WINDOW)


@dataclass(frozen=True, slots=True)
class Budgets:
    """One account's pacers: ``general`` for every call, ``reports`` for ``/reports/*`` (v2)."""

    general: Pacer
    reports: Pacer

    def pacer(self, bucket: Bucket) -> Pacer:
        return self.reports if bucket == "reports" else self.general


class PacerRegistry:
    """One ``Pacer`` per Harvest account and bucket, so every client of an account shares it.

    :param factory: makes the ``"general"`` pacers.
    :param budgets: factories for other buckets (default: ``"reports"``, 100 per 15 minutes).
    """

    def __init__(
        self,
        factory: Callable[[], Pacer] = Pacer,
        *,
        budgets: Mapping[str, Callable[[], Pacer]] | None = None,
    ) -> None:
        self._factories: dict[str, Callable[[], Pacer]] = {
            "reports": reports_pacer,
            **(budgets or {}),
            "general": factory,
        }
        self._pacers: dict[tuple[str, str, str], Pacer] = {}
        self._lock = threading.Lock()

    def for_account(
        self,
        base_url: str,
        *,
        bucket: Bucket = "general",
        account_id: int | str | None = None,
    ) -> Pacer:
        """The pacer of the account at ``base_url`` (created on first use).

        :param account_id: v2's ``Harvest-Account-Id``: one host serves every v2 account.
        """
        if bucket not in self._factories:
            raise ValueError(f"unknown bucket {bucket!r}")
        key = (account_key(base_url), "" if account_id is None else str(account_id), bucket)
        with self._lock:
            pacer = self._pacers.get(key)
            if pacer is None:
                pacer = self._pacers[key] = self._factories[bucket]()
            return pacer

    def budgets(self, base_url: str, account_id: int | str | None = None) -> Budgets:
        """Both pacers of an account."""
        return Budgets(
            general=self.for_account(base_url, account_id=account_id),
            reports=self.for_account(base_url, bucket="reports", account_id=account_id),
        )


def account_key(base_url: str) -> str:
    """``https://Acme.harvestapp.com/`` and ``https://acme.harvestapp.com`` are one account."""
    parts = urlsplit(base_url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


#: The process-wide registry clients use when no pacer is passed in.
shared_pacers = PacerRegistry()
