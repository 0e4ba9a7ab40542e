"""Co-op groups: list, create, update, change owner, delete, and their memberships.

Routes are relative to the Co-op base URL (``/coop`` here). The rules and the assumptions made
where coop-groups.txt is silent are in :mod:`emulator.routes.coop`; the ones particular to a
route are beside it.
"""

from __future__ import annotations

from emulator.clock import iso
from emulator.context import Ctx, Reply, Routes
from emulator.errors import BadRequest, Forbidden, NotFound
from emulator.routes.coop import (
    check_name,
    check_timezone,
    group_location,
    group_obj,
    groups_arr,
    invite,
    member_group,
    membership_obj,
    membership_rows,
    memberships_arr,
    parse_emails,
    require_owner,
)
from emulator.timezones import MAPPING

routes = Routes()


@routes("/groups")
def list_groups(ctx: Ctx) -> Reply:
    """The caller's groups: those they are an active member of (invitations are not listed)."""
    groups = ctx.store.all(
        "SELECT g.* FROM groups g JOIN memberships m ON m.group_id = g.id "
        "WHERE m.user_id = ? AND m.state = 'active' ORDER BY g.id", ctx.me["id"])
    return Reply(groups_arr(groups))


@routes("/groups", "POST")
def create_group(ctx: Ctx) -> Reply:
    """201 + Location; the caller becomes owner and first member.

    Assumptions: the body echoes the new group (the document shows none; clients that ignore it
    lose nothing); a missing timezone means the creator's own Harvest zone, or UTC when that is
    not one Co-op accepts.
    """
    params = ctx.params.scope("group")
    name = check_name(params.str("name"))
    if params.blank("timezone"):
        timezone = ctx.me["timezone"] if ctx.me["timezone"] in MAPPING else "UTC"
    else:
        timezone = check_timezone(params.str("timezone") or "")
    emails = parse_emails(params.raw("member_emails"))
    now = iso(ctx.now())
    group_id = ctx.store.insert("groups", name=name, timezone=timezone, owner_id=ctx.me["id"],
                                created_at=now, updated_at=now)
    ctx.store.insert("memberships", group_id=group_id, user_id=ctx.me["id"],
                     email=ctx.me["email"], state="active", created_at=now)
    invite(ctx, group_id, [e for e in emails if e.lower() != ctx.me["email"].lower()])
    group = ctx.store.one("SELECT * FROM groups WHERE id = ?", group_id)
    assert group is not None
    return Reply(group_obj(group), 201, {"Location": group_location(group_id)})


@routes("/groups/{group_id}", "PUT")
def update_group(ctx: Ctx) -> Reply:
    """Owner only (assumption: the document names no rule; change_owner is owner-only too)."""
    group = member_group(ctx)
    require_owner(ctx, group)
    params = ctx.params.scope("group")
    changes: dict[str, str] = {}
    if params.has("name"):
        changes["name"] = check_name(params.str("name"))
    if params.has("timezone"):
        changes["timezone"] = check_timezone(params.str("timezone") or "")
    if params.has("member_emails"):
        # The document: "To invite members to an existing group, please use the memberships API."
        raise BadRequest("To invite members to an existing group, use the memberships API")
    if changes:
        ctx.store.update("groups", group["id"], **changes, updated_at=iso(ctx.now()))
    group = ctx.store.one("SELECT * FROM groups WHERE id = ?", group["id"])
    assert group is not None
    return Reply(group_obj(group), 200, {"Location": group_location(group["id"])})


@routes("/groups/{group_id}/change_owner", "PUT", "POST")
def change_owner(ctx: Ctx) -> Reply:
    """Only the current owner; the new owner must be an active member (else 400).

    The body is a bare ``<new_group_owner_id>`` (XML) or ``{"new_group_owner_id": 5}``; a
    ``group`` wrapper is tolerated. POST is accepted as well as PUT, as Harvest's toggles were.
    """
    group = member_group(ctx)
    require_owner(ctx, group)
    new_owner = ctx.params.scope("group").int("new_group_owner_id", required=True)
    member = ctx.store.one(
        "SELECT id FROM memberships WHERE group_id = ? AND user_id = ? AND state = 'active'",
        group["id"], new_owner)
    if member is None:
        raise BadRequest("The new group owner must be an active member of the group")
    if new_owner != group["owner_id"]:
        ctx.store.update("groups", group["id"], owner_id=new_owner, updated_at=iso(ctx.now()))
    group = ctx.store.one("SELECT * FROM groups WHERE id = ?", group["id"])
    assert group is not None
    return Reply(group_obj(group), 200, {"Location": group_location(group["id"])})


@routes("/groups/{group_id}", "DELETE")
def delete_group(ctx: Ctx) -> Reply:
    """Owner only; destroys the group's Notes and memberships. Harvest time entries stay."""
    group = member_group(ctx)
    require_owner(ctx, group)
    ctx.store.execute("DELETE FROM statuses WHERE group_id = ?", group["id"])
    ctx.store.execute("DELETE FROM memberships WHERE group_id = ?", group["id"])
    ctx.store.execute("DELETE FROM groups WHERE id = ?", group["id"])
    return Reply(None, 200)


# -- memberships -------------------------------------------------------------------------------
# The document lists a Memberships section without detail; these follow Rails conventions.


@routes("/groups/{group_id}/memberships")
def list_memberships(ctx: Ctx) -> Reply:
    """Everyone in the group, active members and pending invitations, oldest first."""
    group = member_group(ctx)
    return Reply(memberships_arr(membership_rows(ctx, group["id"])))


@routes("/groups/{group_id}/memberships", "POST")
def add_memberships(ctx: Ctx) -> Reply:
    """Invite by ``{"membership": {"email": …}}`` / ``email`` or by ``member_emails``.

    Assumptions: any active member may invite (Co-op groups were teams of peers); the answer
    follows the parameter: ``email`` gives the one membership with a Location, ``member_emails``
    the array of memberships, in the order given. 201 when something was added, 200 when every
    address was already in the group.
    """
    group = member_group(ctx)
    params = ctx.params.scope("membership")
    single = params.has("email") and not params.has("member_emails")
    if single:
        emails = parse_emails(params.str("email"), "email")
        if len(emails) != 1:
            raise BadRequest("email must be one email address (use member_emails for several)")
    else:
        emails = parse_emails(params.raw("member_emails"))
        if not emails:
            raise BadRequest("email or member_emails is required")
    before = {row["id"] for row in membership_rows(ctx, group["id"])}
    rows = invite(ctx, group["id"], emails)
    status = 201 if any(row["id"] not in before for row in rows) else 200
    if single:
        location = f"{group_location(group['id'])}/memberships/{rows[0]['id']}"
        return Reply(membership_obj(rows[0]), status, {"Location": location})
    return Reply(memberships_arr(rows), status)


@routes("/groups/{group_id}/memberships/{membership_id}", "DELETE")
def remove_membership(ctx: Ctx) -> Reply:
    """The owner removes anyone but themself; a member may remove themself (leaving).

    :raises Forbidden: a member removing someone else.
    :raises BadRequest: the owner leaving (hand the group over with change_owner first).
    """
    group = member_group(ctx)
    membership_id = ctx.path_int("membership_id")
    row = ctx.store.one("SELECT * FROM memberships WHERE id = ? AND group_id = ?",
                        membership_id, group["id"])
    if row is None:
        raise NotFound("No such membership")
    me = ctx.me["id"]
    if row["user_id"] == group["owner_id"]:
        if me == group["owner_id"]:
            raise BadRequest("The group owner cannot leave the group: change the owner first")
        raise Forbidden("Only the group owner can remove other members")
    if me != group["owner_id"] and row["user_id"] != me:
        raise Forbidden("Only the group owner can remove other members")
    ctx.store.execute("DELETE FROM memberships WHERE id = ?", membership_id)
    return Reply(None, 200)
