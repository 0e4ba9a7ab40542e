"""``/v2/users``, ``/v2/company`` and project assignments [US, CO, PA].

- ``GET /v2/users/me``: anyone, their own user object (``timezone`` is Harvest's name, e.g.
  "London"; ``access_roles`` from :mod:`emulator.v2.access`).
- ``GET /v2/company``: anyone. ``PATCH /v2/company`` takes ``wants_timestamp_timers`` and
  ``weekly_capacity`` [CO]; assumption (the role is undocumented): administrators only, 403
  otherwise. Switching ``wants_timestamp_timers`` switches the account v1 sees too
  (``timestamp_timers``): the same store.
- ``GET /v2/users`` (``is_active``, ``updated_since``; cursor) and ``GET /v2/users/{id}``:
  administrators; a person may read their own record by id. Managers have no assigned
  teammates here, so they get 403 like members.
- ``GET /v2/users/me/project_assignments`` (page-based) and
  ``GET /v2/users/{id}/project_assignments`` (``updated_since``; cursor; administrators, or the
  person themselves): active assignments on active projects, newest first, each with every
  task assignment of its project (``is_active`` false for archived ones).
"""

from __future__ import annotations

from typing import Any

from emulator.context import Reply
from emulator.errors import Forbidden, NotFound
from emulator.v2 import access, filters, serialise
from emulator.v2.context import Unprocessable, V2Ctx, V2Routes, json_reply
from emulator.v2.paging import cursored, paged

routes = V2Routes()

USERS_FORBIDDEN = "Only administrators (or managers with assigned teammates) may list people"


def _base(ctx: V2Ctx) -> str:
    return ctx.url.split("/v2/", 1)[0].removesuffix("/api")


def user_object(ctx: V2Ctx, row: dict[str, Any]) -> dict[str, Any]:
    return serialise.user(row, access.access_roles(row), ctx.account["weekly_capacity"],
                          _base(ctx), access.sees_rates(ctx.me) or row["id"] == ctx.me["id"])


def _may_read_person(ctx: V2Ctx, user_id: int) -> None:
    """:raises Forbidden: not an administrator and not the person themselves."""
    if not access.is_admin(ctx.me) and user_id != ctx.me["id"]:
        raise Forbidden(USERS_FORBIDDEN)


def _person(ctx: V2Ctx) -> dict[str, Any]:
    """:raises NotFound: no such person. :raises Forbidden: see :func:`_may_read_person`."""
    user_id = ctx.path_int("user_id")
    _may_read_person(ctx, user_id)
    row = ctx.store.one("SELECT * FROM users WHERE id = ?", user_id)
    if row is None:
        raise NotFound("No such user")
    return row


# -- the caller and the company ---------------------------------------------------------------


@routes("/users/me")
def me(ctx: V2Ctx) -> Reply:
    return json_reply(user_object(ctx, ctx.me))


@routes("/company")
def company(ctx: V2Ctx) -> Reply:
    return json_reply(serialise.company(ctx.account))


@routes("/company", "PATCH")
def update_company(ctx: V2Ctx) -> Reply:
    if not access.is_admin(ctx.me):
        raise Forbidden("Only administrators may change the company's settings")
    changes: dict[str, Any] = {}
    timestamps = filters.boolean(ctx, "wants_timestamp_timers")
    if timestamps is not None:
        changes["timestamp_timers"] = int(timestamps)
    capacity = filters.integer(ctx, "weekly_capacity")
    if capacity is not None:
        if not 0 <= capacity <= 7 * 24 * 3600:
            raise Unprocessable("weekly_capacity must be a number of seconds in a week")
        changes["weekly_capacity"] = capacity
    ctx.store.update("account", 1, **changes)
    return json_reply(serialise.company(ctx.store.account()))


# -- people -----------------------------------------------------------------------------------


@routes("/users")
def list_users(ctx: V2Ctx) -> Reply:
    if not access.is_admin(ctx.me):
        raise Forbidden(USERS_FORBIDDEN)
    where: list[str] = ["1 = 1"]
    args: list[Any] = []
    active = filters.boolean(ctx, "is_active")
    if active is not None:
        where.append("is_active = ?")
        args.append(int(active))
    since = filters.updated_since(ctx)
    if since:
        where.append("updated_at >= ?")
        args.append(since)
    rows = ctx.store.all(f"SELECT * FROM users WHERE {' AND '.join(where)} ORDER BY id DESC",
                         *args)
    return json_reply(cursored(ctx, "users", [user_object(ctx, row) for row in rows]))


@routes("/users/{user_id}")
def show_user(ctx: V2Ctx) -> Reply:
    return json_reply(user_object(ctx, _person(ctx)))


# -- project assignments ----------------------------------------------------------------------


def _assignments(ctx: V2Ctx, user_id: int, since: str | None = None) -> list[dict[str, Any]]:
    where = ["ua.user_id = ?", "ua.deactivated = 0", "p.active = 1"]
    args: list[Any] = [user_id]
    if since:
        where.append("ua.updated_at >= ?")
        args.append(since)
    rows = ctx.store.all(
        f"SELECT ua.* FROM user_assignments ua JOIN projects p ON p.id = ua.project_id "
        f"WHERE {' AND '.join(where)} ORDER BY ua.id DESC", *args)
    look = serialise.Lookup(ctx.store)
    return [serialise.project_assignment(row, look) for row in rows]


@routes("/users/me/project_assignments")
def my_project_assignments(ctx: V2Ctx) -> Reply:
    items = _assignments(ctx, ctx.me["id"], filters.updated_since(ctx))
    return json_reply(paged(ctx, "project_assignments", items))


@routes("/users/{user_id}/project_assignments")
def project_assignments(ctx: V2Ctx) -> Reply:
    person = _person(ctx)
    items = _assignments(ctx, person["id"], filters.updated_since(ctx))
    return json_reply(cursored(ctx, "project_assignments", items))
