"""Services over the live emulator and a temporary SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.accounts import Acting, HarvestClients
from bot.config import Settings, load_settings
from bot.harvest.session import RetryPolicy
from bot.services import Services, build_services
from emulator.runner import RunningEmulator

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


@pytest.fixture
def services(emulator: RunningEmulator, tmp_path: Path) -> Iterator[Services]:
    settings, env = settings_for(emulator, tmp_path)
    clients = HarvestClients(emulator.coop_url, retry=FAST_RETRY)
    built = build_services(settings, env=env, clients=clients)
    yield built
    built.close()
    clients.close()


def link(services: Services, emulator: RunningEmulator, who: str, *, tz: str = "Europe/London") -> Acting:
    login = emulator.info.logins[who]
    services.accounts.link_basic(TEAM, f"U0{who.upper()}", emulator.base_url, login.email,
                                 login.password, timezone=tz)
    return services.accounts.acting(TEAM, f"U0{who.upper()}")
