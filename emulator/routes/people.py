"""``/people``: the account's users (the v1 People document), never with their passwords.

Administrators list, create, change, archive and delete people; anyone may read their own
record. Lists are ``<users><user>…`` and JSON ``[{"user": {...}}]``. The reports under
``/people/{id}/entries`` and ``/people/{id}/expenses`` live in ``reports.py``.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.codec import Obj
from emulator.context import Ctx, Reply, Routes
from emulator.errors import BadRequest, Forbidden, NotFound
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
    since,
    stamp,
    touch,
)
from emulator.seed import DEMO_PASSWORD
from emulator.timezones import MAPPING

routes = Routes()

PROFILE: Spec = {
    "email": "str", "first_name": "str", "last_name": "str", "timezone": "str",
    "department": "str", "telephone": "str",
}
# Fields only an administrator may set; someone editing their own record may not.
ROLE: Spec = {
    "is_admin": "bool", "is_project_manager": "bool", "is_contractor": "bool",
    "has_access_to_all_future_projects": "bool", "default_hourly_rate": "float",
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ZONES = {name.lower(): name for name in MAPPING}


def user_node(row: dict[str, Any]) -> Obj:
    return Obj("user", [
        ("id", integer(row["id"])),
        ("email", row["email"]),
        ("first_name", row["first_name"]),
        ("last_name", row["last_name"]),
        ("is_admin", flag(row["is_admin"])),
        ("is_project_manager", flag(row["is_project_manager"])),
        ("is_contractor", flag(row["is_contractor"])),
        ("is_active", flag(row["is_active"])),
        ("has_access_to_all_future_projects", flag(row["has_access_to_all_future_projects"])),
        ("timezone", row["timezone"]),
        ("department", row["department"]),
        ("telephone", row["telephone"]),
        ("default_hourly_rate", decimal(row["default_hourly_rate"])),
        ("created_at", stamp(row["created_at"])),
        ("updated_at", stamp(row["updated_at"])),
    ], wrap=True)


def _person(ctx: Ctx) -> dict[str, Any]:
    """The person the path names: by id, or by email ("You may also pass a user's email address
    in place of a user_id").

    :raises NotFound: nobody.
    """
    key = ctx.path_params.get("user_id", "")
    if key.isdigit() and len(key) <= 18:
        row = ctx.store.one("SELECT * FROM users WHERE id = ?", int(key))
    else:
        row = ctx.store.one("SELECT * FROM users WHERE email = ?", key.strip())
    if row is None:
        raise NotFound("No such person")
    return row


def _is_me(ctx: Ctx) -> bool:
    """Whether the path names the caller, by id or by email."""
    key = ctx.path_params.get("user_id", "").strip().lower()
    return key in (str(ctx.me["id"]), ctx.me["email"].lower())


def _values(ctx: Ctx, role: bool, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The person fields of the request, validated (``password`` and ``is_active`` are not among
    them: "updates to password are disregarded", and archiving is the toggle call's).

    :raises BadRequest: a field of the wrong type, a bad email or timezone, a taken email.
    :raises Forbidden: someone who is not an administrator changing a role field (sending it
        unchanged, as clients that PUT the whole record do, is fine).
    """
    params = fields(ctx, "user", "person")
    values = collect(params, PROFILE)
    roles = collect(params, ROLE)
    if current is not None:
        roles = {name: value for name, value in roles.items() if value != current[name]}
    if roles and not role:
        raise Forbidden("Only administrators may change roles and rates")
    values.update(roles)
    person_id = current["id"] if current else None
    if current is None:
        for name in ("first_name", "last_name", "email"):
            values[name] = required_name(values, name)
    else:
        for name in ("first_name", "last_name", "email"):
            blank_name(values, name)
    if "email" in values:
        if not _EMAIL.fullmatch(values["email"]):
            raise BadRequest(f"Email is invalid: {values['email']!r}")
        clash = ctx.store.one("SELECT id FROM users WHERE email = ? AND id IS NOT ?",
                              values["email"], person_id)
        if clash:
            raise BadRequest("Email has already been taken")
    if "timezone" in values:
        zone = _ZONES.get((values["timezone"] or "").strip().lower())
        if zone is None:
            # "we accept only a limited set of values for the timezone attribute"
            raise BadRequest(f"Timezone is not one Harvest accepts: {values['timezone']!r}")
        values["timezone"] = zone
    return values


@routes("/people")
def list_people(ctx: Ctx) -> Reply:
    ctx.require_admin()
    updated = since(ctx)
    if updated:
        rows = ctx.store.all("SELECT * FROM users WHERE updated_at >= ? ORDER BY id", updated)
    else:
        rows = ctx.store.all("SELECT * FROM users ORDER BY id")
    return listing("users", [user_node(row) for row in rows])


@routes("/people/{user_id}")
def show_person(ctx: Ctx) -> Reply:
    """Administrators see anyone; others only themselves (403 for anyone else, existing or not)."""
    if not ctx.is_admin and not _is_me(ctx):
        raise Forbidden("Only administrators may see other people")
    return Reply(user_node(_person(ctx)))


@routes("/people", "POST")
def create_person(ctx: Ctx) -> Reply:
    """201 with ``Location: /people/{id}``.

    Assumption: Harvest mailed the new person a link to set a password; the emulator sends no
    mail, so the person signs in with ``password`` if the request gave one, else the demo
    password.
    """
    ctx.require_admin()
    values = _values(ctx, role=True)
    password = fields(ctx, "user", "person").str("password") or DEMO_PASSWORD
    values.setdefault("timezone", ctx.me["timezone"])  # assumption: the account's admin's zone
    now = touch(ctx)
    user_id = ctx.store.insert("users", **values, password=password,
                               created_at=now, updated_at=now)
    return located(f"/people/{user_id}", 201)


@routes("/people/{user_id}", "PUT")
def update_person(ctx: Ctx) -> Reply:
    """200 with ``Location``. Assumption: people may edit their own profile (name, email,
    timezone, telephone, department) but not their role or rates; administrators anyone's."""
    person = _person(ctx) if ctx.is_admin else None
    if person is None:
        if not _is_me(ctx):
            raise Forbidden("Only administrators may change other people")
        person = ctx.me
    values = _values(ctx, role=ctx.is_admin, current=person)
    if person["id"] == ctx.me["id"] and values.get("is_admin") == 0:
        # Assumption: as in the UI, an administrator cannot demote themselves (and so cannot
        # leave the account without one).
        raise BadRequest("You cannot remove your own administrator rights")
    ctx.store.update("users", person["id"], **values, updated_at=touch(ctx))
    return located(f"/people/{person['id']}")


@routes("/people/{user_id}/toggle", "POST", "PUT", "GET")
def toggle_person(ctx: Ctx) -> Reply:
    """Archive or activate someone. GET as well: python-harvest toggles people with a GET.

    Assumption: an administrator cannot archive themselves (400), as the UI refused.
    """
    ctx.require_admin()
    person = _person(ctx)
    if person["id"] == ctx.me["id"]:
        raise BadRequest("You cannot archive yourself")
    ctx.store.update("users", person["id"], is_active=int(not person["is_active"]),
                     updated_at=touch(ctx))
    return located(f"/people/{person['id']}")


@routes("/people/{user_id}", "DELETE")
def delete_person(ctx: Ctx) -> Reply:
    """200 if the person has no hours; otherwise 400 and they stay ("You can still archive").

    Assumptions: expenses keep a person as hours do; the owner of a Co-op group must hand it
    over first; their project assignments, Co-op memberships and notes, and OAuth grants go
    with them; an administrator cannot delete themselves.
    """
    ctx.require_admin()
    person = _person(ctx)
    user_id = person["id"]
    if user_id == ctx.me["id"]:
        raise BadRequest("You cannot delete yourself")
    if ctx.store.scalar("SELECT COUNT(*) FROM day_entries WHERE user_id = ?", user_id):
        raise BadRequest("This person has hours logged and cannot be deleted; archive them "
                         "with the toggle call instead")
    if ctx.store.scalar("SELECT COUNT(*) FROM expenses WHERE user_id = ?", user_id):
        raise BadRequest("This person has expenses logged and cannot be deleted; archive them "
                         "with the toggle call instead")
    if ctx.store.scalar("SELECT COUNT(*) FROM groups WHERE owner_id = ?", user_id):
        raise BadRequest("This person owns a Co-op group; change its owner first")
    for sql in ("DELETE FROM user_assignments WHERE user_id = ?",
                "DELETE FROM statuses WHERE user_id = ?",
                "DELETE FROM memberships WHERE user_id = ?",
                "DELETE FROM oauth_tokens WHERE user_id = ?",
                "DELETE FROM oauth_codes WHERE user_id = ?",
                "DELETE FROM users WHERE id = ?"):
        ctx.store.execute(sql, user_id)
    return Reply(None, 200)
