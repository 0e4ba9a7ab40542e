"""The whole bot on loopback, for end-to-end tests: emulator behind, fake Slack in front.

``SlackAppHarness`` starts the app under uvicorn (signature verification on, a temp SQLite and
key, ``slack.api_url`` pointing at a :class:`FakeSlackApi`), and sends signed requests as the
demo people. ``wire`` is the Harvest API the linked people speak ("v1": their email and
password on the account; "v2": their personal access token on API v2, with "Sign in with Harvest"
going through Harvest ID); ``tests/e2e/conftest.py`` runs every test over both. Other tests (App
Home, shortcuts, console) reuse it::

    with SlackAppHarness(emulator, tmp_path, wire="v2") as bot:
        bot.link("polly")
        key = bot.command("polly", "today")
        reply = bot.reply(key)
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, Self

import httpx
import uvicorn

from bot.accounts import AccountChoice
from bot.app import HANDLERS, create_app
from bot.config import Settings, load_settings
from bot.harvest.session import RetryPolicy
from bot.linking import HarvestClients
from bot.services import Services, build_services
from bot.web import create_asgi
from emulator.runner import RunningEmulator
from tests.fakes.slack_api import RESPONSE_URL, Call, FakeSlackApi
from tests.fakes.slack_signing import SignedRequest, SlackSigner

SIGNING_SECRET = "e2e-signing-secret"
BOT_TOKEN = "xoxb-e2e-bot-token"
SLACK_CLIENT_ID = "1111.2222"
SLACK_CLIENT_SECRET = "e2e-slack-client-secret"
TEAM = "T0DEMO"
PEOPLE = {  # demo login key -> Slack user id, time zone
    "sybil": ("U0SYBIL", "Europe/London"),
    "basil": ("U0BASIL", "Europe/London"),
    "polly": ("U0POLLY", "Europe/London"),
    "manuel": ("U0MANUEL", "Europe/Madrid"),
}
FAST_RETRY = RetryPolicy(retries=0, backoff=0.01, throttle_retries=0, max_retry_after=0.5)


def user_id(who: str) -> str:
    return PEOPLE[who][0]


class SlackAppHarness:
    """The app under uvicorn with a fake Slack and the emulator; start with ``with``."""

    def __init__(
        self,
        emulator: RunningEmulator,
        tmp_path: Path,
        *,
        handlers: Sequence[ModuleType] = HANDLERS,
        outbox_interval: float = 0.1,
        multi_workspace: bool = False,
        clock: Callable[[], datetime] | None = None,
        wire: str = "v1",
    ) -> None:
        self.emulator = emulator
        #: The Harvest API linked people speak, and "Sign in with Harvest" goes through.
        self.wire = wire
        self.slack = FakeSlackApi(team_id=TEAM)
        self.signer = SlackSigner(SIGNING_SECRET, team_id=TEAM)
        self._tmp = tmp_path
        self._handlers = handlers
        self._interval = outbox_interval
        #: Install by OAuth ("Add to Slack") instead of one workspace's bot token.
        self.multi_workspace = multi_workspace
        #: The app's clock (the services'), when a test controls time.
        self._clock = clock
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.http = httpx.Client(timeout=10)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.settings: Settings
        self.services: Services

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    def start(self) -> Self:
        self.slack.start()
        for who, (uid, tz) in PEOPLE.items():
            self.slack.add_user(uid, name=who, email=f"{who}@fawltytowers.example", tz=tz)
        redirect = f"{self.url}/harvest/oauth/callback"
        oauth = self.emulator.info.oauth
        assert oauth is not None
        # The demo's OAuth client is registered for port 3000; this run's app is elsewhere.
        self.emulator.store.execute("UPDATE oauth_clients SET redirect_uri = ? WHERE client_id = ?",
                                    redirect, oauth.client_id)
        env = {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": self.slack.base_url,
            "HARVEST_BASE_URL": self.emulator.base_url,
            "HARVEST_COOP_URL": self.emulator.coop_url,
            "HARVEST_CLIENT_ID": oauth.client_id,
            "HARVEST_CLIENT_SECRET": oauth.client_secret,
            "HARVEST_REDIRECT_URL": redirect,
            "HARVEST_WIRE": self.wire,
            "HARVEST_ID_URL": self.emulator.id_url,
            "HARVEST_API_V2_URL": self.emulator.v2_url,
            "HARVEST_BOT_DATABASE": str(self._tmp / "bot.sqlite"),
            "HARVEST_BOT_SECRET_KEY_FILE": str(self._tmp / "keys" / "secret.key"),
        }
        if self.multi_workspace:
            del env["SLACK_BOT_TOKEN"]
            env.update(SLACK_CLIENT_ID=SLACK_CLIENT_ID, SLACK_CLIENT_SECRET=SLACK_CLIENT_SECRET,
                       HARVEST_BOT_PUBLIC_URL=self.url)
        self.settings = load_settings(env=env)
        # Harvest and the bot share the world's clock: a v2 client times running timers by its
        # own, so it reads the emulator's (frozen in some tests) as a real one would read the time.
        self.clients = HarvestClients(self.emulator.coop_url, retry=FAST_RETRY,
                                      utcnow=self.emulator.clock.now)
        self.services = build_services(self.settings, env=env, clients=self.clients,
                                       outbox_backoff=timedelta(seconds=0.2),
                                       **({"clock": self._clock} if self._clock else {}))
        app = create_app(self.settings, self.services, handlers=self._handlers)
        asgi = create_asgi(self.settings, self.services, app=app, outbox_interval=self._interval)
        config = uvicorn.Config(asgi, log_level="warning", lifespan="on", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        daemon=True, name="slack-app")
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self.services.close()
        self.clients.close()
        self.slack.stop()
        self.http.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the people ---------------------------------------------------------------------------

    def link(self, who: str) -> None:
        """Link a demo person through the Accounts service, over :attr:`wire` (the connect
        flows have their own tests)."""
        if self.wire == "v2":
            linked = self.services.accounts.link_pat(
                TEAM, user_id(who), self.emulator.info.pats[who],
                str(self.emulator.info.account_id), timezone=PEOPLE[who][1])
            assert not isinstance(linked, AccountChoice)
            return
        login = self.emulator.info.logins[who]
        self.services.accounts.link_basic(TEAM, user_id(who), self.emulator.base_url,
                                          login.email, login.password, timezone=PEOPLE[who][1])

    @property
    def add_entry_path(self) -> str:
        """The emulator path that logs time on this wire (for fault rules)."""
        return "/v2/time_entries" if self.wire == "v2" else "/daily/add"

    @property
    def authorize_url(self) -> str:
        """Where "Sign in with Harvest" sends people on this wire (v1's account, or Harvest ID)."""
        base = self.emulator.id_url if self.wire == "v2" else self.emulator.base_url
        return f"{base}/oauth2/authorize"

    # -- requests -----------------------------------------------------------------------------

    def send(self, request: SignedRequest) -> httpx.Response:
        return request.post(self.events_url, self.http)

    def command(self, who: str, text: str, *, expect: int = 200) -> str:
        """Send ``/harvest text`` as ``who``; the response_url key to read the answer with."""
        key = f"cmd{time.monotonic_ns()}"
        answer = self.send(self.signer.slash_command(
            text, user_id=user_id(who), response_url=self.slack.response_url(key)))
        assert answer.status_code == expect, answer.text
        return key

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        answer = self.send(self.signer.interaction(payload))
        assert answer.status_code == 200, answer.text
        return answer

    def click(self, who: str, action_id: str, *, value: str | None = None,
              block_id: str = "block", selected: str | None = None) -> str:
        """Click a button (or pick ``selected`` in a select) as ``who``; the response_url key."""
        key = f"act{time.monotonic_ns()}"
        option = {"text": {"type": "plain_text", "text": selected}, "value": selected} if selected else None
        self.interact(self.signer.block_action(
            user_id(who), action_id, value=value, block_id=block_id,
            response_url=self.slack.response_url(key), selected_option=option,
            container={"type": "message", "channel_id": "C0GENERAL"}))
        return key

    def reply(self, key: str, timeout: float = 10.0) -> Call:
        """The answer posted to the response_url ``key``."""
        return self.slack.wait_for(RESPONSE_URL, lambda c: c.args.get("key") == key, timeout)

    def ask(self, who: str, text: str) -> Call:
        """``/harvest text`` and its answer."""
        return self.reply(self.command(who, text))


def text_of(call_or_message: Call | dict[str, Any]) -> str:
    """Everything a person reads in a message: its text and every block's texts."""
    args = call_or_message.args if isinstance(call_or_message, Call) else call_or_message
    parts = [str(args.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(args.get("blocks") or [])
    return "\n".join(parts)


def buttons(call: Call, action_id: str) -> list[dict[str, Any]]:
    """The elements with ``action_id`` in a message's actions blocks."""
    return [e for b in call.args.get("blocks") or [] if b.get("type") == "actions"
            for e in b["elements"] if e.get("action_id") == action_id]
