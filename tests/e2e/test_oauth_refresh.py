"""A person signed in with Harvest keeps working after their access token expires (Harvest v1
tokens last 18 hours, Harvest ID's 14 days): the bot refreshes it and writes the new pair back,
sealed, at once, since Harvest's refresh rotates and the old refresh token is dead from then on.
On both wires: v1's tokens live in the emulator's ``oauth_tokens``, Harvest ID's in
``id_oauth_tokens``."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from bot.secrets import SecretBox
from bot.services import build_services
from emulator.runner import RunningEmulator
from tests.e2e.harness import TEAM, SlackAppHarness, buttons, text_of, user_id

EXPIRED = {"v1": 18 * 3600 + 1, "v2": 14 * 24 * 3600 + 1}
TOKENS = {"v1": "oauth_tokens", "v2": "id_oauth_tokens"}


def _sign_in(bot: SlackAppHarness, emulator: RunningEmulator, who: str) -> None:
    url = buttons(bot.ask(who, "connect"), "connect_oauth")[0]["url"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    signed_in = httpx.post(bot.authorize_url, data={
        **query, "email": f"{who}@fawltytowers.example", "password": "harvest-demo"})
    assert httpx.get(signed_in.headers["location"]).status_code == 200


def _stored(bot: SlackAppHarness, who: str) -> bytes:
    with sqlite3.connect(bot.settings.database_path) as db:
        row = db.execute("SELECT auth_kind, credentials FROM linked_accounts "
                         "WHERE team_id = ? AND user_id = ?", (TEAM, user_id(who))).fetchone()
    assert row[0] == "oauth"
    return bytes(row[1])


def _tokens(bot: SlackAppHarness, blob: bytes) -> tuple[str, str]:
    data = SecretBox.from_config(bot.settings.secret_key_path, {}).decrypt(blob)
    return data["access_token"], data["refresh_token"]


def _token_row(bot: SlackAppHarness, token: str) -> dict:
    return bot.emulator.store.one(f"SELECT * FROM {TOKENS[bot.wire]} WHERE token = ?", token)


def test_expired_token_is_refreshed_and_stored_sealed(bot: SlackAppHarness,
                                                      emulator: RunningEmulator) -> None:
    _sign_in(bot, emulator, "basil")
    first = _stored(bot, "basil")
    old_access, old_refresh = _tokens(bot, first)

    emulator.clock.advance(EXPIRED[bot.wire])
    assert "Today" in text_of(bot.ask("basil", "today"))  # 401, refresh, retry: it just works

    second = _stored(bot, "basil")
    access, refresh = _tokens(bot, second)
    assert second != first and (access, refresh) != (old_access, old_refresh)
    assert _token_row(bot, old_refresh)["revoked"]  # Harvest rotated: only the new pair works
    assert not _token_row(bot, refresh)["revoked"]
    for secret in (access, refresh, old_access, old_refresh):
        assert secret.encode() not in second
    database = Path(bot.settings.database_path)
    for path in database.parent.glob(database.name + "*"):  # the file and its WAL
        assert access.encode() not in path.read_bytes()
        assert refresh.encode() not in path.read_bytes()


def test_a_restarted_bot_refreshes_with_the_stored_pair(bot: SlackAppHarness,
                                                        emulator: RunningEmulator) -> None:
    _sign_in(bot, emulator, "basil")
    emulator.clock.advance(EXPIRED[bot.wire])
    assert "Today" in text_of(bot.ask("basil", "today"))
    emulator.clock.advance(EXPIRED[bot.wire])
    # A new process knows only what was written back; the first refresh token is revoked.
    restarted = build_services(bot.settings, env={}, clients=bot.clients)
    try:
        identity = restarted.accounts.session_for(TEAM, user_id("basil")).who_am_i()
    finally:
        restarted.close()
    assert identity.user.email == "basil@fawltytowers.example"
    assert not _token_row(bot, _tokens(bot, _stored(bot, "basil"))[1])["revoked"]
