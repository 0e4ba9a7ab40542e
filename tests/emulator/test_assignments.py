"""``/projects/{id}/task_assignments`` and ``/projects/{id}/user_assignments`` over real HTTP:
which tasks a project offers and who works on it, in JSON and XML, for each role."""

from __future__ import annotations

import pytest
import requests
from defusedxml import ElementTree
from harvest import Harvest

from emulator.runner import RunningEmulator
from tests.emulator.conftest import ERROR_TYPE, Api

TA_FIELDS = ["id", "project_id", "task_id", "billable", "deactivated", "hourly_rate", "budget",
             "created_at", "updated_at"]
UA_FIELDS = ["id", "user_id", "project_id", "is_project_manager", "deactivated", "hourly_rate",
             "created_at", "updated_at"]


def _project(emulator: RunningEmulator, name: str = "Mobile App") -> int:
    return emulator.info.ids[f"project:{name}"]


def _ta(emulator: RunningEmulator, project: int, task: int) -> dict | None:
    return emulator.store.one("SELECT * FROM task_assignments WHERE project_id = ? AND task_id = ?",
                              project, task)


def _ua(emulator: RunningEmulator, project: int, user: int) -> dict | None:
    return emulator.store.one("SELECT * FROM user_assignments WHERE project_id = ? AND user_id = ?",
                              project, user)


@pytest.mark.parametrize("kind", ["task_assignments", "user_assignments"])
@pytest.mark.parametrize("who,project,status", [
    ("sybil", "Data Migration", 200), ("basil", "Mobile App", 200),
    ("basil", "Data Migration", 403), ("polly", "Mobile App", 403),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_who_may_read_assignments(api: Api, emulator: RunningEmulator, kind: str, who: str,
                                  project: str, status: int, fmt: str) -> None:
    response = api(who, fmt=fmt).get(f"/projects/{_project(emulator, project)}/{kind}")
    assert response.status_code == status
    if status == 403:
        assert b"_id" not in response.content and b"-id" not in response.content


def test_unknown_project_or_assignment_is_404(api: Api, emulator: RunningEmulator) -> None:
    assert api("sybil").get("/projects/999/task_assignments").status_code == 404
    other = emulator.store.scalar("SELECT id FROM task_assignments WHERE project_id = ?",
                                  _project(emulator, "Internal"))
    assert api("sybil").get(f"/projects/{_project(emulator)}/task_assignments/{other}") \
        .status_code == 404


# -- task assignments ------------------------------------------------------------------------


def test_task_assignments_in_json_and_xml(api: Api, emulator: RunningEmulator) -> None:
    project = _project(emulator)
    body = api("basil").get(f"/projects/{project}/task_assignments").json()
    assert all(list(item) == ["task_assignment"] for item in body)
    assignments = [item["task_assignment"] for item in body]
    assert list(assignments[0]) == TA_FIELDS
    assert {a["task_id"] for a in assignments} == {emulator.info.ids[f"task:{name}"] for name in
                                                   ("Design", "Development", "Research")}
    assert all(a["project_id"] == project for a in assignments)
    root = ElementTree.fromstring(api("sybil", fmt="xml").get(
        f"/projects/{project}/task_assignments").content)
    assert root.tag == "task-assignments" and [c.tag for c in root] == ["task-assignment"] * 3
    first = root[0]
    assert [c.tag for c in first] == [f.replace("_", "-") for f in TA_FIELDS]
    assert {c.tag: c.get("type") for c in first} == {
        "id": "integer", "project-id": "integer", "task-id": "integer", "billable": "boolean",
        "deactivated": "boolean", "hourly-rate": "decimal", "budget": "decimal",
        "created-at": "datetime", "updated-at": "datetime"}
    one = api("sybil").get(f"/projects/{project}/task_assignments/{assignments[0]['id']}.json")
    assert one.json() == {"task_assignment": assignments[0]}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_assign_a_task(api: Api, emulator: RunningEmulator, fmt: str) -> None:
    project, meetings = _project(emulator), emulator.info.ids["task:Meetings"]
    if fmt == "json":
        response = api("basil").post(f"/projects/{project}/task_assignments/",
                                     json={"task": {"id": str(meetings)}})
    else:
        response = api("basil", fmt="xml").post(
            f"/projects/{project}/task_assignments",
            content=f'<task><id type="integer">{meetings}</id></task>')
    assert response.status_code == 201 and response.content == b""
    row = _ta(emulator, project, meetings)
    assert response.headers["location"] == f"/projects/{project}/task_assignments/{row['id']}"
    assert row["billable"] == 0  # Meetings is not billable by default
    again = api("sybil").post(f"/projects/{project}/task_assignments", json={"task": {"id": meetings}})
    assert again.status_code == 400


def test_assign_task_refusals(api: Api, emulator: RunningEmulator) -> None:
    project = _project(emulator)
    before = emulator.store.scalar("SELECT COUNT(*) FROM task_assignments")
    for body in ({"task": {"id": "abc"}}, {"task": {"id": 999}}, {"task": {}}):
        response = api("sybil").post(f"/projects/{project}/task_assignments", json=body)
        assert response.status_code == 400 and response.headers["hint"]
    meetings = emulator.info.ids["task:Meetings"]
    assert api("polly").post(f"/projects/{project}/task_assignments",
                             json={"task": {"id": meetings}}).status_code == 403
    migration = _project(emulator, "Data Migration")
    assert api("basil").post(f"/projects/{migration}/task_assignments",
                             json={"task": {"id": meetings}}).status_code == 403
    assert emulator.store.scalar("SELECT COUNT(*) FROM task_assignments") == before


def test_add_with_create_new_task(api: Api, emulator: RunningEmulator) -> None:
    project = _project(emulator)
    response = api("sybil", fmt="xml").post(
        f"/projects/{project}/task_assignments/add_with_create_new_task",
        content="<task><name>Backend Development</name></task>")
    assert response.status_code == 201
    task = emulator.store.one("SELECT * FROM tasks WHERE name = 'Backend Development'")
    row = _ta(emulator, project, task["id"])
    assert response.headers["location"] == f"/projects/{project}/task_assignments/{row['id']}"
    taken = api("sybil").post(f"/projects/{project}/task_assignments/add_with_create_new_task",
                              json={"task": {"name": "Design"}})
    assert taken.status_code == 400


def test_update_a_task_assignment(api: Api, emulator: RunningEmulator) -> None:
    project, design = _project(emulator), emulator.info.ids["task:Design"]
    assignment = _ta(emulator, project, design)
    response = api("sybil", fmt="xml").put(
        f"/projects/{project}/task_assignments/{assignment['id']}",
        content='<task-assignment><billable type="boolean">false</billable>'
                '<budget type="decimal">3234</budget><hourly-rate type="decimal">100</hourly-rate>'
                '</task-assignment>')
    assert response.status_code == 200
    row = _ta(emulator, project, design)
    assert (row["billable"], row["budget"], row["hourly_rate"]) == (0, 3234.0, 100.0)
    bad = api("sybil").put(f"/projects/{project}/task_assignments/{assignment['id']}",
                           json={"task_assignment": {"budget": "x", "billable": True}})
    assert bad.status_code == 400 and _ta(emulator, project, design)["billable"] == 0


def test_python_harvest_changes_a_task_assignment_with_a_dashed_key(
        emulator: RunningEmulator) -> None:
    login = emulator.info.logins["sybil"]
    client = Harvest(emulator.base_url, login.email, login.password)
    project, design = _project(emulator), emulator.info.ids["task:Design"]
    assignment = _ta(emulator, project, design)
    assert len(client.get_all_tasks_from_project(project)) == 3
    client.change_task_from_project(project, assignment["id"], {"hourly-rate": 80})
    assert _ta(emulator, project, design)["hourly_rate"] == 80.0
    created = client.assign_task_to_project(project, task={"id": emulator.info.ids["task:Meetings"]})
    assert created.status_code == 201
    # Already on the project: the plain-text refusal does not parse as JSON, so that client
    # hands back the response itself (never a dict it could mistake for a record).
    refused = client.assign_user_to_project(_project(emulator, "Internal"),
                                            emulator.info.logins["sybil"].user_id)
    assert isinstance(refused, requests.Response), refused
    assert refused.headers["content-type"] == ERROR_TYPE
    assert "already assigned" in refused.headers["Hint"]
    assert refused.text == refused.headers["Hint"] + "\n"


def test_removing_a_task_with_hours_archives_it_with_a_hint(api: Api,
                                                           emulator: RunningEmulator) -> None:
    project = _project(emulator)
    worked = emulator.store.one("SELECT task_id FROM day_entries WHERE project_id = ? LIMIT 1",
                                project)["task_id"]
    assignment = _ta(emulator, project, worked)
    response = api("basil").delete(f"/projects/{project}/task_assignments/{assignment['id']}")
    assert response.status_code == 200 and "archived" in response.headers["hint"]
    assert _ta(emulator, project, worked)["deactivated"] == 1


def test_removing_a_task_without_hours_deletes_it_but_never_the_last(
        api: Api, emulator: RunningEmulator) -> None:
    project = _project(emulator, "Legacy Portal")  # one task, never worked on
    only = emulator.store.one("SELECT * FROM task_assignments WHERE project_id = ?", project)
    last = api("sybil").delete(f"/projects/{project}/task_assignments/{only['id']}")
    assert last.status_code == 400 and "one task" in last.headers["hint"]
    research = emulator.info.ids["task:Research"]
    api("sybil").post(f"/projects/{project}/task_assignments", json={"task": {"id": research}})
    response = api("sybil", fmt="xml").delete(f"/projects/{project}/task_assignments/{only['id']}")
    assert response.status_code == 200 and "hint" not in response.headers
    assert emulator.store.one("SELECT * FROM task_assignments WHERE id = ?", only["id"]) is None
    assert api("sybil").get(f"/projects/{project}/task_assignments/{only['id']}").status_code == 404


# -- user assignments ------------------------------------------------------------------------


def test_user_assignments_in_json_and_xml(api: Api, emulator: RunningEmulator) -> None:
    project = _project(emulator)
    assignments = [item["user_assignment"] for item in
                   api("basil").get(f"/projects/{project}/user_assignments").json()]
    assert list(assignments[0]) == UA_FIELDS
    managers = {a["user_id"] for a in assignments if a["is_project_manager"]}
    assert managers == {emulator.info.logins["basil"].user_id}
    root = ElementTree.fromstring(api("sybil", fmt="xml").get(
        f"/projects/{project}/user_assignments").content)
    assert root.tag == "user-assignments" and root[0].tag == "user-assignment"
    assert root[0].find("is-project-manager").get("type") == "boolean"
    one = api("sybil").get(f"/projects/{project}/user_assignments/{assignments[0]['id']}").json()
    assert one == {"user_assignment": assignments[0]}


def test_assign_update_and_remove_a_person(api: Api, emulator: RunningEmulator) -> None:
    sybil = api("sybil")
    created = sybil.post("/people", json={"user": {"first_name": "Terry", "last_name": "Hughes",
                                                   "email": "terry@example.com"}})
    terry = int(created.headers["location"].rsplit("/", 1)[1])
    project = _project(emulator)
    response = api("basil", fmt="xml").post(f"/projects/{project}/user_assignments",
                                            content=f'<user><id type="integer">{terry}</id></user>')
    assert response.status_code == 201
    row = _ua(emulator, project, terry)
    assert response.headers["location"] == f"/projects/{project}/user_assignments/{row['id']}"
    assert sybil.post(f"/projects/{project}/user_assignments",
                      json={"user": {"id": terry}}).status_code == 400
    updated = sybil.put(f"/projects/{project}/user_assignments/{row['id']}", json={
        "user_assignment": {"hourly_rate": "95.0", "is_project_manager": "true"}})
    assert updated.status_code == 200
    assert (_ua(emulator, project, terry)["hourly_rate"],
            _ua(emulator, project, terry)["is_project_manager"]) == (95.0, 1)
    removed = sybil.delete(f"/projects/{project}/user_assignments/{row['id']}")
    assert removed.status_code == 200 and "hint" not in removed.headers
    assert _ua(emulator, project, terry) is None


def test_removing_a_person_with_hours_archives_the_assignment(api: Api,
                                                             emulator: RunningEmulator) -> None:
    project, polly = _project(emulator), emulator.info.logins["polly"].user_id
    emulator.store.execute("UPDATE day_entries SET project_id = ? WHERE id = (SELECT MIN(id) FROM "
                           "day_entries WHERE user_id = ?)", project, polly)
    row = _ua(emulator, project, polly)
    response = api("sybil").delete(f"/projects/{project}/user_assignments/{row['id']}")
    assert response.status_code == 200 and "archived" in response.headers["hint"]
    assert _ua(emulator, project, polly)["deactivated"] == 1
    # Assigning again reactivates the archived assignment.
    again = api("sybil").post(f"/projects/{project}/user_assignments", json={"user": {"id": polly}})
    assert again.status_code == 201 and again.headers["location"].endswith(f"/{row['id']}")
    assert _ua(emulator, project, polly)["deactivated"] == 0


def test_assign_user_refusals(api: Api, emulator: RunningEmulator) -> None:
    project = _project(emulator)
    before = emulator.store.scalar("SELECT COUNT(*) FROM user_assignments")
    for body in ({"user": {"id": "abc"}}, {"user": {"id": 999}}, {}):
        assert api("sybil").post(f"/projects/{project}/user_assignments",
                                 json=body).status_code == 400
    assert api("polly").post(f"/projects/{project}/user_assignments",
                             json={"user": {"id": 1}}).status_code == 403
    assert emulator.store.scalar("SELECT COUNT(*) FROM user_assignments") == before
