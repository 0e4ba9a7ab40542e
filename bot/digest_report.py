"""The digest's arithmetic: entries, expenses, people and projects in, totals out. Pure.

Hours are counted in integer hundredths of an hour ("centi-hours"): each entry is rounded to
the hundredth once (half up, as Harvest shows it), then only added, so every subtotal adds up
to the total exactly and nothing drifts by float error. Money is integer cents the same way.

An entry is billable when Harvest's rule says so: its project is billable and the task is
billable on that project (the project's task assignment; the task's default where the
assignment is not known).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from bot.digest_periods import Period
from bot.harvest.models import Entry, Expense

Visibility = Literal["all", "projects", "self"]
_HUNDREDTH = Decimal("0.01")


def centi(value: float) -> int:
    """``1.255`` hours (or money) as ``126`` hundredths, rounded half up from its decimal text."""
    return int(Decimal(repr(value)).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP) * 100)


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    id: int
    name: str
    client_id: int | None = None
    client_name: str | None = None
    billable: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} ({self.client_name})" if self.client_name else self.name


@dataclass(frozen=True, slots=True)
class PersonInfo:
    id: int
    name: str
    email: str | None = None


@dataclass(frozen=True)
class DigestData:
    """What was fetched for a digest, already limited to what the owner may see and the scope.

    ``entries`` may cover the comparison period too; ``roster`` is who is expected to log
    time (None when the owner's role cannot tell). ``task_billable`` is per (project, task).
    """

    entries: tuple[Entry, ...]
    expenses: tuple[Expense, ...] = ()
    people: Mapping[int, PersonInfo] = field(default_factory=dict)
    projects: Mapping[int, ProjectInfo] = field(default_factory=dict)
    tasks: Mapping[int, str] = field(default_factory=dict)
    task_defaults: Mapping[int, bool] = field(default_factory=dict)
    task_billable: Mapping[tuple[int, int], bool] = field(default_factory=dict)
    roster: tuple[int, ...] | None = None
    visibility: Visibility = "all"

    def person_name(self, user_id: int) -> str:
        person = self.people.get(user_id)
        return person.name if person else f"Person {user_id}"

    def project_label(self, entry_or_id: Entry | int) -> str:
        if isinstance(entry_or_id, Entry):
            project = self.projects.get(entry_or_id.project_id)
            if project is None:
                return entry_or_id.project_name or f"Project {entry_or_id.project_id}"
            return project.label
        project = self.projects.get(entry_or_id)
        return project.label if project else f"Project {entry_or_id}"

    def task_name(self, entry: Entry) -> str:
        return self.tasks.get(entry.task_id) or entry.task_name or f"Task {entry.task_id}"

    def is_billable(self, entry: Entry) -> bool:
        project = self.projects.get(entry.project_id)
        if project is None or not project.billable:
            return False
        known = self.task_billable.get((entry.project_id, entry.task_id))
        if known is not None:
            return known
        return self.task_defaults.get(entry.task_id, False)


@dataclass(frozen=True, slots=True)
class Line:
    """One person's, project's or task's hours (hundredths) in the period."""

    key: str
    name: str
    centi: int
    billable: int = 0


@dataclass(frozen=True, slots=True)
class Running:
    person: str
    project: str
    task: str
    centi: int


@dataclass(frozen=True)
class DigestReport:
    period: Period
    previous: Period | None
    total: int
    billable: int
    people: tuple[Line, ...]
    projects: tuple[Line, ...]
    tasks: tuple[Line, ...] | None
    expenses_cents: int
    expenses_count: int
    missing: tuple[PersonInfo, ...] | None
    running: tuple[Running, ...]
    previous_total: int | None
    entry_count: int
    visibility: Visibility = "all"

    @property
    def non_billable(self) -> int:
        return self.total - self.billable

    @property
    def is_empty(self) -> bool:
        """Nothing logged in the period: no entry and no expense."""
        return self.entry_count == 0 and self.expenses_count == 0

    @property
    def change(self) -> int | None:
        """Hundredths more (or fewer) than the previous period."""
        return None if self.previous_total is None else self.total - self.previous_total


def _lines(hours: Mapping[str, int], billable: Mapping[str, int],
           names: Mapping[str, str]) -> tuple[Line, ...]:
    lines = [Line(key, names[key], value, billable.get(key, 0)) for key, value in hours.items()]
    return tuple(sorted(lines, key=lambda line: (-line.centi, line.name.lower(), line.key)))


def _in(entries: Iterable[Entry], period: Period) -> list[Entry]:
    return [entry for entry in entries if period.start <= entry.spent_at <= period.end]


def compute(data: DigestData, period: Period, previous: Period | None = None, *,
            by_task: bool = False) -> DigestReport:
    """The digest of ``period`` (compared with ``previous``) from ``data``."""
    current = _in(data.entries, period)
    total = billable_total = 0
    people: dict[str, int] = defaultdict(int)
    people_billable: dict[str, int] = defaultdict(int)
    projects: dict[str, int] = defaultdict(int)
    projects_billable: dict[str, int] = defaultdict(int)
    tasks: dict[str, int] = defaultdict(int)
    tasks_billable: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    running: list[Running] = []
    for entry in current:
        hours = centi(entry.hours)
        billable = hours if data.is_billable(entry) else 0
        total += hours
        billable_total += billable
        person_key, project_key = f"u{entry.user_id}", f"p{entry.project_id}"
        task_key = f"p{entry.project_id}t{entry.task_id}"
        names[person_key] = data.person_name(entry.user_id)
        names[project_key] = data.project_label(entry)
        people[person_key] += hours
        people_billable[person_key] += billable
        projects[project_key] += hours
        projects_billable[project_key] += billable
        if by_task:
            names[task_key] = f"{data.project_label(entry)} / {data.task_name(entry)}"
            tasks[task_key] += hours
            tasks_billable[task_key] += billable
        if entry.is_running:
            running.append(Running(names[person_key], names[project_key],
                                   data.task_name(entry), hours))
    expenses = [e for e in data.expenses if period.start <= e.spent_at <= period.end]
    logged = {entry.user_id for entry in current}
    missing = None
    if data.roster is not None:
        missing = tuple(sorted(
            (data.people.get(uid) or PersonInfo(uid, data.person_name(uid))
             for uid in dict.fromkeys(data.roster) if uid not in logged),
            key=lambda person: person.name.lower()))
    previous_total = None
    if previous is not None:
        previous_total = sum(centi(entry.hours) for entry in _in(data.entries, previous))
    return DigestReport(
        period=period,
        previous=previous,
        total=total,
        billable=billable_total,
        people=_lines(people, people_billable, names),
        projects=_lines(projects, projects_billable, names),
        tasks=_lines(tasks, tasks_billable, names) if by_task else None,
        expenses_cents=sum(centi(expense.total_cost) for expense in expenses),
        expenses_count=len(expenses),
        missing=missing,
        running=tuple(sorted(running, key=lambda r: (r.person.lower(), r.project.lower()))),
        previous_total=previous_total,
        entry_count=len(current),
        visibility=data.visibility,
    )


def hours_text(value: int) -> str:
    """Hundredths of an hour as ``7.25``: exact, two decimals."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def money_text(cents: int) -> str:
    """Cents as ``1,234.50``."""
    return f"{cents // 100:,}.{cents % 100:02d}"
