"""Project writes on v2 [PR]: ``POST /v2/projects``, ``PATCH /v2/projects/{id}`` and
``DELETE /v2/projects/{id}``, by v1's rules on the same store (:mod:`emulator.routes.projects`),
so a project written on one wire reads the same on the other.

- ``POST /v2/projects`` → 201 and the project object. ``client_id``, ``name``, ``is_billable``,
  ``bill_by`` and ``budget_by`` are required, as the create section lists them; a missing or
  blank one is a 422 naming every one missing. Optional: ``code``, ``is_active`` (default true),
  ``hourly_rate``, ``budget``, ``notes``. New projects get the tasks marked "add to new projects"
  and the people with access to all future projects, as v1's create does.
- ``PATCH /v2/projects/{id}`` → 200 and the project; any of the same fields, omitted ones kept.
  ``is_active`` archives (false) or unarchives (true) the project: v2 has no toggle.
- ``DELETE /v2/projects/{id}`` → 200 with an empty body, the project gone with its task and user
  assignments (later reads are 404).

Refusals, each before anything is written (and the request's transaction rolls back anyway):
422 for invalid input (a field of the wrong type, an unknown ``bill_by``/``budget_by``, a
client that does not exist, a blank ``name``), for a second project of the same name under one
client (v1's rule), for one active project more than the plan's limit (``account.project_limit``:
on create unless ``is_active`` is false, and on unarchiving), and for deleting a project with time
entries or expenses; 403 for the roles below; 404 for no such project.

Assumptions where the v2 pages are silent or vague (v2-notes ⚠ territory):

- Who: creating needs an administrator, or a manager holding the ``project_creator`` access
  role (the permission Harvest names for creating projects); the manager becomes the new
  project's manager (a user assignment with ``is_project_manager``), as Harvest's UI does, so
  the project is among the ones they may read. Updating and deleting need an administrator;
  everyone else gets 403 before the id is looked up. (v1's ``PUT /projects/{id}`` lets a project
  manager edit a managed project; v2 here is stricter, because v2's pages name no manager
  permission for editing or deleting projects.)
- Deleting: the v2 page says a delete also removes the project's time entries and expenses. The
  emulator keeps v1's rule instead, on the same store: a project with any time entry (a running
  timer at 0 h too) or any expense is refused with a 422 that says to archive it
  (``is_active: false``); no wire destroys tracked time.
- Leniency: ``bill_by`` (``Project``, ``Tasks``, ``People``, ``none``) and ``budget_by``
  (``project``, ``project_cost``, ``task``, ``task_fees``, ``person``, ``none``) are read in any
  case and stored in v1's spelling (``task_fees`` is v2's; v1 never had it); a blank one on PATCH
  means ``none``, as on v1. Numbers and booleans may arrive as strings (form bodies).
- Fields the store has no column for (``is_fixed_fee``, ``budget_is_monthly``,
  ``notify_when_over_budget``, ``over_budget_notification_percentage``, ``show_budget_to_all``,
  ``cost_budget``, ``cost_budget_include_expenses``, ``fee``, ``starts_on``, ``ends_on``) are
  checked for their type (a 422 if wrong) and not kept: the project object answers them as an
  account that never set them (:func:`emulator.v2.serialise.project`).
- ``updated_at`` moves only when a PATCH changes something it names.
"""

from __future__ import annotations

from typing import Any

from emulator.clock import iso
from emulator.context import Reply
from emulator.errors import Forbidden, NotFound
from emulator.params import Params
from emulator.routes.projects import _refuse_duplicate as refuse_duplicate
from emulator.routes.projects import _refuse_over_limit as refuse_over_limit
from emulator.routes.projects import settle_values
from emulator.routes.resources import Spec, collect
from emulator.v2 import access, filters, serialise
from emulator.v2.context import JSON_TYPE, Unprocessable, V2Ctx, V2Routes, json_reply

routes = V2Routes()

PROJECT_CREATOR = "project_creator"
BUDGET_BY = ("project", "project_cost", "task", "task_fees", "person", "none")
REQUIRED = ("client_id", "name", "is_billable", "bill_by", "budget_by")

# v2 field -> (store column, how it is read)
STORED: dict[str, tuple[str, str]] = {
    "client_id": ("client_id", "int"), "name": ("name", "str"), "code": ("code", "str"),
    "is_active": ("active", "bool"), "is_billable": ("billable", "bool"),
    "bill_by": ("bill_by", "str"), "hourly_rate": ("hourly_rate", "float"),
    "budget": ("budget", "float"), "budget_by": ("budget_by", "str"), "notes": ("notes", "str"),
}
UNSTORED: Spec = {
    "is_fixed_fee": "bool", "budget_is_monthly": "bool", "notify_when_over_budget": "bool",
    "over_budget_notification_percentage": "float", "show_budget_to_all": "bool",
    "cost_budget": "float", "cost_budget_include_expenses": "bool", "fee": "float",
}

CREATORS_ONLY = ("Only administrators, and managers allowed to create projects "
                 "(project_creator), may create projects")
ADMINS_ONLY = "Only administrators may change or delete projects"


# -- reading the request -------------------------------------------------------------------------


def _missing(params: Params) -> list[str]:
    """The required fields left out or blank (``is_billable`` must be true or false)."""
    missing = [name for name in REQUIRED if name != "is_billable" and params.blank(name)]
    if params.bool("is_billable") is None:
        missing.insert(REQUIRED.index("is_billable"), "is_billable")
    return missing


def _values(ctx: V2Ctx, creating: bool) -> dict[str, Any]:
    """The request's project fields as store columns, checked.

    :raises Unprocessable: a required field missing, a wrong type, an unknown option, a blank
        name or a client that does not exist.
    :raises BadRequest: a wrong-typed field (read by shared code; a 422 on v2 all the same).
    """
    params = ctx.params
    if creating:
        missing = _missing(params)
        if missing:
            raise Unprocessable(f"Missing required fields: {', '.join(missing)}")
    collect(params, UNSTORED)  # type checks only: the store keeps none of these
    for name in ("starts_on", "ends_on"):
        filters.day(ctx, name)
    given = collect(params, {name: kind for name, (_, kind) in STORED.items()})
    values = {STORED[name][0]: value for name, value in given.items()}
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise Unprocessable("name can't be blank")
    settle_values(ctx, values, Unprocessable, "Project, Tasks, People, none", BUDGET_BY)
    return values


def _render(ctx: V2Ctx, project_id: int, status: int = 200) -> Reply:
    row = ctx.store.one("SELECT * FROM projects WHERE id = ?", project_id)
    assert row is not None
    owner = ctx.store.one("SELECT * FROM clients WHERE id = ?", row["client_id"])
    assert owner is not None
    return json_reply(serialise.project(row, owner), status)


def _project_for_admin(ctx: V2Ctx) -> dict[str, Any]:
    """The path's project. :raises Forbidden: not an administrator. :raises NotFound: none."""
    if not access.is_admin(ctx.me):
        raise Forbidden(ADMINS_ONLY)
    row = ctx.store.one("SELECT * FROM projects WHERE id = ?", ctx.path_int("project_id"))
    if row is None:
        raise NotFound("No such project")
    return row


# -- the calls -----------------------------------------------------------------------------------


def _assign_new_project(ctx: V2Ctx, project_id: int, now: str) -> None:
    """Default tasks and future-project people (v1's create), and a creating manager as PM."""
    store = ctx.store
    for task in store.all("SELECT * FROM tasks WHERE is_default = 1 AND deactivated = 0"):
        store.insert("task_assignments", project_id=project_id, task_id=task["id"],
                     billable=task["billable_by_default"],
                     hourly_rate=task["default_hourly_rate"], created_at=now, updated_at=now)
    for user in store.all("SELECT * FROM users WHERE has_access_to_all_future_projects = 1"):
        store.insert("user_assignments", project_id=project_id, user_id=user["id"],
                     hourly_rate=user["default_hourly_rate"], created_at=now, updated_at=now)
    if access.is_manager(ctx.me):
        mine = store.one("SELECT id FROM user_assignments WHERE project_id = ? AND user_id = ?",
                         project_id, ctx.me["id"])
        if mine:  # a manager with access to all future projects was just assigned above
            store.update("user_assignments", mine["id"], is_project_manager=1)
        else:
            store.insert("user_assignments", project_id=project_id, user_id=ctx.me["id"],
                         is_project_manager=1, hourly_rate=ctx.me["default_hourly_rate"],
                         created_at=now, updated_at=now)


@routes("/projects", "POST")
def create_project(ctx: V2Ctx) -> Reply:
    if not access.holds(ctx.me, PROJECT_CREATOR):
        raise Forbidden(CREATORS_ONLY)
    values = _values(ctx, creating=True)
    active = bool(values.pop("active", 1))
    refuse_duplicate(ctx, values["client_id"], values["name"])
    if active:  # as on v1, an archived project does not count against the plan's limit
        refuse_over_limit(ctx)
    now = iso(ctx.now())
    project_id = ctx.store.insert("projects", **values, active=int(active),
                                  created_at=now, updated_at=now)
    _assign_new_project(ctx, project_id, now)
    return _render(ctx, project_id, 201)


@routes("/projects/{project_id}", "PATCH")
def update_project(ctx: V2Ctx) -> Reply:
    project = _project_for_admin(ctx)
    values = _values(ctx, creating=False)
    if "client_id" in values or "name" in values:
        refuse_duplicate(ctx, values.get("client_id", project["client_id"]),
                         values.get("name", project["name"]), project["id"])
    if values.get("active") and not project["active"]:
        refuse_over_limit(ctx)
    changed = {column: value for column, value in values.items() if project[column] != value}
    if changed:
        ctx.store.update("projects", project["id"], **changed, updated_at=iso(ctx.now()))
    return _render(ctx, project["id"])


@routes("/projects/{project_id}", "DELETE")
def delete_project(ctx: V2Ctx) -> Reply:
    project = _project_for_admin(ctx)
    for table, what in (("day_entries", "time entries"), ("expenses", "expenses")):
        if ctx.store.scalar(f"SELECT COUNT(*) FROM {table} WHERE project_id = ?", project["id"]):
            raise Unprocessable(f"The project has {what} and cannot be deleted: archive it "
                                "instead (PATCH is_active=false)")
    ctx.store.execute("DELETE FROM projects WHERE id = ?", project["id"])  # assignments cascade
    return Reply(raw=b"", status=200, content_type=JSON_TYPE)
