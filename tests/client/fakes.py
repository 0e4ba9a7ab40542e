"""Fakes that run: a clock that moves when slept on, and a Harvest that answers from a script.

``ScriptedHarvest`` is the handler of an ``httpx.MockTransport``: a real function that keeps
every request it got (so tests assert what was sent) and answers with the next scripted reply
for that method and path (so tests assert what the caller gets).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

import httpx

from bot.harvest.auth import Auth, BasicAuth
from bot.harvest.client_v1 import HarvestV1Client
from bot.harvest.documents import Format
from bot.harvest.pacing import Pacer
from bot.harvest.session import DEFAULT_RETRY, RetryPolicy

BASE = "https://fawlty.harvestapp.com"
PASSWORD = "Sybil-knows-42"
BASIC = BasicAuth("basil@fawltytowers.com", PASSWORD)

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeTime:
    """A clock that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


def json_reply(body: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
    )


def xml_reply(body: str, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        content=body.encode(),
        headers={"Content-Type": "application/xml; charset=utf-8", **headers},
    )


def empty_reply(status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


class ScriptedHarvest:
    """Answers ``(METHOD, path)`` from a queue of replies; the last reply repeats."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._script: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        self._lock = threading.Lock()

    def on(self, method: str, path: str, *replies: Reply) -> ScriptedHarvest:
        self._script[(method, path)].extend(replies)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            queue = self._script.get((request.method, request.url.path))
            if not queue:
                return json_reply({"message": f"no route {request.method} {request.url.path}"}, 404)
            reply = queue.popleft() if len(queue) > 1 else queue[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply) and not isinstance(reply, httpx.Response):
            return reply(request)
        return reply

    def sent(self, method: str | None = None, path: str | None = None) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (path is None or r.url.path == path)
        ]


def make_client(
    harvest: ScriptedHarvest,
    *,
    fmt: Format = "json",
    auth: Auth = BASIC,
    time: FakeTime | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    **options: Any,
) -> HarvestV1Client:
    """A client over ``harvest`` whose pacer, backoff and cache all run on one fake clock."""
    time = time or FakeTime()
    return HarvestV1Client(
        BASE,
        auth,
        format=fmt,
        transport=httpx.MockTransport(harvest),
        pacer=Pacer(clock=time.clock, sleep=time.sleep),
        retry=retry,
        clock=time.clock,
        sleep=time.sleep,
        **options,
    )
