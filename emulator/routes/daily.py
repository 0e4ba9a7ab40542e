"""The Time Tracking API (time-tracking.txt): ``/daily`` and its add, show, timer, update, delete.

Every call works on the caller's timesheet, or with ``of_user`` (administrators only) on
someone else's; the rules live in :mod:`emulator.timesheet`, this module parses and renders.

Shapes, where the documents leave room (issue 2 gathers what real clients parsed):
- A time entry is flat everywhere in JSON; XML roots are ``<day_entry>`` (show, update),
  ``<add><day_entry/></add>`` (add, as the document shows) and ``<timer><day_entry/></timer>``
  (toggle: assumption, the wrapper is always there, ``hours_for_previously_running_timer``
  only when the call stopped another timer; in JSON that field joins the flat entry).
- The document's JSON example echoes ``project_id``/``task_id`` as strings; we accept strings
  and numbers and answer with integers. In XML they stay untyped, as the document shows them.
- ``timer_started_at`` is set while a timer runs and null when it does not (JSON); in XML the
  element is left out when stopped, as in the document's example, because XML clients of the
  time tested for the element to tell a running timer. ``hours_with_timer`` appears only while
  running; ``started_at``/``ended_at`` on timestamp-timer accounts (or when an entry has them).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from emulator.codec import DAILY, JSON, Arr, Obj, T
from emulator.context import Ctx, Reply, Routes
from emulator.entries import Entry, ProjectOffer, format_clock
from emulator.errors import BadRequest
from emulator.params import Params
from emulator.timesheet import Timesheet

routes = Routes()


def _timesheet(ctx: Ctx) -> Timesheet:
    return Timesheet(ctx.store, ctx.timesheet_user(), ctx.now(), ctx.is_admin)


def _fields(ctx: Ctx) -> Params:
    """The entry's fields: flat (JSON), in ``<request>`` (XML) or ``day_entry[...]`` (forms)."""
    return ctx.params.scope("request", "day_entry")


# -- rendering -------------------------------------------------------------------------------------


def entry_fields(entry: Entry, sheet: Timesheet, fmt: str) -> list[tuple[str, Any]]:
    fields: list[tuple[str, Any]] = [
        ("id", T(entry.id, "integer")),
        ("spent_at", T(entry.spent_at, "date")),
        ("user_id", T(entry.user_id, "integer")),
        ("client", entry.client),
        ("project_id", entry.project_id),
        ("project", entry.project),
        ("task_id", entry.task_id),
        ("task", entry.task),
        ("hours", T(entry.hours, "float")),
        ("hours_without_timer", T(entry.hours_without_timer, "float")),
    ]
    if entry.running:
        fields.append(("hours_with_timer", T(entry.hours, "float")))
    fields.append(("notes", entry.notes))
    if entry.running or fmt == JSON:
        fields.append(("timer_started_at", T(entry.timer_started_at, "datetime")))
    if sheet.timestamps or entry.started_at or entry.ended_at:
        fields.append(("started_at", format_clock(entry.started_at, sheet.clock)))
        fields.append(("ended_at", format_clock(entry.ended_at, sheet.clock)))
    fields += [
        ("is_billed", T(entry.is_billed, "boolean")),
        ("is_closed", T(entry.is_closed, "boolean")),
        ("created_at", T(entry.created_at, "datetime")),
        ("updated_at", T(entry.updated_at, "datetime")),
    ]
    return fields


def _entry_obj(entry: Entry, sheet: Timesheet, fmt: str) -> Obj:
    return Obj("day_entry", entry_fields(entry, sheet, fmt), DAILY)


def _wrapped(root: str, entry: Entry, previous: float | None, sheet: Timesheet, fmt: str) -> Obj:
    """``<add>``/``<timer>`` around the entry in XML; the flat entry in JSON."""
    extra = [] if previous is None else [("hours_for_previously_running_timer", T(previous, "float"))]
    if fmt == JSON:
        return Obj("day_entry", entry_fields(entry, sheet, fmt) + extra, DAILY)
    return Obj(root, [("day_entry", _entry_obj(entry, sheet, fmt)), *extra], DAILY)


def _project_obj(offer: ProjectOffer) -> Obj:
    tasks = [Obj("task", [("name", task.name), ("id", T(task.id, "integer")),
                          ("billable", T(task.billable, "boolean"))], DAILY)
             for task in offer.tasks]
    return Obj("project", [
        ("name", offer.name),
        ("code", offer.code),
        ("id", T(offer.id, "integer")),
        ("client", offer.client),
        ("client_id", T(offer.client_id, "integer")),
        ("tasks", Arr("task", tasks, DAILY)),
    ], DAILY)


def _daily(ctx: Ctx, sheet: Timesheet, day: date) -> Reply:
    entries = [_entry_obj(entry, sheet, ctx.fmt) for entry in sheet.day(day)]
    projects = [_project_obj(offer) for offer in sheet.offers()]
    return Reply(Obj("daily", [
        ("for_day", T(day, "date")),
        ("day_entries", Arr("day_entry", entries, DAILY)),
        ("projects", Arr("project", projects, DAILY)),
    ], DAILY))


# -- routes (the specific /daily/<verb>/{id} paths before /daily/{day_of_year}/{year}) -------------


@routes("/daily")
def today(ctx: Ctx) -> Reply:
    """Today's entries where the person is (their Harvest time zone), and what they may track to."""
    sheet = _timesheet(ctx)
    return _daily(ctx, sheet, sheet.today())


@routes("/daily/show/{entry_id}")
def show(ctx: Ctx) -> Reply:
    sheet = _timesheet(ctx)
    return Reply(_entry_obj(sheet.entry(ctx.path_int("entry_id")), sheet, ctx.fmt))


@routes("/daily/add", "POST")
def add(ctx: Ctx) -> Reply:
    """201 with the entry and no Location (issue 2); blank hours start a timer."""
    sheet = _timesheet(ctx)
    fields = _fields(ctx)
    project_id = fields.int("project_id", required=True)
    task_id = fields.int("task_id", required=True)
    assert project_id is not None and task_id is not None
    entry, previous = sheet.add(
        project_id, task_id, fields.date("spent_at"), fields.str("notes") or "",
        fields.float("hours"), fields.time("started_at"), fields.time("ended_at"))
    return Reply(_wrapped("add", entry, previous, sheet, ctx.fmt), status=201)


# Harvest documented GET; clients of the time also sent POST and PUT, which Rails routed alike.
@routes("/daily/timer/{entry_id}", "GET", "POST", "PUT")
def toggle(ctx: Ctx) -> Reply:
    sheet = _timesheet(ctx)
    entry, previous = sheet.toggle(ctx.path_int("entry_id"))
    return Reply(_wrapped("timer", entry, previous, sheet, ctx.fmt))


# The document says POST; the harvested gem sent PUT, which Harvest accepted too.
@routes("/daily/update/{entry_id}", "POST", "PUT")
def update(ctx: Ctx) -> Reply:
    sheet = _timesheet(ctx)
    entry_id = ctx.path_int("entry_id")
    fields = _fields(ctx)
    changes: dict[str, Any] = {}
    if fields.has("notes"):
        changes["notes"] = fields.str("notes") or ""
    readers = {"hours": fields.float, "spent_at": fields.date, "project_id": fields.int,
               "task_id": fields.int, "started_at": fields.time, "ended_at": fields.time}
    for name, read in readers.items():
        value = read(name)  # blank means unchanged; a malformed value is refused here
        if value is not None:
            changes[name] = value
    return Reply(_entry_obj(sheet.update(entry_id, changes), sheet, ctx.fmt))


@routes("/daily/delete/{entry_id}", "DELETE")
def delete(ctx: Ctx) -> Reply:
    """200 with no body; the entry then answers 404."""
    _timesheet(ctx).delete(ctx.path_int("entry_id"))
    return Reply(None)


@routes("/daily/{day_of_year}/{year}")
def of_day(ctx: Ctx) -> Reply:
    year = ctx.path_int("year")
    day_of_year = ctx.path_int("day_of_year")
    if not 1 <= year <= 9999:
        raise BadRequest(f"year {year} is out of range")
    days = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    if not 1 <= day_of_year <= days:
        raise BadRequest(f"day_of_year must be between 1 and {days} in {year}")
    return _daily(ctx, _timesheet(ctx), date(year, 1, 1) + timedelta(days=day_of_year - 1))
