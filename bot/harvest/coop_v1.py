"""The Co-op half of the v1 client: groups, statuses and memberships (``CoopApi``).

Co-op was a separate service with its own base URL; calls go through the same session (same
credentials, the account's pacer and connection pool), only to ``coop_url``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.harvest import bodies_v1, parse_v1
from bot.harvest.calls_v1 import V1Calls
from bot.harvest.errors import Unavailable
from bot.harvest.models import Group, Membership, Status
from bot.harvest.scalars import format_report_day


class CoopV1Calls(V1Calls):
    """Mixed into ``HarvestV1Client``; sends to its ``coop_url``."""

    def groups(self) -> tuple[Group, ...]:
        return self._coop_get("/groups", parse_v1.groups)

    def group_statuses(self, group_id: int, day: date | None = None) -> tuple[Status, ...]:
        """The 50 newest statuses, or with ``day`` every status of it (``/groups/{id}/YYYYMMDD``)."""
        suffix = "statuses" if day is None else format_report_day(day)
        return self._coop_get(
            f"/groups/{group_id}/{suffix}",
            lambda tree: parse_v1.statuses(tree, group_id),
        )

    def post_status(self, group_id: int, text: str) -> Status | None:
        """Post a note. Not repeated on failure: a second post would show twice."""
        reply = self._coop(
            "POST",
            f"/groups/{group_id}/statuses",
            body=bodies_v1.status_body(self.format, text),
            idempotent=False,
        )
        return (
            None if reply.tree is None else reply.read(lambda tree: parse_v1.status(tree, group_id))
        )

    def create_group(self, name: str, timezone: str, member_emails: Sequence[str] = ()) -> Group:
        """Create a group (201 + ``Location: /groups/{id}``) and invite ``member_emails``."""
        reply = self._coop(
            "POST",
            "/groups",
            body=bodies_v1.group_body(
                self.format, name=name, timezone=timezone, member_emails=member_emails
            ),
            idempotent=False,
        )
        if reply.tree is not None:
            return reply.read(parse_v1.group)
        group_id = reply.location_id()
        if group_id is None:
            raise Unavailable(
                "Co-op created the group but did not say where",
                method="POST",
                path="/groups",
            )
        return Group(id=group_id, name=name, timezone=timezone)

    def update_group(
        self, group_id: int, *, name: str | None = None, timezone: str | None = None
    ) -> None:
        self._coop(
            "PUT",
            f"/groups/{group_id}",
            body=bodies_v1.group_body(self.format, name=name, timezone=timezone),
            idempotent=True,
        )

    def change_group_owner(self, group_id: int, new_owner_id: int) -> None:
        self._coop(
            "PUT",
            f"/groups/{group_id}/change_owner",
            body=bodies_v1.change_owner_body(self.format, new_owner_id),
            idempotent=True,
        )

    def delete_group(self, group_id: int) -> None:
        self._coop("DELETE", f"/groups/{group_id}", idempotent=True)

    def memberships(self, group_id: int) -> tuple[Membership, ...]:
        return self._coop_get(
            f"/groups/{group_id}/memberships",
            lambda tree: parse_v1.memberships(tree, group_id),
        )

    def invite(self, group_id: int, emails: Sequence[str]) -> tuple[Membership, ...]:
        """One invitation per email, as Co-op takes them; an echoed membership is returned."""
        invited = []
        for email in emails:
            reply = self._coop(
                "POST",
                f"/groups/{group_id}/memberships",
                body=bodies_v1.membership_body(self.format, email),
                idempotent=False,
            )
            if reply.tree is not None:
                invited.append(reply.read(lambda tree: parse_v1.membership(tree, group_id)))
            else:
                invited.append(Membership(group_id=group_id, email=email, id=reply.location_id()))
        return tuple(invited)

    def remove_member(self, group_id: int, membership_id: int) -> None:
        # By membership id, not user id: a pending invitation has no user yet.
        self._coop("DELETE", f"/groups/{group_id}/memberships/{membership_id}", idempotent=True)
