"""The order of a Co-op group's statuses and which are new since a cursor. Pure functions.

Co-op lists a group's statuses newest first. Timestamps on the wire have whole seconds, so
the bot orders by ``created_at`` and, within one second, keeps Co-op's own order
(:func:`in_order`). Marks (``created_at``, kind, id) are compared by :func:`order_key` (time,
then DayEntries before Notes, then id: the emulator's order at equal instants) only to move a
cursor forward; which statuses of one second were already handled is never decided by order:

- *new* (:func:`new_since`): created in the cursor's second or later. Those of the cursor's
  second already posted are recognised by the sent-log (a DayEntry made later in that second
  may sort before a Note seen in it).
- *wanted by a channel* (:func:`wanted_by`): created in its link's ``since`` second or later,
  and not in its sent-log; linking records the statuses of the ``since`` second as seen.
- *catch up* (:func:`needs_catch_up`): the recent call returns the newest 50 only. When all 50
  are in or after the cursor's second, more may be missing: the by-day call then gives every
  status of each day from the cursor's to the oldest of those 50 (:func:`catch_up_days`), in
  the group's time zone, as Co-op splits days. At most :data:`MAX_CATCH_UP_DAYS` days, newest
  kept: a bot switched off for months does not flood a channel with a season of statuses.
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


def in_order(*responses: Sequence[Status]) -> list[Status]:
    """Oldest first, each status once, from Co-op's answers (each newest first, as Co-op lists
    them). Within one second Co-op's order is kept, taken from the first answer holding the
    status: pass the day answers (complete for their day) before the recent one."""
    found: dict[tuple[str, int], tuple[Status, int, int]] = {}
    for number, response in enumerate(responses):
        for index, status in enumerate(response):
            found.setdefault(status_key(status), (status, number, index))
    return [status for status, _, _ in sorted(
        found.values(), key=lambda item: (mark_of(item[0]).created_at, item[1], -item[2]))]


def newest(statuses: Sequence[Status]) -> StatusMark | None:
    """The mark of the newest status, or None for none."""
    return max((mark_of(s) for s in statuses), key=order_key, default=None)


def is_after(mark: StatusMark, cursor: StatusMark) -> bool:
    return order_key(mark) > order_key(cursor)


def new_since(statuses: Iterable[Status], cursor: StatusMark) -> list[Status]:
    """Those created in the cursor's second or later (see the module), in the given order."""
    return [s for s in statuses if mark_of(s).created_at >= cursor.created_at]


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
    """Which of ``statuses`` a channel still needs: those of its link's ``since`` second or
    later, not in its sent-log."""
    return frozenset(
        status_key(s) for s in statuses
        if (since is None or mark_of(s).created_at >= since.created_at)
        and status_key(s) not in sent
    )


def in_second(statuses: Iterable[Status], mark: StatusMark) -> list[Status]:
    """The statuses created in ``mark``'s second."""
    return [s for s in statuses if mark_of(s).created_at == mark.created_at]
