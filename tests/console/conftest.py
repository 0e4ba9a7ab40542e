"""The demo in-process: the emulator (from tests/conftest.py), the app and the local Slack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.demo import Demo, DemoHarvest, running_demo
from emulator.runner import RunningEmulator


def demo_harvest(emulator: RunningEmulator) -> DemoHarvest:
    passwords = {login.email.lower(): login.password for login in emulator.info.logins.values()}
    return DemoHarvest(emulator.base_url, emulator.coop_url, passwords)


@pytest.fixture
def demo(emulator: RunningEmulator) -> Iterator[Demo]:
    with running_demo(demo_harvest(emulator)) as running:
        yield running
