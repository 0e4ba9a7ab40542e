import threading
from pathlib import Path

import pytest
import sqlite_utils

from storage.db import MIGRATIONS, Migration, atomic, migrate, open_db
from storage.errors import MigrationError


def test_open_db_sets_wal_busy_timeout_and_foreign_keys(
    db: sqlite_utils.Database,
) -> None:
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_open_db_applies_every_migration_once(db_path: Path) -> None:
    first = open_db(db_path)
    names = [
        row[0] for row in first.execute("SELECT name FROM _migrations ORDER BY rowid")
    ]
    assert names == [m.name for m in MIGRATIONS]
    assert {"linked_accounts", "outbox", "seen_events", "slack_installations"} <= set(
        first.table_names()
    )
    first.conn.close()

    again = open_db(db_path)
    assert migrate(again) == []
    again.conn.close()


def test_a_new_migration_is_applied_on_the_next_open(db_path: Path) -> None:
    open_db(db_path).conn.close()

    def add_column(db: sqlite_utils.Database) -> None:
        db.execute("ALTER TABLE seen_events ADD COLUMN source TEXT")

    later = (*MIGRATIONS, Migration("0099_seen_events_source", add_column))
    db = open_db(db_path, migrations=later)
    assert "source" in db["seen_events"].columns_dict
    assert migrate(db, later) == []
    db.conn.close()


def test_a_failing_migration_leaves_nothing_behind(db_path: Path) -> None:
    def half_done(db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        open_db(db_path, migrations=(*MIGRATIONS, Migration("0099_half", half_done)))
    db = open_db(db_path)
    assert "half" not in db.table_names()
    assert db.execute("SELECT count(*) FROM _migrations").fetchone()[0] == len(
        MIGRATIONS
    )
    db.conn.close()


def test_a_database_from_a_newer_bot_is_refused(db_path: Path) -> None:
    db = open_db(db_path)
    db.execute(
        "INSERT INTO _migrations VALUES ('0999_from_the_future', datetime('now'))"
    )
    db.conn.close()
    with pytest.raises(MigrationError, match="0999_from_the_future"):
        open_db(db_path)


def test_atomic_rolls_back_the_whole_block(db: sqlite_utils.Database) -> None:
    with pytest.raises(RuntimeError), atomic(db):
        db.execute("INSERT INTO seen_events VALUES ('a', 'x')")
        with atomic(db):  # nested: joins the outer transaction
            db.execute("INSERT INTO seen_events VALUES ('b', 'x')")
        raise RuntimeError("abandon")
    assert db.execute("SELECT count(*) FROM seen_events").fetchone()[0] == 0


def _bump(db: sqlite_utils.Database, times: int) -> None:
    for _ in range(times):
        with atomic(db):
            (value,) = db.execute("SELECT value FROM channel_settings").fetchone()
            db.execute("UPDATE channel_settings SET value = ?", [str(int(value) + 1)])


@pytest.mark.parametrize(
    "shared", [True, False], ids=["shared-connection", "own-connections"]
)
def test_read_modify_write_in_atomic_loses_no_update(
    db_path: Path, shared: bool
) -> None:
    db = open_db(db_path)
    db.execute("INSERT INTO channel_settings VALUES ('T', 'C', 'n', '0')")
    connections = [db if shared else open_db(db_path) for _ in range(6)]
    threads = [threading.Thread(target=_bump, args=(conn, 50)) for conn in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert db.execute("SELECT value FROM channel_settings").fetchone()[0] == "300"
    for conn in {id(c): c for c in connections}.values():
        conn.conn.close()


def test_in_memory_databases_work_for_quick_tests() -> None:
    db = open_db(":memory:")
    assert set(db.table_names()) >= {"_migrations", "outbox", "seen_events"}
    with atomic(db):
        db.execute("INSERT INTO seen_events VALUES ('k', 'x')")
    assert db.execute("SELECT count(*) FROM seen_events").fetchone()[0] == 1
    db.conn.close()


def test_a_plain_sqlite_utils_database_can_be_migrated() -> None:
    db = sqlite_utils.Database(memory=True)
    assert migrate(db) == [m.name for m in MIGRATIONS]
    with pytest.raises(RuntimeError), atomic(db):
        db.execute("INSERT INTO seen_events VALUES ('k', 'x')")
        raise RuntimeError("abandon")
    assert db.execute("SELECT count(*) FROM seen_events").fetchone()[0] == 0
