"""Co-op's access rules and the shapes its routes share (groups, people, memberships).

Co-op (coop-groups.txt) was a separate service at its own base URL; the emulator mounts it at
``/coop`` with its own throttle, and its routes live in :mod:`emulator.routes.coop_groups`
(groups, owner, memberships) and :mod:`emulator.routes.coop_statuses` (the status stream).

Assumptions where the document is silent:

- Co-op accepted Harvest credentials (its "Harvest Credentials" section): Basic and bearer
  tokens of the Harvest account sign in here too.
- Co-op scoped every lookup to the caller's groups: a group the caller is not an active member
  of answers 404 for every call, never data; an owner-only call from a plain member answers 403.
- Datetimes are UTC: XML ``2008-11-19T20:19:45Z``, JSON ``2008/11/19 20:19:45 +0000``.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.clock import iso, parse_iso
from emulator.codec import COOP, Arr, Obj, T
from emulator.context import Ctx
from emulator.errors import BadRequest, Forbidden, NotFound
from emulator.timezones import MAPPING

MAX_NAME_LENGTH = 255  # a Rails string column
# Deliberately loose, as Rails' format validations of the time were: one @, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


# -- lookups -----------------------------------------------------------------------------------


def member_group(ctx: Ctx, name: str = "group_id") -> dict[str, Any]:
    """The group in the path, if the caller is one of its active members.

    :raises NotFound: no such group, or the caller is not an active member of it.
    """
    group_id = ctx.path_int(name)
    group: dict[str, Any] | None = ctx.store.one(
        "SELECT g.* FROM groups g JOIN memberships m ON m.group_id = g.id "
        "WHERE g.id = ? AND m.user_id = ? AND m.state = 'active'", group_id, ctx.me["id"])
    if group is None:
        raise NotFound("No such group")
    return group


def require_owner(ctx: Ctx, group: dict[str, Any]) -> None:
    """:raises Forbidden: the caller is a member but not the group's owner."""
    if group["owner_id"] != ctx.me["id"]:
        raise Forbidden("Only the group owner can do this")


def group_location(group_id: int) -> str:
    # Relative to the Co-op base URL, as the document writes it (``/groups/#{group_id}``).
    return f"/groups/{group_id}"


# -- validation --------------------------------------------------------------------------------


def check_name(value: str | None) -> str:
    """:raises BadRequest: a blank or over-long group name."""
    name = (value or "").strip()
    if not name:
        raise BadRequest("Name can't be blank")
    if len(name) > MAX_NAME_LENGTH:
        raise BadRequest(f"Name is too long (maximum is {MAX_NAME_LENGTH} characters)")
    return name


def check_timezone(value: str) -> str:
    """A Rails time zone name ("We only accept a limited set of values for the timezone attribute").

    :raises BadRequest: anything outside :data:`emulator.timezones.MAPPING`.
    """
    name = value.strip()
    if name not in MAPPING:
        raise BadRequest(f"Timezone {name!r} is not accepted: use a Rails time zone name such as "
                         f"London, Eastern Time (US & Canada) or UTC ({len(MAPPING)} accepted)")
    return name


def parse_emails(value: Any, name: str = "member_emails") -> list[str]:
    """``member_emails``: comma-separated (also a list), deduplicated ignoring case.

    Assumption: an invalid address refuses the whole call with a 400 naming it, rather than
    being skipped, so a typo is never silently dropped.

    :raises BadRequest: an address that is not an email address.
    """
    if value is None:
        return []
    if isinstance(value, list):
        parts = [str(item) for item in value if not isinstance(item, (dict, list))]
    elif isinstance(value, dict):
        raise BadRequest(f"{name} must be a comma-separated list of email addresses")
    else:
        parts = [str(value)]
    emails: list[str] = []
    seen: set[str] = set()
    for part in parts:
        for email in re.split(r"[,;\s]+", part):
            if not email:
                continue
            if not _EMAIL.match(email):
                raise BadRequest(f"{name}: {email!r} is not a valid email address")
            if email.lower() not in seen:
                seen.add(email.lower())
                emails.append(email)
    return emails


# -- memberships -------------------------------------------------------------------------------


def invite(ctx: Ctx, group_id: int, emails: list[str]) -> list[dict[str, Any]]:
    """Add ``emails`` to a group; returns each address's membership row, new or existing.

    Assumption (the document only says invitation emails are sent): an address belonging to an
    active Harvest user of the account makes that person an active member at once; any other
    address becomes a pending invitation (``state: invited``). Inviting an address already in
    the group changes nothing, except that a pending invitation whose address now belongs to
    an active person becomes active.
    """
    now = iso(ctx.now())
    rows = []
    for email in emails:
        user = ctx.store.one("SELECT * FROM users WHERE email = ?", email)
        active = bool(user and user["is_active"])
        existing = ctx.store.one(
            "SELECT * FROM memberships WHERE group_id = ? AND email = ?", group_id, email)
        if existing is None:
            mid = ctx.store.insert(
                "memberships", group_id=group_id, user_id=user["id"] if user else None,
                email=user["email"] if user else email, state="active" if active else "invited",
                created_at=now)
        else:
            mid = existing["id"]
            if existing["state"] == "invited" and active and user:
                # Joined now: their time entries from this moment on reach the group.
                ctx.store.update("memberships", mid, user_id=user["id"], state="active",
                                 created_at=now)
        rows.append(membership_row(ctx, mid))
    return rows


def membership_row(ctx: Ctx, membership_id: int) -> dict[str, Any]:
    row: dict[str, Any] | None = ctx.store.one(
        "SELECT m.*, u.first_name, u.last_name, g.owner_id FROM memberships m "
        "JOIN groups g ON g.id = m.group_id LEFT JOIN users u ON u.id = m.user_id "
        "WHERE m.id = ?", membership_id)
    assert row is not None
    return row


def membership_rows(ctx: Ctx, group_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = ctx.store.all(
        "SELECT m.*, u.first_name, u.last_name, g.owner_id FROM memberships m "
        "JOIN groups g ON g.id = m.group_id LEFT JOIN users u ON u.id = m.user_id "
        "WHERE m.group_id = ? ORDER BY m.id", group_id)
    return rows


# -- rendering ---------------------------------------------------------------------------------


def group_obj(group: dict[str, Any]) -> Obj:
    return Obj("group", [
        ("id", T(group["id"], "integer")),
        ("name", group["name"]),
        ("timezone", group["timezone"]),
        ("updated_at", T(parse_iso(group["updated_at"]), "datetime")),
        ("created_at", T(parse_iso(group["created_at"]), "datetime")),
    ], COOP)


def groups_arr(groups: list[dict[str, Any]]) -> Arr:
    return Arr("groups", [group_obj(group) for group in groups], COOP, typed=True)


def membership_obj(row: dict[str, Any]) -> Obj:
    """Assumption (the document lists Memberships without detail): a Rails-style membership."""
    name = f"{row['first_name']} {row['last_name']}" if row.get("first_name") else None
    return Obj("membership", [
        ("id", T(row["id"], "integer")),
        ("group_id", T(row["group_id"], "integer")),
        ("user_id", T(row["user_id"], "integer")),
        ("email", row["email"]),
        ("name", name),
        ("state", row["state"]),
        ("owner", T(row["user_id"] is not None and row["user_id"] == row["owner_id"], "boolean")),
        ("created_at", T(parse_iso(row["created_at"]), "datetime")),
    ], COOP)


def memberships_arr(rows: list[dict[str, Any]]) -> Arr:
    return Arr("memberships", [membership_obj(row) for row in rows], COOP, typed=True)


def person_obj(ctx: Ctx, user_id: int, first: str, last: str, email: str) -> Obj:
    """The ``<user>`` of a status; the avatar URL has the document's shape on this server."""
    host = ctx.headers.get("host", "coopapp.com")
    return Obj("user", [
        ("id", T(user_id, "integer")),
        ("name", f"{first} {last}"),
        ("email", email),
        ("avatar_thumb_url", f"http://{host}/coop/uploads/avatars/{user_id}/thumb/avatar.gif"),
    ], COOP)
