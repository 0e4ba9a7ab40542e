"""Did a post whose answer never came back reach the channel? Ask the channel's history.

A post is *in doubt* when the bot sent ``chat.postMessage`` and never heard Slack's answer (the
process was killed waiting, or the connection dropped after Slack took it). The digest poster,
the Co-op mirror and the outbox worker's notices (``bot.runtime``) tag every message they post
with Slack message ``metadata`` (an ``event_type`` and a payload naming the digest, the status
or the outbox item), so that on recovery
:func:`find_posted` can look for it in ``conversations.history`` (``include_all_metadata``),
within the window the attempt could have landed in:

- ``oldest``: when the attempt began, less :data:`CLOCK_MARGIN` (the bot's clock and Slack's
  may differ a little);
- ``latest``: when the attempt began, plus :data:`IN_DOUBT_AFTER` and the margin: a post
  in flight longer than that is over (see below), so it cannot land later.

Pages of :data:`PAGE_LIMIT` messages, at most :data:`MAX_PAGES` of them. Only records in doubt
pay for this call (``channels:history``/``groups:history``, ``im:history`` for a DM): normal
posting never reads the history. ``conversations.history`` is rate limited (Tier 3; one call a minute and 15 messages a
page for commercially distributed non-Marketplace apps, hence the small page), which is fine for
something that happens after a crash.

The answer (:class:`Lookup`) is one of: ``found`` (with the message's ``ts``), ``absent``, or
``unreadable`` (Slack will not show the bot this history as things stand: ``not_in_channel``,
``missing_scope``, ``channel_not_found``, too many messages in the window... each caller falls
back to what it did before the check existed) or ``failed`` (Slack or the network failed this time: ask again later).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

#: How long a post may stay in flight before its record counts as in doubt: longer than one
#: ``chat.postMessage`` can take with slack_sdk's 30 s timeout and the client's retries
#: (``bot.replies.retry_handlers``: 3 after 429s, 2 after 5xx, 2 after timeouts or resets).
#: Until then the attempt may still be running in this or another process, and a lookup that
#: finds nothing proves nothing.
IN_DOUBT_AFTER = timedelta(minutes=5)
#: Slack's clock and the bot's may differ by this much.
CLOCK_MARGIN = timedelta(minutes=1)
#: ``conversations.history`` page size: 15 is the most non-Marketplace apps may ask for.
PAGE_LIMIT = 15
#: At most this many pages (messages posted in the window): past them, ``unreadable`` (asking
#: again would read the same pages).
MAX_PAGES = 20
#: Slack's answers meaning the bot cannot read this history as things stand: asking again will
#: not help, so the caller falls back (logged as a warning).
UNREADABLE = frozenset({
    "not_in_channel", "missing_scope", "channel_not_found", "is_archived", "not_allowed_token_type",
    "no_permission", "team_access_not_granted", "access_denied", "ekm_access_denied",
    "invalid_auth", "account_inactive", "token_revoked", "not_authed",
})

State = Literal["found", "absent", "unreadable", "failed"]


@dataclass(frozen=True)
class Lookup:
    """What the history said about one post in doubt."""

    state: State
    ts: str | None = None
    #: Slack's error code, or the exception's class name (never a token or a message's text).
    error: str | None = None


def window(attempted_at: datetime) -> tuple[str, str]:
    """``oldest`` and ``latest`` for an attempt that began at ``attempted_at``."""
    oldest = attempted_at - CLOCK_MARGIN
    latest = attempted_at + IN_DOUBT_AFTER + CLOCK_MARGIN
    return f"{oldest.timestamp():.6f}", f"{latest.timestamp():.6f}"


def _matches(metadata: Any, event_type: str, payload: Mapping[str, Any]) -> bool:
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != event_type:
        return False
    found = metadata.get("event_payload")
    return isinstance(found, Mapping) and all(found.get(k) == v for k, v in payload.items())


async def dm_channel(client: AsyncWebClient, user_id: str,
                     token: Mapping[str, Any] | None = None) -> str | Lookup:
    """The id of the app's DM with ``user_id``, where a post to the person landed (Slack names
    a DM by its own id, so it is opened first), or why that cannot be known: ``unreadable`` with
    Slack's error, ``failed`` when Slack or the network failed this time."""
    try:
        opened = await client.conversations_open(users=user_id, **(token or {}))
    except SlackApiError as error:
        return Lookup("unreadable", error=str(error.response.get("error", "")))
    except (TimeoutError, SlackClientError, OSError) as error:
        return Lookup("failed", error=type(error).__name__)
    return str(opened["channel"]["id"])


async def find_posted(client: AsyncWebClient, *, channel: str, event_type: str,
                      payload: Mapping[str, Any], attempted_at: datetime,
                      token: Mapping[str, Any] | None = None) -> Lookup:
    """The message of ``channel`` tagged ``event_type`` whose payload has every item of
    ``payload``, posted by an attempt that began at ``attempted_at`` (see the module
    docstring). Never raises for Slack's answers or the network."""
    oldest, latest = window(attempted_at)
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        try:
            answer = await client.conversations_history(
                channel=channel, oldest=oldest, latest=latest, inclusive=True, limit=PAGE_LIMIT,
                include_all_metadata=True, **({"cursor": cursor} if cursor else {}),
                **(token or {}))
        except SlackApiError as error:
            code = str(error.response.get("error", "")) or f"HTTP {error.response.status_code}"
            return Lookup("unreadable" if code in UNREADABLE else "failed", error=code)
        except (TimeoutError, SlackClientError, OSError) as error:
            return Lookup("failed", error=type(error).__name__)
        for message in answer.get("messages") or ():
            if _matches(message.get("metadata"), event_type, payload):
                return Lookup("found", ts=str(message.get("ts")))
        cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
        if not answer.get("has_more") or cursor is None:
            return Lookup("absent")
    return Lookup("unreadable", error=f"more than {MAX_PAGES * PAGE_LIMIT} messages to read")
