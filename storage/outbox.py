"""The durable outbox of Harvest writes that could not be made at once.

A write the person asked for while Harvest was down or throttling is enqueued here and retried
by a worker until it lands or fails for good. The life of an item::

    enqueue ─► pending ─claim_due─► (leased) ─┬─ mark_done ──► done
                  ▲                           ├─ mark_failed ► failed
                  └──────── reschedule ◄──────┘
                  └──────── lease expires (worker died) ◄──┘

There is no "running" status: :meth:`Outbox.claim_due` leases an item by moving its
``next_attempt_at`` past the lease, so no other worker sees it as due until the lease runs out,
and an item whose worker died is simply retried. Each claim counts one attempt.

The person is owed a notice of how their write went. That debt is kept here too, so that
neither Slack refusing the DM many times over nor the process dying right after the write
landed loses it: a closed item with no ``told_at`` is an owed notice, due at its
``next_attempt_at`` (set to the closing time), leased by :meth:`Outbox.claim_notices` the same
way, and settled by :meth:`Outbox.mark_told`::

    done/failed ─claim_notices─► (leased) ─┬─ mark_told ───► told
         ▲                                 │
         └──────── notice_later ◄──────────┘   (and when the lease expires)

A claim records when the attempt began (``notice_tried_at``); ``notice_later`` clears it. So a
claim that finds it still set knows the previous attempt never reached a verdict: its process
died, maybe after Slack took the DM. :class:`OwedNotice` hands that moment on (``in_doubt_since``)
for the caller to look in the DM's history before sending again.

The payload and ``last_error`` are stored in clear: put ids and values in them, never a
credential, and make ``last_error`` a message safe to show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlite_utils

from storage.db import atomic
from storage.errors import NotFoundError, OutboxClosedError
from storage.timestamps import from_db, to_db


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class OutboxItem:
    """One Harvest write waiting to land (or that landed, or gave up)."""

    id: int
    idempotency_key: str
    team_id: str
    user_id: str
    operation: str
    payload: dict[str, Any]
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    result: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    told_at: datetime | None = None
    notice_attempts: int = 0


@dataclass(frozen=True)
class OwedNotice:
    """A notice claimed by :meth:`Outbox.claim_notices`: its item, and when an attempt whose
    outcome nobody recorded began (None: no earlier attempt is in doubt)."""

    item: OutboxItem
    in_doubt_since: datetime | None


_COLUMNS = (
    "id, idempotency_key, team_id, user_id, operation, payload, status, attempts, "
    "next_attempt_at, last_error, result, created_at, updated_at, told_at, notice_attempts"
)


def add_notice_columns(db: sqlite_utils.Database) -> None:
    """Migration 0005: the owed notices. Items closed before it count as told: whether their
    notice reached Slack is not known, and telling someone about an old write again is worse."""
    db.execute("ALTER TABLE outbox ADD COLUMN told_at TEXT")
    db.execute("ALTER TABLE outbox ADD COLUMN notice_attempts INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE outbox ADD COLUMN notice_tried_at TEXT")
    db.execute("UPDATE outbox SET told_at = updated_at WHERE status != 'pending'")


def _from_row(row: tuple[Any, ...]) -> OutboxItem:
    return OutboxItem(
        id=row[0],
        idempotency_key=row[1],
        team_id=row[2],
        user_id=row[3],
        operation=row[4],
        payload=json.loads(row[5]),
        status=OutboxStatus(row[6]),
        attempts=row[7],
        next_attempt_at=from_db(row[8]),
        last_error=row[9],
        result=json.loads(row[10]) if row[10] is not None else None,
        created_at=from_db(row[11]),
        updated_at=from_db(row[12]),
        told_at=from_db(row[13]) if row[13] is not None else None,
        notice_attempts=row[14],
    )


class Outbox:
    """The repository of :class:`OutboxItem`; every method takes ``now`` rather than reading a clock."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def enqueue(
        self,
        *,
        idempotency_key: str,
        team_id: str,
        user_id: str,
        operation: str,
        payload: dict[str, Any],
        now: datetime,
    ) -> tuple[OutboxItem, bool]:
        """Add a write, due now, unless one with the same key exists.

        Returns the item and whether it is new: a retried Slack request (same key) gets the
        first item back and must not be told twice.
        """
        with atomic(self._db) as db:
            cursor = db.execute(
                "INSERT INTO outbox (idempotency_key, team_id, user_id, operation, payload, status, "
                "attempts, next_attempt_at, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) "
                "ON CONFLICT (idempotency_key) DO NOTHING",
                [
                    idempotency_key,
                    team_id,
                    user_id,
                    operation,
                    json.dumps(payload),
                    to_db(now),
                    to_db(now),
                    to_db(now),
                ],
            )
            created = cursor.rowcount > 0
            item = self.by_key(idempotency_key)
        if item is None:  # cannot happen inside one transaction; keeps the type honest
            raise NotFoundError(f"Outbox item {idempotency_key!r} vanished")
        return item, created

    def claim_due(
        self, now: datetime, *, limit: int = 10, lease: timedelta = timedelta(minutes=2)
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` pending items whose time has come, oldest due first.

        Each claimed item counts one more attempt and is not due again until ``now + lease``.
        Two workers, threads or processes, never claim the same item within a lease.
        """
        with atomic(self._db) as db:
            rows = db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, updated_at = ? "
                "WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? "
                "ORDER BY next_attempt_at, id LIMIT ?) "
                f"RETURNING {_COLUMNS}",
                [to_db(now + lease), to_db(now), to_db(now), limit],
            ).fetchall()
        return sorted(
            (_from_row(row) for row in rows), key=lambda i: (i.created_at, i.id)
        )

    def mark_done(
        self, item_id: int, result: dict[str, Any], now: datetime
    ) -> OutboxItem:
        """Record that the write landed, with what Harvest answered.

        :raises NotFoundError: no such item.
        :raises OutboxClosedError: the item is already done or failed.
        """
        return self._close(item_id, OutboxStatus.DONE, now, result=result, error=None)

    def mark_failed(self, item_id: int, error: str, now: datetime) -> OutboxItem:
        """Give up on the write for good (Harvest refused it); ``error`` is shown to the person.

        :raises NotFoundError: no such item.
        :raises OutboxClosedError: the item is already done or failed.
        """
        return self._close(item_id, OutboxStatus.FAILED, now, result=None, error=error)

    def claim_notices(
        self, now: datetime, *, limit: int = 10, lease: timedelta = timedelta(minutes=2)
    ) -> list[OwedNotice]:
        """Lease up to ``limit`` owed notices whose time has come, oldest first, as
        :meth:`claim_due` leases writes: not due again until ``now + lease``."""
        with atomic(self._db) as db:
            due = db.execute(
                "SELECT id, notice_tried_at FROM outbox WHERE status IN ('done', 'failed') "
                "AND told_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
                [to_db(now), limit],
            ).fetchall()
            if not due:
                return []
            rows = db.execute(
                "UPDATE outbox SET notice_attempts = notice_attempts + 1, next_attempt_at = ?, "
                f"notice_tried_at = ? WHERE id IN ({', '.join('?' * len(due))}) "
                f"RETURNING {_COLUMNS}",
                [to_db(now + lease), to_db(now), *(row[0] for row in due)],
            ).fetchall()
        tried = {row[0]: from_db(row[1]) if row[1] is not None else None for row in due}
        items = sorted((_from_row(row) for row in rows), key=lambda i: (i.updated_at, i.id))
        return [OwedNotice(item, tried[item.id]) for item in items]

    def mark_told(self, item_id: int, now: datetime) -> None:
        """The person has been told how the write went (or never can be)."""
        with atomic(self._db) as db:
            db.execute("UPDATE outbox SET told_at = ? WHERE id = ? AND told_at IS NULL",
                       [to_db(now), item_id])

    def notice_later(self, item_id: int, at: datetime) -> None:
        """Slack did not take the notice: try again at ``at``."""
        with atomic(self._db) as db:
            db.execute("UPDATE outbox SET next_attempt_at = ?, notice_tried_at = NULL "
                       "WHERE id = ? AND told_at IS NULL", [to_db(at), item_id])

    def reschedule(
        self, item_id: int, *, at: datetime, error: str, now: datetime
    ) -> OutboxItem:
        """Try again at ``at`` after a transient failure (Harvest down, throttled).

        :raises NotFoundError: no such item.
        :raises OutboxClosedError: the item is already done or failed.
        """
        with atomic(self._db) as db:
            self._require_pending(item_id)
            db.execute(
                "UPDATE outbox SET next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?",
                [to_db(at), error, to_db(now), item_id],
            )
            return self._get(item_id)

    def get(self, item_id: int) -> OutboxItem:
        """The item with this id.

        :raises NotFoundError: no such item.
        """
        with atomic(self._db):
            return self._get(item_id)

    def by_key(self, idempotency_key: str) -> OutboxItem | None:
        """The item enqueued under this idempotency key, if any."""
        with atomic(self._db) as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE idempotency_key = ?",
                [idempotency_key],
            ).fetchone()
        return _from_row(row) if row else None

    def for_user(
        self,
        team_id: str,
        user_id: str,
        status: OutboxStatus | None = OutboxStatus.PENDING,
    ) -> list[OutboxItem]:
        """A person's items (pending ones by default), oldest first: "2 writes still pending"."""
        query = f"SELECT {_COLUMNS} FROM outbox WHERE team_id = ? AND user_id = ?"
        params: list[Any] = [team_id, user_id]
        if status is not None:
            query += " AND status = ?"
            params.append(status.value)
        with atomic(self._db) as db:
            rows = db.execute(query + " ORDER BY created_at, id", params).fetchall()
        return [_from_row(row) for row in rows]

    def _get(self, item_id: int) -> OutboxItem:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", [item_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"No outbox item {item_id}")
        return _from_row(row)

    def _require_pending(self, item_id: int) -> None:
        item = self._get(item_id)
        if item.status is not OutboxStatus.PENDING:
            raise OutboxClosedError(f"Outbox item {item_id} is already {item.status}")

    def _close(
        self,
        item_id: int,
        status: OutboxStatus,
        now: datetime,
        *,
        result: dict[str, Any] | None,
        error: str | None,
    ) -> OutboxItem:
        with atomic(self._db) as db:
            self._require_pending(item_id)
            # The notice is due at once: ``next_attempt_at`` now times the notice.
            db.execute(
                "UPDATE outbox SET status = ?, result = ?, last_error = COALESCE(?, last_error), "
                "updated_at = ?, next_attempt_at = ? WHERE id = ?",
                [
                    status.value,
                    json.dumps(result) if result is not None else None,
                    error,
                    to_db(now),
                    to_db(now),
                    item_id,
                ],
            )
            return self._get(item_id)
