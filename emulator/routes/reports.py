"""The Reporting API (reporting.txt): a project's or a person's time entries and expenses.

``from`` and ``to`` (``YYYYMMDD``) are required and inclusive. Who may ask (overview.txt):
administrators anything; project managers the projects they manage (everyone's entries on
them) and their own person reports; everyone else only their own entries: ``/people/{self}/…``,
or ``/projects/{id}/…?user_id={self}`` on a project they are assigned to. Anything else is 403.

Shapes: XML exactly as reporting.txt (dashed tags, ``<hours type="decimal">``, and its
``<created_at>`` spelt with an underscore, kept as the document has it) plus ``updated-at``;
JSON wrapped, ``[{"day_entry": {...}}]`` and ``[{"expense": {...}}]``, underscored names. A
running timer counts its current hours; while it runs the entry also carries
``timer_started_at`` and ``hours_with_timer`` (assumption: as the real reports' JSON did).
Expenses carry, besides the document's fields, ``billable``, ``is_billed``, ``is_closed`` and
the timestamps (assumption: real v1 expenses had them).

Optional filters (as Harvest v1 offered them): ``user_id`` (project reports), ``project_id``
(person reports), ``billable=yes|no``, ``only_billed=yes``, ``only_unbilled=yes`` and
``updated_since`` (``2010-09-25 18:30`` or ISO 8601, UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from emulator.clock import iso, parse_iso
from emulator.codec import REPORT, Arr, Literal, Obj, T
from emulator.context import Ctx, Reply, Routes
from emulator.entries import Entry, select
from emulator.errors import BadRequest, Forbidden, NotFound
from emulator.params import parse_report_date

routes = Routes()

FORBIDDEN_PROJECT = ("Only administrators and the project's managers may see everyone's time "
                     "on it; others may ask for their own with user_id")
FORBIDDEN_PERSON = "Only administrators may see another person's time and expenses"

# An entry is billable when its project is and its task is on that project.
_BILLABLE = """(p.billable = 1 AND COALESCE(
    (SELECT ta.billable FROM task_assignments ta
     WHERE ta.project_id = e.project_id AND ta.task_id = e.task_id), t.billable_by_default) = 1)"""


# -- parameters and permissions --------------------------------------------------------------------


def _span(ctx: Ctx) -> tuple[date, date]:
    """:raises BadRequest: from/to missing, malformed, or from after to."""
    start = parse_report_date(ctx.params.str("from"), "from")
    end = parse_report_date(ctx.params.str("to"), "to")
    if start > end:
        raise BadRequest(f"from ({start:%Y%m%d}) is after to ({end:%Y%m%d})")
    return start, end


def _project(ctx: Ctx) -> dict[str, Any]:
    project = ctx.store.one("SELECT * FROM projects WHERE id = ?", ctx.path_int("project_id"))
    if project is None:
        raise NotFound("No such project")
    return project


def _person(ctx: Ctx) -> dict[str, Any]:
    person = ctx.store.one("SELECT * FROM users WHERE id = ?", ctx.path_int("user_id"))
    if person is None:
        raise NotFound("No such person")
    if not ctx.is_admin and person["id"] != ctx.me["id"]:
        raise Forbidden(FORBIDDEN_PERSON)
    return person


def _project_user_filter(ctx: Ctx, project_id: int) -> int | None:
    """The ``user_id`` filter of a project report, after checking the caller may ask for it.

    :raises Forbidden: not an administrator or the project's manager, and not asking for
        their own time on a project they are assigned to.
    """
    user_id = ctx.params.int("user_id")
    if ctx.is_admin or project_id in ctx.managed_project_ids():
        return user_id
    assigned = ctx.store.one("SELECT id FROM user_assignments WHERE project_id = ? AND user_id = ?",
                             project_id, ctx.me["id"])
    if user_id != ctx.me["id"] or assigned is None:
        raise Forbidden(FORBIDDEN_PROJECT)
    return user_id


def _updated_since(ctx: Ctx) -> datetime | None:
    text = ctx.params.str("updated_since")
    if text is None or not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(f"updated_since must be a date and time such as 2010-09-25 18:30, "
                         f"got {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _entry_filters(ctx: Ctx, start: date, end: date) -> tuple[list[str], list[Any]]:
    where = ["e.spent_at BETWEEN ? AND ?"]
    args: list[Any] = [start.isoformat(), end.isoformat()]
    billable = ctx.params.bool("billable")
    if billable is not None:
        where.append(_BILLABLE if billable else f"NOT {_BILLABLE}")
    if ctx.params.bool("only_billed"):
        where.append("e.is_billed = 1")
    if ctx.params.bool("only_unbilled"):
        where.append("e.is_billed = 0")
    since = _updated_since(ctx)
    if since is not None:
        where.append("e.updated_at >= ?")
        args.append(iso(since))
    return where, args


# -- rendering -------------------------------------------------------------------------------------


def report_entry(entry: Entry) -> Obj:
    fields: list[tuple[str, Any]] = [
        ("hours", T(entry.hours, "decimal")),
        ("id", T(entry.id, "integer")),
        ("notes", entry.notes),
        ("project_id", T(entry.project_id, "integer")),
        ("spent_at", T(entry.spent_at, "date")),
        ("task_id", T(entry.task_id, "integer")),
        ("user_id", T(entry.user_id, "integer")),
        ("is_billed", T(entry.is_billed, "boolean")),
        ("is_closed", T(entry.is_closed, "boolean")),
        (Literal("created_at"), T(entry.created_at, "datetime")),
        ("updated_at", T(entry.updated_at, "datetime")),
    ]
    if entry.running:
        fields += [("timer_started_at", T(entry.timer_started_at, "datetime")),
                   ("hours_with_timer", T(entry.hours, "decimal"))]
    return Obj("day_entry", fields, REPORT)


def report_expense(row: dict[str, Any]) -> Obj:
    return Obj("expense", [
        ("expense_category_id", T(row["expense_category_id"], "integer")),
        ("id", T(row["id"], "integer")),
        ("notes", row["notes"] or ""),
        ("project_id", T(row["project_id"], "integer")),
        ("spent_at", T(date.fromisoformat(row["spent_at"]), "date")),
        ("total_cost", T(row["total_cost"], "decimal")),
        ("units", T(row["units"], "decimal")),
        ("user_id", T(row["user_id"], "integer")),
        ("billable", T(bool(row["billable"]), "boolean")),
        ("is_billed", T(bool(row["is_billed"]), "boolean")),
        ("is_closed", T(bool(row["is_closed"]), "boolean")),
        ("created_at", T(parse_iso(row["created_at"]), "datetime")),
        ("updated_at", T(parse_iso(row["updated_at"]), "datetime")),
    ], REPORT)


def _entries_reply(ctx: Ctx, where: list[str], args: list[Any]) -> Reply:
    entries = select(ctx.store, " AND ".join(where), tuple(args), ctx.now())
    return Reply(Arr("day_entries", [report_entry(e) for e in entries], REPORT, wrap_items=True))


def _expenses_reply(ctx: Ctx, where: list[str], args: list[Any]) -> Reply:
    rows = ctx.store.all(f"SELECT * FROM expenses WHERE {' AND '.join(where)} "
                         "ORDER BY spent_at, id", *args)
    return Reply(Arr("expenses", [report_expense(row) for row in rows], REPORT, wrap_items=True))


# -- routes ----------------------------------------------------------------------------------------


@routes("/projects/{project_id}/entries")
def project_entries(ctx: Ctx) -> Reply:
    project = _project(ctx)
    user_id = _project_user_filter(ctx, project["id"])
    where, args = _entry_filters(ctx, *_span(ctx))
    where.append("e.project_id = ?")
    args.append(project["id"])
    if user_id is not None:
        where.append("e.user_id = ?")
        args.append(user_id)
    return _entries_reply(ctx, where, args)


@routes("/people/{user_id}/entries")
def person_entries(ctx: Ctx) -> Reply:
    person = _person(ctx)
    where, args = _entry_filters(ctx, *_span(ctx))
    where.append("e.user_id = ?")
    args.append(person["id"])
    project_id = ctx.params.int("project_id")
    if project_id is not None:
        where.append("e.project_id = ?")
        args.append(project_id)
    return _entries_reply(ctx, where, args)


@routes("/people/{user_id}/expenses")
def person_expenses(ctx: Ctx) -> Reply:
    person = _person(ctx)
    start, end = _span(ctx)
    return _expenses_reply(ctx, ["user_id = ?", "spent_at BETWEEN ? AND ?"],
                           [person["id"], start.isoformat(), end.isoformat()])


@routes("/projects/{project_id}/expenses")
def project_expenses(ctx: Ctx) -> Reply:
    """Not in reporting.txt, but third-party clients called it (python-harvest's
    ``expenses_for_project``); the same permissions as the project's entries."""
    project = _project(ctx)
    user_id = _project_user_filter(ctx, project["id"])
    start, end = _span(ctx)
    where = ["project_id = ?", "spent_at BETWEEN ? AND ?"]
    args: list[Any] = [project["id"], start.isoformat(), end.isoformat()]
    if user_id is not None:
        where.append("user_id = ?")
        args.append(user_id)
    return _expenses_reply(ctx, where, args)
