"""``/harvest``: acknowledge at once, then parse -> service (in the thread pool) -> render -> respond.

Errors are not caught here: typed ones rise to the app's one ``@app.error`` handler
(``bot.app``), which answers the person politely through ``respond``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.parsing import commands as parsed
from bot.runtime import acting_for, people
from bot.services import Services
from bot.work import Choice
from handlers import coop, digests
from handlers.home import after_command

Message = dict[str, Any]


def register(app: AsyncApp, services: Services) -> None:
    """Add the ``/harvest`` command listener."""

    @app.command("/harvest")
    async def harvest(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        invocation = parsed.parse_command(body.get("text", ""))
        message = await answer(services, client, body, invocation)
        await respond(response_type="ephemeral", **message)
        await after_command(services, client, body["team_id"], body["user_id"], invocation.command)


async def answer(
    services: Services, client: AsyncWebClient, body: dict[str, Any], invocation: parsed.Invocation
) -> Message:
    """The reply to one parsed ``/harvest`` invocation."""
    command = invocation.command
    handler = _HANDLERS[type(command)]
    return await handler(services, client, body, command, invocation.for_user)


Handler = Callable[
    [Services, AsyncWebClient, dict[str, Any], Any, parsed.SlackUserRef | None], Awaitable[Message]
]


async def _acting(services: Services, client: AsyncWebClient, body: dict[str, Any],
                  for_user: parsed.SlackUserRef | None) -> Any:
    return await acting_for(services, client, body["team_id"], body["user_id"],
                            for_user.user_id if for_user else None)


async def _help(services: Services, client: AsyncWebClient, body: dict[str, Any],
                command: parsed.Help, for_user: parsed.SlackUserRef | None) -> Message:
    return blocks.help_message(command.topic)


async def _connect(services: Services, client: AsyncWebClient, body: dict[str, Any],
                   command: parsed.Connect, for_user: parsed.SlackUserRef | None) -> Message:
    return blocks.connect_message(await oauth_url(services, client, body["team_id"], body["user_id"]))


async def oauth_url(services: Services, client: AsyncWebClient, team_id: str, user_id: str) -> str | None:
    """The "Sign in with Harvest" link for the person, when OAuth is set up."""
    if not services.accounts.oauth_enabled:
        return None
    tz = (await people(services).profile(client, user_id)).tz  # none: Harvest's zone is kept
    return await services.run(services.accounts.oauth_start_url, team_id, user_id, timezone=tz)


async def _disconnect(services: Services, client: AsyncWebClient, body: dict[str, Any],
                      command: parsed.Disconnect, for_user: parsed.SlackUserRef | None) -> Message:
    gone = await services.run(services.accounts.unlink, body["team_id"], body["user_id"])
    text = ("Disconnected. I've forgotten your Harvest credentials." if gone
            else "You weren't connected to Harvest.")
    return blocks.text_message(text)


def _state(kind: str, notes: str, for_user: parsed.SlackUserRef | None, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"k": kind, "n": notes, **extra}
    if for_user is not None:
        state["f"] = for_user.user_id
    return state


async def _start(services: Services, client: AsyncWebClient, body: dict[str, Any],
                 command: parsed.Start, for_user: parsed.SlackUserRef | None) -> Message:
    acting = await _acting(services, client, body, for_user)
    started = await services.run(services.timers.start, acting, command.work,
                                 key=body.get("trigger_id"))
    if isinstance(started, Choice):
        return blocks.choice_message(started, _state("start", started.notes, for_user))
    return blocks.started_message(started, acting.for_name)


async def _stop(services: Services, client: AsyncWebClient, body: dict[str, Any],
                command: parsed.Stop, for_user: parsed.SlackUserRef | None) -> Message:
    acting = await _acting(services, client, body, for_user)
    entry = await services.run(services.timers.stop, acting)
    return blocks.entry_message(":black_square_for_stop: Stopped", entry, acting.for_name)


async def _resume(services: Services, client: AsyncWebClient, body: dict[str, Any],
                  command: parsed.Resume, for_user: parsed.SlackUserRef | None) -> Message:
    acting = await _acting(services, client, body, for_user)
    entry = await services.run(services.timers.resume, acting)
    return blocks.entry_message(":arrow_forward: Resumed", entry, acting.for_name)


async def _note(services: Services, client: AsyncWebClient, body: dict[str, Any],
                command: parsed.Note, for_user: parsed.SlackUserRef | None) -> Message:
    acting = await _acting(services, client, body, for_user)
    entry = await services.run(services.timers.note, acting, command.text)
    return blocks.entry_message(":memo: Notes updated", entry, acting.for_name)


async def _log(services: Services, client: AsyncWebClient, body: dict[str, Any],
               command: parsed.Log, for_user: parsed.SlackUserRef | None) -> Message:
    acting = await _acting(services, client, body, for_user)
    logged = await services.run(services.entries.log, acting, command.hours, command.work,
                                command.day, key=body.get("trigger_id"))
    if isinstance(logged, Choice):
        spent_at = command.day.resolve(acting.today) if command.day else acting.today
        state = _state("log", logged.notes, for_user, h=command.hours, d=spent_at.isoformat())
        return blocks.choice_message(logged, state)
    return blocks.logged_message(logged, acting.for_name)


async def _today(services: Services, client: AsyncWebClient, body: dict[str, Any],
                 command: parsed.Today, for_user: parsed.SlackUserRef | None) -> Message:
    acting = await _acting(services, client, body, for_user)
    sheet = await services.run(services.entries.day, acting)
    return blocks.timesheet_message(sheet, for_user.user_id if for_user else None)


async def _week(services: Services, client: AsyncWebClient, body: dict[str, Any],
                command: parsed.Week, for_user: parsed.SlackUserRef | None) -> Message:
    acting = await _acting(services, client, body, for_user)
    sheet = await services.run(services.entries.week, acting)
    return blocks.timesheet_message(sheet, for_user.user_id if for_user else None)


async def _day(services: Services, client: AsyncWebClient, body: dict[str, Any],
               command: parsed.Day, for_user: parsed.SlackUserRef | None) -> Message:
    acting = await _acting(services, client, body, for_user)
    sheet = await services.run(services.entries.day, acting, command.day.resolve(acting.today))
    return blocks.timesheet_message(sheet, for_user.user_id if for_user else None)


async def _projects(services: Services, client: AsyncWebClient, body: dict[str, Any],
                    command: parsed.Projects, for_user: parsed.SlackUserRef | None) -> Message:
    acting = await _acting(services, client, body, for_user)
    projects = await services.run(services.entries.projects, acting, command.filter)
    return blocks.projects_message(projects)


_HANDLERS: dict[type, Handler] = {
    parsed.Help: _help,
    parsed.Connect: _connect,
    parsed.Disconnect: _disconnect,
    parsed.Start: _start,
    parsed.Stop: _stop,
    parsed.Resume: _resume,
    parsed.Note: _note,
    parsed.Log: _log,
    parsed.Today: _today,
    parsed.Week: _week,
    parsed.Day: _day,
    parsed.Projects: _projects,
    parsed.Status: coop.status,
    parsed.Group: coop.group,
    parsed.Digest: digests.digest,
}
