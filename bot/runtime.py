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
from dataclasses import dataclass

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.accounts import Acting
from bot.channel_pace import channel_pace
from bot.outbox import Outcome
from bot.services import Services

log = logging.getLogger(__name__)

PROFILE_TTL = 300.0


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

    def __init__(self, services: Services, client: AsyncWebClient, interval: float = 5.0) -> None:
        self._services = services
        self._client = client
        self._interval = interval
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
        """One round: retry up to ``limit`` due writes, one at a time, telling each person as
        soon as theirs finished; how many were told.

        One at a time because a write is marked done before its person is told: had the round
        retried all of them first, a crash during the round would lose the notices of every
        write done so far, and a done write is never told again. Now it loses at most one.
        """
        told = 0
        for _ in range(limit):
            outcomes = await self._services.run(self._services.outbox.process_due, limit=1)
            if not outcomes:
                break
            for outcome in outcomes:
                if outcome.finished and await self._tell(outcome):
                    told += 1
        return told

    async def _tell(self, outcome: Outcome) -> bool:
        """DM the person how their write went; whether Slack took it."""
        text = (
            blocks.LANDED_TEXT.format(what=outcome.description)
            if outcome.entry is not None
            else blocks.FAILED_TEXT.format(what=outcome.description, error=outcome.error)
        )
        # Several of a person's writes may land in one round: a DM a second, as Slack wants.
        await channel_pace(self._services).turn(outcome.item.user_id)
        try:
            await self._client.chat_postMessage(
                channel=outcome.item.user_id, **blocks.text_message(text)
            )
        except SlackApiError as error:
            log.warning("could not tell the person: %s", error.response.get("error"))
            return False
        except (SlackClientError, ClientError, TimeoutError) as error:
            # Slack unreachable past the client's retries: the others are still told.
            log.warning("could not tell the person: %s", type(error).__name__)
            return False
        return True
