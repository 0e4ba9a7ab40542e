"""Per-channel settings: small JSON values under a key, such as a digest schedule or a Co-op group."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from storage.db import atomic


@dataclass(frozen=True)
class ChannelSetting:
    """One key of one channel; ``value`` is whatever JSON the caller stored."""

    team_id: str
    channel_id: str
    key: str
    value: Any


class ChannelSettings:
    """The repository of channel settings."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def set(self, team_id: str, channel_id: str, key: str, value: Any) -> None:
        """Store ``value`` (anything ``json.dumps`` takes), replacing the previous one."""
        with atomic(self._db) as db:
            db.execute(
                "INSERT INTO channel_settings (team_id, channel_id, key, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (team_id, channel_id, key) DO UPDATE SET value = excluded.value",
                [team_id, channel_id, key, json.dumps(value)],
            )

    def get(self, team_id: str, channel_id: str, key: str, default: Any = None) -> Any:
        """The stored value, or ``default`` when the channel has none under ``key``."""
        with atomic(self._db) as db:
            row = db.execute(
                "SELECT value FROM channel_settings WHERE team_id = ? AND channel_id = ? AND key = ?",
                [team_id, channel_id, key],
            ).fetchone()
        return json.loads(row[0]) if row else default

    def delete(self, team_id: str, channel_id: str, key: str) -> bool:
        """Remove one key; returns whether it was there."""
        with atomic(self._db) as db:
            cursor = db.execute(
                "DELETE FROM channel_settings WHERE team_id = ? AND channel_id = ? AND key = ?",
                [team_id, channel_id, key],
            )
            return cursor.rowcount > 0

    def for_channel(self, team_id: str, channel_id: str) -> dict[str, Any]:
        """Every setting of one channel, as a dict."""
        with atomic(self._db) as db:
            rows = db.execute(
                "SELECT key, value FROM channel_settings WHERE team_id = ? AND channel_id = ? "
                "ORDER BY key",
                [team_id, channel_id],
            ).fetchall()
        return {key: json.loads(value) for key, value in rows}

    def with_key(self, key: str) -> list[ChannelSetting]:
        """Every channel that has ``key`` set, for jobs that visit them all (digests, Co-op)."""
        with atomic(self._db) as db:
            rows = db.execute(
                "SELECT team_id, channel_id, key, value FROM channel_settings WHERE key = ? "
                "ORDER BY team_id, channel_id",
                [key],
            ).fetchall()
        return [ChannelSetting(t, c, k, json.loads(v)) for t, c, k, v in rows]

    def clear_team(self, team_id: str) -> int:
        """Forget every channel of a workspace (the app was uninstalled); returns how many rows."""
        with atomic(self._db) as db:
            return db.execute(
                "DELETE FROM channel_settings WHERE team_id = ?", [team_id]
            ).rowcount
