"""Passwords and tokens never show: not in reprs, error messages, paths, or logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.harvest.auth import BasicAuth, OAuthTokens, RefreshedTokens, redact
from bot.harvest.errors import HarvestError, NotFound, Unavailable, ValidationError

from .fakes import BASIC, PASSWORD, ScriptedHarvest, json_reply, make_client

ACCESS = "access-token-3f9a"
REFRESH = "refresh-token-77c1"
CLIENT_SECRET = "client-secret-0d2e"
SECRETS = (PASSWORD, ACCESS, REFRESH, CLIENT_SECRET)


def oauth(**kw: object) -> OAuthTokens:
    return OAuthTokens(
        ACCESS,
        REFRESH,
        datetime(2026, 1, 1, tzinfo=UTC),
        client_id="bot",
        client_secret=CLIENT_SECRET,
        **kw,  # type: ignore[arg-type]
    )


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_auth_objects_hide_their_secrets() -> None:
    for shown in (repr(BASIC), str(BASIC), repr(oauth()), str(oauth())):
        assert_clean(shown)
    assert "basil@fawltytowers.com" in repr(BASIC)
    tokens = RefreshedTokens(ACCESS, REFRESH, None)
    assert_clean(repr(tokens))
    assert_clean(repr([BASIC, oauth(), tokens]))  # containers use repr too


def test_a_client_repr_hides_its_credentials() -> None:
    assert_clean(repr(make_client(ScriptedHarvest())))
    assert_clean(repr(make_client(ScriptedHarvest(), auth=oauth())))


def test_errors_keep_the_path_without_its_query_string() -> None:
    error = NotFound("gone", method="GET", path=f"/daily?access_token={ACCESS}&of_user=3")
    assert error.path == "/daily"
    assert_clean(str(error))
    assert_clean(repr(error))


def test_what_a_server_echoes_back_is_redacted() -> None:
    harvest = ScriptedHarvest().on(
        "GET",
        "/projects",
        json_reply({"message": f"bad login basil@fawltytowers.com/{PASSWORD}"}, 400),
    )
    with pytest.raises(ValidationError) as caught:
        make_client(harvest).projects()
    assert_clean(str(caught.value))
    assert "***" in caught.value.message


def test_a_garbage_body_quoting_a_token_is_redacted() -> None:
    harvest = ScriptedHarvest().on(
        "GET",
        "/projects",
        httpx.Response(200, content=f"<oops token={ACCESS}".encode()),
    )
    with pytest.raises(Unavailable) as caught:
        make_client(
            harvest, auth=oauth(), utcnow=lambda: datetime(2025, 1, 1, tzinfo=UTC)
        ).projects()
    assert_clean(str(caught.value))


def test_nothing_logged_carries_a_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    expired = oauth()
    harvest = (
        ScriptedHarvest()
        .on(
            "POST",
            "/oauth2/token",
            json_reply({"access_token": ACCESS + "-2", "refresh_token": REFRESH + "-2"}),
        )
        .on(
            "GET",
            "/projects",
            json_reply({"error": "invalid_token"}, 401),
            httpx.ReadTimeout("slow"),
            json_reply([]),
        )
    )
    client = make_client(
        harvest,
        auth=expired,
        utcnow=lambda: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=1),
    )
    client.projects()
    basic = make_client(ScriptedHarvest().on("GET", "/people", json_reply({"message": "no"}, 500)))
    with pytest.raises(HarvestError):
        basic.people()
    assert caplog.records  # the client does log what it does
    assert_clean(caplog.text)
    assert_clean(" ".join(str(r.args) for r in caplog.records))


def test_redact_replaces_each_secret_and_leaves_short_strings_alone() -> None:
    assert redact(f"a {PASSWORD} b {ACCESS}", (PASSWORD, ACCESS)) == "a *** b ***"
    assert redact("a b c", ("a",)) == "a b c"


def test_basic_auth_lists_the_header_value_as_a_secret_too() -> None:
    auth = BasicAuth("e@x", PASSWORD)
    encoded = auth.header().split(" ", 1)[1]
    assert encoded in auth.secrets() and PASSWORD in auth.secrets()
