"""One person's timesheet at one moment: the changes ``/daily`` makes, with Harvest's rules.

One running timer per person; locked (approved) entries that only administrators change, and
then never their project, task or day (time-tracking.txt); timestamp-timer accounts, where
clock times stand in for hours and a stopped timer is never restarted; and the projects and
tasks one may track to (active, assigned, offered by the project). Every check runs before the
first write, and the route runs inside one store transaction, so a refusal writes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, NoReturn

from emulator.clock import iso
from emulator.entries import (
    Entry,
    ProjectOffer,
    check_hours,
    load,
    of_day,
    offers,
    select,
    span_hours,
    store_time,
)
from emulator.errors import BadRequest, Forbidden, NotFound
from emulator.store import Store
from emulator.timezones import zone

LOCKED = ("This entry is locked (approved via Timesheet Approval): only administrators may "
          "change or delete it")


class Timesheet:
    """One person's timesheet at one moment: the changes ``/daily`` makes, with Harvest's rules.

    ``admin`` is whether the *caller* is an administrator (who may change locked entries); the
    timesheet is the caller's own or, through ``of_user``, someone else's.
    """

    def __init__(self, store: Store, user: dict[str, Any], now: datetime, admin: bool):
        self.store = store
        self.user = user
        self.now = now
        self.admin = admin
        account = store.account()
        self.timestamps = bool(account["timestamp_timers"])
        self.clock = str(account["clock"])

    @property
    def user_id(self) -> int:
        return int(self.user["id"])

    def local_now(self) -> datetime:
        return self.now.astimezone(zone(self.user["timezone"]))

    def today(self) -> date:
        """Today where the person is (their Harvest time zone), as the daily timesheet showed it."""
        return self.local_now().date()

    def _clock_now(self) -> time:
        local = self.local_now()
        return time(local.hour, local.minute)

    # -- reading

    def entry(self, entry_id: int) -> Entry:
        """One entry of this timesheet.

        :raises NotFound: no such entry here; another person's entry id too, since Harvest looked
            entries up within the timesheet being worked on (admins name it with ``of_user``).
        """
        found = load(self.store, entry_id, self.now)
        if found is None or found.user_id != self.user_id:
            raise NotFound("No such time entry on this timesheet")
        return found

    def day(self, day: date) -> list[Entry]:
        return of_day(self.store, self.user_id, day, self.now)

    def offers(self) -> list[ProjectOffer]:
        return offers(self.store, self.user_id)

    # -- rules

    def check_trackable(self, project_id: int, task_id: int) -> None:
        """May this person track time to this project and task?

        Assumption: Harvest answered these as invalid input (400 with a Hint naming the
        problem), as it did the project rules in projects.txt, not as a 403 or 404.

        :raises BadRequest: unknown or archived project, not assigned, or task not on the project.
        """
        project = self.store.one("SELECT * FROM projects WHERE id = ?", project_id)
        if project is None:
            raise BadRequest(f"project_id {project_id} names no project")
        if not project["active"]:
            raise BadRequest(f"Project '{project['name']}' is archived: time cannot be tracked to it")
        assigned = self.store.one(
            "SELECT id FROM user_assignments WHERE project_id = ? AND user_id = ? AND deactivated = 0",
            project_id, self.user_id)
        if assigned is None:
            raise BadRequest(f"{self.user['first_name']} {self.user['last_name']} is not assigned "
                             f"to project '{project['name']}'")
        offered = self.store.one(
            """SELECT ta.id FROM task_assignments ta JOIN tasks t ON t.id = ta.task_id
               WHERE ta.project_id = ? AND ta.task_id = ? AND ta.deactivated = 0
                 AND t.deactivated = 0""", project_id, task_id)
        if offered is None:
            raise BadRequest(f"task_id {task_id} is not a task of project '{project['name']}'")

    def _check_unlocked(self, entry: Entry) -> None:
        # Assumption: Harvest refused a non-administrator's change to an approved entry as a
        # permission matter (overview.txt: what the UI does not allow, the API refuses): 403.
        if entry.is_closed and not self.admin:
            raise Forbidden(LOCKED)

    def _check_project_active(self, project_id: int) -> None:
        project = self.store.one("SELECT name, active FROM projects WHERE id = ?", project_id)
        if project is not None and not project["active"]:
            raise BadRequest(f"Project '{project['name']}' is archived: its time cannot be changed")

    # -- timers

    def _stop(self, entry: Entry) -> float:
        values: dict[str, Any] = {"hours": entry.hours, "timer_started_at": None,
                                  "updated_at": iso(self.now)}
        if self.timestamps:
            values["ended_at"] = store_time(self._clock_now())
        self.store.update("day_entries", entry.id, **values)
        return entry.hours

    def stop_running(self) -> float | None:
        """Stop this person's running timer, if any; its hours, for ``hours_for_previously_running_timer``."""
        stopped = None
        for entry in select(self.store, "e.user_id = ? AND e.timer_started_at IS NOT NULL",
                            (self.user_id,), self.now):
            stopped = self._stop(entry)
        return stopped

    def toggle(self, entry_id: int) -> tuple[Entry, float | None]:
        """``GET /daily/timer/{id}``: stop it if it runs, else run it (alone); returns the entry
        shown and the hours of a timer this stopped.

        On timestamp accounts a stopped entry is not restarted: a new entry with the same
        project, task and notes starts today (time-tracking.txt) and is the one returned.

        :raises NotFound: not on this timesheet.
        :raises Forbidden: restarting a locked entry, not being an administrator.
        :raises BadRequest: the project is archived or no longer trackable.
        """
        entry = self.entry(entry_id)
        if entry.running:
            self._stop(entry)
            return self.entry(entry_id), None
        if not self.timestamps:
            self._check_unlocked(entry)
        self.check_trackable(entry.project_id, entry.task_id)
        if self.timestamps:
            # Assumption: the new timer is today's (where the person is), as a fresh timer is.
            previous = self.stop_running()
            new_id = self._insert(entry.project_id, entry.task_id, self.today(), entry.notes, 0.0,
                                  timer=True, started_at=self._clock_now(), ended_at=None)
            return self.entry(new_id), previous
        previous = self.stop_running()
        self.store.update("day_entries", entry_id, timer_started_at=iso(self.now),
                          updated_at=iso(self.now))
        return self.entry(entry_id), previous

    # -- add, update, delete

    def _insert(self, project_id: int, task_id: int, spent_at: date, notes: str, hours: float, *,
                timer: bool, started_at: time | None, ended_at: time | None) -> int:
        stamp = iso(self.now)
        return self.store.insert(
            "day_entries", user_id=self.user_id, project_id=project_id, task_id=task_id,
            spent_at=spent_at.isoformat(), hours=hours, notes=notes,
            timer_started_at=stamp if timer else None, started_at=store_time(started_at),
            ended_at=store_time(ended_at), created_at=stamp, updated_at=stamp)

    def _no_timestamps_here(self) -> NoReturn:
        # Assumption: on a duration account Harvest had no use for clock times; rather than
        # silently starting a timer we say so.
        raise BadRequest("This account does not use timestamp timers: send hours (or leave "
                         "hours blank to start a timer) instead of started_at/ended_at")

    def add(self, project_id: int, task_id: int, spent_at: date | None, notes: str,
            hours: float | None, started_at: time | None = None,
            ended_at: time | None = None) -> tuple[Entry, float | None]:
        """``POST /daily/add``: blank hours start a timer (stopping the running one).

        :raises BadRequest: not trackable, bad hours or clock times.
        """
        self.check_trackable(project_id, task_id)
        clock_given = started_at is not None or ended_at is not None
        if clock_given and not self.timestamps:
            if hours is None:
                self._no_timestamps_here()
            started_at = ended_at = None  # hours given: the clock times mean nothing here
            clock_given = False
        tracked = 0.0
        if clock_given:
            if started_at is None:
                raise BadRequest("started_at is required with ended_at")
            if ended_at is not None:
                tracked = span_hours(started_at, ended_at)
        elif hours is not None:
            tracked = check_hours(hours)
        elif self.timestamps:
            started_at = self._clock_now()
        timer = ended_at is None and (clock_given or hours is None)
        previous = self.stop_running() if timer else None
        entry_id = self._insert(project_id, task_id, spent_at or self.today(), notes, tracked,
                                timer=timer, started_at=started_at, ended_at=ended_at)
        return self.entry(entry_id), previous

    def update(self, entry_id: int, changes: dict[str, Any]) -> Entry:
        """``POST /daily/update/{id}``: change what ``changes`` names (notes, hours, spent_at,
        project_id, task_id, started_at, ended_at), nothing else.

        :raises NotFound: not on this timesheet.
        :raises Forbidden: a locked entry, not being an administrator.
        :raises BadRequest: a read-only field of a locked entry changed, not trackable, bad hours.
        """
        entry = self.entry(entry_id)
        self._check_unlocked(entry)
        if entry.is_closed:
            for name in ("project_id", "task_id", "spent_at"):
                if name in changes and changes[name] != getattr(entry, name):
                    raise BadRequest(f"{name} is read-only on a locked entry")
        project_id = changes.get("project_id", entry.project_id)
        task_id = changes.get("task_id", entry.task_id)
        if (project_id, task_id) != (entry.project_id, entry.task_id):
            self.check_trackable(project_id, task_id)
        else:
            self._check_project_active(project_id)
        values: dict[str, Any] = {"project_id": project_id, "task_id": task_id}
        if "notes" in changes:
            values["notes"] = changes["notes"]
        if "spent_at" in changes:
            values["spent_at"] = changes["spent_at"].isoformat()
        values.update(self._hours_change(entry, changes))
        values["updated_at"] = iso(self.now)
        self.store.update("day_entries", entry_id, **values)
        return self.entry(entry_id)

    def _hours_change(self, entry: Entry, changes: dict[str, Any]) -> dict[str, Any]:
        clock_given = "started_at" in changes or "ended_at" in changes
        if clock_given and not self.timestamps:
            if "hours" not in changes:
                self._no_timestamps_here()
            clock_given = False
        if clock_given:
            start = changes.get("started_at", entry.started_at)
            end = changes.get("ended_at", entry.ended_at)
            if start is None:
                raise BadRequest("started_at is required with ended_at")
            values: dict[str, Any] = {"started_at": store_time(start)}
            if entry.running:  # a running timer has no end yet; its hours keep counting
                return values
            values["ended_at"] = store_time(end)
            if end is not None:
                values["hours"] = span_hours(start, end)
            return values
        if "hours" not in changes:
            return {}
        hours = check_hours(changes["hours"])
        values = {"hours": hours}
        if entry.running:
            # Assumption: setting the hours of a running timer keeps it running from the new
            # amount, as the web timesheet did.
            values["timer_started_at"] = iso(self.now)
        elif self.timestamps and entry.started_at is not None:
            minutes = entry.started_at.hour * 60 + entry.started_at.minute + round(hours * 60)
            values["ended_at"] = (f"{minutes // 60:02d}:{minutes % 60:02d}"
                                  if minutes < 24 * 60 else None)
        return values

    def delete(self, entry_id: int) -> None:
        """``DELETE /daily/delete/{id}``.

        :raises NotFound: not on this timesheet.
        :raises Forbidden: a locked entry, not being an administrator.
        """
        entry = self.entry(entry_id)
        self._check_unlocked(entry)
        self.store.execute("DELETE FROM day_entries WHERE id = ?", entry.id)
