"""Fault injection: make chosen routes slow, fail, drop the connection or answer garbage.

Rules are switched at run time, from a test through :class:`Faults` or over HTTP through the
admin endpoint, so the same running emulator can play a healthy Harvest and a sick one.

``drop`` takes "before" (the request is not processed: the connection dies first) or "after"
(the request is processed and committed, then the answer is lost): the second is the case a
client must not blindly retry.
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from dataclasses import asdict, dataclass
from typing import Any

DROP_MODES = ("before", "after")


@dataclass
class FaultRule:
    id: int
    path: str = "*"  # glob on the request path, e.g. "/daily*" or "/coop/groups/*"
    method: str = "*"
    latency: float = 0.0  # seconds to wait before handling
    status: int | None = None  # answer this status instead of handling (e.g. 500, 502)
    drop: str | None = None  # "before" or "after"
    malformed: bool = False  # handle, then replace the body with garbage
    times: int | None = None  # apply to this many matching requests, then retire; None = always

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method.upper())) and fnmatch.fnmatchcase(path, self.path)


class Faults:
    """The active fault rules; the first matching rule applies to a request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, path: str = "*", method: str = "*", *, latency: float = 0.0,
            status: int | None = None, drop: str | None = None, malformed: bool = False,
            times: int | None = None) -> FaultRule:
        """Add a rule; raises ValueError for a rule that cannot be applied."""
        if drop is not None and drop not in DROP_MODES:
            raise ValueError(f"drop must be one of {DROP_MODES}")
        if status is not None and not 400 <= int(status) <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        if latency < 0 or latency > 120:
            raise ValueError("latency must be between 0 and 120 seconds")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        rule = FaultRule(next(self._ids), path, method.upper(), float(latency),
                         None if status is None else int(status), drop, bool(malformed), times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if rule.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def take(self, method: str, path: str) -> FaultRule | None:
        """The rule for this request, counting it against the rule's ``times``."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                    return rule
        return None
