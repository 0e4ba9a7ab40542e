"""The order of a Co-op group's statuses and which are new since a cursor. Pure functions.

Co-op lists a group's statuses newest first and names no order beyond "most recent". The bot
orders them by :func:`order_key`: ``created_at``, then DayEntries before Notes, then the id (the
emulator's order, and at equal times the only one that is stable). Timestamps on the wire have
whole seconds, so statuses of the same second are ordered by kind and id, not by the instant
they were made. Hence the rules:

- *new* (:func:`new_since`): after the cursor, **or created in the cursor's own second** (a
  DayEntry made later in that second sorts before a Note seen in it). Those seen already are
  recognised by the sent-log, never by order alone.
- *catch up* (:func:`needs_catch_up`): the recent call returns the newest 50 only. When all 50
  are in or after the cursor's second, more may be missing: the by-day call then gives every
  status of each day from the cursor's to the oldest of those 50 (:func:`catch_up_days`), in
  the group's time zone, as Co-op splits days. At most :data:`MAX_CATCH_UP_DAYS` days, newest kept:
  a bot switched off for months does not flood a channel with a season of statuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.harvest.models import Status
from storage.coop_cursors import StatusMark

#: "Show most recent 50 statuses for a given group".
RECENT_LIMIT = 50
MAX_CATCH_UP_DAYS = 31
#: A cursor kind that sorts before any status of its second: "nothing of this second seen yet".
FLOOR_KIND = ""
_KIND_RANK = {FLOOR_KIND: -1, "DayEntry": 0, "Note": 1}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

OrderKey = tuple[datetime, int, int]


def mark_of(status: Status) -> StatusMark:
    """Where ``status`` stands in its stream (a status without ``created_at`` is oldest)."""
    return StatusMark(status.created_at or _EPOCH, status.kind, status.id)


def order_key(mark: StatusMark) -> OrderKey:
    return (mark.created_at, _KIND_RANK.get(mark.kind, 2), mark.status_id)


def status_key(status: Status) -> tuple[str, int]:
    """What identifies a status within its group: ids of Notes and DayEntries may collide."""
    return (status.kind, status.id)


def floor_mark(created_at: datetime | None) -> StatusMark:
    """A cursor before everything created at or after ``created_at`` (for a group that had no
    status yet when it was linked: its own creation time, else the epoch)."""
    return StatusMark(created_at or _EPOCH, FLOOR_KIND, 0)


def in_order(statuses: Iterable[Status]) -> list[Status]:
    """Oldest first, each status once (the same one may come from two calls)."""
    unique = {status_key(s): s for s in statuses}
    return sorted(unique.values(), key=lambda s: order_key(mark_of(s)))


def newest(statuses: Sequence[Status]) -> StatusMark | None:
    """The mark of the newest status, or None for none."""
    return max((mark_of(s) for s in statuses), key=order_key, default=None)


def is_after(mark: StatusMark, cursor: StatusMark) -> bool:
    return order_key(mark) > order_key(cursor)


def new_since(statuses: Iterable[Status], cursor: StatusMark) -> list[Status]:
    """Oldest first: those after ``cursor``, and those of its own second (see the module)."""
    return [s for s in in_order(statuses)
            if is_after(mark_of(s), cursor) or mark_of(s).created_at == cursor.created_at]


def needs_catch_up(recent: Sequence[Status], cursor: StatusMark) -> bool:
    """Whether the newest 50 may not reach back to ``cursor``."""
    if len(recent) < RECENT_LIMIT:
        return False
    oldest = min(mark_of(s).created_at for s in recent)
    return oldest >= cursor.created_at


def catch_up_days(cursor: StatusMark, recent: Sequence[Status], zone: ZoneInfo) -> list[date]:
    """The days to ask for, oldest first, in the group's zone: from the cursor's to the oldest
    recent status's (the recent 50 cover the rest), at most :data:`MAX_CATCH_UP_DAYS`."""
    oldest = min((mark_of(s).created_at for s in recent), default=cursor.created_at)
    first = cursor.created_at.astimezone(zone).date()
    last = max(oldest.astimezone(zone).date(), first)
    first = max(first, last - timedelta(days=MAX_CATCH_UP_DAYS - 1))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def wanted_by(statuses: Sequence[Status], since: StatusMark | None,
              sent: set[tuple[str, int]]) -> frozenset[tuple[str, int]]:
    """Which of ``statuses`` a channel still needs: those after its link's ``since`` mark, not
    in its sent-log."""
    return frozenset(
        status_key(s) for s in statuses
        if (since is None or is_after(mark_of(s), since)) and status_key(s) not in sent
    )
