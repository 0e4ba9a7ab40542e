import threading
from datetime import timedelta
from pathlib import Path

import sqlite_utils

from storage.db import open_db
from storage.events import SeenEvents

from .conftest import NOW


def test_a_key_is_new_once_until_it_expires(db: sqlite_utils.Database) -> None:
    seen = SeenEvents(db)
    ttl = timedelta(minutes=10)
    assert seen.first_time("Ev1", now=NOW, ttl=ttl) is True
    assert seen.first_time("Ev1", now=NOW + timedelta(minutes=9), ttl=ttl) is False
    assert seen.first_time("Ev2", now=NOW, ttl=ttl) is True
    assert seen.first_time("Ev1", now=NOW + timedelta(minutes=10), ttl=ttl) is True


def test_a_repeat_does_not_extend_the_expiry(db: sqlite_utils.Database) -> None:
    seen = SeenEvents(db)
    ttl = timedelta(minutes=10)
    seen.first_time("Ev1", now=NOW, ttl=ttl)
    seen.first_time("Ev1", now=NOW + timedelta(minutes=9), ttl=ttl)
    assert seen.first_time("Ev1", now=NOW + timedelta(minutes=11), ttl=ttl) is True


def test_purge_forgets_only_expired_keys(db: sqlite_utils.Database) -> None:
    seen = SeenEvents(db)
    seen.first_time("old", now=NOW, ttl=timedelta(minutes=1))
    seen.first_time("fresh", now=NOW, ttl=timedelta(hours=1))
    assert seen.purge(NOW + timedelta(minutes=5)) == 1
    assert seen.first_time("fresh", now=NOW + timedelta(minutes=5)) is False


def test_racing_deliveries_of_one_event_yield_one_winner(db_path: Path) -> None:
    databases = [open_db(db_path) for _ in range(8)]
    results: list[bool] = []
    barrier = threading.Barrier(len(databases))

    def deliver(database: sqlite_utils.Database) -> None:
        barrier.wait()
        results.append(SeenEvents(database).first_time("Ev-race", now=NOW))

    threads = [threading.Thread(target=deliver, args=(d,)) for d in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    for database in databases:
        database.conn.close()
