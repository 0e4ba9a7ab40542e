"""Speaking to the emulator as a raw HTTP client would: no harvest-bot code in between."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from emulator.runner import RunningEmulator

JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}
XML_HEADERS = {"Accept": "application/xml", "Content-Type": "application/xml"}

Api = Callable[..., httpx.Client]

ERROR_TYPE = "text/plain; charset=utf-8"


def refusal(response: httpx.Response) -> str:
    """A refusal's message, checked to be in v1's form whatever format was asked for.

    The body is the message as plain text plus a newline (never a JSON or XML document) and the
    ``Hint`` header carries the same message.
    """
    assert response.headers["content-type"] == ERROR_TYPE, response.headers
    assert response.text.endswith("\n") and response.text.count("\n") == 1, response.text
    message = response.text[:-1]
    assert message, response
    assert response.headers["Hint"] == message, (response.headers, message)
    return message


@pytest.fixture
def api(emulator: RunningEmulator) -> Iterator[Api]:
    """``api("polly", fmt="xml", coop=False)``: an httpx client signed in as a demo person."""
    clients: list[httpx.Client] = []

    def make(who: str = "sybil", fmt: str = "json", coop: bool = False) -> httpx.Client:
        login = emulator.info.logins[who]
        client = httpx.Client(
            base_url=emulator.coop_url if coop else emulator.base_url,
            auth=(login.email, login.password),
            headers=JSON_HEADERS if fmt == "json" else XML_HEADERS,
            timeout=10,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
