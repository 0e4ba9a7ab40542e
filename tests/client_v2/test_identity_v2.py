"""Harvest ID: authorize URL, code exchange, refresh (by hand and by the client, stored via
``on_refresh``), and the accounts a token reaches. No secret in any message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.harvest import identity_v2
from bot.harvest.auth import OAuthTokens, RefreshedTokens
from bot.harvest.client_v2 import HarvestV2Client
from bot.harvest.errors import AuthError, Unavailable
from bot.harvest.models import HarvestAccount
from tests.client.fakes import FakeTime, ScriptedHarvest, json_reply

from .fakes import ME, budgets_on

ID = "https://id.getharvest.com"
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
CLIENT_SECRET = "client-secret-9b1f"
CODE = "auth-code-55aa"
ACCOUNTS = {
    "user": {"id": 1, "first_name": "Albert", "last_name": "Llop", "email": "albert@example.com"},
    "accounts": [
        {"id": 10254, "name": "Sterling Cooper Advertising Agency", "product": "harvest"},
        {"id": 88888, "name": "Iridesco", "product": "forecast"},
    ],
}


def token_reply(n: int = 1) -> httpx.Response:
    return json_reply(
        {
            "access_token": f"access-{n}-abcd",
            "refresh_token": f"refresh-{n}-abcd",
            "token_type": "bearer",
            "expires_in": 1209600,
        }
    )


def http_for(harvest: ScriptedHarvest) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(harvest))


def test_the_authorize_url_asks_for_a_code() -> None:
    url = identity_v2.authorize_url("bot-client", state="s-1", redirect_uri="https://bot/cb")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ID}/oauth2/authorize"
    assert parse_qs(parts.query) == {
        "client_id": ["bot-client"],
        "response_type": ["code"],
        "state": ["s-1"],
        "redirect_uri": ["https://bot/cb"],
    }
    assert "state" not in identity_v2.authorize_url("c", id_base_url="http://127.0.0.1:9/id")


def test_a_code_becomes_tokens_that_refresh_at_harvest_id() -> None:
    harvest = ScriptedHarvest().on("POST", "/api/v2/oauth2/token", token_reply())
    told: list[RefreshedTokens] = []
    tokens = identity_v2.exchange_code(
        CODE,
        client_id="bot-client",
        client_secret=CLIENT_SECRET,
        on_refresh=told.append,
        http=http_for(harvest),
        utcnow=lambda: NOW,
    )
    (request,) = harvest.requests
    assert str(request.url) == f"{ID}/api/v2/oauth2/token"
    assert "harvest-bot" in request.headers["User-Agent"]
    assert "Harvest-Account-Id" not in request.headers
    assert parse_qs(request.content.decode()) == {
        "code": [CODE],
        "client_id": ["bot-client"],
        "client_secret": [CLIENT_SECRET],
        "grant_type": ["authorization_code"],
    }
    assert tokens.access_token == "access-1-abcd" and tokens.refresh_token == "refresh-1-abcd"
    assert tokens.expires_at == NOW + timedelta(days=14)
    assert tokens.token_url == f"{ID}/api/v2/oauth2/token" and tokens.can_refresh()
    assert tokens.on_refresh is not None


def test_a_refused_code_is_an_auth_error_without_the_secret() -> None:
    harvest = ScriptedHarvest().on(
        "POST",
        "/api/v2/oauth2/token",
        json_reply(
            {"error": "invalid_grant", "error_description": f"bad code {CODE} for {CLIENT_SECRET}"},
            400,
        ),
    )
    with pytest.raises(AuthError, match="Harvest ID refused") as caught:
        identity_v2.exchange_code(
            CODE, client_id="c", client_secret=CLIENT_SECRET, http=http_for(harvest)
        )
    assert CODE not in str(caught.value) and CLIENT_SECRET not in repr(caught.value)


def test_an_answer_without_tokens_is_unavailable() -> None:
    harvest = ScriptedHarvest().on("POST", "/api/v2/oauth2/token", json_reply({"ok": True}))
    with pytest.raises(Unavailable, match="without tokens"):
        identity_v2.exchange_code(
            CODE, client_id="c", client_secret=CLIENT_SECRET, http=http_for(harvest)
        )


def oauth(told: list[RefreshedTokens], expires_at: datetime) -> OAuthTokens:
    return OAuthTokens(
        "access-0-abcd",
        "refresh-0-abcd",
        expires_at,
        client_id="bot-client",
        client_secret=CLIENT_SECRET,
        token_url=f"{ID}/api/v2/oauth2/token",
        on_refresh=told.append,
    )


def test_refresh_by_hand_replaces_the_tokens_and_tells_the_store() -> None:
    told: list[RefreshedTokens] = []
    tokens = oauth(told, NOW)
    harvest = ScriptedHarvest().on("POST", "/api/v2/oauth2/token", token_reply(2))
    fresh = identity_v2.refresh(tokens, http=http_for(harvest), utcnow=lambda: NOW)
    assert parse_qs(harvest.requests[0].content.decode()) == {
        "refresh_token": ["refresh-0-abcd"],
        "client_id": ["bot-client"],
        "client_secret": [CLIENT_SECRET],
        "grant_type": ["refresh_token"],
    }
    assert told == [fresh] and tokens.access_token == "access-2-abcd"
    with pytest.raises(ValueError, match="cannot be refreshed"):
        identity_v2.refresh(OAuthTokens("x"))


def test_the_client_refreshes_an_expired_token_at_harvest_id_and_the_store_hears() -> None:
    told: list[RefreshedTokens] = []
    harvest = (
        ScriptedHarvest()
        .on("POST", "/api/v2/oauth2/token", token_reply(3))
        .on("GET", "/v2/users/me", json_reply(ME))
    )
    client = HarvestV2Client(
        oauth(told, NOW - timedelta(minutes=1)),
        10254,
        transport=httpx.MockTransport(harvest),
        utcnow=lambda: NOW,
        pacers=budgets_on(FakeTime()),
    )
    client._myself()
    refresh, call = harvest.requests
    assert str(refresh.url) == f"{ID}/api/v2/oauth2/token"
    assert call.headers["Authorization"] == "Bearer access-3-abcd"
    assert len(told) == 1 and told[0].refresh_token == "refresh-3-abcd"


def test_the_client_refreshes_once_on_a_401() -> None:
    told: list[RefreshedTokens] = []
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/users/me", json_reply({"error": "invalid_token"}, 401), json_reply(ME))
        .on("POST", "/api/v2/oauth2/token", token_reply(4))
    )
    client = HarvestV2Client(
        oauth(told, NOW + timedelta(days=3)),
        10254,
        transport=httpx.MockTransport(harvest),
        utcnow=lambda: NOW,
    )
    assert client._myself().id == ME["id"]
    assert [r.url.path for r in harvest.requests] == [
        "/v2/users/me",
        "/api/v2/oauth2/token",
        "/v2/users/me",
    ]
    assert len(told) == 1


# --- accounts --------------------------------------------------------------------------------


def test_accounts_are_listed_without_an_account_header_and_forecast_is_left_out() -> None:
    harvest = ScriptedHarvest().on("GET", "/api/v2/accounts", json_reply(ACCOUNTS))
    found = identity_v2.harvest_id_accounts("pat-token-1234", ID, http=http_for(harvest))
    assert found == [HarvestAccount(10254, "Sterling Cooper Advertising Agency", "harvest")]
    (request,) = harvest.requests
    assert str(request.url) == f"{ID}/api/v2/accounts"
    assert request.headers["Authorization"] == "Bearer pat-token-1234"
    assert "harvest-account-id" not in {k.lower() for k in request.headers}
    assert request.headers["User-Agent"]


def test_a_refused_token_lists_no_accounts() -> None:
    harvest = ScriptedHarvest().on(
        "GET", "/api/v2/accounts", json_reply({"error": "invalid_token"}, 401)
    )
    with pytest.raises(AuthError) as caught:
        identity_v2.harvest_id_accounts("pat-token-1234", ID, http=http_for(harvest))
    assert "pat-token-1234" not in str(caught.value)


def test_an_unreachable_harvest_id_is_unavailable() -> None:
    harvest = ScriptedHarvest().on("GET", "/api/v2/accounts", httpx.ConnectError("down"))
    with pytest.raises(Unavailable, match="Harvest ID could not be reached"):
        identity_v2.harvest_id_accounts("pat-token-1234", ID, http=http_for(harvest))
