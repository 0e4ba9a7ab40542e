"""Services over the live emulator and a temporary SQLite database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.accounts import Acting, HarvestClients
from bot.config import Settings, load_settings
from bot.harvest.session import RetryPolicy
from bot.services import Services, build_services
from emulator.runner import RunningEmulator
from tests.fakes.slack_api import FakeSlackApi

TEAM = "T0DEMO"
FAST_RETRY = RetryPolicy(retries=0, backoff=0.01, throttle_retries=0, max_retry_after=0.5)


def settings_for(emulator: RunningEmulator, tmp_path: Path, **extra: str) -> tuple[Settings, dict[str, str]]:
    env = {
        "HARVEST_BASE_URL": emulator.base_url,
        "HARVEST_COOP_URL": emulator.coop_url,
        "HARVEST_BOT_DATABASE": str(tmp_path / "bot.sqlite"),
        "HARVEST_BOT_SECRET_KEY": Fernet.generate_key().decode(),
        **extra,
    }
    return load_settings(env=env), env


class Clock:
    """The bot's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Callable[[], datetime]:
    """The bot's clock: the real one; a module whose tests move time overrides this fixture
    with a :class:`Clock`."""
    return lambda: datetime.now(UTC)


@pytest.fixture
def services(emulator: RunningEmulator, tmp_path: Path,
             clock: Callable[[], datetime]) -> Iterator[Services]:
    settings, env = settings_for(emulator, tmp_path)
    clients = HarvestClients(emulator.coop_url, retry=FAST_RETRY)
    built = build_services(settings, env=env, clients=clients, clock=clock)
    yield built
    built.close()
    clients.close()


@pytest.fixture
def slack(clock: Clock) -> Iterator[FakeSlackApi]:
    """The local Slack, its messages' ts on the bot's clock (a module's ``clock`` fixture)."""
    with FakeSlackApi(wall_clock=lambda: clock.now.timestamp()) as api:
        yield api


def link(services: Services, emulator: RunningEmulator, who: str, *, tz: str = "Europe/London") -> Acting:
    login = emulator.info.logins[who]
    services.accounts.link_basic(TEAM, f"U0{who.upper()}", emulator.base_url, login.email,
                                 login.password, timezone=tz)
    return services.accounts.acting(TEAM, f"U0{who.upper()}")
