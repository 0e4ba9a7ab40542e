"""Fixtures every test level shares: a clean environment and a live emulator on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from emulator.runner import RunningEmulator, running_emulator


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests pass with no Slack or Harvest settings: none leak in from the machine."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "HARVEST_")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    """A fresh demo account served over real HTTP on a free loopback port."""
    with running_emulator("demo") as running:
        yield running


def pytest_configure(config: pytest.Config) -> None:
    """Issue #7: after the whole session, no password or token in clear in the bot's SQLite
    files or in what was logged (``tests/secrets_plugin.py``)."""
    from tests.secrets_plugin import SecretsScan

    config.pluginmanager.register(SecretsScan(config), "secrets-scan")
