"""The secrets scan (``tests/secrets_scan.py``, run over every session by
``tests/secrets_plugin.py``) can fail: it finds planted secrets in each form, in a bot database
and its write-ahead log and in a log record, and a whole pytest session with a leak exits
non-zero naming the secret but never showing it. And the bot's own storage of real linked
accounts (a v1 password, a personal access token, OAuth tokens before and after a refresh) leaves
none in clear in the database file, its WAL or its shared memory file.

Every planted value is made at run time, so none of them is one of the session's own secrets
(the session's scan must stay clean after these tests).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.app import slack_client
from bot.secrets import Secret
from emulator.runner import RunningEmulator
from emulator.seed import DEMO_PASSWORD
from emulator.store import Store
from storage.db import atomic, open_db
from tests.e2e.harness import BOT_TOKEN, SIGNING_SECRET, SlackAppHarness, buttons, text_of
from tests.secrets_scan import (
    HARVEST_PAT,
    SLACK_TOKEN,
    SecretSet,
    bot_databases,
    database_files,
    is_bot_database,
)

ROOT = Path(__file__).resolve().parents[2]


def planted() -> str:
    return "planted-" + secrets.token_urlsafe(12)


def test_each_form_a_secret_could_leak_in_is_found() -> None:
    password, email = planted() + "/ä+& x", "polly@fawltytowers.example"
    found = SecretSet()
    found.add("the planted password", password)
    basic = base64.b64encode(f"{email}:{password}".encode())
    forms = {
        "as is": password.encode(),
        "URL-encoded": quote(password, safe="").encode(),
        "form-encoded": quote_plus(password).encode(),
        "JSON-escaped": json.dumps({"password": password}).encode(),
        "base64": b"Authorization: Basic " + basic,
    }
    for form, text in forms.items():
        hits = found.scan(b"GET /account/who_am_i " + text + b"\n", "a log")
        assert form in {hit.form for hit in hits}, form
        assert all(hit.secret == "the planted password" for hit in hits)
        assert all(password not in str(hit) for hit in hits)  # the name, never the value
    for pad in range(3):  # inside a longer base64 text, at each alignment
        text = base64.urlsafe_b64encode(b"x" * pad + password.encode() + b"tail")
        assert [hit.form for hit in found.scan(text, "blob")] == ["base64"]
    assert found.scan(b"nothing to see " * 100 + b"\0" * 5000, "clean") == []


def test_keys_shapes_and_issued_tokens_are_found() -> None:
    key, token = Fernet.generate_key(), secrets.token_urlsafe(32)
    found = SecretSet()
    found.add_key("a planted key", key)
    found.add_word("a planted OAuth token", token)
    found.add_shape("a Slack token", SLACK_TOKEN)
    found.add_shape("a personal access token", HARVEST_PAT)
    data = (b"\0" * 4096 + b"HARVEST_BOT_SECRET_KEY=" + key + b"\0" * 4096
            + f"access_token={token}&x=1 xoxb-{secrets.token_hex(6)} "
              f"7.pt.{secrets.token_urlsafe(40)}".encode())
    names = {hit.secret for hit in found.scan(data, "blob")}
    assert names == {"a planted key", "a planted OAuth token", "a Slack token",
                     "a personal access token"}
    # A token among tokens of its own form but not issued: nothing.
    assert found.scan(secrets.token_urlsafe(32).encode(), "other") == []
    assert found.scan(b"starts with xoxb-)", "help text") == []


def test_a_bot_database_is_told_from_the_emulators(tmp_path: Path) -> None:
    bot = open_db(tmp_path / "bot" / "bot.sqlite")  # schema still in the WAL: not checkpointed
    emulator = Store(str(tmp_path / "emulator.sqlite"))
    (tmp_path / "notes.txt").write_text("SQLite format 3")
    try:
        assert is_bot_database(tmp_path / "bot" / "bot.sqlite")
        assert not is_bot_database(tmp_path / "emulator.sqlite")
        assert bot_databases([tmp_path]) == [tmp_path / "bot" / "bot.sqlite"]
        names = {p.name for p in database_files(tmp_path / "bot" / "bot.sqlite")}
        assert names == {"bot.sqlite", "bot.sqlite-wal", "bot.sqlite-shm"}
    finally:
        bot.conn.close()
        emulator.close()


def test_a_secret_planted_in_a_bot_database_and_its_wal_is_found(tmp_path: Path) -> None:
    value = planted()
    found = SecretSet()
    found.add("the planted token", value)
    path = tmp_path / "bot.sqlite"
    db = open_db(path)
    try:
        with atomic(db):
            db.execute("INSERT INTO channel_settings VALUES ('T1', 'C1', 'token', ?)", [value])
        assert is_bot_database(path)
        hits = [hit for p in database_files(path) for hit in found.scan_file(p)]
        assert {Path(hit.where).name for hit in hits} == {"bot.sqlite-wal"}
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # now in the database file itself
        assert [Path(h.where).name for h in found.scan_file(path)] == ["bot.sqlite"]
    finally:
        db.conn.close()
    clean = tmp_path / "clean.sqlite"
    open_db(clean).conn.close()
    assert [hit for p in database_files(clean) for hit in found.scan_file(p)] == []


def test_the_session_log_holds_every_record_even_debug(request) -> None:  # noqa: ANN001
    """What this session's plugin writes: a DEBUG record and a traceback carrying a secret."""
    plugin = request.config.pluginmanager.get_plugin("secrets-scan")
    assert plugin is not None and plugin.handler is not None
    first, second = planted(), planted()
    found = SecretSet()
    found.add("first", first)
    found.add("second", second)
    log = logging.getLogger("tests.planted")
    log.debug("a debug record with %s", first)
    try:
        raise RuntimeError(f"failed with {second}")
    except RuntimeError:
        log.exception("an error")
    plugin.handler.flush()
    hits = found.scan_file(Path(plugin.handler.baseFilename))
    assert {hit.secret for hit in hits} == {"first", "second"}


INNER_TEST = '''
import logging
import secrets

from storage.db import atomic, open_db


def test_leaks(tmp_path):
    db = open_db(tmp_path / "bot.sqlite")
    with atomic(db):
        db.execute("INSERT INTO channel_settings VALUES ('T', 'C', 'k', ?)",
                   ["xoxb-" + secrets.token_hex(8)])
    db.conn.close()
    logging.getLogger("inner").debug("signed in with %s", "harvest" + "-demo")
'''

INNER_CONFTEST = '''
def pytest_configure(config):
    from tests.secrets_plugin import SecretsScan

    config.pluginmanager.register(SecretsScan(config), "secrets-scan")
'''


def test_a_session_that_leaks_fails_and_names_what_leaked() -> None:
    # Outside this session's temp dir, and removed: the session's own scan must not see it.
    work = Path(tempfile.mkdtemp(prefix="secrets-inner-"))
    try:
        (work / "inner").mkdir()
        (work / "inner" / "test_leak.py").write_text(INNER_TEST)
        (work / "inner" / "conftest.py").write_text(INNER_CONFTEST)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", os.devnull,
             "--rootdir", str(work), "--basetemp", str(work / "base"), str(work / "inner")],
            cwd=work, env=env, capture_output=True, text=True, timeout=110)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "1 passed" in out
    assert "secrets scan: secrets in clear" in out
    assert "bot.sqlite" in out and "a Slack token (xox*-)" in out
    assert "session.log: the emulator's demo password (as is)" in out
    assert DEMO_PASSWORD not in out and not re.search(r"xoxb-[0-9a-f]", out)


# -- the bot's own storage ----------------------------------------------------------------------


def _sign_in(bot: SlackAppHarness, who: str) -> None:
    url = buttons(bot.ask(who, "connect"), "connect_oauth")[0]["url"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    signed_in = httpx.post(bot.authorize_url, data={
        **query, "email": f"{who}@fawltytowers.example", "password": DEMO_PASSWORD})
    assert httpx.get(signed_in.headers["location"]).status_code == 200


def test_linked_accounts_leave_no_secret_in_clear(bot: SlackAppHarness,
                                                  emulator: RunningEmulator) -> None:
    """A v1 password or a personal access token, OAuth tokens and their refresh, a person who
    disconnects: the database, its WAL and shared memory hold none of them in clear."""
    bot.link("polly")  # v1: email and password; v2: a personal access token
    bot.link("sybil")
    _sign_in(bot, "basil")
    emulator.clock.advance(14 * 24 * 3600 + 1)  # both wires' access tokens expire
    assert "Today" in text_of(bot.ask("basil", "today"))  # refreshed, the new pair stored
    assert "Today" in text_of(bot.ask("polly", "today"))
    bot.ask("sybil", "disconnect")

    table = "oauth_tokens" if bot.wire == "v1" else "id_oauth_tokens"
    issued = emulator.store.all(f"SELECT token, kind FROM {table}")
    assert len(issued) >= 4  # two pairs: the sign-in's and the refresh's
    key_file = bot.settings.secret_key_path
    found = SecretSet()
    found.add("the demo password", DEMO_PASSWORD)
    for who, pat in emulator.info.pats.items():
        found.add(f"{who}'s personal access token", pat)
    for row in issued:
        found.add_word(f"an OAuth {row['kind']} token", row["token"])
    found.add_key("the encryption key", key_file.read_bytes())
    found.add("the signing secret", SIGNING_SECRET)
    found.add("the bot token", BOT_TOKEN)
    oauth = emulator.info.oauth
    assert oauth is not None
    found.add("the OAuth client secret", oauth.client_secret)

    database = Path(bot.settings.database_path)
    with sqlite3.connect(database) as db:
        kinds = dict(db.execute("SELECT user_id, auth_kind FROM linked_accounts").fetchall())
    assert sorted(kinds.values()) == sorted(["oauth", "basic" if bot.wire == "v1" else "pat"])
    files = database_files(database)
    assert {p.name for p in files} >= {database.name, database.name + "-wal"}
    assert [hit for path in files for hit in found.scan_file(path)] == []
    # Found where it is meant to be: the key file holds the key.
    assert {hit.secret for hit in found.scan_file(key_file)} == {"the encryption key"}


def test_the_bots_slack_client_masks_slack_tokens_in_its_log(
        caplog: pytest.LogCaptureFixture) -> None:
    """slack_sdk logs response bodies at DEBUG through the client's logger: oauth.v2.access's
    answer holds the workspace's tokens (found by this scan in the install test's log)."""
    settings = SimpleNamespace(slack=SimpleNamespace(bot_token=Secret(""),
                                                     api_url="http://127.0.0.1:9/api/"))
    client = slack_client(settings)  # type: ignore[arg-type]
    bot_token, refresh = "xoxb-" + secrets.token_hex(8), "xoxe.xoxp-1-" + secrets.token_hex(8)
    caplog.set_level(logging.DEBUG)
    client.logger.debug("Received the following response - body: %s",
                        {"access_token": bot_token, "refresh_token": refresh})
    assert bot_token not in caplog.text and refresh not in caplog.text
    assert "'access_token': 'xoxb-**********'" in caplog.text
