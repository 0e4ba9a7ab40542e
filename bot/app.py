"""``create_app``: the Bolt ``AsyncApp`` with its listeners and its one error handler.

Handler modules each have ``register(app, services)``; adding one is one line in
:data:`HANDLERS` (or pass ``handlers=`` to add more without touching this file).
Nothing is built at import time.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.accounts import AccountError, NotLinked
from bot.channel_pace import channel_pace
from bot.config import Settings
from bot.coop_errors import CoopError
from bot.dedup import once_per_delivery
from bot.digests import DigestError
from bot.entries import EntryError
from bot.harvest.errors import (
    AuthError,
    Forbidden,
    HarvestError,
    NotFound,
    Throttled,
    Unavailable,
    ValidationError,
)
from bot.install import oauth_options
from bot.listeners import GuardedApp, tell
from bot.parsing.commands import CommandError
from bot.replies import respond_or_dm, retry_handlers
from bot.secrets import redacting_logger
from bot.services import Services
from bot.timers import TimerError
from handlers import actions, commands, coop, digests, events, home, options, shortcuts, views

log = logging.getLogger(__name__)

HANDLERS: tuple[ModuleType, ...] = (commands, actions, views, events, home, shortcuts, options,
                                     coop, digests)

AUTH_TEXT = ("Harvest no longer accepts the credentials I have for you. "
             "Run `/harvest connect` to connect again.")
FORBIDDEN_TEXT = "Harvest says you're not allowed to do that: {message}"
NOT_FOUND_TEXT = "Harvest couldn't find that. It may have been deleted meanwhile."
REFUSED_TEXT = "Harvest refused that: {message}"
AWAY_TEXT = ("Harvest isn't answering right now, so nothing was changed. "
             "Please try again in a minute.")
OOPS_TEXT = "Sorry, something went wrong on my side and nothing was changed. Please try again."


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: ``slack.api_url``, the bot token, retries on 429, 5xx, resets and
    timeouts (``bot.replies.retry_handlers``); its log masks Slack tokens (slack_sdk logs
    bodies at DEBUG; Bolt's per-workspace clients share this logger)."""
    return AsyncWebClient(
        token=settings.slack.bot_token.reveal() or None,
        base_url=settings.slack.api_url,
        retry_handlers=retry_handlers(),
        logger=redacting_logger("bot.slack_api"),
    )


def create_app(
    settings: Settings,
    services: Services,
    *,
    web_client: AsyncWebClient | None = None,
    handlers: Sequence[ModuleType] = HANDLERS,
) -> AsyncApp:
    """The app, every listener registered, requests verified with the signing secret.

    With a Slack client id and no bot token it installs into many workspaces by OAuth
    (:mod:`bot.install`); each request is then authorized by its workspace's stored token.

    Every listener is guarded (:mod:`bot.listeners`): whatever it raises, before or after its
    ack, goes to :func:`present`, as do the errors Bolt itself reports to ``@app.error``.
    """

    async def present(error: Exception, body: dict[str, Any], respond: Any,
                      client: AsyncWebClient) -> None:
        message = await error_message(error, services, client, body)
        if respond is not None and _response_url(body):
            await respond(response_type="ephemeral", replace_original=False, **message)
            return
        user = (body.get("user") or {}).get("id") or body.get("user_id")
        if user:
            await client.chat_postMessage(channel=user, **message)

    client = web_client or slack_client(settings)
    app = GuardedApp(
        present=present,
        client=client,
        signing_secret=settings.slack.signing_secret.reveal(),
        process_before_response=False,
        request_verification_enabled=True,
        logger=logging.getLogger("bot.slack"),
        **oauth_options(settings, services, client),
    )
    app.use(once_per_delivery(services))  # replays and retries of a handled request: 200, nothing
    for module in handlers:
        module.register(app, services)
    # An answer Slack will not take at its response_url: a DM.
    app.use(respond_or_dm(channel_pace(services)))

    @app.error
    async def polite(error: Exception, body: dict[str, Any], respond: Any,
                     client: AsyncWebClient) -> None:
        # Listeners never raise (they are guarded); this hears middleware and Bolt's own errors.
        await tell(present, error, body, respond, client)

    return app


def _response_url(body: dict[str, Any]) -> str | None:
    return body.get("response_url") or next(
        (u.get("response_url") for u in body.get("response_urls") or []), None
    )


async def error_message(
    error: Exception, services: Services, client: AsyncWebClient, body: dict[str, Any]
) -> dict[str, Any]:
    """What the person is told about ``error``: plain words, never a stack trace or secret."""
    if isinstance(error, CommandError):
        return blocks.usage_message(error.message, error.usage)
    if isinstance(error, NotLinked):
        team = body.get("team_id") or (body.get("team") or {}).get("id", "")
        user = body.get("user_id") or (body.get("user") or {}).get("id", "")
        return blocks.not_linked_message(await commands.oauth_url(services, client, team, user))
    if isinstance(error, (AccountError, TimerError, EntryError, CoopError, DigestError)):
        return blocks.text_message(str(error) or type(error).__doc__ or "")
    if isinstance(error, AuthError):
        return blocks.text_message(AUTH_TEXT)
    if isinstance(error, Forbidden):
        return blocks.text_message(FORBIDDEN_TEXT.format(message=error.message))
    if isinstance(error, NotFound):
        return blocks.text_message(NOT_FOUND_TEXT)
    if isinstance(error, ValidationError):
        return blocks.text_message(REFUSED_TEXT.format(message=error.message))
    if isinstance(error, (Throttled, Unavailable)):
        return blocks.text_message(AWAY_TEXT)
    if isinstance(error, HarvestError):
        return blocks.text_message(REFUSED_TEXT.format(message=error.message))
    # Its type and where it came from, not its message: a message may carry a token or a URL.
    log.error("unexpected %s in a listener:\n%s", type(error).__name__,
              "".join(traceback.format_tb(error.__traceback__)).rstrip())
    return blocks.text_message(OOPS_TEXT)
