"""Slack deliveries already seen, so a retried event or request is handled once.

Slack retries an event it thinks was not acknowledged (same ``event_id``), and a person may
double-click a button. Each key is remembered until it expires; after that it counts as new
again, which keeps the table small without a separate clean-up being essential.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from storage.db import atomic
from storage.timestamps import to_db

DEFAULT_TTL = timedelta(hours=1)


class SeenEvents:
    """The repository of seen delivery keys (event ids, request dedup keys)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def first_time(
        self, key: str, *, now: datetime, ttl: timedelta = DEFAULT_TTL
    ) -> bool:
        """Remember ``key`` until ``now + ttl``; True if it was not already remembered.

        Atomic: of two deliveries racing with the same key, exactly one gets True.
        """
        with atomic(self._db) as db:
            cursor = db.execute(
                "INSERT INTO seen_events (key, expires_at) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at "
                "WHERE seen_events.expires_at <= ?",
                [key, to_db(now + ttl), to_db(now)],
            )
            return cursor.rowcount > 0

    def purge(self, now: datetime) -> int:
        """Forget the keys that have expired; returns how many."""
        with atomic(self._db) as db:
            return db.execute(
                "DELETE FROM seen_events WHERE expires_at <= ?", [to_db(now)]
            ).rowcount
