"""Digests: channel subscriptions, personal DM settings, and the record of every digest sent.

The tables here are the one source of truth for schedules; the scheduler is rebuilt from them.

A :class:`DigestSubscription` is one channel's daily or weekly digest, fetched with the Harvest
account of ``owner_user_id``. Its ``scope`` is JSON as resolved when it was set up (ids and the
names shown), so a run needs no lookup by name.

:class:`DigestSends` makes "exactly once" hold across restarts and crashes. A send is keyed by
``(target, period)``, ``target`` being ``sub:<id>`` or ``me:<team>:<user>``, and moves::

    (none) --claim--> claimed --posting--> posting --posted--> posted
       |                 |
       |                 +--release--> (none)       the fetch failed: a later run may retry
       +--skip--> skipped                           missed beyond the grace period

``claimed`` means nothing was sent yet, so a claim older than the lease (its process died) may
be taken over. ``posting`` is written just before the message is sent (``updated_at`` is when the
attempt began): if the process dies then, nobody here can tell whether Slack got it. Such a
record is *in doubt*; once the attempt cannot still be running, :meth:`DigestSends.recheck` lets
one caller at a time (``claimed_at`` is the time of the last check) look for the message in the
channel's history, and record it ``posted`` if it is there, or post it again if not
(``bot.digest_poster``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any, Literal

import sqlite_utils

from storage.db import atomic
from storage.timestamps import from_db, to_db

Kind = Literal["daily", "weekly"]
SendState = Literal["claimed", "posting", "posted", "skipped"]


@dataclass(frozen=True)
class DigestSubscription:
    """One channel's digest. ``days``: weekday numbers (Monday 0); ``week_start`` likewise."""

    team_id: str
    channel_id: str
    kind: Kind
    owner_user_id: str
    at: time
    days: tuple[int, ...]
    timezone: str
    scope: dict[str, Any] = field(default_factory=lambda: {"kind": "all"})
    by_task: bool = False
    mention_missing: bool = False
    week_start: int = 0
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def target(self) -> str:
        """What its sends are recorded under."""
        return f"sub:{self.id}"


@dataclass(frozen=True)
class PersonalDigest:
    """A person's daily DM. A running timer is flagged past ``running_after`` local time or
    after ``max_hours``."""

    team_id: str
    user_id: str
    at: time
    days: tuple[int, ...]
    timezone: str
    running_after: time = time(20, 0)
    max_hours: float = 10.0
    created_at: datetime | None = None

    @property
    def target(self) -> str:
        return f"me:{self.team_id}:{self.user_id}"


@dataclass(frozen=True)
class Send:
    """One digest for one period: where it stands."""

    target: str
    period: str
    state: SendState
    fire_at: datetime
    claimed_at: datetime
    updated_at: datetime
    message_ts: str | None = None
    note: str | None = None


def _days(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def _days_text(days: tuple[int, ...]) -> str:
    return ",".join(str(day) for day in sorted(set(days)))


_SUB_COLUMNS = ("id, team_id, channel_id, kind, owner_user_id, at_time, days, timezone, scope, "
                "by_task, mention_missing, week_start, created_at, updated_at")


def _subscription(row: tuple[Any, ...]) -> DigestSubscription:
    return DigestSubscription(
        id=row[0], team_id=row[1], channel_id=row[2], kind=row[3], owner_user_id=row[4],
        at=time.fromisoformat(row[5]), days=_days(row[6]), timezone=row[7],
        scope=json.loads(row[8]), by_task=bool(row[9]), mention_missing=bool(row[10]),
        week_start=row[11], created_at=from_db(row[12]), updated_at=from_db(row[13]))


class DigestSubscriptions:
    """The repository of channel digests."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def save(self, subscription: DigestSubscription, now: datetime) -> DigestSubscription:
        """Store it, replacing the channel's digest of the same kind (which keeps its id, so
        what that one already sent stays sent)."""
        sub = subscription
        with atomic(self._db) as db:
            db.execute(
                "INSERT INTO digest_subscriptions (team_id, channel_id, kind, owner_user_id, "
                "at_time, days, timezone, scope, by_task, mention_missing, week_start, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (team_id, channel_id, kind) DO UPDATE SET "
                "owner_user_id = excluded.owner_user_id, at_time = excluded.at_time, "
                "days = excluded.days, timezone = excluded.timezone, scope = excluded.scope, "
                "by_task = excluded.by_task, mention_missing = excluded.mention_missing, "
                "week_start = excluded.week_start, updated_at = excluded.updated_at",
                [sub.team_id, sub.channel_id, sub.kind, sub.owner_user_id,
                 sub.at.strftime("%H:%M"), _days_text(sub.days), sub.timezone,
                 json.dumps(sub.scope, sort_keys=True), int(sub.by_task),
                 int(sub.mention_missing), sub.week_start, to_db(now), to_db(now)],
            )
            row = db.execute(
                f"SELECT {_SUB_COLUMNS} FROM digest_subscriptions "
                "WHERE team_id = ? AND channel_id = ? AND kind = ?",
                [sub.team_id, sub.channel_id, sub.kind],
            ).fetchone()
        return _subscription(row)

    def get(self, subscription_id: int) -> DigestSubscription | None:
        with atomic(self._db) as db:
            row = db.execute(f"SELECT {_SUB_COLUMNS} FROM digest_subscriptions WHERE id = ?",
                             [subscription_id]).fetchone()
        return _subscription(row) if row else None

    def for_channel(self, team_id: str, channel_id: str) -> list[DigestSubscription]:
        """The channel's digests, daily first."""
        with atomic(self._db) as db:
            rows = db.execute(
                f"SELECT {_SUB_COLUMNS} FROM digest_subscriptions "
                "WHERE team_id = ? AND channel_id = ? ORDER BY kind", [team_id, channel_id],
            ).fetchall()
        return [_subscription(row) for row in rows]

    def all(self) -> list[DigestSubscription]:
        with atomic(self._db) as db:
            rows = db.execute(f"SELECT {_SUB_COLUMNS} FROM digest_subscriptions ORDER BY id"
                              ).fetchall()
        return [_subscription(row) for row in rows]

    def delete(self, team_id: str, channel_id: str, kind: Kind | None = None) -> int:
        """Remove the channel's digest of ``kind`` (both when None); how many were removed."""
        with atomic(self._db) as db:
            if kind is None:
                cursor = db.execute("DELETE FROM digest_subscriptions WHERE team_id = ? AND "
                                    "channel_id = ?", [team_id, channel_id])
            else:
                cursor = db.execute("DELETE FROM digest_subscriptions WHERE team_id = ? AND "
                                    "channel_id = ? AND kind = ?", [team_id, channel_id, kind])
            return cursor.rowcount

    def clear_team(self, team_id: str) -> int:
        """Forget a workspace's digests (the app was uninstalled)."""
        with atomic(self._db) as db:
            return db.execute("DELETE FROM digest_subscriptions WHERE team_id = ?",
                              [team_id]).rowcount


_ME_COLUMNS = "team_id, user_id, at_time, days, timezone, running_after, max_hours, created_at"


def _personal(row: tuple[Any, ...]) -> PersonalDigest:
    return PersonalDigest(row[0], row[1], time.fromisoformat(row[2]), _days(row[3]), row[4],
                          time.fromisoformat(row[5]), row[6], from_db(row[7]))


class PersonalDigests:
    """The repository of personal daily DMs: one per person."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def save(self, digest: PersonalDigest, now: datetime) -> PersonalDigest:
        with atomic(self._db) as db:
            db.execute(
                "INSERT INTO personal_digests (team_id, user_id, at_time, days, timezone, "
                "running_after, max_hours, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (team_id, user_id) DO UPDATE SET at_time = excluded.at_time, "
                "days = excluded.days, timezone = excluded.timezone, "
                "running_after = excluded.running_after, max_hours = excluded.max_hours",
                [digest.team_id, digest.user_id, digest.at.strftime("%H:%M"),
                 _days_text(digest.days), digest.timezone, digest.running_after.strftime("%H:%M"),
                 digest.max_hours, to_db(now)],
            )
        return replace(digest, created_at=digest.created_at or now)

    def get(self, team_id: str, user_id: str) -> PersonalDigest | None:
        with atomic(self._db) as db:
            row = db.execute(f"SELECT {_ME_COLUMNS} FROM personal_digests WHERE team_id = ? "
                             "AND user_id = ?", [team_id, user_id]).fetchone()
        return _personal(row) if row else None

    def all(self) -> list[PersonalDigest]:
        with atomic(self._db) as db:
            rows = db.execute(f"SELECT {_ME_COLUMNS} FROM personal_digests "
                              "ORDER BY team_id, user_id").fetchall()
        return [_personal(row) for row in rows]

    def delete(self, team_id: str, user_id: str) -> bool:
        with atomic(self._db) as db:
            return db.execute("DELETE FROM personal_digests WHERE team_id = ? AND user_id = ?",
                              [team_id, user_id]).rowcount > 0


_SEND_COLUMNS = "target, period, state, fire_at, claimed_at, updated_at, message_ts, note"


def _send(row: tuple[Any, ...]) -> Send:
    return Send(row[0], row[1], row[2], from_db(row[3]), from_db(row[4]), from_db(row[5]),
                row[6], row[7])


class DigestSends:
    """What was sent for which period; see the module docstring for the states."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def claim(self, target: str, period: str, fire_at: datetime, now: datetime,
              lease: timedelta) -> bool:
        """Take the right to send ``period``'s digest; False when it is sent, being sent, or
        skipped (or claimed less than ``lease`` ago by a run that may still finish)."""
        with atomic(self._db) as db:
            row = db.execute("SELECT state, claimed_at FROM digest_sends WHERE target = ? AND "
                             "period = ?", [target, period]).fetchone()
            if row is None:
                db.execute(
                    f"INSERT INTO digest_sends ({_SEND_COLUMNS}) VALUES (?, ?, 'claimed', ?, ?, "
                    "?, NULL, NULL)", [target, period, to_db(fire_at), to_db(now), to_db(now)])
                return True
            if row[0] == "claimed" and from_db(row[1]) <= now - lease:
                db.execute("UPDATE digest_sends SET claimed_at = ?, updated_at = ?, fire_at = ? "
                           "WHERE target = ? AND period = ?",
                           [to_db(now), to_db(now), to_db(fire_at), target, period])
                return True
            return False

    def release(self, target: str, period: str) -> None:
        """Give a claim back without sending (the fetch failed): a later run may try again."""
        with atomic(self._db) as db:
            db.execute("DELETE FROM digest_sends WHERE target = ? AND period = ? AND "
                       "state = 'claimed'", [target, period])

    def posting(self, target: str, period: str, now: datetime) -> None:
        """About to send: from here on a crash means "maybe sent", never sent again."""
        self._move(target, period, "posting", now)

    def recheck(self, target: str, period: str, now: datetime, after: timedelta) -> Send | None:
        """Take a ``posting`` record whose attempt began, and whose last check was made, at
        least ``after`` before ``now``, to find out whether its message was made; the record as
        it was (``updated_at``: when the attempt began), or None when it is not one (anymore).
        The check's time is written to ``claimed_at``: nobody else checks within ``after``."""
        with atomic(self._db) as db:
            row = db.execute(f"SELECT {_SEND_COLUMNS} FROM digest_sends WHERE target = ? AND "
                             "period = ?", [target, period]).fetchone()
            if row is None:
                return None
            record = _send(row)
            settled = now - after
            if (record.state != "posting" or record.updated_at > settled
                    or record.claimed_at > settled):
                return None
            db.execute("UPDATE digest_sends SET claimed_at = ? WHERE target = ? AND period = ?",
                       [to_db(now), target, period])
            return record

    def posted(self, target: str, period: str, now: datetime, message_ts: str | None,
               note: str | None = None) -> None:
        self._move(target, period, "posted", now, message_ts=message_ts, note=note)

    def _move(self, target: str, period: str, state: SendState, now: datetime,
              **extra: str | None) -> None:
        sets = ", ".join(f"{column} = ?" for column in extra)
        with atomic(self._db) as db:
            db.execute(
                f"UPDATE digest_sends SET state = ?, updated_at = ?{', ' + sets if sets else ''} "
                "WHERE target = ? AND period = ?",
                [state, to_db(now), *extra.values(), target, period])

    def skip(self, target: str, period: str, fire_at: datetime, now: datetime, note: str) -> bool:
        """Record that ``period`` will not be sent (missed beyond the grace period); False if it
        already has a record."""
        with atomic(self._db) as db:
            cursor = db.execute(
                f"INSERT OR IGNORE INTO digest_sends ({_SEND_COLUMNS}) VALUES "
                "(?, ?, 'skipped', ?, ?, ?, NULL, ?)",
                [target, period, to_db(fire_at), to_db(now), to_db(now), note])
            return cursor.rowcount > 0

    def get(self, target: str, period: str) -> Send | None:
        with atomic(self._db) as db:
            row = db.execute(f"SELECT {_SEND_COLUMNS} FROM digest_sends WHERE target = ? AND "
                             "period = ?", [target, period]).fetchone()
        return _send(row) if row else None

    def recent(self, target: str, limit: int = 5) -> list[Send]:
        """The newest records of ``target``, newest first."""
        with atomic(self._db) as db:
            rows = db.execute(f"SELECT {_SEND_COLUMNS} FROM digest_sends WHERE target = ? "
                              "ORDER BY fire_at DESC LIMIT ?", [target, limit]).fetchall()
        return [_send(row) for row in rows]


def create_tables(db: sqlite_utils.Database) -> None:
    """The schema of this module (migration ``0004_digests``)."""
    db.execute(
        """
        CREATE TABLE digest_subscriptions (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('daily', 'weekly')),
            owner_user_id TEXT NOT NULL,
            at_time TEXT NOT NULL,
            days TEXT NOT NULL,
            timezone TEXT NOT NULL,
            scope TEXT NOT NULL,
            by_task INTEGER NOT NULL DEFAULT 0,
            mention_missing INTEGER NOT NULL DEFAULT 0,
            week_start INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (team_id, channel_id, kind)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE personal_digests (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            at_time TEXT NOT NULL,
            days TEXT NOT NULL,
            timezone TEXT NOT NULL,
            running_after TEXT NOT NULL,
            max_hours REAL NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE digest_sends (
            target TEXT NOT NULL,
            period TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('claimed', 'posting', 'posted', 'skipped')),
            fire_at TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            message_ts TEXT,
            note TEXT,
            PRIMARY KEY (target, period)
        )
        """
    )
