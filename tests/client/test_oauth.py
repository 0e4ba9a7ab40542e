"""Bearer tokens: sent as a header, refreshed once when expired or refused, stored via callback."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest

from bot.harvest.auth import OAuthTokens, RefreshedTokens
from bot.harvest.errors import AuthError, Unavailable

from .fakes import ScriptedHarvest, json_reply, make_client

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def tokens(
    *, expires_in: timedelta = timedelta(hours=18), **kw: object
) -> tuple[OAuthTokens, list[RefreshedTokens]]:
    told: list[RefreshedTokens] = []
    options: dict = {
        "client_id": "bot-client",
        "client_secret": "client-secret-xyz",
        "on_refresh": told.append,
    }
    options.update(kw)
    auth = OAuthTokens("old-access-token", "old-refresh-token", NOW + expires_in, **options)
    return auth, told


def token_reply() -> httpx.Response:
    return json_reply(
        {
            "access_token": "new-access-token",
            "refresh_token": "new-refresh-token",
            "token_type": "bearer",
            "expires_in": 64800,
        }
    )


def client_for(harvest: ScriptedHarvest, auth: OAuthTokens):  # type: ignore[no-untyped-def]
    return make_client(harvest, auth=auth, utcnow=lambda: NOW)


def test_the_token_goes_in_an_authorization_header_not_the_url() -> None:
    auth, _ = tokens()
    harvest = ScriptedHarvest().on("GET", "/projects", json_reply([]))
    client_for(harvest, auth).projects()
    (request,) = harvest.requests
    assert request.headers["Authorization"] == "Bearer old-access-token"
    assert "access_token" not in str(request.url)


def test_an_expired_token_is_refreshed_before_the_call() -> None:
    auth, told = tokens(expires_in=timedelta(seconds=30))
    harvest = (
        ScriptedHarvest()
        .on("POST", "/oauth2/token", token_reply())
        .on("GET", "/projects", json_reply([]))
    )
    client_for(harvest, auth).projects()
    refresh, call = harvest.requests
    assert refresh.url.path == "/oauth2/token"
    assert refresh.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(refresh.content.decode()) == {
        "refresh_token": ["old-refresh-token"],
        "client_id": ["bot-client"],
        "client_secret": ["client-secret-xyz"],
        "grant_type": ["refresh_token"],
    }
    assert call.headers["Authorization"] == "Bearer new-access-token"
    assert told == [
        RefreshedTokens("new-access-token", "new-refresh-token", NOW + timedelta(seconds=64800))
    ]
    assert auth.refresh_token == "new-refresh-token" and auth.expires_at == NOW + timedelta(
        hours=18
    )


def test_a_401_refreshes_once_and_retries() -> None:
    auth, told = tokens()
    harvest = (
        ScriptedHarvest()
        .on(
            "GET",
            "/projects",
            json_reply({"error": "invalid_token"}, 401),
            json_reply([]),
        )
        .on("POST", "/oauth2/token", token_reply())
    )
    assert client_for(harvest, auth).projects() == ()
    assert [r.url.path for r in harvest.requests] == [
        "/projects",
        "/oauth2/token",
        "/projects",
    ]
    assert harvest.requests[-1].headers["Authorization"] == "Bearer new-access-token"
    assert len(told) == 1


def test_a_second_401_is_an_auth_error_after_one_refresh() -> None:
    auth, told = tokens()
    harvest = (
        ScriptedHarvest()
        .on("GET", "/projects", json_reply({"error": "invalid_token"}, 401))
        .on("POST", "/oauth2/token", token_reply())
    )
    with pytest.raises(AuthError, match="invalid_token"):
        client_for(harvest, auth).projects()
    assert len(harvest.sent("POST", "/oauth2/token")) == 1 and len(told) == 1


def test_a_refused_refresh_is_an_auth_error() -> None:
    auth, told = tokens(expires_in=timedelta(0))
    harvest = ScriptedHarvest().on(
        "POST",
        "/oauth2/token",
        json_reply(
            {"error": "invalid_grant", "error_description": "Refresh token revoked"},
            400,
        ),
    )
    with pytest.raises(AuthError, match="token refresh refused: Refresh token revoked"):
        client_for(harvest, auth).projects()
    assert told == [] and auth.access_token == "old-access-token"


def test_a_token_endpoint_answering_nonsense_is_unavailable() -> None:
    auth, _ = tokens(expires_in=timedelta(0))
    harvest = ScriptedHarvest().on("POST", "/oauth2/token", json_reply({"token": "?"}))
    with pytest.raises(Unavailable, match="without tokens"):
        client_for(harvest, auth).projects()


def test_without_a_refresh_token_a_401_is_an_auth_error_at_once() -> None:
    auth = OAuthTokens("only-an-access-token")
    harvest = ScriptedHarvest().on("GET", "/projects", json_reply({"error": "invalid_token"}, 401))
    with pytest.raises(AuthError):
        client_for(harvest, auth).projects()
    assert len(harvest.requests) == 1


def test_a_server_that_does_not_rotate_keeps_the_old_refresh_token() -> None:
    auth, told = tokens(expires_in=timedelta(0))
    harvest = (
        ScriptedHarvest()
        .on("POST", "/oauth2/token", json_reply({"access_token": "new-access-token"}))
        .on("GET", "/projects", json_reply([]))
    )
    client_for(harvest, auth).projects()
    assert auth.refresh_token == "old-refresh-token" and auth.expires_at is None
    assert told[0].refresh_token is None


def test_a_token_url_of_its_own_is_used() -> None:
    auth, _ = tokens(expires_in=timedelta(0), token_url="https://id.example/oauth2/token")
    harvest = (
        ScriptedHarvest()
        .on("POST", "/oauth2/token", token_reply())
        .on("GET", "/projects", json_reply([]))
    )
    client_for(harvest, auth).projects()
    assert harvest.requests[0].url.host == "id.example"


def test_many_threads_with_an_expired_token_refresh_it_once() -> None:
    auth, told = tokens(expires_in=timedelta(0))
    harvest = (
        ScriptedHarvest()
        .on("POST", "/oauth2/token", token_reply())
        .on("GET", "/people", json_reply([]))
    )
    client = client_for(harvest, auth)
    threads = [threading.Thread(target=client.people) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(harvest.sent("POST", "/oauth2/token")) == 1 and len(told) == 1
    assert {r.headers["Authorization"] for r in harvest.sent("GET")} == {"Bearer new-access-token"}
