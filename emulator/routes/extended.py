"""The Extended REST API's lookup tables: ``/clients``, ``/tasks`` and ``/expense_categories``.

Shapes and rules follow the v1 Clients, Tasks and Expense Categories documents: lists are
``<clients>``, ``<tasks>``, ``<expense-categories>`` (JSON lists of wrapped objects); creates
answer ``201`` with ``Location``, updates ``200`` with ``Location``, all with empty bodies.
Only administrators write. Projects and their assignments live in ``projects.py`` and
``assignments.py``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from emulator.codec import Obj
from emulator.context import Ctx, Reply, Routes
from emulator.errors import BadRequest, Forbidden
from emulator.routes.resources import (
    Spec,
    blank_name,
    collect,
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


def _list(ctx: Ctx, table: str, extra: str = "", *args: Any) -> list[dict[str, Any]]:
    """A table's rows, ``?updated_since=`` applied, oldest first."""
    where, values = [extra or "1 = 1"], list(args)
    updated = since(ctx)
    if updated:
        where.append("updated_at >= ?")
        values.append(updated)
    return ctx.store.all(f"SELECT * FROM {table} WHERE {' AND '.join(where)} ORDER BY id", *values)


def _refuse_taken(ctx: Ctx, table: str, name: str, row_id: int | None = None) -> None:
    """Names are unique per account for clients, tasks and categories (Rails' uniqueness check).

    :raises BadRequest: the name is taken.
    """
    if ctx.store.one(f"SELECT id FROM {table} WHERE name = ? COLLATE NOCASE AND id IS NOT ?",
                     name, row_id):
        raise BadRequest(f"Name has already been taken: {name!r}")


def _insert_named(ctx: Ctx, table: str, wrapper: str, spec: Spec) -> int:
    """Insert a named row (a task, an expense category) from the request's fields; its id.

    :raises BadRequest: no name, a taken name, a field of the wrong type.
    """
    values = collect(fields(ctx, wrapper), spec)
    values["name"] = required_name(values)
    _refuse_taken(ctx, table, values["name"])
    now = touch(ctx)
    return ctx.store.insert(table, **values, created_at=now, updated_at=now)


def _changes(ctx: Ctx, table: str, wrapper: str, spec: Spec, row_id: int) -> dict[str, Any]:
    """The request's changes to a named row.

    :raises BadRequest: a blank name, a name another row has, a field of the wrong type.
    """
    values = collect(fields(ctx, wrapper), spec)
    blank_name(values)
    if "name" in values:
        _refuse_taken(ctx, table, values["name"], row_id)
    return values


# -- clients ---------------------------------------------------------------------------------

CLIENT: Spec = {"name": "str", "currency": "str", "details": "str"}
_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "NZD": "$", "EUR": "€", "GBP": "£", "JPY": "¥",
            "CHF": "CHF", "SEK": "kr", "NOK": "kr", "DKK": "kr"}


def client_node(row: dict[str, Any]) -> Obj:
    code = row["currency"].rsplit("-", 1)[-1].strip()
    return Obj("client", [
        ("id", integer(row["id"])),
        ("name", row["name"]),
        ("active", flag(row["active"])),
        ("currency", row["currency"]),
        ("currency_symbol", _SYMBOLS.get(code, "")),
        ("details", row["details"]),
        ("highrise_id", integer(None)),
        ("cache_version", integer(0)),
        ("default_invoice_timeframe", None),
        ("last_invoice_kind", None),
        ("created_at", stamp(row["created_at"])),
        ("updated_at", stamp(row["updated_at"])),
    ], wrap=True)


def _managed_client_ids(ctx: Ctx) -> set[int]:
    managed = ctx.managed_project_ids()
    if not managed:
        return set()
    marks = ", ".join("?" for _ in managed)
    rows = ctx.store.all(f"SELECT DISTINCT client_id FROM projects WHERE id IN ({marks})",
                         *managed)
    return {row["client_id"] for row in rows}


def _visible_client(ctx: Ctx) -> dict[str, Any]:
    """Assumption: project managers see the clients of the projects they manage (to name them);
    regular users are refused.

    :raises Forbidden: the caller may not see this client. :raises NotFound: no such client.
    """
    if not (ctx.is_admin or ctx.is_pm):
        raise Forbidden("Only administrators and project managers may see clients")
    client = row_or_404(ctx, "clients", ctx.path_int("client_id"), "client")
    if not ctx.is_admin and client["id"] not in _managed_client_ids(ctx):
        raise Forbidden("You manage no project of this client")
    return client


@routes("/clients")
def list_clients(ctx: Ctx) -> Reply:
    if not (ctx.is_admin or ctx.is_pm):
        raise Forbidden("Only administrators and project managers may see clients")
    rows = _list(ctx, "clients")
    if not ctx.is_admin:
        visible = _managed_client_ids(ctx)
        rows = [row for row in rows if row["id"] in visible]
    # The Clients document alone shows its list typed as an array.
    return listing("clients", [client_node(row) for row in rows], typed=True)


@routes("/clients/{client_id}")
def show_client(ctx: Ctx) -> Reply:
    return Reply(client_node(_visible_client(ctx)))


@routes("/clients", "POST")
def create_client(ctx: Ctx) -> Reply:
    """"Only NAME is required." ``active`` may be given; it defaults to true."""
    ctx.require_admin()
    params = fields(ctx, "client")
    values = collect(params, CLIENT)
    values["name"] = required_name(values)
    if not values.get("currency"):
        values.pop("currency", None)
    active = params.bool("active")
    _refuse_taken(ctx, "clients", values["name"])
    now = touch(ctx)
    client_id = ctx.store.insert("clients", **values, active=int(active is not False),
                                 created_at=now, updated_at=now)
    return located(f"/clients/{client_id}", 201)


@routes("/clients/{client_id}", "PUT")
def update_client(ctx: Ctx) -> Reply:
    ctx.require_admin()
    client = row_or_404(ctx, "clients", ctx.path_int("client_id"), "client")
    values = _changes(ctx, "clients", "client", CLIENT, client["id"])
    if not values.get("currency", True):
        values.pop("currency")
    ctx.store.update("clients", client["id"], **values, updated_at=touch(ctx))
    return located(f"/clients/{client['id']}")


@routes("/clients/{client_id}/toggle", "POST", "PUT", "GET")
def toggle_client(ctx: Ctx) -> Reply:
    """"If the client has active projects, Harvest will return 400 Bad Request, with a Hint
    header" (when archiving it). GET too, as some clients sent it."""
    ctx.require_admin()
    client = row_or_404(ctx, "clients", ctx.path_int("client_id"), "client")
    if client["active"] and ctx.store.scalar(
            "SELECT COUNT(*) FROM projects WHERE client_id = ? AND active = 1", client["id"]):
        raise BadRequest("The client has active projects: archive them first")
    ctx.store.update("clients", client["id"], active=int(not client["active"]),
                     updated_at=touch(ctx))
    return located(f"/clients/{client['id']}")


@routes("/clients/{client_id}", "DELETE")
def delete_client(ctx: Ctx) -> Reply:
    """Deleted if it has no projects (the emulator has no invoices); otherwise 400, kept."""
    ctx.require_admin()
    client = row_or_404(ctx, "clients", ctx.path_int("client_id"), "client")
    if ctx.store.scalar("SELECT COUNT(*) FROM projects WHERE client_id = ?", client["id"]):
        raise BadRequest("The client has projects and cannot be deleted")
    ctx.store.execute("DELETE FROM clients WHERE id = ?", client["id"])
    return Reply(None, 200)


# -- tasks -----------------------------------------------------------------------------------

TASK: Spec = {"name": "str", "billable_by_default": "bool", "default_hourly_rate": "float",
              "is_default": "bool"}


def task_node(row: dict[str, Any]) -> Obj:
    return Obj("task", [
        ("id", integer(row["id"])),
        ("name", row["name"]),
        ("billable_by_default", flag(row["billable_by_default"])),
        ("deactivated", flag(row["deactivated"])),
        ("default_hourly_rate", decimal(row["default_hourly_rate"])),
        ("is_default", flag(row["is_default"])),
        ("created_at", stamp(row["created_at"])),
        ("updated_at", stamp(row["updated_at"])),
    ], wrap=True)


def _may_read_tasks(ctx: Ctx) -> None:
    """Assumption: project managers may read the task list (they assign tasks to their projects);
    regular users are refused, as for the rest of the Extended API.

    :raises Forbidden: a regular user.
    """
    if not (ctx.is_admin or ctx.is_pm):
        raise Forbidden("Only administrators and project managers may see tasks")


@routes("/tasks")
def list_tasks(ctx: Ctx) -> Reply:
    _may_read_tasks(ctx)
    return listing("tasks", [task_node(row) for row in _list(ctx, "tasks")])


@routes("/tasks/{task_id}")
def show_task(ctx: Ctx) -> Reply:
    _may_read_tasks(ctx)
    return Reply(task_node(row_or_404(ctx, "tasks", ctx.path_int("task_id"), "task")))


def create_task_row(ctx: Ctx, params_wrapper: str = "task") -> dict[str, Any]:
    """Insert a task from the request's ``task`` fields; shared with add_with_create_new_task.

    :raises BadRequest: no name, a taken name, a field of the wrong type.
    """
    task_id = _insert_named(ctx, "tasks", params_wrapper, TASK)
    task = ctx.store.one("SELECT * FROM tasks WHERE id = ?", task_id)
    assert task is not None
    return task


@routes("/tasks", "POST")
def create_task(ctx: Ctx) -> Reply:
    ctx.require_admin()
    return located(f"/tasks/{create_task_row(ctx)['id']}", 201)


@routes("/tasks/{task_id}", "PUT")
def update_task(ctx: Ctx) -> Reply:
    ctx.require_admin()
    task = row_or_404(ctx, "tasks", ctx.path_int("task_id"), "task")
    values = _changes(ctx, "tasks", "task", TASK, task["id"])
    ctx.store.update("tasks", task["id"], **values, updated_at=touch(ctx))
    return located(f"/tasks/{task['id']}")


@routes("/tasks/{task_id}", "DELETE")
def delete_task(ctx: Ctx) -> Reply:
    """200 either way: deleted (with its assignments) if it has no hours, else archived.

    Assumption: the archiving answer carries a Hint header, as task assignments' does, so a
    client can tell the two apart; any time entry counts as hours.
    """
    ctx.require_admin()
    task = row_or_404(ctx, "tasks", ctx.path_int("task_id"), "task")
    if ctx.store.scalar("SELECT COUNT(*) FROM day_entries WHERE task_id = ?", task["id"]):
        ctx.store.update("tasks", task["id"], deactivated=1, updated_at=touch(ctx))
        return Reply(None, 200, {"Hint": "The task has hours recorded: it was archived, "
                                         "not deleted"})
    ctx.store.execute("DELETE FROM task_assignments WHERE task_id = ?", task["id"])
    ctx.store.execute("DELETE FROM tasks WHERE id = ?", task["id"])
    return Reply(None, 200)


@routes("/tasks/{task_id}/activate", "POST", "PUT")
def activate_task(ctx: Ctx) -> Reply:
    ctx.require_admin()
    task = row_or_404(ctx, "tasks", ctx.path_int("task_id"), "task")
    ctx.store.update("tasks", task["id"], deactivated=0, updated_at=touch(ctx))
    return located(f"/tasks/{task['id']}")


# -- expense categories ------------------------------------------------------------------------

CATEGORY: Spec = {"name": "str", "unit_name": "str", "unit_price": "float"}


def category_node(row: dict[str, Any]) -> Obj:
    return Obj("expense_category", [
        ("id", integer(row["id"])),
        ("name", row["name"]),
        ("unit_name", row["unit_name"]),
        # Unit prices are finer than cents (0.655 a mile): rendered exactly, not rounded.
        ("unit_price", decimal(None if row["unit_price"] is None
                               else Decimal(str(row["unit_price"])))),
        ("deactivated", flag(row["deactivated"])),
        ("created_at", stamp(row["created_at"])),
        ("updated_at", stamp(row["updated_at"])),
    ], wrap=True)


# Assumption: everyone may read expense categories. Regular users log expenses against them and
# read their own expenses (reporting.txt points to this list to name the category ids).


@routes("/expense_categories")
def list_categories(ctx: Ctx) -> Reply:
    return listing("expense_categories",
                   [category_node(row) for row in _list(ctx, "expense_categories")])


@routes("/expense_categories/{category_id}")
def show_category(ctx: Ctx) -> Reply:
    return Reply(category_node(row_or_404(ctx, "expense_categories",
                                          ctx.path_int("category_id"), "expense category")))


@routes("/expense_categories", "POST")
def create_category(ctx: Ctx) -> Reply:
    ctx.require_admin()
    category_id = _insert_named(ctx, "expense_categories", "expense_category", CATEGORY)
    return located(f"/expense_categories/{category_id}", 201)


@routes("/expense_categories/{category_id}", "PUT")
def update_category(ctx: Ctx) -> Reply:
    ctx.require_admin()
    category = row_or_404(ctx, "expense_categories", ctx.path_int("category_id"),
                          "expense category")
    values = _changes(ctx, "expense_categories", "expense_category", CATEGORY, category["id"])
    ctx.store.update("expense_categories", category["id"], **values, updated_at=touch(ctx))
    return located(f"/expense_categories/{category['id']}")


@routes("/expense_categories/{category_id}/toggle", "POST", "PUT", "GET")
def toggle_category(ctx: Ctx) -> Reply:
    """Archive or reactivate; GET too, which python-harvest sends."""
    ctx.require_admin()
    category = row_or_404(ctx, "expense_categories", ctx.path_int("category_id"),
                          "expense category")
    ctx.store.update("expense_categories", category["id"],
                     deactivated=int(not category["deactivated"]), updated_at=touch(ctx))
    return located(f"/expense_categories/{category['id']}")


@routes("/expense_categories/{category_id}", "DELETE")
def delete_category(ctx: Ctx) -> Reply:
    """200 if no expense uses it; otherwise 400 ("not removable") and it stays."""
    ctx.require_admin()
    category = row_or_404(ctx, "expense_categories", ctx.path_int("category_id"),
                          "expense category")
    if ctx.store.scalar("SELECT COUNT(*) FROM expenses WHERE expense_category_id = ?",
                        category["id"]):
        raise BadRequest("The expense category has expenses and cannot be deleted")
    ctx.store.execute("DELETE FROM expense_categories WHERE id = ?", category["id"])
    return Reply(None, 200)
