"""Answers through a ``response_url`` that reach the person even when Slack no longer takes them.

Bolt's ``respond`` posts an answer once to the request's ``response_url`` and returns whatever
Slack said, so a 429, a 500 or an expired URL (Slack keeps one for 30 minutes and five answers,
then says ``404 expired_url``) loses the answer without a word. :class:`RespondOrDM` is
``respond`` with the Web API client's retries (429 after its ``Retry-After``, 500/503,
connection resets and timeouts) and, when Slack still does not take the answer there, sends it
to the person as a DM instead (a DM a second, as the app's other posts). The
:func:`respond_or_dm` middleware gives it to every listener, and to the error handler, as their
``respond``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import ClientConnectionError, ClientError
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.channel_pace import ChannelPace

log = logging.getLogger(__name__)

#: Seconds an answer at a response_url may take before it is tried again (slack_sdk's 30 by
#: default; a person is waiting on this one).
TIMEOUT = 10
#: What answers at a response_url are, that a DM is not.
_RESPONSE_ONLY = ("response_type", "replace_original", "delete_original", "thread_ts")


def retry_handlers() -> list[AsyncRetryHandler]:
    """Retries for a call to Slack: 429 after its Retry-After, 500/503, resets and timeouts.

    A timed-out call may have reached Slack, so its retry may show twice; a message shown twice
    is the lesser harm than one never shown.
    """
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
        AsyncConnectionErrorRetryHandler(max_retry_count=2,
                                         error_types=[ClientConnectionError, TimeoutError]),
    ]


class RespondOrDM(AsyncRespond):
    """``respond`` that retries, then falls back to a DM to ``user_id`` through ``client``,
    taking its turn in the person's DM (``pace``)."""

    def __init__(self, *, response_url: str | None, client: AsyncWebClient,
                 user_id: str | None, pace: ChannelPace | None = None) -> None:
        super().__init__(response_url=response_url, proxy=client.proxy, ssl=client.ssl)
        self._client = client
        self._user_id = user_id
        self._pace = pace

    async def __call__(  # type: ignore[override]
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        attachments: Sequence[Any] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        """Post the answer; a DM when the response_url will not take it.

        :raises ValueError: the request had no response_url.
        :raises SlackApiError: the DM was refused too.
        """
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        message = _build_message(**text) if isinstance(text, dict) else _build_message(
            text=text, blocks=blocks, attachments=attachments, response_type=response_type,
            replace_original=replace_original, delete_original=delete_original,
            unfurl_links=unfurl_links, unfurl_media=unfurl_media, thread_ts=thread_ts,
            metadata=metadata)
        webhook = AsyncWebhookClient(url=self.response_url, timeout=TIMEOUT, proxy=self.proxy,
                                     ssl=self.ssl, retry_handlers=retry_handlers())
        try:
            sent = await webhook.send_dict(message)
        except (ClientError, TimeoutError) as error:  # the retries are spent
            sent = WebhookResponse(url=self.response_url, status_code=0,
                                   body=type(error).__name__, headers={})
        if sent.status_code == 200 or message.get("delete_original") or not self._user_id:
            return sent
        log.warning("Slack did not take an answer at its response_url (%s %s); sent by DM",
                    sent.status_code, sent.body[:40])
        if self._pace is not None:
            await self._pace.turn(self._user_id)
        await self._client.chat_postMessage(
            channel=self._user_id,
            **{k: v for k, v in message.items() if k not in _RESPONSE_ONLY})
        return sent


Middleware = Callable[[AsyncBoltContext, Callable[[], Awaitable[Any]]], Awaitable[Any]]


def respond_or_dm(pace: ChannelPace | None = None) -> Middleware:
    """Bolt middleware: the request's ``respond`` is a :class:`RespondOrDM` (its DMs paced)."""

    async def middleware(context: AsyncBoltContext, next: Callable[[], Awaitable[Any]]) -> Any:
        if context.response_url:
            context["respond"] = RespondOrDM(response_url=context.response_url,
                                             client=context.client, user_id=context.user_id,
                                             pace=pace)
        return await next()

    return middleware
