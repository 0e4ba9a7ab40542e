"""``/projects/{id}/task_assignments`` and ``/projects/{id}/user_assignments``: which tasks a
project offers and who works on it (the v1 Task Assignment and User Assignment documents).

Administrators and the project's managers may read and change them; everyone else gets 403.
Removing an assignment that has hours behind it archives it instead, and says so in a Hint
header, as both documents describe.
"""

from __future__ import annotations

from typing import Any

from emulator.codec import Obj
from emulator.context import Ctx, Reply, Routes
from emulator.errors import BadRequest, NotFound
from emulator.routes.extended import create_task_row
from emulator.routes.projects import visible_project
from emulator.routes.resources import (
    Spec,
    collect,
    decimal,
    fields,
    flag,
    integer,
    listing,
    located,
    since,
    stamp,
    touch,
)

routes = Routes()


def _assignment(ctx: Ctx, table: str, project_id: int, what: str) -> dict[str, Any]:
    """:raises NotFound: no such assignment on this project."""
    row = ctx.store.one(f"SELECT * FROM {table} WHERE id = ? AND project_id = ?",
                        ctx.path_int("assignment_id"), project_id)
    if row is None:
        raise NotFound(f"No such {what} on this project")
    return row


def _list(ctx: Ctx, table: str, project_id: int) -> list[dict[str, Any]]:
    updated = since(ctx)
    if updated:
        return ctx.store.all(f"SELECT * FROM {table} WHERE project_id = ? AND updated_at >= ?"
                             " ORDER BY id", project_id, updated)
    return ctx.store.all(f"SELECT * FROM {table} WHERE project_id = ? ORDER BY id", project_id)


def _referenced_id(ctx: Ctx, wrapper: str, what: str) -> int:
    """The id in ``<task><id>…</id></task>`` / ``{"user": {"id": …}}`` (or a flat ``task_id``).

    :raises BadRequest: missing or not an integer.
    """
    params = fields(ctx, wrapper)
    value = params.int("id") if params.has("id") else params.int(f"{wrapper}_id")
    if value is None:
        raise BadRequest(f"The {what} id is required: post <{wrapper}><id>…</id></{wrapper}>")
    return value


# -- task assignments ------------------------------------------------------------------------

TASK_ASSIGNMENT: Spec = {"billable": "bool", "deactivated": "bool", "budget": "float",
                         "hourly_rate": "float"}


def task_assignment_node(row: dict[str, Any]) -> Obj:
    return Obj("task_assignment", [
        ("id", integer(row["id"])),
        ("project_id", integer(row["project_id"])),
        ("task_id", integer(row["task_id"])),
        ("billable", flag(row["billable"])),
        ("deactivated", flag(row["deactivated"])),
        ("hourly_rate", decimal(row["hourly_rate"])),
        ("budget", decimal(row["budget"])),
        ("created_at", stamp(row["created_at"])),
        ("updated_at", stamp(row["updated_at"])),
    ], wrap=True)


def _task_assignment_location(project_id: int, assignment_id: int) -> str:
    return f"/projects/{project_id}/task_assignments/{assignment_id}"


def _assign_task(ctx: Ctx, project_id: int, task: dict[str, Any]) -> Reply:
    """Offer ``task`` on the project: 201 with the new assignment's Location.

    Assumption: assigning a task the project already offers is a 400 (Rails' uniqueness check);
    one whose assignment was archived is reactivated.
    """
    existing = ctx.store.one("SELECT * FROM task_assignments WHERE project_id = ? AND task_id = ?",
                             project_id, task["id"])
    now = touch(ctx)
    if existing and not existing["deactivated"]:
        raise BadRequest(f"The project already has the task {task['name']!r}")
    if existing:
        ctx.store.update("task_assignments", existing["id"], deactivated=0, updated_at=now)
        assignment_id = existing["id"]
    else:
        assignment_id = ctx.store.insert(
            "task_assignments", project_id=project_id, task_id=task["id"],
            billable=task["billable_by_default"], hourly_rate=task["default_hourly_rate"],
            created_at=now, updated_at=now)
    return located(_task_assignment_location(project_id, assignment_id), 201)


@routes("/projects/{project_id}/task_assignments")
def list_task_assignments(ctx: Ctx) -> Reply:
    project = visible_project(ctx, ctx.path_int("project_id"))
    return listing("task_assignments", [task_assignment_node(row) for row in
                                        _list(ctx, "task_assignments", project["id"])])


@routes("/projects/{project_id}/task_assignments/{assignment_id}")
def show_task_assignment(ctx: Ctx) -> Reply:
    project = visible_project(ctx, ctx.path_int("project_id"))
    return Reply(task_assignment_node(
        _assignment(ctx, "task_assignments", project["id"], "task assignment")))


@routes("/projects/{project_id}/task_assignments", "POST")
def assign_task(ctx: Ctx) -> Reply:
    """Assumption: an unknown or archived task id is a 400 (it is the body that is wrong)."""
    project = visible_project(ctx, ctx.path_int("project_id"))
    task_id = _referenced_id(ctx, "task", "task")
    task = ctx.store.one("SELECT * FROM tasks WHERE id = ?", task_id)
    if task is None:
        raise BadRequest(f"Task {task_id} does not exist")
    if task["deactivated"]:
        raise BadRequest(f"Task {task['name']!r} is archived: activate it first")
    return _assign_task(ctx, project["id"], task)


@routes("/projects/{project_id}/task_assignments/add_with_create_new_task", "POST")
def create_and_assign_task(ctx: Ctx) -> Reply:
    """Assumption: a name already taken by another task is a 400, as ``POST /tasks`` answers;
    the project's managers may do this as well as administrators."""
    project = visible_project(ctx, ctx.path_int("project_id"))
    return _assign_task(ctx, project["id"], create_task_row(ctx))


@routes("/projects/{project_id}/task_assignments/{assignment_id}", "PUT")
def update_task_assignment(ctx: Ctx) -> Reply:
    project = visible_project(ctx, ctx.path_int("project_id"))
    assignment = _assignment(ctx, "task_assignments", project["id"], "task assignment")
    values = collect(fields(ctx, "task_assignment"), TASK_ASSIGNMENT)
    if values.get("deactivated") and not assignment["deactivated"]:
        _refuse_last_task(ctx, project["id"], assignment["id"])
    ctx.store.update("task_assignments", assignment["id"], **values, updated_at=touch(ctx))
    return located(_task_assignment_location(project["id"], assignment["id"]))


def _refuse_last_task(ctx: Ctx, project_id: int, assignment_id: int) -> None:
    """"Harvest requires one task per project."

    :raises BadRequest: this is the project's last active task.
    """
    others = ctx.store.scalar("SELECT COUNT(*) FROM task_assignments WHERE project_id = ? "
                              "AND id != ? AND deactivated = 0", project_id, assignment_id)
    if not others:
        raise BadRequest("Harvest requires one task per project: this is the project's last task")


@routes("/projects/{project_id}/task_assignments/{assignment_id}", "DELETE")
def remove_task_assignment(ctx: Ctx) -> Reply:
    project = visible_project(ctx, ctx.path_int("project_id"))
    assignment = _assignment(ctx, "task_assignments", project["id"], "task assignment")
    if not assignment["deactivated"]:
        _refuse_last_task(ctx, project["id"], assignment["id"])
    if ctx.store.scalar("SELECT COUNT(*) FROM day_entries WHERE project_id = ? AND task_id = ?",
                        project["id"], assignment["task_id"]):
        ctx.store.update("task_assignments", assignment["id"], deactivated=1,
                         updated_at=touch(ctx))
        return Reply(None, 200, {"Hint": "The task has hours recorded on this project: the "
                                         "assignment was archived, not deleted"})
    ctx.store.execute("DELETE FROM task_assignments WHERE id = ?", assignment["id"])
    return Reply(None, 200)


# -- user assignments ------------------------------------------------------------------------

USER_ASSIGNMENT: Spec = {"is_project_manager": "bool", "deactivated": "bool",
                         "hourly_rate": "float"}


def user_assignment_node(row: dict[str, Any]) -> Obj:
    return Obj("user_assignment", [
        ("id", integer(row["id"])),
        ("user_id", integer(row["user_id"])),
        ("project_id", integer(row["project_id"])),
        ("is_project_manager", flag(row["is_project_manager"])),
        ("deactivated", flag(row["deactivated"])),
        ("hourly_rate", decimal(row["hourly_rate"])),
        ("created_at", stamp(row["created_at"])),
        ("updated_at", stamp(row["updated_at"])),
    ], wrap=True)


def _user_assignment_location(project_id: int, assignment_id: int) -> str:
    return f"/projects/{project_id}/user_assignments/{assignment_id}"


@routes("/projects/{project_id}/user_assignments")
def list_user_assignments(ctx: Ctx) -> Reply:
    project = visible_project(ctx, ctx.path_int("project_id"))
    return listing("user_assignments", [user_assignment_node(row) for row in
                                        _list(ctx, "user_assignments", project["id"])])


@routes("/projects/{project_id}/user_assignments/{assignment_id}")
def show_user_assignment(ctx: Ctx) -> Reply:
    project = visible_project(ctx, ctx.path_int("project_id"))
    return Reply(user_assignment_node(
        _assignment(ctx, "user_assignments", project["id"], "user assignment")))


@routes("/projects/{project_id}/user_assignments", "POST")
def assign_user(ctx: Ctx) -> Reply:
    """201 with Location. Assumptions as for tasks: an unknown person is a 400, an existing
    assignment a 400, an archived one is reactivated."""
    project = visible_project(ctx, ctx.path_int("project_id"))
    user_id = _referenced_id(ctx, "user", "user")
    user = ctx.store.one("SELECT * FROM users WHERE id = ?", user_id)
    if user is None:
        raise BadRequest(f"User {user_id} does not exist")
    existing = ctx.store.one("SELECT * FROM user_assignments WHERE project_id = ? AND user_id = ?",
                             project["id"], user_id)
    if existing and not existing["deactivated"]:
        raise BadRequest("This person is already assigned to the project")
    now = touch(ctx)
    if existing:
        ctx.store.update("user_assignments", existing["id"], deactivated=0, updated_at=now)
        assignment_id = existing["id"]
    else:
        assignment_id = ctx.store.insert(
            "user_assignments", project_id=project["id"], user_id=user_id,
            hourly_rate=user["default_hourly_rate"], created_at=now, updated_at=now)
    return located(_user_assignment_location(project["id"], assignment_id), 201)


@routes("/projects/{project_id}/user_assignments/{assignment_id}", "PUT")
def update_user_assignment(ctx: Ctx) -> Reply:
    """The document's body also names user-id and project-id; they identify, never move, it."""
    project = visible_project(ctx, ctx.path_int("project_id"))
    assignment = _assignment(ctx, "user_assignments", project["id"], "user assignment")
    values = collect(fields(ctx, "user_assignment"), USER_ASSIGNMENT)
    ctx.store.update("user_assignments", assignment["id"], **values, updated_at=touch(ctx))
    return located(_user_assignment_location(project["id"], assignment["id"]))


@routes("/projects/{project_id}/user_assignments/{assignment_id}", "DELETE")
def remove_user_assignment(ctx: Ctx) -> Reply:
    project = visible_project(ctx, ctx.path_int("project_id"))
    assignment = _assignment(ctx, "user_assignments", project["id"], "user assignment")
    if ctx.store.scalar("SELECT COUNT(*) FROM day_entries WHERE project_id = ? AND user_id = ?",
                        project["id"], assignment["user_id"]):
        ctx.store.update("user_assignments", assignment["id"], deactivated=1,
                         updated_at=touch(ctx))
        return Reply(None, 200, {"Hint": "The person has hours recorded on this project: the "
                                         "assignment was archived, not deleted"})
    ctx.store.execute("DELETE FROM user_assignments WHERE id = ?", assignment["id"])
    return Reply(None, 200)
