"""Time entries: log, the timesheet of a day or week with totals, edit, delete, restart.

Dates are the person's (``Acting.today`` comes from the injected clock in their time zone).
Locked (approved) entries are refused here with a plain explanation before Harvest is asked;
Harvest's own refusals (archived projects, roles) rise as ``HarvestError`` with its words.

::

    EntryError
    └── EntryLocked        the entry was approved and only an administrator may change it
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.accounts import Acting
from bot.harvest.models import Entry, Project
from bot.offers import Offers
from bot.outbox import Pending, Writes
from bot.parsing.commands import WorkText
from bot.parsing.dates import DateSpec
from bot.work import Choice, Pair, Resolved, find_pair, resolve


class EntryError(Exception):
    """The entry could not be changed."""


class EntryLocked(EntryError):
    """That entry has been approved, so it is locked: only a Harvest administrator can change it."""


@dataclass(frozen=True)
class Logged:
    """Time logged (``entry``) or kept for later (``pending``)."""

    pair: Pair
    hours: float
    spent_at: date
    notes: str
    entry: Entry | None = None
    pending: Pending | None = None


@dataclass(frozen=True)
class SheetDay:
    day: date
    entries: tuple[Entry, ...]

    @property
    def total(self) -> float:
        return round(sum(e.hours for e in self.entries), 2)


@dataclass(frozen=True)
class Timesheet:
    """One or more days of a person's entries, with totals."""

    title: str
    days: tuple[SheetDay, ...]
    for_name: str | None = None

    @property
    def total(self) -> float:
        return round(sum(d.total for d in self.days), 2)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for d in self.days for e in d.entries)


class Entries:
    """The timesheet rules."""

    def __init__(self, offers: Offers, writes: Writes) -> None:
        self._offers = offers
        self._writes = writes

    # -- logging ------------------------------------------------------------------------------

    def log(
        self,
        acting: Acting,
        hours: float,
        work: WorkText,
        day: DateSpec | None = None,
        *,
        key: str | None = None,
    ) -> Logged | Choice:
        """Log ``hours`` for ``work`` on ``day`` (default: the person's today), or ask to pick.

        :raises HarvestError: Harvest refused, or is away with nothing remembered to match.
        """
        spent_at = day.resolve(acting.today) if day is not None else acting.today
        found = resolve(work, self._offers.projects(acting))
        if isinstance(found, Choice):
            return found
        return self._log(acting, found, hours, spent_at, key)

    def log_pair(
        self,
        acting: Acting,
        project_id: int,
        task_id: int,
        hours: float,
        spent_at: date,
        notes: str = "",
        *,
        key: str | None = None,
    ) -> Logged:
        """Log time on a picked project and task.

        :raises HarvestError: Harvest refused.
        """
        chosen = find_pair(self._offers.projects(acting), project_id, task_id)
        return self._log(acting, Resolved(chosen, notes), hours, spent_at, key)

    def _log(
        self, acting: Acting, found: Resolved, hours: float, spent_at: date, key: str | None
    ) -> Logged:
        outcome = self._writes.add_entry(
            acting,
            project_id=found.pair.project_id,
            task_id=found.pair.task_id,
            spent_at=spent_at,
            hours=hours,
            notes=found.notes,
            description=f"{format_hours(hours)} on {found.pair.label} ({spent_at:%a %b} {spent_at.day})",
            key=key,
        )
        logged = Logged(found.pair, hours, spent_at, found.notes)
        if isinstance(outcome, Pending):
            return Logged(logged.pair, hours, spent_at, found.notes, pending=outcome)
        return Logged(logged.pair, hours, spent_at, found.notes, entry=outcome)

    # -- reading ------------------------------------------------------------------------------

    def day(self, acting: Acting, day: date | None = None) -> Timesheet:
        """One day's entries (default: today). :raises HarvestError:"""
        when = day or acting.today
        sheet = self._offers.day(acting, when)
        title = "Today" if when == acting.today else f"{when:%A} {when:%b} {when.day}"
        return Timesheet(title, (SheetDay(when, sheet.entries),), acting.for_name)

    def week(self, acting: Acting) -> Timesheet:
        """This week (Monday to today) with a total per day. :raises HarvestError:"""
        monday = acting.today - timedelta(days=acting.today.weekday())
        days = []
        for offset in range((acting.today - monday).days + 1):
            when = monday + timedelta(days=offset)
            days.append(SheetDay(when, self._offers.day(acting, when).entries))
        return Timesheet(f"Week of {monday:%b} {monday.day}", tuple(days), acting.for_name)

    def projects(self, acting: Acting, filter: str | None = None) -> tuple[Project, ...]:
        """The projects and tasks the person can track to, optionally filtered by name."""
        projects = self._offers.day(acting).projects
        if not filter:
            return projects
        wanted = filter.lower()
        return tuple(
            p for p in projects
            if wanted in f"{p.client_name or ''} {p.name} {p.code}".lower()
            or any(wanted in t.name.lower() for t in p.tasks)
        )

    def get(self, acting: Acting, entry_id: int) -> Entry:
        """One entry. :raises NotFound:"""
        return acting.api.entry(entry_id, of_user=acting.of_user)

    # -- changing -----------------------------------------------------------------------------

    def edit(
        self,
        acting: Acting,
        entry_id: int,
        *,
        hours: float | None = None,
        notes: str | None = None,
    ) -> Entry:
        """Change an entry's hours or notes.

        :raises EntryLocked: approved, and the person is not an administrator.
        :raises HarvestError: Harvest refused (archived project, gone).
        """
        self._unlocked(acting, entry_id)
        return acting.api.update_entry(entry_id, hours=hours, notes=notes, of_user=acting.of_user)

    def delete(self, acting: Acting, entry_id: int) -> Entry:
        """Delete an entry; returns it as it was.

        :raises EntryLocked: approved, and the person is not an administrator.
        :raises HarvestError: Harvest refused.
        """
        entry = self._unlocked(acting, entry_id)
        acting.api.delete_entry(entry_id, of_user=acting.of_user)
        return entry

    def restart(self, acting: Acting, entry_id: int) -> Entry:
        """Restart an entry's timer; for an entry of another day, a new timer today on its work.

        :raises EntryLocked: approved, and the person is not an administrator.
        :raises HarvestError: Harvest refused (e.g. archived project).
        """
        entry = self._unlocked(acting, entry_id)
        if entry.is_running:
            return entry
        if entry.spent_at == acting.today:
            return acting.api.toggle_timer(entry_id, of_user=acting.of_user).entry
        return acting.api.start_timer(
            entry.project_id, entry.task_id, notes=entry.notes, spent_at=acting.today,
            of_user=acting.of_user,
        )

    def _unlocked(self, acting: Acting, entry_id: int) -> Entry:
        entry = acting.api.entry(entry_id, of_user=acting.of_user)
        if entry.is_closed and not acting.account.is_admin:
            raise EntryLocked(EntryLocked.__doc__)
        return entry


def format_hours(hours: float) -> str:
    """``1.5`` as ``1:30``, as Harvest shows durations."""
    minutes = round(hours * 60)
    return f"{minutes // 60}:{minutes % 60:02d}"
