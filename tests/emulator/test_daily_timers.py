"""Timers on the Time Tracking API: blank hours start one, ``/daily/timer/{id}`` toggles, one runs
at a time, hours grow with the emulator clock, and timestamp-timer accounts never restart one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emulator.runner import RunningEmulator
from tests.emulator.conftest import Api, refusal
from tests.emulator.daily_support import (
    DEVELOPMENT,
    ENTRY_KEYS,
    NOON,
    add,
    entry_body,
    freeze,
    row,
    running_ids,
    set_account,
    snapshot,
    types,
    uid,
    xml,
)


def test_blank_hours_start_a_timer_whose_hours_grow_with_the_clock(
        api: Api, emulator: RunningEmulator) -> None:
    freeze(emulator)
    started = add(api("polly"), emulator, notes="Running", hours="")
    assert set(started) == ENTRY_KEYS | {"hours_with_timer"}
    assert started["timer_started_at"] == "2026-11-25T12:00:00Z"
    assert started["hours"] == 0 and started["hours_without_timer"] == 0
    emulator.clock.advance(45 * 60)
    shown = api("polly").get(f"/daily/show/{started['id']}").json()
    assert shown["hours"] == 0.75 and shown["hours_with_timer"] == 0.75
    assert shown["hours_without_timer"] == 0
    root = xml(api("polly", fmt="xml").get(f"/daily/show/{started['id']}"))
    assert root.find("hours_with_timer").text == "0.75"
    assert root.find("timer_started_at").get("type") == "datetime"
    assert root.find("timer_started_at").text == "Wed, 25 Nov 2026 12:00:00 +0000"
    assert running_ids(emulator, "polly") == [started["id"]]


def test_toggle_stops_then_restarts_accumulating_hours(api: Api, emulator: RunningEmulator) -> None:
    freeze(emulator)
    polly = api("polly")
    entry = add(polly, emulator, hours=1)
    emulator.clock.advance(600)
    restarted = polly.get(f"/daily/timer/{entry['id']}")
    assert restarted.status_code == 200
    body = restarted.json()
    assert body["timer_started_at"] == "2026-11-25T12:10:00Z"
    assert "hours_for_previously_running_timer" not in body
    emulator.clock.advance(30 * 60)
    stopped = polly.get(f"/daily/timer/{entry['id']}").json()
    assert stopped["timer_started_at"] is None and "hours_with_timer" not in stopped
    assert stopped["hours"] == 1.5 and stopped["hours_without_timer"] == 1.5
    stored = row(emulator, entry["id"])
    assert stored is not None and stored["hours"] == pytest.approx(1.5)
    assert stored["timer_started_at"] is None
    emulator.clock.advance(3600)  # a stopped timer does not grow
    assert polly.get(f"/daily/show/{entry['id']}").json()["hours"] == 1.5


def test_starting_a_timer_stops_the_other_one(api: Api, emulator: RunningEmulator) -> None:
    freeze(emulator)
    polly = api("polly")
    first = add(polly, emulator, notes="First")
    emulator.clock.advance(30 * 60)
    response = polly.post("/daily/add", json=entry_body(emulator, task=DEVELOPMENT, notes="Second"))
    second = response.json()
    assert second["hours_for_previously_running_timer"] == 0.5
    assert running_ids(emulator, "polly") == [second["id"]]
    assert row(emulator, first["id"])["hours"] == pytest.approx(0.5)
    emulator.clock.advance(15 * 60)
    again = polly.get(f"/daily/timer/{first['id']}").json()
    assert again["id"] == first["id"] and again["timer_started_at"] is not None
    assert again["hours_for_previously_running_timer"] == 0.25
    assert running_ids(emulator, "polly") == [first["id"]]
    # someone else's timer is not theirs to stop
    assert running_ids(emulator, "manuel") == []
    manuel = add(api("manuel"), emulator, notes="Manuel's")
    assert running_ids(emulator, "polly") == [first["id"]]
    assert running_ids(emulator, "manuel") == [manuel["id"]]


def test_toggle_in_xml_wraps_the_entry_in_timer(api: Api, emulator: RunningEmulator) -> None:
    freeze(emulator)
    running = add(api("polly"), emulator)
    stopped = add(api("polly"), emulator, hours=2, task=DEVELOPMENT)
    emulator.clock.advance(36 * 60)
    root = xml(api("polly", fmt="xml").get(f"/daily/timer/{stopped['id']}"))
    assert root.tag == "timer"
    assert [child.tag for child in root] == ["day_entry", "hours_for_previously_running_timer"]
    previous = root.find("hours_for_previously_running_timer")
    assert previous.get("type") == "float" and previous.text == "0.60"
    assert root.find("day_entry/timer_started_at") is not None
    assert types(root.find("day_entry"))["hours_with_timer"] == "float"
    stop = xml(api("polly", fmt="xml").get(f"/daily/timer/{stopped['id']}"))
    assert [child.tag for child in stop] == ["day_entry"]
    assert stop.find("day_entry/timer_started_at") is None
    assert row(emulator, running["id"])["timer_started_at"] is None


def test_toggle_with_a_null_body_and_by_post(api: Api, emulator: RunningEmulator) -> None:
    entry = add(api("polly"), emulator, hours=1)
    assert api("polly").request("GET", f"/daily/timer/{entry['id']}", content=b"null").status_code == 200
    assert running_ids(emulator, "polly") == [entry["id"]]
    assert api("polly").post(f"/daily/timer/{entry['id']}").status_code == 200
    assert running_ids(emulator, "polly") == []


def test_toggle_refusals(api: Api, emulator: RunningEmulator) -> None:
    entry = add(api("polly"), emulator, hours=1)
    before = snapshot(emulator)
    assert api("manuel").get(f"/daily/timer/{entry['id']}").status_code == 404
    assert api("polly").get("/daily/timer/1").status_code == 404
    assert api("manuel").get(f"/daily/timer/{entry['id']}",
                             params={"of_user": uid(emulator, "polly")}).status_code == 403
    emulator.store.execute("UPDATE projects SET active = 0 WHERE id = ?", entry["project_id"])
    archived = api("polly").get(f"/daily/timer/{entry['id']}")
    assert archived.status_code == 400 and "archived" in refusal(archived)
    assert snapshot(emulator) == before


def test_admin_toggles_another_persons_timer_with_of_user(api: Api, emulator: RunningEmulator) -> None:
    entry = add(api("polly"), emulator, hours=1)
    response = api("sybil").get(f"/daily/timer/{entry['id']}",
                                params={"of_user": uid(emulator, "polly")})
    assert response.status_code == 200 and response.json()["timer_started_at"] is not None
    assert running_ids(emulator, "polly") == [entry["id"]]
    assert running_ids(emulator, "sybil") == []


# -- timestamp-timer accounts -------------------------------------------------------------------------


def test_timestamp_account_takes_started_and_ended_at(api: Api, emulator: RunningEmulator) -> None:
    set_account(emulator, timestamp_timers=True)
    body = add(api("polly"), emulator, started_at="8:00am", ended_at="9:30am", notes="Stamped")
    assert body["hours"] == 1.5 and body["started_at"] == "8:00am" and body["ended_at"] == "9:30am"
    assert body["timer_started_at"] is None
    root = xml(api("polly", fmt="xml").get(f"/daily/show/{body['id']}"))
    assert root.find("started_at").text == "8:00am" and root.find("ended_at").text == "9:30am"
    set_account(emulator, clock="24h")
    assert api("polly").get(f"/daily/show/{body['id']}").json()["started_at"] == "08:00"


def test_timestamp_account_restart_creates_a_new_entry(api: Api, emulator: RunningEmulator) -> None:
    set_account(emulator, timestamp_timers=True)
    freeze(emulator)  # noon UTC is noon in London
    polly = api("polly")
    started = add(polly, emulator, notes="Stamped timer")
    assert started["started_at"] == "12:00pm" and started["ended_at"] is None
    emulator.clock.advance(3600)
    stopped = polly.get(f"/daily/timer/{started['id']}").json()
    assert stopped["id"] == started["id"] and stopped["ended_at"] == "1:00pm"
    assert stopped["hours"] == 1 and stopped["timer_started_at"] is None
    emulator.clock.advance(1800)
    restarted = polly.get(f"/daily/timer/{started['id']}").json()
    assert restarted["id"] != started["id"]
    assert (restarted["project_id"], restarted["task_id"], restarted["notes"]) == (
        started["project_id"], started["task_id"], "Stamped timer")
    assert restarted["timer_started_at"] == "2026-11-25T13:30:00Z"
    assert restarted["started_at"] == "1:30pm" and restarted["hours"] == 0
    assert row(emulator, started["id"])["hours"] == pytest.approx(1.0)  # the old one untouched
    assert running_ids(emulator, "polly") == [restarted["id"]]


def test_timestamp_refusals_write_nothing(api: Api, emulator: RunningEmulator) -> None:
    set_account(emulator, timestamp_timers=True)
    before = snapshot(emulator)
    for fields, words in [({"started_at": "9:00am", "ended_at": "8:00am"}, "before"),
                          ({"ended_at": "9:00am"}, "started_at"),
                          ({"started_at": "25:00"}, "started_at"),
                          ({"started_at": "noonish"}, "started_at")]:
        response = api("polly").post("/daily/add", json=entry_body(emulator, **fields))
        assert response.status_code == 400, fields
        assert words in refusal(response), fields
    assert snapshot(emulator) == before


def test_running_timer_spans_the_frozen_clock_exactly(api: Api, emulator: RunningEmulator) -> None:
    freeze(emulator, NOON - timedelta(hours=3))
    entry = add(api("polly"), emulator)
    emulator.clock.set(NOON)
    assert api("polly").get(f"/daily/show/{entry['id']}").json()["hours"] == 3
