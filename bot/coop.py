"""Co-op for Slack people: post statuses, manage groups, link channels, read a day's statuses.

No Slack and no SQL here: methods take the Slack team, person and channel, call Co-op *as that
person* (so Co-op decides what they may see and do) and return values for ``bot.coop_blocks``.

Which group a request means (:meth:`Coop.target`): the group linked to the channel; else the
person's default group; else their only group. ``/harvest status`` with several groups and no
default returns :class:`NeedsGroup` (the handler offers a picker; the pick becomes the default).

Group management (create, invite, rename, owner, delete) is :mod:`bot.coop_admin`; the errors
are :mod:`bot.coop_errors`; mirroring groups into channels is :mod:`bot.coop_mirror`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlite_utils

from bot.accounts import Accounts
from bot.coop_errors import (
    COOP_OFF_V2,
    CoopDown,
    CoopOff,
    CoopRefused,
    NoGroup,
    NotMember,
    NotOwner,
    UnknownGroup,
    not_member,
)
from bot.coop_stream import floor_mark, in_order, in_second, mark_of, newest
from bot.harvest.api import CoopApi
from bot.harvest.errors import (
    CoopUnavailable,
    Forbidden,
    NotFound,
    Throttled,
    Unavailable,
    ValidationError,
)
from bot.harvest.models import Group, Status
from bot.harvest.timezones import zone_for
from bot.parsing.dates import DateSpec
from bot.parsing.matching import Candidate as Named
from bot.parsing.matching import MatchKind, Quality, match
from storage.coop_cursors import CoopCursors, SentStatus
from storage.coop_links import CoopDefaults, CoopLink, CoopLinks, DefaultGroup
from storage.installations import OAuthStates
from storage.users import LinkedAccount

if TYPE_CHECKING:
    from bot.coop_admin import CoopAdmin

#: How long a status waits for its author to pick a group.
HELD_SECONDS = 3600


@dataclass(frozen=True)
class Posted:
    """A status posted as the person; ``status`` is None when Co-op did not echo it."""

    group: Group
    text: str
    status: Status | None = None
    became_default: bool = False


@dataclass(frozen=True)
class NeedsGroup:
    """The person belongs to several groups and has no default: they pick one."""

    text: str
    groups: tuple[Group, ...]
    held: str = ""


@dataclass(frozen=True)
class Groups:
    """A person's groups, their default, and the group linked to the channel asked from."""

    groups: tuple[Group, ...]
    default_id: int | None
    linked_here: CoopLink | None


@dataclass(frozen=True)
class Digest:
    """A day's statuses of a group, oldest first."""

    group: Group
    day: date
    statuses: tuple[Status, ...]


def batch(client: CoopApi) -> CoopApi:
    """The same person's client at background priority, where the client has one."""
    make = getattr(client, "batch", None)
    return make() if callable(make) else client  # type: ignore[no-any-return]


class Coop:
    """Co-op as each Slack person may use it."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        accounts: Accounts,
        *,
        enabled: bool,
        clock: Callable[[], datetime],
    ) -> None:
        """:param enabled: whether a Co-op URL is set up (``harvest.coop_url``)."""
        self._accounts = accounts
        self._enabled = enabled
        self._clock = clock
        self.links = CoopLinks(db)
        self.defaults = CoopDefaults(db)
        self.cursors = CoopCursors(db)
        from bot.coop_admin import CoopAdmin  # here: that module builds on this one

        self.admin: CoopAdmin = CoopAdmin(self)
        self._held = OAuthStates(db, namespace="coop_status", expiration_seconds=HELD_SECONDS,
                                 clock=lambda: self._clock().timestamp())

    # -- whose client -------------------------------------------------------------------------

    def client(self, team_id: str, user_id: str) -> CoopApi:
        """The person's Co-op client.

        :raises NotLinked: the person has not connected Harvest.
        :raises CoopOff: Co-op is not available for their account.
        """
        account = self._accounts.get(team_id, user_id)
        off = COOP_OFF_V2 if account is not None and account.wire == "v2" else CoopOff.__doc__
        if not self._enabled:
            raise CoopOff(off)
        client = self._accounts.session_for(team_id, user_id)
        if not isinstance(client, CoopApi):
            raise CoopOff(off)
        return client

    @contextmanager
    def asking(self, group: Group | None = None) -> Iterator[None]:
        """Turn Co-op's answers into :class:`CoopError` (credentials refused rise as they are)."""
        try:
            yield
        except NotFound:
            if group is None:
                raise CoopOff(CoopOff.__doc__) from None
            raise not_member(group) from None
        except Forbidden as error:
            raise NotOwner(f"Co-op says you can't do that: {error.message}") from None
        except ValidationError as error:
            raise CoopRefused(f"Co-op refused that: {error.message}") from None
        except CoopUnavailable:  # only v2 accounts have no Co-op: no Co-op URL for them
            raise CoopOff(COOP_OFF_V2) from None
        except (Unavailable, Throttled):
            raise CoopDown(CoopDown.__doc__) from None

    def account(self, team_id: str, user_id: str) -> LinkedAccount | None:
        """The person's Harvest link (who they are in Co-op), or None."""
        return self._accounts.get(team_id, user_id)

    # -- which group --------------------------------------------------------------------------

    def target(self, team_id: str, user_id: str, channel_id: str) -> Group:
        """The group a request means (see the module docstring).

        :raises NoGroup: none linked here, no default, and not exactly one group.
        """
        link = self.links.get(team_id, channel_id)
        if link is not None:
            return Group(link.group_id, link.group_name, link.group_timezone)
        default = self.defaults.get(team_id, user_id)
        if default is not None:
            return Group(default.group_id, default.group_name)
        groups = self._groups(team_id, user_id)
        if len(groups) == 1:
            return groups[0]
        if not groups:
            raise NoGroup(NoGroup.__doc__)
        raise NoGroup("This channel isn't linked to a Co-op group and you have no default "
                      "group. Link one here with `/harvest group link <group>`, or choose "
                      "your default with `/harvest group default <group>`.")

    def _groups(self, team_id: str, user_id: str) -> tuple[Group, ...]:
        client = self.client(team_id, user_id)
        with self.asking():
            return client.groups()

    def _find(self, team_id: str, user_id: str, name: str) -> Group:
        """One of the person's groups by name (forgiving, but no guess between several).

        :raises UnknownGroup: none or several match.
        """
        groups = self._groups(team_id, user_id)
        if name.strip().isdigit():
            by_id = [g for g in groups if g.id == int(name)]
            if by_id:
                return by_id[0]
        found = match(name, [Named(g, g.name) for g in groups])
        if (found.kind is MatchKind.UNIQUE and found.best is not None
                and found.quality is not None and found.quality >= Quality.SUBSTRING):
            return found.best.value
        yours = ", ".join(f"*{g.name}*" for g in groups) or "none yet"
        if found.kind is MatchKind.AMBIGUOUS:
            names = ", ".join(f"*{c.value.name}*" for c in found.tied)
            raise UnknownGroup(f"Several of your groups match “{name}”: {names}. "
                               "Type more of the name.")
        raise UnknownGroup(f"You're not a member of any Co-op group called “{name}”. "
                           f"Your groups: {yours}.")

    def member_group(self, team_id: str, user_id: str, group: Group) -> Group:
        """``group`` as Co-op lists it for the person (with its time zone).

        :raises NotMember: it is not among their groups.
        """
        for mine in self._groups(team_id, user_id):
            if mine.id == group.id:
                return mine
        raise not_member(group)

    # -- posting ------------------------------------------------------------------------------

    def post(self, team_id: str, user_id: str, channel_id: str, text: str) -> Posted | NeedsGroup:
        """Post ``text`` as the person to the group the channel or their default means.

        Several groups and no default: :class:`NeedsGroup`, with the text held for the pick.

        :raises NoGroup: they belong to no group.
        :raises NotMember: the linked or default group is not theirs (a stale default is
            forgotten).
        :raises CoopDown: Co-op is not answering (the status was not posted, or may have been
            if the answer was lost: Co-op posts are never repeated blindly).
        """
        link = self.links.get(team_id, channel_id)
        default = self.defaults.get(team_id, user_id)
        if link is not None:
            group = Group(link.group_id, link.group_name, link.group_timezone)
        elif default is not None:
            group = Group(default.group_id, default.group_name)
        else:
            groups = self._groups(team_id, user_id)
            if not groups:
                raise NoGroup(NoGroup.__doc__)
            if len(groups) > 1:
                held = self._held.issue(team_id=team_id, user_id=user_id, text=text)
                return NeedsGroup(text, tuple(groups), held)
            group = groups[0]
        try:
            return self._post(team_id, user_id, group, text)
        except NotMember:
            if link is None and default is not None:
                self.defaults.clear(team_id, user_id)
            raise

    def post_held(self, team_id: str, user_id: str, held: str, group_id: int) -> Posted:
        """Post a status held by :meth:`post` to the group the person picked, which becomes
        their default.

        :raises CoopRefused: the held status expired or was posted already.
        :raises NotMember: the group is not theirs.
        """
        data = self._held.consume_data(held, owner=(team_id, user_id))
        if not data:
            raise CoopRefused("That choice has expired or was made already. "
                              "Run `/harvest status <text>` again.")
        group = self.member_group(team_id, user_id, Group(group_id, f"group {group_id}"))
        posted = self._post(team_id, user_id, group, str(data["text"]))
        self.defaults.set(DefaultGroup(team_id, user_id, group.id, group.name))
        return Posted(posted.group, posted.text, posted.status, became_default=True)

    def _post(self, team_id: str, user_id: str, group: Group, text: str) -> Posted:
        client = self.client(team_id, user_id)
        with self.asking(group):
            status = client.post_status(group.id, text)
        return Posted(group, text, status)

    # -- groups and links ---------------------------------------------------------------------

    def groups(self, team_id: str, user_id: str, channel_id: str) -> Groups:
        """The person's groups (Co-op lists only their own), their default, the link here."""
        default = self.defaults.get(team_id, user_id)
        return Groups(self._groups(team_id, user_id), default.group_id if default else None,
                      self.links.get(team_id, channel_id))

    def link(self, team_id: str, user_id: str, channel_id: str, name: str) -> CoopLink:
        """Show the group's statuses from now on in the channel, read as this person.

        :raises UnknownGroup: the person is not a member of a group of that name.
        """
        group = self._find(team_id, user_id, name)
        client = batch(self.client(team_id, user_id))
        with self.asking(group):
            recent = client.group_statuses(group.id)
        since = newest(recent)
        if self.cursors.get(team_id, group.id) is None:
            self.cursors.put(team_id, group.id, since or floor_mark(group.created_at),
                             at=self._clock())
        link = CoopLink(team_id, channel_id, group.id, group.name, user_id, self._clock(),
                        group.timezone, since)
        before = self.links.link(link)
        if before is not None:
            self._forget(before)
        if since is not None:  # the statuses of that second are history too (coop_stream)
            for status in in_second(recent, since):
                self.cursors.record_sent(SentStatus(team_id, channel_id, group.id,
                                                    mark_of(status), None, self._clock()))
        return link

    def unlink(self, team_id: str, channel_id: str) -> CoopLink | None:
        """Stop showing the channel's group there; the link removed, or None.

        Anyone in the channel may: it only stops sharing, and needs no Harvest account.
        """
        link = self.links.unlink(team_id, channel_id)
        if link is not None:
            self._forget(link)
        return link

    def drop_links(self, links: Sequence[CoopLink]) -> None:
        """Remove links that can no longer be served (see ``bot.coop_mirror``)."""
        for link in links:
            if self.links.unlink(link.team_id, link.channel_id) is not None:
                self._forget(link)

    def _forget(self, link: CoopLink) -> None:
        """A channel stopped showing a group: its sent-log goes; the group's cursor too when
        no channel shows it any more (a later link starts from that moment)."""
        self.cursors.forget_channel(link.team_id, link.channel_id)
        if not self.links.for_group(link.team_id, link.group_id):
            self.cursors.forget_group(link.team_id, link.group_id)

    def set_default(self, team_id: str, user_id: str, name: str) -> Group:
        """Where the person's ``/harvest status`` goes outside linked channels."""
        group = self._find(team_id, user_id, name)
        self.defaults.set(DefaultGroup(team_id, user_id, group.id, group.name))
        return group

    # -- reading ------------------------------------------------------------------------------

    def digest(self, team_id: str, user_id: str, channel_id: str,
               day: DateSpec | None = None) -> Digest:
        """A day's statuses (today in the group's time zone by default), read as the person.

        :raises NotMember: the group meant is not theirs.
        """
        group = self.member_group(team_id, user_id, self.target(team_id, user_id, channel_id))
        today = self._clock().astimezone(zone_for(group.timezone)).date()
        wanted = day.resolve(today) if day is not None else today
        client = self.client(team_id, user_id)
        with self.asking(group):
            statuses = client.group_statuses(group.id, wanted)
        return Digest(group, wanted, tuple(in_order(statuses)))
