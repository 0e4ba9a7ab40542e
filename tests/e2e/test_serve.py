"""``harvest-bot serve`` as an operator runs it: a separate process configured by the
environment, the emulator behind it and the local Slack in front, stopped with SIGTERM.

Socket Mode needs a WebSocket that only Slack serves, so ``--socket`` is tested as far as it
goes without one: its settings are checked (all problems listed at once), and the process asks
Slack for a WebSocket with the app-level token, then stops cleanly on SIGTERM. No event is
delivered over a socket here.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.__main__ import main
from emulator.runner import RunningEmulator
from tests.e2e.harness import text_of
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi
from tests.fakes.slack_signing import SlackSigner

SECRET = "serve-signing-secret"
BOT_TOKEN = "xoxb-serve-bot-token"
APP_TOKEN = "xapp-1-serve-app-token"
TEAM = "T0DEMO"
POLLY = "U0POLLY"
SCRIPT = Path(sys.executable).parent / "harvest-bot"


class Served:
    """``harvest-bot serve`` in a child process; its output read as it comes."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "bot"]
        self.process = subprocess.Popen(
            [*command, "serve", *args], env=env, cwd=cwd, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._lines: list[str] = []
        # Also kept beside its database: the session's secrets scan reads it (tests/secrets_plugin.py).
        self._log = cwd / "serve.log"
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with open(self._log, "a", encoding="utf-8") as log:
            for line in self.process.stdout:
                self._lines.append(line)
                log.write(line)

    @property
    def output(self) -> str:
        return "".join(self._lines)

    def wait_for(self, pattern: str, timeout: float = 20) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output)
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in the output:\n{self.output}")

    def terminate(self, timeout: float = 15) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def close(self) -> None:
        """Kill it if still running; release its pipe."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self._reader.join(5)
        assert self.process.stdout is not None
        self.process.stdout.close()


def _environment(tmp_path: Path, slack: FakeSlackApi, emulator: RunningEmulator,
                 **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HARVEST_"))}
    env.update({
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.base_url,
        "HARVEST_BASE_URL": emulator.base_url,
        "HARVEST_COOP_URL": emulator.coop_url,
        "HARVEST_BOT_DATABASE": str(tmp_path / "bot.sqlite"),
        "HARVEST_BOT_SECRET_KEY_FILE": str(tmp_path / "keys" / "secret.key"),
        **settings,
    })
    return env


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id=TEAM) as api:
        api.add_user(POLLY, name="polly", email="polly@fawltytowers.example", tz="Europe/London")
        yield api


@pytest.fixture
def served(tmp_path: Path, slack: FakeSlackApi, emulator: RunningEmulator) -> Iterator[Served]:
    env = _environment(tmp_path, slack, emulator)
    process = Served(["--host", "127.0.0.1", "--port", "0"], env, tmp_path)
    try:
        yield process
    finally:
        process.close()


def test_serve_answers_signed_commands_refuses_forged_ones_and_stops_on_sigterm(
    served: Served, slack: FakeSlackApi
) -> None:
    port = served.wait_for(r"Uvicorn running on http://127\.0\.0\.1:(\d+)").group(1)
    url = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{url}/healthz").text == "ok"
    signer = SlackSigner(SECRET, team_id=TEAM)

    def command(text: str, key: str) -> httpx.Response:
        request = signer.slash_command(text, user_id=POLLY, response_url=slack.response_url(key))
        return request.post(f"{url}/slack/events")

    assert command("help", "help").status_code == 200
    answer = slack.wait_for(RESPONSE_URL, lambda c: c.args["key"] == "help")
    assert "Harvest commands" in text_of(answer)

    assert command("today", "today").status_code == 200  # not linked: told so, politely
    answer = slack.wait_for(RESPONSE_URL, lambda c: c.args["key"] == "today")
    assert "connect" in text_of(answer).lower()

    forged = signer.slash_command("log 8h x", user_id=POLLY, response_url=slack.response_url("f"))
    assert forged.forged().post(f"{url}/slack/events").status_code == 401
    assert forged.unsigned().post(f"{url}/slack/events").status_code == 401

    assert served.terminate() == 0
    assert "Finished server process" in served.output
    assert "Traceback" not in served.output
    assert not slack.calls_to(RESPONSE_URL, lambda c: c.args["key"] == "f")


def test_socket_mode_without_an_app_token_lists_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["serve", "--socket"]) == 2
    problems = capsys.readouterr().err
    assert "SLACK_APP_TOKEN (xapp-…) is needed for Socket Mode" in problems
    assert "Set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID" in problems
    monkeypatch.setenv("SLACK_APP_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    assert main(["serve", "--socket"]) == 2
    problems = capsys.readouterr().err
    assert "SLACK_APP_TOKEN must be an app-level token (starts with xapp-)" in problems
    assert BOT_TOKEN not in problems
    assert not (tmp_path / ".harvest-bot").exists()  # refused before anything was made


def test_socket_mode_asks_slack_for_a_socket_with_the_app_token_and_stops_on_sigterm(
    tmp_path: Path, slack: FakeSlackApi, emulator: RunningEmulator
) -> None:
    env = _environment(tmp_path, slack, emulator, SLACK_APP_TOKEN=APP_TOKEN)
    del env["SLACK_SIGNING_SECRET"]  # Socket Mode needs none: Slack's requests come on the socket
    process = Served(["--socket"], env, tmp_path)
    try:
        opened = slack.wait_for("apps.connections.open", timeout=20, ok=None)
        assert opened.token == APP_TOKEN  # the local Slack has no WebSocket to give: not ok
        assert process.terminate() == 0
    finally:
        process.close()
