"""What runs beside Slack's requests, the same in HTTP and Socket Mode: one start/stop path.

- the outbox worker (``bot.runtime``): messages that could not be sent at once;
- the scheduler (``bot.scheduler``) with its jobs: the Co-op poll (``bot.coop_poster``) and the
  digests (``bot.digest_poster``: stored schedules, the sweep, the catch-up at start).

``bot.web`` enters :meth:`Background.running` in the ASGI lifespan, and the Socket Mode runner
around its socket, so neither can forget a job the other runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from slack_sdk.web.async_client import AsyncWebClient

from bot.coop_poster import Tokens, schedule_coop
from bot.digest_poster import schedule_digests
from bot.runtime import OutboxWorker
from bot.services import Services


class Background:
    """The worker and the scheduled jobs of one app; jobs are added here, started by
    :meth:`running`.

    :param tokens: the bot token for a workspace, for posts made outside a request (stored per
        workspace when installed by OAuth; ``{}`` with one workspace's token).
    """

    def __init__(self, services: Services, client: AsyncWebClient, *, tokens: Tokens,
                 outbox_interval: float = 5.0) -> None:
        self.services = services
        self.worker = OutboxWorker(services, client, interval=outbox_interval, tokens=tokens)
        schedule_coop(services, client, tokens=tokens)
        schedule_digests(services, client, tokens=tokens)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Start the worker and the scheduler in the running loop; stop both on the way out
        (running jobs get the scheduler's grace to finish)."""
        self.worker.start()
        self.services.scheduler.start()
        try:
            yield
        finally:
            await self.services.scheduler.stop()
            await self.worker.stop()
