"""Pure: the order of Co-op statuses, what is new since a cursor, and how statuses render."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import coop_blocks
from bot.blocks import MESSAGE_BLOCKS, SECTION_CHARS
from bot.coop import Digest, Groups, NeedsGroup
from bot.coop_stream import (
    MAX_CATCH_UP_DAYS,
    RECENT_LIMIT,
    catch_up_days,
    floor_mark,
    in_order,
    in_second,
    is_after,
    mark_of,
    needs_catch_up,
    new_since,
    newest,
    wanted_by,
)
from bot.harvest.models import Group, Status, StatusAuthor
from storage.coop_links import CoopLink

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
BASIL = StatusAuthor(21, "Basil Fawlty", "basil@fawltytowers.com",
                     "http://coopapp.com/uploads/avatars/21/thumb/smile.png")


def note(status_id: int, at: datetime = T0, text: str = "Note", group: int = 25) -> Status:
    return Status(status_id, "Note", text, group, BASIL, created_at=at)


def entry(status_id: int, at: datetime = T0, *, running: bool = False, text: str = "") -> Status:
    return Status(status_id, "DayEntry", text, 25, BASIL, hours=22.91, client="City of Torquay",
                  project="Gourmet Night", task="Put butter on trays",
                  timer_started_at=at if running else None, spent_at=at.date(), created_at=at)


# -- the stream -------------------------------------------------------------------------------


def test_order_is_time_then_co_ops_own_order_within_a_second() -> None:
    later = T0 + timedelta(seconds=1)
    # As Co-op lists them, newest first; within T0 it says: note 5, entry 9, entry 3 (oldest).
    recent = [note(2, later), note(1, later), note(5, T0), entry(9, T0), entry(3, T0)]
    assert [(s.kind, s.id) for s in in_order(recent)] == [
        ("DayEntry", 3), ("DayEntry", 9), ("Note", 5), ("Note", 1), ("Note", 2)]
    # A day's answer is complete for its day: its order wins; duplicates appear once.
    day = [entry(9, T0), note(5, T0), entry(3, T0)]
    assert [(s.kind, s.id) for s in in_order(day, recent)] == [
        ("DayEntry", 3), ("Note", 5), ("DayEntry", 9), ("Note", 1), ("Note", 2)]


def test_marks_compare_by_time_then_day_entries_before_notes_then_id() -> None:
    assert is_after(mark_of(note(1, T0)), mark_of(entry(9, T0)))
    assert is_after(mark_of(note(6, T0)), mark_of(note(5, T0)))
    assert is_after(mark_of(entry(1, T0 + timedelta(seconds=1))), mark_of(note(9, T0)))
    assert newest([note(1, T0), entry(9, T0)]) == mark_of(note(1, T0))


def test_new_since_includes_the_cursors_own_second() -> None:
    cursor = mark_of(note(5, T0))
    statuses = in_order([note(7, T0 + timedelta(seconds=3)), note(6, T0), note(5, T0),
                         entry(1, T0), note(4, T0 - timedelta(seconds=1))])
    assert [(s.kind, s.id) for s in new_since(statuses, cursor)] == [
        ("DayEntry", 1), ("Note", 5), ("Note", 6), ("Note", 7)]


def test_a_floor_mark_lets_everything_of_its_second_through() -> None:
    assert [s.id for s in new_since(in_order([note(1, T0), entry(2, T0)]), floor_mark(T0))] == [
        2, 1]


def test_catch_up_is_needed_only_when_the_recent_fifty_may_not_reach_the_cursor() -> None:
    cursor = mark_of(note(1, T0))
    full_after = [note(100 + n, T0 + timedelta(minutes=n)) for n in range(RECENT_LIMIT)]
    assert needs_catch_up(full_after, cursor)
    same_second = [note(100 + n, T0) for n in range(RECENT_LIMIT)]
    assert needs_catch_up(same_second, cursor)
    reaching_back = [note(1, T0 - timedelta(seconds=1)), *full_after[1:]]
    assert not needs_catch_up(reaching_back, cursor)
    assert not needs_catch_up(full_after[:-1], cursor)


def test_catch_up_days_are_the_groups_days_from_the_cursor_to_the_recent_fifty() -> None:
    buenos_aires = ZoneInfo("America/Argentina/Buenos_Aires")
    cursor = mark_of(note(1, datetime(2026, 11, 23, 2, 0, tzinfo=UTC)))  # the 22nd there
    recent = [note(9, datetime(2026, 11, 25, 12, 0, tzinfo=UTC))]
    assert catch_up_days(cursor, recent, buenos_aires) == [
        date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)]
    ancient = mark_of(note(1, datetime(2025, 1, 1, tzinfo=UTC)))
    days = catch_up_days(ancient, recent, ZoneInfo("UTC"))
    assert len(days) == MAX_CATCH_UP_DAYS and days[-1] == date(2026, 11, 25)


def test_wanted_by_a_channel() -> None:
    statuses = [note(1, T0 - timedelta(seconds=1)), entry(2, T0), note(3, T0), note(4, T0)]
    since = mark_of(note(3, T0))
    assert wanted_by(statuses, since, {("Note", 3)}) == {("DayEntry", 2), ("Note", 4)}
    assert wanted_by(statuses, None, set()) == {("Note", 1), ("DayEntry", 2), ("Note", 3),
                                                 ("Note", 4)}
    assert in_second(statuses, since) == statuses[1:]


# -- rendering a mirrored status ---------------------------------------------------------------


def test_a_note_as_the_author_with_avatar_escaped() -> None:
    message = coop_blocks.mirrored_message(note(247, text="Rats <in> the kitchen & cellar"),
                                           "Fawlty Towers", "https://coop.example/groups/25")
    assert message["username"] == "Basil Fawlty"
    assert message["icon_url"] == BASIL.avatar_url
    assert message["blocks"][0]["text"]["text"] == "Rats &lt;in&gt; the kitchen &amp; cellar"
    assert message["blocks"][1]["elements"][0]["text"] == "*Basil Fawlty* in Co-op · Fawlty Towers"
    assert message["metadata"] == {"event_type": "coop_status",
                                   "event_payload": {"group_id": 25, "kind": "Note", "id": 247}}
    assert message["text"].startswith("Basil Fawlty: Rats")


def test_a_day_entry_with_client_project_task_hours_and_running_mark() -> None:
    running = coop_blocks.mirrored_message(entry(1373078, running=True, text="Timer with a note"),
                                           "Fawlty Towers")
    assert running["blocks"][0]["text"]["text"] == (
        ":stopwatch: Timer running on *Gourmet Night (City of Torquay) / Put butter on trays* · "
        "22:55 so far\n> Timer with a note")
    logged = coop_blocks.mirrored_message(entry(7), "Fawlty Towers")
    assert logged["blocks"][0]["text"]["text"] == (
        ":clock3: *22:55* on *Gourmet Night (City of Torquay) / Put butter on trays*")


@pytest.mark.parametrize("length", [coop_blocks.NOTE_CHARS, 2_000_000])
def test_long_notes_are_cut_with_a_link_within_the_section_limit(length: int) -> None:
    text = ("word " * length)[:length]
    message = coop_blocks.mirrored_message(note(1, text=text), "Fawlty Towers",
                                           "https://coop.example/groups/25")
    shown = message["blocks"][0]["text"]["text"]
    assert len(shown) <= coop_blocks.NOTE_CHARS <= SECTION_CHARS
    link = "<https://coop.example/groups/25|Read it all in Co-op>"
    assert (link in message["blocks"][1]["elements"][0]["text"]) == (len(text) > len(shown))
    assert len(message["text"]) < 400


def test_cut_never_splits_an_entity_and_prefers_a_word_boundary() -> None:
    assert coop_blocks.cut("short", 10) == ("short", False)
    assert coop_blocks.cut("fish and chips", 12) == ("fish and…", True)
    cut, was_cut = coop_blocks.cut("a" * 8 + "&amp;" + "b" * 10, 11)
    assert was_cut and cut == "a" * 8 + "…"


# -- replies ----------------------------------------------------------------------------------


def test_the_picker_has_one_button_a_group_carrying_the_held_status() -> None:
    groups = tuple(Group(n, f"Group {n}") for n in range(1, 8))
    message = coop_blocks.pick_group_message(NeedsGroup("Out of butter", groups, "held-token"))
    rows = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [len(r["elements"]) for r in rows] == [5, 2]
    value = json.loads(rows[1]["elements"][1]["value"])
    assert value == {"g": 7, "h": "held-token"}


def test_delete_asks_with_a_danger_button_and_says_what_stays() -> None:
    message = coop_blocks.delete_confirm_message(Group(25, "Fawlty Towers"))
    text = message["blocks"][0]["text"]["text"]
    assert "destroys all of the group's notes" in text and "Time entries in Harvest" in text
    delete = message["blocks"][1]["elements"][0]
    assert delete["style"] == "danger" and json.loads(delete["value"]) == {"g": 25}
    assert delete["confirm"]["title"]["text"] == "Delete the group?"


def test_groups_mark_the_linked_and_default_ones() -> None:
    link = CoopLink("T1", "C1", 25, "Fawlty Towers", "U1", T0)
    message = coop_blocks.groups_message(Groups(
        (Group(25, "Fawlty Towers", "London"), Group(34, "Argentina", "Buenos Aires")), 34, link))
    text = message["blocks"][0]["text"]["text"]
    assert "*Fawlty Towers* (London) — shown in this channel" in text
    assert "*Argentina* (Buenos Aires) — your default" in text


def test_a_big_digest_stays_within_slacks_limits_and_counts_the_rest() -> None:
    statuses = tuple(note(n, T0 + timedelta(seconds=n), text="x" * 400) for n in range(2000))
    message = coop_blocks.digest_message(Digest(Group(25, "Fawlty Towers", "London"),
                                                T0.date(), statuses))
    blocks = message["blocks"]
    assert len(blocks) <= MESSAGE_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= SECTION_CHARS for b in blocks)
    shown = sum(b["text"]["text"].count("• ") for b in blocks[1:] if b["type"] == "section")
    assert blocks[-1]["elements"][0]["text"] == f"… and {2000 - shown} more not shown here."
    assert blocks[0]["text"]["text"].startswith("*Fawlty Towers* — Wed Nov 25: 2000 statuses")


def test_a_digest_line_in_the_groups_time() -> None:
    message = coop_blocks.digest_message(Digest(
        Group(25, "Fawlty Towers", "Buenos Aires"), T0.date(), (note(1, text="Hola"),)))
    assert "• 06:00 *Basil Fawlty*: Hola" in message["blocks"][1]["text"]["text"]
