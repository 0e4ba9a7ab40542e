"""How far each Co-op group has been mirrored into Slack: a cursor per group, a sent-log per channel.

A status is marked by ``(created_at, kind, status_id)`` (:class:`StatusMark`): Co-op's ids of
Notes and DayEntries may collide, so the kind is part of the key. The *cursor* is the mark of the
last status every linked channel of the group has received; the *sent-log* records each message
posted, per channel, so that a status seen again (after a crash between posting and moving the
cursor, or at the cursor's own second) is never posted twice. Which mark comes after which is
the service's rule (:mod:`bot.coop_stream`), not this module's.

An *attempt* is written just before a status is posted to a channel and removed with Slack's
answer (recorded in the sent-log, or refused). One left behind (the process died waiting, the
connection dropped) is a post *in doubt*: Slack may or may not have made it. The mirror looks
for it in the channel's history before posting it again (``bot.coop_poster``); ``checked_at``
is when that last failed, so that the look is not repeated at every round.

Cursors and sent-logs are per Slack team: two workspaces mirroring one group keep their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from storage.db import atomic
from storage.timestamps import from_db, to_db


@dataclass(frozen=True)
class StatusMark:
    """Where a Co-op status stands in its group's stream."""

    created_at: datetime
    kind: str
    status_id: int


@dataclass(frozen=True)
class SentStatus:
    """One status posted into one channel, and the Slack message that shows it."""

    team_id: str
    channel_id: str
    group_id: int
    mark: StatusMark
    message_ts: str | None
    sent_at: datetime


@dataclass(frozen=True)
class Attempt:
    """A post of one status to one channel that began and has had no answer (yet)."""

    team_id: str
    channel_id: str
    group_id: int
    mark: StatusMark
    attempted_at: datetime
    checked_at: datetime | None = None


class CoopCursors:
    """The repository of group cursors and the channels' sent-logs."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    # -- cursors ------------------------------------------------------------------------------

    def get(self, team_id: str, group_id: int) -> StatusMark | None:
        """The group's cursor, or None when it has none (never linked, or unlinked since)."""
        with atomic(self._db) as db:
            row = db.execute(
                "SELECT created_at, kind, status_id FROM coop_cursors "
                "WHERE team_id = ? AND group_id = ?",
                [team_id, group_id],
            ).fetchone()
        return StatusMark(from_db(row[0]), row[1], row[2]) if row else None

    def put(self, team_id: str, group_id: int, mark: StatusMark, *, at: datetime) -> None:
        """Set the group's cursor to ``mark`` (the caller decides that it moves forward)."""
        with atomic(self._db) as db:
            db.execute(
                "INSERT INTO coop_cursors (team_id, group_id, created_at, kind, status_id, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (team_id, group_id) DO UPDATE "
                "SET created_at = excluded.created_at, kind = excluded.kind, "
                "status_id = excluded.status_id, updated_at = excluded.updated_at",
                [team_id, group_id, to_db(mark.created_at), mark.kind, mark.status_id, to_db(at)],
            )

    def forget_group(self, team_id: str, group_id: int) -> None:
        """Drop the group's cursor and every channel's sent-log of it (its last link is gone)."""
        with atomic(self._db) as db:
            db.execute("DELETE FROM coop_cursors WHERE team_id = ? AND group_id = ?",
                       [team_id, group_id])
            db.execute("DELETE FROM coop_sent WHERE team_id = ? AND group_id = ?",
                       [team_id, group_id])
            db.execute("DELETE FROM coop_attempts WHERE team_id = ? AND group_id = ?",
                       [team_id, group_id])

    # -- the sent-log -------------------------------------------------------------------------

    def record_sent(self, sent: SentStatus) -> bool:
        """Remember that ``sent.mark`` was posted to the channel (its attempt is over); False if
        it already was."""
        with atomic(self._db) as db:
            _end(db, sent.team_id, sent.channel_id, sent.group_id, sent.mark)
            cursor = db.execute(
                "INSERT OR IGNORE INTO coop_sent (team_id, channel_id, group_id, kind, status_id, "
                "created_at, message_ts, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [sent.team_id, sent.channel_id, sent.group_id, sent.mark.kind,
                 sent.mark.status_id, to_db(sent.mark.created_at), sent.message_ts,
                 to_db(sent.sent_at)],
            )
            return cursor.rowcount > 0

    def sent(self, team_id: str, channel_id: str, group_id: int,
             since: datetime | None = None) -> set[tuple[str, int]]:
        """``(kind, status_id)`` of the statuses posted to the channel, created at or after
        ``since`` when given."""
        query = ("SELECT kind, status_id FROM coop_sent "
                 "WHERE team_id = ? AND channel_id = ? AND group_id = ?")
        params: list[object] = [team_id, channel_id, group_id]
        if since is not None:
            query += " AND created_at >= ?"
            params.append(to_db(since))
        with atomic(self._db) as db:
            rows = db.execute(query, params).fetchall()
        return {(kind, status_id) for kind, status_id in rows}

    def forget_channel(self, team_id: str, channel_id: str) -> None:
        """Drop a channel's sent-log and attempts (it was unlinked)."""
        with atomic(self._db) as db:
            db.execute("DELETE FROM coop_sent WHERE team_id = ? AND channel_id = ?",
                       [team_id, channel_id])
            db.execute("DELETE FROM coop_attempts WHERE team_id = ? AND channel_id = ?",
                       [team_id, channel_id])

    # -- attempts -----------------------------------------------------------------------------

    def begin(self, team_id: str, channel_id: str, group_id: int, mark: StatusMark,
              at: datetime) -> None:
        """A post of ``mark`` to the channel begins now (``at``)."""
        with atomic(self._db) as db:
            db.execute(
                "INSERT OR REPLACE INTO coop_attempts (team_id, channel_id, group_id, kind, "
                "status_id, created_at, attempted_at, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
                "NULL)",
                [team_id, channel_id, group_id, mark.kind, mark.status_id,
                 to_db(mark.created_at), to_db(at)])

    def end(self, team_id: str, channel_id: str, group_id: int, mark: StatusMark) -> None:
        """The post's answer came and it was not made (Slack refused it), or it was looked for
        and is not there: no longer in doubt."""
        with atomic(self._db) as db:
            _end(db, team_id, channel_id, group_id, mark)

    def attempt(self, team_id: str, channel_id: str, group_id: int,
                mark: StatusMark) -> Attempt | None:
        """The post of ``mark`` to the channel still waiting for its answer, if any."""
        with atomic(self._db) as db:
            row = db.execute(
                "SELECT attempted_at, checked_at FROM coop_attempts WHERE team_id = ? AND "
                "channel_id = ? AND group_id = ? AND kind = ? AND status_id = ?",
                [team_id, channel_id, group_id, mark.kind, mark.status_id]).fetchone()
        if row is None:
            return None
        return Attempt(team_id, channel_id, group_id, mark, from_db(row[0]),
                       from_db(row[1]) if row[1] else None)

    def checked(self, attempt: Attempt, at: datetime) -> None:
        """Looking for ``attempt``'s message failed at ``at``: wait before looking again."""
        with atomic(self._db) as db:
            db.execute(
                "UPDATE coop_attempts SET checked_at = ? WHERE team_id = ? AND channel_id = ? "
                "AND group_id = ? AND kind = ? AND status_id = ?",
                [to_db(at), attempt.team_id, attempt.channel_id, attempt.group_id,
                 attempt.mark.kind, attempt.mark.status_id])

    def prune(self, team_id: str, group_id: int, before: datetime) -> int:
        """Forget sent-log rows of statuses created before ``before`` (behind the cursor, so
        never looked at again); how many. Keeps the log small."""
        with atomic(self._db) as db:
            return db.execute(
                "DELETE FROM coop_sent WHERE team_id = ? AND group_id = ? AND created_at < ?",
                [team_id, group_id, to_db(before)],
            ).rowcount


def _end(db: sqlite_utils.Database, team_id: str, channel_id: str, group_id: int,
         mark: StatusMark) -> None:
    db.execute("DELETE FROM coop_attempts WHERE team_id = ? AND channel_id = ? AND group_id = ? "
               "AND kind = ? AND status_id = ?",
               [team_id, channel_id, group_id, mark.kind, mark.status_id])


def create_attempts_table(db: sqlite_utils.Database) -> None:
    """Posts waiting for Slack's answer (migration ``0006_coop_attempts``)."""
    db.execute(
        """
        CREATE TABLE coop_attempts (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            group_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            status_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            attempted_at TEXT NOT NULL,
            checked_at TEXT,
            PRIMARY KEY (team_id, channel_id, group_id, kind, status_id)
        )
        """
    )


def create_tables(db: sqlite_utils.Database) -> None:
    """The schema of this module (migration ``0003_coop_cursors``)."""
    db.execute(
        """
        CREATE TABLE coop_cursors (
            team_id TEXT NOT NULL,
            group_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            kind TEXT NOT NULL,
            status_id INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (team_id, group_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE coop_sent (
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            group_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            status_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            message_ts TEXT,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (team_id, channel_id, group_id, kind, status_id)
        )
        """
    )
    db.execute("CREATE INDEX coop_sent_by_group ON coop_sent (team_id, group_id, created_at)")
