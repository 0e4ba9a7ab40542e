"""``/v2/time_entries`` [TE]: list, read, create, update, delete, stop and restart.

The rules are v1's (:class:`emulator.timesheet.Timesheet`, on the same store), so an entry
added on one wire is the same entry on the other: one running timer per person (starting one,
by create or restart, stops the person's other running timer, as ``/daily/add`` does; v2 leaves
this undocumented), locked (approved) entries only administrators change, and the projects and
tasks one may track to. This module adds v2's own:

- Who (:mod:`emulator.v2.access`): reads see own / managed projects / all; changes to another
  person's entry need an administrator or a manager with ``time_and_expenses_manager`` on the
  entry's project; an entry the caller cannot see answers 404, one they see but may not change
  403. ``user_id`` on create names whose entry it is (403 if the caller may not act for them);
  PATCH cannot change it (422 if it differs).
- Create [§8.4]: ``project_id``, ``task_id`` and ``spent_date`` are required (422). Duration
  accounts: ``hours`` stores a stopped entry, no ``hours`` starts a timer. Timestamp accounts:
  ``started_time`` (default now, where the person is) and ``ended_time``; no ``ended_time``
  starts a timer. Mixing (assumption): ``started_time``/``ended_time`` without ``hours`` on a
  duration account is a 422; ``hours`` on a timestamp account is taken as a duration with no
  clock times. ``external_reference`` is accepted and not kept.
- Stop only a running entry, restart only a stopped one: otherwise 422 (assumption; the
  status is undocumented). Restart on a timestamp account creates a new running entry (a new
  id) with the same project, task, notes and ``spent_date`` (as the official example shows);
  on a duration account it resumes the same entry (assumption: hours keep adding up).
- Delete [§8.6]: not if the entry's project or task is archived (422, for everyone); a locked
  entry only by administrators (403 otherwise). 200 with an empty body.
- List order: ``spent_date`` newest first, and within a day the newest entry (highest id)
  first, as the example's entries of one day run (assumption). Page-based.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time
from typing import Any

from emulator.context import Reply
from emulator.entries import Entry, load, select
from emulator.errors import BadRequest, Forbidden, NotFound
from emulator.timesheet import Timesheet
from emulator.v2 import access, filters
from emulator.v2.context import Unprocessable, V2Ctx, V2Routes, json_reply
from emulator.v2.entry_object import time_entry
from emulator.v2.paging import paged
from emulator.v2.serialise import Lookup

routes = V2Routes()

_V1_WORDS = (("started_at", "started_time"), ("ended_at", "ended_time"),
             ("spent_at", "spent_date"))
NOT_YOURS = "You may not change another person's time on this project"


@contextmanager
def v2_wording() -> Iterator[None]:
    """The shared rules speak v1's field names; a v2 caller reads v2's, in a 422."""
    try:
        yield
    except BadRequest as exc:
        message = exc.message
        for old, new in _V1_WORDS:
            message = message.replace(old, new)
        raise Unprocessable(message) from None


def render(ctx: V2Ctx, entry: Entry, status: int = 200) -> Reply:
    account = ctx.store.account()
    return json_reply(time_entry(entry, Lookup(ctx.store), account["clock"],
                                 access.sees_rates(ctx.me)), status)


def _visible_entry(ctx: V2Ctx) -> Entry:
    """:raises NotFound: no such entry, or one the caller may not see."""
    entry = load(ctx.store, ctx.path_int("entry_id"), ctx.now())
    if entry is None or not access.visible(ctx.store, ctx.me, entry.user_id, entry.project_id):
        raise NotFound("No such time entry")
    return entry


def _changeable(ctx: V2Ctx) -> tuple[Entry, Timesheet]:
    """The entry named by the path and its owner's timesheet, worked on by the caller.

    :raises NotFound: not visible. :raises Forbidden: visible but not the caller's to change.
    """
    entry = _visible_entry(ctx)
    if not access.acts_for(ctx.store, ctx.me, entry.user_id, entry.project_id):
        raise Forbidden(NOT_YOURS)
    owner = ctx.store.one("SELECT * FROM users WHERE id = ?", entry.user_id)
    assert owner is not None
    return entry, Timesheet(ctx.store, owner, ctx.now(), access.is_admin(ctx.me))


def _times(ctx: V2Ctx) -> dict[str, time]:
    """``started_time``/``ended_time`` as the timesheet's ``started_at``/``ended_at``."""
    found: dict[str, time] = {}
    with v2_wording():
        for v2_name, v1_name in (("started_time", "started_at"), ("ended_time", "ended_at")):
            value = ctx.params.time(v2_name)
            if value is not None:
                found[v1_name] = value
    return found


def _refuse_clock_times_on_duration(sheet: Timesheet, times: dict[str, time],
                                    hours: float | None) -> None:
    if times and hours is None and not sheet.timestamps:
        raise Unprocessable("This company tracks time by duration (wants_timestamp_timers is "
                            "false): send hours, or no hours to start a timer, instead of "
                            "started_time/ended_time")


# -- reading -------------------------------------------------------------------------------------


@routes("/time_entries")
def list_entries(ctx: V2Ctx) -> Reply:
    seen, args = access.visibility_sql(ctx.store, ctx.me)
    where, more = filters.conditions(ctx, {"user_id": "e.user_id", "client_id": "p.client_id",
                                           "project_id": "e.project_id", "task_id": "e.task_id"})
    where, args = [seen, *where], [*args, *more]
    billed = filters.boolean(ctx, "is_billed")
    if billed is not None:
        where.append(f"e.is_billed = {int(billed)}")
    running = filters.boolean(ctx, "is_running")
    if running is not None:
        where.append(f"e.timer_started_at IS {'NOT ' if running else ''}NULL")
    dated, more = filters.dated(ctx, "e")
    where, args = [*where, *dated], [*args, *more]
    if ctx.params.has("external_reference_id"):
        where.append("0 = 1")  # the emulator keeps no external references
    entries = select(ctx.store, " AND ".join(where), tuple(args), ctx.now())
    entries.reverse()  # spent_date newest first, then the newest entry of a day first
    look, clock = Lookup(ctx.store), ctx.store.account()["clock"]
    rates = access.sees_rates(ctx.me)
    return json_reply(paged(ctx, "time_entries",
                            [time_entry(entry, look, clock, rates) for entry in entries]))


@routes("/time_entries/{entry_id}")
def show_entry(ctx: V2Ctx) -> Reply:
    return render(ctx, _visible_entry(ctx))


# -- writing -------------------------------------------------------------------------------------


def _owner_for_create(ctx: V2Ctx, project_id: int) -> dict[str, Any]:
    """Whose entry a create makes: ``user_id``, or the caller.

    :raises Unprocessable: ``user_id`` names nobody active. :raises Forbidden: not allowed.
    """
    user_id = filters.integer(ctx, "user_id")
    if user_id is None or user_id == ctx.me["id"]:
        return ctx.me
    owner = ctx.store.one("SELECT * FROM users WHERE id = ?", user_id)
    if owner is None or not owner["is_active"]:
        raise Unprocessable(f"user_id {user_id} names no active user")
    if not access.acts_for(ctx.store, ctx.me, user_id, project_id):
        raise Forbidden("Only administrators, and managers allowed to edit their teammates' "
                        "time on projects they manage, may track time for someone else")
    return owner


@routes("/time_entries", "POST")
def create_entry(ctx: V2Ctx) -> Reply:
    project_id = filters.integer(ctx, "project_id")
    task_id = filters.integer(ctx, "task_id")
    spent = filters.day(ctx, "spent_date", required=True)
    if project_id is None or task_id is None:
        raise Unprocessable("project_id and task_id are required")
    assert spent is not None
    owner = _owner_for_create(ctx, project_id)
    sheet = Timesheet(ctx.store, owner, ctx.now(), access.is_admin(ctx.me))
    with v2_wording():
        hours = ctx.params.float("hours")
        notes = ctx.params.str("notes") or ""
    times = _times(ctx)
    _refuse_clock_times_on_duration(sheet, times, hours)
    if sheet.timestamps and "ended_at" in times and "started_at" not in times:
        local = sheet.local_now()
        times["started_at"] = time(local.hour, local.minute)  # "Defaults to the current time"
    with v2_wording():
        entry, _ = sheet.add(project_id, task_id, spent, notes, hours,
                             times.get("started_at"), times.get("ended_at"))
    return render(ctx, entry, 201)


@routes("/time_entries/{entry_id}", "PATCH")
def update_entry(ctx: V2Ctx) -> Reply:
    entry, sheet = _changeable(ctx)
    user_id = filters.integer(ctx, "user_id")
    if user_id is not None and user_id != entry.user_id:
        raise Unprocessable("user_id cannot be changed: delete the entry and create it for "
                            "the other person")
    changes: dict[str, Any] = {}
    with v2_wording():
        if ctx.params.has("notes"):
            changes["notes"] = ctx.params.str("notes") or ""
        for name in ("project_id", "task_id"):
            value = filters.integer(ctx, name)
            if value is not None:
                changes[name] = value
        spent = filters.day(ctx, "spent_date")
        if spent is not None:
            changes["spent_at"] = spent
        hours = ctx.params.float("hours")
        if hours is not None:
            changes["hours"] = hours
    times = _times(ctx)
    _refuse_clock_times_on_duration(sheet, times, hours)
    changes.update(times)
    moved_to = changes.get("project_id", entry.project_id)
    if not access.acts_for(ctx.store, ctx.me, entry.user_id, moved_to):
        raise Forbidden(NOT_YOURS)
    with v2_wording():
        updated = sheet.update(entry.id, changes)
    return render(ctx, updated)


@routes("/time_entries/{entry_id}", "DELETE")
def delete_entry(ctx: V2Ctx) -> Reply:
    entry, sheet = _changeable(ctx)
    archived = ctx.store.one(
        "SELECT p.active AS project_active, t.deactivated AS task_archived FROM projects p, "
        "tasks t WHERE p.id = ? AND t.id = ?", entry.project_id, entry.task_id)
    if archived and (not archived["project_active"] or archived["task_archived"]):
        raise Unprocessable("This time entry's project or task is archived: it cannot be "
                            "deleted")
    sheet.delete(entry.id)
    return Reply(raw=b"", status=200, content_type="application/json; charset=utf-8")


@routes("/time_entries/{entry_id}/external_reference", "DELETE")
def delete_external_reference(ctx: V2Ctx) -> Reply:
    """200: the emulator keeps no external references, so there is never one left to remove."""
    _changeable(ctx)
    return Reply(raw=b"", status=200, content_type="application/json; charset=utf-8")


@routes("/time_entries/{entry_id}/stop", "PATCH")
def stop(ctx: V2Ctx) -> Reply:
    entry, sheet = _changeable(ctx)
    if not entry.running:
        raise Unprocessable("This time entry is not running: only a running timer can be "
                            "stopped")
    with v2_wording():
        stopped, _ = sheet.toggle(entry.id)
    return render(ctx, stopped)


@routes("/time_entries/{entry_id}/restart", "PATCH")
def restart(ctx: V2Ctx) -> Reply:
    entry, sheet = _changeable(ctx)
    if entry.running:
        raise Unprocessable("This time entry is already running: only a stopped timer can be "
                            "restarted")
    with v2_wording():
        if sheet.timestamps:
            started, _ = sheet.add(entry.project_id, entry.task_id, entry.spent_at, entry.notes,
                                   None)
        else:
            started, _ = sheet.toggle(entry.id)
    return render(ctx, started)
