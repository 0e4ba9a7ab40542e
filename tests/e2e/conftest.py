"""End-to-end fixtures: the bot over loopback HTTP between a fake Slack and the emulator.

Every test that takes ``bot`` runs twice: once with people linked over Harvest API v1, once
over v2 (``wire``). The assertions are the same; the emulator's store is shared by both wires,
so a test reading it directly reads the same rows either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.runner import RunningEmulator
from tests.e2e.harness import SlackAppHarness

WIRES = ("v1", "v2")


@pytest.fixture(params=WIRES)
def wire(request: pytest.FixtureRequest) -> str:
    """The Harvest API the linked people speak (and "Sign in with Harvest" goes through)."""
    return str(request.param)


@pytest.fixture
def bot(emulator: RunningEmulator, tmp_path: Path, wire: str) -> Iterator[SlackAppHarness]:
    with SlackAppHarness(emulator, tmp_path, wire=wire) as harness:
        yield harness
