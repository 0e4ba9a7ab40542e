"""Each Slack delivery is acted on once: a replay of a request already handled gets an empty 200.

Bolt's own middleware runs first and refuses (401) a request whose signature does not match its
body and timestamp, or whose timestamp is more than five minutes from now. What reaches
:func:`once_per_delivery` was signed with the app's secret, but may still be a second copy: a
captured request resent within those five minutes, a proxy that retried, or Slack redelivering
(``X-Slack-Retry-Num``) with a fresh timestamp and signature.

The key is a hash of the body alone. Slack puts the delivery's identity in every body it sends
(a command's or interaction's ``trigger_id``, an action's ``action_ts``, an event's ``event_id``),
so two deliveries never share a body; leaving the timestamp out is what catches a re-signed
retry as well as an exact replay. Autocomplete requests (``block_suggestion``) are let through:
they change nothing and a person who types the same letters twice sends the same body twice.

Keys are kept for :data:`TTL` (past Bolt's five minutes and Slack's last retry), in
:class:`storage.events.SeenEvents`, and purged now and then from here.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt.async_app import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.services import Services

log = logging.getLogger(__name__)

#: How long a delivery is remembered: Bolt refuses a signature older than 5 minutes, and Slack
#: makes its last retry of an event about 5 minutes after the first attempt.
TTL = timedelta(minutes=10)
#: Read-only requests that may legitimately repeat byte for byte.
ALWAYS_HANDLED = frozenset({"block_suggestion"})

Middleware = Callable[..., Awaitable[BoltResponse | None]]


def delivery_key(raw_body: str | bytes) -> str:
    """The seen-events key of a request body."""
    raw = raw_body.encode() if isinstance(raw_body, str) else raw_body
    return "request:" + hashlib.sha256(raw).hexdigest()


def once_per_delivery(services: Services) -> Middleware:
    """The Bolt middleware: handle a delivery the first time, answer an empty 200 after that."""
    last_purge: list[datetime] = []

    def first_time(key: str) -> bool:
        now = services.clock()
        if not last_purge or now - last_purge[0] >= TTL or now < last_purge[0]:
            services.events.purge(now)
            last_purge[:] = [now]
        return services.events.first_time(key, now=now, ttl=TTL)

    async def once(req: AsyncBoltRequest, body: dict[str, Any],
                   next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        if body.get("type") in ALWAYS_HANDLED:
            await next()
            return None
        try:
            # Not in the Harvest pool: a slow Harvest must not hold up the acknowledgement.
            new = await asyncio.to_thread(first_time, delivery_key(req.raw_body))
        except sqlite3.Error as error:
            # Handling a rare replay twice is better than dropping every request while the
            # database is unwell; the listeners' own storage errors will say the rest.
            log.warning("could not check for a replayed request: %s", type(error).__name__)
            await next()
            return None
        if not new:
            retry = req.headers.get("x-slack-retry-num", [""])[0]
            log.info("ignored a Slack request already handled%s",
                     f" (retry {retry})" if retry else "")
            return BoltResponse(status=200, body="")
        await next()
        return None

    return once
