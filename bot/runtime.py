"""The Slack side of running the services: who a request is for, and the outbox worker.

:class:`SlackPeople` reads people's profiles (email, time zone) through the Web API, briefly
cached. :func:`acting_for` turns a Slack request into a service :class:`~bot.accounts.Acting`.
:class:`OutboxWorker` retries kept writes in the background and tells each person, in a DM,
when their write landed or why it could not.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.accounts import Acting
from bot.channel_pace import channel_pace
from bot.outbox import Notice
from bot.services import Services
from bot.slack_history import Lookup, dm_channel, find_posted

log = logging.getLogger(__name__)

PROFILE_TTL = 300.0
#: How an attempt to tell someone ended (see ``OutboxWorker._tell``).
Verdict = Literal["told", "told_before", "gone", "later"]
#: ``metadata.event_type`` of the DM telling a person how a kept write went.
NOTICE_EVENT = "harvest_write_notice"
#: Slack errors after which a DM can never be delivered: the person left or was deactivated, or
#: the workspace removed the app. Any other refusal is tried again later.
UNDELIVERABLE = frozenset({
    "user_not_found", "channel_not_found", "account_inactive", "user_disabled", "is_archived",
    "cannot_dm_bot", "invalid_auth", "token_revoked", "team_access_not_granted",
})


@dataclass(frozen=True)
class Profile:
    user_id: str
    email: str | None
    tz: str | None
    name: str


class SlackPeople:
    """Slack profiles by user id, cached for a few minutes."""

    def __init__(self, ttl: float = PROFILE_TTL) -> None:
        self._ttl = ttl
        self._cache: dict[str, tuple[float, Profile]] = {}

    async def profile(self, client: AsyncWebClient, user_id: str) -> Profile:
        """The person's profile; an empty one if Slack will not say (the bot lacks a scope)."""
        cached = self._cache.get(user_id)
        if cached is not None and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        try:
            answer = await client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info failed: %s", error.response.get("error"))
            return Profile(user_id, None, None, user_id)
        user = answer["user"]
        profile = Profile(
            user_id,
            user.get("profile", {}).get("email"),
            user.get("tz"),
            user.get("real_name") or user.get("name") or user_id,
        )
        self._cache[user_id] = (time.monotonic(), profile)
        return profile


def people(services: Services) -> SlackPeople:
    """The app's profile cache, kept with the services."""
    found = services.extras.get("slack_people")
    if not isinstance(found, SlackPeople):
        found = services.extras["slack_people"] = SlackPeople()
    return found


async def acting_for(
    services: Services,
    client: AsyncWebClient,
    team_id: str,
    user_id: str,
    for_user: str | None = None,
) -> Acting:
    """Whose timesheet a request works on, in the person's Slack time zone.

    :raises NotLinked: the person has not connected Harvest.
    :raises NotAdmin: ``for_user`` given and the person is not a Harvest administrator.
    :raises UnknownPerson: ``for_user``'s Slack email is no Harvest person's.
    """
    directory = people(services)
    me = await directory.profile(client, user_id)
    for_email = None
    if for_user is not None and for_user != user_id:
        other = await directory.profile(client, for_user)
        for_email = other.email or f"{for_user}@unknown.invalid"
    return await services.run(
        services.accounts.acting, team_id, user_id, for_email=for_email, timezone=me.tz
    )


class OutboxWorker:
    """Retries due outbox items every ``interval`` seconds and tells people how they went."""

    def __init__(self, services: Services, client: AsyncWebClient, interval: float = 5.0, *,
                 tokens: Callable[[str], Awaitable[dict[str, Any]]] | None = None) -> None:
        """:param tokens: a workspace's ``{"token": …}`` when installed in several (as the
            Co-op and digest posters get it); by default the client's own token."""
        self._services = services
        self._client = client
        self._interval = interval
        self._tokens = tokens
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # noqa: BLE001 - the worker outlives one bad round; it is logged
                log.exception("outbox round failed")
            await asyncio.sleep(self._interval)

    async def tick(self, limit: int = 10) -> int:
        """One round: retry up to ``limit`` due writes, one at a time, and after each tell the
        people whose notices are due (that write's person at once); how many were told.

        One write at a time, each followed by its notice, so that people hear as soon as theirs
        landed. The notices themselves are owed in the database (``bot.outbox``): one Slack
        refused, or one the process died before sending, is sent on a later round.
        """
        told = await self._tell_owed()
        for _ in range(limit):
            outcomes = await self._services.run(self._services.outbox.process_due, limit=1)
            if not outcomes:
                break
            told += await self._tell_owed()
        return told

    async def _tell_owed(self) -> int:
        """Send the notices due now; how many Slack took."""
        writes = self._services.outbox
        told = 0
        for notice in await self._services.run(writes.owed_notices):
            outcome = await self._tell(notice)
            if outcome == "later":
                await self._services.run(writes.tell_later, notice)
                continue
            await self._services.run(writes.told, notice)
            told += outcome == "told"
        return told

    async def _tell(self, notice: Notice) -> Verdict:
        """DM the person how their write went: "told", "told_before" (an attempt that died
        without a verdict had delivered it), "gone" (Slack can never deliver it: the person or
        the install is gone; logged) or "later" (refused for now).

        Each DM carries the outbox item in its ``metadata``, for that look at the history."""
        text = (
            blocks.LANDED_TEXT.format(what=notice.description)
            if notice.landed
            else blocks.FAILED_TEXT.format(what=notice.description, error=notice.error)
        )
        token = await self._token(notice)
        tag = {"event_type": NOTICE_EVENT, "event_payload": {"outbox_item": notice.item_id}}
        if notice.in_doubt_since is not None:
            seen = await self._look_up(notice, tag, token)
            if seen != "absent":
                return seen
        # Several of a person's writes may land in one round: a DM a second, as Slack wants.
        await channel_pace(self._services).turn(notice.user_id)
        try:
            await self._client.chat_postMessage(
                channel=notice.user_id, **blocks.text_message(text), metadata=tag, **token
            )
        except SlackApiError as error:
            code = error.response.get("error")
            if code in UNDELIVERABLE:
                log.warning("cannot tell the person, giving up: %s", code)
                return "gone"
            log.warning("could not tell the person, will try again: %s", code)
            return "later"
        except (SlackClientError, ClientError, TimeoutError) as error:
            # Slack unreachable past the client's retries: the others are still told.
            log.warning("could not tell the person, will try again: %s", type(error).__name__)
            return "later"
        return "told"

    async def _look_up(self, notice: Notice, tag: dict[str, Any],
                       token: dict[str, Any]) -> Verdict | Literal["absent"]:
        """An attempt of this notice died without a verdict: "told_before" if the DM's history
        shows it, "gone" if Slack says the person or install is gone, "later" if Slack cannot say
        now, "absent" to send it (also when the history is unreadable: a notice twice is the
        lesser harm than none)."""
        assert notice.in_doubt_since is not None
        channel = await dm_channel(self._client, notice.user_id, token)
        lookup = channel if isinstance(channel, Lookup) else await find_posted(
            self._client, channel=channel, event_type=NOTICE_EVENT,
            payload=tag["event_payload"], attempted_at=notice.in_doubt_since, token=token)
        if lookup.state == "unreadable" and lookup.error in UNDELIVERABLE:
            return "gone"
        if lookup.state == "found":
            log.info("a notice in doubt was delivered before the restart; not sent again")
            return "told_before"
        if lookup.state == "failed":
            return "later"
        if lookup.state == "unreadable":
            log.warning("cannot read the DM's history (%s): sending a notice in doubt again",
                        lookup.error)
        return "absent"

    async def _token(self, notice: Notice) -> dict[str, Any]:
        """The workspace's bot token, when the app is installed in several."""
        return await self._tokens(notice.team_id) if self._tokens is not None else {}
