"""Timers: start (forgiving matching, or a choice to pick from), stop, resume, note.

No Slack and no SQL here: the service takes an :class:`~bot.accounts.Acting` (whose timesheet,
through which client, what day it is for them) and returns values for ``bot.blocks`` to render.

::

    TimerError
    ├── NoRunningTimer     stop / note with no timer running
    └── NothingToResume    resume with no earlier entry
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.accounts import Acting
from bot.harvest.models import Entry
from bot.offers import Offers
from bot.outbox import Pending, Writes
from bot.parsing.commands import WorkText
from bot.work import Choice, Pair, Resolved, find_pair, pair, resolve

RECENT_DAYS = 14
RECENT_PAIRS = 10


class TimerError(Exception):
    """The timer could not do that."""


class NoRunningTimer(TimerError):
    """No timer is running right now. Start one with `/harvest start`."""


class NothingToResume(TimerError):
    """There is no earlier entry to resume. Start a timer with `/harvest start`."""


@dataclass(frozen=True)
class Started:
    """A timer started (``entry``) or kept for later (``pending``, Harvest was away)."""

    pair: Pair
    notes: str
    entry: Entry | None = None
    pending: Pending | None = None


class Timers:
    """The timer rules, over Harvest's daily timesheet."""

    def __init__(self, offers: Offers, writes: Writes) -> None:
        self._offers = offers
        self._writes = writes

    def start(self, acting: Acting, work: WorkText, *, key: str | None = None) -> Started | Choice:
        """Start a timer for ``work``, or say what to pick (recent pairs when ``work`` is empty).

        :raises HarvestError: Harvest refused, or is away with nothing remembered to match.
        """
        if work.is_empty:
            recent = self.recent(acting)
            if recent:
                return Choice("Pick up where you left off:", recent, "")
        found = resolve(work, self._offers.projects(acting))
        if isinstance(found, Choice):
            return found
        return self._start(acting, found, key)

    def start_pair(
        self, acting: Acting, project_id: int, task_id: int, notes: str = "", *, key: str | None = None
    ) -> Started:
        """Start a timer on a picked project and task.

        :raises HarvestError: Harvest refused (e.g. the project was archived meanwhile).
        """
        chosen = find_pair(self._offers.projects(acting), project_id, task_id)
        return self._start(acting, Resolved(chosen, notes), key)

    def _start(self, acting: Acting, found: Resolved, key: str | None) -> Started:
        outcome = self._writes.add_entry(
            acting,
            project_id=found.pair.project_id,
            task_id=found.pair.task_id,
            spent_at=acting.today,
            hours=None,
            notes=found.notes,
            description=f"a timer on {found.pair.label}",
            key=key,
        )
        if isinstance(outcome, Pending):
            return Started(found.pair, found.notes, pending=outcome)
        return Started(found.pair, found.notes, entry=outcome)

    def stop(self, acting: Acting) -> Entry:
        """Stop the running timer.

        :raises NoRunningTimer: none is running today.
        """
        running = self.running(acting)
        if running is None:
            raise NoRunningTimer(NoRunningTimer.__doc__)
        return acting.api.toggle_timer(running.id, of_user=acting.of_user).entry

    def running(self, acting: Acting) -> Entry | None:
        """Today's running timer, if any."""
        return next((e for e in self._offers.day(acting).entries if e.is_running), None)

    def resume(self, acting: Acting) -> Entry:
        """Restart the last entry's timer (a new timer on its project and task if not today's).

        :raises NothingToResume: no entry in the last two weeks.
        """
        today = self._offers.day(acting)
        if today.entries:
            last = max(today.entries, key=_recency)
            if last.is_running:
                return last
            return acting.api.toggle_timer(last.id, of_user=acting.of_user).entry
        earlier = self._history(acting)
        if not earlier:
            raise NothingToResume(NothingToResume.__doc__)
        last = max(earlier, key=_recency)
        return acting.api.start_timer(
            last.project_id, last.task_id, notes=last.notes, spent_at=acting.today,
            of_user=acting.of_user,
        )

    def note(self, acting: Acting, text: str) -> Entry:
        """Set the notes of the running timer.

        :raises NoRunningTimer: none is running today.
        """
        running = self.running(acting)
        if running is None:
            raise NoRunningTimer(NoRunningTimer.__doc__)
        return acting.api.update_entry(running.id, notes=text, of_user=acting.of_user)

    def recent(self, acting: Acting) -> tuple[Pair, ...]:
        """Project/task pairs of the last two weeks, most recent first, still offered."""
        offered = {(p.id, t.id): pair(p, t) for p in self._offers.projects(acting) for t in p.tasks}
        seen: dict[tuple[int, int], Pair] = {}
        for entry in sorted(self._history(acting), key=_recency, reverse=True):
            key = (entry.project_id, entry.task_id)
            if key in offered and key not in seen:
                seen[key] = offered[key]
        return tuple(seen.values())[:RECENT_PAIRS]

    def _history(self, acting: Acting) -> tuple[Entry, ...]:
        start = acting.today - timedelta(days=RECENT_DAYS)
        return acting.api.person_entries(acting.harvest_user_id, start, acting.today)


def _recency(entry: Entry) -> tuple[date, float, int]:
    stamp = entry.updated_at or entry.created_at
    return (entry.spent_at, stamp.timestamp() if stamp else 0.0, entry.id)
