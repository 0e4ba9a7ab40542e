"""``/projects``: every call of projects.txt, with its roles, the plan's project limit and the
delete-with-hours rule.

Roles (overview.txt): administrators see and change every project; project managers see the
projects they manage; regular users get 403. Writes answer with an empty body and a ``Location``
header, as the document shows (``201 Created`` / ``Location: /projects/{id}``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.codec import Obj
from emulator.context import Ctx, Reply, Routes
from emulator.errors import ApiError, BadRequest, Forbidden
from emulator.routes.resources import (
    Spec,
    blank_name,
    collect,
    day,
    decimal,
    fields,
    flag,
    integer,
    listing,
    located,
    required_name,
    row_or_404,
    since,
    stamp,
    touch,
)

routes = Routes()

# projects.txt lists "Tasks, People, Project, none"; stored in that spelling whatever case came.
BILL_BY = {"tasks": "Tasks", "people": "People", "project": "Project", "none": "none"}
BUDGET_BY = ("project", "project_cost", "task", "person", "none")

WRITABLE: Spec = {
    "name": "str", "client_id": "int", "code": "str", "notes": "str", "billable": "bool",
    "bill_by": "str", "hourly_rate": "float", "budget": "float", "budget_by": "str",
}


def project_node(row: dict[str, Any], hints: tuple[str | None, str | None] = (None, None)) -> Obj:
    """A project with every field of projects.txt, then the ones the later v1 document added."""
    return Obj("project", [
        ("id", integer(row["id"])),
        ("name", row["name"]),
        ("active", flag(row["active"])),
        ("billable", flag(row["billable"])),
        ("bill_by", row["bill_by"]),
        ("hourly_rate", decimal(row["hourly_rate"])),
        ("client_id", integer(row["client_id"])),
        ("code", row["code"]),
        ("notes", row["notes"]),
        ("budget_by", row["budget_by"]),
        ("budget", decimal(row["budget"])),
        ("fees", None),  # "FOR FUTURE USE"
        ("created_at", stamp(row["created_at"])),
        ("updated_at", stamp(row["updated_at"])),
        # Assumption: the emulator has no budget alerts or cost budgets; these answer as an
        # account that never set them did, so clients reading them find them.
        ("notify_when_over_budget", flag(False)),
        ("over_budget_notification_percentage", decimal(80.0)),
        ("over_budget_notified_at", stamp(None)),
        ("show_budget_to_all", flag(False)),
        ("starts_on", day(None)),
        ("ends_on", day(None)),
        ("hint_earliest_record_at", day(hints[0])),
        ("hint_latest_record_at", day(hints[1])),
        ("cost_budget", decimal(None)),
        ("cost_budget_include_expenses", flag(False)),
    ], wrap=True)


def _hints(ctx: Ctx) -> dict[int, tuple[str | None, str | None]]:
    """Earliest and latest day with a time entry or an expense, by project."""
    rows = ctx.store.all(
        "SELECT project_id, MIN(spent_at) AS first, MAX(spent_at) AS last FROM ("
        " SELECT project_id, spent_at FROM day_entries"
        " UNION ALL SELECT project_id, spent_at FROM expenses) GROUP BY project_id")
    return {row["project_id"]: (row["first"], row["last"]) for row in rows}


def _render(ctx: Ctx, row: dict[str, Any]) -> Reply:
    return Reply(project_node(row, _hints(ctx).get(row["id"], (None, None))))


# -- who may do what --------------------------------------------------------------------------


def _require_manager_role(ctx: Ctx) -> None:
    """:raises Forbidden: a regular user (the Extended API is for administrators and PMs)."""
    if not (ctx.is_admin or ctx.is_pm):
        raise Forbidden("Only administrators and project managers may see projects")


def visible_project(ctx: Ctx, project_id: int) -> dict[str, Any]:
    """A project the caller may see: any for administrators, managed ones for project managers.

    Assumption: a project manager asking for a project they do not manage gets 403 (the role
    refuses), not 404; a regular user gets 403 before the id is even looked up.

    :raises Forbidden: the caller may not see it.
    :raises NotFound: no such project.
    """
    _require_manager_role(ctx)
    project = row_or_404(ctx, "projects", project_id, "project")
    if not ctx.is_admin and project_id not in ctx.managed_project_ids():
        raise Forbidden("You do not manage this project")
    return project


# -- validation ------------------------------------------------------------------------------


def _values(ctx: Ctx, creating: bool) -> dict[str, Any]:
    """The project fields of the request, validated; ``active`` is never among them.

    :raises BadRequest: a field of the wrong type or an unknown option.
    """
    values = collect(fields(ctx, "project"), WRITABLE)
    if creating:
        values["name"] = required_name(values)
        if values.get("client_id") is None:
            raise BadRequest("A valid and existing client id is required (client_id)")
    else:
        blank_name(values)
    settle_values(ctx, values, BadRequest, "Tasks, People, Project, none", BUDGET_BY)
    return values


def settle_values(ctx: Ctx, values: dict[str, Any], refuse: Callable[[str], ApiError],
                  bill_by_names: str, budget_by: tuple[str, ...]) -> None:
    """Check and normalise a project's ``client_id``, ``code``, ``notes``, ``bill_by`` and
    ``budget_by`` in place, by the same rules on v1 and v2; each wire brings its own refusal
    (v1 400 with a Hint, v2 422), the options its documents list and their order in messages.

    :raises ApiError: made by ``refuse``.
    """
    if "client_id" in values:
        if values["client_id"] is None:
            raise refuse("client_id can't be blank")
        if ctx.store.one("SELECT id FROM clients WHERE id = ?", values["client_id"]) is None:
            raise refuse(f"client_id {values['client_id']} is not an existing client")
    for column in ("code", "notes"):  # NOT NULL in the store: a nil or null value means empty
        if column in values and values[column] is None:
            values[column] = ""
    if "bill_by" in values:
        bill_by = BILL_BY.get((values["bill_by"] or "none").strip().lower())
        if bill_by is None:
            raise refuse(f"bill_by must be one of {bill_by_names}")
        values["bill_by"] = bill_by
    if "budget_by" in values:
        chosen = (values["budget_by"] or "none").strip().lower()
        if chosen not in budget_by:
            raise refuse("budget_by must be one of " + ", ".join(budget_by))
        values["budget_by"] = chosen


def _refuse_duplicate(ctx: Ctx, client_id: int, name: str, project_id: int | None = None) -> None:
    """Assumption: Harvest refused two projects of the same name under one client (its UI did).

    :raises BadRequest: the client already has a project of that name.
    """
    clash = ctx.store.one(
        "SELECT id FROM projects WHERE client_id = ? AND name = ? COLLATE NOCASE AND id IS NOT ?",
        client_id, name, project_id)
    if clash:
        raise BadRequest(f"Name has already been taken: this client already has a project "
                         f"called {name!r}")


def _refuse_over_limit(ctx: Ctx) -> None:
    """The plan's limit counts active projects (NULL: unlimited).

    :raises BadRequest: one more active project would exceed it (400 with a Hint header).
    """
    limit = ctx.store.account()["project_limit"]
    if limit is None:
        return
    active = ctx.store.scalar("SELECT COUNT(*) FROM projects WHERE active = 1")
    if active >= limit:
        raise BadRequest(f"You've hit the limit of {limit} active projects for your plan: "
                         "archive a project or upgrade the plan")


# -- the calls -------------------------------------------------------------------------------


@routes("/projects")
def list_projects(ctx: Ctx) -> Reply:
    _require_manager_role(ctx)
    where: list[str] = ["1 = 1"]
    args: list[Any] = []
    # The document filters with ?client=; client_id= is what its prose calls it.
    client = ctx.params.int("client") if ctx.params.has("client") else ctx.params.int("client_id")
    if client is not None:
        where.append("client_id = ?")
        args.append(client)
    updated = since(ctx)
    if updated:
        where.append("updated_at >= ?")
        args.append(updated)
    rows = ctx.store.all(f"SELECT * FROM projects WHERE {' AND '.join(where)} ORDER BY id", *args)
    if not ctx.is_admin:
        managed = ctx.managed_project_ids()
        rows = [row for row in rows if row["id"] in managed]
    hints = _hints(ctx)
    return listing("projects", [project_node(row, hints.get(row["id"], (None, None)))
                                for row in rows])


@routes("/projects/{project_id}")
def show_project(ctx: Ctx) -> Reply:
    return _render(ctx, visible_project(ctx, ctx.path_int("project_id")))


@routes("/projects", "POST")
def create_project(ctx: Ctx) -> Reply:
    """201 with ``Location`` and an empty body, as Rails' ``head :created`` answered.

    New projects get the tasks marked "add to new projects by default" (tasks' is_default) and
    the people with access to all future projects, as Harvest's UI did.
    """
    ctx.require_admin()
    values = _values(ctx, creating=True)
    active = fields(ctx, "project").bool("active")
    active = True if active is None else active
    _refuse_duplicate(ctx, values["client_id"], values["name"])
    if active:
        # Assumption: an archived project does not count against the limit, so creating one
        # archived is allowed even at the limit.
        _refuse_over_limit(ctx)
    now = touch(ctx)
    project_id = ctx.store.insert("projects", **values, active=int(active),
                                  created_at=now, updated_at=now)
    for task in ctx.store.all("SELECT * FROM tasks WHERE is_default = 1 AND deactivated = 0"):
        ctx.store.insert("task_assignments", project_id=project_id, task_id=task["id"],
                         billable=task["billable_by_default"],
                         hourly_rate=task["default_hourly_rate"], created_at=now, updated_at=now)
    for user in ctx.store.all("SELECT * FROM users WHERE has_access_to_all_future_projects = 1"):
        ctx.store.insert("user_assignments", project_id=project_id, user_id=user["id"],
                         hourly_rate=user["default_hourly_rate"], created_at=now, updated_at=now)
    return located(f"/projects/{project_id}", 201)


@routes("/projects/{project_id}", "PUT")
def update_project(ctx: Ctx) -> Reply:
    """200 with ``Location``; ``active`` is ignored here ("a separate method needs to be used").

    Assumption: project managers may edit the projects they manage (the UI let them); the
    document asks for client-id in the body, but a body without it keeps the project's client.
    """
    project = visible_project(ctx, ctx.path_int("project_id"))
    values = _values(ctx, creating=False)
    client_id = values.get("client_id", project["client_id"])
    name = values.get("name", project["name"])
    if "client_id" in values or "name" in values:
        _refuse_duplicate(ctx, client_id, name, project["id"])
    ctx.store.update("projects", project["id"], **values, updated_at=touch(ctx))
    return located(f"/projects/{project['id']}")


@routes("/projects/{project_id}/toggle", "POST", "PUT")
def toggle_project(ctx: Ctx) -> Reply:
    """Archive an active project or activate an archived one; activating over the limit is a 400."""
    ctx.require_admin()
    project = row_or_404(ctx, "projects", ctx.path_int("project_id"), "project")
    if not project["active"]:
        _refuse_over_limit(ctx)
    ctx.store.update("projects", project["id"], active=int(not project["active"]),
                     updated_at=touch(ctx))
    return located(f"/projects/{project['id']}")


@routes("/projects/{project_id}", "DELETE")
@routes("/project/{project_id}", "DELETE")  # the document's spelling, a typo real clients copied
def delete_project(ctx: Ctx) -> Reply:
    """200 and gone (with its task and user assignments) if it has no hours; else 400, kept.

    Assumption: any time entry counts as hours (a running timer at 0.0 too), and so does an
    expense, which Harvest also kept the project for.
    """
    ctx.require_admin()
    project = row_or_404(ctx, "projects", ctx.path_int("project_id"), "project")
    if ctx.store.scalar("SELECT COUNT(*) FROM day_entries WHERE project_id = ?", project["id"]):
        raise BadRequest("The project has hours recorded and cannot be deleted; archive it "
                         "with the toggle call instead")
    if ctx.store.scalar("SELECT COUNT(*) FROM expenses WHERE project_id = ?", project["id"]):
        raise BadRequest("The project has expenses recorded and cannot be deleted; archive it "
                         "with the toggle call instead")
    ctx.store.execute("DELETE FROM projects WHERE id = ?", project["id"])  # assignments cascade
    return Reply(None, 200)
