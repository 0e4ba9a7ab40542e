"""The pacer keeps an account under its throttle, on a fake clock, alone or shared by threads."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from bot.harvest.pacing import Pacer, PacerRegistry, Priority, account_key

from .fakes import FakeTime


def busiest_window(starts: Sequence[float], window: float) -> int:
    """The most starts in any half-open interval [t, t + window)."""
    ordered = sorted(starts)
    return max(sum(1 for other in ordered if start <= other < start + window) for start in ordered)


def test_300_calls_never_exceed_the_limit_in_any_window() -> None:
    fake = FakeTime()
    pacer = Pacer(100, 15.0, margin=5, clock=fake.clock, sleep=fake.sleep)
    starts = [pacer.acquire() for _ in range(300)]
    assert busiest_window(starts, 15.0) == 95
    # The first 95 go at once; the pacer waits only as long as the window demands.
    assert starts[:95] == [0.0] * 95 and starts[95] == 15.0
    assert starts[-1] == 45.0


def test_without_margin_the_full_limit_is_used() -> None:
    fake = FakeTime()
    pacer = Pacer(100, 15.0, margin=0, clock=fake.clock, sleep=fake.sleep)
    starts = [pacer.acquire() for _ in range(300)]
    assert busiest_window(starts, 15.0) == 100 and starts[-1] == 30.0


def test_calls_spread_over_time_do_not_wait() -> None:
    fake = FakeTime()
    pacer = Pacer(10, 1.0, margin=0, clock=fake.clock, sleep=fake.sleep)
    for _ in range(50):
        pacer.acquire()
        fake.now += 0.2
    assert fake.slept == []
    assert pacer.calls_in_window() == 5


def test_a_call_counts_from_when_it_finished_once_told() -> None:
    fake = FakeTime()
    pacer = Pacer(2, 10.0, margin=0, clock=fake.clock, sleep=fake.sleep)
    slow = pacer.acquire()
    pacer.acquire()
    fake.now = 4.0
    pacer.finished(slow)  # Harvest may have counted it as late as t=4
    assert pacer.acquire() == 10.0  # the other call's slot frees first
    assert pacer.acquire() == 14.0  # the slow one's, a window after its answer
    pacer.finished(-1.0)  # a start no longer in the window changes nothing
    assert pacer.calls_in_window() == 2


def test_retry_after_pauses_every_caller() -> None:
    fake = FakeTime()
    pacer = Pacer(100, 15.0, clock=fake.clock, sleep=fake.sleep)
    pacer.acquire()
    pacer.pause(12)
    assert pacer.acquire() == 12.0
    pacer.pause(3)
    pacer.pause(1)  # a shorter pause does not cut a longer one short
    assert pacer.acquire() == 15.0


def test_threads_sharing_one_pacer_stay_under_the_limit() -> None:
    fake = FakeTime()
    pacer = Pacer(100, 15.0, margin=5, clock=fake.clock, sleep=fake.sleep)
    starts: list[float] = []
    lock = threading.Lock()

    def worker(priority: Priority) -> None:
        for _ in range(50):
            start = pacer.acquire(priority)
            with lock:
                starts.append(start)

    threads = [
        threading.Thread(target=worker, args=("batch" if n % 2 else "interactive",))
        for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(starts) == 300
    assert busiest_window(starts, 15.0) <= 95


class GatedTime(FakeTime):
    """Sleeps block until the test opens the gate, then move the clock to their end."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.sleeping = threading.Semaphore(0)

    def sleep(self, seconds: float) -> None:
        until = self.clock() + seconds
        self.sleeping.release()
        assert self.gate.wait(10)
        with self._lock:
            self.now = max(self.now, until)


def test_interactive_callers_go_before_batch_callers_that_waited_longer() -> None:
    fake = GatedTime()
    pacer = Pacer(2, 10.0, margin=0, clock=fake.clock, sleep=fake.sleep)
    pacer.acquire()
    fake.now = 5.0
    pacer.acquire()  # the window is now full until t=10
    started: dict[str, float] = {}

    def call(priority: str) -> None:
        started[priority] = pacer.acquire(priority)  # type: ignore[arg-type]

    batch = threading.Thread(target=call, args=("batch",))
    batch.start()
    assert fake.sleeping.acquire(timeout=5)  # batch is waiting for the window
    interactive = threading.Thread(target=call, args=("interactive",))
    interactive.start()
    assert fake.sleeping.acquire(timeout=5)  # interactive jumped the queue and waits too
    fake.gate.set()
    batch.join(5)
    interactive.join(5)
    assert started == {"interactive": 10.0, "batch": 15.0}


def test_unknown_priorities_and_impossible_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="priority"):
        Pacer().acquire("urgent")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one call"):
        Pacer(5, margin=5)
    with pytest.raises(ValueError, match="window"):
        Pacer(window=0)


def test_every_client_of_an_account_gets_the_same_pacer() -> None:
    registry = PacerRegistry()
    acme = registry.for_account("https://acme.harvestapp.com")
    assert registry.for_account("https://ACME.harvestapp.com/") is acme
    assert registry.for_account("https://other.harvestapp.com") is not acme
    assert account_key("HTTP://127.0.0.1:8000/") == "http://127.0.0.1:8000"
