""""Log time": the global shortcut, the message shortcut (its text as notes), the Home button,
and the modal's submission.

The modal opens at once (the trigger expires in 3 s); then, in the background, the person's
link is checked and the catalog that serves the selects' autocomplete is refreshed from Harvest.
A submission is read without Harvest (field errors travel in the acknowledgement); the entry is
logged after the ack through the entries service and its outbox, and confirmed by DM, or in the
message's conversation for the message shortcut.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import blocks, modals
from bot.accounts import zone_named
from bot.catalog import Freshness
from bot.log_form import FieldErrors, read_log_form
from bot.runtime import acting_for, people
from bot.services import Services
from handlers.commands import oauth_url
from handlers.home import refresh_home
from handlers.where import who


async def open_log_modal(services: Services, client: AsyncWebClient, body: dict[str, Any], *,
                         notes: str = "", response_url: str | None = None) -> None:
    """Open "Log time" for the person, then check their link and refresh their projects."""
    team, user = who(body)
    profile = await people(services).profile(client, user)
    account = await services.run(services.accounts.get, team, user)
    # Slack's zone; when Slack's profile has none, the one stored with the link (Harvest's).
    zone = profile.tz or (account.timezone if account is not None else None)
    today = services.clock().astimezone(zone_named(zone)).date()
    metadata = json.dumps({"ru": response_url} if response_url else {})
    opened = await client.views_open(
        trigger_id=body["trigger_id"], view=modals.log_modal(today, notes=notes, metadata=metadata))
    view_id = opened["view"]["id"]
    if account is None:
        services.catalog.forget(team, user)  # disconnected: their projects are not offered now
        url = await oauth_url(services, client, team, user)
        await client.views_update(view_id=view_id, view=modals.not_linked_modal(url))
        return
    acting = await acting_for(services, client, team, user)
    fresh = await services.run(services.catalog.refresh, acting, services.entries.projects)
    if fresh is Freshness.UNKNOWN:
        await client.views_update(view_id=view_id, view=modals.log_modal(
            today, notes=notes, metadata=metadata, notice=modals.HARVEST_AWAY_NOTICE))


async def _confirm(client: AsyncWebClient, user: str, response_url: str | None,
                   message: dict[str, Any]) -> None:
    """In the message's conversation when Slack still takes answers there, else by DM."""
    if response_url:
        sent = await AsyncWebhookClient(response_url).send_dict(
            body={"response_type": "ephemeral", "replace_original": False, **message})
        if sent.status_code == 200:
            return
    await client.chat_postMessage(channel=user, **message)


def register(app: AsyncApp, services: Services) -> None:
    """Add the "Log time" shortcuts, the Home button that opens it, and its submission."""

    @app.shortcut(modals.LOG_SHORTCUT)
    async def log_time(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await open_log_modal(services, client, body)

    @app.shortcut(modals.LOG_MESSAGE_SHORTCUT)
    async def log_time_from_message(ack: AsyncAck, body: dict[str, Any],
                                    client: AsyncWebClient) -> None:
        await ack()
        await open_log_modal(services, client, body, notes=body["message"].get("text", ""),
                             response_url=body.get("response_url"))

    @app.action(modals.OPEN_LOG)
    async def from_home(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await open_log_modal(services, client, body)

    @app.view(modals.LOG_VIEW)
    async def submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                        client: AsyncWebClient) -> None:
        team, user = who(body)
        form = read_log_form(view["state"]["values"], services.catalog.projects(team, user))
        if isinstance(form, FieldErrors):
            await ack(response_action="errors", errors=form.errors)
            return
        await ack()
        meta = json.loads(view.get("private_metadata") or "{}")
        acting = await acting_for(services, client, team, user)
        logged = await services.run(
            services.entries.log_pair, acting, form.project_id, form.task_id, form.hours,
            form.spent_at, form.notes, key=f"{user}:view:{view['id']}")
        await _confirm(client, user, meta.get("ru"), blocks.logged_message(logged))
        await refresh_home(services, client, team, user)
