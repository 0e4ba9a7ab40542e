"""When digests fire and which days they report: pure functions of a schedule and a given time.

Nothing here reads a clock: every function takes ``now`` (or a fire time), as APScheduler's own
``get_next_fire_time(previous_fire_time, now)`` does.

- A schedule fires on its ``days`` at ``at`` in its own time zone (:func:`trigger`, an
  APScheduler ``CronTrigger``), so 09:00 stays 09:00 local across daylight saving changes.
  On a spring-forward day a time that does not exist fires just after the gap (01:30 London on
  2026-03-29 fires at 02:30 BST); on a fall-back day a time that happens twice fires once, at
  its first occurrence (:func:`fire_times` drops the repeat, which ``CronTrigger`` yields).
- A fire reports a :class:`Period` of the local date it fired on: daily, the previous working
  day, a working day being one the schedule fires on (``weekdays``: Monday's digest reports
  Friday); weekly, the last complete week before the fire, weeks starting on the account's
  ``week_start_day``. The comparison is the period before that.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

Kind = Literal["daily", "weekly"]
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK_START = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
               "saturday": 5, "sunday": 6}


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """Days ``start``..``end`` inclusive."""

    start: date
    end: date

    @property
    def key(self) -> str:
        """What a sent digest is recorded under: ``2026-03-27`` or ``2026-03-23..2026-03-29``."""
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def label(self) -> str:
        """``Friday 27 March 2026`` or ``23–29 March 2026``."""
        if self.start == self.end:
            return f"{self.start:%A} {self.start.day} {self.start:%B %Y}"
        if (self.start.year, self.start.month) == (self.end.year, self.end.month):
            return f"{self.start.day}–{self.end.day} {self.end:%B %Y}"
        if self.start.year == self.end.year:
            return f"{self.start.day} {self.start:%B} – {self.end.day} {self.end:%B %Y}"
        return f"{self.start.day} {self.start:%B %Y} – {self.end.day} {self.end:%B %Y}"


def week_start_number(name: str | None) -> int:
    """Harvest's ``week_start_day`` ("Monday", "Sunday", …) as a weekday number (Monday 0)."""
    return _WEEK_START.get((name or "monday").strip().lower(), 0)


def previous_day(day: date, days: Sequence[int]) -> date:
    """The last working day before ``day`` (working: its weekday is in ``days``)."""
    if not days:
        raise ValueError("a schedule needs at least one day")
    day -= timedelta(days=1)
    while day.weekday() not in days:
        day -= timedelta(days=1)
    return day


def report_period(kind: Kind, fired_on: date, days: Sequence[int], week_start: int = 0) -> Period:
    """What a digest that fired on the local date ``fired_on`` reports."""
    if kind == "daily":
        day = previous_day(fired_on, days)
        return Period(day, day)
    this_week = fired_on - timedelta(days=(fired_on.weekday() - week_start) % 7)
    return Period(this_week - timedelta(days=7), this_week - timedelta(days=1))


def previous_period(kind: Kind, period: Period, days: Sequence[int]) -> Period:
    """The period a report is compared with: the working day, or the week, before it."""
    if kind == "daily":
        day = previous_day(period.start, days)
        return Period(day, day)
    return Period(period.start - timedelta(days=7), period.end - timedelta(days=7))


def today_period(day: date) -> Period:
    return Period(day, day)


# -- firing ------------------------------------------------------------------------------------


def trigger(at: time, days: Sequence[int], timezone: str) -> CronTrigger:
    """The cron trigger of a schedule: ``at`` on ``days`` (Monday 0), in ``timezone``."""
    day_of_week = ",".join(DAY_NAMES[d] for d in sorted(set(days)))
    return CronTrigger(day_of_week=day_of_week, hour=at.hour, minute=at.minute, second=0,
                       timezone=ZoneInfo(timezone))


def fire_times(cron: CronTrigger, after: datetime, until: datetime) -> Iterator[datetime]:
    """Fire times in (``after``, ``until``], in UTC, once per local date (a fall-back day's
    repeated hour fires once, at its first occurrence).

    In UTC because a local time in a DST gap or fold never compares equal to another zone's
    (PEP 495), which would make fire times unusable as keys.
    """
    # Start a day early so a repeat just after ``after`` is recognised as one.
    previous: datetime | None = None
    cursor = after - timedelta(days=1)
    while True:
        fire = cron.get_next_fire_time(previous, cursor)
        if fire is None or fire > until:
            return
        repeat = previous is not None and _local_date(fire, cron) == _local_date(previous, cron)
        if fire > after and not repeat:
            yield fire.astimezone(UTC)
        previous = cursor = fire


def next_fire(cron: CronTrigger, now: datetime) -> datetime | None:
    """The first fire after ``now`` (a fall-back repeat skipped)."""
    return next(fire_times(cron, now, now + timedelta(days=15)), None)


def last_fire(cron: CronTrigger, now: datetime, lookback: timedelta) -> datetime | None:
    """The latest fire in (``now - lookback``, ``now``], or None."""
    found = None
    for fire in fire_times(cron, now - lookback, now):
        found = fire
    return found


def local_date(fire: datetime, timezone: str) -> date:
    """The date in ``timezone`` at ``fire``."""
    return fire.astimezone(ZoneInfo(timezone)).date()


def _local_date(fire: datetime, cron: CronTrigger) -> date:
    return fire.astimezone(cron.timezone).date()


def utc(when: datetime) -> datetime:
    return when.astimezone(UTC)
