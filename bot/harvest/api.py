"""The domain interface services program against: ``HarvestApi`` and ``CoopApi``.

The v1 client implements both; the v2 backend will implement ``HarvestApi`` too, so nothing
here names a URL, an XML tag or a query parameter. ``of_user`` is the id of the person whose
timesheet is meant (v1 sends ``?of_user=``, v2 a ``user_id``); ``None`` means the caller.

Every method may raise the errors of :mod:`bot.harvest.errors`: ``AuthError`` (credentials
refused), ``Forbidden`` (the role may not), ``NotFound``, ``ValidationError`` (Harvest refused
the values, with its message), ``Throttled`` (still throttled after waiting) and
``Unavailable`` (Harvest down, unreachable or answering garbage; for writes that are not safe to
repeat, the write may or may not have landed).

``TimeReports`` is an optional capability (v2's Reports API): check with ``isinstance`` and
fall back to summing ``project_entries``/``person_entries`` where it is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from typing import Protocol, runtime_checkable

from bot.harvest.models import (
    Client,
    Day,
    Entry,
    Expense,
    ExpenseCategory,
    Group,
    Identity,
    Membership,
    Person,
    Project,
    RateLimitStatus,
    ReportKind,
    ReportRow,
    Status,
    Task,
    TaskAssignment,
    TimerToggle,
)


@runtime_checkable
class HarvestApi(Protocol):
    """Time tracking, reports and the account's projects, people, clients and tasks."""

    # --- who and where ---------------------------------------------------------------------
    def who_am_i(self) -> Identity:
        """The authenticated person and their account's settings."""
        ...

    def rate_limit_status(self) -> RateLimitStatus:
        """Recent calls for this account (the server's count on v1, the client's pacer's on v2)."""
        ...

    # --- time tracking ---------------------------------------------------------------------
    def day(self, day: date | None = None, *, of_user: int | None = None) -> Day:
        """A day's entries (today, in the person's timezone, if ``day`` is None) and projects."""
        ...

    def entry(self, entry_id: int, *, of_user: int | None = None) -> Entry:
        """One entry. :raises NotFound:"""
        ...

    def add_entry(
        self,
        project_id: int,
        task_id: int,
        spent_at: date,
        *,
        hours: float | None = None,
        notes: str = "",
        started_at: time | None = None,
        ended_at: time | None = None,
        of_user: int | None = None,
    ) -> Entry:
        """Log time; without ``hours`` (or ``ended_at`` on timestamp accounts) a timer starts.

        Not repeated on failure: :raises Unavailable: means the entry may or may not exist.
        """
        ...

    def start_timer(
        self,
        project_id: int,
        task_id: int,
        *,
        notes: str = "",
        spent_at: date | None = None,
        of_user: int | None = None,
    ) -> Entry:
        """Start a new running timer (Harvest stops the person's other running timer)."""
        ...

    def toggle_timer(self, entry_id: int, *, of_user: int | None = None) -> TimerToggle:
        """Stop a running timer or restart a stopped one.

        On timestamp accounts a restart creates a new entry: the returned entry's id is the one
        to keep. Not repeated on failure.
        """
        ...

    def update_entry(
        self,
        entry_id: int,
        *,
        project_id: int | None = None,
        task_id: int | None = None,
        spent_at: date | None = None,
        hours: float | None = None,
        notes: str | None = None,
        started_at: time | None = None,
        ended_at: time | None = None,
        of_user: int | None = None,
    ) -> Entry:
        """Change the given fields (``None`` leaves a field as it is)."""
        ...

    def delete_entry(self, entry_id: int, *, of_user: int | None = None) -> None:
        """Delete an entry. :raises NotFound: if it does not exist."""
        ...

    # --- reports ---------------------------------------------------------------------------
    def project_entries(
        self, project_id: int, start: date, end: date, *, user_id: int | None = None
    ) -> tuple[Entry, ...]:
        """Entries logged to a project between ``start`` and ``end`` inclusive."""
        ...

    def person_entries(
        self, user_id: int, start: date, end: date, *, project_id: int | None = None
    ) -> tuple[Entry, ...]:
        """Entries a person logged between ``start`` and ``end`` inclusive."""
        ...

    def person_expenses(self, user_id: int, start: date, end: date) -> tuple[Expense, ...]:
        """Expenses a person logged between ``start`` and ``end`` inclusive."""
        ...

    def project_expenses(self, project_id: int, start: date, end: date) -> tuple[Expense, ...]:
        """Expenses logged to a project between ``start`` and ``end`` inclusive."""
        ...

    # --- the account's things (cached briefly by implementations) -------------------------
    def projects(self) -> tuple[Project, ...]:
        """Every project the caller may see."""
        ...

    def project(self, project_id: int) -> Project:
        """One project. :raises NotFound:"""
        ...

    def create_project(
        self,
        name: str,
        client_id: int,
        *,
        code: str = "",
        notes: str = "",
        active: bool = True,
        billable: bool = False,
        bill_by: str = "none",
        budget: float | None = None,
        budget_by: str = "none",
    ) -> Project:
        """Create a project. :raises ValidationError: e.g. over the plan's project limit."""
        ...

    def update_project(
        self,
        project_id: int,
        *,
        name: str | None = None,
        client_id: int | None = None,
        code: str | None = None,
        notes: str | None = None,
        billable: bool | None = None,
        bill_by: str | None = None,
        budget: float | None = None,
        budget_by: str | None = None,
    ) -> Project:
        """Change the given fields of a project (``None`` leaves a field as it is)."""
        ...

    def toggle_project(self, project_id: int) -> Project:
        """Archive an active project or reactivate an archived one."""
        ...

    def delete_project(self, project_id: int) -> None:
        """Delete a project. :raises ValidationError: if it has hours logged."""
        ...

    def people(self) -> tuple[Person, ...]:
        """Every person the caller may see."""
        ...

    def person(self, user_id: int) -> Person:
        """One person. :raises NotFound:"""
        ...

    def clients(self) -> tuple[Client, ...]:
        """Every client of the account."""
        ...

    def client(self, client_id: int) -> Client:
        """One client. :raises NotFound:"""
        ...

    def tasks(self) -> tuple[Task, ...]:
        """Every task of the account."""
        ...

    def expense_categories(self) -> tuple[ExpenseCategory, ...]:
        """Every expense category of the account."""
        ...

    def task_assignments(self, project_id: int) -> tuple[TaskAssignment, ...]:
        """Which tasks a project offers."""
        ...


@runtime_checkable
class TimeReports(Protocol):
    """Hours per client, project, task or person over a range, aggregated by Harvest."""

    def time_report(self, kind: ReportKind, start: date, end: date) -> tuple[ReportRow, ...]:
        """Rows for ``start``..``end`` inclusive; a subject has one row per currency.

        Summing a subject's rows is the caller's job. Runs on its own, slow throttle budget
        (100 calls per 15 minutes on v2), so prefer it for digests, not for every click.
        """
        ...


@runtime_checkable
class CoopApi(Protocol):
    """Co-op: groups sharing short statuses (a separate, legacy service; no v2 equivalent)."""

    def groups(self) -> tuple[Group, ...]:
        """The groups the caller belongs to."""
        ...

    def group_statuses(self, group_id: int, day: date | None = None) -> tuple[Status, ...]:
        """The 50 newest statuses, newest first; with ``day``, every status of that day."""
        ...

    def post_status(self, group_id: int, text: str) -> Status | None:
        """Post a text status; None if the server did not echo it. Not repeated on failure."""
        ...

    def create_group(self, name: str, timezone: str, member_emails: Sequence[str] = ()) -> Group:
        """Create a group and invite ``member_emails``."""
        ...

    def update_group(
        self, group_id: int, *, name: str | None = None, timezone: str | None = None
    ) -> None:
        """Rename a group or change its timezone."""
        ...

    def change_group_owner(self, group_id: int, new_owner_id: int) -> None:
        """Hand the group to another member. :raises Forbidden: unless the caller owns it."""
        ...

    def delete_group(self, group_id: int) -> None:
        """Delete a group and its text statuses (time entries are not affected)."""
        ...

    def memberships(self, group_id: int) -> tuple[Membership, ...]:
        """Who belongs to (or is invited to) a group."""
        ...

    def invite(self, group_id: int, emails: Sequence[str]) -> tuple[Membership, ...]:
        """Invite people by email; returns the memberships the server reported."""
        ...

    def remove_member(self, group_id: int, membership_id: int) -> None:
        """Remove a member, or revoke a pending invitation, by ``Membership.id``.

        :raises Forbidden: unless the caller owns the group or is removing themself.
        """
        ...
