"""Modal submissions: connecting (email and password, a personal access token, then which
account; field errors), editing an entry.

Field errors must travel in the acknowledgement, so the connect modal checks the credentials with
Harvest before acknowledging, within :data:`CHECK_SECONDS`; a slower Harvest gets a "still
checking" view and the outcome in a DM.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.accounts import AccountChoice, AccountError, BadAccountId, ChoiceExpired
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
WRONG_TOKEN = "Harvest didn't accept that token."
WRONG_TOKEN_FOR_ACCOUNT = "Harvest didn't accept that token for this account."


def _values(view: dict[str, Any]) -> dict[str, str]:
    state = view.get("state", {}).get("values", {})
    return {block: str((fields.get("value") or {}).get("value")
                       or ((fields.get("value") or {}).get("selected_option") or {}).get("value")
                       or "").strip()
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
        tz = (await people(services).profile(client, user)).tz  # none: Harvest's zone is kept
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

    @app.view(blocks.TOKEN_VIEW)
    async def connect_token(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                            client: AsyncWebClient) -> None:
        fields = _values(view)
        if not fields.get("token"):
            await ack(response_action="errors", errors={"token": REQUIRED})
            return
        team, user = body["team"]["id"], body["user"]["id"]
        tz = (await people(services).profile(client, user)).tz
        wrong = WRONG_TOKEN_FOR_ACCOUNT if fields.get("account_id") else WRONG_TOKEN
        await _check(ack, client, user, view, services.run(
            services.accounts.link_pat, team, user, fields["token"],
            fields.get("account_id") or None, timezone=tz), field="token", wrong=wrong)

    @app.view(blocks.ACCOUNT_VIEW)
    async def connect_account(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                              client: AsyncWebClient) -> None:
        fields = _values(view)
        meta = json.loads(view.get("private_metadata") or "{}")
        if not fields.get("account_id"):
            await ack(response_action="errors", errors={"account_id": REQUIRED})
            return
        team, user = body["team"]["id"], body["user"]["id"]
        await _check(ack, client, user, view, services.run(
            services.accounts.choose_account, team, user, str(meta.get("key", "")),
            fields["account_id"]), field="account_id", wrong=WRONG_TOKEN_FOR_ACCOUNT)

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
            try:
                await client.chat_postEphemeral(channel=meta["ch"], user=user, **message)
                return
            except SlackApiError:
                pass  # a channel the bot is not in (or archived): the edit landed, so tell by DM
        await client.chat_postMessage(channel=user, **message)


async def _check(ack: AsyncAck, client: AsyncWebClient, user: str, view: dict[str, Any],
                 linking: Any, *, field: str, wrong: str) -> None:
    """Link within :data:`CHECK_SECONDS` and answer in the acknowledgement: a field error, the
    account picker (several accounts), or done; a slower Harvest's answer comes as a DM."""
    pending = asyncio.ensure_future(linking)
    try:
        outcome = await asyncio.wait_for(asyncio.shield(pending), CHECK_SECONDS)
    except AuthError:
        await ack(response_action="errors", errors={field: wrong})
        return
    except (BadAccountId, ChoiceExpired) as error:
        name = "account_id" if isinstance(error, BadAccountId) else field
        await ack(response_action="errors", errors={name: str(error)[:150]})
        return
    except AccountError as error:
        await ack(response_action="errors", errors={field: str(error)[:150]})
        return
    except HarvestError as error:
        await ack(response_action="errors",
                  errors={field: NO_HARVEST.format(message=error.message)[:150]})
        return
    except TimeoutError:
        await ack(response_action="update", view=_checking_view())
        outcome = await pending  # a refusal now rises to @app.error, which DMs the person
        if isinstance(outcome, AccountChoice):
            await client.chat_postMessage(channel=user, **blocks.account_choice_message(outcome))
            return
    else:
        if isinstance(outcome, AccountChoice):
            meta = json.loads(view.get("private_metadata") or "{}")
            await ack(response_action="update", view=blocks.account_modal(
                outcome, json.dumps({"key": outcome.key, "ch": meta.get("ch", "")})))
            return
        await ack()
    await _tell_connected(client, user, outcome)


async def _tell_connected(client: AsyncWebClient, user: str, account: LinkedAccount) -> None:
    await client.chat_postMessage(
        channel=user, **blocks.text_message(blocks.connected_text(account.email)))
