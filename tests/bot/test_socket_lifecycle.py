"""Socket Mode runs what HTTP mode runs: the scheduler (Co-op poll, digests) and the outbox
worker start with the socket and stop after it closes. A fake socket client stands in for
Slack's WebSocket; no Slack, no Harvest."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import create_app
from bot.config import load_settings
from bot.coop_poster import COOP_POLL
from bot.digest_poster import DIGEST_CATCH_UP, DIGEST_SWEEP
from bot.services import Services, build_services
from bot.web import _socket_mode, create_asgi

JOBS = {COOP_POLL, DIGEST_SWEEP, DIGEST_CATCH_UP}


def _services(tmp_path: Path) -> Services:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-socket-test",
        "SLACK_APP_TOKEN": "xapp-socket-test",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never called
        "HARVEST_COOP_URL": "http://127.0.0.1:9/coop",
        "HARVEST_BOT_DATABASE": str(tmp_path / "bot.sqlite"),
        "HARVEST_BOT_SECRET_KEY_FILE": str(tmp_path / "keys" / "secret.key"),
    }
    return build_services(load_settings(env=env), env=env)


class FakeSocket:
    """Connects until cancelled, as slack_sdk does while Slack has no socket to give."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def connect_async(self) -> None:
        self.events.append("connect")
        await asyncio.Event().wait()

    async def close_async(self) -> None:
        self.events.append("close")


def test_socket_mode_runs_the_scheduler_and_stops_it_after_the_socket(tmp_path: Path) -> None:
    services = _services(tmp_path)
    socket = FakeSocket()
    seen: dict[str, object] = {}

    async def scenario() -> None:
        stopping = asyncio.Event()
        app = create_app(services.settings, services)
        runner = asyncio.create_task(
            _socket_mode(services.settings, services, app, socket=socket, stopping=stopping))
        while "connect" not in socket.events:
            await asyncio.sleep(0.01)
        seen["running"] = services.scheduler.running
        seen["jobs"] = set(services.scheduler.names())
        stopping.set()
        await asyncio.wait_for(runner, 10)
        seen["after"] = services.scheduler.running

    try:
        asyncio.run(scenario())
    finally:
        services.close()
    assert seen["running"] is True
    assert JOBS <= seen["jobs"]  # type: ignore[operator]
    assert socket.events == ["connect", "close"]
    assert seen["after"] is False


def test_http_and_socket_mode_schedule_the_same_jobs(tmp_path: Path) -> None:
    http, socket_side = _services(tmp_path / "http"), _services(tmp_path / "socket")
    try:
        create_asgi(http.settings, http, app=create_app(http.settings, http))
        names_http = set(http.scheduler.names())

        async def socket_once() -> set[str]:
            stopping = asyncio.Event()
            stopping.set()  # start, then stop at once
            app = create_app(socket_side.settings, socket_side)
            await _socket_mode(socket_side.settings, socket_side, app, socket=FakeSocket(),
                               stopping=stopping)
            return set(socket_side.scheduler.names())

        assert asyncio.run(socket_once()) == names_http
        assert JOBS <= names_http
    finally:
        http.close()
        socket_side.close()
