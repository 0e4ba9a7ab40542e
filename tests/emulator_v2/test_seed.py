"""The demo serves both wires: the account id and personal tokens it prints, kept in the DB file;
and a database file made before API v2 still opens."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
import uvicorn

from emulator import runner
from emulator.runner import running_emulator
from emulator.seed import DEMO_ACCOUNT_ID, seed
from emulator.store import Store
from tests.emulator_v2.conftest import v2_headers


def test_demo_describes_the_v2_account_and_tokens(tmp_path: Path) -> None:
    emulator, info = runner.build(str(tmp_path / "demo.sqlite"), "demo")
    assert info.account_id == DEMO_ACCOUNT_ID
    assert set(info.pats) == {"sybil", "basil", "polly", "manuel"}
    text = "\n".join(info.describe())
    assert f"Harvest-Account-Id {DEMO_ACCOUNT_ID}" in text
    assert all(token in text for token in info.pats.values())
    emulator.store.close()
    # Opened again, the file tells the same story (nothing is seeded twice).
    again = Store(str(tmp_path / "demo.sqlite"))
    described = seed(again, emulator.clock, "demo")
    assert (described.account_id, described.pats) == (info.account_id, info.pats)
    assert again.scalar("SELECT COUNT(*) FROM personal_access_tokens") == 4
    again.close()


def test_empty_seed_has_a_token_for_its_administrator() -> None:
    with running_emulator("empty") as emulator:
        response = httpx.get(emulator.v2_url + "/users/me", headers=v2_headers(emulator, "admin"))
        assert response.json()["access_roles"] == ["administrator"]


def test_cli_prints_both_wires(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: None)  # print, do not serve
    runner.serve("127.0.0.1", 8765, str(tmp_path / "cli.sqlite"), "demo")
    out = capsys.readouterr().out
    assert "Harvest API v2 on http://127.0.0.1:8765/v2" in out
    assert "Harvest ID: http://127.0.0.1:8765/id" in out
    assert f"Harvest-Account-Id {DEMO_ACCOUNT_ID}" in out and ".pt." in out


OLD_ACCOUNT = """CREATE TABLE account (
    id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL, subdomain TEXT NOT NULL,
    timestamp_timers INTEGER NOT NULL DEFAULT 0, clock TEXT NOT NULL DEFAULT '12h',
    time_format TEXT NOT NULL DEFAULT 'decimal', week_start_day TEXT NOT NULL DEFAULT 'Monday',
    plan_type TEXT NOT NULL DEFAULT 'business', project_limit INTEGER, created_at TEXT NOT NULL)"""
OLD_USERS = """CREATE TABLE users (
    id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE, password TEXT NOT NULL,
    first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0, is_project_manager INTEGER NOT NULL DEFAULT 0,
    is_contractor INTEGER NOT NULL DEFAULT 0, is_active INTEGER NOT NULL DEFAULT 1,
    has_access_to_all_future_projects INTEGER NOT NULL DEFAULT 0,
    timezone TEXT NOT NULL DEFAULT 'Eastern Time (US & Canada)',
    department TEXT, telephone TEXT, default_hourly_rate REAL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"""


def test_a_database_from_before_v2_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(OLD_ACCOUNT)
        conn.execute(OLD_USERS)
        conn.execute("INSERT INTO account (id, name, subdomain, created_at) "
                     "VALUES (1, 'Old Co', 'old', '2020-01-01T00:00:00.000000Z')")
        conn.execute("INSERT INTO users (email, password, first_name, last_name, is_admin, "
                     "created_at, updated_at) VALUES ('ada@example.com', 'pw', 'Ada', 'Admin', 1, "
                     "'2020-01-01T00:00:00.000000Z', '2020-01-01T00:00:00.000000Z')")
    conn.close()
    store = Store(str(path))
    assert (store.account()["harvest_id"], store.account()["weekly_capacity"]) == \
        (DEMO_ACCOUNT_ID, 126000)
    assert store.one("SELECT manager_permissions FROM users")["manager_permissions"] == ""
    store.close()
    with running_emulator(None, db=str(path)) as emulator:
        made = httpx.post(emulator.admin_url + "/personal_tokens",
                          json={"email": "ada@example.com"}).json()
        response = httpx.get(emulator.v2_url + "/company", headers={
            "Authorization": f"Bearer {made['token']}", "User-Agent": "t",
            "Harvest-Account-Id": str(made["account_id"])})
        assert response.status_code == 200 and response.json()["name"] == "Old Co"
