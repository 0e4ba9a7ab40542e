"""Slack's pace for posting: about one message a second in each channel. Posters queue, in order.

Slack allows short bursts and then answers ``ratelimited``; the bot never relies on the burst.
Every background poster (the Co-op mirror, digests) takes its turn through the one
:class:`ChannelPace` of the app (:func:`channel_pace`), so two jobs posting to one channel are
spaced too. Nothing is dropped: a caller waits its turn. Replies to commands go through the
``response_url`` and are not paced here.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services import Services

#: Seconds between two messages in one channel.
SLACK_CHANNEL_INTERVAL = 1.0


class ChannelPace:
    """Turns to post, per channel, at least ``interval`` seconds apart, first come first served.

    :param clock: monotonic seconds; :param sleep: waits that many seconds (tests pass fakes).
    """

    def __init__(
        self,
        interval: float = SLACK_CHANNEL_INTERVAL,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def turn(self, channel: str) -> None:
        """Wait until ``channel`` may take the next message, and take that slot."""
        async with self._locks[channel]:  # asyncio.Lock wakes waiters in arrival order
            now = self._clock()
            due = self._next.get(channel, now)
            if due > now:
                await self._sleep(due - now)
            self._next[channel] = max(due, now) + self.interval


def channel_pace(services: Services) -> ChannelPace:
    """The app's one pace, kept with the services (made on first use)."""
    found = services.extras.get("channel_pace")
    if not isinstance(found, ChannelPace):
        found = services.extras["channel_pace"] = ChannelPace()
    return found
