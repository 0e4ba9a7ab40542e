"""Where Co-op statuses go: channels linked to a group, and each person's default group.

A :class:`CoopLink` ties one Slack channel to one Co-op group, through the person who linked it:
the mirror reads the group with that person's Harvest credentials, so a channel only ever shows
what its linker may read. ``since`` is the group's newest status when the link was made: the
channel receives what comes after it, not the group's history. A :class:`DefaultGroup` is where
``/harvest status`` posts for a person outside a linked channel.

Group names are kept only to write messages without asking Co-op; Co-op has the last word.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from storage.coop_cursors import StatusMark
from storage.db import atomic
from storage.timestamps import from_db, to_db


@dataclass(frozen=True)
class CoopLink:
    """One channel showing one Co-op group's statuses, as read by ``user_id``."""

    team_id: str
    channel_id: str
    group_id: int
    group_name: str
    user_id: str
    linked_at: datetime
    group_timezone: str | None = None
    since: StatusMark | None = None


@dataclass(frozen=True)
class DefaultGroup:
    """Where a person's ``/harvest status`` goes outside a linked channel."""

    team_id: str
    user_id: str
    group_id: int
    group_name: str


_LINK_COLUMNS = (
    "team_id, channel_id, group_id, group_name, user_id, linked_at, group_timezone, "
    "since_created_at, since_kind, since_id"
)


def _link(row: tuple[Any, ...]) -> CoopLink:
    since = StatusMark(from_db(row[7]), row[8], row[9]) if row[7] is not None else None
    return CoopLink(row[0], row[1], row[2], row[3], row[4], from_db(row[5]), row[6], since)


class CoopLinks:
    """The repository of channel links, one group per channel."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def link(self, link: CoopLink) -> CoopLink | None:
        """Store ``link``, replacing the channel's earlier one, which is returned (or None)."""
        since = link.since
        with atomic(self._db) as db:
            before = self.get(link.team_id, link.channel_id)
            db.execute(
                f"INSERT OR REPLACE INTO coop_links ({_LINK_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [link.team_id, link.channel_id, link.group_id, link.group_name, link.user_id,
                 to_db(link.linked_at), link.group_timezone,
                 to_db(since.created_at) if since else None, since.kind if since else None,
                 since.status_id if since else None],
            )
        return before

    def get(self, team_id: str, channel_id: str) -> CoopLink | None:
        """The channel's link, or None."""
        with atomic(self._db) as db:
            row = db.execute(
                f"SELECT {_LINK_COLUMNS} FROM coop_links WHERE team_id = ? AND channel_id = ?",
                [team_id, channel_id],
            ).fetchone()
        return _link(row) if row else None

    def unlink(self, team_id: str, channel_id: str) -> CoopLink | None:
        """Remove the channel's link; the link removed, or None."""
        with atomic(self._db) as db:
            rows = db.execute(
                f"DELETE FROM coop_links WHERE team_id = ? AND channel_id = ? "
                f"RETURNING {_LINK_COLUMNS}",
                [team_id, channel_id],
            ).fetchall()
        return _link(rows[0]) if rows else None

    def for_group(self, team_id: str, group_id: int) -> list[CoopLink]:
        """The channels showing a group, oldest link first."""
        with atomic(self._db) as db:
            rows = db.execute(
                f"SELECT {_LINK_COLUMNS} FROM coop_links WHERE team_id = ? AND group_id = ? "
                "ORDER BY linked_at, channel_id",
                [team_id, group_id],
            ).fetchall()
        return [_link(row) for row in rows]

    def by_person(self, team_id: str, user_id: str) -> list[CoopLink]:
        """The links a person made."""
        with atomic(self._db) as db:
            rows = db.execute(
                f"SELECT {_LINK_COLUMNS} FROM coop_links WHERE team_id = ? AND user_id = ? "
                "ORDER BY linked_at, channel_id",
                [team_id, user_id],
            ).fetchall()
        return [_link(row) for row in rows]

    def groups(self) -> list[tuple[str, int]]:
        """Every linked ``(team_id, group_id)``, in a stable order: what the mirror polls."""
        with atomic(self._db) as db:
            rows = db.execute(
                "SELECT DISTINCT team_id, group_id FROM coop_links ORDER BY team_id, group_id"
            ).fetchall()
        return [(team_id, group_id) for team_id, group_id in rows]

    def rename_group(self, team_id: str, group_id: int, name: str) -> None:
        """Keep the stored name in step after a rename."""
        with atomic(self._db) as db:
            db.execute("UPDATE coop_links SET group_name = ? WHERE team_id = ? AND group_id = ?",
                       [name, team_id, group_id])

    def unlink_group(self, team_id: str, group_id: int) -> list[CoopLink]:
        """Remove every link to a group (it was deleted); the links removed."""
        with atomic(self._db) as db:
            rows = db.execute(
                f"DELETE FROM coop_links WHERE team_id = ? AND group_id = ? "
                f"RETURNING {_LINK_COLUMNS}",
                [team_id, group_id],
            ).fetchall()
        return [_link(row) for row in rows]

    def clear_team(self, team_id: str) -> int:
        """Forget every link of a workspace (the app was uninstalled); how many."""
        with atomic(self._db) as db:
            return db.execute("DELETE FROM coop_links WHERE team_id = ?", [team_id]).rowcount


class CoopDefaults:
    """The repository of people's default groups."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def set(self, default: DefaultGroup) -> None:
        """Make ``default`` the person's default group, replacing the earlier one."""
        with atomic(self._db) as db:
            db.execute(
                "INSERT OR REPLACE INTO coop_defaults (team_id, user_id, group_id, group_name) "
                "VALUES (?, ?, ?, ?)",
                [default.team_id, default.user_id, default.group_id, default.group_name],
            )

    def get(self, team_id: str, user_id: str) -> DefaultGroup | None:
        """The person's default group, or None."""
        with atomic(self._db) as db:
            row = db.execute(
                "SELECT team_id, user_id, group_id, group_name FROM coop_defaults "
                "WHERE team_id = ? AND user_id = ?",
                [team_id, user_id],
            ).fetchone()
        return DefaultGroup(*row) if row else None

    def clear(self, team_id: str, user_id: str) -> bool:
        """Forget the person's default; whether there was one."""
        with atomic(self._db) as db:
            return db.execute("DELETE FROM coop_defaults WHERE team_id = ? AND user_id = ?",
                              [team_id, user_id]).rowcount > 0

    def rename_group(self, team_id: str, group_id: int, name: str) -> None:
        with atomic(self._db) as db:
            db.execute(
                "UPDATE coop_defaults SET group_name = ? WHERE team_id = ? AND group_id = ?",
                [name, team_id, group_id])

    def clear_group(self, team_id: str, group_id: int) -> int:
        """Forget a group as anyone's default (it was deleted); how many."""
        with atomic(self._db) as db:
            return db.execute("DELETE FROM coop_defaults WHERE team_id = ? AND group_id = ?",
                              [team_id, group_id]).rowcount


def create_tables(db: sqlite_utils.Database) -> None:
    """The schema of this module (migration ``0002_coop_links``)."""
    db.execute(
        """
        CREATE TABLE coop_links (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            group_id INTEGER NOT NULL,
            group_name TEXT NOT NULL,
            user_id TEXT NOT NULL,
            linked_at TEXT NOT NULL,
            group_timezone TEXT,
            since_created_at TEXT,
            since_kind TEXT,
            since_id INTEGER,
            PRIMARY KEY (team_id, channel_id)
        )
        """
    )
    db.execute("CREATE INDEX coop_links_by_group ON coop_links (team_id, group_id)")
    db.execute(
        """
        CREATE TABLE coop_defaults (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            group_id INTEGER NOT NULL,
            group_name TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        )
        """
    )
