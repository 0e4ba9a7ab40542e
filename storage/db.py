"""Opening the bot's SQLite database, its transactions and its schema migrations.

One file holds everything the bot must remember between restarts: linked Harvest accounts,
Slack installations, channel settings, the outbox of Harvest writes and the seen Slack events.

The connection is opened in autocommit mode (``isolation_level=None``) and may be shared by
threads; every repository runs its statements inside :func:`atomic`, which serialises the
threads of this process with a lock and other processes with ``BEGIN IMMEDIATE`` (waiting up to
the busy timeout). Inside :func:`atomic` use ``db.execute`` only: sqlite-utils' table helpers
commit on their own and would end the transaction early.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from storage.errors import MigrationError

BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class Migration:
    """One step of the schema; its name is recorded in ``_migrations`` once applied."""

    name: str
    apply: Callable[[sqlite_utils.Database], None]


def _initial_schema(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE linked_accounts (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            wire TEXT NOT NULL CHECK (wire IN ('v1', 'v2')),
            base_url TEXT NOT NULL,
            auth_kind TEXT NOT NULL CHECK (auth_kind IN ('basic', 'oauth', 'pat')),
            harvest_user_id INTEGER NOT NULL,
            email TEXT NOT NULL,
            timezone TEXT NOT NULL,
            credentials BLOB NOT NULL,
            is_admin INTEGER NOT NULL,
            linked_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE slack_installations (
            client_id TEXT NOT NULL,
            enterprise_id TEXT NOT NULL,
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            has_bot_token INTEGER NOT NULL,
            installation BLOB NOT NULL,
            PRIMARY KEY (client_id, enterprise_id, team_id, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE slack_bots (
            client_id TEXT NOT NULL,
            enterprise_id TEXT NOT NULL,
            team_id TEXT NOT NULL,
            bot BLOB NOT NULL,
            PRIMARY KEY (client_id, enterprise_id, team_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE oauth_states (
            namespace TEXT NOT NULL,
            state TEXT NOT NULL,
            data TEXT NOT NULL,
            expires_at REAL NOT NULL,
            PRIMARY KEY (namespace, state)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE channel_settings (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (team_id, channel_id, key)
        )
        """
    )
    db.execute("CREATE INDEX channel_settings_by_key ON channel_settings (key)")
    db.execute(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            idempotency_key TEXT NOT NULL UNIQUE,
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            operation TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            result TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX outbox_due ON outbox (status, next_attempt_at)")
    db.execute("CREATE INDEX outbox_by_user ON outbox (team_id, user_id, status)")
    db.execute(
        """
        CREATE TABLE seen_events (
            key TEXT PRIMARY KEY,
            expires_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX seen_events_expiry ON seen_events (expires_at)")


def _coop_links(db: sqlite_utils.Database) -> None:
    from storage.coop_links import create_tables  # imported here: that module imports this one

    create_tables(db)


def _coop_cursors(db: sqlite_utils.Database) -> None:
    from storage.coop_cursors import create_tables

    create_tables(db)


def _digests(db: sqlite_utils.Database) -> None:
    from storage.digests import create_tables

    create_tables(db)


def _outbox_notices(db: sqlite_utils.Database) -> None:
    from storage.outbox import add_notice_columns

    add_notice_columns(db)


def _coop_attempts(db: sqlite_utils.Database) -> None:
    from storage.coop_cursors import create_attempts_table

    create_attempts_table(db)


# Append only: a name, once released, is never changed or reordered.
MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_initial_schema", _initial_schema),
    Migration("0002_coop_links", _coop_links),
    Migration("0003_coop_cursors", _coop_cursors),
    Migration("0004_digests", _digests),
    Migration("0005_outbox_notices", _outbox_notices),
    Migration("0006_coop_attempts", _coop_attempts),
)


def open_db(
    path: str | Path, *, migrations: Sequence[Migration] = MIGRATIONS
) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date.

    ``":memory:"`` gives a private in-memory database, for tests.

    :raises MigrationError: the file holds migrations this code does not know (a newer bot wrote it).
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        str(path),
        check_same_thread=False,
        isolation_level=None,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # WAL makes a commit durable at the next checkpoint; NORMAL is its recommended pairing.
    conn.execute("PRAGMA synchronous = NORMAL")
    db = sqlite_utils.Database(conn, execute_plugins=False)
    try:
        migrate(db, migrations)
    except BaseException:
        conn.close()
        raise
    return db


def migrate(
    db: sqlite_utils.Database, migrations: Sequence[Migration] = MIGRATIONS
) -> list[str]:
    """Apply, in order and each in its own transaction, the migrations not yet recorded.

    Returns the names applied now. Safe to run from several processes at once: each step
    re-reads ``_migrations`` under the write lock.

    :raises MigrationError: the database records a migration missing from ``migrations``.
    """
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    known = {m.name for m in migrations}
    with atomic(db):
        recorded = [
            row[0] for row in db.execute("SELECT name FROM _migrations ORDER BY rowid")
        ]
    unknown = [name for name in recorded if name not in known]
    if unknown:
        raise MigrationError(
            f"The database was migrated by a newer version (unknown migrations: {', '.join(unknown)})"
        )
    applied = []
    for migration in migrations:
        with atomic(db):
            done = db.execute(
                "SELECT 1 FROM _migrations WHERE name = ?", [migration.name]
            ).fetchone()
            if done:
                continue
            migration.apply(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, datetime('now'))",
                [migration.name],
            )
        applied.append(migration.name)
    return applied


class _TransactionState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.depth = 0


_states: weakref.WeakKeyDictionary[sqlite_utils.Database, _TransactionState] = (
    weakref.WeakKeyDictionary()
)
_states_lock = threading.Lock()


def _state(db: sqlite_utils.Database) -> _TransactionState:
    with _states_lock:
        state = _states.get(db)
        if state is None:
            state = _states[db] = _TransactionState()
        return state


@contextmanager
def atomic(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run the block as one write transaction: all of it commits, or none of it on an exception.

    Nested blocks join the outer transaction. Threads sharing ``db`` take turns; other
    connections wait for the write lock (``BEGIN IMMEDIATE``), so a read-then-write inside the
    block cannot race another writer.
    """
    state = _state(db)
    with state.lock:
        if state.depth:
            state.depth += 1
            try:
                yield db
            finally:
                state.depth -= 1
            return
        db.conn.execute("BEGIN IMMEDIATE")
        state.depth = 1
        try:
            yield db
        except BaseException:
            db.conn.rollback()
            raise
        else:
            db.conn.commit()
        finally:
            state.depth = 0
