"""Harvest writes that must not be lost: try now, else keep them in the outbox and retry later.

:meth:`Writes.add_entry` makes the write at once. When Harvest is down or throttling
(``Unavailable``, ``Throttled``) the write is enqueued in :class:`storage.outbox.Outbox` and
:class:`Pending` is returned, so the person can be told it is pending. :meth:`Writes.process_due`
(run by the worker in ``bot.runtime``) retries due items and returns what happened to each, so
the caller can tell the person again.

The person is owed a notice when their kept write lands or fails for good. That debt is stored
with the write (``storage.outbox``): :meth:`Writes.owed_notices` hands out the notices due,
:meth:`Writes.told` settles one, :meth:`Writes.tell_later` puts one off after Slack refused it.
So a notice survives both Slack refusing it many times over and the process dying after the
write landed.

Nothing is written twice: an ``Unavailable`` on an add may mean the entry landed and only the
answer was lost, so before each retry the day's entries are searched for one matching the write
(project, task, notes, hours) created after the first attempt; if there is one, that is it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlite_utils

from bot.accounts import AccountError, Accounts, Acting
from bot.harvest.errors import HarvestError, Throttled, Unavailable
from bot.harvest.models import Entry
from bot.slack_history import IN_DOUBT_AFTER
from storage.errors import OutboxClosedError
from storage.outbox import Outbox, OutboxItem, OutboxStatus

log = logging.getLogger(__name__)

ADD_ENTRY = "add_entry"
#: Harvest's clock and ours may differ a little; an entry this much older still counts.
CLOCK_SKEW = timedelta(seconds=5)
#: How long a claimed notice is left to its worker before it is owed again: as long as a post
#: may stay in flight, so that when it comes due again, what the DM's history says is final.
NOTICE_LEASE = IN_DOUBT_AFTER
#: A notice Slack has refused for this long is given up (and logged): "your 10:00 entry landed"
#: a day late tells the person nothing their timesheet does not.
NOTICE_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class Pending:
    """The write is kept and will be retried; ``description`` says what it is, in plain words."""

    item_id: int
    description: str
    is_new: bool = True


@dataclass(frozen=True)
class Outcome:
    """What a retry did: landed (``entry``), gave up (``error``), or will try again (neither)."""

    item: OutboxItem
    description: str
    entry: Entry | None = None
    error: str | None = None


@dataclass(frozen=True)
class Notice:
    """What the person is owed about one kept write: it landed, or ``error`` says why not."""

    item_id: int
    team_id: str
    user_id: str
    description: str
    landed: bool
    error: str | None
    attempts: int
    #: When an earlier attempt began whose outcome nobody recorded (its process died): Slack
    #: may already show it, so the DM's history is read first. None: nothing in doubt.
    in_doubt_since: datetime | None = None


class Writes:
    """The outbox service: the first attempt, the queue, and the retries."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        accounts: Accounts,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        backoff: timedelta = timedelta(seconds=5),
        max_backoff: timedelta = timedelta(minutes=10),
    ) -> None:
        self._outbox = Outbox(db)
        self._accounts = accounts
        self._clock = clock
        self._backoff = backoff
        self._max_backoff = max_backoff

    def add_entry(
        self,
        acting: Acting,
        *,
        project_id: int,
        task_id: int,
        spent_at: date,
        hours: float | None,
        notes: str,
        description: str,
        key: str | None = None,
    ) -> Entry | Pending:
        """Log time (or start a timer, without ``hours``); :class:`Pending` if Harvest is away.

        ``key`` identifies the person's request (a retried Slack request gets the same item).

        :raises HarvestError: other refusals (validation, permissions), nothing kept.
        """
        payload: dict[str, Any] = {
            "project_id": project_id,
            "task_id": task_id,
            "spent_at": spent_at.isoformat(),
            "hours": hours,
            "notes": notes,
            "of_user": acting.of_user,
            "description": description,
            "attempted_at": self._clock().isoformat(),
            "maybe_landed": False,
        }
        try:
            return _add(acting.api, payload)
        except (Unavailable, Throttled) as error:
            payload["maybe_landed"] = isinstance(error, Unavailable)
            item, created = self._outbox.enqueue(
                idempotency_key=key or uuid.uuid4().hex,
                team_id=acting.account.team_id,
                user_id=acting.account.user_id,
                operation=ADD_ENTRY,
                payload=payload,
                now=self._clock(),
            )
            if created:
                self._retry_later(item, error)
            return Pending(item.id, description, created)

    def pending(self, team_id: str, user_id: str) -> list[OutboxItem]:
        """The person's writes still waiting."""
        return self._outbox.for_user(team_id, user_id)

    def process_due(self, *, limit: int = 10) -> list[Outcome]:
        """Retry the writes whose time has come; what happened to each."""
        outcomes = []
        for item in self._outbox.claim_due(self._clock(), limit=limit):
            outcomes.append(self._process(item))
        return outcomes

    def owed_notices(self, *, limit: int = 10) -> list[Notice]:
        """The notices due now, leased to the caller: each must end in :meth:`told` or
        :meth:`tell_later` (or, if the caller dies, comes due again when the lease runs out).
        Notices older than ``NOTICE_MAX_AGE`` are given up here, with a log line."""
        now = self._clock()
        notices = []
        for owed in self._outbox.claim_notices(now, limit=limit, lease=NOTICE_LEASE):
            item = owed.item
            if now - item.updated_at > NOTICE_MAX_AGE:
                log.warning("gave up telling a person about outbox item %s: Slack refused the "
                            "notice for a day", item.id)
                self._outbox.mark_told(item.id, now)
                continue
            notices.append(Notice(
                item.id, item.team_id, item.user_id,
                str(item.payload.get("description", "your time entry")),
                landed=item.status is OutboxStatus.DONE, error=item.last_error,
                attempts=item.notice_attempts, in_doubt_since=owed.in_doubt_since))
        return notices

    def told(self, notice: Notice) -> None:
        """Slack took the notice (or can never take it: the person is gone)."""
        self._outbox.mark_told(notice.item_id, self._clock())

    def tell_later(self, notice: Notice) -> None:
        """Slack did not take the notice: try again after a backoff that grows per attempt."""
        wait = min(self._backoff * (2 ** max(notice.attempts - 1, 0)), self._max_backoff)
        self._outbox.notice_later(notice.item_id, self._clock() + wait)

    def _process(self, item: OutboxItem) -> Outcome:
        description = str(item.payload.get("description", "your time entry"))
        try:
            api = self._accounts.session_for(item.team_id, item.user_id)
            # Any earlier attempt may have landed with its answer lost: look before writing.
            entry = self._landed(api, item.payload)
            if entry is None:
                entry = _add(api, item.payload)
        except (Unavailable, Throttled) as error:
            self._retry_later(item, error)
            return Outcome(item, description)
        except (HarvestError, AccountError) as error:
            message = _plain(error)
            self._close(lambda: self._outbox.mark_failed(item.id, message, self._clock()))
            return Outcome(item, description, error=message)
        self._close(
            lambda: self._outbox.mark_done(item.id, {"entry_id": entry.id}, self._clock())
        )
        return Outcome(item, description, entry=entry)

    def _landed(self, api: Any, payload: dict[str, Any]) -> Entry | None:
        """The entry the first attempt made, if it did (the answer may have been lost)."""
        since = datetime.fromisoformat(payload["attempted_at"]) - CLOCK_SKEW
        day = api.day(date.fromisoformat(payload["spent_at"]), of_user=payload.get("of_user"))
        for entry in day.entries:
            if (
                entry.project_id == payload["project_id"]
                and entry.task_id == payload["task_id"]
                and (entry.notes or "") == (payload.get("notes") or "")
                and (
                    entry.is_running
                    if payload.get("hours") is None
                    else abs(entry.hours - float(payload["hours"])) < 0.01
                )
                and entry.created_at is not None
                and entry.created_at >= since
            ):
                return entry
        return None

    def _retry_later(self, item: OutboxItem, error: HarvestError) -> None:
        now = self._clock()
        wait = self._backoff * (2 ** max(item.attempts - 1, 0))
        if isinstance(error, Throttled) and error.retry_after:
            wait = max(wait, timedelta(seconds=error.retry_after))
        wait = min(wait, self._max_backoff)
        self._close(
            lambda: self._outbox.reschedule(
                item.id, at=now + wait, error=_plain(error), now=now
            )
        )

    @staticmethod
    def _close(step: Callable[[], object]) -> None:
        try:
            step()
        except OutboxClosedError:
            log.info("outbox item already closed by another worker")


def _add(api: Any, payload: dict[str, Any]) -> Entry:
    entry: Entry = api.add_entry(
        int(payload["project_id"]),
        int(payload["task_id"]),
        date.fromisoformat(payload["spent_at"]),
        hours=payload.get("hours"),
        notes=payload.get("notes") or "",
        of_user=payload.get("of_user"),
    )
    return entry


def _plain(error: Exception) -> str:
    """A message safe to store and show: Harvest's own words, never a path or credential."""
    if isinstance(error, HarvestError):
        return error.message
    return str(error) or type(error).__doc__ or "Something went wrong"
