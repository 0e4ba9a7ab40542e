"""Managing Co-op groups for their members: create, invite, rename, hand over, delete.

No Slack and no SQL here. Rules from the Co-op document are checked before calling, so the
answer can say why: only the owner changes the owner (and the new owner must be a member);
only time zones Co-op accepts; deleting destroys the group's notes but not the Harvest time
entries, so the handler asks for confirmation first and only the owner may.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.coop import Coop
from bot.coop_errors import BadTimezone, CoopRefused, NotInGroup, NotOwner
from bot.harvest.models import Group, Membership
from bot.parsing.coop_words import accepted_timezone
from storage.coop_links import CoopLink, DefaultGroup


@dataclass(frozen=True)
class Created:
    group: Group
    invited: tuple[str, ...]
    became_default: bool


@dataclass(frozen=True)
class Invited:
    group: Group
    memberships: tuple[Membership, ...]


@dataclass(frozen=True)
class OwnerChanged:
    group: Group
    owner: Membership


@dataclass(frozen=True)
class Deleted:
    group: Group
    unlinked: tuple[CoopLink, ...]


class CoopAdmin:
    """Group management through :class:`~bot.coop.Coop` (its clients, links and defaults)."""

    def __init__(self, coop: Coop) -> None:
        self._coop = coop

    # -- managing groups ----------------------------------------------------------------------

    def create(self, team_id: str, user_id: str, name: str, timezone: str | None,
               emails: Sequence[str], *, own_zone: str | None = None) -> Created:
        """Create a group owned by the person and invite ``emails``; it becomes their default
        if they had none. Without ``timezone``, the person's own (``own_zone``, IANA) if Co-op
        accepts it, else UTC.

        :raises BadTimezone: ``timezone`` is not one Co-op accepts (checked before calling).
        """
        zone = accepted_timezone(timezone) if timezone else accepted_timezone(own_zone or "UTC")
        if zone is None:
            raise BadTimezone(
                f"Co-op doesn't accept the time zone “{timezone}”. Use a name such as London, "
                "Madrid, Eastern Time (US & Canada), Buenos Aires or UTC.")
        client = self._coop.client(team_id, user_id)
        with self._coop.asking():
            group = client.create_group(name, zone, list(emails))
        became_default = self._coop.defaults.get(team_id, user_id) is None
        if became_default:
            self._coop.defaults.set(DefaultGroup(team_id, user_id, group.id, group.name))
        return Created(group, tuple(emails), became_default)

    def invite(self, team_id: str, user_id: str, channel_id: str,
               emails: Sequence[str]) -> Invited:
        """Invite people by email to the group meant (Co-op mails them)."""
        group = self._coop.target(team_id, user_id, channel_id)
        client = self._coop.client(team_id, user_id)
        with self._coop.asking(group):
            return Invited(group, client.invite(group.id, list(emails)))

    def rename(self, team_id: str, user_id: str, channel_id: str, name: str) -> Group:
        """Rename the group meant; the stored names follow."""
        group = self._coop.target(team_id, user_id, channel_id)
        client = self._coop.client(team_id, user_id)
        with self._coop.asking(group):
            client.update_group(group.id, name=name)
        self._coop.links.rename_group(team_id, group.id, name)
        self._coop.defaults.rename_group(team_id, group.id, name)
        return Group(group.id, name, group.timezone)

    def _memberships(self, team_id: str, user_id: str, group: Group) -> tuple[
            tuple[Membership, ...], Membership | None]:
        """The group's memberships and the person's own among them."""
        client = self._coop.client(team_id, user_id)
        with self._coop.asking(group):
            members = client.memberships(group.id)
        account = self._coop.account(team_id, user_id)
        email = account.email.casefold() if account else ""
        mine = next((m for m in members if (account and m.user_id == account.harvest_user_id)
                     or (email and m.email.casefold() == email)), None)
        return members, mine

    def _require_owner(self, group: Group, members: Sequence[Membership],
                       mine: Membership | None) -> None:
        if mine is not None and mine.is_owner:
            return
        owner = next((m for m in members if m.is_owner), None)
        who = f" ({owner.name or owner.email})" if owner else ""
        raise NotOwner(f"Only the owner of *{group.name}*{who} can do that.")

    def change_owner(self, team_id: str, user_id: str, channel_id: str,
                     new_owner_email: str) -> OwnerChanged:
        """Hand the group meant to another member.

        :raises NotOwner: the person does not own it (only the owner changes the owner).
        :raises NotInGroup: nobody with that email is an active member.
        """
        group = self._coop.target(team_id, user_id, channel_id)
        members, mine = self._memberships(team_id, user_id, group)
        self._require_owner(group, members, mine)
        wanted = new_owner_email.casefold()
        new = next((m for m in members if m.email.casefold() == wanted and m.user_id), None)
        if new is None or new.user_id is None:
            raise NotInGroup(f"{new_owner_email} isn't a member of *{group.name}*. Invite them "
                             "first with `/harvest group invite`, and wait until they join.")
        if new.is_owner:
            raise CoopRefused(f"{new.name or new.email} already owns *{group.name}*.")
        client = self._coop.client(team_id, user_id)
        with self._coop.asking(group):
            client.change_group_owner(group.id, new.user_id)
        return OwnerChanged(group, new)

    def deletable(self, team_id: str, user_id: str, channel_id: str) -> Group:
        """The group meant, once it is known the person owns it (before asking to confirm).

        :raises NotOwner: they do not.
        """
        group = self._coop.target(team_id, user_id, channel_id)
        members, mine = self._memberships(team_id, user_id, group)
        self._require_owner(group, members, mine)
        return group

    def delete(self, team_id: str, user_id: str, group_id: int) -> Deleted:
        """Delete a group (confirmed): Co-op destroys its notes, Harvest keeps the time entries.
        Every channel showing it is unlinked and it stops being anyone's default.

        :raises NotOwner: the person does not own it.
        """
        group = self._coop.member_group(team_id, user_id, Group(group_id, f"group {group_id}"))
        members, mine = self._memberships(team_id, user_id, group)
        self._require_owner(group, members, mine)
        client = self._coop.client(team_id, user_id)
        with self._coop.asking(group):
            client.delete_group(group.id)
        unlinked = self._coop.links.unlink_group(team_id, group.id)
        self._coop.defaults.clear_group(team_id, group.id)
        self._coop.cursors.forget_group(team_id, group.id)
        return Deleted(group, tuple(unlinked))
