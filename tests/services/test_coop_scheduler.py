"""The scheduler the Co-op poll runs on (APScheduler in the loop), and Slack's channel pace."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.channel_pace import ChannelPace
from bot.scheduler import JobSpec, Scheduler, UnknownJob, cron, every

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_interval_jobs_fire_from_the_given_now_and_repeat() -> None:
    runs: list[float] = []

    async def scenario() -> datetime | None:
        scheduler = Scheduler()
        loop = asyncio.get_running_loop()
        scheduler.add(every("tick", 0.05, lambda: runs.append(loop.time()), now=datetime.now(UTC)))
        scheduler.start()
        first = scheduler.next_run("tick")
        await asyncio.sleep(0.4)
        await scheduler.stop()
        return first

    first = asyncio.run(scenario())
    assert first is not None and len(runs) >= 3


def test_the_first_run_is_an_interval_after_the_injected_now() -> None:
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)

    async def scenario() -> datetime | None:
        scheduler = Scheduler()
        scheduler.add(every("poll", 60, lambda: None, now=later))
        scheduler.start()
        try:
            return scheduler.next_run("poll")
        finally:
            await scheduler.stop()

    assert asyncio.run(scenario()) == later + timedelta(seconds=60)


def test_run_now_returns_the_result_and_raises_the_error() -> None:
    async def boom() -> None:
        raise ValueError("no")

    async def scenario() -> None:
        scheduler = Scheduler()
        scheduler.add(every("answer", 3600, lambda: 42, now=NOW))
        scheduler.add(every("boom", 3600, boom, now=NOW))
        scheduler.start()
        try:
            assert await scheduler.run_now("answer") == 42
            with pytest.raises(ValueError):
                await scheduler.run_now("boom")
            with pytest.raises(UnknownJob):
                await scheduler.run_now("nothing")
        finally:
            await scheduler.stop()

    asyncio.run(scenario())


def test_one_run_at_a_time_run_now_waits_its_turn() -> None:
    active: list[int] = []
    overlaps: list[int] = []

    async def slow() -> None:
        active.append(1)
        if len(active) > 1:
            overlaps.append(len(active))
        await asyncio.sleep(0.05)
        active.pop()

    async def scenario() -> None:
        scheduler = Scheduler()
        scheduler.add(every("slow", 0.01, slow, now=datetime.now(UTC)))
        scheduler.start()
        await asyncio.gather(*(scheduler.run_now("slow") for _ in range(3)))
        await asyncio.sleep(0.1)
        await scheduler.stop()

    asyncio.run(scenario())
    assert overlaps == []


def test_a_run_outlasting_its_interval_skips_quietly(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[int] = []

    async def long_poll() -> None:
        runs.append(1)
        await asyncio.sleep(0.3)

    async def scenario() -> None:
        scheduler = Scheduler()
        scheduler.add(every("poll", 0.05, long_poll, now=datetime.now(UTC)))
        scheduler.start()
        await asyncio.sleep(0.5)
        await scheduler.stop()

    asyncio.run(scenario())
    assert 1 <= len(runs) <= 2
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_a_failing_scheduled_job_is_logged_and_runs_again(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        raise RuntimeError("flaky")

    async def scenario() -> None:
        scheduler = Scheduler()
        scheduler.add(every("flaky", 0.03, flaky, now=datetime.now(UTC)))
        scheduler.start()
        await asyncio.sleep(0.2)
        await scheduler.stop()

    asyncio.run(scenario())
    assert len(calls) >= 2
    assert "job flaky failed" in caplog.text


def test_stop_lets_a_running_job_finish_then_cancels_what_outlives_the_grace() -> None:
    finished: list[str] = []

    async def scenario() -> None:
        scheduler = Scheduler(grace=0.2)

        async def polite() -> None:
            while not scheduler.stopping.is_set():
                await asyncio.sleep(0.01)
            finished.append("polite")

        async def stubborn() -> None:
            try:
                await asyncio.sleep(10)
            finally:
                finished.append("cancelled")

        scheduler.add(every("polite", 3600, polite, now=NOW))
        scheduler.add(every("stubborn", 3600, stubborn, now=NOW))
        scheduler.start()
        runs = [asyncio.ensure_future(scheduler.run_now(n)) for n in ("polite", "stubborn")]
        await asyncio.sleep(0.05)
        await scheduler.stop()
        await asyncio.gather(*runs, return_exceptions=True)

    asyncio.run(scenario())
    assert sorted(finished) == ["cancelled", "polite"]


def test_sources_are_rebuilt_on_reload() -> None:
    specs = [cron("digest:C1", lambda: None, hour=9), cron("digest:C2", lambda: None, hour=17)]

    async def scenario() -> list[str]:
        scheduler = Scheduler()
        scheduler.add(every("coop_poll", 60, lambda: None, now=NOW))
        scheduler.add_source("digests", lambda: list(specs))
        scheduler.start()
        assert scheduler.names() == ["coop_poll", "digest:C1", "digest:C2"]
        specs.pop(0)
        specs.append(JobSpec("digest:C3", specs[0].trigger, lambda: None))
        scheduler.reload()
        names = scheduler.names()
        assert scheduler.next_run("digest:C1") is None and scheduler.next_run("digest:C3")
        await scheduler.stop()
        return names

    assert asyncio.run(scenario()) == ["coop_poll", "digest:C2", "digest:C3"]


def test_run_now_threadsafe_from_another_thread() -> None:
    results: list[object] = []

    async def scenario() -> None:
        scheduler = Scheduler()
        scheduler.add(every("answer", 3600, lambda: "done", now=NOW))
        scheduler.start()
        with pytest.raises(RuntimeError):
            scheduler.run_now_threadsafe("answer")  # from the loop's own thread
        thread = threading.Thread(target=lambda: results.append(
            scheduler.run_now_threadsafe("answer", timeout=5)))
        thread.start()
        while thread.is_alive():
            await asyncio.sleep(0.01)
        await scheduler.stop()
        with pytest.raises(RuntimeError):
            scheduler.run_now_threadsafe("answer")

    asyncio.run(scenario())
    assert results == ["done"]


# -- the channel pace -------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_pace_spaces_one_channel_and_leaves_others_alone() -> None:
    time = FakeTime()
    pace = ChannelPace(1.0, clock=time.clock, sleep=time.sleep)
    taken: list[tuple[str, float]] = []

    async def post(channel: str) -> None:
        await pace.turn(channel)
        taken.append((channel, time.now))

    async def scenario() -> None:
        await asyncio.gather(post("C1"), post("C1"), post("C1"))
        await post("C2")

    asyncio.run(scenario())
    assert taken == [("C1", 100.0), ("C1", 101.0), ("C1", 102.0), ("C2", 102.0)]


def test_pace_waits_only_what_is_left_of_the_interval() -> None:
    time = FakeTime()
    pace = ChannelPace(1.0, clock=time.clock, sleep=time.sleep)

    async def scenario() -> None:
        await pace.turn("C1")
        time.now += 0.25
        await pace.turn("C1")
        time.now += 5
        await pace.turn("C1")

    asyncio.run(scenario())
    assert time.slept == [0.75]
