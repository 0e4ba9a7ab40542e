"""The Reports API [RT, OAS]: time and expenses summed per subject, on their own rate budget.

``GET /v2/reports/time/{clients,projects,tasks,team}`` and
``GET /v2/reports/expenses/{clients,projects,categories,team}``: ``from`` and ``to`` are
required (422), inclusive, ``2017-01-01`` or ``20170101``, and at most a year apart (a ``to``
more than 365 days after ``from`` is a 422); ``include_fixed_fee`` is accepted and changes
nothing (no fixed-fee projects here). Page-based.

A subject has one row per currency (the currency of the client the time or expense was for):
the team example lists one person twice, EUR and USD. Rows run by subject name, then currency.

What is counted: administrators everything; managers their own plus everything on projects
they manage; members their own. Running timers count their hours so far. Time rows carry
``total_hours`` and ``billable_hours``, and, for those who may see rates, ``currency`` and
``billable_amount`` (hours × the entry's billable rate, :mod:`emulator.v2.serialise`).
Assumptions: for those who may not see rates both keys are left out and the rows stay split by
currency; expense rows carry ``total_amount``, ``billable_amount`` and ``currency`` for everyone
(they are costs, not rates); hours are not rounded (no Time Rounding setting).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from emulator.context import Reply
from emulator.entries import Entry, select
from emulator.errors import NotFound
from emulator.v2 import access, filters
from emulator.v2.context import Unprocessable, V2Ctx, V2Routes, decimal, json_reply
from emulator.v2.paging import paged
from emulator.v2.serialise import Lookup, full_name

routes = V2Routes()

MAX_SPAN_DAYS = 365


def span(ctx: V2Ctx) -> tuple[date, date]:
    """:raises Unprocessable: from/to missing, malformed, reversed or more than a year apart."""
    start = filters.day(ctx, "from", required=True)
    end = filters.day(ctx, "to", required=True)
    assert start is not None and end is not None
    if start > end:
        raise Unprocessable("from must not be after to")
    if (end - start).days > MAX_SPAN_DAYS:
        raise Unprocessable("The timeframe between from and to cannot exceed 1 year (365 days)")
    return start, end


def _team_fields(look: Lookup, user_id: int) -> dict[str, Any]:
    user = look.users[user_id]
    return {"user_id": user_id, "user_name": full_name(user),
            "is_contractor": bool(user["is_contractor"])}


def _client_fields(look: Lookup, project_id: int) -> dict[str, Any]:
    client = look.clients[look.projects[project_id]["client_id"]]
    return {"client_id": client["id"], "client_name": client["name"]}


def _project_fields(look: Lookup, project_id: int) -> dict[str, Any]:
    project = look.projects[project_id]
    return {**_client_fields(look, project_id), "project_id": project_id,
            "project_name": project["name"]}


# Each kind of row: its subject's fields from (lookup, project id, task/category id, user id).
Subject = Callable[[Lookup, int, int, int], dict[str, Any]]
TIME_SUBJECTS: dict[str, Subject] = {
    "clients": lambda look, project, task, user: _client_fields(look, project),
    "projects": lambda look, project, task, user: _project_fields(look, project),
    "tasks": lambda look, project, task, user: {"task_id": task,
                                                "task_name": look.tasks[task]["name"]},
    "team": lambda look, project, task, user: _team_fields(look, user),
}
EXPENSE_SUBJECTS: dict[str, Subject] = {
    "clients": TIME_SUBJECTS["clients"],
    "projects": TIME_SUBJECTS["projects"],
    "categories": lambda look, project, category, user: {
        "expense_category_id": category,
        "expense_category_name": look.categories[category]["name"]},
    "team": TIME_SUBJECTS["team"],
}


def _name(row: dict[str, Any]) -> str:
    for key in ("user_name", "project_name", "task_name", "expense_category_name",
                "client_name"):
        if key in row:
            return str(row[key]).lower()
    return ""


def _sorted(groups: dict[tuple[Any, ...], dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(groups.values(), key=lambda row: (_name(row), row["_currency"]))


def _time_rows(ctx: V2Ctx, kind: str, entries: list[Entry]) -> list[dict[str, Any]]:
    look, rates = Lookup(ctx.store), access.sees_rates(ctx.me)
    subject = TIME_SUBJECTS[kind]
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for entry in entries:
        fields = subject(look, entry.project_id, entry.task_id, entry.user_id)
        currency = look.currency(entry.project_id)
        row = groups.setdefault((*fields.values(), currency), {
            **fields, "total_hours": 0.0, "billable_hours": 0.0, "_currency": currency,
            "_amount": 0.0})
        row["total_hours"] += entry.hours
        if look.billable(entry.project_id, entry.task_id):
            row["billable_hours"] += entry.hours
            rate = look.billable_rate(entry.project_id, entry.task_id, entry.user_id)
            row["_amount"] += entry.hours * (rate or 0.0)
    results = []
    for row in _sorted(groups):
        currency, amount = row.pop("_currency"), row.pop("_amount")
        row["total_hours"] = decimal(row["total_hours"])
        row["billable_hours"] = decimal(row["billable_hours"])
        if rates:
            row["currency"] = currency
            row["billable_amount"] = decimal(amount)
        if kind == "team":
            row["weekly_capacity"] = ctx.account["weekly_capacity"]
            row["avatar_url"] = (ctx.url.split("/v2/", 1)[0].removesuffix("/api")
                                 + f"/assets/profile_images/{row['user_id']}.png")
        results.append(row)
    return results


def _expense_rows(ctx: V2Ctx, kind: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    look = Lookup(ctx.store)
    subject = EXPENSE_SUBJECTS[kind]
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for expense in rows:
        fields = subject(look, expense["project_id"], expense["expense_category_id"],
                         expense["user_id"])
        currency = look.currency(expense["project_id"])
        row = groups.setdefault((*fields.values(), currency), {
            **fields, "total_amount": 0.0, "billable_amount": 0.0, "_currency": currency})
        row["total_amount"] += expense["total_cost"]
        if expense["billable"]:
            row["billable_amount"] += expense["total_cost"]
    results = []
    for row in _sorted(groups):
        row["currency"] = row.pop("_currency")
        row["total_amount"] = decimal(row["total_amount"])
        row["billable_amount"] = decimal(row["billable_amount"])
        results.append(row)
    return results


@routes("/reports/time/{kind}")
def time_report(ctx: V2Ctx) -> Reply:
    kind = ctx.path_params.get("kind", "")
    if kind not in TIME_SUBJECTS:
        raise NotFound("No such report")
    start, end = span(ctx)
    seen, args = access.visibility_sql(ctx.store, ctx.me)
    entries = select(ctx.store, f"{seen} AND e.spent_at BETWEEN ? AND ?",
                     (*args, start.isoformat(), end.isoformat()), ctx.now())
    return json_reply(paged(ctx, "results", _time_rows(ctx, kind, entries)))


@routes("/reports/expenses/{kind}")
def expense_report(ctx: V2Ctx) -> Reply:
    kind = ctx.path_params.get("kind", "")
    if kind not in EXPENSE_SUBJECTS:
        raise NotFound("No such report")
    start, end = span(ctx)
    seen, args = access.visibility_sql(ctx.store, ctx.me, alias="x")
    rows = ctx.store.all(f"SELECT x.* FROM expenses x WHERE {seen} "
                         "AND x.spent_at BETWEEN ? AND ?", *args, start.isoformat(),
                         end.isoformat())
    return json_reply(paged(ctx, "results", _expense_rows(ctx, kind, rows)))
