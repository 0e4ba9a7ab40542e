"""Stop, restart and delete on v2; duration vs timestamp companies; locked entries."""

from __future__ import annotations

import httpx

from emulator.runner import RunningEmulator
from tests.emulator.daily_support import DATA, DESIGN, DEVELOPMENT, GOURMET, WEB, lock, uid
from tests.emulator_v2.conftest import V2, message, noon
from tests.emulator_v2.test_time_entries import body, create, stored


def _timestamps(v2: V2, emulator: RunningEmulator, on: bool = True) -> None:
    """Switch the company's mode over v2; everyone's clock reads UTC, whatever the season."""
    response = v2().patch("/company", json={"wants_timestamp_timers": on})
    assert response.status_code == 200 and response.json()["wants_timestamp_timers"] is on
    emulator.store.execute("UPDATE users SET timezone = 'UTC'")


# -- duration companies ----------------------------------------------------------------------


def test_stop_then_restart_resumes_the_same_entry(v2: V2, emulator: RunningEmulator) -> None:
    today = noon(emulator)
    timer = create(v2, emulator)
    client = v2("polly")
    emulator.clock.advance(45 * 60)
    stopped = client.patch(f"/time_entries/{timer['id']}/stop").json()
    assert (stopped["id"], stopped["is_running"], stopped["hours"], stopped["timer_started_at"]) \
        == (timer["id"], False, 0.75, None)
    message(client.patch(f"/time_entries/{timer['id']}/stop"), 422)
    emulator.clock.advance(3600)
    restarted = client.patch(f"/time_entries/{timer['id']}/restart").json()
    assert (restarted["id"], restarted["is_running"], restarted["hours_without_timer"],
            restarted["timer_started_at"]) == (timer["id"], True, 0.75, f"{today}T13:45:00Z")
    emulator.clock.advance(15 * 60)
    assert client.get(f"/time_entries/{timer['id']}").json()["hours"] == 1.0
    message(client.patch(f"/time_entries/{timer['id']}/restart"), 422)


def test_restart_stops_the_other_running_timer(v2: V2, emulator: RunningEmulator) -> None:
    noon(emulator)
    first = create(v2, emulator)
    client = v2("polly")
    client.patch(f"/time_entries/{first['id']}/stop")
    second = create(v2, emulator, project=GOURMET, task="task:Meetings")
    client.patch(f"/time_entries/{first['id']}/restart")
    assert client.get(f"/time_entries/{second['id']}").json()["is_running"] is False
    running = client.get("/time_entries", params={"is_running": True}).json()["time_entries"]
    assert [e["id"] for e in running] == [first["id"]]


def test_timers_by_role(v2: V2, emulator: RunningEmulator) -> None:
    timer = create(v2, emulator)
    message(v2("manuel").patch(f"/time_entries/{timer['id']}/stop"), 404)
    assert v2("basil").patch(f"/time_entries/{timer['id']}/stop").json()["is_running"] is False
    on_data = create(v2, emulator, project=DATA, task=DEVELOPMENT)
    message(v2("basil").patch(f"/time_entries/{on_data['id']}/stop"), 404)
    assert v2().patch(f"/time_entries/{on_data['id']}/stop").status_code == 200


# -- timestamp companies ---------------------------------------------------------------------


def test_timestamp_create_with_start_and_end(v2: V2, emulator: RunningEmulator) -> None:
    noon(emulator)
    _timestamps(v2, emulator)
    entry = create(v2, emulator, started_time="8:00am", ended_time="9:30am")
    assert (entry["started_time"], entry["ended_time"], entry["hours"], entry["is_running"]) == \
        ("8:00am", "9:30am", 1.5, False)
    row = stored(emulator, entry["id"])
    assert (row["started_at"], row["ended_at"]) == ("08:00", "09:30")
    emulator.store.execute("UPDATE account SET clock = '24h'")
    again = v2("polly").get(f"/time_entries/{entry['id']}").json()
    assert (again["started_time"], again["ended_time"]) == ("08:00", "09:30")
    assert "ended_time" in message(v2("polly").post("/time_entries", json=body(
        emulator, started_time="10:00", ended_time="9:00")), 422)


def test_timestamp_timer_starts_now_and_stops_with_an_end(v2: V2,
                                                          emulator: RunningEmulator) -> None:
    noon(emulator)
    _timestamps(v2, emulator)
    timer = create(v2, emulator)
    assert (timer["is_running"], timer["started_time"], timer["ended_time"]) == \
        (True, "12:00pm", None)
    emulator.clock.advance(30 * 60)
    stopped = v2("polly").patch(f"/time_entries/{timer['id']}/stop").json()
    assert (stopped["is_running"], stopped["ended_time"], stopped["hours"]) == \
        (False, "12:30pm", 0.5)
    only_end = create(v2, emulator, ended_time="1:00pm")
    assert (only_end["started_time"], only_end["hours"]) == ("12:30pm", 0.5)


def test_timestamp_restart_returns_a_new_entry(v2: V2, emulator: RunningEmulator) -> None:
    today = noon(emulator)
    _timestamps(v2, emulator)
    original = create(v2, emulator, started_time="9:00am", ended_time="10:00am",
                      notes="Wireframes", spent_date="2026-01-05")
    other = create(v2, emulator, project=GOURMET, task="task:Meetings")
    emulator.clock.advance(60)
    restarted = v2("polly").patch(f"/time_entries/{original['id']}/restart")
    assert restarted.status_code == 200
    new = restarted.json()
    assert new["id"] != original["id"]
    assert (new["project"], new["task"], new["notes"], new["spent_date"]) == \
        (original["project"], original["task"], "Wireframes", "2026-01-05")
    assert (new["is_running"], new["hours"], new["started_time"], new["ended_time"],
            new["timer_started_at"]) == (True, 0.0, "12:01pm", None, f"{today}T12:01:00Z")
    unchanged = v2("polly").get(f"/time_entries/{original['id']}").json()
    assert (unchanged["is_running"], unchanged["hours"], unchanged["ended_time"]) == \
        (False, 1.0, "10:00am")
    assert v2("polly").get(f"/time_entries/{other['id']}").json()["is_running"] is False
    message(v2("polly").patch(f"/time_entries/{new['id']}/restart"), 422)


def test_hours_on_a_timestamp_company_are_a_plain_duration(v2: V2,
                                                           emulator: RunningEmulator) -> None:
    _timestamps(v2, emulator)
    entry = create(v2, emulator, hours=2)
    assert (entry["hours"], entry["is_running"], entry["started_time"]) == (2.0, False, None)


def test_switching_back_to_duration(v2: V2, emulator: RunningEmulator) -> None:
    _timestamps(v2, emulator)
    _timestamps(v2, emulator, on=False)
    message(v2("polly").post("/time_entries", json=body(emulator, started_time="8:00am",
                                                        ended_time="9:00am")), 422)


# -- locked entries --------------------------------------------------------------------------


def test_locked_entries(v2: V2, emulator: RunningEmulator) -> None:
    entry = create(v2, emulator, hours=1, notes="Approved")
    lock(emulator, entry["id"])
    client = v2("polly")
    shown = client.get(f"/time_entries/{entry['id']}").json()
    assert (shown["is_locked"], shown["locked_reason"], shown["is_closed"],
            shown["approval_status"]) == \
        (True, "Item Approved and Locked for this Time Period", True, "approved")
    message(client.patch(f"/time_entries/{entry['id']}", json={"notes": "changed"}), 403)
    message(client.patch(f"/time_entries/{entry['id']}/restart"), 403)
    message(client.delete(f"/time_entries/{entry['id']}"), 403)
    message(v2("basil").patch(f"/time_entries/{entry['id']}", json={"notes": "x"}), 403)
    assert stored(emulator, entry["id"])["notes"] == "Approved"
    admin = v2()
    assert admin.patch(f"/time_entries/{entry['id']}", json={"notes": "Fixed"}).status_code == 200
    assert "spent_date" in message(admin.patch(f"/time_entries/{entry['id']}",
                                               json={"spent_date": "2026-01-01"}), 422)
    lock(emulator, entry["id"], is_closed=True, is_billed=True)
    assert client.get(f"/time_entries/{entry['id']}").json()["locked_reason"] == \
        "Item Invoiced and Approved and Locked for this Time Period"
    assert admin.delete(f"/time_entries/{entry['id']}").status_code == 200
    assert stored(emulator, entry["id"]) is None


def test_billed_but_not_approved_is_not_locked(v2: V2, emulator: RunningEmulator) -> None:
    entry = create(v2, emulator, hours=1)
    lock(emulator, entry["id"], is_billed=True)
    shown = v2("polly").get(f"/time_entries/{entry['id']}").json()
    assert (shown["is_billed"], shown["is_locked"]) == (True, False)


# -- deleting --------------------------------------------------------------------------------


def test_delete(v2: V2, emulator: RunningEmulator) -> None:
    entry = create(v2, emulator, hours=1)
    message(v2("manuel").delete(f"/time_entries/{entry['id']}"), 404)
    response = v2("polly").delete(f"/time_entries/{entry['id']}")
    assert (response.status_code, response.content) == (200, b"")
    message(v2("polly").get(f"/time_entries/{entry['id']}"), 404)
    message(v2("polly").delete(f"/time_entries/{entry['id']}"), 404)


def test_no_delete_on_an_archived_project_or_task(v2: V2, emulator: RunningEmulator) -> None:
    entry = create(v2, emulator, hours=1)
    web, design = emulator.info.ids[WEB], emulator.info.ids[DESIGN]
    emulator.store.execute("UPDATE projects SET active = 0 WHERE id = ?", web)
    assert "archived" in message(v2().delete(f"/time_entries/{entry['id']}"), 422)
    emulator.store.execute("UPDATE projects SET active = 1 WHERE id = ?", web)
    emulator.store.execute("UPDATE tasks SET deactivated = 1 WHERE id = ?", design)
    message(v2("polly").delete(f"/time_entries/{entry['id']}"), 422)
    assert stored(emulator, entry["id"]) is not None


def test_delete_external_reference(v2: V2, emulator: RunningEmulator) -> None:
    entry = create(v2, emulator, hours=1)
    assert v2("polly").delete(f"/time_entries/{entry['id']}/external_reference"
                              ).status_code == 200
    assert stored(emulator, entry["id"]) is not None


def test_admin_locks_through_the_emulator_endpoint_work_for_v2(emulator: RunningEmulator,
                                                               v2: V2) -> None:
    entry = create(v2, emulator, hours=1)
    response = httpx.post(f"{emulator.admin_url}/entries/{entry['id']}", json={"is_closed": True})
    assert response.status_code == 200
    assert v2("polly").get(f"/time_entries/{entry['id']}").json()["is_locked"] is True
    assert uid(emulator, "polly") == entry["user"]["id"]
