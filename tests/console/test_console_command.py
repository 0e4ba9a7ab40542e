"""``harvest-bot console`` against an app started on its own, as a developer runs them: the app
pointed at the console's local Slack port, the console signing with the app's secret."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.accounts import HarvestClients
from bot.config import Settings, load_settings
from bot.console.terminal import events_url, run_console
from bot.demo import demo_environment
from bot.localslack.serving import Background
from bot.services import build_services
from bot.web import create_asgi
from emulator.runner import RunningEmulator
from tests.console.conftest import demo_harvest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def app(emulator: RunningEmulator, tmp_path: Path) -> Iterator[tuple[Settings, str, int]]:
    """The app alone, its Slack API URL at a port where nothing listens yet; polly linked."""
    slack_port = free_port()
    env = demo_environment(demo_harvest(emulator), f"http://127.0.0.1:{slack_port}/api/", tmp_path)
    settings = load_settings(env=env)
    clients = HarvestClients(emulator.coop_url)
    services = build_services(settings, env=env, clients=clients)
    polly = emulator.info.logins["polly"]
    services.accounts.link_basic("T0DEMO", "U0POLLY", emulator.base_url, polly.email,
                                 polly.password, timezone="Europe/London")
    server = Background(create_asgi(settings, services), name="app", lifespan="on").start()
    yield settings, server.url, slack_port
    server.stop()
    services.close()
    clients.close()


def test_the_console_talks_to_an_app_started_elsewhere(
    app: tuple[Settings, str, int], emulator: RunningEmulator
) -> None:
    settings, url, slack_port = app
    out = io.StringIO()
    script = io.StringIO("/harvest start website / design\n:quit\n")
    assert run_console(settings, url, script, out, slack_port=slack_port, user="polly",
                       quiet=0.3) == 0
    text = out.getvalue()
    assert text.splitlines()[0] == (
        f"Local Slack Web API on http://127.0.0.1:{slack_port}/api/ (start the app with "
        f"SLACK_API_URL=http://127.0.0.1:{slack_port}/api/); the app: {url}/slack/events")
    assert "polly> /harvest start website / design" in text and "Timer started" in text
    (running,) = emulator.store.all(
        "SELECT p.name FROM day_entries d JOIN projects p ON p.id = d.project_id "
        "WHERE d.user_id = ? AND d.timer_started_at IS NOT NULL",
        emulator.info.logins["polly"].user_id)
    assert running["name"] == "Website Redesign"


def test_without_the_app_the_console_says_it_cannot_reach_it(emulator: RunningEmulator) -> None:
    settings = load_settings(env={"SLACK_SIGNING_SECRET": "s"})
    out = io.StringIO()
    nowhere = f"http://127.0.0.1:{free_port()}"
    run_console(settings, nowhere, io.StringIO("/harvest today\n"), out,
                slack_port=free_port(), first_wait=0.1, quiet=0.1)
    assert f"!! cannot reach the app at {nowhere}/slack/events" in out.getvalue()


def test_events_url() -> None:
    assert events_url("http://127.0.0.1:3000") == "http://127.0.0.1:3000/slack/events"
    assert events_url("http://127.0.0.1:3000/") == "http://127.0.0.1:3000/slack/events"
    assert events_url("https://bot.example.com/x/slack/events") == (
        "https://bot.example.com/x/slack/events")


def test_the_command_needs_the_apps_signing_secret(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["console", "--app-url", "http://127.0.0.1:9"]) == 2
    assert "SLACK_SIGNING_SECRET" in capsys.readouterr().err


def test_the_command_says_when_its_port_is_taken(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["console", "--slack-port", str(port)]) == 1
    assert f"could not listen on 127.0.0.1:{port}" in capsys.readouterr().err
