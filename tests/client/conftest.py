"""Shared helpers for the client tests: the documents' examples as fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.harvest.documents import decode

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_tree(name: str) -> Any:
    """A fixture file decoded the way the client decodes a response body."""
    fmt = "xml" if name.endswith(".xml") else "json"
    return decode(fixture_bytes(name), fmt)


@pytest.fixture
def tree() -> Any:
    return fixture_tree
