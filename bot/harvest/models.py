"""Domain objects the bot gets from Harvest, independent of the wire they came over.

Every value here is what a service needs, already typed (dates are ``date``, timestamps are
aware ``datetime`` in UTC, hours are ``float``). Nothing names an XML tag, a URL or a v1-only
field, so the v2 backend can build the same objects from its own JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal


@dataclass(frozen=True, slots=True)
class Task:
    """A kind of work (a task) as offered by a project or listed for the account."""

    id: int
    name: str
    billable: bool = False
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class Project:
    """A project; ``tasks`` is filled where Harvest says which tasks it offers (the day view)."""

    id: int
    name: str
    code: str = ""
    client_id: int | None = None
    client_name: str | None = None
    active: bool = True
    billable: bool = False
    notes: str = ""
    bill_by: str = "none"
    budget: float | None = None
    budget_by: str = "none"
    tasks: tuple[Task, ...] = ()


@dataclass(frozen=True, slots=True)
class Person:
    """A user of the Harvest account. ``timezone`` is Harvest's name ("London"), not IANA."""

    id: int
    email: str
    first_name: str = ""
    last_name: str = ""
    is_admin: bool = False
    is_project_manager: bool = False
    is_active: bool = True
    timezone: str | None = None
    timezone_identifier: str | None = None
    avatar_url: str | None = None
    is_contractor: bool = False
    #: v2's ``access_roles`` ("administrator", "manager" or "member", plus manager permissions
    #: such as "time_and_expenses_manager"); empty where the wire has none (v1).
    access_roles: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    @property
    def may_act_for_others(self) -> bool:
        """Whether the role lets them track time for other people (the server has the last word).

        Administrators may; since March 2022 so may managers with "time_and_expenses_manager",
        for their assigned people and managed projects.
        """
        return self.is_admin or (
            "manager" in self.access_roles and "time_and_expenses_manager" in self.access_roles
        )


@dataclass(frozen=True, slots=True)
class Client:
    """A client of the account: the company projects are done for."""

    id: int
    name: str
    active: bool = True
    currency: str | None = None
    details: str = ""


@dataclass(frozen=True, slots=True)
class ExpenseCategory:
    """A kind of expense; ``unit_price`` is set for per-unit categories (mileage)."""

    id: int
    name: str
    unit_name: str | None = None
    unit_price: float | None = None
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class Expense:
    """An expense a person logged against a project."""

    id: int
    user_id: int
    project_id: int
    expense_category_id: int
    spent_at: date
    total_cost: float
    units: float | None = None
    notes: str = ""
    billable: bool = False
    is_billed: bool = False
    is_closed: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TaskAssignment:
    """That a project offers a task (and at which rate)."""

    id: int
    project_id: int
    task_id: int
    billable: bool = False
    is_active: bool = True
    hourly_rate: float | None = None
    budget: float | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """A time entry. ``hours`` includes a running timer's elapsed time at the moment it was read.

    ``started_at``/``ended_at`` are set only on accounts with timestamp timers, as Harvest
    formatted them for the account's clock ("8:00am" or "08:00"); they are for display.
    """

    id: int
    user_id: int
    project_id: int
    task_id: int
    spent_at: date
    hours: float
    hours_without_timer: float | None = None
    notes: str = ""
    client_id: int | None = None
    client_name: str | None = None
    project_name: str | None = None
    task_name: str | None = None
    timer_started_at: datetime | None = None
    started_at: str | None = None
    ended_at: str | None = None
    is_closed: bool = False
    is_billed: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_running(self) -> bool:
        return self.timer_started_at is not None


@dataclass(frozen=True, slots=True)
class Account:
    """The Harvest account (company) settings the bot formats and schedules by."""

    name: str
    base_uri: str = ""
    full_domain: str = ""
    active: bool = True
    timestamp_timers: bool = False
    clock: Literal["12h", "24h"] = "12h"
    time_format: str = "decimal"
    week_start_day: str = "Monday"
    plan_type: str | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the credentials belong to, and in which account."""

    user: Person
    account: Account


@dataclass(frozen=True, slots=True)
class Day:
    """One person's timesheet day and the projects (with tasks) they may log time to."""

    for_day: date
    entries: tuple[Entry, ...] = ()
    projects: tuple[Project, ...] = ()


@dataclass(frozen=True, slots=True)
class TimerToggle:
    """The entry after a toggle; starting one timer may have stopped another one's hours."""

    entry: Entry
    hours_for_previously_running_timer: float | None = None


@dataclass(frozen=True, slots=True)
class RateLimitStatus:
    """The account's throttle: the server's count (v1), or the client's own pacer's (v2)."""

    count: int
    max_calls: int
    timeframe_limit: int
    lockout_seconds: int = 0
    last_access_at: datetime | None = None


ReportKind = Literal["clients", "projects", "tasks", "team"]


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One subject's time in one currency, from a time report over a date range.

    A subject (client, project, task or person, per ``kind``) has one row per currency it was
    billed in, so totals per subject are the sum of its rows. ``currency`` and
    ``billable_amount`` are None for people who may not see rates.
    """

    kind: ReportKind
    subject_id: int
    subject_name: str
    total_hours: float
    billable_hours: float = 0.0
    currency: str | None = None
    billable_amount: float | None = None
    #: The project's client (``kind="projects"``).
    client_id: int | None = None
    client_name: str | None = None
    #: The person's (``kind="team"``): capacity in seconds per week.
    is_contractor: bool = False
    weekly_capacity: int | None = None


@dataclass(frozen=True, slots=True)
class HarvestAccount:
    """An account a Harvest ID sign-in (or personal access token) can reach."""

    id: int
    name: str
    product: str = "harvest"


# --- Co-op -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Group:
    """A Co-op group: people sharing what they are working on."""

    id: int
    name: str
    timezone: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Membership:
    """That a person (or a pending invitation by email) belongs to a Co-op group."""

    group_id: int
    email: str
    id: int | None = None
    user_id: int | None = None
    name: str | None = None
    is_owner: bool = False
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StatusAuthor:
    """Who wrote a Co-op status."""

    id: int
    name: str
    email: str | None = None
    avatar_url: str | None = None


StatusKind = Literal["Note", "DayEntry"]


@dataclass(frozen=True, slots=True)
class Status:
    """A Co-op status: a text note, or a time entry shared to the group (``kind="DayEntry"``)."""

    id: int
    kind: StatusKind
    text: str
    group_id: int
    user: StatusAuthor
    hours: float | None = None
    client: str | None = None
    project: str | None = None
    task: str | None = None
    timer_started_at: datetime | None = None
    spent_at: date | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
