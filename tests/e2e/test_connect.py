"""Connecting: the email/password modal (checked before stored; the v1 login, so v1 only) and
"Sign in with Harvest" (v1's OAuth on the account, or Harvest ID's on v2: the same steps)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from emulator.runner import RunningEmulator
from tests.e2e.harness import TEAM, SlackAppHarness, buttons, text_of, user_id


def _modal(bot: SlackAppHarness, who: str) -> dict:
    reply = bot.ask(who, "connect")
    assert buttons(reply, "connect_oauth") and buttons(reply, "connect_password")
    assert buttons(reply, "connect_token")
    bot.click(who, "connect_password", value="password")
    return bot.slack.wait_for("views.open").response["view"]


def _values(url: str, email: str, password: str) -> dict:
    return {k: {"value": {"type": "plain_text_input", "value": v}}
            for k, v in (("account_url", url), ("email", email), ("password", password))}


V1_LOGIN = pytest.mark.parametrize("wire", ["v1"])


@V1_LOGIN
def test_wrong_password_is_a_field_error_and_nothing_is_stored(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    view = _modal(bot, "polly")
    answer = bot.interact(bot.signer.view_submission(
        user_id("polly"), view, _values(emulator.base_url, "polly@fawltytowers.example", "wrong-pw")))
    assert answer.json() == {"response_action": "errors",
                             "errors": {"password": "Harvest didn't accept that email and password."}}
    assert bot.services.accounts.get(TEAM, user_id("polly")) is None
    assert "wrong-pw" not in answer.text


@V1_LOGIN
def test_connect_with_the_modal(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    view = _modal(bot, "polly")
    answer = bot.interact(bot.signer.view_submission(
        user_id("polly"), view, _values(emulator.base_url, "polly@fawltytowers.example", "harvest-demo")))
    assert answer.text == ""
    dm = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == user_id("polly"))
    assert "Connected to Harvest as *polly@fawltytowers.example*" in text_of(dm)
    assert "harvest-demo" not in str([c.args for c in bot.slack.calls])
    assert "Today" in text_of(bot.ask("polly", "today"))


def test_sign_in_with_harvest(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    reply = bot.ask("basil", "connect")
    url = buttons(reply, "connect_oauth")[0]["url"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert httpx.get(url).status_code == 200  # Harvest's sign-in page
    assert url.startswith(bot.authorize_url + "?")
    signed_in = httpx.post(bot.authorize_url, data={
        **query, "email": "basil@fawltytowers.example", "password": "harvest-demo"})
    assert signed_in.status_code == 302
    page = httpx.get(signed_in.headers["location"])
    assert page.status_code == 200 and "Connected as basil@fawltytowers.example" in page.text
    dm = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == user_id("basil"))
    assert "Connected to Harvest" in text_of(dm)
    account = bot.services.accounts.get(TEAM, user_id("basil"))
    assert account is not None and account.auth_kind == "oauth"
    assert "Timer started" in text_of(bot.ask("basil", "start gourmet / meetings"))
    again = httpx.get(signed_in.headers["location"])  # the state is single-use
    assert again.status_code == 400
