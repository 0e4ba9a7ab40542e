"""Co-op statuses: a group's stream of Notes and DayEntries, posting a Note, one Note.

A group's stream holds two kinds (coop-groups.txt): ``Note`` (text posted to the group, the
``statuses`` table) and ``DayEntry`` (a Harvest time entry of one of the group's active
members, created at or after they joined, so a timer started appears at once with
``timer-started-at``). The document says the ids of the two kinds may collide: a DayEntry's id
is its time entry's id, usable with the Time Tracking API.

Order (the document says "most recent" only): newest first by ``created_at``; at equal times
Notes come before DayEntries, and within a kind the higher id first, so the order is total and
the same on every call.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from emulator import entries
from emulator.clock import iso, parse_iso
from emulator.codec import COOP, Arr, Obj, T
from emulator.context import Ctx, Reply, Routes
from emulator.errors import BadRequest, NotFound
from emulator.routes.coop import group_location, member_group, person_obj
from emulator.timezones import zone

routes = Routes()

RECENT = 50  # "Show most recent 50 statuses for a given group"
# Assumption: the document states no limit. Co-op statuses were short "what are you doing"
# lines; 2,000 characters keeps a pasted paragraph and refuses a pasted file (400).
MAX_TEXT_LENGTH = 2000

_NOTES = (
    "SELECT s.id, s.group_id, s.user_id, s.text, s.created_at, s.updated_at, "
    "u.first_name, u.last_name, u.email FROM statuses s JOIN users u ON u.id = s.user_id "
    "WHERE s.group_id = ?")
# The time entries a group shows: its active members', made at or after they joined.
_ENTRY_IDS = (
    "SELECT e2.id FROM day_entries e2 JOIN memberships m ON m.user_id = e2.user_id "
    "AND m.group_id = ? AND m.state = 'active' AND e2.created_at >= m.created_at WHERE 1 = 1")


@routes("/groups/{group_id}/statuses")
def recent_statuses(ctx: Ctx) -> Reply:
    """The 50 most recent statuses, newest first."""
    group = member_group(ctx)
    return Reply(_statuses_arr(ctx, group, _stream(ctx, group["id"], limit=RECENT)))


@routes("/groups/{group_id}")
def recent_statuses_deprecated(ctx: Ctx) -> Reply:
    """``GET /groups/#{group_id}``: the document's deprecated URL for the same list."""
    return recent_statuses(ctx)


@routes("/groups/{group_id}/statuses", "POST")
def post_status(ctx: Ctx) -> Reply:
    """Post a Note as the caller: ``<status><text>``, ``{"status": {"text"}}`` or flat ``text``.

    Assumption: the answer is 201 with the new status and its Location (Rails' ``create``).
    :raises BadRequest: blank text, or longer than :data:`MAX_TEXT_LENGTH`.
    """
    group = member_group(ctx)
    text = (ctx.params.scope("status").str("text") or "").strip()
    if not text:
        raise BadRequest("Text can't be blank")
    if len(text) > MAX_TEXT_LENGTH:
        raise BadRequest(f"Text is too long (maximum is {MAX_TEXT_LENGTH} characters)")
    now = iso(ctx.now())
    status_id = ctx.store.insert("statuses", group_id=group["id"], user_id=ctx.me["id"],
                                 text=text, created_at=now, updated_at=now)
    note = ctx.store.one(_NOTES + " AND s.id = ?", group["id"], status_id)
    assert note is not None
    location = f"{group_location(group['id'])}/statuses/{status_id}"
    return Reply(_note_obj(ctx, group["id"], note), 201, {"Location": location})


@routes("/groups/{group_id}/statuses/{status_id}")
def show_status(ctx: Ctx) -> Reply:
    """One Note (the Location of a posted status). DayEntries are read with ``/daily/show``."""
    group = member_group(ctx)
    note = ctx.store.one(_NOTES + " AND s.id = ?", group["id"], ctx.path_int("status_id"))
    if note is None:
        raise NotFound("No such status")
    return Reply(_note_obj(ctx, group["id"], note))


@routes("/groups/{group_id}/{day}")
def statuses_of_day(ctx: Ctx) -> Reply:
    """Every status of one ``YYYYMMDD`` date in the group's time zone, even more than 50.

    Registered last: ``statuses`` and ``memberships`` are not dates. A status belongs to the
    day it was created on (for a DayEntry, when the entry was made, not its ``spent_at``).
    :raises BadRequest: a date not written YYYYMMDD, or one that does not exist.
    """
    group = member_group(ctx)
    raw = ctx.path_params.get("day", "")
    if not re.fullmatch(r"\d{8}", raw):
        raise BadRequest(f"The date must be written YYYYMMDD, got {raw!r}")
    try:
        day = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise BadRequest(f"The date is not a valid date: {raw!r}") from None
    tz = zone(group["timezone"])
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    statuses = _stream(ctx, group["id"], between=(iso(start), iso(end)))
    return Reply(_statuses_arr(ctx, group, statuses))


@routes("/uploads/avatars/{user_id}/thumb/avatar.gif", public=True, throttled=False)
def avatar(ctx: Ctx) -> Reply:
    """The ``avatar-thumb-url`` of a status answers with an image, as Co-op's did (a blank one)."""
    return Reply(raw=_BLANK_GIF, content_type="image/gif",
                 headers={"Cache-Control": "public, max-age=86400"})


_BLANK_GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00"
              b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


# -- the stream --------------------------------------------------------------------------------


def _stream(ctx: Ctx, group_id: int, *, limit: int | None = None,
            between: tuple[str, str] | None = None) -> list[tuple[str, Any]]:
    """``("Note", row)`` and ``("DayEntry", Entry)`` pairs, newest first; at most ``limit``, or
    all created in ``between`` (UTC bounds as stored)."""
    note_sql, entry_sql = _NOTES, _ENTRY_IDS
    args: list[Any] = []
    if between is not None:
        note_sql += " AND s.created_at >= ? AND s.created_at < ?"
        entry_sql += " AND e2.created_at >= ? AND e2.created_at < ?"
        args = list(between)
    note_sql += " ORDER BY s.created_at DESC, s.id DESC"
    entry_sql += " ORDER BY e2.created_at DESC, e2.id DESC"
    if limit is not None:
        note_sql += f" LIMIT {int(limit)}"
        entry_sql += f" LIMIT {int(limit)}"
    now = ctx.now()
    keyed = [((parse_iso(row["created_at"]), True, row["id"]), ("Note", row))
             for row in ctx.store.all(note_sql, group_id, *args)]
    keyed += [((entry.created_at, False, entry.id), ("DayEntry", entry))
              for entry in entries.select(ctx.store, f"e.id IN ({entry_sql})",
                                          (group_id, *args), now)]
    # Newest first; at equal times Notes before DayEntries; then the higher id first.
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    stream = [item for _, item in keyed]
    return stream[:limit] if limit is not None else stream


def _statuses_arr(ctx: Ctx, group: dict[str, Any], stream: list[tuple[str, Any]]) -> Arr:
    people = {row["id"]: row for row in ctx.store.all(
        "SELECT u.id, u.first_name, u.last_name, u.email FROM users u "
        "JOIN memberships m ON m.user_id = u.id AND m.group_id = ?", group["id"])}
    items = [_note_obj(ctx, group["id"], item) if kind == "Note"
             else _entry_obj(ctx, group["id"], item, people[item.user_id])
             for kind, item in stream]
    return Arr("statuses", items, COOP, typed=True)


def _note_obj(ctx: Ctx, group_id: int, row: dict[str, Any]) -> Obj:
    return Obj("status", [
        ("id", T(row["id"], "integer")),
        ("type", "Note"),
        ("text", row["text"]),
        ("group_id", T(group_id, "integer")),
        ("updated_at", T(parse_iso(row["updated_at"]), "datetime")),
        ("created_at", T(parse_iso(row["created_at"]), "datetime")),
        ("user", _author(ctx, row)),
    ], COOP)


def _entry_obj(ctx: Ctx, group_id: int, entry: entries.Entry, author: dict[str, Any]) -> Obj:
    """A DayEntry status, with the fields (and no others) the document shows; ``hours`` grows
    while the timer runs (the document's example: 22.91 hours on a running timer)."""
    return Obj("status", [
        ("id", T(entry.id, "integer")),
        ("type", "DayEntry"),
        ("text", entry.notes),
        ("hours", T(entry.hours, "float")),
        ("client", entry.client),
        ("project", entry.project),
        ("task", entry.task),
        ("group_id", T(group_id, "integer")),
        ("timer_started_at", T(entry.timer_started_at, "datetime")),
        ("spent_at", T(entry.spent_at, "date")),
        ("created_at", T(entry.created_at, "datetime")),
        ("user", person_obj(ctx, entry.user_id, author["first_name"], author["last_name"],
                            author["email"])),
    ], COOP)


def _author(ctx: Ctx, row: dict[str, Any]) -> Obj:
    return person_obj(ctx, row["user_id"], row["first_name"], row["last_name"], row["email"])
