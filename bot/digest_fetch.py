"""Fetching a digest's data from Harvest, economically, as the owner's account may see it.

:class:`ReportSource` is the seam: it turns a :class:`Scope` and a date span into
:class:`~bot.digest_report.DigestData`. :class:`EntryReports` implements it on any
:class:`~bot.harvest.api.HarvestApi` (the v1 Reporting API; on v2 the same methods read
``/time_entries``), summing entries itself.

v2 and the Reports API (the choice): digests do not use :class:`~bot.harvest.api.TimeReports`.
Every digest needs the period's entries anyway (per-person and per-task lines, billable by task
assignment, running timers, "no time logged", the personal DM), and one entries call per
subject covers the comparison period too (one span), so totals from ``/v2/reports/time/*``
would add calls, not save them, and spend the Reports API's tighter budget (100 per 15
minutes) that a digest then never touches. A source on the Reports API (summing a subject's
rows across currencies) could wrap this one for totals-only digests, should one appear.

Economy, in order:

- names and ids (who am I, projects, people, tasks, clients, task assignments) come from
  :class:`DigestLookups`, a cache shared by every digest of an account for minutes, not per call;
- one report call covers the digest's period *and* the comparison period (one span), and
  expenses are asked only for the digest's period;
- per project or per person, whichever needs fewer calls for the scope (:func:`plan_calls`);
- the caller passes the owner's ``batch()`` client, so every call yields to interactive ones in
  the account's pacer and stays under Harvest's throttle;
- and digests take at most :data:`DIGEST_SHARE` of the account's 100 calls per 15 seconds
  (:data:`digest_shares`, one window per account shared by every digest; an account is its
  base URL, plus its ``Harvest-Account-Id`` on v2, whose one host serves every account): priority alone only
  orders callers that are waiting, so a digest bursting through the whole window would leave a
  click waiting up to 15 seconds for the oldest call to expire (``bench/digest_bench.py``
  measured 8.8 s before this share; under a second with it).

What the owner may see (v1 roles; Harvest has the last word with a 403):

- administrators: everyone and every project;
- project managers: the projects they manage (everyone's time on them), and themself;
- everyone else: only themself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol, TypeVar

from bot.digest_periods import Period
from bot.digest_report import DigestData, PersonInfo, ProjectInfo, Visibility
from bot.harvest.api import HarvestApi
from bot.harvest.cache import TtlCache
from bot.harvest.errors import Forbidden
from bot.harvest.models import Entry, Expense, Identity, Person, Project
from bot.harvest.pacing import Pacer, PacerRegistry

T = TypeVar("T")
ScopeKind = Literal["all", "projects", "clients", "people"]

#: Names and ids change rarely; a digest run for many channels should not re-read them.
LOOKUP_TTL = 600.0
#: Which tasks are billable on a project changes even more rarely.
ASSIGNMENT_TTL = 3600.0
#: Calls per 15 seconds all digests of one account may make together; the rest of Harvest's
#: 100 (less the pacer's margin) stays free for interactive calls.
DIGEST_SHARE = 60


def digest_share() -> Pacer:
    return Pacer(DIGEST_SHARE, 15.0, margin=0)


#: One digest window per account, for every digest of the process.
digest_shares = PacerRegistry(digest_share)


@dataclass(frozen=True)
class Scope:
    """What a digest covers: everything the owner may see, or some projects, clients or
    people (Harvest ids); ``names`` are what to show for them."""

    kind: ScopeKind = "all"
    ids: tuple[int, ...] = ()
    names: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "ids": list(self.ids), "names": list(self.names)}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Scope:
        return cls(value.get("kind", "all"), tuple(value.get("ids", ())),
                   tuple(value.get("names", ())))


@dataclass(frozen=True)
class CallPlan:
    """Report calls to make: per ``project`` or per ``person``, for these ids."""

    axis: Literal["project", "person"]
    ids: tuple[int, ...]

    @property
    def calls(self) -> int:
        return len(self.ids)


def plan_calls(project_ids: Sequence[int], person_ids: Sequence[int] | None) -> CallPlan:
    """Per project or per person, whichever is fewer calls (projects on a tie: they also carry
    the billable rule). ``person_ids`` None: per-person reports are not allowed."""
    projects = tuple(dict.fromkeys(project_ids))
    if person_ids is None:
        return CallPlan("project", projects)
    people = tuple(dict.fromkeys(person_ids))
    if len(people) < len(projects):
        return CallPlan("person", people)
    return CallPlan("project", projects)


class ReportSource(Protocol):
    """Where a digest's data comes from (v1 entry reports today; v2 Reports API later)."""

    def digest_data(self, scope: Scope, span: Period, expenses_for: Period) -> DigestData:
        """Entries of ``span`` and expenses of ``expenses_for``, within ``scope`` and what the
        account may see, with the names to show them.

        :raises HarvestError: as the client raises them (``AuthError``, ``Unavailable``, …).
        """
        ...


class DigestLookups:
    """Names and ids per account and person, kept for minutes and shared by every digest.

    What Harvest shows depends on the person, so entries are keyed by ``owner`` (the account's
    base URL and the person's Harvest id) as well as by what they are.
    """

    def __init__(self, *, ttl: float = LOOKUP_TTL, assignment_ttl: float = ASSIGNMENT_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._short = TtlCache(ttl, clock=clock)
        self._long = TtlCache(assignment_ttl, clock=clock)

    def get(self, owner: Hashable, what: Hashable, load: Callable[[], T]) -> T:
        return self._short.get_or_load((what, owner), load)

    def get_long(self, owner: Hashable, what: Hashable, load: Callable[[], T]) -> T:
        return self._long.get_or_load((what, owner), load)


@dataclass
class _Counter:
    """Counts the calls made, each after taking a slot of the digests' share."""

    share: Pacer | None = None
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, load: Callable[[], T]) -> Callable[[], T]:
        def counted() -> T:
            if self.share is not None:
                self.share.acquire("batch")
            with self.lock:
                self.calls += 1
            return load()

        return counted


class EntryReports:
    """:class:`ReportSource` over entry reports (``project_entries`` / ``person_entries``).

    :param api: the owner's client, ideally its ``batch()`` one.
    :param owner: the cache key of the owner, e.g. ``(base_url, harvest_user_id)``.
    :param share: the account's digest window (:data:`digest_shares`); None: no cap.
    """

    def __init__(self, api: HarvestApi, lookups: DigestLookups, owner: Hashable, *,
                 share: Pacer | None = None) -> None:
        self._api = api
        self._lookups = lookups
        self._owner = owner
        self._count = _Counter(share)

    @property
    def calls(self) -> int:
        """Harvest calls this source made (cache hits are not calls)."""
        return self._count.calls

    def _cached(self, what: Hashable, load: Callable[[], T], *, long: bool = False) -> T:
        get = self._lookups.get_long if long else self._lookups.get
        return get(self._owner, what, self._count(load))

    def _call(self, load: Callable[[], T]) -> T:
        return self._count(load)()

    # -- who may see what -----------------------------------------------------------------

    def identity(self) -> Identity:
        return self._cached("identity", self._api.who_am_i)

    def visibility(self) -> Visibility:
        user = self.identity().user
        if user.is_admin:
            return "all"
        return "projects" if user.is_project_manager else "self"

    def visible_projects(self) -> tuple[ProjectInfo, ...]:
        """The projects the owner may report on (with client names), for scopes and names."""
        if self.visibility() == "self":
            day = self._cached("day", lambda: self._api.day())
            return tuple(ProjectInfo(p.id, p.name, p.client_id, p.client_name, True)
                         for p in day.projects)
        clients = {c.id: c.name for c in self._cached("clients", self._api.clients)}
        return tuple(_project_info(p, clients) for p in self._projects() if p.active)

    def visible_people(self) -> tuple[Person, ...]:
        """Everyone for administrators; only the owner otherwise (v1 lists people to admins)."""
        if self.visibility() == "all":
            return tuple(p for p in self._cached("people", self._api.people) if p.is_active)
        return (self.identity().user,)

    def _projects(self) -> tuple[Project, ...]:
        return self._cached("projects", self._api.projects)

    # -- the digest -------------------------------------------------------------------------

    def digest_data(self, scope: Scope, span: Period, expenses_for: Period) -> DigestData:
        visibility = self.visibility()
        me = self.identity().user
        projects = {p.id: p for p in self.visible_projects()}
        people = {p.id: PersonInfo(p.id, p.name, p.email) for p in self.visible_people()}
        project_ids = _scoped_projects(scope, projects.values())
        if visibility == "self":
            plan = CallPlan("person", (me.id,))
            wanted_people: set[int] | None = {me.id}
        else:
            wanted_people = set(scope.ids) if scope.kind == "people" else None
            person_ids: Sequence[int] | None = None
            if visibility == "all":
                person_ids = list(wanted_people) if wanted_people is not None else list(people)
            elif wanted_people is not None and wanted_people <= {me.id}:
                person_ids = [me.id]  # a manager may ask for their own time anywhere
            if scope.kind != "people" or visibility != "all":
                plan = plan_calls(project_ids, person_ids)
            else:
                plan = plan_calls(list(projects), person_ids)
        entries, expenses = self._fetch(plan, span, expenses_for)
        keep_projects = set(project_ids) if scope.kind in ("projects", "clients") else None
        entries = _filter(entries, keep_projects, wanted_people)
        expenses = _filter(expenses, keep_projects, wanted_people)
        return DigestData(
            entries=entries,
            expenses=expenses,
            people=people,
            projects=projects,
            tasks=self._task_names(),
            task_defaults=self._task_defaults(),
            task_billable=self._task_billable(entries, projects),
            roster=_roster(scope, visibility, me.id, people, entries),
            visibility=visibility,
        )

    def _fetch(self, plan: CallPlan, span: Period,
               expenses_for: Period) -> tuple[tuple[Entry, ...], tuple[Expense, ...]]:
        entries: list[Entry] = []
        expenses: list[Expense] = []
        for subject in plan.ids:
            if plan.axis == "project":
                entries += self._call(lambda s=subject: self._api.project_entries(  # type: ignore[misc]
                    s, span.start, span.end))
                expenses += self._call(lambda s=subject: self._api.project_expenses(  # type: ignore[misc]
                    s, expenses_for.start, expenses_for.end))
            else:
                entries += self._call(lambda s=subject: self._api.person_entries(  # type: ignore[misc]
                    s, span.start, span.end))
                expenses += self._call(lambda s=subject: self._api.person_expenses(  # type: ignore[misc]
                    s, expenses_for.start, expenses_for.end))
        return tuple(entries), tuple(expenses)

    def _task_names(self) -> dict[int, str]:
        if self.visibility() == "self":
            day = self._cached("day", lambda: self._api.day())
            return {t.id: t.name for p in day.projects for t in p.tasks}
        return {t.id: t.name for t in self._cached("tasks", self._api.tasks)}

    def _task_defaults(self) -> dict[int, bool]:
        if self.visibility() == "self":
            return {}
        return {t.id: t.billable for t in self._cached("tasks", self._api.tasks)}

    def _task_billable(self, entries: Iterable[Entry],
                       projects: dict[int, ProjectInfo]) -> dict[tuple[int, int], bool]:
        if self.visibility() == "self":
            day = self._cached("day", lambda: self._api.day())
            return {(p.id, t.id): t.billable for p in day.projects for t in p.tasks}
        # Only billable projects with time need their assignments: the others bill nothing.
        wanted = sorted({e.project_id for e in entries
                         if e.project_id in projects and projects[e.project_id].billable})
        found: dict[tuple[int, int], bool] = {}
        for project_id in wanted:
            try:
                assignments = self._cached(("assignments", project_id),
                                           lambda p=project_id: self._api.task_assignments(p),  # type: ignore[misc]
                                           long=True)
            except Forbidden:
                continue  # the task's default decides
            found.update({(a.project_id, a.task_id): a.billable for a in assignments})
        return found


def _project_info(project: Project, clients: dict[int, str]) -> ProjectInfo:
    client = project.client_name or (clients.get(project.client_id)
                                     if project.client_id is not None else None)
    return ProjectInfo(project.id, project.name, project.client_id, client, project.billable)


def _scoped_projects(scope: Scope, projects: Iterable[ProjectInfo]) -> list[int]:
    visible = list(projects)
    if scope.kind == "projects":
        allowed = {p.id for p in visible}
        return [pid for pid in scope.ids if pid in allowed]
    if scope.kind == "clients":
        return [p.id for p in visible if p.client_id in scope.ids]
    return [p.id for p in visible]


E = TypeVar("E", Entry, Expense)


def _filter(items: Iterable[E], projects: set[int] | None,
            people: set[int] | None) -> tuple[E, ...]:
    seen: set[int] = set()
    kept = []
    for item in items:
        if item.id in seen:
            continue
        seen.add(item.id)
        if projects is not None and item.project_id not in projects:
            continue
        if people is not None and item.user_id not in people:
            continue
        kept.append(item)
    return tuple(kept)


def _roster(scope: Scope, visibility: Visibility, me: int, people: dict[int, PersonInfo],
            entries: Sequence[Entry]) -> tuple[int, ...]:
    """Who is expected to log time: the people named, or everyone (administrators), or the
    owner (others); for a project or client scope, whoever logged time to it in the span
    (its regulars: v1 does not list a project's people to the digest)."""
    if visibility == "self":
        return (me,)
    if scope.kind == "people":
        return tuple(scope.ids)
    if scope.kind in ("projects", "clients") or visibility == "projects":
        return tuple(dict.fromkeys(e.user_id for e in entries))
    return tuple(people)


def span_of(*periods: Period) -> Period:
    """The one span covering ``periods`` (a report call asks for it once)."""
    start: date = min(p.start for p in periods)
    end: date = max(p.end for p in periods)
    return Period(start, end)
