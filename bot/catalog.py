"""The projects and tasks each person may track to, kept here so autocomplete never waits on Harvest.

Slack gives an ``options`` request three seconds while the person types: the answers come from
this catalog, never from a live Harvest call. It is filled whenever the person's own timesheet
is read (``Offers`` calls :meth:`Catalog.remember` after every fresh ``day()``) and refreshed
when the "Log time" modal opens. Memory only: after a restart the first modal fills it again.

The search functions are pure: offered projects and a query in, ranked projects or pairs out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from bot.accounts import Acting
from bot.harvest.errors import Throttled, Unavailable
from bot.harvest.models import Project
from bot.parsing.matching import Candidate, match
from bot.work import Pair, pair

#: Slack shows at most 100 options in an external_select.
MAX_OPTIONS = 100


class Freshness(StrEnum):
    """What a :meth:`Catalog.refresh` achieved."""

    FRESH = "fresh"  # Harvest answered
    KEPT = "kept"  # Harvest is away: what was remembered stands
    UNKNOWN = "unknown"  # Harvest is away and nothing is remembered


@dataclass(frozen=True)
class Known:
    """A person's offered projects (active, with their active tasks) and when Harvest said so."""

    projects: tuple[Project, ...]
    at: datetime


class Catalog:
    """Each Slack person's offered projects, in memory, safe across threads."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._known: dict[tuple[str, str], Known] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def remember(self, acting: Acting, projects: Sequence[Project]) -> None:
        """Keep what Harvest offers the person; someone else's projects (``for @user``) are not."""
        if acting.of_user is not None:
            return
        offered = tuple(_trackable(projects))
        with self._lock:
            self._known[(acting.account.team_id, acting.account.user_id)] = Known(
                offered, self._clock()
            )

    def known(self, team_id: str, user_id: str) -> Known | None:
        """What is remembered for the person, or None before their first Harvest read."""
        with self._lock:
            return self._known.get((team_id, user_id))

    def projects(self, team_id: str, user_id: str) -> tuple[Project, ...] | None:
        known = self.known(team_id, user_id)
        return None if known is None else known.projects

    def forget(self, team_id: str, user_id: str) -> None:
        with self._lock:
            self._known.pop((team_id, user_id), None)

    def refresh(self, acting: Acting, read: Callable[[Acting], Sequence[Project]]) -> Freshness:
        """Ask Harvest again through ``read``; when Harvest is away, keep what is remembered.

        :raises HarvestError: Harvest refused (credentials, permissions); not for being away.
        """
        try:
            projects = read(acting)
        except (Unavailable, Throttled):
            known = self.known(acting.account.team_id, acting.account.user_id)
            return Freshness.UNKNOWN if known is None else Freshness.KEPT
        self.remember(acting, projects)
        return Freshness.FRESH


def _trackable(projects: Sequence[Project]) -> list[Project]:
    kept = []
    for project in projects:
        tasks = tuple(t for t in project.tasks if t.is_active)
        if project.active and tasks:
            kept.append(replace(project, tasks=tasks))
    return kept


def _by_name(project: Project) -> tuple[str, str]:
    return ((project.client_name or "").casefold(), project.name.casefold())


def find_projects(
    projects: Sequence[Project], query: str, limit: int = MAX_OPTIONS
) -> tuple[Project, ...]:
    """The projects matching ``query`` best first (all, by client and name, when it is empty)."""
    if not query.strip():
        return tuple(sorted(projects, key=_by_name))[:limit]
    found = match(query, [Candidate(p, p.name, p.client_name or "", p.code) for p in projects])
    return tuple(s.candidate.value for s in found.ranked)[:limit]


def project_named(projects: Sequence[Project], project_id: int) -> Project | None:
    return next((p for p in projects if p.id == project_id), None)


def find_tasks(
    projects: Sequence[Project], project_id: int | None, query: str, limit: int = MAX_OPTIONS
) -> tuple[Pair, ...]:
    """The tasks of ``project_id`` (of every project when None) matching ``query``, best first.

    Nothing when ``project_id`` is no longer offered: its tasks cannot take time either.
    """
    chosen = project_named(projects, project_id) if project_id is not None else None
    if project_id is not None and chosen is None:
        return ()
    scope = [chosen] if chosen is not None else sorted(projects, key=_by_name)
    pairs = [pair(p, t) for p in scope for t in p.tasks]
    if not query.strip():
        return tuple(pairs)[:limit]
    # A task is found by its own name, or (with no project chosen) by its project's too.
    candidates = [
        Candidate(found, found.task_name, "" if chosen else f"{found.client_name or ''} {found.project_name}")
        for found in pairs
    ]
    return tuple(s.candidate.value for s in match(query, candidates).ranked)[:limit]
