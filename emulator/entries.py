"""Day entries as Harvest showed them at a given moment, and the arithmetic of their hours.

Read side, for ``/daily``, the reports and Co-op's DayEntry statuses (all take ``now``, the
emulator clock, because a running timer's hours grow with it)::

    load(store, entry_id, now)          -> Entry | None
    select(store, where, args, now)     -> list[Entry]    (any SQL condition on ``e.``)
    of_day(store, user_id, day, now)    -> list[Entry]
    running(store, user_id, now)        -> Entry | None
    offers(store, user_id)              -> list[ProjectOffer]   (what one may track to)

The changes ``/daily`` makes (add, toggle, update, delete) and their rules live in
:mod:`emulator.timesheet`.

How time is kept: ``day_entries.hours`` is the time tracked *without* the running segment; a
running timer has ``timer_started_at`` set, and its current hours are the stored hours plus the
time since then. ``started_at``/``ended_at`` (timestamp accounts) are stored as ``HH:MM`` (24 h)
and shown in the account's clock, ``8:00am`` or ``08:00``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from emulator.clock import parse_iso
from emulator.errors import BadRequest
from emulator.params import parse_clock_time
from emulator.store import Store

# Assumption (the documents are silent): one entry holds at most a day's time, as Harvest's
# timesheet allowed; negative hours were refused.
MAX_HOURS = 24.0

_SELECT = """
SELECT e.*, p.name AS project_name, p.client_id AS client_id, c.name AS client_name,
       t.name AS task_name
FROM day_entries e
JOIN projects p ON p.id = e.project_id
JOIN clients c ON c.id = p.client_id
JOIN tasks t ON t.id = e.task_id
"""


@dataclass(frozen=True)
class Entry:
    """A day entry with its names, its hours as of ``now``."""

    id: int
    user_id: int
    project_id: int
    project: str
    client_id: int
    client: str
    task_id: int
    task: str
    spent_at: date
    notes: str
    hours: float  # the current amount, the running segment included
    hours_without_timer: float  # what is tracked without the running segment
    timer_started_at: datetime | None
    started_at: time | None
    ended_at: time | None
    is_billed: bool
    is_closed: bool
    created_at: datetime
    updated_at: datetime

    @property
    def running(self) -> bool:
        return self.timer_started_at is not None

    @property
    def hours_with_timer(self) -> float | None:
        """The current hours while the timer runs; ``None`` when it does not."""
        return self.hours if self.running else None


@dataclass(frozen=True)
class TaskOffer:
    id: int
    name: str
    billable: bool


@dataclass(frozen=True)
class ProjectOffer:
    """A project one may track time to, with the tasks it offers (``/daily``'s ``projects``)."""

    id: int
    name: str
    code: str
    client_id: int
    client: str
    tasks: list[TaskOffer]


# -- reading --------------------------------------------------------------------------------------


def elapsed_hours(since: datetime, now: datetime) -> float:
    return max(0.0, (now - since).total_seconds() / 3600)


def from_row(row: dict[str, Any], now: datetime) -> Entry:
    """An :data:`_SELECT` row as of ``now``."""
    started = parse_iso(row["timer_started_at"]) if row["timer_started_at"] else None
    stored = float(row["hours"])
    return Entry(
        id=row["id"], user_id=row["user_id"], project_id=row["project_id"],
        project=row["project_name"], client_id=row["client_id"], client=row["client_name"],
        task_id=row["task_id"], task=row["task_name"], spent_at=date.fromisoformat(row["spent_at"]),
        notes=row["notes"] or "",
        hours=stored + (elapsed_hours(started, now) if started else 0.0),
        hours_without_timer=stored, timer_started_at=started,
        started_at=_stored_time(row["started_at"]), ended_at=_stored_time(row["ended_at"]),
        is_billed=bool(row["is_billed"]), is_closed=bool(row["is_closed"]),
        created_at=parse_iso(row["created_at"]), updated_at=parse_iso(row["updated_at"]),
    )


def select(store: Store, where: str, args: tuple[Any, ...], now: datetime) -> list[Entry]:
    """Entries matching ``where`` (columns as ``e.``, ``p.``, ``c.``, ``t.``), by day then id."""
    rows = store.all(f"{_SELECT} WHERE {where} ORDER BY e.spent_at, e.id", *args)
    return [from_row(row, now) for row in rows]


def load(store: Store, entry_id: int, now: datetime) -> Entry | None:
    found = select(store, "e.id = ?", (entry_id,), now)
    return found[0] if found else None


def of_day(store: Store, user_id: int, day: date, now: datetime) -> list[Entry]:
    return select(store, "e.user_id = ? AND e.spent_at = ?", (user_id, day.isoformat()), now)


def running(store: Store, user_id: int, now: datetime) -> Entry | None:
    found = select(store, "e.user_id = ? AND e.timer_started_at IS NOT NULL", (user_id,), now)
    return found[-1] if found else None


def offers(store: Store, user_id: int) -> list[ProjectOffer]:
    """Active projects the person is assigned to, with their tasks that are not archived."""
    rows = store.all(
        """SELECT p.id, p.name, p.code, p.client_id, c.name AS client_name, p.billable AS pb,
                  t.id AS task_id, t.name AS task_name, ta.billable AS tb
           FROM user_assignments ua
           JOIN projects p ON p.id = ua.project_id AND p.active = 1
           JOIN clients c ON c.id = p.client_id
           LEFT JOIN task_assignments ta ON ta.project_id = p.id AND ta.deactivated = 0
           LEFT JOIN tasks t ON t.id = ta.task_id AND t.deactivated = 0
           WHERE ua.user_id = ? AND ua.deactivated = 0
           ORDER BY c.name, p.name, p.id, t.name""",
        user_id,
    )
    projects: dict[int, ProjectOffer] = {}
    for row in rows:
        offer = projects.get(row["id"])
        if offer is None:
            offer = projects[row["id"]] = ProjectOffer(
                row["id"], row["name"], row["code"] or "", row["client_id"], row["client_name"], [])
        if row["task_id"] is not None:
            offer.tasks.append(TaskOffer(row["task_id"], row["task_name"],
                                         bool(row["tb"]) and bool(row["pb"])))
    return list(projects.values())


# -- clock times (timestamp accounts) -------------------------------------------------------------


def _stored_time(text: str | None) -> time | None:
    # Written as HH:MM by store_time; "8:00am" (a seed or a hand edit) reads as well.
    return parse_clock_time(text) if text else None


def store_time(value: time | None) -> str | None:
    return None if value is None else f"{value.hour:02d}:{value.minute:02d}"


def format_clock(value: time | None, clock: str) -> str | None:
    """``8:00am`` on 12-hour accounts, ``08:00`` on 24-hour ones (the account's ``clock``)."""
    if value is None:
        return None
    if clock == "24h":
        return f"{value.hour:02d}:{value.minute:02d}"
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d}{'am' if value.hour < 12 else 'pm'}"


def span_hours(start: time, end: time) -> float:
    """Hours from ``start`` to ``end`` on one day.

    :raises BadRequest: ``end`` before ``start``.
    """
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes < 0:
        raise BadRequest("ended_at must not be before started_at")
    return minutes / 60


def check_hours(hours: float) -> float:
    """:raises BadRequest: negative, or more than a day."""
    if not 0 <= hours <= MAX_HOURS:
        raise BadRequest(f"hours must be between 0 and {MAX_HOURS:g}")
    return hours
