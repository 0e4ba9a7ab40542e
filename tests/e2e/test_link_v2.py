"""Linking over Harvest API v2, end to end: a personal access token in the connect modal (one
account taken, several picked), a wrong token refused with nothing stored, and "Sign in with
Harvest" through Harvest ID with account discovery (several accounts: a picker in a DM).

The emulator has one Harvest account. To show a credential reaching several, Harvest ID's
accounts answer passes through :class:`TwoAccounts`, a transport that adds a second Harvest
account (which API v2 then refuses, as it would refuse an account the person is not in).
"""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.secrets import SecretBox
from emulator.runner import RunningEmulator
from tests.e2e.harness import TEAM, SlackAppHarness, buttons, text_of, user_id

pytestmark = pytest.mark.parametrize("wire", ["v2"])

OTHER_ACCOUNT = 4242


class TwoAccounts(httpx.BaseTransport):
    """Real HTTP, with one more Harvest account in Harvest ID's accounts list."""

    def __init__(self) -> None:
        self._real = httpx.HTTPTransport()

    def close(self) -> None:
        self._real.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._real.handle_request(request)
        if not request.url.path.endswith("/api/v2/accounts") or response.status_code != 200:
            return response
        body = json.loads(response.read())
        response.close()
        body["accounts"].append({"id": OTHER_ACCOUNT, "name": "Gleneagles Hotel",
                                 "product": "harvest"})
        return httpx.Response(200, json=body)


def _several_accounts(bot: SlackAppHarness) -> None:
    accounts = bot.services.accounts
    accounts._token_http.close()  # Accounts.close() closes the one put in its place
    accounts._token_http = httpx.Client(transport=TwoAccounts())


def _token_modal(bot: SlackAppHarness, who: str) -> dict:
    reply = bot.ask(who, "connect")
    bot.click(who, "connect_token", value=buttons(reply, "connect_token")[0]["value"])
    return bot.slack.wait_for("views.open").response["view"]


def _submit(bot: SlackAppHarness, who: str, view: dict, **fields: str) -> httpx.Response:
    values = {k: {"value": {"type": "plain_text_input", "value": v}} for k, v in fields.items()}
    return bot.interact(bot.signer.view_submission(user_id(who), view, values))


def _stored(bot: SlackAppHarness, who: str) -> tuple[str, str, bytes]:
    with sqlite3.connect(bot.settings.database_path) as db:
        row = db.execute("SELECT wire, auth_kind, credentials FROM linked_accounts "
                         "WHERE team_id = ? AND user_id = ?", (TEAM, user_id(who))).fetchone()
    assert row is not None
    return row[0], row[1], bytes(row[2])


def _secret(bot: SlackAppHarness, blob: bytes) -> dict:
    return SecretBox.from_config(bot.settings.secret_key_path, {}).decrypt(blob)


def _connected_dm(bot: SlackAppHarness, who: str) -> str:
    dm = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == user_id(who)
                            and "Connected to Harvest" in text_of(c))
    return text_of(dm)


def test_a_token_reaching_one_account_links_it(bot: SlackAppHarness,
                                               emulator: RunningEmulator) -> None:
    token = emulator.info.pats["polly"]
    answer = _submit(bot, "polly", _token_modal(bot, "polly"), token=token, account_id="")
    assert answer.text == ""
    assert "polly@fawltytowers.example" in _connected_dm(bot, "polly")
    wire, kind, blob = _stored(bot, "polly")
    assert (wire, kind) == ("v2", "pat")
    assert token.encode() not in blob
    assert _secret(bot, blob) == {"kind": "pat", "token": token,
                                  "account_id": str(emulator.info.account_id)}
    assert token not in str([c.args for c in bot.slack.calls])
    assert "Timer started" in text_of(bot.ask("polly", "start gourmet / meetings"))


def test_a_token_with_its_account_id(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    answer = _submit(bot, "basil", _token_modal(bot, "basil"), token=emulator.info.pats["basil"],
                     account_id=f" {emulator.info.account_id} ")
    assert answer.text == ""
    assert _stored(bot, "basil")[:2] == ("v2", "pat")


def test_a_wrong_token_is_a_field_error_and_nothing_is_stored(
    bot: SlackAppHarness, emulator: RunningEmulator
) -> None:
    view = _token_modal(bot, "polly")
    answer = _submit(bot, "polly", view, token="1.pt.not-a-token", account_id="")
    assert answer.json() == {"response_action": "errors",
                             "errors": {"token": "Harvest didn't accept that token."}}
    answer = _submit(bot, "polly", view, token="1.pt.not-a-token",
                     account_id=str(emulator.info.account_id))
    assert answer.json()["errors"] == {"token": "Harvest didn't accept that token for this account."}
    answer = _submit(bot, "polly", view, token=emulator.info.pats["polly"], account_id="acme")
    assert list(answer.json()["errors"]) == ["account_id"]
    assert bot.services.accounts.get(TEAM, user_id("polly")) is None
    assert "not-a-token" not in answer.text


def test_a_token_reaching_several_accounts_asks_which(bot: SlackAppHarness,
                                                      emulator: RunningEmulator) -> None:
    _several_accounts(bot)
    token = emulator.info.pats["polly"]
    answer = _submit(bot, "polly", _token_modal(bot, "polly"), token=token, account_id="")
    update = answer.json()
    assert update["response_action"] == "update"
    picker = update["view"]
    options = picker["blocks"][0]["element"]["options"]
    assert [o["value"] for o in options] == [str(emulator.info.account_id), str(OTHER_ACCOUNT)]
    assert token not in json.dumps(picker)  # the token waits sealed in the bot, not in the view
    assert bot.services.accounts.get(TEAM, user_id("polly")) is None

    picked = {"account_id": {"value": {"type": "static_select",
                                       "selected_option": options[0]}}}
    answer = bot.interact(bot.signer.view_submission(user_id("polly"), picker, picked))
    assert answer.text == ""
    assert "polly@fawltytowers.example" in _connected_dm(bot, "polly")
    assert _stored(bot, "polly")[:2] == ("v2", "pat")
    again = bot.interact(bot.signer.view_submission(user_id("polly"), picker, picked))
    assert "expired" in again.json()["errors"]["account_id"]  # the choice is single-use


def test_picking_an_account_harvest_refuses_is_a_field_error(
    bot: SlackAppHarness, emulator: RunningEmulator
) -> None:
    _several_accounts(bot)
    answer = _submit(bot, "polly", _token_modal(bot, "polly"),
                     token=emulator.info.pats["polly"], account_id="")
    picker = answer.json()["view"]
    other = picker["blocks"][0]["element"]["options"][1]
    answer = bot.interact(bot.signer.view_submission(user_id("polly"), picker, {
        "account_id": {"value": {"type": "static_select", "selected_option": other}}}))
    assert answer.json()["response_action"] == "errors"
    assert bot.services.accounts.get(TEAM, user_id("polly")) is None


def _sign_in(bot: SlackAppHarness, who: str) -> httpx.Response:
    url = buttons(bot.ask(who, "connect"), "connect_oauth")[0]["url"]
    assert url.startswith(bot.emulator.id_url + "/oauth2/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert httpx.get(url).status_code == 200  # Harvest ID's sign-in page
    signed_in = httpx.post(bot.authorize_url, data={
        **query, "email": f"{who}@fawltytowers.example", "password": "harvest-demo"})
    assert signed_in.status_code == 302
    return httpx.get(signed_in.headers["location"])  # the browser lands on the bot's callback


def test_sign_in_through_harvest_id_stores_sealed_tokens(bot: SlackAppHarness,
                                                         emulator: RunningEmulator) -> None:
    page = _sign_in(bot, "basil")
    assert page.status_code == 200 and "Connected as basil@fawltytowers.example" in page.text
    wire, kind, blob = _stored(bot, "basil")
    assert (wire, kind) == ("v2", "oauth")
    secret = _secret(bot, blob)
    assert secret["account_id"] == str(emulator.info.account_id)
    row = emulator.store.one("SELECT * FROM id_oauth_tokens WHERE token = ?",
                             secret["access_token"])
    assert row is not None and not row["revoked"]
    for token in (secret["access_token"], secret["refresh_token"]):
        assert token.encode() not in blob
    assert "Today" in text_of(bot.ask("basil", "today"))


def test_sign_in_reaching_several_accounts_asks_in_slack(bot: SlackAppHarness,
                                                         emulator: RunningEmulator) -> None:
    _several_accounts(bot)
    page = _sign_in(bot, "basil")
    assert page.status_code == 200 and "Pick one in Slack" in page.text
    assert bot.services.accounts.get(TEAM, user_id("basil")) is None
    dm = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == user_id("basil"))
    (actions,) = [b for b in dm.args["blocks"] if b["type"] == "actions"]
    select = actions["elements"][0]
    assert [o["value"] for o in select["options"]] == [str(emulator.info.account_id),
                                                       str(OTHER_ACCOUNT)]
    key = bot.click("basil", select["action_id"], block_id=actions["block_id"],
                    selected=str(emulator.info.account_id))
    assert "Connected to Harvest as *basil@fawltytowers.example*" in text_of(bot.reply(key))
    assert _stored(bot, "basil")[:2] == ("v2", "oauth")
    assert "Timer started" in text_of(bot.ask("basil", "start gourmet / meetings"))
