"""``/projects`` over real HTTP: every call of projects.txt, both formats, each role, and what the
store holds afterwards."""

from __future__ import annotations

import httpx
import pytest
from defusedxml import ElementTree
from harvest import Harvest

from emulator.runner import RunningEmulator
from tests.emulator.conftest import Api, refusal

DOCUMENTED = ["id", "name", "active", "billable", "bill_by", "hourly_rate", "client_id", "code",
              "notes", "budget_by", "budget", "fees", "created_at", "updated_at"]
XML_TYPES = {"id": "integer", "active": "boolean", "billable": "boolean",
             "hourly-rate": "decimal", "client-id": "integer", "budget": "decimal",
             "created-at": "datetime", "updated-at": "datetime"}


def _ids(emulator: RunningEmulator, *names: str) -> list[int]:
    return [emulator.info.ids[f"project:{name}"] for name in names]


def _row(emulator: RunningEmulator, project_id: int) -> dict | None:
    return emulator.store.one("SELECT * FROM projects WHERE id = ?", project_id)


def _count(emulator: RunningEmulator) -> int:
    return emulator.store.scalar("SELECT COUNT(*) FROM projects")


def _new_id(response: httpx.Response) -> int:
    location = response.headers["location"]
    assert location.startswith("/projects/")
    return int(location.rsplit("/", 1)[1])


# -- reading ---------------------------------------------------------------------------------


def test_admin_lists_every_project_wrapped_in_json(api: Api, emulator: RunningEmulator) -> None:
    response = api("sybil").get("/projects")
    assert response.status_code == 200
    body = response.json()
    assert all(list(item) == ["project"] for item in body)
    projects = [item["project"] for item in body]
    assert {p["name"] for p in projects} == {"Website Redesign", "Mobile App", "Gourmet Night",
                                            "Data Migration", "Internal", "Legacy Portal"}
    first = next(p for p in projects if p["name"] == "Website Redesign")
    assert list(first)[:len(DOCUMENTED)] == DOCUMENTED
    assert first["id"] == emulator.info.ids["project:Website Redesign"]
    assert first["client_id"] == emulator.info.ids["client:Acme Corp"]
    assert (first["active"], first["code"], first["bill_by"], first["budget"]) == \
        (True, "ACME-01", "none", None)
    assert first["created_at"].endswith("Z")
    legacy = next(p for p in projects if p["name"] == "Legacy Portal")
    assert legacy["active"] is False


def test_admin_lists_projects_in_xml_with_dashed_typed_tags(api: Api,
                                                           emulator: RunningEmulator) -> None:
    response = api("sybil", fmt="xml").get("/projects")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "projects"
    assert [child.tag for child in root] == ["project"] * 6
    project = root[0]
    assert [child.tag for child in project][:len(DOCUMENTED)] == \
        [name.replace("_", "-") for name in DOCUMENTED]
    for tag, kind in XML_TYPES.items():
        assert project.find(tag).get("type") == kind, tag
    assert project.find("budget").get("nil") == "true"
    assert project.find("active").text == "true"
    assert int(project.find("id").text) == emulator.info.ids["project:Website Redesign"]


def test_project_manager_lists_only_the_projects_they_manage(api: Api,
                                                            emulator: RunningEmulator) -> None:
    json_ids = [p["project"]["id"] for p in api("basil").get("/projects").json()]
    assert sorted(json_ids) == sorted(_ids(emulator, "Website Redesign", "Mobile App",
                                           "Gourmet Night"))
    root = ElementTree.fromstring(api("basil", fmt="xml").get("/projects").content)
    assert sorted(int(p.find("id").text) for p in root) == sorted(json_ids)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_regular_users_are_refused_projects_and_get_no_data(api: Api, emulator: RunningEmulator,
                                                            fmt: str) -> None:
    polly = api("polly", fmt=fmt)
    for path in ("/projects", f"/projects/{_ids(emulator, 'Mobile App')[0]}"):
        response = polly.get(path)
        assert response.status_code == 403
        assert b"Mobile App" not in response.content and b"ACME" not in response.content


def test_client_filter_and_updated_since(api: Api, emulator: RunningEmulator) -> None:
    sybil = api("sybil")
    acme = emulator.info.ids["client:Acme Corp"]
    names = {p["project"]["name"] for p in sybil.get("/projects", params={"client": acme}).json()}
    assert names == {"Website Redesign", "Mobile App"}
    assert sybil.get("/projects", params={"client_id": acme}).json() == \
        sybil.get("/projects", params={"client": acme}).json()
    mobile = _ids(emulator, "Mobile App")[0]
    emulator.store.update("projects", mobile, updated_at="2030-01-02T03:04:05.000000Z")
    recent = sybil.get("/projects", params={"updated_since": "2030-01-01 18:30"}).json()
    assert [p["project"]["id"] for p in recent] == [mobile]
    assert sybil.get("/projects?updated_since=2030-01-01+18%3A30").json() == recent
    assert len(sybil.get("/projects", params={"updated_since": "2000-01-01"}).json()) == 6


@pytest.mark.parametrize("params", [{"client": "abc"}, {"updated_since": "yesterday"},
                                    {"updated_since": "2030-02-30 10:00"}])
def test_malformed_filters_are_a_400_with_a_hint(api: Api, params: dict) -> None:
    response = api("sybil").get("/projects", params=params)
    assert response.status_code == 400 and response.headers["hint"]


def test_show_project_in_json_and_xml(api: Api, emulator: RunningEmulator) -> None:
    project_id = _ids(emulator, "Gourmet Night")[0]
    body = api("sybil").get(f"/projects/{project_id}").json()
    assert list(body) == ["project"]
    assert body["project"]["name"] == "Gourmet Night" and body["project"]["code"] == "TQ-7"
    assert body["project"]["hint_earliest_record_at"] <= body["project"]["hint_latest_record_at"]
    root = ElementTree.fromstring(api("sybil", fmt="xml").get(f"/projects/{project_id}").content)
    assert root.tag == "project" and root.find("name").text == "Gourmet Night"
    assert root.find("client-id").text == str(emulator.info.ids["client:City of Torquay"])
    # .json chooses the format whatever the headers say, and a trailing slash routes the same.
    suffixed = api("sybil", fmt="xml").get(f"/projects/{project_id}.json")
    assert suffixed.json() == body
    assert api("sybil").get(f"/projects/{project_id}/").json() == body


def test_project_manager_sees_managed_projects_only(api: Api, emulator: RunningEmulator) -> None:
    managed, other = _ids(emulator, "Mobile App", "Data Migration")
    assert api("basil").get(f"/projects/{managed}").status_code == 200
    refused = api("basil").get(f"/projects/{other}")
    assert refused.status_code == 403 and b"Data Migration" not in refused.content


def test_unknown_project_is_a_404(api: Api) -> None:
    assert api("sybil").get("/projects/999").status_code == 404
    assert api("sybil", fmt="xml").get("/projects/not-a-number").status_code == 404


# -- creating --------------------------------------------------------------------------------


def test_create_with_wrapped_json_answers_201_with_location(api: Api,
                                                           emulator: RunningEmulator) -> None:
    globex = emulator.info.ids["client:Globex"]
    response = api("sybil").post("/projects", json={"project": {
        "name": "Billing Revamp", "client_id": globex, "code": "GLX-9", "billable": "false",
        "bill_by": "project", "hourly_rate": "120.5", "budget": "40", "budget_by": "project",
        "notes": "Phase one"}})
    assert response.status_code == 201 and response.content == b""
    row = _row(emulator, _new_id(response))
    assert row is not None
    assert (row["name"], row["client_id"], row["code"], row["billable"], row["bill_by"],
            row["hourly_rate"], row["budget"], row["budget_by"], row["notes"], row["active"]) == \
        ("Billing Revamp", globex, "GLX-9", 0, "Project", 120.5, 40.0, "project", "Phase one", 1)
    shown = api("sybil").get(response.headers["location"]).json()["project"]
    assert shown["hourly_rate"] == 120.5 and shown["bill_by"] == "Project"


def test_create_with_xml_as_the_document_shows(api: Api, emulator: RunningEmulator) -> None:
    client = emulator.info.ids["client:Globex"]
    body = f"""<project>
       <name>SuprGlu</name>
       <active type="boolean">true</active>
       <bill-by>none</bill-by>
       <client-id type="integer">{client}</client-id>
       <code></code>
       <notes></notes>
       <budget type="decimal"></budget>
       <budget-by>none</budget-by>
    </project>"""
    response = api("sybil", fmt="xml").post("/projects", content=body)
    assert response.status_code == 201
    row = _row(emulator, _new_id(response))
    assert row["name"] == "SuprGlu" and row["client_id"] == client and row["budget"] is None


def test_create_form_encoded_through_a_trailing_slash(emulator: RunningEmulator) -> None:
    login = emulator.info.logins["sybil"]
    client = emulator.info.ids["client:Globex"]
    response = httpx.post(emulator.base_url + "/projects/", auth=(login.email, login.password),
                          data={"project[name]": "Form Project", "project[client_id]": str(client)},
                          headers={"Accept": "application/json"})
    assert response.status_code == 201
    assert _row(emulator, _new_id(response))["name"] == "Form Project"


def test_create_from_the_query_string_of_an_empty_post(api: Api,
                                                       emulator: RunningEmulator) -> None:
    client = emulator.info.ids["client:Globex"]
    response = api("sybil").post(f"/projects.json?project[name]=Query+Project"
                                 f"&project[client_id]={client}", content=b"")
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/json")
    assert _row(emulator, _new_id(response))["name"] == "Query Project"
    flat = api("sybil").post("/projects", params={"name": "Flat", "client_id": client})
    assert flat.status_code == 201


def test_new_projects_get_default_tasks_and_future_project_people(api: Api,
                                                                  emulator: RunningEmulator) -> None:
    research = emulator.info.ids["task:Research"]
    emulator.store.update("tasks", research, is_default=1)
    response = api("sybil").post("/projects", json={"project": {
        "name": "Defaults", "client_id": emulator.info.ids["client:Globex"]}})
    project_id = _new_id(response)
    tasks = emulator.store.all("SELECT task_id FROM task_assignments WHERE project_id = ?",
                               project_id)
    people = emulator.store.all("SELECT user_id FROM user_assignments WHERE project_id = ?",
                                project_id)
    assert [t["task_id"] for t in tasks] == [research]
    assert [p["user_id"] for p in people] == [emulator.info.logins["sybil"].user_id]


@pytest.mark.parametrize("project,hint", [
    ({"client_id": "CLIENT"}, "Name"),
    ({"name": "No client"}, "client"),
    ({"name": "Bad type", "client_id": "abc"}, "client_id"),
    ({"name": "No such client", "client_id": 42}, "client"),
    ({"name": "Bad bill", "client_id": "CLIENT", "bill_by": "Weekly"}, "bill_by"),
    ({"name": "Bad budget", "client_id": "CLIENT", "budget": "lots"}, "budget"),
    ({"name": "Bad flag", "client_id": "CLIENT", "billable": "sometimes"}, "billable"),
    ({"name": "Website Redesign", "client_id": "CLIENT"}, "taken"),
])
def test_invalid_creates_are_400_and_write_nothing(api: Api, emulator: RunningEmulator,
                                                  project: dict, hint: str) -> None:
    acme = emulator.info.ids["client:Acme Corp"]
    project = {k: (acme if v == "CLIENT" else v) for k, v in project.items()}
    before = _count(emulator)
    response = api("sybil").post("/projects", json={"project": project})
    assert response.status_code == 400
    assert hint.lower() in response.headers["hint"].lower()
    assert hint.lower() in refusal(response).lower()
    assert _count(emulator) == before


def test_wrong_typed_xml_field_is_a_400(api: Api, emulator: RunningEmulator) -> None:
    before = _count(emulator)
    response = api("sybil", fmt="xml").post(
        "/projects", content='<project><name>X</name><client-id type="integer">abc</client-id></project>')
    assert response.status_code == 400 and _count(emulator) == before
    assert refusal(response)  # plain text with the Hint, not an XML document


def test_same_name_under_another_client_is_allowed(api: Api, emulator: RunningEmulator) -> None:
    response = api("sybil").post("/projects", json={"project": {
        "name": "Website Redesign", "client_id": emulator.info.ids["client:Globex"]}})
    assert response.status_code == 201


@pytest.mark.parametrize("who", ["basil", "polly"])
def test_only_administrators_create_projects(api: Api, emulator: RunningEmulator, who: str) -> None:
    before = _count(emulator)
    response = api(who).post("/projects", json={"project": {
        "name": "Sneaky", "client_id": emulator.info.ids["client:Globex"]}})
    assert response.status_code == 403 and _count(emulator) == before


def test_the_plan_project_limit_refuses_creates_with_a_hint(api: Api,
                                                           emulator: RunningEmulator) -> None:
    active = emulator.store.scalar("SELECT COUNT(*) FROM projects WHERE active = 1")
    assert httpx.post(emulator.admin_url + "/account", json={"project_limit": active}).status_code \
        == 200
    client = emulator.info.ids["client:Globex"]
    before = _count(emulator)
    refused = api("sybil").post("/projects", json={"project": {"name": "One Too Many",
                                                               "client_id": client}})
    assert refused.status_code == 400 and "limit" in refused.headers["hint"]
    assert _count(emulator) == before
    archived = api("sybil").post("/projects", json={"project": {
        "name": "Archived Backlog", "client_id": client, "active": False}})
    assert archived.status_code == 201 and _row(emulator, _new_id(archived))["active"] == 0
    emulator.store.update("account", 1, project_limit=None)
    assert api("sybil").post("/projects", json={"project": {"name": "Unlimited",
                                                            "client_id": client}}).status_code == 201


# -- updating and toggling --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_update_answers_200_with_location_and_ignores_active(api: Api, emulator: RunningEmulator,
                                                             fmt: str) -> None:
    project_id = _ids(emulator, "Mobile App")[0]
    client = emulator.info.ids["client:Globex"]
    if fmt == "json":
        body = {"project": {"name": "Mobile App 2", "client_id": client, "active": False,
                            "notes": "Moved"}}
        response = api("sybil").put(f"/projects/{project_id}", json=body)
    else:
        response = api("sybil", fmt="xml").put(
            f"/projects/{project_id}",
            content=f'<project><name>Mobile App 2</name><client-id type="integer">{client}'
                    '</client-id><active type="boolean">false</active><notes>Moved</notes></project>')
    assert response.status_code == 200
    assert response.headers["location"] == f"/projects/{project_id}"
    row = _row(emulator, project_id)
    assert (row["name"], row["client_id"], row["notes"], row["active"]) == \
        ("Mobile App 2", client, "Moved", 1)
    assert row["updated_at"] > row["created_at"]


def test_update_rules(api: Api, emulator: RunningEmulator) -> None:
    mobile, website, migration = _ids(emulator, "Mobile App", "Website Redesign", "Data Migration")
    assert api("basil").put(f"/projects/{mobile}", json={"project": {"code": "M-1"}}).status_code \
        == 200
    assert _row(emulator, mobile)["code"] == "M-1"
    assert api("basil").put(f"/projects/{migration}",
                            json={"project": {"code": "X"}}).status_code == 403
    assert api("polly").put(f"/projects/{mobile}", json={"project": {"code": "X"}}).status_code \
        == 403
    assert api("sybil").put("/projects/999", json={"project": {"code": "X"}}).status_code == 404
    clash = api("sybil").put(f"/projects/{mobile}", json={"project": {"name": "Website Redesign"}})
    assert clash.status_code == 400
    bad = api("sybil").put(f"/projects/{website}", json={"project": {"client_id": "abc",
                                                                     "code": "NEW"}})
    assert bad.status_code == 400 and _row(emulator, website)["code"] == "ACME-01"
    assert api("sybil").put(f"/projects/{website}",
                            json={"project": {"name": " "}}).status_code == 400


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_toggle_archives_and_reactivates(api: Api, emulator: RunningEmulator, method: str) -> None:
    project_id = _ids(emulator, "Internal")[0]
    sybil = api("sybil")
    first = sybil.request(method, f"/projects/{project_id}/toggle", content=b"null")
    assert first.status_code == 200 and first.headers["location"] == f"/projects/{project_id}"
    assert _row(emulator, project_id)["active"] == 0
    assert sybil.request(method, f"/projects/{project_id}/toggle").status_code == 200
    assert _row(emulator, project_id)["active"] == 1
    xml = api("sybil", fmt="xml").request(method, f"/projects/{project_id}/toggle")
    assert xml.status_code == 200 and _row(emulator, project_id)["active"] == 0


def test_toggle_refusals(api: Api, emulator: RunningEmulator) -> None:
    legacy, mobile = _ids(emulator, "Legacy Portal", "Mobile App")
    assert api("basil").post(f"/projects/{mobile}/toggle").status_code == 403
    assert api("polly").put(f"/projects/{mobile}/toggle").status_code == 403
    assert api("sybil").post("/projects/999/toggle").status_code == 404
    active = emulator.store.scalar("SELECT COUNT(*) FROM projects WHERE active = 1")
    emulator.store.update("account", 1, project_limit=active)
    refused = api("sybil").put(f"/projects/{legacy}/toggle")
    assert refused.status_code == 400 and "limit" in refused.headers["hint"]
    assert _row(emulator, legacy)["active"] == 0
    # Archiving is always allowed, and frees a place for the archived one.
    assert api("sybil").put(f"/projects/{mobile}/toggle").status_code == 200
    assert api("sybil").put(f"/projects/{legacy}/toggle").status_code == 200
    assert _row(emulator, legacy)["active"] == 1


# -- deleting --------------------------------------------------------------------------------


def test_a_project_with_hours_is_not_deleted(api: Api, emulator: RunningEmulator) -> None:
    project_id = _ids(emulator, "Website Redesign")[0]
    for path in (f"/projects/{project_id}", f"/project/{project_id}"):
        response = api("sybil").delete(path)
        assert response.status_code == 400 and response.headers["hint"]
    assert _row(emulator, project_id) is not None


@pytest.mark.parametrize("path", ["/projects/{id}", "/project/{id}", "/projects/{id}.json",
                                  "/projects/{id}/"])
def test_a_project_without_hours_is_deleted_with_its_assignments(api: Api,
                                                                emulator: RunningEmulator,
                                                                path: str) -> None:
    project_id = _ids(emulator, "Legacy Portal")[0]  # archived and never worked on
    assert emulator.store.scalar("SELECT COUNT(*) FROM task_assignments WHERE project_id = ?",
                                 project_id)
    response = api("sybil").request("DELETE", path.format(id=project_id), content=b"{}")
    assert response.status_code == 200
    assert _row(emulator, project_id) is None
    for table in ("task_assignments", "user_assignments"):
        assert emulator.store.scalar(f"SELECT COUNT(*) FROM {table} WHERE project_id = ?",
                                     project_id) == 0
    assert api("sybil").get(f"/projects/{project_id}").status_code == 404
    assert api("sybil").delete(f"/projects/{project_id}").status_code == 404


def test_only_administrators_delete_projects(api: Api, emulator: RunningEmulator) -> None:
    legacy = _ids(emulator, "Legacy Portal")[0]
    assert api("basil").delete(f"/projects/{legacy}").status_code == 403
    assert api("polly", fmt="xml").delete(f"/project/{legacy}").status_code == 403
    assert _row(emulator, legacy) is not None


# -- a client written by someone else ----------------------------------------------------------


def test_python_harvest_manages_projects_unchanged(emulator: RunningEmulator) -> None:
    login = emulator.info.logins["sybil"]
    client = Harvest(emulator.base_url, login.email, login.password)
    globex = emulator.info.ids["client:Globex"]
    assert {p["project"]["name"] for p in client.projects(client=globex)} == \
        {"Data Migration", "Legacy Portal"}
    created = client.create_project(project={"name": "Via python-harvest", "client_id": globex})
    assert created.status_code == 201
    project_id = int(created.headers["Location"].rsplit("/", 1)[1])
    assert client.get_project(project_id)["project"]["name"] == "Via python-harvest"
    client.update_project(project_id, project={"name": "Renamed", "client_id": globex})
    assert client.get_project(project_id)["project"]["name"] == "Renamed"
    assert client.toggle_project_active(project_id).status_code == 200
    assert client.get_project(project_id)["project"]["active"] is False
    assert client.delete_project(project_id).status_code == 200
    assert _row(emulator, project_id) is None
