"""Reliability and security fixtures: the whole bot over loopback HTTP (``tests/e2e/harness``).

``bot`` is a fresh app and emulator per test, like the e2e suite's, on both Harvest wires.
``shared_bot`` is one app and emulator for a whole module (on both wires), with everyone
linked, for the property-based tests: hypothesis runs each test many times and a fresh app per
example would make the suite slow, so each example checks what it changed itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.runner import RunningEmulator, running_emulator
from tests.e2e.harness import SlackAppHarness
from tests.reliability.checks import Fuzzed, app_errors

WIRES = ("v1", "v2")


@pytest.fixture(params=WIRES)
def wire(request: pytest.FixtureRequest) -> str:
    """The Harvest API the linked people speak."""
    return str(request.param)


@pytest.fixture
def bot(emulator: RunningEmulator, tmp_path: Path, wire: str) -> Iterator[SlackAppHarness]:
    with SlackAppHarness(emulator, tmp_path, wire=wire) as harness:
        yield harness


@pytest.fixture(scope="module", params=WIRES)
def shared_wire(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def shared_emulator(shared_wire: str) -> Iterator[RunningEmulator]:
    with running_emulator("demo") as running:
        yield running


@pytest.fixture(scope="module")
def shared_bot(shared_emulator: RunningEmulator, shared_wire: str,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackAppHarness]:
    path = tmp_path_factory.mktemp(f"shared_bot_{shared_wire}")
    with SlackAppHarness(shared_emulator, path, wire=shared_wire) as harness:
        for who in ("sybil", "basil", "polly", "manuel"):
            harness.link(who)
        yield harness


@pytest.fixture(scope="module")
def fuzzed(shared_bot: SlackAppHarness, shared_emulator: RunningEmulator) -> Iterator[Fuzzed]:
    """The shared app for property-based tests, hearing what it logs at ERROR."""
    with app_errors() as errors:
        yield Fuzzed(shared_bot, shared_emulator, errors)
