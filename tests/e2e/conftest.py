"""End-to-end fixtures: the bot over loopback HTTP between a fake Slack and the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.runner import RunningEmulator
from tests.e2e.harness import SlackAppHarness


@pytest.fixture
def bot(emulator: RunningEmulator, tmp_path: Path) -> Iterator[SlackAppHarness]:
    with SlackAppHarness(emulator, tmp_path) as harness:
        yield harness
