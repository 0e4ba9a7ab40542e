"""Speaking API v2 to the emulator as a raw HTTP client would: bearer token, account header,
User-Agent; no harvest-bot code in between."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time
from typing import Any

import httpx
import pytest

from emulator.runner import RunningEmulator

UA = "harvest-bot tests (tests@example.com)"
JSON_TYPE = "application/json; charset=utf-8"

V2 = Callable[..., httpx.Client]


def v2_headers(emulator: RunningEmulator, who: str = "sybil", **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {emulator.info.pats[who]}",
            "Harvest-Account-Id": str(emulator.info.account_id), "User-Agent": UA, **extra}


@pytest.fixture
def v2(emulator: RunningEmulator) -> Iterator[V2]:
    """``v2("polly")``: an httpx client on ``/v2`` with Polly's personal access token."""
    clients: list[httpx.Client] = []

    def make(who: str = "sybil", base: str | None = None) -> httpx.Client:
        client = httpx.Client(base_url=base or emulator.v2_url,
                              headers=v2_headers(emulator, who), timeout=10)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def noon(emulator: RunningEmulator) -> str:
    """Freeze the clock at noon (UTC) of the day the demo was seeded for, and return that day.

    The demo's entries all lie before that day, so "today" starts empty whenever tests run.
    """
    today = emulator.clock.now().date()
    emulator.clock.set(datetime.combine(today, time(12), tzinfo=UTC))
    return today.isoformat()


def message(response: httpx.Response, status: int) -> str:
    """A v2 refusal: the status, a JSON body ``{"message": ...}``, returned."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == JSON_TYPE
    body = response.json()
    assert list(body) == ["message"] and body["message"], body
    return str(body["message"])


def invalid_token(response: httpx.Response) -> str:
    assert response.status_code == 401, (response.status_code, response.text)
    body = response.json()
    assert list(body) == ["error", "error_description"] and body["error"] == "invalid_token"
    return str(body["error_description"])


def all_pages(client: httpx.Client, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a v2 list, following ``links.next`` as clients are told to."""
    items: list[dict[str, Any]] = []
    response = client.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body[key])
        if body["links"]["next"] is None:
            return items
        response = client.get(body["links"]["next"])
