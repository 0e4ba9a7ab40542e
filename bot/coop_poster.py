"""The Slack half of mirroring Co-op groups: post each round's statuses into linked channels.

:class:`CoopPoster` asks :class:`~bot.coop_mirror.Mirror` (in the Harvest thread pool) what each
linked group's channels need, and posts it, oldest first, one message a second per channel
(:mod:`bot.channel_pace`: posts queue, none is dropped). After each post it records it at once,
with no ``await`` in between, so a stop cannot fall between Slack's answer and the record; a
group's cursor moves once all its channels have the status. See ``bot.coop_mirror`` for the
guarantee. :func:`schedule_coop` adds the poll to the app's scheduler (``scheduler.
coop_poll_interval`` in ``app.yaml``, 60 s by default).

A channel Slack will not let the bot post to (archived, not found, the bot not in it) is
unlinked and the person who linked it is told by DM; any other failure leaves the cursor where
it is and the next round tries again.

Posts in doubt: the mirror records each attempt just before the post, and Slack's answer ends
it. An attempt left without its answer (the process was killed waiting, the connection
dropped, the client timed out) is in doubt. When a round reaches that status again:

- while the attempt may still be running (``IN_DOUBT_AFTER``, ``Mirror.settled``), nothing is
  posted and the round stops there (the next round looks again);
- then the channel's history is read for the message by its metadata
  (:func:`bot.slack_history.find_posted`; only posts in doubt pay for that call): found, it is
  recorded with its ts and not posted again; absent, it is posted;
- if the history cannot be read (the bot not in the channel: it may post with
  ``chat:write.public``; a workspace that installed the app before ``channels:history``/
  ``groups:history`` were asked for), it is posted again, as before the check existed: a
  status twice is a lesser harm than one lost (logged as a warning);
- if reading it failed (Slack 5xx or rate limit after the client's retries, the network), the
  round stops and the history is read again after ``IN_DOUBT_AFTER``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import coop_blocks
from bot.channel_pace import ChannelPace, channel_pace
from bot.coop_mirror import Mirror, Round
from bot.harvest.models import Status
from bot.scheduler import every
from bot.services import Services
from bot.slack_history import find_posted
from storage.coop_cursors import Attempt
from storage.coop_links import CoopLink

log = logging.getLogger(__name__)

COOP_POLL = "coop_poll"
#: A workspace's ``{"token": …}`` for calls made outside a request (see ``bot.install``).
Tokens = Callable[[str], Awaitable[dict[str, Any]]]
#: Slack's answers meaning the bot will never be able to post there as things stand.
CHANNEL_GONE = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "channel_is_archived",
    "restricted_action", "restricted_action_read_only_channel", "team_access_not_granted",
})


@dataclass
class PollReport:
    """What one poll did, for logs and tests."""

    groups: int = 0
    posted: int = 0
    failed: int = 0
    dropped: list[str] = field(default_factory=list)


class CoopPoster:
    """Posts what the mirror says each linked channel needs."""

    def __init__(self, services: Services, client: AsyncWebClient, *,
                 pace: ChannelPace | None = None, tokens: Tokens | None = None) -> None:
        """:param tokens: a workspace's ``{"token": …}`` (multi-workspace installs); by default
            the client's own token is used."""
        self._services = services
        self._mirror: Mirror = services.coop_mirror
        self._client = client
        self._tokens = tokens or _no_token
        self._pace = pace or channel_pace(services)
        coop_url = services.settings.harvest.coop_url.rstrip("/")
        self._coop_url = coop_url or None

    def _stopping(self) -> bool:
        return self._services.scheduler.stopping.is_set()

    async def poll(self) -> PollReport:
        """One round over every linked group."""
        report = PollReport()
        for team_id, group_id in await self._services.run(self._mirror.groups):
            if self._stopping():
                break
            found = await self._services.run(self._mirror.read, team_id, group_id)
            if found is None:
                continue
            report.groups += 1
            for dropped in found.dropped:
                report.dropped.append(dropped.link.channel_id)
                await self._tell(dropped.link, coop_blocks.dropped_text(dropped))
            await self._deliver(found, report)
        return report

    async def _deliver(self, found: Round, report: PollReport) -> None:
        url = f"{self._coop_url}/groups/{found.group_id}" if self._coop_url else None
        for status in found.statuses:
            targets = found.channels_for(status)
            message = coop_blocks.mirrored_message(status, found.group_name, url)
            results = await asyncio.gather(
                *(self._post(link, status, message) for link in targets))
            report.posted += sum(1 for ok in results if ok)
            if not all(results):
                report.failed += 1
                return  # the cursor stays before this status; the next round resumes here
            self._mirror.done(found.team_id, found.group_id, status)
            if self._stopping():
                return

    async def _post(self, link: CoopLink, status: Status, message: dict[str, Any]) -> bool:
        """Post one status into one channel and record it; whether the channel has it now."""
        token = await self._tokens(link.team_id)
        attempt = self._mirror.in_doubt(link, status)
        if attempt is not None:
            found = await self._look_up(attempt, link, status, token)
            if found is not None:
                return found
        await self._pace.turn(link.channel_id)
        # The attempt begins: from here a crash leaves the post in doubt (see the docstring).
        self._mirror.attempting(link, status)
        try:
            answer = await self._client.chat_postMessage(channel=link.channel_id, **token,
                                                         **message)
        except SlackApiError as error:
            self._mirror.not_posted(link, status)
            code = str(error.response.get("error", ""))
            if code in CHANNEL_GONE:
                await self._services.run(self._mirror.drop_channel, link)
                await self._tell(link, coop_blocks.channel_gone_text(link, code))
                return True  # nothing more to do for this channel
            log.warning("Co-op mirror: posting to a channel failed (%s)", code)
            return False
        except (TimeoutError, SlackClientError, OSError) as error:
            # Slack may have made it: the attempt stays, in doubt, for a later round to check.
            log.warning("Co-op mirror: Slack could not be reached (%s)", type(error).__name__)
            return False
        # No await between Slack's answer and the record: a stop cannot come in between.
        self._mirror.posted(link, status, answer.get("ts"))
        return True

    async def _look_up(self, attempt: Attempt, link: CoopLink, status: Status,
                       token: dict[str, Any]) -> bool | None:
        """For a post in doubt: True when the channel has it (recorded now), False when this
        round must stop here, None when it is to be posted."""
        if not self._mirror.settled(attempt):
            log.info("Co-op mirror: a post to a channel may still be in flight; waiting")
            return False
        lookup = await find_posted(
            self._client, channel=link.channel_id, event_type=coop_blocks.STATUS_EVENT,
            payload=coop_blocks.status_payload(status), attempted_at=attempt.attempted_at,
            token=token)
        if lookup.state == "found":
            # No await between the lookup's answer and the record, as after a post.
            self._mirror.posted(link, status, lookup.ts)
            log.info("Co-op mirror: a status in doubt was in the channel already; recorded")
            return True
        if lookup.state == "failed":
            self._mirror.check_failed(attempt)
            log.warning("Co-op mirror: reading a channel's history failed (%s); looking again "
                        "later", lookup.error)
            return False
        if lookup.state == "unreadable":
            log.warning("Co-op mirror: a status may be in a channel already, but its history "
                        "cannot be read (%s): posting it again", lookup.error)
        self._mirror.not_posted(link, status)
        return None

    async def _tell(self, link: CoopLink, text: str) -> None:
        """A DM to the person who linked ``link``."""
        token = await self._tokens(link.team_id)
        await self._pace.turn(link.user_id)
        try:
            await self._client.chat_postMessage(channel=link.user_id, text=text, **token)
        except SlackApiError as error:
            log.warning("could not tell the person: %s", error.response.get("error"))


async def _no_token(team_id: str) -> dict[str, Any]:
    return {}


def schedule_coop(services: Services, client: AsyncWebClient, *,
                  tokens: Tokens | None = None) -> CoopPoster:
    """Add the Co-op poll to the app's scheduler; the poster, for ``run_now``'s callers."""
    poster = CoopPoster(services, client, tokens=tokens)
    seconds = services.settings.scheduler.coop_poll_interval.total_seconds()
    services.scheduler.add(every(COOP_POLL, seconds, poster.poll, now=services.clock()))
    return poster
