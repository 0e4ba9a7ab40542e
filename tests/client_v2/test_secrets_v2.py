"""Tokens never show: not in reprs, messages, errors or logs."""

from __future__ import annotations

import logging

import httpx
import pytest

from bot.harvest.auth import OAuthTokens
from bot.harvest.auth_v2 import PersonalToken
from bot.harvest.errors import ValidationError
from bot.harvest.factory import connect
from tests.client.fakes import ScriptedHarvest, json_reply

from .fakes import PAT, TOKEN, entry_record, make_client


def test_a_personal_token_shows_its_account_but_not_itself() -> None:
    for shown in (repr(PAT), str(PAT), repr([PAT])):
        assert TOKEN not in shown and "10254" in shown
    assert PAT.secrets() == (TOKEN,) and not PAT.can_refresh()
    assert PAT.header() == f"Bearer {TOKEN}"


def test_a_personal_token_needs_both_parts() -> None:
    with pytest.raises(ValueError):
        PersonalToken("", 1)
    with pytest.raises(ValueError):
        PersonalToken("t", " ")


def test_clients_and_connections_hide_their_tokens() -> None:
    client = make_client(ScriptedHarvest())
    oauth = OAuthTokens("oauth-access-7788", "oauth-refresh-7788", client_secret="cs-7788")
    connection = connect("v2", oauth, account_id=1, coop_url="https://coop.example")
    for shown in (repr(client), str(client), repr(connection)):
        assert TOKEN not in shown and "7788" not in shown


def test_an_echoed_token_is_redacted_and_nothing_logged_carries_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    harvest = (
        ScriptedHarvest()
        .on("PATCH", "/v2/time_entries/1", json_reply({"message": f"bad token {TOKEN}"}, 422))
        .on("GET", "/v2/time_entries/2", httpx.ReadTimeout("slow"), json_reply(entry_record(2)))
    )
    client = make_client(harvest)
    with pytest.raises(ValidationError) as caught:
        client.update_entry(1, notes="x")
    client.entry(2)
    assert TOKEN not in str(caught.value) and "***" in caught.value.message
    assert caplog.records and TOKEN not in caplog.text
