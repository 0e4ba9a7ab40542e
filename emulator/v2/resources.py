"""Projects, clients, tasks, their assignments and expenses on v2 [PR, CL, TK, TA, EX].

Who may read (roles in :mod:`emulator.v2.access`; everyone else gets 403):

- ``/v2/projects`` (``is_active``, ``client_id``, ``updated_since``) and ``/v2/projects/{id}``:
  administrators; managers the projects they manage (another project is a 403).
- ``/v2/clients``, ``/v2/tasks`` (``is_active``, ``updated_since``) and one of each by id:
  administrators and managers holding ``client_and_task_manager``.
- ``/v2/task_assignments``, ``/v2/user_assignments`` (``is_active``, ``updated_since``; user
  assignments also ``user_id``) and the same under ``/v2/projects/{id}/``: administrators;
  managers for the projects they manage.
- ``/v2/expenses`` (``user_id``, ``client_id``, ``project_id``, ``is_billed``,
  ``updated_since``, ``from``, ``to``): everyone, each seeing what :func:`access.visible`
  allows (members their own). Page-based, ``spent_date`` newest first.
- ``/v2/expense_categories`` (``is_active``, ``updated_since``) and one by id: everyone.
  Assumptions: the role is undocumented, and members log expenses against these categories (v1's
  emulator lets everyone read them too); the notes' list of cursor-based endpoints does not name
  this one, and it pages by cursor like the other lookup lists.

Every other list here is cursor-based, newest first (:mod:`emulator.v2.paging`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.context import Reply
from emulator.errors import Forbidden, NotFound
from emulator.v2 import access, filters, serialise
from emulator.v2.context import V2Ctx, V2Routes, json_reply
from emulator.v2.paging import cursored, paged

routes = V2Routes()

MANAGERS_ONLY = "Only administrators and managers may see projects and their assignments"
CLIENTS_AND_TASKS = ("Only administrators and managers allowed to manage clients and tasks "
                     "may see them")


def _where(ctx: V2Ctx, active_column: str | None, active_when: int = 1,
           alias: str = "") -> tuple[list[str], list[Any]]:
    """``is_active`` and ``updated_since`` as SQL conditions."""
    where: list[str] = ["1 = 1"]
    args: list[Any] = []
    active = filters.boolean(ctx, "is_active")
    if active is not None and active_column:
        where.append(f"{alias}{active_column} = ?")
        args.append(active_when if active else 1 - active_when)
    since = filters.updated_since(ctx)
    if since:
        where.append(f"{alias}updated_at >= ?")
        args.append(since)
    return where, args


def _listed(ctx: V2Ctx, table: str, shape: Callable[[dict[str, Any]], dict[str, Any]],
            active_column: str, active_when: int = 1) -> Reply:
    """A lookup table (clients, tasks, expense categories) as a cursored list, newest first."""
    where, args = _where(ctx, active_column, active_when)
    rows = ctx.store.all(f"SELECT * FROM {table} WHERE {' AND '.join(where)} ORDER BY id DESC",
                         *args)
    return json_reply(cursored(ctx, table, [shape(row) for row in rows]))


def _one(ctx: V2Ctx, table: str, shape: Callable[[dict[str, Any]], dict[str, Any]],
         path_name: str, what: str) -> Reply:
    """:raises NotFound: no row with the path's id."""
    row = ctx.store.one(f"SELECT * FROM {table} WHERE id = ?", ctx.path_int(path_name))
    if row is None:
        raise NotFound(f"No such {what}")
    return json_reply(shape(row))


def _project_scope(ctx: V2Ctx) -> set[int] | None:
    """The projects the caller may see (None: all). :raises Forbidden: a member."""
    if access.is_admin(ctx.me):
        return None
    if not access.is_manager(ctx.me):
        raise Forbidden(MANAGERS_ONLY)
    return access.managed_projects(ctx.store, ctx.me)


def _project(ctx: V2Ctx) -> dict[str, Any]:
    """The path's project. :raises Forbidden: not the caller's to see. :raises NotFound: none."""
    scope = _project_scope(ctx)
    row = ctx.store.one("SELECT * FROM projects WHERE id = ?", ctx.path_int("project_id"))
    if row is None:
        raise NotFound("No such project")
    if scope is not None and row["id"] not in scope:
        raise Forbidden("You do not manage this project")
    return row


# -- projects ------------------------------------------------------------------------------------


@routes("/projects")
def list_projects(ctx: V2Ctx) -> Reply:
    scope = _project_scope(ctx)
    where, args = _where(ctx, "active")
    client_id = filters.integer(ctx, "client_id")
    if client_id is not None:
        where.append("client_id = ?")
        args.append(client_id)
    rows = ctx.store.all(f"SELECT * FROM projects WHERE {' AND '.join(where)} ORDER BY id DESC",
                         *args)
    look = serialise.Lookup(ctx.store)
    items = [serialise.project(row, look.clients[row["client_id"]]) for row in rows
             if scope is None or row["id"] in scope]
    return json_reply(cursored(ctx, "projects", items))


@routes("/projects/{project_id}")
def show_project(ctx: V2Ctx) -> Reply:
    row = _project(ctx)
    owner = ctx.store.one("SELECT * FROM clients WHERE id = ?", row["client_id"])
    assert owner is not None
    return json_reply(serialise.project(row, owner))


# -- clients and tasks ---------------------------------------------------------------------------


def _clients_and_tasks(ctx: V2Ctx) -> None:
    if not access.holds(ctx.me, access.CLIENTS_AND_TASKS):
        raise Forbidden(CLIENTS_AND_TASKS)


@routes("/clients")
def list_clients(ctx: V2Ctx) -> Reply:
    _clients_and_tasks(ctx)
    return _listed(ctx, "clients", serialise.client, "active")


@routes("/clients/{client_id}")
def show_client(ctx: V2Ctx) -> Reply:
    _clients_and_tasks(ctx)
    return _one(ctx, "clients", serialise.client, "client_id", "client")


@routes("/tasks")
def list_tasks(ctx: V2Ctx) -> Reply:
    _clients_and_tasks(ctx)
    return _listed(ctx, "tasks", serialise.task, "deactivated", active_when=0)


@routes("/tasks/{task_id}")
def show_task(ctx: V2Ctx) -> Reply:
    _clients_and_tasks(ctx)
    return _one(ctx, "tasks", serialise.task, "task_id", "task")


# -- assignments ---------------------------------------------------------------------------------


_ASSIGNMENT_SHAPES = {"task_assignments": serialise.task_assignment,
                      "user_assignments": serialise.user_assignment}


def _assignments(ctx: V2Ctx, table: str, project_id: int | None) -> Reply:
    """A cursored list of task or user assignments, of one project or of all."""
    scope = _project_scope(ctx)
    where, args = _where(ctx, "deactivated", active_when=0)
    if project_id is not None:
        where.append("project_id = ?")
        args.append(project_id)
    if table == "user_assignments":
        user_id = filters.integer(ctx, "user_id")
        if user_id is not None:
            where.append("user_id = ?")
            args.append(user_id)
    rows = ctx.store.all(f"SELECT * FROM {table} WHERE {' AND '.join(where)} ORDER BY id DESC",
                         *args)
    look = serialise.Lookup(ctx.store)
    shape = _ASSIGNMENT_SHAPES[table]
    items = [shape(row, look) for row in rows if scope is None or row["project_id"] in scope]
    return json_reply(cursored(ctx, table, items))


@routes("/task_assignments")
def task_assignments(ctx: V2Ctx) -> Reply:
    return _assignments(ctx, "task_assignments", None)


@routes("/projects/{project_id}/task_assignments")
def project_task_assignments(ctx: V2Ctx) -> Reply:
    return _assignments(ctx, "task_assignments", _project(ctx)["id"])


@routes("/user_assignments")
def user_assignments(ctx: V2Ctx) -> Reply:
    return _assignments(ctx, "user_assignments", None)


@routes("/projects/{project_id}/user_assignments")
def project_user_assignments(ctx: V2Ctx) -> Reply:
    return _assignments(ctx, "user_assignments", _project(ctx)["id"])


# -- expenses ------------------------------------------------------------------------------------


@routes("/expenses")
def list_expenses(ctx: V2Ctx) -> Reply:
    seen, args = access.visibility_sql(ctx.store, ctx.me, alias="x")
    where, more = filters.conditions(ctx, {"user_id": "x.user_id", "client_id": "p.client_id",
                                           "project_id": "x.project_id"})
    where, args = [seen, *where], [*args, *more]
    billed = filters.boolean(ctx, "is_billed")
    if billed is not None:
        where.append(f"x.is_billed = {int(billed)}")
    dated, more = filters.dated(ctx, "x")
    where, args = [*where, *dated], [*args, *more]
    rows = ctx.store.all(
        "SELECT x.* FROM expenses x JOIN projects p ON p.id = x.project_id "
        f"WHERE {' AND '.join(where)} ORDER BY x.spent_at DESC, x.id DESC", *args)
    look = serialise.Lookup(ctx.store)
    return json_reply(paged(ctx, "expenses", [serialise.expense(row, look) for row in rows]))


@routes("/expense_categories")
def list_expense_categories(ctx: V2Ctx) -> Reply:
    return _listed(ctx, "expense_categories", serialise.expense_category, "deactivated",
                   active_when=0)


@routes("/expense_categories/{category_id}")
def show_expense_category(ctx: V2Ctx) -> Reply:
    return _one(ctx, "expense_categories", serialise.expense_category, "category_id",
                "expense category")
