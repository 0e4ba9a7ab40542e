"""Co-op statuses over real HTTP: the 50 most recent, a day's statuses in the group's zone,
Notes and DayEntries (timers included) in JSON and XML, posting a Note."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from defusedxml import ElementTree

from emulator.clock import iso
from emulator.runner import RunningEmulator
from tests.emulator.conftest import Api

COOP_JSON_TIME = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \+0000$")
NOTE_KEYS = ["id", "type", "text", "group_id", "updated_at", "created_at", "user"]
ENTRY_KEYS = ["id", "type", "text", "hours", "client", "project", "task", "group_id",
              "timer_started_at", "spent_at", "created_at", "user"]
USER_KEYS = ["id", "name", "email", "avatar_thumb_url"]
NOTE_TAGS = {"id": "integer", "type": None, "text": None, "group-id": "integer",
             "updated-at": "datetime", "created-at": "datetime", "user": None}
ENTRY_TAGS = {"id": "integer", "type": None, "text": None, "hours": "float", "client": None,
              "project": None, "task": None, "group-id": "integer", "timer-started-at": "datetime",
              "spent-at": "date", "created-at": "datetime", "user": None}


@pytest.fixture(autouse=True)
def _fixed_clock(emulator: RunningEmulator) -> None:
    """The demo was seeded for today; pin the clock to today 15:00 UTC so times are exact."""
    today = emulator.clock.now().date()
    emulator.clock.set(datetime.combine(today, time(15, 0), tzinfo=UTC))


def _group(emulator: RunningEmulator) -> int:
    return emulator.info.ids["group:Fawlty Towers"]


def _uid(emulator: RunningEmulator, who: str) -> int:
    return emulator.info.logins[who].user_id


def _when(response_time: str) -> datetime:
    return datetime.strptime(response_time, "%Y/%m/%d %H:%M:%S %z")


def _note(emulator: RunningEmulator, group_id: int, who: str, text: str, when: datetime,
          **extra: Any) -> int:
    return emulator.store.insert("statuses", group_id=group_id, user_id=_uid(emulator, who),
                                 text=text, created_at=iso(when), updated_at=iso(when), **extra)


def _entry(emulator: RunningEmulator, who: str, created: datetime, **fields: Any) -> int:
    values = {"user_id": _uid(emulator, who), "project_id": emulator.info.ids["project:Gourmet Night"],
              "task_id": emulator.info.ids["task:Put butter on trays"],
              "spent_at": created.date().isoformat(), "hours": 0.0, "notes": "",
              "created_at": iso(created), "updated_at": iso(created), **fields}
    return emulator.store.insert("day_entries", **values)


def _new_group(api: Api, name: str, timezone_name: str = "London") -> int:
    response = api("basil", coop=True).post("/groups", json={"name": name, "timezone": timezone_name})
    assert response.status_code == 201
    return int(response.json()["id"])


# -- the 50 most recent ------------------------------------------------------------------------


def test_recent_statuses_json_shapes_and_order(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    response = api("polly", coop=True).get(f"/groups/{gid}/statuses")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 50  # the demo holds more: Notes plus two weeks of entries
    notes = [s for s in body if s["type"] == "Note"]
    day_entries = [s for s in body if s["type"] == "DayEntry"]
    assert notes and day_entries
    assert all(list(s) == NOTE_KEYS for s in notes)
    assert all(list(s) == ENTRY_KEYS for s in day_entries)
    assert all(list(s["user"]) == USER_KEYS and s["group_id"] == gid for s in body)
    assert notes[0]["text"] == "Menus for Gourmet Night are printed."
    assert notes[0]["user"]["name"] == "Polly Sherman"
    assert all(COOP_JSON_TIME.match(s["created_at"]) for s in body)
    assert all(re.fullmatch(r"\d{4}/\d{2}/\d{2}", s["spent_at"]) for s in day_entries)
    stamps = [_when(s["created_at"]) for s in body]
    assert stamps == sorted(stamps, reverse=True)
    # A DayEntry status is the time entry itself: its id works with the Time Tracking API.
    entry = emulator.store.one("SELECT * FROM day_entries WHERE id = ?", day_entries[0]["id"])
    assert entry is not None and entry["notes"] == day_entries[0]["text"]
    assert day_entries[0]["hours"] == round(entry["hours"], 2)
    avatar = httpx.get(body[0]["user"]["avatar_thumb_url"])
    assert avatar.status_code == 200 and avatar.headers["content-type"] == "image/gif"


def test_recent_statuses_xml_has_the_documents_tags_and_types(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    root = ElementTree.fromstring(api("sybil", "xml", coop=True).get(f"/groups/{gid}/statuses").content)
    assert (root.tag, root.get("type")) == ("statuses", "array")
    statuses = root.findall("status")
    assert len(statuses) == 50
    for status in statuses:
        expected = NOTE_TAGS if status.find("type").text == "Note" else ENTRY_TAGS
        assert {child.tag: child.get("type") for child in status} == expected
        assert [child.tag for child in status] == list(expected)
        assert [child.tag for child in status.find("user")] == ["id", "name", "email", "avatar-thumb-url"]
    entry = next(s for s in statuses if s.find("type").text == "DayEntry")
    assert re.fullmatch(r"\d+\.\d\d", entry.find("hours").text)
    assert entry.find("timer-started-at").get("nil") == "true"  # stopped
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.find("spent-at").text)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_deprecated_url_gives_the_same_list(api: Api, emulator: RunningEmulator, fmt: str) -> None:
    gid = _group(emulator)
    polly = api("polly", fmt, coop=True)
    deprecated = polly.get(f"/groups/{gid}")
    assert deprecated.status_code == 200
    assert deprecated.content == polly.get(f"/groups/{gid}/statuses").content


def test_ties_are_broken_notes_first_then_higher_id(api: Api, emulator: RunningEmulator) -> None:
    gid = _new_group(api, "Ties")
    at = emulator.clock.now() + timedelta(minutes=5)
    with emulator.store.tx():
        first = _note(emulator, gid, "basil", "first", at)
        second = _note(emulator, gid, "basil", "second", at)
        entry = _entry(emulator, "basil", at, notes="an entry")
        # The document: Note and DayEntry ids "are not mutually exclusive".
        twin = _note(emulator, gid, "basil", "same id as the entry", at - timedelta(minutes=1),
                     id=entry)
    body = api("basil", coop=True).get(f"/groups/{gid}/statuses").json()
    assert [(s["type"], s["id"]) for s in body] == [
        ("Note", second), ("Note", first), ("DayEntry", entry), ("Note", twin)]


# -- one day, in the group's time zone ---------------------------------------------------------


def test_120_statuses_in_a_day_recent_gives_50_the_day_gives_all(api: Api,
                                                                  emulator: RunningEmulator) -> None:
    gid = _new_group(api, "Busy day")
    day = date(2026, 1, 15)  # London is on UTC in January
    start = datetime.combine(day, time(8, 0), tzinfo=UTC)
    with emulator.store.tx():
        ids = [_note(emulator, gid, "basil", f"status {i}", start + timedelta(minutes=i))
               for i in range(120)]
        _note(emulator, gid, "basil", "the evening before", start - timedelta(hours=8, minutes=1))
        _note(emulator, gid, "basil", "the morning after", start + timedelta(hours=16))
    basil = api("basil", coop=True)
    recent = basil.get(f"/groups/{gid}/statuses").json()
    assert len(recent) == 50
    assert recent[0]["text"] == "the morning after"
    assert [s["id"] for s in recent[1:]] == ids[::-1][:49]
    whole_day = basil.get(f"/groups/{gid}/20260115").json()
    assert len(whole_day) == 120
    assert [s["id"] for s in whole_day] == ids[::-1]
    xml = ElementTree.fromstring(api("basil", "xml", coop=True).get(f"/groups/{gid}/20260115").content)
    assert len(xml.findall("status")) == 120


def test_a_day_is_the_groups_local_day(api: Api, emulator: RunningEmulator) -> None:
    gid = _new_group(api, "Tokyo office", "Tokyo")  # UTC+9, no daylight saving
    with emulator.store.tx():
        early = _note(emulator, gid, "basil", "05:00 in Tokyo",
                      datetime(2026, 3, 9, 20, 0, tzinfo=UTC))
        _note(emulator, gid, "basil", "01:00 next day in Tokyo",
              datetime(2026, 3, 10, 16, 0, tzinfo=UTC))
        _note(emulator, gid, "basil", "08:59 the day before in Tokyo",
              datetime(2026, 3, 8, 23, 59, tzinfo=UTC))
    body = api("basil", coop=True).get(f"/groups/{gid}/20260310").json()
    assert [s["id"] for s in body] == [early]


@pytest.mark.parametrize("day", ["2026-11-25", "20261340", "20260230", "2026112", "today"])
def test_a_malformed_date_is_400(api: Api, emulator: RunningEmulator, day: str) -> None:
    response = api("basil", coop=True).get(f"/groups/{_group(emulator)}/{day}")
    assert response.status_code == 400
    assert day in response.headers["Hint"]


# -- DayEntries: the members' time entries -----------------------------------------------------


def test_a_running_timer_appears_with_timer_started_at(api: Api, emulator: RunningEmulator) -> None:
    """The entry is written to the store directly: this tests the Co-op side alone."""
    gid = _group(emulator)
    now = emulator.clock.now()
    started = now - timedelta(hours=1)
    with emulator.store.tx():
        entry = _entry(emulator, "polly", started, hours=0.25, notes="Carrying trays",
                       timer_started_at=iso(started))
    body = api("sybil", coop=True).get(f"/groups/{gid}/statuses").json()
    status = next(s for s in body if s["type"] == "DayEntry" and s["id"] == entry)
    assert status["timer_started_at"] == started.strftime("%Y/%m/%d %H:%M:%S +0000")
    assert status["hours"] == 1.25  # 0.25 before the timer plus the hour it has run
    assert (status["text"], status["client"], status["project"], status["task"]) == (
        "Carrying trays", "City of Torquay", "Gourmet Night", "Put butter on trays")
    assert status["user"]["id"] == _uid(emulator, "polly")
    emulator.clock.advance(1800)
    later = api("sybil", coop=True).get(f"/groups/{gid}/statuses").json()
    assert next(s for s in later if s["id"] == entry)["hours"] == 1.75


def test_a_timer_started_with_daily_add_appears(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    added = api("polly").post("/daily/add", json={
        "notes": "Butter on trays", "project_id": emulator.info.ids["project:Gourmet Night"],
        "task_id": emulator.info.ids["task:Put butter on trays"]})
    assert added.status_code == 201, added.text
    entry_id = added.json()["id"]
    first = api("basil", coop=True).get(f"/groups/{gid}/statuses").json()[0]
    assert (first["type"], first["id"], first["text"]) == ("DayEntry", entry_id, "Butter on trays")
    assert first["timer_started_at"] is not None
    today = emulator.clock.now().strftime("%Y%m%d")
    assert entry_id in [s["id"] for s in api("basil", coop=True).get(f"/groups/{gid}/{today}").json()]


def test_entries_count_from_when_a_member_joined(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    manuel_entries = emulator.store.scalar(
        "SELECT COUNT(*) FROM day_entries WHERE user_id = ?", _uid(emulator, "manuel"))
    assert manuel_entries > 0  # two weeks of demo entries, made before he joins
    invited = api("basil", coop=True).post(f"/groups/{gid}/memberships",
                                           json={"membership": {"email": emulator.info.logins["manuel"].email}})
    assert invited.status_code == 201
    emulator.clock.advance(60)
    with emulator.store.tx():
        fresh = _entry(emulator, "manuel", emulator.clock.now(), hours=1.0, notes="Fish market")
    authors = {(s["type"], s["user"]["id"], s["id"])
               for s in api("manuel", coop=True).get(f"/groups/{gid}/statuses").json()}
    assert {a for a in authors if a[1] == _uid(emulator, "manuel")} == {
        ("DayEntry", _uid(emulator, "manuel"), fresh)}


# -- posting and reading a Note ----------------------------------------------------------------


@pytest.mark.parametrize("form", ["json-wrapped", "json-flat", "xml", "form", "query"])
def test_post_a_note(api: Api, emulator: RunningEmulator, form: str) -> None:
    gid = _group(emulator)
    text = "Basil is hiding in the kitchen & won't come out"
    fmt = "xml" if form == "xml" else "json"
    polly = api("polly", fmt, coop=True)
    ways: dict[str, dict[str, Any]] = {
        "json-wrapped": {"json": {"status": {"text": text}}},
        "json-flat": {"json": {"text": text}},
        "xml": {"content": "<status><text>Basil is hiding in the kitchen &amp; won't come out"
                           "</text></status>"},
        "form": {"data": {"status[text]": text},
                 "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        "query": {"params": {"text": text}},
    }
    kwargs = ways[form]
    response = polly.post(f"/groups/{gid}/statuses", **kwargs)
    assert response.status_code == 201, response.text
    row = emulator.store.one("SELECT * FROM statuses WHERE text = ?", text)
    assert row is not None and row["user_id"] == _uid(emulator, "polly") and row["group_id"] == gid
    assert response.headers["Location"] == f"/groups/{gid}/statuses/{row['id']}"
    if fmt == "xml":
        root = ElementTree.fromstring(response.content)
        assert root.tag == "status" and list(NOTE_TAGS) == [child.tag for child in root]
        assert root.find("text").text == text and root.find("type").text == "Note"
    else:
        assert list(response.json()) == NOTE_KEYS and response.json()["text"] == text
    shown = api("sybil", coop=True).get(f"/groups/{gid}/statuses/{row['id']}")
    assert shown.status_code == 200 and shown.json()["id"] == row["id"]
    assert shown.json()["user"]["name"] == "Polly Sherman"
    newest = api("sybil", coop=True).get(f"/groups/{gid}/statuses").json()[0]
    assert (newest["type"], newest["id"]) == ("Note", row["id"])


@pytest.mark.parametrize("text,status", [("", 400), ("   ", 400), ("x" * 2001, 400),
                                         ("x" * 2000, 201)])
def test_note_text_limits(api: Api, emulator: RunningEmulator, text: str, status: int) -> None:
    gid = _group(emulator)
    before = emulator.store.scalar("SELECT COUNT(*) FROM statuses")
    response = api("polly", coop=True).post(f"/groups/{gid}/statuses", json={"status": {"text": text}})
    assert response.status_code == status
    assert emulator.store.scalar("SELECT COUNT(*) FROM statuses") == before + (status == 201)
    if status == 400:
        assert "Text" in response.headers["Hint"]


def test_show_status_is_scoped_to_the_group(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    other = _new_group(api, "Elsewhere")
    with emulator.store.tx():
        elsewhere = _note(emulator, other, "basil", "not here", emulator.clock.now())
    polly = api("polly", coop=True)
    assert polly.get(f"/groups/{gid}/statuses/{elsewhere}").status_code == 404
    assert polly.get(f"/groups/{gid}/statuses/999999").status_code == 404
    shown = api("basil", "xml", coop=True).get(f"/groups/{other}/statuses/{elsewhere}")
    assert shown.status_code == 200
    root = ElementTree.fromstring(shown.content)
    assert root.tag == "status" and [child.tag for child in root] == list(NOTE_TAGS)
    assert (root.find("id").text, root.find("text").text) == (str(elsewhere), "not here")
