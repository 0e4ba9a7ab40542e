"""Harvest v1 and Co-op response trees (see ``documents``) -> domain models. Pure functions.

Each reader accepts every shape v1 sent for its thing: XML roots and wrappers (``<add>``,
``<timer>``, ``<hash>``, ``<daily>``), JSON wrapped lists (``[{"project": {...}}]``), plain
lists and flat objects; dashed and underscored names; strings for numbers and booleans.
A document that still does not fit raises ``Unavailable`` saying what was missing or wrong,
never ``KeyError`` or ``TypeError``.
"""

from __future__ import annotations

from bot.harvest import models as m
from bot.harvest import records as r
from bot.harvest.records import Record, Tree
from bot.harvest.scalars import to_date, to_float

_ENTRY_WRAPPERS = ("add", "timer", "show", "update", "daily", "day_entry")


# --- time tracking ---------------------------------------------------------------------------


def _entry(rec: Record) -> m.Entry:
    hours = r.opt_float(rec, "hours_with_timer", "hours")
    return m.Entry(
        id=r.int_(rec, "id"),
        user_id=r.int_(rec, "user_id"),
        project_id=r.int_(rec, "project_id"),
        task_id=r.int_(rec, "task_id"),
        spent_at=to_date(r.need(rec, "spent_at")),
        hours=hours if hours is not None else 0.0,
        hours_without_timer=r.opt_float(rec, "hours_without_timer"),
        notes=r.text(rec, "notes"),
        client_id=r.opt_int(rec, "client_id"),
        client_name=r.opt_text(rec, "client", "client_name"),
        project_name=r.opt_text(rec, "project", "project_name"),
        task_name=r.opt_text(rec, "task", "task_name"),
        timer_started_at=r.opt_datetime(rec, "timer_started_at"),
        started_at=r.opt_text(rec, "started_at"),
        ended_at=r.opt_text(rec, "ended_at"),
        is_closed=r.bool_(rec, "is_closed"),
        is_billed=r.bool_(rec, "is_billed"),
        created_at=r.opt_datetime(rec, "created_at"),
        updated_at=r.opt_datetime(rec, "updated_at"),
    )


@r.reader("time entry")
def entry(doc: Tree) -> m.Entry:
    """``POST /daily/add``, ``GET /daily/show/{id}``, ``POST /daily/update/{id}``."""
    return _entry(r.single(doc, _ENTRY_WRAPPERS))


@r.reader("list of time entries")
def entries(doc: Tree) -> tuple[m.Entry, ...]:
    """The reports: ``[{"day_entry": {...}}]`` or ``<day-entries><day-entry>``."""
    return tuple(_entry(rec) for rec in r.items(doc, "day_entry", ("day_entries",)))


@r.reader("timer toggle")
def timer(doc: Tree) -> m.TimerToggle:
    """``GET /daily/timer/{id}``: the entry, maybe with the hours of the timer it stopped."""
    outer = r.single(doc, ("timer",))
    inner = outer.get("day_entry")
    record = inner if isinstance(inner, dict) else outer
    return m.TimerToggle(
        entry=_entry(record),
        hours_for_previously_running_timer=r.opt_float(outer, "hours_for_previously_running_timer"),
    )


def _project(rec: Record) -> m.Project:
    client = rec.get("client")
    return m.Project(
        id=r.int_(rec, "id"),
        name=r.text(rec, "name"),
        code=r.text(rec, "code"),
        client_id=r.opt_int(rec, "client_id"),
        client_name=client.strip() if isinstance(client, str) and client.strip() else None,
        active=r.bool_(rec, "active", "is_active", default=True),
        billable=r.bool_(rec, "billable", "is_billable"),
        notes=r.text(rec, "notes"),
        bill_by=r.text(rec, "bill_by") or "none",
        budget=r.opt_float(rec, "budget"),
        budget_by=r.text(rec, "budget_by") or "none",
        tasks=tuple(_task(t) for t in r.items(rec.get("tasks"), "task", ())),
    )


@r.reader("day")
def day(doc: Tree) -> m.Day:
    """``GET /daily`` and ``GET /daily/{day}/{year}``: entries plus the projects with tasks."""
    rec = r.single(doc, ("daily",))
    return m.Day(
        for_day=to_date(r.need(rec, "for_day")),
        entries=tuple(_entry(rec) for rec in r.items(rec.get("day_entries"), "day_entry")),
        projects=tuple(_project(rec) for rec in r.items(rec.get("projects"), "project")),
    )


# --- the account's things --------------------------------------------------------------------


@r.reader("project")
def project(doc: Tree) -> m.Project:
    return _project(r.single(doc, ("project",)))


@r.reader("list of projects")
def projects(doc: Tree) -> tuple[m.Project, ...]:
    return tuple(_project(rec) for rec in r.items(doc, "project", ("projects",)))


def _task(rec: Record) -> m.Task:
    return m.Task(
        id=r.int_(rec, "id"),
        name=r.text(rec, "name"),
        billable=r.bool_(rec, "billable", "billable_by_default"),
        is_active=not r.bool_(rec, "deactivated") and r.bool_(rec, "is_active", default=True),
    )


@r.reader("list of tasks")
def tasks(doc: Tree) -> tuple[m.Task, ...]:
    return tuple(_task(rec) for rec in r.items(doc, "task", ("tasks",)))


def _person(rec: Record) -> m.Person:
    manager = rec.get("project_manager")
    if isinstance(manager, dict):  # who_am_i nests it with the manager's permissions
        is_manager = r.bool_(manager, "is_project_manager")
    else:
        is_manager = r.bool_(rec, "is_project_manager", "project_manager")
    return m.Person(
        id=r.int_(rec, "id"),
        email=r.text(rec, "email"),
        first_name=r.text(rec, "first_name"),
        last_name=r.text(rec, "last_name"),
        is_admin=r.bool_(rec, "is_admin", "admin"),
        is_project_manager=is_manager,
        is_active=r.bool_(rec, "is_active", default=True),
        timezone=r.opt_text(rec, "timezone"),
        timezone_identifier=r.opt_text(rec, "timezone_identifier"),
        avatar_url=r.opt_text(rec, "avatar_url"),
        is_contractor=r.bool_(rec, "is_contractor"),
    )


@r.reader("person")
def person(doc: Tree) -> m.Person:
    return _person(r.single(doc, ("user", "person")))


@r.reader("list of people")
def people(doc: Tree) -> tuple[m.Person, ...]:
    return tuple(_person(rec) for rec in r.items(doc, "user", ("users", "people")))


def _client(rec: Record) -> m.Client:
    return m.Client(
        id=r.int_(rec, "id"),
        name=r.text(rec, "name"),
        active=r.bool_(rec, "active", "is_active", default=True),
        currency=r.opt_text(rec, "currency"),
        details=r.text(rec, "details"),
    )


@r.reader("client")
def client(doc: Tree) -> m.Client:
    return _client(r.single(doc, ("client",)))


@r.reader("list of clients")
def clients(doc: Tree) -> tuple[m.Client, ...]:
    return tuple(_client(rec) for rec in r.items(doc, "client", ("clients",)))


@r.reader("list of expense categories")
def expense_categories(doc: Tree) -> tuple[m.ExpenseCategory, ...]:
    return tuple(
        m.ExpenseCategory(
            id=r.int_(rec, "id"),
            name=r.text(rec, "name"),
            unit_name=r.opt_text(rec, "unit_name"),
            unit_price=r.opt_float(rec, "unit_price"),
            is_active=not r.bool_(rec, "deactivated") and r.bool_(rec, "is_active", default=True),
        )
        for rec in r.items(doc, "expense_category", ("expense_categories",))
    )


@r.reader("list of expenses")
def expenses(doc: Tree) -> tuple[m.Expense, ...]:
    return tuple(
        m.Expense(
            id=r.int_(rec, "id"),
            user_id=r.int_(rec, "user_id"),
            project_id=r.int_(rec, "project_id"),
            expense_category_id=r.int_(rec, "expense_category_id"),
            spent_at=to_date(r.need(rec, "spent_at")),
            total_cost=to_float(r.need(rec, "total_cost")),
            units=r.opt_float(rec, "units"),
            notes=r.text(rec, "notes"),
            billable=r.bool_(rec, "billable"),
            is_billed=r.bool_(rec, "is_billed"),
            is_closed=r.bool_(rec, "is_closed"),
            created_at=r.opt_datetime(rec, "created_at"),
            updated_at=r.opt_datetime(rec, "updated_at"),
        )
        for rec in r.items(doc, "expense", ("expenses",))
    )


@r.reader("list of task assignments")
def task_assignments(doc: Tree) -> tuple[m.TaskAssignment, ...]:
    return tuple(
        m.TaskAssignment(
            id=r.int_(rec, "id"),
            project_id=r.int_(rec, "project_id"),
            task_id=r.int_(rec, "task_id"),
            billable=r.bool_(rec, "billable"),
            is_active=not r.bool_(rec, "deactivated") and r.bool_(rec, "is_active", default=True),
            hourly_rate=r.opt_float(rec, "hourly_rate"),
            budget=r.opt_float(rec, "budget"),
        )
        for rec in r.items(doc, "task_assignment", ("task_assignments",))
    )


@r.reader("identity")
def identity(doc: Tree) -> m.Identity:
    """``GET /account/who_am_i``: ``{"company": {...}, "user": {...}}`` or ``<hash>`` of both."""
    rec = r.single(doc, ("hash", "who_am_i"))
    company = r.single(r.need(rec, "company"), ())
    user = r.single(r.need(rec, "user"), ())
    clock = r.text(company, "clock") or "12h"
    account = m.Account(
        name=r.text(company, "name"),
        base_uri=r.text(company, "base_uri"),
        full_domain=r.text(company, "full_domain"),
        active=r.bool_(company, "active", "is_active", default=True),
        # v1 kept the timer mode on the user; v2 keeps it on the company.
        timestamp_timers=r.bool_(user, "timestamp_timers")
        or r.bool_(company, "wants_timestamp_timers", "timestamp_timers"),
        clock="24h" if clock == "24h" else "12h",
        time_format=r.text(company, "time_format") or "decimal",
        week_start_day=r.text(company, "week_start_day") or "Monday",
        plan_type=r.opt_text(company, "plan_type"),
    )
    return m.Identity(user=_person(user), account=account)


@r.reader("rate limit status")
def rate_limit_status(doc: Tree) -> m.RateLimitStatus:
    rec = r.single(doc, ("hash", "rate_limit_status"))
    return m.RateLimitStatus(
        count=r.int_(rec, "count"),
        max_calls=r.int_(rec, "max_calls"),
        timeframe_limit=r.int_(rec, "timeframe_limit"),
        lockout_seconds=r.opt_int(rec, "lockout_seconds") or 0,
        last_access_at=r.opt_datetime(rec, "last_access_at"),
    )


# --- Co-op -----------------------------------------------------------------------------------


def _group(rec: Record) -> m.Group:
    return m.Group(
        id=r.int_(rec, "id"),
        name=r.text(rec, "name"),
        timezone=r.opt_text(rec, "timezone"),
        created_at=r.opt_datetime(rec, "created_at"),
        updated_at=r.opt_datetime(rec, "updated_at"),
    )


@r.reader("Co-op group")
def group(doc: Tree) -> m.Group:
    return _group(r.single(doc, ("group",)))


@r.reader("list of Co-op groups")
def groups(doc: Tree) -> tuple[m.Group, ...]:
    return tuple(_group(rec) for rec in r.items(doc, "group", ("groups",)))


def _status(rec: Record, group_id: int | None) -> m.Status:
    author = r.single(r.need(rec, "user"), ())
    # Unknown kinds are read as notes: Co-op may have grown kinds the bot should still list.
    kind: m.StatusKind = "Note"
    if r.text(rec, "type", "kind").lower() == "dayentry":
        kind = "DayEntry"
    return m.Status(
        id=r.int_(rec, "id"),
        kind=kind,
        text=r.text(rec, "text"),
        group_id=r.opt_int(rec, "group_id") or r.known(group_id, "group_id"),
        user=m.StatusAuthor(
            id=r.int_(author, "id"),
            name=r.text(author, "name"),
            email=r.opt_text(author, "email"),
            avatar_url=r.opt_text(author, "avatar_thumb_url", "avatar_url"),
        ),
        hours=r.opt_float(rec, "hours"),
        client=r.opt_text(rec, "client"),
        project=r.opt_text(rec, "project"),
        task=r.opt_text(rec, "task"),
        timer_started_at=r.opt_datetime(rec, "timer_started_at"),
        spent_at=r.opt_date(rec, "spent_at"),
        created_at=r.opt_datetime(rec, "created_at"),
        updated_at=r.opt_datetime(rec, "updated_at"),
    )


@r.reader("Co-op status")
def status(doc: Tree, group_id: int | None = None) -> m.Status:
    """A posted status; ``group_id`` is the group asked about, for records that omit it."""
    return _status(r.single(doc, ("status",)), group_id)


@r.reader("list of Co-op statuses")
def statuses(doc: Tree, group_id: int | None = None) -> tuple[m.Status, ...]:
    return tuple(_status(rec, group_id) for rec in r.items(doc, "status", ("statuses",)))


def _membership(rec: Record, group_id: int) -> m.Membership:
    nested = rec.get("user")
    user: Record = nested if isinstance(nested, dict) else {}
    return m.Membership(
        group_id=r.opt_int(rec, "group_id") or group_id,
        email=r.text(rec, "email") or r.text(user, "email"),
        id=r.opt_int(rec, "id"),
        user_id=r.opt_int(rec, "user_id") or r.opt_int(user, "id"),
        name=r.opt_text(rec, "name") or r.opt_text(user, "name"),
        is_owner=r.bool_(rec, "is_owner", "owner"),
        created_at=r.opt_datetime(rec, "created_at"),
    )


@r.reader("Co-op membership")
def membership(doc: Tree, group_id: int) -> m.Membership:
    return _membership(r.single(doc, ("membership",)), group_id)


@r.reader("list of Co-op memberships")
def memberships(doc: Tree, group_id: int) -> tuple[m.Membership, ...]:
    return tuple(_membership(rec, group_id) for rec in r.items(doc, "membership", ("memberships",)))
