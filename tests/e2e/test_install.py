"""Installing into a workspace by OAuth ("Add to Slack"), against the local Slack.

``/slack/install`` sends the browser to Slack's authorize page with a state; the test plays
Slack's consent screen (the local Slack issues the code that ``oauth.v2.access`` will take) and
follows Slack's redirect back. The installation is stored sealed, and the workspace's requests
are then authorized by its stored bot token.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from bot.app import create_app
from bot.config import ConfigError, load_settings
from bot.services import build_services
from emulator.runner import RunningEmulator
from tests.e2e.harness import (
    SLACK_CLIENT_ID,
    SLACK_CLIENT_SECRET,
    TEAM,
    SlackAppHarness,
    buttons,
    text_of,
    user_id,
)

COOKIE = "slack-app-oauth-state"
# slack_sdk sends oauth.v2.access's client credentials with aiohttp.BasicAuth, which this
# aiohttp deprecates; harmless in production, an error under filterwarnings = ["error"].
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


@pytest.fixture
def bot(emulator: RunningEmulator, tmp_path: Path) -> Iterator[SlackAppHarness]:
    with SlackAppHarness(emulator, tmp_path, multi_workspace=True) as harness:
        yield harness


def _install(bot: SlackAppHarness, code: str) -> tuple[str, httpx.Response]:
    """Add to Slack as Sybil: the bot token the local Slack issued, and the callback's answer."""
    start = bot.http.get(f"{bot.url}/slack/install", follow_redirects=False)
    assert start.status_code == 302
    location = urlsplit(start.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{bot.slack.url}/oauth/v2/authorize")
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["client_id"] == SLACK_CLIENT_ID
    assert query["redirect_uri"] == f"{bot.url}/slack/oauth_redirect"
    assert set(query["scope"].split(",")) == set(bot.settings.bot_scopes)
    assert f"{COOKIE}={query['state']}" in start.headers["set-cookie"]
    # Slack's consent screen: the installer allows, Slack redirects back with a code.
    token = bot.slack.add_oauth_code(code, installer=user_id("sybil"))
    back = bot.http.get(f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}",
                        headers={"Cookie": f"{COOKIE}={query['state']}"})
    return token, back


def _stored_blobs(path: Path) -> list[bytes]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT installation FROM slack_installations").fetchall()
        rows += db.execute("SELECT bot FROM slack_bots").fetchall()
    return [bytes(row[0]) for row in rows]


def test_install_then_a_command_is_authorized_by_the_stored_token(bot: SlackAppHarness) -> None:
    early = bot.ask("polly", "help")  # before the install: no listener runs, Bolt says why
    assert text_of(early) == (f"harvest-bot isn't installed in this workspace (or was removed). "
                              f"An admin can add it at {bot.url}/slack/install")

    token, back = _install(bot, "code-1")
    assert back.status_code == 200 and "Thank you!" in back.text

    exchange = bot.slack.only("oauth.v2.access")
    assert exchange.args["code"] == "code-1"
    assert exchange.args["redirect_uri"] == f"{bot.url}/slack/oauth_redirect"
    basic = base64.b64encode(f"{SLACK_CLIENT_ID}:{SLACK_CLIENT_SECRET}".encode()).decode()
    assert exchange.headers["authorization"] == f"Basic {basic}"
    assert bot.slack.only("auth.test").token == token  # Bolt checked the new token

    store = bot.services.installations
    assert store is not None
    installation = store.find_installation(enterprise_id=None, team_id=TEAM)
    assert installation is not None and installation.bot_token == token
    assert installation.user_id == user_id("sybil")
    database = bot.settings.database_path
    blobs = _stored_blobs(database)
    assert len(blobs) == 2 and all(token.encode() not in blob for blob in blobs)
    for path in database.parent.glob(database.name + "*"):  # the file and its WAL
        assert token.encode() not in path.read_bytes()

    reply = bot.ask("polly", "connect")
    assert buttons(reply, "connect_oauth")
    profile = bot.slack.wait_for("users.info", lambda c: c.args.get("user") == user_id("polly"))
    assert profile.token == token
    assert "Harvest commands" in text_of(bot.ask("polly", "help"))


def test_the_install_callback_is_single_use_and_needs_the_browser(bot: SlackAppHarness) -> None:
    start = bot.http.get(f"{bot.url}/slack/install", follow_redirects=False)
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    bot.slack.add_oauth_code("code-2", installer=user_id("sybil"))
    callback = f"{bot.url}/slack/oauth_redirect?{urlencode({'code': 'code-2', 'state': state})}"
    assert bot.http.get(callback).status_code == 400  # another browser: no state cookie
    assert bot.http.get(callback, headers={"Cookie": f"{COOKIE}={state}"}).status_code == 200
    again = bot.http.get(callback, headers={"Cookie": f"{COOKIE}={state}"})
    assert again.status_code == 401  # the state was used
    assert len(bot.slack.calls_to("oauth.v2.access")) == 1


def test_harvest_sign_in_dm_goes_out_with_the_workspace_token(
    bot: SlackAppHarness, emulator: RunningEmulator
) -> None:
    token, _ = _install(bot, "code-3")
    url = buttons(bot.ask("basil", "connect"), "connect_oauth")[0]["url"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    signed_in = httpx.post(f"{emulator.base_url}/oauth2/authorize", data={
        **query, "email": "basil@fawltytowers.example", "password": "harvest-demo"})
    assert httpx.get(signed_in.headers["location"]).status_code == 200
    dm = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == user_id("basil"))
    assert dm.token == token and "Connected to Harvest" in text_of(dm)


def test_a_bot_token_beside_oauth_credentials_in_the_environment_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bolt reads these from the environment itself and would then ignore the bot token and
    # keep installations in clear in a file; the settings say one workspace.
    monkeypatch.setenv("SLACK_CLIENT_ID", SLACK_CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", SLACK_CLIENT_SECRET)
    env = {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-one-workspace",
           "HARVEST_BOT_DATABASE": str(tmp_path / "bot.sqlite"),
           "HARVEST_BOT_SECRET_KEY_FILE": str(tmp_path / "secret.key")}
    settings = load_settings(env=env)
    services = build_services(settings, env=env)
    try:
        with pytest.raises(ConfigError, match="are both set: unset one"):
            create_app(settings, services)
    finally:
        services.close()
