"""One account, two wires: what v1 writes v2 reads, and the other way round."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from emulator.runner import RunningEmulator
from tests.emulator.daily_support import DESIGN, GOURMET, WEB, ids, uid
from tests.emulator_v2.conftest import V2, noon


@pytest.fixture
def v1(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    login = emulator.info.logins["polly"]
    with httpx.Client(base_url=emulator.base_url, auth=(login.email, login.password),
                      headers={"Accept": "application/json",
                               "Content-Type": "application/json"}) as client:
        yield client


def test_added_on_v1_is_read_on_v2(v1: httpx.Client, v2: V2, emulator: RunningEmulator) -> None:
    today = noon(emulator)
    project, task = ids(emulator, WEB, DESIGN)
    added = v1.post("/daily/add", json={"project_id": project, "task_id": task, "hours": "1.5",
                                        "notes": "From v1", "spent_at": today})
    assert added.status_code == 201
    entry_id = added.json()["id"]
    listed = v2("polly").get("/time_entries", params={
        "user_id": uid(emulator, "polly"), "from": today, "to": today}).json()["time_entries"]
    assert [(e["id"], e["hours"], e["notes"], e["project"]["id"], e["task"]["id"])
            for e in listed] == [(entry_id, 1.5, "From v1", project, task)]
    # The administrator and Basil (who manages the project) see it too.
    assert v2().get(f"/time_entries/{entry_id}").status_code == 200
    assert v2("basil").get(f"/time_entries/{entry_id}").status_code == 200


def test_created_on_v2_is_on_the_v1_timesheet(v1: httpx.Client, v2: V2,
                                              emulator: RunningEmulator) -> None:
    today = noon(emulator)
    project, task = ids(emulator, GOURMET, "task:Put butter on trays")
    created = v2("polly").post("/time_entries", json={
        "project_id": project, "task_id": task, "spent_date": today, "hours": 2,
        "notes": "From v2"}).json()
    daily = v1.get("/daily").json()
    assert daily["for_day"] == today
    assert [(e["id"], e["hours"], e["notes"], e["project"], e["client"])
            for e in daily["day_entries"]] == \
        [(created["id"], 2.0, "From v2", "Gourmet Night", "City of Torquay")]
    # v2's project assignments and v1's /daily offer the same projects and tasks.
    offered = {p["id"]: {t["id"] for t in p["tasks"]} for p in daily["projects"]}
    assigned = {a["project"]["id"]: {ta["task"]["id"] for ta in a["task_assignments"]
                                     if ta["is_active"]}
                for a in v2("polly").get("/users/me/project_assignments").json()[
                    "project_assignments"]}
    assert offered == assigned


def test_timers_agree_across_wires(v1: httpx.Client, v2: V2, emulator: RunningEmulator) -> None:
    noon(emulator)
    project, task = ids(emulator, WEB, DESIGN)
    started = v1.post("/daily/add", json={"project_id": project, "task_id": task}).json()
    client = v2("polly")
    running = client.get("/time_entries", params={"is_running": True}).json()["time_entries"]
    assert [e["id"] for e in running] == [started["id"]]
    emulator.clock.advance(1800)
    stopped = client.patch(f"/time_entries/{started['id']}/stop").json()
    assert stopped["hours"] == 0.5
    shown = v1.get(f"/daily/show/{started['id']}").json()
    assert (shown["hours"], shown["timer_started_at"]) == (0.5, None)
    toggled = v1.get(f"/daily/timer/{started['id']}").json()
    assert toggled["timer_started_at"] is not None
    assert client.get(f"/time_entries/{started['id']}").json()["is_running"] is True


def test_changes_and_deletes_agree(v1: httpx.Client, v2: V2, emulator: RunningEmulator) -> None:
    project, task = ids(emulator, WEB, DESIGN)
    entry = v2("polly").post("/time_entries", json={
        "project_id": project, "task_id": task, "spent_date": "2026-01-06", "hours": 1}).json()
    v1.post(f"/daily/update/{entry['id']}", json={"notes": "Edited on v1", "hours": "0.75"})
    again = v2("polly").get(f"/time_entries/{entry['id']}").json()
    assert (again["notes"], again["hours"]) == ("Edited on v1", 0.75)
    v2("polly").patch(f"/time_entries/{entry['id']}", json={"notes": "Edited on v2"})
    assert v1.get(f"/daily/show/{entry['id']}").json()["notes"] == "Edited on v2"
    assert v1.delete(f"/daily/delete/{entry['id']}").status_code == 200
    assert v2("polly").get(f"/time_entries/{entry['id']}").status_code == 404


def test_reports_agree(v2: V2, emulator: RunningEmulator) -> None:
    login = emulator.info.logins["sybil"]
    today = emulator.clock.now().date()
    start = today.replace(day=1) if today.day > 20 else today.replace(year=today.year - 1)
    person = uid(emulator, "manuel")
    v1_entries = httpx.get(f"{emulator.base_url}/people/{person}/entries", params={
        "from": f"{start:%Y%m%d}", "to": f"{today:%Y%m%d}"}, auth=(login.email, login.password),
        headers={"Accept": "application/json"}).json()
    rows = v2().get("/reports/time/team", params={"from": start.isoformat(),
                                                  "to": today.isoformat()}).json()["results"]
    v2_hours = sum(r["total_hours"] for r in rows if r["user_id"] == person)
    assert round(sum(item["day_entry"]["hours"] for item in v1_entries), 2) == round(v2_hours, 2)
