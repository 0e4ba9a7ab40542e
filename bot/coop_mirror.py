"""Mirroring Co-op groups into Slack channels: what each linked channel still needs to receive.

No Slack here: :class:`Mirror` reads Co-op and the bot's database and answers what to post;
``bot.coop_poster`` posts it and reports back. One round, per linked group:

1. :meth:`Mirror.read` fetches the group's newest statuses through a linking person's client at
   *batch* priority (so commands people type go first through the account's pacer), catches up
   day by day when more than 50 are new (``bot.coop_stream``), and returns a :class:`Round`:
   the new statuses oldest first and, per channel, which of them it still needs.
2. For each status in order the poster posts it to each channel needing it, and right after
   Slack's answer records it in the channel's sent-log (:meth:`Mirror.posted`); once every
   channel has it, the group's cursor moves to it (:meth:`Mirror.done`). A failed post stops
   the group's round: the cursor stays, and the next round starts again from that status.

The guarantee: every status reaches every linked channel once, in Co-op's order, across
restarts (after a gap of more than ``MAX_CATCH_UP_DAYS`` days, only those days are caught up).
Statuses are posted at least once (the cursor moves only after the posts), and a status seen
again is skipped by the sent-log, which also covers the statuses of the cursor's own second.
A post whose answer never came back (the process killed mid-request, or the connection lost
after Slack accepted it) leaves its *attempt* (:meth:`Mirror.attempting`, written just before
the post) in doubt: each message carries the status in its ``metadata``, so once the attempt
cannot still be running (:meth:`Mirror.settled`) the poster looks for it in the channel's
history before posting it again (``bot.coop_poster``). A graceful stop lets the post in flight
finish first.

Who may read: a channel shows what its linking person may read. The first linker who still can
reads for the group; a linker whose Harvest link is gone, or who is no longer a member (Co-op
answers 404), loses their links. With several linkers, the memberships are checked each round
so that every channel is still backed by a member.

Timers: Co-op shows a running timer as a DayEntry status the moment it starts (started from
Slack or anywhere else), so the bot never posts its own note about it. The DayEntry is posted
once, when first seen, keyed by its entry id; stopping it, or restarting the same entry, makes
no new status and posts nothing (a restart that makes a new entry is a new status). The message
shows the timer as it was when shared (running, hours so far); it is not edited later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.accounts import NotLinked
from bot.coop import Coop, batch
from bot.coop_errors import CoopOff
from bot.coop_stream import (
    catch_up_days,
    in_order,
    is_after,
    mark_of,
    needs_catch_up,
    new_since,
    newest,
    status_key,
    wanted_by,
)
from bot.harvest.api import CoopApi
from bot.harvest.errors import AuthError, HarvestError, NotFound
from bot.harvest.models import Status
from bot.harvest.timezones import zone_for
from bot.slack_history import IN_DOUBT_AFTER
from storage.coop_cursors import Attempt, SentStatus, StatusMark
from storage.coop_links import CoopLink

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dropped:
    """A link removed because its person can no longer read the group."""

    link: CoopLink
    reason: str


@dataclass(frozen=True)
class Round:
    """One group's new statuses, oldest first, and which channels need which."""

    team_id: str
    group_id: int
    group_name: str
    statuses: tuple[Status, ...]
    links: tuple[CoopLink, ...]
    wanted: Mapping[str, frozenset[tuple[str, int]]] = field(default_factory=dict)
    dropped: tuple[Dropped, ...] = ()

    def channels_for(self, status: Status) -> list[CoopLink]:
        """The links whose channel still needs ``status``."""
        key = status_key(status)
        return [link for link in self.links if key in self.wanted.get(link.channel_id, ())]


NOT_LINKED = "you disconnected Harvest"
NOT_A_MEMBER = "you are no longer a member of the group (or it was deleted)"


class Mirror:
    """The reading and bookkeeping half of mirroring (see the module docstring)."""

    def __init__(self, coop: Coop, *, clock: Callable[[], datetime],
                 in_doubt_after: timedelta = IN_DOUBT_AFTER) -> None:
        self._coop = coop
        self._clock = clock
        self.in_doubt_after = in_doubt_after

    def groups(self) -> list[tuple[str, int]]:
        """Every linked ``(team_id, group_id)``."""
        return self._coop.links.groups()

    def read(self, team_id: str, group_id: int) -> Round | None:
        """What the group's channels need now, or None when there is nothing to do (no links
        left, Co-op off or down, nobody able to read). Never raises for Co-op's answers."""
        links = self._coop.links.for_group(team_id, group_id)
        dropped: list[Dropped] = []
        reader = self._reader(team_id, group_id, links, dropped)
        if reader is None:
            return self._round(team_id, group_id, (), dropped) if dropped else None
        client, recent = reader
        links = self._coop.links.for_group(team_id, group_id)
        try:
            self._check_members(team_id, group_id, client, links, dropped)
            cursor = self._coop.cursors.get(team_id, group_id)
            if cursor is None:  # linked without a cursor (an older bot): start from now
                mark = newest(recent)
                if mark is not None:
                    self._coop.cursors.put(team_id, group_id, mark, at=self._clock())
                return self._round(team_id, group_id, (), dropped)
            days: list[tuple[Status, ...]] = []
            if needs_catch_up(recent, cursor):
                zone = zone_for(links[0].group_timezone if links else None)
                days = [client.group_statuses(group_id, day)
                        for day in catch_up_days(cursor, recent, zone)]
        except HarvestError as error:
            log.warning("Co-op group %s: reading failed (%s)", group_id, type(error).__name__)
            return self._round(team_id, group_id, (), dropped) if dropped else None
        statuses = new_since(in_order(*days, recent), cursor)
        return self._round(team_id, group_id, tuple(statuses), dropped, cursor=cursor)

    def _round(self, team_id: str, group_id: int, statuses: tuple[Status, ...],
               dropped: list[Dropped], cursor: StatusMark | None = None) -> Round:
        links = tuple(self._coop.links.for_group(team_id, group_id))
        since = cursor.created_at if cursor is not None else None
        wanted = {
            link.channel_id: wanted_by(statuses, link.since, self._coop.cursors.sent(
                team_id, link.channel_id, group_id, since))
            for link in links
        }
        # Of the cursor's own second, only what some channel still lacks (see coop_stream).
        needed = set().union(*wanted.values()) if wanted else set()
        statuses = tuple(s for s in statuses if status_key(s) in needed
                         or cursor is None or is_after(mark_of(s), cursor))
        name = links[0].group_name if links else (dropped[0].link.group_name if dropped else "")
        return Round(team_id, group_id, name, statuses, links, wanted, tuple(dropped))

    def _reader(self, team_id: str, group_id: int, links: list[CoopLink],
                dropped: list[Dropped]) -> tuple[CoopApi, tuple[Status, ...]] | None:
        """The first linker who can still read the group, and its newest statuses."""
        for user_id in dict.fromkeys(link.user_id for link in links):
            try:
                client = batch(self._coop.client(team_id, user_id))
                return client, client.group_statuses(group_id)
            except NotLinked:
                self._drop(team_id, group_id, user_id, NOT_LINKED, dropped)
            except NotFound:
                self._drop(team_id, group_id, user_id, NOT_A_MEMBER, dropped)
            except AuthError:
                log.warning("Co-op group %s: a linker's credentials were refused", group_id)
            except CoopOff:
                return None
            except HarvestError as error:
                log.warning("Co-op group %s: Co-op did not answer (%s)", group_id,
                            type(error).__name__)
                return None
        return None

    def _check_members(self, team_id: str, group_id: int, client: CoopApi,
                       links: list[CoopLink], dropped: list[Dropped]) -> None:
        """With several linkers, drop the links of those who are no longer members."""
        people = list(dict.fromkeys(link.user_id for link in links))
        if len(people) < 2:
            return
        members = {m.email.casefold() for m in client.memberships(group_id) if m.user_id}
        for user_id in people:
            account = self._coop.account(team_id, user_id)
            if account is None:
                self._drop(team_id, group_id, user_id, NOT_LINKED, dropped)
            elif account.email.casefold() not in members:
                self._drop(team_id, group_id, user_id, NOT_A_MEMBER, dropped)

    def _drop(self, team_id: str, group_id: int, user_id: str, reason: str,
              dropped: list[Dropped]) -> None:
        gone = [link for link in self._coop.links.for_group(team_id, group_id)
                if link.user_id == user_id]
        self._coop.drop_links(gone)
        dropped.extend(Dropped(link, reason) for link in gone)

    # -- bookkeeping, called by the poster between posts (quick: no Co-op call) ---------------

    def posted(self, link: CoopLink, status: Status, message_ts: str | None) -> None:
        """Record that ``status`` is in ``link``'s channel now (call right after Slack's answer)."""
        self._coop.cursors.record_sent(SentStatus(
            link.team_id, link.channel_id, link.group_id, mark_of(status), message_ts,
            self._clock()))

    def attempting(self, link: CoopLink, status: Status) -> None:
        """A post of ``status`` to ``link``'s channel begins (call just before sending it)."""
        self._coop.cursors.begin(link.team_id, link.channel_id, link.group_id, mark_of(status),
                                 self._clock())

    def not_posted(self, link: CoopLink, status: Status) -> None:
        """Slack answered that it did not post ``status``, or its history shows it is not
        there: the attempt is over."""
        self._coop.cursors.end(link.team_id, link.channel_id, link.group_id, mark_of(status))

    def in_doubt(self, link: CoopLink, status: Status) -> Attempt | None:
        """A post of ``status`` to ``link``'s channel that never had its answer, if any."""
        return self._coop.cursors.attempt(link.team_id, link.channel_id, link.group_id,
                                          mark_of(status))

    def settled(self, attempt: Attempt) -> bool:
        """Whether ``attempt`` cannot still be running (here or in another process), and was not
        looked for in vain just now: the channel's history can tell whether it was made."""
        settled = self._clock() - self.in_doubt_after
        return attempt.attempted_at <= settled and (attempt.checked_at is None
                                                    or attempt.checked_at <= settled)

    def check_failed(self, attempt: Attempt) -> None:
        """Reading the history for ``attempt`` failed: look again after ``in_doubt_after``."""
        self._coop.cursors.checked(attempt, self._clock())

    def shown_already(self, team_id: str, channel_id: str, status: Status,
                      message_ts: str | None) -> bool:
        """A status posted from a Slack message of this channel (the "Post to Co-op" shortcut)
        is there already: when the channel shows that group, the mirror will not post it again.
        Whether it was recorded."""
        link = self._coop.links.get(team_id, channel_id)
        if link is None or link.group_id != status.group_id:
            return False
        self.posted(link, status, message_ts)
        return True

    def done(self, team_id: str, group_id: int, status: Status) -> None:
        """Every channel has ``status``: the cursor moves to it (never back), and the sent-log
        forgets what is behind the cursor's second."""
        mark = mark_of(status)
        cursor = self._coop.cursors.get(team_id, group_id)
        if cursor is None or is_after(mark, cursor):
            self._coop.cursors.put(team_id, group_id, mark, at=self._clock())
            if cursor is None or mark.created_at != cursor.created_at:
                self._coop.cursors.prune(team_id, group_id, before=mark.created_at)

    def drop_channel(self, link: CoopLink) -> None:
        """Stop mirroring into a channel Slack will not let the bot post to."""
        self._coop.drop_links([link])

