"""The Time Tracking API, reading and adding: ``GET /daily``, ``/daily/{day}/{year}``,
``/daily/show/{id}`` and ``POST /daily/add`` in every wire form real v1 clients used."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest

from emulator.runner import RunningEmulator
from tests.emulator.conftest import Api, refusal
from tests.emulator.daily_support import (
    BUTTER,
    DATA,
    DESIGN,
    ENTRY_KEYS,
    LEGACY,
    MEETINGS,
    WEB,
    add,
    entry_body,
    freeze,
    ids,
    row,
    snapshot,
    types,
    uid,
    xml,
)

# -- GET /daily -------------------------------------------------------------------------------------


def test_daily_json_lists_the_days_entries_and_the_projects_one_may_track_to(
        api: Api, emulator: RunningEmulator) -> None:
    today = freeze(emulator)
    polly = api("polly")
    added = add(polly, emulator, hours=2, notes="Wireframes")
    body = polly.get("/daily").json()
    assert set(body) == {"for_day", "day_entries", "projects"}
    assert body["for_day"] == today.isoformat()
    assert [e["id"] for e in body["day_entries"]] == [added["id"]]
    assert set(body["day_entries"][0]) == ENTRY_KEYS
    by_name = {p["name"]: p for p in body["projects"]}
    assert "Legacy Portal" not in by_name  # archived
    web = by_name["Website Redesign"]
    assert set(web) == {"id", "name", "code", "client", "client_id", "tasks"}
    assert web["id"] == emulator.info.ids[WEB] and web["code"] == "ACME-01"
    assert web["client"] == "Acme Corp" and web["client_id"] == emulator.info.ids["client:Acme Corp"]
    tasks = {t["name"]: t for t in web["tasks"]}
    assert set(tasks) == {"Design", "Development", "Project Management", "Meetings"}
    assert tasks["Design"] == {"id": emulator.info.ids[DESIGN], "name": "Design", "billable": True}
    assert tasks["Meetings"]["billable"] is False


def test_daily_xml_follows_the_documents_tags_and_types(api: Api, emulator: RunningEmulator) -> None:
    today = freeze(emulator)
    add(api("polly"), emulator, hours=3, notes="Test API support")
    root = xml(api("polly", fmt="xml").get("/daily"))
    assert root.tag == "daily"
    assert [child.tag for child in root] == ["for_day", "day_entries", "projects"]
    assert root.find("for_day").get("type") == "date" and root.find("for_day").text == today.isoformat()
    entry = root.find("day_entries/day_entry")
    assert types(entry) == {
        "id": "integer", "spent_at": "date", "user_id": "integer", "client": None,
        "project_id": None, "project": None, "task_id": None, "task": None, "hours": "float",
        "hours_without_timer": "float", "notes": None, "is_billed": "boolean",
        "is_closed": "boolean", "created_at": "datetime", "updated_at": "datetime"}
    assert entry.find("hours").text == "3.00"
    assert entry.find("created_at").text == "Wed, 25 Nov 2026 12:00:00 +0000"
    project = root.find("projects/project")
    assert [child.tag for child in project] == ["name", "code", "id", "client", "client_id", "tasks"]
    assert types(project)["id"] == "integer" and types(project)["client_id"] == "integer"
    assert types(project.find("tasks/task")) == {"name": None, "id": "integer", "billable": "boolean"}


@pytest.mark.parametrize("who,expected", [("polly", date(2026, 11, 25)),   # London, UTC+0
                                          ("manuel", date(2026, 11, 26))])  # Madrid, UTC+1
def test_today_is_the_persons_day_in_their_time_zone(api: Api, emulator: RunningEmulator,
                                                     who: str, expected: date) -> None:
    freeze(emulator, datetime(2026, 11, 25, 23, 30, tzinfo=UTC))
    assert api(who).get("/daily").json()["for_day"] == expected.isoformat()
    added = add(api(who), emulator, hours=1)
    assert added["spent_at"] == expected.isoformat()  # spent_at defaults to that day too


def test_daily_offers_only_assigned_projects_and_live_tasks(api: Api, emulator: RunningEmulator) -> None:
    web, data = ids(emulator, WEB, DATA)
    store = emulator.store
    store.execute("DELETE FROM user_assignments WHERE project_id = ? AND user_id = ?",
                  data, uid(emulator, "polly"))
    store.execute("UPDATE task_assignments SET deactivated = 1 WHERE project_id = ? AND task_id = ?",
                  web, emulator.info.ids[MEETINGS])
    projects = {p["id"]: p for p in api("polly").get("/daily").json()["projects"]}
    assert data not in projects
    assert "Meetings" not in {t["name"] for t in projects[web]["tasks"]}
    assert data in {p["id"] for p in api("basil").get("/daily").json()["projects"]}


def test_daily_of_a_given_day_of_the_year(api: Api, emulator: RunningEmulator) -> None:
    polly = uid(emulator, "polly")
    day = emulator.store.scalar("SELECT MAX(spent_at) FROM day_entries WHERE user_id = ?", polly)
    spent = date.fromisoformat(day)
    stored = emulator.store.all("SELECT id FROM day_entries WHERE user_id = ? AND spent_at = ?",
                                polly, day)
    body = api("polly").get(f"/daily/{spent.timetuple().tm_yday}/{spent.year}").json()
    assert body["for_day"] == day
    assert sorted(e["id"] for e in body["day_entries"]) == sorted(r["id"] for r in stored)
    assert all(e["user_id"] == polly for e in body["day_entries"])
    root = xml(api("polly", fmt="xml").get(f"/daily/{spent.timetuple().tm_yday}/{spent.year}"))
    assert len(root.findall("day_entries/day_entry")) == len(stored)


@pytest.mark.parametrize("path,status", [("/daily/366/2024", 200), ("/daily/1/2026", 200),
                                         ("/daily/366/2026", 400), ("/daily/0/2026", 400),
                                         ("/daily/abc/2026", 404), ("/daily/5/0", 400)])
def test_daily_day_of_year_bounds(api: Api, path: str, status: int) -> None:
    response = api("polly").get(path)
    assert response.status_code == status
    if status == 400:
        assert response.headers["Hint"]


def test_get_and_delete_with_a_null_json_body_are_fine(api: Api, emulator: RunningEmulator) -> None:
    polly = api("polly")
    assert polly.request("GET", "/daily", content=b"null").status_code == 200
    assert polly.request("GET", "/daily", content=b"{}").status_code == 200
    added = add(polly, emulator, hours=1)
    assert polly.request("GET", f"/daily/show/{added['id']}", content=b"null").status_code == 200
    assert polly.request("DELETE", f"/daily/delete/{added['id']}", content=b"null").status_code == 200
    assert row(emulator, added["id"]) is None


# -- GET /daily/show/{id} ----------------------------------------------------------------------------


def test_show_in_json_and_xml(api: Api, emulator: RunningEmulator) -> None:
    added = add(api("polly"), emulator, hours=1.25, notes="Menu")
    shown = api("polly").get(f"/daily/show/{added['id']}").json()
    assert shown == added
    root = xml(api("polly", fmt="xml").get(f"/daily/show/{added['id']}"))
    assert root.tag == "day_entry"
    assert root.find("id").text == str(added["id"]) and root.find("hours").text == "1.25"
    assert root.find("notes").text == "Menu" and root.find("project").text == "Website Redesign"


def test_show_is_scoped_to_the_timesheet(api: Api, emulator: RunningEmulator) -> None:
    added = add(api("polly"), emulator, hours=1)
    path = f"/daily/show/{added['id']}"
    assert api("manuel").get(path).status_code == 404  # another person's entry
    assert api("sybil").get(path).status_code == 404  # admins name the timesheet with of_user
    assert api("sybil").get(path, params={"of_user": uid(emulator, "polly")}).status_code == 200
    assert api("basil").get(path, params={"of_user": uid(emulator, "polly")}).status_code == 403
    assert api("sybil").get(path, params={"of_user": 999}).status_code == 404
    assert api("polly").get("/daily/show/1").status_code == 404
    assert api("polly").get("/daily/show/abc").status_code == 404


def test_of_user_on_daily_is_for_administrators(api: Api, emulator: RunningEmulator) -> None:
    freeze(emulator)
    added = add(api("polly"), emulator, hours=1)
    polly = uid(emulator, "polly")
    seen = api("sybil").get("/daily", params={"of_user": polly}).json()
    assert [e["id"] for e in seen["day_entries"]] == [added["id"]]
    forbidden = api("manuel").get("/daily", params={"of_user": polly})
    assert forbidden.status_code == 403 and "day_entries" not in forbidden.text
    assert api("polly").get("/daily", params={"of_user": polly}).status_code == 200


# -- POST /daily/add ----------------------------------------------------------------------------------


def test_add_json_as_the_document_sends_it(api: Api, emulator: RunningEmulator) -> None:
    freeze(emulator)
    project_id, task_id = ids(emulator, WEB, DESIGN)
    response = api("polly").post("/daily/add", json={
        "notes": "Test API support", "hours": 3, "project_id": str(project_id),
        "task_id": str(task_id), "spent_at": "2016-1-24"})
    assert response.status_code == 201 and "location" not in response.headers
    body = response.json()
    assert set(body) == ENTRY_KEYS
    assert body["project_id"] == project_id and body["task_id"] == task_id  # integers back
    assert body["spent_at"] == "2016-01-24" and body["hours"] == 3 and body["hours_without_timer"] == 3
    assert body["timer_started_at"] is None
    assert body["client"] == "Acme Corp" and body["project"] == "Website Redesign" and body["task"] == "Design"
    assert body["user_id"] == uid(emulator, "polly")
    assert body["created_at"] == body["updated_at"] == "2026-11-25T12:00:00Z"
    stored = row(emulator, body["id"])
    assert stored is not None
    assert (stored["spent_at"], stored["hours"], stored["notes"], stored["timer_started_at"]) == (
        "2016-01-24", 3.0, "Test API support", None)


def test_add_xml_request_with_typed_elements(api: Api, emulator: RunningEmulator) -> None:
    project_id, task_id = ids(emulator, WEB, DESIGN)
    response = api("polly", fmt="xml").post("/daily/add", content=f"""<request>
  <notes>Test API support</notes>
  <hours>3</hours>
  <project_id type="integer">{project_id}</project_id>
  <task_id type="integer">{task_id}</task_id>
  <spent_at type="date">Sun, Jan 24 2015</spent_at>
</request>""")
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "add" and [child.tag for child in root] == ["day_entry"]
    entry = root.find("day_entry")
    assert entry.find("spent_at").text == "2015-01-24" and entry.find("hours").text == "3.00"
    assert entry.find("project_id").text == str(project_id)
    assert entry.find("timer_started_at") is None  # not running
    stored = row(emulator, int(entry.find("id").text))
    assert stored is not None and stored["spent_at"] == "2015-01-24"


@pytest.mark.parametrize("spent_at,expected", [("Sun, Jan 24 2015", "2015-01-24"),
                                               ("2016-1-24", "2016-01-24"),
                                               ("Wed, 25 Nov 2026", "2026-11-25"),
                                               ("2026-11-25", "2026-11-25")])
def test_add_takes_every_spent_at_form(api: Api, emulator: RunningEmulator, spent_at: str,
                                       expected: str) -> None:
    assert add(api("polly"), emulator, hours=1, spent_at=spent_at)["spent_at"] == expected


def test_add_form_encoded(api: Api, emulator: RunningEmulator) -> None:
    project_id, task_id = ids(emulator, WEB, DESIGN)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    flat = api("polly").post("/daily/add", headers=form, content=(
        f"notes=Form+notes&hours=1.5&project_id={project_id}&task_id={task_id}"))
    assert flat.status_code == 201 and flat.json()["notes"] == "Form notes"
    nested = api("polly").post("/daily/add", headers=form, content=(
        f"day_entry[notes]=Nested&day_entry[hours]=0.5&day_entry[project_id]={project_id}"
        f"&day_entry[task_id]={task_id}"))
    assert nested.status_code == 201 and nested.json()["hours"] == 0.5
    assert row(emulator, nested.json()["id"])["notes"] == "Nested"


def test_add_from_the_query_string_with_an_empty_body(api: Api, emulator: RunningEmulator) -> None:
    project_id, task_id = ids(emulator, WEB, DESIGN)
    response = api("polly").post("/daily/add", content=b"", params={
        "notes": "From the query", "hours": "1.5", "project_id": project_id, "task_id": task_id})
    assert response.status_code == 201
    stored = row(emulator, response.json()["id"])
    assert stored is not None and (stored["notes"], stored["hours"]) == ("From the query", 1.5)


def test_add_hours_as_hours_and_minutes(api: Api, emulator: RunningEmulator) -> None:
    assert add(api("polly"), emulator, hours="1:30")["hours"] == 1.5


def test_admin_adds_for_another_person_with_of_user(api: Api, emulator: RunningEmulator) -> None:
    polly = uid(emulator, "polly")
    response = api("sybil").post("/daily/add", params={"of_user": polly},
                                 json=entry_body(emulator, hours=2))
    assert response.status_code == 201 and response.json()["user_id"] == polly
    before = snapshot(emulator)
    refused = api("basil").post("/daily/add", params={"of_user": polly},
                                json=entry_body(emulator, hours=2))
    assert refused.status_code == 403
    assert snapshot(emulator) == before


# -- refusals: a clear 4xx and nothing written --------------------------------------------------------


def _refusals(emulator: RunningEmulator) -> list[tuple[str, dict | bytes, int, str]]:
    web, data, legacy, design, butter = ids(emulator, WEB, DATA, LEGACY, DESIGN, BUTTER)
    ok = {"project_id": web, "task_id": design, "hours": 1}
    return [
        ("bad hours", {**ok, "hours": "abc"}, 400, "hours"),
        ("negative hours", {**ok, "hours": -1}, 400, "hours"),
        ("impossible date", {**ok, "spent_at": "2026-02-30"}, 400, "spent_at"),
        ("not a date", {**ok, "spent_at": "someday"}, 400, "spent_at"),
        ("project as an object", {**ok, "project_id": {"id": web}}, 400, "project_id"),
        ("notes as a list", {**ok, "notes": ["a"]}, 400, "notes"),
        ("no project", {"task_id": design, "hours": 1}, 400, "project_id"),
        ("no task", {"project_id": web, "hours": 1}, 400, "task_id"),
        ("unknown project", {**ok, "project_id": 1}, 400, "project"),
        ("archived project", {**ok, "project_id": legacy, "task_id": design}, 400, "archived"),
        ("task not on project", {**ok, "task_id": butter}, 400, "task"),
        ("unassigned project", {**ok, "project_id": data, "task_id": design}, 400, "assigned"),
        ("clock times on a duration account", {"project_id": web, "task_id": design,
                                               "started_at": "8:00am", "ended_at": "9:00am"},
         400, "timestamp"),
        ("a JSON array", b"[1, 2]", 400, "JSON object"),
        ("broken JSON", b'{"hours": ', 400, "JSON"),
    ]


def test_add_refusals_are_clear_and_write_nothing(api: Api, emulator: RunningEmulator) -> None:
    polly = api("polly")
    emulator.store.execute("DELETE FROM user_assignments WHERE project_id = ? AND user_id = ?",
                           emulator.info.ids[DATA], uid(emulator, "polly"))
    for name, body, status, words in _refusals(emulator):
        before = snapshot(emulator)
        if isinstance(body, bytes):
            response = polly.post("/daily/add", content=body)
        else:
            response = polly.post("/daily/add", json=body)
        assert response.status_code == status, name
        message = refusal(response)
        assert words.lower() in message.lower(), (name, message)
        assert response.headers["Hint"] == message, name
        assert snapshot(emulator) == before, name


def test_add_refusal_in_xml_names_the_field(api: Api, emulator: RunningEmulator) -> None:
    project_id, task_id = ids(emulator, WEB, DESIGN)
    before = snapshot(emulator)
    response = api("polly", fmt="xml").post("/daily/add", content=(
        f"<request><hours>abc</hours><project_id>{project_id}</project_id>"
        f"<task_id>{task_id}</task_id></request>"))
    assert response.status_code == 400
    assert "hours" in refusal(response)  # plain text with the Hint, not XML
    bad_int = api("polly", fmt="xml").post("/daily/add", content=(
        f'<request><project_id type="integer">five</project_id><task_id>{task_id}</task_id></request>'))
    assert bad_int.status_code == 400 and "project_id" in bad_int.headers["Hint"]
    assert snapshot(emulator) == before


def test_a_huge_body_is_refused_with_413(api: Api, emulator: RunningEmulator) -> None:
    before = snapshot(emulator)
    body = entry_body(emulator, hours=1, notes="x" * (2 * 1024 * 1024))
    response = api("polly").post("/daily/add", json=body)
    assert response.status_code == 413
    assert snapshot(emulator) == before


def test_unauthenticated_add_is_401(emulator: RunningEmulator) -> None:
    before = snapshot(emulator)
    response = httpx.post(emulator.base_url + "/daily/add", json=entry_body(emulator, hours=1),
                          headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert snapshot(emulator) == before
