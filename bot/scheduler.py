"""Background jobs: APScheduler 3's ``AsyncIOScheduler`` in the app's event loop.

Jobs are named one-line calls into the services (a coroutine function, or a function whose
result is awaited when awaitable; blocking work belongs in ``services.run``)::

    scheduler.add(every(COOP_POLL, 60, poster.poll, now=clock()))
    scheduler.add(cron("digest:T1:C1", post_digest, hour=9, day_of_week="mon-fri",
                       timezone="Europe/London"))
    scheduler.add_source("digests", stored_digest_jobs)  # a function returning JobSpecs
    scheduler.reload()                                   # after the stored schedules changed
    await scheduler.run_now(COOP_POLL)                   # now, in the app's loop
    scheduler.run_now_threadsafe(COOP_POLL)              # now, from another thread (tests)

Rules: one run of a job at a time (a scheduled run finding the job still running is skipped,
``run_now`` waits its turn); runs that were missed while the app was busy are coalesced into
one; a job that raises is logged and runs again next time. :meth:`Scheduler.stop` sets
:attr:`Scheduler.stopping` (long jobs check it between steps), waits ``grace`` seconds for the
running jobs, then cancels them.

Time is passed in: an interval job first fires ``interval`` after the ``now`` given to
:func:`every` (the app's injected clock; if that moment has passed, at the next step of the
interval); APScheduler then keeps time with the loop.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

#: Seconds :meth:`Scheduler.stop` waits for running jobs before cancelling them.
STOP_GRACE = 5.0
#: A run may start this late (the loop was busy) and still run.
MISFIRE_GRACE = 30

Job = Callable[[], Any]


class UnknownJob(KeyError):
    """No job has that name."""


@dataclass(frozen=True)
class JobSpec:
    """A job: its unique name, when it runs, and what it calls."""

    name: str
    trigger: BaseTrigger
    fn: Job


def every(name: str, seconds: float, fn: Job, *, now: datetime) -> JobSpec:
    """Every ``seconds``, the first run ``seconds`` after ``now``."""
    interval = timedelta(seconds=seconds)
    return JobSpec(name, IntervalTrigger(seconds=seconds, start_date=now + interval,
                                         timezone=UTC), fn)


def cron(name: str, fn: Job, *, timezone: str = "UTC", **fields: Any) -> JobSpec:
    """At the times ``fields`` name (APScheduler's ``CronTrigger``: ``hour``, ``minute``,
    ``day_of_week``, …) in ``timezone`` (IANA)."""
    return JobSpec(name, CronTrigger(timezone=timezone, **fields), fn)


class Scheduler:
    """The app's background jobs (see the module docstring)."""

    def __init__(self, *, grace: float = STOP_GRACE) -> None:
        self._grace = grace
        # Overlaps are refused in _run (quietly): APScheduler's own limit would log a warning
        # each time a long run (a Co-op catch-up) outlasts the interval.
        self._aps = AsyncIOScheduler(timezone=UTC, job_defaults={
            "coalesce": True, "max_instances": 3, "misfire_grace_time": MISFIRE_GRACE})
        self._jobs: dict[str, JobSpec] = {}
        self._sources: dict[str, Callable[[], Iterable[JobSpec]]] = {}
        self._by_source: dict[str, set[str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._running: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stopping = asyncio.Event()

    # -- jobs ---------------------------------------------------------------------------------

    def add(self, spec: JobSpec) -> None:
        """Add a job, or replace the one of the same name."""
        self._jobs[spec.name] = spec
        if self._aps.running:
            self._schedule(spec)

    def remove(self, name: str) -> bool:
        """Remove a job; whether there was one."""
        if self._jobs.pop(name, None) is None:
            return False
        if self._aps.running and self._aps.get_job(name) is not None:
            self._aps.remove_job(name)
        return True

    def add_source(self, name: str, source: Callable[[], Iterable[JobSpec]]) -> None:
        """Jobs built by ``source`` (from stored schedules, say), rebuilt by :meth:`reload`."""
        self._sources[name] = source
        self._load(name)

    def reload(self) -> None:
        """Rebuild every source's jobs: new ones added, changed ones replaced, gone ones
        removed."""
        for name in list(self._sources):
            self._load(name)

    def _load(self, source: str) -> None:
        specs = {spec.name: spec for spec in self._sources[source]()}
        for gone in self._by_source.get(source, set()) - set(specs):
            self.remove(gone)
        for spec in specs.values():
            self.add(spec)
        self._by_source[source] = set(specs)

    def names(self) -> list[str]:
        return sorted(self._jobs)

    @property
    def running(self) -> bool:
        """Whether started and not stopped."""
        return bool(self._aps.running)

    def next_run(self, name: str) -> datetime | None:
        """When the job runs next (None before :meth:`start`)."""
        job = self._aps.get_job(name) if self._aps.running else None
        return job.next_run_time if job is not None else None

    def _schedule(self, spec: JobSpec) -> None:
        self._aps.add_job(self._run, trigger=spec.trigger, args=[spec.name], id=spec.name,
                          name=spec.name, replace_existing=True)

    # -- running ------------------------------------------------------------------------------

    async def _run(self, name: str, *, now: bool = False) -> Any:
        spec = self._jobs.get(name)
        if spec is None:
            raise UnknownJob(name)
        lock = self._locks.setdefault(name, asyncio.Lock())
        if lock.locked() and not now:
            log.info("job %s is still running; this run is skipped", name)
            return None
        async with lock:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                result = spec.fn()
                return await result if inspect.isawaitable(result) else result
            except Exception:
                if now:
                    raise
                log.exception("job %s failed; it runs again next time", name)
                return None
            finally:
                if task is not None:
                    self._running.discard(task)

    async def run_now(self, name: str) -> Any:
        """Run the job now, after its current run if any; its result. Its errors are raised.

        :raises UnknownJob: no job has that name.
        """
        return await self._run(name, now=True)

    def run_now_threadsafe(self, name: str, timeout: float = 120.0) -> Any:
        """:meth:`run_now` from a thread other than the app's loop (a test, a console).

        :raises RuntimeError: the scheduler is not started, or this is the loop's thread.
        """
        loop = self._loop
        if loop is None or not self._aps.running:
            raise RuntimeError("the scheduler is not running")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("run_now_threadsafe from the loop's own thread: await run_now")
        return asyncio.run_coroutine_threadsafe(self.run_now(name), loop).result(timeout)

    # -- life ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start in the running event loop (the web app's lifespan)."""
        if self._aps.running:
            return
        self._loop = asyncio.get_running_loop()
        self.stopping.clear()
        self._aps.start()
        for spec in self._jobs.values():
            self._schedule(spec)

    async def stop(self) -> None:
        """Stop: no new runs; running jobs get ``grace`` seconds to finish, then are cancelled."""
        if not self._aps.running:
            return
        self.stopping.set()
        self._aps.pause()
        running = set(self._running)
        if running:
            _, late = await asyncio.wait(running, timeout=self._grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        self._aps.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down in the loop's next turn
        self._loop = None
