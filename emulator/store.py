"""The emulator's state: one Harvest account (v1 served one account per subdomain) in SQLite.

A single connection guarded by a lock: the emulator is a test peer and demo server, and SQLite
serialises writers anyway. Every handler that writes runs inside :meth:`Store.tx`, so a request
refused half-way (bad input, a fault) leaves nothing behind.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL, subdomain TEXT NOT NULL,
    timestamp_timers INTEGER NOT NULL DEFAULT 0, clock TEXT NOT NULL DEFAULT '12h',
    time_format TEXT NOT NULL DEFAULT 'decimal', week_start_day TEXT NOT NULL DEFAULT 'Monday',
    plan_type TEXT NOT NULL DEFAULT 'business', project_limit INTEGER,
    created_at TEXT NOT NULL,
    harvest_id INTEGER NOT NULL DEFAULT 1049731, weekly_capacity INTEGER NOT NULL DEFAULT 126000
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE, password TEXT NOT NULL,
    first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0, is_project_manager INTEGER NOT NULL DEFAULT 0,
    is_contractor INTEGER NOT NULL DEFAULT 0, is_active INTEGER NOT NULL DEFAULT 1,
    has_access_to_all_future_projects INTEGER NOT NULL DEFAULT 0,
    timezone TEXT NOT NULL DEFAULT 'Eastern Time (US & Canada)',
    department TEXT, telephone TEXT, default_hourly_rate REAL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    manager_permissions TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS clients (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, active INTEGER NOT NULL DEFAULT 1,
    currency TEXT NOT NULL DEFAULT 'United States Dollar - USD', details TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    billable_by_default INTEGER NOT NULL DEFAULT 1, deactivated INTEGER NOT NULL DEFAULT 0,
    default_hourly_rate REAL, is_default INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL REFERENCES clients(id),
    name TEXT NOT NULL, code TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1,
    billable INTEGER NOT NULL DEFAULT 1, bill_by TEXT NOT NULL DEFAULT 'none', hourly_rate REAL,
    budget REAL, budget_by TEXT NOT NULL DEFAULT 'none', notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS task_assignments (
    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    task_id INTEGER NOT NULL REFERENCES tasks(id), billable INTEGER NOT NULL DEFAULT 1,
    deactivated INTEGER NOT NULL DEFAULT 0, hourly_rate REAL, budget REAL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (project_id, task_id)
);
CREATE TABLE IF NOT EXISTS user_assignments (
    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id), is_project_manager INTEGER NOT NULL DEFAULT 0,
    deactivated INTEGER NOT NULL DEFAULT 0, hourly_rate REAL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (project_id, user_id)
);
CREATE TABLE IF NOT EXISTS day_entries (
    id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
    project_id INTEGER NOT NULL REFERENCES projects(id), task_id INTEGER NOT NULL REFERENCES tasks(id),
    spent_at TEXT NOT NULL, hours REAL NOT NULL DEFAULT 0, notes TEXT NOT NULL DEFAULT '',
    timer_started_at TEXT, started_at TEXT, ended_at TEXT,
    is_billed INTEGER NOT NULL DEFAULT 0, is_closed INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS day_entries_user_day ON day_entries (user_id, spent_at);
CREATE INDEX IF NOT EXISTS day_entries_project_day ON day_entries (project_id, spent_at);
CREATE TABLE IF NOT EXISTS expense_categories (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, unit_name TEXT, unit_price REAL,
    deactivated INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS expenses (
    id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
    project_id INTEGER NOT NULL REFERENCES projects(id),
    expense_category_id INTEGER NOT NULL REFERENCES expense_categories(id),
    spent_at TEXT NOT NULL, total_cost REAL NOT NULL, units REAL, notes TEXT NOT NULL DEFAULT '',
    billable INTEGER NOT NULL DEFAULT 1, is_billed INTEGER NOT NULL DEFAULT 0,
    is_closed INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS expenses_user_day ON expenses (user_id, spent_at);
CREATE TABLE IF NOT EXISTS oauth_clients (
    client_id TEXT PRIMARY KEY, client_secret TEXT NOT NULL, redirect_uri TEXT NOT NULL, name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS oauth_codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id INTEGER NOT NULL,
    redirect_uri TEXT, expires_at TEXT NOT NULL, used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS oauth_tokens (
    token TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    client_id TEXT NOT NULL, user_id INTEGER NOT NULL, expires_at TEXT,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, timezone TEXT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users(id), created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS memberships (
    id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id), email TEXT NOT NULL COLLATE NOCASE,
    state TEXT NOT NULL CHECK (state IN ('active', 'invited')), created_at TEXT NOT NULL,
    UNIQUE (group_id, email)
);
CREATE TABLE IF NOT EXISTS statuses (
    id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id), text TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS statuses_group ON statuses (group_id, created_at);
CREATE TABLE IF NOT EXISTS personal_access_tokens (
    id INTEGER PRIMARY KEY, token TEXT NOT NULL UNIQUE, user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL, created_at TEXT NOT NULL, last_used_at TEXT,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS id_oauth_codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id INTEGER NOT NULL,
    expires_at TEXT NOT NULL, used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS id_oauth_tokens (
    token TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    client_id TEXT NOT NULL, user_id INTEGER NOT NULL, expires_at TEXT,
    revoked INTEGER NOT NULL DEFAULT 0
);
"""

# Columns added after the first schema, with their declarations: a database file made by an older
# emulator gets them on open (SQLite's ALTER TABLE ADD COLUMN), so it keeps working.
#   account.harvest_id        the account's id on API v2 (the Harvest-Account-Id header)
#   account.weekly_capacity   seconds; v2's company and users carry it
#   users.manager_permissions space-separated extra v2 access roles of a manager, e.g.
#                             "time_and_expenses_manager billable_rates_manager"
ADDED_COLUMNS = (
    ("account", "harvest_id", "INTEGER NOT NULL DEFAULT 1049731"),
    ("account", "weekly_capacity", "INTEGER NOT NULL DEFAULT 126000"),
    ("users", "manager_permissions", "TEXT NOT NULL DEFAULT ''"),
)

# Harvest ids were large and distinct per kind; starting each table at its own base keeps an
# entry id from being mistaken for a project id in tests (the documents' examples look alike).
ID_BASE = {
    "users": 508000, "clients": 2900000, "tasks": 2892000, "projects": 5198000,
    "task_assignments": 61000000, "user_assignments": 71000000, "day_entries": 420930000,
    "expense_categories": 50500, "expenses": 1100000, "groups": 2500, "memberships": 9000,
    "statuses": 24000, "personal_access_tokens": 1,
}


class Store:
    """The account's tables behind one lock; rows come back as dicts."""

    def __init__(self, path: str = ":memory:"):
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.executescript(SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        for table, column, declaration in ADDED_COLUMNS:
            present = {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")

    @contextmanager
    def tx(self) -> Iterator[Store]:
        """One transaction: all of a request's writes land, or none do."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    def all(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(row) for row in self._conn.execute(sql, args).fetchall()]

    def one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(sql, args).fetchone()
            return dict(row) if row else None

    def scalar(self, sql: str, *args: Any) -> Any:
        with self._lock:
            row = self._conn.execute(sql, args).fetchone()
            return row[0] if row else None

    def execute(self, sql: str, *args: Any) -> int:
        with self._lock:
            return self._conn.execute(sql, args).rowcount

    def insert(self, table: str, **values: Any) -> int:
        """Insert a row, giving it the next id of its table's range; returns the id."""
        with self._lock:
            if "id" not in values and table in ID_BASE:
                current = self._conn.execute(f"SELECT MAX(id) FROM {table}").fetchone()[0]
                values["id"] = int(current or ID_BASE[table]) + 1
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            cursor = self._conn.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values())
            )
            return int(values["id"] if "id" in values else cursor.lastrowid or 0)

    def update(self, table: str, row_id: Any, key: str = "id", **values: Any) -> None:
        if not values:
            return
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self._lock:
            self._conn.execute(
                f"UPDATE {table} SET {assignments} WHERE {key} = ?", (*values.values(), row_id)
            )

    def account(self) -> dict[str, Any]:
        row = self.one("SELECT * FROM account WHERE id = 1")
        if row is None:
            raise RuntimeError("the emulator has no account: seed it first")
        return row

    def close(self) -> None:
        with self._lock:
            self._conn.close()
