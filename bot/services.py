"""The services the handlers call, built once and passed in: nothing here is a global.

Harvest's client is synchronous, so listeners run service calls in :attr:`Services.executor`
through :meth:`Services.run`, after acknowledging Slack; the event loop never waits on Harvest.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlite_utils

from bot.accounts import Accounts, ClientFactory, HarvestClients
from bot.catalog import Catalog
from bot.config import Settings
from bot.coop import Coop
from bot.coop_mirror import Mirror
from bot.entries import Entries
from bot.home import Home
from bot.offers import Offers
from bot.outbox import Writes
from bot.scheduler import Scheduler
from bot.secrets import SecretBox
from bot.timers import Timers
from storage.db import open_db
from storage.events import SeenEvents
from storage.installations import EncryptedInstallationStore

T = TypeVar("T")
#: Threads for Harvest calls: enough for a busy workspace, few enough for Harvest's throttle.
DEFAULT_WORKERS = 16


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """What every handler module's ``register(app, services)`` gets."""

    db: sqlite_utils.Database
    accounts: Accounts
    timers: Timers
    entries: Entries
    outbox: Writes
    events: SeenEvents
    clock: Callable[[], datetime]
    executor: ThreadPoolExecutor
    settings: Settings
    #: The projects Harvest offers each person, for autocomplete without a Harvest call.
    catalog: Catalog
    #: The App Home overview.
    home: Home
    #: Co-op statuses and groups (``bot.coop``), and what linked channels still need.
    coop: Coop
    coop_mirror: Mirror
    #: Background jobs, started and stopped with the web app (``bot.scheduler``).
    scheduler: Scheduler
    extras: dict[str, Any] = field(default_factory=dict)
    #: Slack installations, sealed (multi-workspace OAuth install only; see ``bot.install``).
    installations: EncryptedInstallationStore | None = None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``fn`` in the Harvest thread pool and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.accounts.close()


def build_services(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    db: sqlite_utils.Database | None = None,
    clients: ClientFactory | None = None,
    clock: Callable[[], datetime] = _utcnow,
    workers: int = DEFAULT_WORKERS,
    outbox_backoff: timedelta = timedelta(seconds=5),
) -> Services:
    """Everything wired from ``settings``: the database, the key, the Harvest client pools.

    :raises SecretKeyError: the encryption key is missing or not private.
    :raises MigrationError: the database was written by a newer bot.
    """
    db = db if db is not None else open_db(settings.database_path)
    box = SecretBox.from_config(settings.secret_key_path, os.environ if env is None else env)
    factory = clients or HarvestClients(settings.harvest.coop_url or None)
    accounts = Accounts(db, box, settings.harvest, clients=factory, clock=clock)
    writes = Writes(db, accounts, clock=clock, backoff=outbox_backoff)
    catalog = Catalog(clock)
    offers = Offers(on_projects=catalog.remember)
    coop = Coop(db, accounts, enabled=bool(settings.harvest.coop_url), clock=clock)
    return Services(
        db=db,
        accounts=accounts,
        timers=Timers(offers, writes),
        entries=Entries(offers, writes),
        outbox=writes,
        events=SeenEvents(db),
        clock=clock,
        executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="harvest"),
        settings=settings,
        catalog=catalog,
        home=Home(offers, clock),
        coop=coop,
        coop_mirror=Mirror(coop, clock=clock),
        scheduler=Scheduler(),
        installations=(
            EncryptedInstallationStore(db, box, client_id=settings.slack.client_id)
            if settings.slack.multi_workspace else None
        ),
    )
