"""Buttons and selects: the work picker, an entry's Edit / Delete / Restart, the Connect buttons
and the Harvest account picked after signing in.

Each listener acknowledges first; Harvest work runs in the thread pool; errors rise to
``@app.error``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.runtime import acting_for
from bot.services import Services
from handlers.home import refresh_home
from handlers.where import action_key, who


def _channel(body: dict[str, Any]) -> str:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")


def register(app: AsyncApp, services: Services) -> None:
    """Add the block action listeners."""

    @app.action(blocks.PICK_WORK)
    async def picked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                     respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        state = blocks.decode_state(action.get("block_id", ""))
        project_id, task_id = (int(part) for part in action["selected_option"]["value"].split(":"))
        team, user = who(body)
        acting = await acting_for(services, client, team, user, state.get("f"))
        notes = str(state.get("n") or "")
        if state.get("k") == "log":
            logged = await services.run(
                services.entries.log_pair, acting, project_id, task_id, float(state["h"]),
                date.fromisoformat(state["d"]), notes, key=action_key(body))
            message = blocks.logged_message(logged, acting.for_name)
        else:
            started = await services.run(services.timers.start_pair, acting, project_id, task_id,
                                         notes, key=action_key(body))
            message = blocks.started_message(started, acting.for_name)
        await respond(replace_original=True, **message)
        await refresh_home(services, client, team, user)

    @app.action(blocks.ENTRY_EDIT)
    async def edit(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                   client: AsyncWebClient) -> None:
        await ack()
        value = json.loads(action["value"])
        metadata = json.dumps({"id": value["id"], "for": value.get("for"), "ch": _channel(body)})
        await client.views_open(trigger_id=body["trigger_id"],
                                view=blocks.edit_modal(value["id"], value["h"], value.get("n", ""), metadata))

    @app.action(blocks.ENTRY_DELETE)
    async def delete(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                     respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        value = json.loads(action["value"])
        team, user = who(body)
        acting = await acting_for(services, client, team, user, value.get("for"))
        entry = await services.run(services.entries.delete, acting, int(value["id"]))
        await respond(replace_original=False,
                      **blocks.entry_message(":wastebasket: Deleted", entry, acting.for_name))

    @app.action(blocks.ENTRY_RESTART)
    async def restart(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                      respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        value = json.loads(action["value"])
        team, user = who(body)
        acting = await acting_for(services, client, team, user, value.get("for"))
        entry = await services.run(services.entries.restart, acting, int(value["id"]))
        await respond(replace_original=False,
                      **blocks.entry_message(":arrow_forward: Restarted", entry, acting.for_name))

    @app.action(blocks.CONNECT_PASSWORD)
    async def connect_password(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        metadata = json.dumps({"ch": _channel(body)})
        await client.views_open(
            trigger_id=body["trigger_id"],
            view=blocks.connect_modal(services.settings.harvest.base_url, metadata))

    @app.action(blocks.CONNECT_OAUTH)
    async def connect_oauth(ack: AsyncAck) -> None:
        await ack()  # a link button: the browser does the rest, the callback finishes it

    @app.action(blocks.CONNECT_TOKEN)
    async def connect_token(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        metadata = json.dumps({"ch": _channel(body)})
        await client.views_open(trigger_id=body["trigger_id"], view=blocks.token_modal(metadata))

    @app.action(blocks.CHOOSE_ACCOUNT)
    async def choose_account(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                             respond: AsyncRespond) -> None:
        """The account picked after a Harvest ID sign-in reaching several (``web``'s DM)."""
        await ack()
        team, user = who(body)
        key = str(action.get("block_id", "")).removeprefix("choose:")
        account_id = (action.get("selected_option") or {}).get("value", "")
        account = await services.run(services.accounts.choose_account, team, user, key,
                                     account_id)
        await respond(replace_original=True,
                      **blocks.text_message(blocks.connected_text(account.email)))
