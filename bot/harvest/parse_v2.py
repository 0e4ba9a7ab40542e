"""Harvest v2 JSON records -> domain models. Pure functions.

v2 nests what v1 flattened (``"project": {"id", "name"}`` instead of ``project_id``), names
dates ``spent_date`` and roles ``access_roles``, and keeps the timer mode on the company. The
readers follow the official field lists (v2-notes §7-§11) and code defensively around what
they leave open (⚠ there):

- a running entry's ``hours`` may or may not include the running time: ``Entry.hours`` is the
  larger of ``hours`` and ``hours_without_timer`` + (now - ``timer_started_at``);
- ``is_running`` decides whether a timer runs (``timer_started_at`` should agree; if it is
  missing on a running entry, ``updated_at`` stands in for it);
- an entry or expense is closed if approved (``is_closed``, or ``approval_status``) or locked;
- admin means ``"administrator" in access_roles``; the legacy ``is_admin`` counts only when
  ``access_roles`` is absent.

Records that do not fit raise ``Unavailable`` (via ``records.reader``), never ``KeyError``.
"""

from __future__ import annotations

from datetime import datetime

from bot.harvest import models as m
from bot.harvest import records as r
from bot.harvest.records import Record
from bot.harvest.scalars import to_date, to_float
from bot.harvest.timezones import iana_zone


def _ref(rec: Record, name: str) -> Record:
    """A nested ``{"id", "name"}`` object (``{}`` when absent or null)."""
    value = rec.get(name)
    return value if isinstance(value, dict) else {}


def _ref_id(rec: Record, name: str) -> int:
    return r.int_(_ref(rec, name), "id") if _ref(rec, name) else r.int_(rec, f"{name}_id")


def _closed(rec: Record) -> bool:
    return (
        r.bool_(rec, "is_closed")
        or r.bool_(rec, "is_locked")
        or r.text(rec, "approval_status").lower() == "approved"
    )


# --- time entries ----------------------------------------------------------------------------


def _entry(rec: Record, now: datetime) -> m.Entry:
    started = r.opt_datetime(rec, "timer_started_at")
    running = r.bool_(rec, "is_running", default=started is not None)
    if not running:
        started = None
    elif started is None:
        started = r.opt_datetime(rec, "updated_at") or now
    hours = r.opt_float(rec, "hours") or 0.0
    without = r.opt_float(rec, "hours_without_timer")
    if started is not None and without is not None:
        elapsed = max(0.0, (now - started).total_seconds() / 3600)
        hours = max(hours, without + elapsed)
    client, project, task = _ref(rec, "client"), _ref(rec, "project"), _ref(rec, "task")
    return m.Entry(
        id=r.int_(rec, "id"),
        user_id=_ref_id(rec, "user"),
        project_id=_ref_id(rec, "project"),
        task_id=_ref_id(rec, "task"),
        spent_at=to_date(r.need(rec, "spent_date")),
        hours=hours,
        hours_without_timer=without,
        notes=r.text(rec, "notes"),
        client_id=r.opt_int(client, "id"),
        client_name=r.opt_text(client, "name"),
        project_name=r.opt_text(project, "name"),
        task_name=r.opt_text(task, "name"),
        timer_started_at=started,
        started_at=r.opt_text(rec, "started_time"),
        ended_at=r.opt_text(rec, "ended_time"),
        is_closed=_closed(rec),
        is_billed=r.bool_(rec, "is_billed"),
        created_at=r.opt_datetime(rec, "created_at"),
        updated_at=r.opt_datetime(rec, "updated_at"),
    )


@r.reader("time entry")
def entry(doc: r.Tree, now: datetime) -> m.Entry:
    """``GET``/``PATCH /time_entries/{id}``, ``POST /time_entries``, ``.../stop``, ``.../restart``."""
    return _entry(r.single(doc, ("time_entry",)), now)


@r.reader("list of time entries")
def entries(records: list[Record], now: datetime) -> tuple[m.Entry, ...]:
    return tuple(_entry(rec, now) for rec in records)


# --- people and the company ------------------------------------------------------------------


def _person(rec: Record) -> m.Person:
    raw_roles = rec.get("access_roles")
    if isinstance(raw_roles, list):
        roles = tuple(str(role).strip().lower() for role in raw_roles if str(role).strip())
        is_admin = "administrator" in roles
        is_manager = "manager" in roles
    else:  # an older shape, from before access roles
        roles = ()
        is_admin = r.bool_(rec, "is_admin")
        is_manager = r.bool_(rec, "is_project_manager")
    timezone = r.opt_text(rec, "timezone")
    return m.Person(
        id=r.int_(rec, "id"),
        email=r.text(rec, "email"),
        first_name=r.text(rec, "first_name"),
        last_name=r.text(rec, "last_name"),
        is_admin=is_admin,
        is_project_manager=is_manager,
        is_active=r.bool_(rec, "is_active", default=True),
        timezone=timezone,
        timezone_identifier=iana_zone(timezone),
        avatar_url=r.opt_text(rec, "avatar_url"),
        is_contractor=r.bool_(rec, "is_contractor"),
        access_roles=roles,
    )


@r.reader("person")
def person(doc: r.Tree) -> m.Person:
    """``GET /users/me`` and ``GET /users/{id}``."""
    return _person(r.single(doc, ("user",)))


@r.reader("list of people")
def people(records: list[Record]) -> tuple[m.Person, ...]:
    return tuple(_person(rec) for rec in records)


@r.reader("company")
def account(doc: r.Tree) -> m.Account:
    """``GET /company``: the settings the bot formats and schedules by."""
    rec = r.single(doc, ("company",))
    return m.Account(
        name=r.text(rec, "name"),
        base_uri=r.text(rec, "base_uri"),
        full_domain=r.text(rec, "full_domain"),
        active=r.bool_(rec, "is_active", default=True),
        timestamp_timers=r.bool_(rec, "wants_timestamp_timers"),
        clock="24h" if r.text(rec, "clock") == "24h" else "12h",
        time_format=r.text(rec, "time_format") or "decimal",
        week_start_day=r.text(rec, "week_start_day") or "Monday",
        plan_type=r.opt_text(rec, "plan_type"),
    )


# --- projects, clients, tasks ----------------------------------------------------------------


def _project(rec: Record) -> m.Project:
    client = _ref(rec, "client")
    return m.Project(
        id=r.int_(rec, "id"),
        name=r.text(rec, "name"),
        code=r.text(rec, "code"),
        client_id=r.opt_int(client, "id"),
        client_name=r.opt_text(client, "name"),
        active=r.bool_(rec, "is_active", default=True),
        billable=r.bool_(rec, "is_billable"),
        notes=r.text(rec, "notes"),
        bill_by=r.text(rec, "bill_by") or "none",
        budget=r.opt_float(rec, "budget"),
        budget_by=r.text(rec, "budget_by") or "none",
    )


@r.reader("project")
def project(doc: r.Tree) -> m.Project:
    return _project(r.single(doc, ("project",)))


@r.reader("list of projects")
def projects(records: list[Record]) -> tuple[m.Project, ...]:
    return tuple(_project(rec) for rec in records)


@r.reader("list of project assignments")
def assigned_projects(records: list[Record]) -> tuple[m.Project, ...]:
    """``/users/{me|id}/project_assignments``: the projects (with their active tasks) a person
    may log time to, sorted by client and name. Inactive assignments and tasks are dropped."""
    found = []
    for rec in records:
        if not r.bool_(rec, "is_active", default=True):
            continue
        project, client = _ref(rec, "project"), _ref(rec, "client")
        tasks = tuple(
            m.Task(
                id=r.int_(_ref(assignment, "task"), "id"),
                name=r.text(_ref(assignment, "task"), "name"),
                billable=r.bool_(assignment, "billable"),
            )
            for assignment in r.items(rec.get("task_assignments"), "task_assignment")
            if r.bool_(assignment, "is_active", default=True)
        )
        found.append(
            m.Project(
                id=r.int_(project, "id"),
                name=r.text(project, "name"),
                code=r.text(project, "code"),
                client_id=r.opt_int(client, "id"),
                client_name=r.opt_text(client, "name"),
                tasks=tasks,
            )
        )
    return tuple(sorted(found, key=lambda p: ((p.client_name or "").lower(), p.name.lower())))


def _client(rec: Record) -> m.Client:
    return m.Client(
        id=r.int_(rec, "id"),
        name=r.text(rec, "name"),
        active=r.bool_(rec, "is_active", default=True),
        currency=r.opt_text(rec, "currency"),
        details=r.text(rec, "address", "details"),
    )


@r.reader("client")
def client(doc: r.Tree) -> m.Client:
    return _client(r.single(doc, ("client",)))


@r.reader("list of clients")
def clients(records: list[Record]) -> tuple[m.Client, ...]:
    return tuple(_client(rec) for rec in records)


@r.reader("list of tasks")
def tasks(records: list[Record]) -> tuple[m.Task, ...]:
    return tuple(
        m.Task(
            id=r.int_(rec, "id"),
            name=r.text(rec, "name"),
            billable=r.bool_(rec, "billable_by_default"),
            is_active=r.bool_(rec, "is_active", default=True),
        )
        for rec in records
    )


@r.reader("list of task assignments")
def task_assignments(records: list[Record], project_id: int) -> tuple[m.TaskAssignment, ...]:
    """``/projects/{id}/task_assignments``; ``project_id`` for records that do not nest it."""
    return tuple(
        m.TaskAssignment(
            id=r.int_(rec, "id"),
            project_id=r.opt_int(_ref(rec, "project"), "id") or project_id,
            task_id=_ref_id(rec, "task"),
            billable=r.bool_(rec, "billable"),
            is_active=r.bool_(rec, "is_active", default=True),
            hourly_rate=r.opt_float(rec, "hourly_rate"),
            budget=r.opt_float(rec, "budget"),
        )
        for rec in records
    )


# --- expenses --------------------------------------------------------------------------------


@r.reader("list of expense categories")
def expense_categories(records: list[Record]) -> tuple[m.ExpenseCategory, ...]:
    return tuple(
        m.ExpenseCategory(
            id=r.int_(rec, "id"),
            name=r.text(rec, "name"),
            unit_name=r.opt_text(rec, "unit_name"),
            unit_price=r.opt_float(rec, "unit_price"),
            is_active=r.bool_(rec, "is_active", default=True),
        )
        for rec in records
    )


@r.reader("list of expenses")
def expenses(records: list[Record]) -> tuple[m.Expense, ...]:
    return tuple(
        m.Expense(
            id=r.int_(rec, "id"),
            user_id=_ref_id(rec, "user"),
            project_id=_ref_id(rec, "project"),
            expense_category_id=_ref_id(rec, "expense_category"),
            spent_at=to_date(r.need(rec, "spent_date")),
            total_cost=to_float(r.need(rec, "total_cost")),
            units=r.opt_float(rec, "units"),
            notes=r.text(rec, "notes"),
            billable=r.bool_(rec, "billable"),
            is_billed=r.bool_(rec, "is_billed"),
            is_closed=_closed(rec),
            created_at=r.opt_datetime(rec, "created_at"),
            updated_at=r.opt_datetime(rec, "updated_at"),
        )
        for rec in records
    )


# --- reports ---------------------------------------------------------------------------------

_SUBJECT = {"clients": "client", "projects": "project", "tasks": "task", "team": "user"}


@r.reader("time report")
def report_rows(records: list[Record], kind: m.ReportKind) -> tuple[m.ReportRow, ...]:
    """``/reports/time/{kind}`` ``results``: one row per subject and currency."""
    subject = _SUBJECT[kind]
    return tuple(
        m.ReportRow(
            kind=kind,
            subject_id=r.int_(rec, f"{subject}_id"),
            subject_name=r.text(rec, f"{subject}_name"),
            total_hours=r.opt_float(rec, "total_hours") or 0.0,
            billable_hours=r.opt_float(rec, "billable_hours") or 0.0,
            currency=r.opt_text(rec, "currency"),
            billable_amount=r.opt_float(rec, "billable_amount"),
            client_id=r.opt_int(rec, "client_id") if kind == "projects" else None,
            client_name=r.opt_text(rec, "client_name") if kind == "projects" else None,
            is_contractor=r.bool_(rec, "is_contractor"),
            weekly_capacity=r.opt_int(rec, "weekly_capacity"),
        )
        for rec in records
    )
