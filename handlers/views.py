"""Modal submissions: connecting with email and password (field errors), editing an entry.

Field errors must travel in the acknowledgement, so the connect modal checks the credentials with
Harvest before acknowledging, within :data:`CHECK_SECONDS`; a slower Harvest gets a "still
checking" view and the outcome in a DM.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.harvest.errors import AuthError, HarvestError
from bot.parsing.durations import DurationError, parse_duration
from bot.runtime import acting_for, people
from bot.services import Services
from storage.users import LinkedAccount

CHECK_SECONDS = 2.0
WRONG_PASSWORD = "Harvest didn't accept that email and password."
NO_HARVEST = "I couldn't reach a Harvest account there: {message}"
REQUIRED = "Please fill this in."
CHECKING = "Checking with Harvest… I'll send you a message when it's done."


def _values(view: dict[str, Any]) -> dict[str, str]:
    state = view.get("state", {}).get("values", {})
    return {block: str((fields.get("value") or {}).get("value") or "").strip()
            for block, fields in state.items()}


def _checking_view() -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Connect Harvest"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [blocks.section(CHECKING)]}


def register(app: AsyncApp, services: Services) -> None:
    """Add the view submission listeners."""

    @app.view(blocks.CONNECT_VIEW)
    async def connect(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                      client: AsyncWebClient) -> None:
        fields = _values(view)
        missing = {k: REQUIRED for k in ("account_url", "email", "password") if not fields.get(k)}
        if missing:
            await ack(response_action="errors", errors=missing)
            return
        team, user = body["team"]["id"], body["user"]["id"]
        tz = (await people(services).profile(client, user)).tz or "UTC"
        linking = asyncio.ensure_future(services.run(
            services.accounts.link_basic, team, user, fields["account_url"], fields["email"],
            fields["password"], timezone=tz))
        try:
            account = await asyncio.wait_for(asyncio.shield(linking), CHECK_SECONDS)
        except AuthError:
            await ack(response_action="errors", errors={"password": WRONG_PASSWORD})
            return
        except HarvestError as error:
            await ack(response_action="errors",
                      errors={"account_url": NO_HARVEST.format(message=error.message)[:150]})
            return
        except TimeoutError:
            await ack(response_action="update", view=_checking_view())
            account = await linking  # a refusal now rises to @app.error, which DMs the person
        else:
            await ack()
        await _tell_connected(client, user, account)

    @app.view(blocks.EDIT_VIEW)
    async def edit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                   client: AsyncWebClient) -> None:
        fields = _values(view)
        try:
            hours = parse_duration(fields.get("hours", ""))
        except DurationError as error:
            await ack(response_action="errors", errors={"hours": error.message[:150]})
            return
        await ack()
        meta = json.loads(view.get("private_metadata") or "{}")
        team, user = body["team"]["id"], body["user"]["id"]
        acting = await acting_for(services, client, team, user, meta.get("for"))
        entry = await services.run(services.entries.edit, acting, int(meta["id"]), hours=hours,
                                   notes=fields.get("notes", ""))
        message = blocks.entry_message(":pencil2: Updated", entry, acting.for_name)
        if meta.get("ch"):
            await client.chat_postEphemeral(channel=meta["ch"], user=user, **message)
        else:
            await client.chat_postMessage(channel=user, **message)


async def _tell_connected(client: AsyncWebClient, user: str, account: LinkedAccount) -> None:
    await client.chat_postMessage(
        channel=user, **blocks.text_message(blocks.connected_text(account.email)))
