"""What a linked person's App Home shows: today's entries (the running timer among them), the
week's total and the project/task pairs to start again with one click.

Two Harvest reads make it: the day (entries, running timer, offered projects; through
``Offers``, so the autocomplete catalog is refreshed too) and the person's entries of the last
two weeks (week total and recent pairs). No Slack here: ``bot.home_blocks`` renders it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.accounts import Acting
from bot.harvest.models import Entry, Project
from bot.offers import Offers
from bot.work import Pair, pair

RECENT_DAYS = 14
QUICK_STARTS = 5


@dataclass(frozen=True)
class Overview:
    """A person's day and week, as of ``as_of`` (their local time)."""

    today: date
    entries: tuple[Entry, ...]
    week_total: float
    recent: tuple[Pair, ...]
    as_of: datetime

    @property
    def running(self) -> Entry | None:
        return next((e for e in self.entries if e.is_running), None)

    @property
    def today_total(self) -> float:
        return round(sum(e.hours for e in self.entries), 2)

    @property
    def zone(self) -> ZoneInfo:
        zone = self.as_of.tzinfo
        return zone if isinstance(zone, ZoneInfo) else ZoneInfo("UTC")


class Home:
    """Reads a person's overview from Harvest."""

    def __init__(
        self, offers: Offers, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._offers = offers
        self._clock = clock

    def overview(self, acting: Acting) -> Overview:
        """Today's entries, this week's total (Monday to today) and the recent pairs.

        :raises HarvestError: Harvest refused or is away.
        """
        today = acting.today
        day = self._offers.day(acting, today)
        history = acting.api.person_entries(
            acting.harvest_user_id, today - timedelta(days=RECENT_DAYS), today
        )
        monday = today - timedelta(days=today.weekday())
        earlier = sum(e.hours for e in history if monday <= e.spent_at < today)
        return Overview(
            today=today,
            entries=day.entries,
            week_total=round(earlier + sum(e.hours for e in day.entries), 2),
            recent=recent_pairs([*history, *day.entries], day.projects, QUICK_STARTS),
            as_of=self._clock().astimezone(acting.zone),
        )


def recent_pairs(entries: Iterable[Entry], offered: Sequence[Project], limit: int) -> tuple[Pair, ...]:
    """The project/task pairs of ``entries``, most recent first, that are still offered."""
    open_pairs = {
        (p.id, t.id): pair(p, t) for p in offered if p.active for t in p.tasks if t.is_active
    }
    seen: dict[tuple[int, int], Pair] = {}
    for entry in sorted(entries, key=_recency, reverse=True):
        key = (entry.project_id, entry.task_id)
        if key in open_pairs and key not in seen:
            seen[key] = open_pairs[key]
    return tuple(seen.values())[:limit]


def _recency(entry: Entry) -> tuple[date, float, int]:
    stamp = entry.updated_at or entry.created_at
    return (entry.spent_at, stamp.timestamp() if stamp else 0.0, entry.id)
