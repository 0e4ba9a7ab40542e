"""A digest that needs many report calls never draws a 429 and never starves interactive calls:
a fake Harvest that enforces both v2 budgets (on the test's clock) answers both clients."""

from __future__ import annotations

import threading
from collections import deque
from datetime import date

import httpx

from bot.harvest.pacing import REPORTS_WINDOW
from tests.client.fakes import FakeTime, ScriptedHarvest, json_reply
from tests.client.test_pacing import busiest_window

from .fakes import GatedTime, entry_record, make_client, page


class ThrottlingHarvest(ScriptedHarvest):
    """Answers 429 + Retry-After past 100 calls per 15 s, or 100 report calls per 15 minutes."""

    def __init__(self, time: FakeTime) -> None:
        super().__init__()
        self.time = time
        self.calls: dict[str, deque[float]] = {"general": deque(), "reports": deque()}
        self.log: list[tuple[float, str, int]] = []
        row = {"user_id": 1, "user_name": "Kim", "total_hours": 1.0, "billable_hours": 1.0}
        self.on("GET", "/v2/reports/time/team", json_reply(page("results", [row])))
        self.on("GET", "/v2/time_entries/1", json_reply(entry_record(1)))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        bucket = "reports" if request.url.path.startswith("/v2/reports/") else "general"
        limit, window = (100, REPORTS_WINDOW) if bucket == "reports" else (100, 15.0)
        now = self.time.clock()
        with self._lock:
            calls = self.calls[bucket]
            while calls and calls[0] <= now - window:
                calls.popleft()
            if len(calls) >= limit:
                self.log.append((now, bucket, 429))
                wait = calls[0] + window - now
                return json_reply({}, 429, **{"Retry-After": str(int(wait) + 1)})
            calls.append(now)
            self.log.append((now, bucket, 200))
        return super().__call__(request)


def test_a_150_report_digest_stays_under_both_budgets_while_a_person_clicks() -> None:
    time = GatedTime()
    harvest = ThrottlingHarvest(time)
    person = make_client(harvest, time=time)
    digest = person.batch()
    digest_done = threading.Event()

    def run_digest() -> None:
        for _ in range(150):
            digest.time_report("team", date(2026, 3, 1), date(2026, 3, 31))
        digest_done.set()

    worker = threading.Thread(target=run_digest)
    worker.start()
    assert time.sleeping.wait(5)  # the digest spent its report budget and waits for more

    clicks: list[float] = []
    clicker = threading.Thread(
        target=lambda: clicks.extend((person.entry(1), time.clock())[1] for _ in range(20))
    )
    clicker.start()
    clicker.join(5)
    assert not clicker.is_alive(), "interactive calls waited behind the digest"
    assert clicks == [0.0] * 20  # answered at once, while the digest still waits

    time.gate.set()
    worker.join(10)
    assert digest_done.is_set()
    statuses = [status for _, _, status in harvest.log]
    assert 429 not in statuses
    report_times = [t for t, bucket, _ in harvest.log if bucket == "reports"]
    assert len(report_times) == 150
    assert busiest_window(report_times, REPORTS_WINDOW) <= 100
    assert time.now >= REPORTS_WINDOW  # the last 55 waited for the window, not for a 429
