"""``/v2/time_entries``: the object, listing and filters, reading, creating and updating, by role."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.runner import RunningEmulator
from tests.emulator.daily_support import (
    DATA,
    DESIGN,
    DEVELOPMENT,
    GOURMET,
    LEGACY,
    WEB,
    ids,
    uid,
)
from tests.emulator_v2.conftest import V2, message, noon

ENTRY_FIELDS = ["id", "spent_date", "user", "client", "project", "task", "user_assignment",
                "task_assignment", "hours", "hours_without_timer", "rounded_hours", "notes",
                "created_at", "updated_at", "is_locked", "locked_reason", "approval_status",
                "is_closed", "is_billed", "timer_started_at", "started_time", "ended_time",
                "is_running", "invoice", "external_reference", "billable", "budgeted",
                "billable_rate", "cost_rate"]


def body(emulator: RunningEmulator, project: str = WEB, task: str = DESIGN,
         **fields: Any) -> dict[str, Any]:
    project_id, task_id = ids(emulator, project, task)
    today = emulator.clock.now().date().isoformat()
    return {"project_id": project_id, "task_id": task_id, "spent_date": today, **fields}


def create(v2: V2, emulator: RunningEmulator, who: str = "polly", **fields: Any) -> dict[str, Any]:
    response = v2(who).post("/time_entries", json=body(emulator, **fields))
    assert response.status_code == 201, response.text
    return response.json()


def stored(emulator: RunningEmulator, entry_id: int) -> dict[str, Any] | None:
    return emulator.store.one("SELECT * FROM day_entries WHERE id = ?", entry_id)


# -- the object ------------------------------------------------------------------------------


def test_created_entry_is_the_documented_object(v2: V2, emulator: RunningEmulator) -> None:
    today = noon(emulator)
    entry = create(v2, emulator, hours=1.25, notes="Wireframes")
    assert list(entry) == ENTRY_FIELDS
    web, design = ids(emulator, WEB, DESIGN)
    assert entry["spent_date"] == today
    assert entry["user"] == {"id": uid(emulator, "polly"), "name": "Polly Sherman"}
    assert entry["client"] == {"id": emulator.info.ids["client:Acme Corp"], "name": "Acme Corp"}
    assert entry["project"] == {"id": web, "name": "Website Redesign"}
    assert entry["task"] == {"id": design, "name": "Design"}
    assert (entry["hours"], entry["hours_without_timer"], entry["rounded_hours"]) == \
        (1.25, 1.25, 1.25)
    assert (entry["notes"], entry["is_running"], entry["timer_started_at"]) == \
        ("Wireframes", False, None)
    assert (entry["is_locked"], entry["locked_reason"], entry["is_closed"], entry["is_billed"],
            entry["approval_status"]) == (False, None, False, False, "unsubmitted")
    assert (entry["started_time"], entry["ended_time"]) == (None, None)
    assert entry["created_at"] == entry["updated_at"] == f"{today}T12:00:00Z"
    assert entry["billable"] is True and entry["billable_rate"] is None  # polly sees no rates
    assert entry["user_assignment"]["is_project_manager"] is False
    assert entry["task_assignment"]["billable"] is True
    row = stored(emulator, entry["id"])
    assert row is not None and (row["hours"], row["notes"], row["spent_at"]) == \
        (1.25, "Wireframes", today)


def test_rates_are_shown_to_administrators(v2: V2, emulator: RunningEmulator) -> None:
    entry = create(v2, emulator, who="sybil", project=GOURMET, task="task:Put butter on trays",
                   hours=2)
    assert entry["billable_rate"] == 95.0
    assert v2("polly").get("/time_entries", params={"project_id": entry["project"]["id"]}
                           ).json()["time_entries"][0]["billable_rate"] is None


# -- listing ---------------------------------------------------------------------------------


def _count(emulator: RunningEmulator, where: str = "1 = 1", *args: Any) -> int:
    return int(emulator.store.scalar(f"SELECT COUNT(*) FROM day_entries WHERE {where}", *args))


def test_each_role_sees_its_own_share(v2: V2, emulator: RunningEmulator) -> None:
    everything = v2().get("/time_entries").json()
    assert everything["total_entries"] == _count(emulator)
    polly = v2("polly").get("/time_entries").json()
    assert polly["total_entries"] == _count(emulator, "user_id = ?", uid(emulator, "polly"))
    assert {e["user"]["id"] for e in polly["time_entries"]} == {uid(emulator, "polly")}
    managed = ids(emulator, WEB, "project:Mobile App", GOURMET)
    basil = v2("basil").get("/time_entries").json()["time_entries"]
    assert len(basil) == _count(emulator, "user_id = ? OR project_id IN (?, ?, ?)",
                                uid(emulator, "basil"), *managed)
    others = [e for e in basil if e["user"]["id"] != uid(emulator, "basil")]
    assert others and all(e["project"]["id"] in managed for e in others)
    # A member asking for someone else's entries gets none of them.
    assert v2("polly").get("/time_entries", params={"user_id": uid(emulator, "manuel")}
                           ).json()["time_entries"] == []


def test_newest_day_first_and_newest_entry_first_within_a_day(v2: V2,
                                                              emulator: RunningEmulator) -> None:
    noon(emulator)
    first = create(v2, emulator, hours=1)
    second = create(v2, emulator, hours=2)
    listed = v2("polly").get("/time_entries").json()["time_entries"]
    assert [e["id"] for e in listed[:2]] == [second["id"], first["id"]]
    keys = [(e["spent_date"], e["id"]) for e in listed]
    assert keys == sorted(keys, reverse=True)


def test_filters(v2: V2, emulator: RunningEmulator) -> None:
    today = noon(emulator)
    polly = uid(emulator, "polly")
    client = v2()
    web, data = ids(emulator, WEB, DATA)
    by_project = client.get("/time_entries", params={"project_id": web}).json()["time_entries"]
    assert by_project and {e["project"]["id"] for e in by_project} == {web}
    assert len(by_project) == _count(emulator, "project_id = ?", web)
    globex = emulator.info.ids["client:Globex"]
    by_client = client.get("/time_entries", params={"client_id": globex}).json()["time_entries"]
    assert {e["client"]["id"] for e in by_client} == {globex}
    design = emulator.info.ids[DESIGN]
    assert {e["task"]["id"] for e in client.get(
        "/time_entries", params={"task_id": design}).json()["time_entries"]} == {design}
    days = sorted({row["spent_at"] for row in emulator.store.all(
        "SELECT spent_at FROM day_entries WHERE user_id = ?", polly)})
    for start, end in ((days[1], days[3]), (days[1].replace("-", ""), days[3].replace("-", ""))):
        ranged = client.get("/time_entries", params={"user_id": polly, "from": start,
                                                     "to": end}).json()["time_entries"]
        assert {e["spent_date"] for e in ranged} == set(days[1:4])
    timer = create(v2, emulator, project=DATA, task=DEVELOPMENT)
    running = client.get("/time_entries", params={"is_running": "true"}).json()["time_entries"]
    assert [e["id"] for e in running] == [timer["id"]]
    stopped = client.get("/time_entries", params={"is_running": "false"}).json()
    assert stopped["total_entries"] == _count(emulator) - 1
    emulator.store.execute("UPDATE day_entries SET is_billed = 1 WHERE id = ?", timer["id"])
    assert [e["id"] for e in client.get("/time_entries", params={"is_billed": True}
                                        ).json()["time_entries"]] == [timer["id"]]
    since = client.get("/time_entries", params={"updated_since": f"{today}T11:00:00Z"}).json()
    assert [e["id"] for e in since["time_entries"]] == [timer["id"]]
    assert client.get("/time_entries", params={"external_reference_id": "x"}).json()[
        "time_entries"] == []


# -- reading one -----------------------------------------------------------------------------


def test_reading_one_entry_by_role(v2: V2, emulator: RunningEmulator) -> None:
    on_web = create(v2, emulator, hours=1)
    on_data = create(v2, emulator, project=DATA, task=DEVELOPMENT, hours=1)
    assert v2("polly").get(f"/time_entries/{on_web['id']}").json() == on_web
    assert v2().get(f"/time_entries/{on_data['id']}").status_code == 200
    assert v2("basil").get(f"/time_entries/{on_web['id']}").status_code == 200  # he manages it
    message(v2("basil").get(f"/time_entries/{on_data['id']}"), 404)
    message(v2("manuel").get(f"/time_entries/{on_web['id']}"), 404)


# -- creating --------------------------------------------------------------------------------


def test_no_hours_starts_a_timer_and_stops_the_running_one(v2: V2,
                                                           emulator: RunningEmulator) -> None:
    today = noon(emulator)
    first = create(v2, emulator)
    assert (first["is_running"], first["hours"], first["timer_started_at"]) == \
        (True, 0.0, f"{today}T12:00:00Z")
    emulator.clock.advance(1800)
    second = create(v2, emulator, project=GOURMET, task="task:Put butter on trays")
    assert second["is_running"] is True
    again = v2("polly").get(f"/time_entries/{first['id']}").json()
    assert (again["is_running"], again["hours"], again["timer_started_at"]) == (False, 0.5, None)


@pytest.mark.parametrize("fields,word", [
    ({"spent_date": None}, "spent_date"),
    ({"project_id": None}, "project_id"),
    ({"task_id": "design"}, "task_id"),
    ({"hours": "lots"}, "hours"),
    ({"hours": 25}, "hours"),
    ({"spent_date": "2026-02-30"}, "spent_date"),
    ({"started_time": "9:00am"}, "started_time"),  # a duration company
])
def test_create_refusals_are_422(v2: V2, emulator: RunningEmulator, fields: dict,
                                 word: str) -> None:
    before = _count(emulator)
    sent = {key: value for key, value in {**body(emulator), **fields}.items() if value is not None}
    assert word in message(v2("polly").post("/time_entries", json=sent), 422)
    assert _count(emulator) == before


@pytest.mark.parametrize("project,task,word", [
    (LEGACY, DEVELOPMENT, "archived"),
    (WEB, "task:Put butter on trays", "not a task"),
])
def test_create_on_something_untrackable(v2: V2, emulator: RunningEmulator, project: str,
                                         task: str, word: str) -> None:
    response = v2("polly").post("/time_entries", json=body(emulator, project, task, hours=1))
    assert word in message(response, 422)


def test_acting_for_someone_else(v2: V2, emulator: RunningEmulator) -> None:
    polly = uid(emulator, "polly")
    by_admin = create(v2, emulator, who="sybil", user_id=polly, hours=1, project=DATA,
                      task=DEVELOPMENT)
    assert by_admin["user"]["id"] == polly
    by_manager = create(v2, emulator, who="basil", user_id=polly, hours=1)
    assert by_manager["user"]["id"] == polly and stored(emulator, by_manager["id"])["user_id"] == \
        polly
    message(v2("basil").post("/time_entries", json=body(emulator, DATA, DEVELOPMENT, hours=1,
                                                        user_id=polly)), 403)
    message(v2("polly").post("/time_entries", json=body(emulator, hours=1,
                                                        user_id=uid(emulator, "manuel"))), 403)
    message(v2().post("/time_entries", json=body(emulator, hours=1, user_id=999)), 422)
    emulator.store.execute("UPDATE users SET manager_permissions = '' WHERE id = ?",
                           uid(emulator, "basil"))
    message(v2("basil").post("/time_entries", json=body(emulator, hours=1, user_id=polly)), 403)
    # Naming oneself is just creating.
    assert create(v2, emulator, user_id=polly, hours=1)["user"]["id"] == polly


# -- updating --------------------------------------------------------------------------------


def test_patch_changes_only_what_it_names(v2: V2, emulator: RunningEmulator) -> None:
    today = noon(emulator)
    entry = create(v2, emulator, hours=1, notes="First")
    emulator.clock.advance(60)
    response = v2("polly").patch(f"/time_entries/{entry['id']}", json={"notes": "Second"})
    assert response.status_code == 200
    changed = response.json()
    assert (changed["notes"], changed["hours"], changed["updated_at"]) == \
        ("Second", 1.0, f"{today}T12:01:00Z")
    moved = v2("polly").patch(f"/time_entries/{entry['id']}", json={
        "project_id": emulator.info.ids[GOURMET], "task_id": emulator.info.ids["task:Meetings"],
        "spent_date": "2026-01-02", "hours": "1:30"}).json()
    assert (moved["project"]["name"], moved["task"]["name"], moved["spent_date"],
            moved["hours"]) == ("Gourmet Night", "Meetings", "2026-01-02", 1.5)


def test_patch_cannot_change_the_owner(v2: V2, emulator: RunningEmulator) -> None:
    entry = create(v2, emulator, hours=1)
    message(v2().patch(f"/time_entries/{entry['id']}",
                       json={"user_id": uid(emulator, "manuel")}), 422)
    same = v2().patch(f"/time_entries/{entry['id']}",
                      json={"user_id": uid(emulator, "polly"), "notes": "ok"})
    assert same.status_code == 200 and stored(emulator, entry["id"])["user_id"] == \
        uid(emulator, "polly")


def test_patch_by_role(v2: V2, emulator: RunningEmulator) -> None:
    entry = create(v2, emulator, hours=1)
    message(v2("manuel").patch(f"/time_entries/{entry['id']}", json={"notes": "x"}), 404)
    assert v2("basil").patch(f"/time_entries/{entry['id']}", json={"notes": "by Basil"}
                             ).status_code == 200
    message(v2("basil").patch(f"/time_entries/{entry['id']}", json={
        "project_id": emulator.info.ids[DATA],
        "task_id": emulator.info.ids[DEVELOPMENT]}), 403)
    emulator.store.execute("UPDATE users SET manager_permissions = '' WHERE id = ?",
                           uid(emulator, "basil"))
    message(v2("basil").patch(f"/time_entries/{entry['id']}", json={"notes": "x"}), 403)
    assert stored(emulator, entry["id"])["notes"] == "by Basil"
