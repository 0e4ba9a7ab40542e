"""The App Home tab: published when the person opens it and after their changes; its Stop and
quick-start buttons.

:func:`refresh_home` is the hook other listeners call after a person's start, stop or log, so
the Home they have open shows it. Only people who opened their Home since the bot started are
refreshed: for anyone else the next ``app_home_opened`` publishes a fresh one anyway.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks, home_blocks
from bot.accounts import AccountError, NotLinked
from bot.harvest.errors import HarvestError
from bot.parsing import commands as parsed
from bot.runtime import acting_for
from bot.services import Services
from handlers.where import action_key, who

#: The ``/harvest`` sub-commands after which the person's Home is republished.
CHANGING = (parsed.Start, parsed.Stop, parsed.Resume, parsed.Note, parsed.Log, parsed.Disconnect)


class HomeTabs:
    """Who has opened their App Home since the bot started (event loop only, no lock)."""

    def __init__(self) -> None:
        self._open: set[tuple[str, str]] = set()

    def opened(self, team_id: str, user_id: str) -> None:
        self._open.add((team_id, user_id))

    def is_open(self, team_id: str, user_id: str) -> bool:
        return (team_id, user_id) in self._open


def tabs(services: Services) -> HomeTabs:
    """The app's record of open Homes, kept with the services."""
    found = services.extras.get("home_tabs")
    if not isinstance(found, HomeTabs):
        found = services.extras["home_tabs"] = HomeTabs()
    return found


async def publish_home(services: Services, client: AsyncWebClient, team_id: str, user_id: str) -> None:
    """Publish the person's Home as Harvest has it now.

    Account and Harvest errors are shown on the Home itself, in the error handler's words: an
    event has no response_url, and a Home left as it was would explain nothing.
    """
    try:
        acting = await acting_for(services, client, team_id, user_id)
        overview = await services.run(services.home.overview, acting)
        view = home_blocks.home_view(overview)
    except (AccountError, HarvestError) as error:
        # bot.app imports the handler modules, so its error texts are looked up at call time.
        from bot.app import error_message

        message = await error_message(error, services, client,
                                      {"team_id": team_id, "user_id": user_id})
        view = home_blocks.problem_view(message, trouble=not isinstance(error, NotLinked))
    await client.views_publish(user_id=user_id, view=view)


async def refresh_home(services: Services, client: AsyncWebClient, team_id: str, user_id: str) -> None:
    """After a change to the person's time: republish their Home if they have opened it."""
    if tabs(services).is_open(team_id, user_id):
        await publish_home(services, client, team_id, user_id)


async def after_command(services: Services, client: AsyncWebClient, team_id: str, user_id: str,
                        command: object) -> None:
    """The ``/harvest`` hook: after a sub-command that changed the person's time, refresh Home."""
    if isinstance(command, CHANGING):
        await refresh_home(services, client, team_id, user_id)




def register(app: AsyncApp, services: Services) -> None:
    """Add the App Home listeners."""

    @app.event("app_home_opened")
    async def opened(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab
        team, user = body["team_id"], event["user"]
        tabs(services).opened(team, user)
        await publish_home(services, client, team, user)

    @app.action(home_blocks.HOME_STOP)
    async def stop(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        team, user = who(body)
        tabs(services).opened(team, user)
        acting = await acting_for(services, client, team, user)
        try:
            await services.run(services.timers.stop, acting)
        finally:  # stopped, or already stopped elsewhere (the error handler says so): show it
            await publish_home(services, client, team, user)

    @app.action(re.compile(f"^{re.escape(home_blocks.HOME_START)}:"))
    async def quick_start(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                          client: AsyncWebClient) -> None:
        await ack()
        team, user = who(body)
        tabs(services).opened(team, user)
        project_id, task_id = (int(part) for part in action["value"].split(":"))
        acting = await acting_for(services, client, team, user)
        try:
            started = await services.run(services.timers.start_pair, acting, project_id, task_id,
                                         key=action_key(body, action))
        finally:  # a refusal (archived meanwhile) reaches the person through the error handler
            await publish_home(services, client, team, user)
        if started.pending is not None:  # Harvest is away: the Home cannot show it yet
            await client.chat_postMessage(channel=user, **blocks.started_message(started))
