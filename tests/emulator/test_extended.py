"""``/clients``, ``/tasks`` and ``/expense_categories`` over real HTTP, in JSON and XML, for each
role, and what the store holds afterwards."""

from __future__ import annotations

import re

import pytest
from defusedxml import ElementTree
from harvest import Harvest

from emulator.runner import RunningEmulator
from tests.emulator.conftest import Api


def _new_id(response, prefix: str) -> int:
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    assert location.startswith(prefix + "/") and response.content == b""
    return int(location.rsplit("/", 1)[1])


def _row(emulator: RunningEmulator, table: str, row_id: int) -> dict | None:
    return emulator.store.one(f"SELECT * FROM {table} WHERE id = ?", row_id)


# -- the role matrix for reads -------------------------------------------------------------------

READS = [  # path, who may read it (sybil always may)
    ("/clients", {"basil"}),
    ("/clients/{client:Acme Corp}", {"basil"}),
    ("/tasks", {"basil"}),
    ("/tasks/{task:Design}", {"basil"}),
    ("/expense_categories", {"basil", "polly"}),
    ("/expense_categories/{category:Mileage}", {"basil", "polly"}),
]


@pytest.mark.parametrize("path,readers", READS)
@pytest.mark.parametrize("who", ["sybil", "basil", "polly"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_reads_by_role(api: Api, emulator: RunningEmulator, path: str, readers: set, who: str,
                       fmt: str) -> None:
    url = re.sub(r"\{([^}]+)\}", lambda m: str(emulator.info.ids[m.group(1)]), path)
    response = api(who, fmt=fmt).get(url)
    if who == "sybil" or who in readers:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(f"application/{fmt}")
    else:
        assert response.status_code == 403
        assert b"Acme" not in response.content and b"Design" not in response.content


# -- clients ---------------------------------------------------------------------------------

CLIENT_FIELDS = ["id", "name", "active", "currency", "currency_symbol", "details", "highrise_id",
                 "cache_version", "default_invoice_timeframe", "last_invoice_kind", "created_at",
                 "updated_at"]


def test_clients_in_json_and_xml(api: Api, emulator: RunningEmulator) -> None:
    body = api("sybil").get("/clients").json()
    assert all(list(item) == ["client"] for item in body)
    clients = [item["client"] for item in body]
    assert [c["name"] for c in clients] == ["Acme Corp", "City of Torquay", "Globex",
                                            "Fawlty Towers (internal)"]
    assert list(clients[0]) == CLIENT_FIELDS
    assert (clients[0]["active"], clients[0]["currency_symbol"]) == (True, "$")
    root = ElementTree.fromstring(api("sybil", fmt="xml").get("/clients").content)
    assert root.tag == "clients" and root.get("type") == "array"
    first = root[0]
    assert first.tag == "client" and first.find("id").get("type") == "integer"
    assert first.find("active").get("type") == "boolean"
    assert first.find("updated-at").get("type") == "datetime"
    one = api("sybil").get(f"/clients/{clients[2]['id']}").json()
    assert one == {"client": clients[2]}


def test_project_managers_see_the_clients_of_their_projects(api: Api,
                                                           emulator: RunningEmulator) -> None:
    names = [c["client"]["name"] for c in api("basil").get("/clients").json()]
    assert names == ["Acme Corp", "City of Torquay"]
    assert api("basil").get(f"/clients/{emulator.info.ids['client:Globex']}").status_code == 403
    assert api("sybil").get("/clients/999").status_code == 404


def test_create_update_and_filter_clients(api: Api, emulator: RunningEmulator) -> None:
    sybil = api("sybil")
    client_id = _new_id(sybil.post("/clients/", json={"client": {
        "name": "Company LLC", "details": "123 Main St.", "currency": "Euro - EUR"}}), "/clients")
    row = _row(emulator, "clients", client_id)
    assert (row["name"], row["details"], row["active"]) == ("Company LLC", "123 Main St.", 1)
    assert sybil.get(f"/clients/{client_id}").json()["client"]["currency_symbol"] == "€"
    xml = api("sybil", fmt="xml").post("/clients", content="<client><name>Xml Co</name>"
                                       '<active type="boolean">false</active></client>')
    assert _row(emulator, "clients", _new_id(xml, "/clients"))["active"] == 0
    updated = sybil.put(f"/clients/{client_id}", json={"client": {"name": "Company Ltd"}})
    assert updated.status_code == 200 and updated.headers["location"] == f"/clients/{client_id}"
    assert _row(emulator, "clients", client_id)["name"] == "Company Ltd"
    emulator.store.update("clients", client_id, updated_at="2032-01-01T00:00:00.000000Z")
    recent = sybil.get("/clients", params={"updated_since": "2031-12-31 18:30"}).json()
    assert [c["client"]["id"] for c in recent] == [client_id]


def test_client_refusals(api: Api, emulator: RunningEmulator) -> None:
    acme = emulator.info.ids["client:Acme Corp"]
    before = emulator.store.scalar("SELECT COUNT(*) FROM clients")
    assert api("sybil").post("/clients", json={"client": {"name": "globex"}}).status_code == 400
    assert api("sybil").post("/clients", json={"client": {"details": "no name"}}).status_code == 400
    assert api("sybil").post("/clients", json={"client": {"name": "X", "active": "perhaps"}}) \
        .status_code == 400
    assert api("basil").post("/clients", json={"client": {"name": "PM Co"}}).status_code == 403
    assert emulator.store.scalar("SELECT COUNT(*) FROM clients") == before
    assert api("sybil").put(f"/clients/{acme}", json={"client": {"name": "Globex"}}).status_code \
        == 400
    assert api("basil").put(f"/clients/{acme}", json={"client": {"name": "Mine"}}).status_code \
        == 403
    assert _row(emulator, "clients", acme)["name"] == "Acme Corp"


@pytest.mark.parametrize("method", ["POST", "GET", "PUT"])
def test_toggle_client(api: Api, emulator: RunningEmulator, method: str) -> None:
    acme = emulator.info.ids["client:Acme Corp"]
    refused = api("sybil").request(method, f"/clients/{acme}/toggle")
    assert refused.status_code == 400 and "active projects" in refused.headers["hint"]
    assert _row(emulator, "clients", acme)["active"] == 1
    empty = _new_id(api("sybil").post("/clients", json={"client": {"name": "Quiet"}}), "/clients")
    toggled = api("sybil", fmt="xml").request(method, f"/clients/{empty}/toggle")
    assert toggled.status_code == 200 and toggled.headers["location"] == f"/clients/{empty}"
    assert _row(emulator, "clients", empty)["active"] == 0
    assert api("sybil").request(method, f"/clients/{empty}/toggle").status_code == 200
    assert _row(emulator, "clients", empty)["active"] == 1
    assert api("polly").request(method, f"/clients/{empty}/toggle").status_code == 403


def test_delete_client(api: Api, emulator: RunningEmulator) -> None:
    acme = emulator.info.ids["client:Acme Corp"]
    assert api("sybil").delete(f"/clients/{acme}").status_code == 400
    assert _row(emulator, "clients", acme) is not None
    empty = _new_id(api("sybil").post("/clients", json={"client": {"name": "Brief"}}), "/clients")
    assert api("basil").delete(f"/clients/{empty}").status_code == 403
    assert api("sybil", fmt="xml").delete(f"/clients/{empty}", ).status_code == 200
    assert _row(emulator, "clients", empty) is None
    assert api("sybil").get(f"/clients/{empty}").status_code == 404


# -- tasks -----------------------------------------------------------------------------------

TASK_FIELDS = ["id", "name", "billable_by_default", "deactivated", "default_hourly_rate",
               "is_default", "created_at", "updated_at"]


def test_tasks_in_json_and_xml(api: Api, emulator: RunningEmulator) -> None:
    tasks = [item["task"] for item in api("basil").get("/tasks").json()]
    assert len(tasks) == 6 and list(tasks[0]) == TASK_FIELDS
    meetings = next(t for t in tasks if t["name"] == "Meetings")
    assert meetings["billable_by_default"] is False and meetings["id"] == \
        emulator.info.ids["task:Meetings"]
    root = ElementTree.fromstring(api("sybil", fmt="xml").get("/tasks").content)
    assert root.tag == "tasks" and [t.tag for t in root] == ["task"] * 6
    assert root[0].find("billable-by-default").get("type") == "boolean"
    assert root[0].find("default-hourly-rate").get("type") == "decimal"
    one = ElementTree.fromstring(api("sybil", fmt="xml").get(
        f"/tasks/{emulator.info.ids['task:Meetings']}").content)
    assert one.tag == "task" and one.find("name").text == "Meetings"
    assert api("sybil").get("/tasks/999").status_code == 404


def test_create_and_update_tasks(api: Api, emulator: RunningEmulator) -> None:
    xml = api("sybil", fmt="xml").post("/tasks/", content="""<task>
      <billable-by-default type="boolean">false</billable-by-default>
      <default-hourly-rate type="decimal">100</default-hourly-rate>
      <is-default type="boolean">false</is-default>
      <name>Server Administration</name>
    </task>""")
    task_id = _new_id(xml, "/tasks")
    row = _row(emulator, "tasks", task_id)
    assert (row["name"], row["billable_by_default"], row["default_hourly_rate"]) == \
        ("Server Administration", 0, 100.0)
    updated = api("sybil").put(f"/tasks/{task_id}", json={"task": {
        "name": "Flash design", "default_hourly_rate": "150", "is_default": "true"}})
    assert updated.status_code == 200 and updated.headers["location"] == f"/tasks/{task_id}"
    row = _row(emulator, "tasks", task_id)
    assert (row["name"], row["default_hourly_rate"], row["is_default"]) == ("Flash design", 150.0, 1)


def test_task_refusals(api: Api, emulator: RunningEmulator) -> None:
    before = emulator.store.scalar("SELECT COUNT(*) FROM tasks")
    assert api("sybil").post("/tasks", json={"task": {"name": "design"}}).status_code == 400
    assert api("sybil").post("/tasks", json={"task": {"name": "X",
                                                      "default_hourly_rate": "-5"}}).status_code == 400
    assert api("sybil").post("/tasks", json={"task": {"name": "Y",
                                                      "is_default": "often"}}).status_code == 400
    assert api("basil").post("/tasks", json={"task": {"name": "PM task"}}).status_code == 403
    assert emulator.store.scalar("SELECT COUNT(*) FROM tasks") == before
    design = emulator.info.ids["task:Design"]
    assert api("polly").put(f"/tasks/{design}", json={"task": {"name": "Z"}}).status_code == 403
    assert api("sybil").put(f"/tasks/{design}", json={"task": {"name": "Meetings"}}).status_code \
        == 400


def test_a_task_with_hours_is_archived_not_deleted_and_can_be_activated(
        api: Api, emulator: RunningEmulator) -> None:
    design = emulator.info.ids["task:Design"]
    response = api("sybil").delete(f"/tasks/{design}")
    assert response.status_code == 200 and "archived" in response.headers["hint"]
    assert _row(emulator, "tasks", design)["deactivated"] == 1
    assert api("sybil").get(f"/tasks/{design}").json()["task"]["deactivated"] is True
    activated = api("sybil", fmt="xml").post(f"/tasks/{design}/activate")
    assert activated.status_code == 200 and activated.headers["location"] == f"/tasks/{design}"
    assert _row(emulator, "tasks", design)["deactivated"] == 0
    assert api("basil").post(f"/tasks/{design}/activate").status_code == 403


def test_a_task_without_hours_is_deleted_with_its_assignments(api: Api,
                                                             emulator: RunningEmulator) -> None:
    task_id = _new_id(api("sybil").post("/tasks", json={"task": {"name": "Short-lived"}}), "/tasks")
    project = emulator.info.ids["project:Mobile App"]
    assert api("sybil").post(f"/projects/{project}/task_assignments",
                             json={"task": {"id": task_id}}).status_code == 201
    response = api("sybil").delete(f"/tasks/{task_id}")
    assert response.status_code == 200 and "hint" not in response.headers
    assert _row(emulator, "tasks", task_id) is None
    assert emulator.store.scalar("SELECT COUNT(*) FROM task_assignments WHERE task_id = ?",
                                 task_id) == 0
    assert api("sybil").get(f"/tasks/{task_id}").status_code == 404


# -- expense categories ------------------------------------------------------------------------


def test_expense_categories_in_json_and_xml(api: Api, emulator: RunningEmulator) -> None:
    categories = [item["expense_category"] for item in
                  api("polly").get("/expense_categories").json()]
    assert [c["name"] for c in categories] == ["Mileage", "Meals", "Travel"]
    assert list(categories[0]) == ["id", "name", "unit_name", "unit_price", "deactivated",
                                   "created_at", "updated_at"]
    assert categories[0]["unit_price"] == 0.655  # a unit price keeps its precision
    root = ElementTree.fromstring(api("polly", fmt="xml").get("/expense_categories").content)
    assert root.tag == "expense-categories" and root[0].tag == "expense-category"
    assert root[0].find("unit-price").get("type") == "decimal"
    assert root[0].find("unit-price").text == "0.655"
    assert root[1].find("unit-name").get("nil") == "true"
    mileage = emulator.info.ids["category:Mileage"]
    assert api("polly").get(f"/expense_categories/{mileage}").json() == \
        {"expense_category": categories[0]}


def test_expense_category_writes(api: Api, emulator: RunningEmulator) -> None:
    sybil = api("sybil")
    xml = api("sybil", fmt="xml").post("/expense_categories", content=(
        "<expense-category><name>Parking</name><unit-name>Hours</unit-name>"
        '<unit-price type="decimal">2.5</unit-price></expense-category>'))
    category = _new_id(xml, "/expense_categories")
    assert _row(emulator, "expense_categories", category)["unit_price"] == 2.5
    updated = sybil.put(f"/expense_categories/{category}",
                        json={"expense_category": {"name": "Car park"}})
    assert updated.status_code == 200
    assert updated.headers["location"] == f"/expense_categories/{category}"
    assert _row(emulator, "expense_categories", category)["name"] == "Car park"
    for method in ("POST", "GET"):
        assert sybil.request(method, f"/expense_categories/{category}/toggle").status_code == 200
    assert _row(emulator, "expense_categories", category)["deactivated"] == 0
    assert sybil.post(f"/expense_categories/{category}/toggle").status_code == 200
    assert _row(emulator, "expense_categories", category)["deactivated"] == 1
    assert sybil.delete(f"/expense_categories/{category}").status_code == 200
    assert sybil.get(f"/expense_categories/{category}").status_code == 404


def test_expense_category_refusals(api: Api, emulator: RunningEmulator) -> None:
    mileage = emulator.info.ids["category:Mileage"]
    before = emulator.store.scalar("SELECT COUNT(*) FROM expense_categories")
    assert api("polly").post("/expense_categories",
                             json={"expense_category": {"name": "Mine"}}).status_code == 403
    assert api("sybil").post("/expense_categories",
                             json={"expense_category": {"name": "Meals"}}).status_code == 400
    assert api("sybil").post("/expense_categories", json={"expense_category": {
        "name": "Odd", "unit_price": "cheap"}}).status_code == 400
    assert emulator.store.scalar("SELECT COUNT(*) FROM expense_categories") == before
    in_use = api("sybil").delete(f"/expense_categories/{mileage}")
    assert in_use.status_code == 400 and in_use.headers["hint"]
    assert _row(emulator, "expense_categories", mileage) is not None
    assert api("basil").post(f"/expense_categories/{mileage}/toggle").status_code == 403


def test_python_harvest_reads_clients_tasks_and_categories(emulator: RunningEmulator) -> None:
    login = emulator.info.logins["sybil"]
    client = Harvest(emulator.base_url, login.email, login.password)
    assert len(client.clients()) == 4
    created = client.create_client(client={"name": "Via python-harvest"})
    assert created.status_code == 201
    assert len(client.tasks(updated_since="2000-01-01 00:00")) == 6
    task = client.create_task(task={"name": "Via python-harvest"})
    assert task.status_code == 201
    names = [c["expense_category"]["name"] for c in client.expense_categories]
    assert names == ["Mileage", "Meals", "Travel"]
