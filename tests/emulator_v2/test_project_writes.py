"""Project writes and expense categories on v2, by role, on the store v1 reads too.

Every refusal is checked to have written nothing: the projects and both kinds of assignment are
compared before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from emulator.runner import RunningEmulator
from tests.emulator.daily_support import DATA, GOURMET, WEB, uid
from tests.emulator_v2.conftest import V2, all_pages, message
from tests.emulator_v2.test_resources import PROJECT_FIELDS

V1 = Callable[..., httpx.Client]
CATEGORY_FIELDS = ["id", "name", "unit_name", "unit_price", "is_active", "created_at",
                   "updated_at"]


@pytest.fixture
def v1(emulator: RunningEmulator) -> Iterator[V1]:
    """``v1("basil")``: an httpx client on the v1 wire (Basic auth, JSON)."""
    clients: list[httpx.Client] = []

    def make(who: str = "sybil") -> httpx.Client:
        login = emulator.info.logins[who]
        client = httpx.Client(base_url=emulator.base_url, auth=(login.email, login.password),
                              headers={"Accept": "application/json",
                                       "Content-Type": "application/json"}, timeout=10)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def state(emulator: RunningEmulator) -> list[list[dict[str, Any]]]:
    """The projects and their assignments as stored, to show a refusal wrote nothing."""
    return [emulator.store.all(f"SELECT * FROM {table} ORDER BY id")
            for table in ("projects", "task_assignments", "user_assignments")]


def stored(emulator: RunningEmulator, project_id: int) -> dict[str, Any] | None:
    return emulator.store.one("SELECT * FROM projects WHERE id = ?", project_id)


def body(emulator: RunningEmulator, **fields: Any) -> dict[str, Any]:
    """A complete create body (the five required fields) under Acme Corp."""
    return {"client_id": emulator.info.ids["client:Acme Corp"], "name": "Brochure",
            "is_billable": True, "bill_by": "Project", "budget_by": "none", **fields}


def v1_project(v1: V1, project_id: int, who: str = "sybil") -> dict[str, Any] | None:
    listed = v1(who).get("/projects").json()
    found = [item["project"] for item in listed if item["project"]["id"] == project_id]
    return found[0] if found else None


# -- create --------------------------------------------------------------------------------------


def test_an_administrator_creates_a_project_v1_then_reads(v2: V2, v1: V1,
                                                         emulator: RunningEmulator) -> None:
    research = emulator.info.ids["task:Research"]
    emulator.store.update("tasks", research, is_default=1)  # "add to new projects"
    response = v2().post("/projects", json=body(
        emulator, code="ACME-03", hourly_rate=110.5, budget=40, budget_by="project",
        notes="Print run", is_fixed_fee=False, starts_on="2026-01-05"))
    assert response.status_code == 201, response.text
    made = response.json()
    assert list(made) == PROJECT_FIELDS
    acme = emulator.info.ids["client:Acme Corp"]
    assert {key: made[key] for key in ("name", "code", "is_active", "is_billable", "bill_by",
                                       "hourly_rate", "budget", "budget_by", "notes")} == {
        "name": "Brochure", "code": "ACME-03", "is_active": True, "is_billable": True,
        "bill_by": "Project", "hourly_rate": 110.5, "budget": 40.0, "budget_by": "project",
        "notes": "Print run"}
    assert made["client"] == {"id": acme, "name": "Acme Corp", "currency": "USD"}
    assert made["created_at"] == made["updated_at"] and made["created_at"].endswith("Z")
    row = stored(emulator, made["id"])
    assert row is not None and (row["client_id"], row["active"], row["billable"]) == (acme, 1, 1)
    tasks = emulator.store.all("SELECT task_id FROM task_assignments WHERE project_id = ?",
                               made["id"])
    people = emulator.store.all("SELECT user_id, is_project_manager FROM user_assignments "
                                "WHERE project_id = ?", made["id"])
    assert [t["task_id"] for t in tasks] == [research]
    assert people == [{"user_id": uid(emulator, "sybil"), "is_project_manager": 0}]
    assert v2().get(f"/projects/{made['id']}").json() == made
    seen = v1_project(v1, made["id"])
    assert seen is not None
    assert (seen["name"], seen["client_id"], seen["code"], seen["active"], seen["billable"],
            seen["bill_by"], seen["hourly_rate"], seen["budget_by"]) == \
        ("Brochure", acme, "ACME-03", True, True, "Project", 110.5, "project")


def test_a_form_body_with_strings_and_any_case_is_read(v2: V2, v1: V1,
                                                       emulator: RunningEmulator) -> None:
    response = v2().post("/projects", data={
        "client_id": str(emulator.info.ids["client:Globex"]), "name": "Forms",
        "is_billable": "false", "bill_by": "tasks", "budget_by": "TASK_FEES",
        "is_active": "false", "budget": "12.5"})
    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["is_billable"], made["bill_by"], made["budget_by"], made["is_active"],
            made["budget"], made["client"]["currency"]) == \
        (False, "Tasks", "task_fees", False, 12.5, "EUR")
    seen = v1_project(v1, made["id"])
    assert seen is not None and (seen["bill_by"], seen["active"]) == ("Tasks", False)


@pytest.mark.parametrize("left_out", ["client_id", "name", "is_billable", "bill_by",
                                      "budget_by"])
def test_each_required_field_is_a_422_and_writes_nothing(v2: V2, emulator: RunningEmulator,
                                                         left_out: str) -> None:
    before = state(emulator)
    fields = body(emulator)
    del fields[left_out]
    assert left_out in message(v2().post("/projects", json=fields), 422)
    fields[left_out] = "" if left_out != "is_billable" else None
    assert left_out in message(v2().post("/projects", json=fields), 422)
    assert state(emulator) == before


def test_all_missing_fields_are_named_at_once(v2: V2, emulator: RunningEmulator) -> None:
    text = message(v2().post("/projects", json={"name": "Only a name"}), 422)
    assert all(name in text for name in ("client_id", "is_billable", "bill_by", "budget_by"))


@pytest.mark.parametrize("fields,named", [
    ({"client_id": "abc"}, "client_id"),
    ({"client_id": 42}, "client_id"),
    ({"name": "   "}, "name"),
    ({"is_billable": "sometimes"}, "is_billable"),
    ({"bill_by": "Weekly"}, "bill_by"),
    ({"budget_by": "monthly"}, "budget_by"),
    ({"hourly_rate": -5}, "hourly_rate"),
    ({"budget": "lots"}, "budget"),
    ({"is_active": "perhaps"}, "is_active"),
    ({"is_fixed_fee": "perhaps"}, "is_fixed_fee"),
    ({"fee": "free"}, "fee"),
    ({"starts_on": "2026-02-30"}, "starts_on"),
    ({"name": "website redesign"}, "taken"),  # names are unique per client, any case
])
def test_invalid_creates_are_422_and_write_nothing(v2: V2, emulator: RunningEmulator,
                                                   fields: dict[str, Any], named: str) -> None:
    before = state(emulator)
    assert named in message(v2().post("/projects", json=body(emulator, **fields)), 422)
    assert state(emulator) == before


def test_the_same_name_under_another_client_is_allowed(v2: V2,
                                                       emulator: RunningEmulator) -> None:
    response = v2().post("/projects", json=body(
        emulator, name="Website Redesign", client_id=emulator.info.ids["client:Globex"]))
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("who", ["basil", "polly"])
def test_managers_without_project_creator_and_members_may_not_create(
        v2: V2, emulator: RunningEmulator, who: str) -> None:
    before = state(emulator)
    message(v2(who).post("/projects", json=body(emulator)), 403)
    message(v2(who).post("/projects", json={}), 403)  # the role is refused before the body
    assert state(emulator) == before


def test_a_project_creator_manager_creates_and_manages_the_project(
        v2: V2, v1: V1, emulator: RunningEmulator) -> None:
    basil = uid(emulator, "basil")
    emulator.store.execute("UPDATE users SET manager_permissions = 'project_creator "
                           "time_and_expenses_manager' WHERE id = ?", basil)
    assert "project_creator" in v2("basil").get("/users/me").json()["access_roles"]
    response = v2("basil").post("/projects", json=body(emulator, name="Basil's Brochure"))
    assert response.status_code == 201, response.text
    made = response.json()
    assert emulator.store.one("SELECT is_project_manager FROM user_assignments WHERE "
                              "project_id = ? AND user_id = ?", made["id"], basil) == \
        {"is_project_manager": 1}
    assert v2("basil").get(f"/projects/{made['id']}").json()["name"] == "Basil's Brochure"
    assert made["id"] in {p["id"] for p in v2("basil").get("/projects").json()["projects"]}
    assert v1_project(v1, made["id"], "basil") is not None  # v1 agrees: Basil manages it
    # Creating is all the permission gives: changing and deleting stay with administrators.
    message(v2("basil").patch(f"/projects/{made['id']}", json={"name": "Renamed"}), 403)
    message(v2("basil").delete(f"/projects/{made['id']}"), 403)


# -- the plan's project limit --------------------------------------------------------------------


def test_the_plan_limit_refuses_a_new_active_project_and_unarchiving(
        v2: V2, emulator: RunningEmulator) -> None:
    active = emulator.store.scalar("SELECT COUNT(*) FROM projects WHERE active = 1")
    emulator.store.update("account", 1, project_limit=active)
    before = state(emulator)
    assert "limit" in message(v2().post("/projects", json=body(emulator)), 422)
    assert state(emulator) == before
    archived = v2().post("/projects", json=body(emulator, is_active=False))
    assert archived.status_code == 201 and archived.json()["is_active"] is False
    made = archived.json()["id"]
    before = state(emulator)
    assert "limit" in message(v2().patch(f"/projects/{made}", json={"is_active": True}), 422)
    assert state(emulator) == before
    internal = emulator.info.ids["project:Internal"]
    assert v2().patch(f"/projects/{internal}", json={"is_active": False}).status_code == 200
    unarchived = v2().patch(f"/projects/{made}", json={"is_active": True})
    assert unarchived.status_code == 200 and unarchived.json()["is_active"] is True
    # Already active: setting it again is no unarchiving, so the full plan does not refuse it.
    assert v2().patch(f"/projects/{made}", json={"is_active": True}).status_code == 200


# -- update --------------------------------------------------------------------------------------


def test_an_administrator_updates_and_v1_reads_it(v2: V2, v1: V1,
                                                  emulator: RunningEmulator) -> None:
    project = emulator.info.ids[DATA]
    before = v2().get(f"/projects/{project}").json()
    emulator.clock.set(emulator.clock.now())
    emulator.clock.advance(60)
    response = v2().patch(f"/projects/{project}", json={
        "name": "Data Migration II", "code": None, "budget": 80, "budget_by": "project",
        "bill_by": "", "show_budget_to_all": True})
    assert response.status_code == 200, response.text
    after = response.json()
    assert list(after) == PROJECT_FIELDS
    assert (after["name"], after["code"], after["budget"], after["budget_by"],
            after["bill_by"], after["hourly_rate"], after["is_active"]) == \
        ("Data Migration II", None, 80.0, "project", "none", before["hourly_rate"], True)
    assert after["updated_at"] > before["updated_at"]
    assert after["created_at"] == before["created_at"]
    seen = v1_project(v1, project)
    assert seen is not None and (seen["name"], seen["code"], seen["budget"]) == \
        ("Data Migration II", "", 80.0)
    # A PATCH that changes nothing leaves updated_at alone.
    emulator.clock.advance(60)
    same = v2().patch(f"/projects/{project}", json={"name": "Data Migration II"}).json()
    assert same["updated_at"] == after["updated_at"]


def test_archiving_and_unarchiving_show_on_both_wires(v2: V2, v1: V1,
                                                      emulator: RunningEmulator) -> None:
    project = emulator.info.ids[GOURMET]
    archived = v2().patch(f"/projects/{project}", json={"is_active": False}).json()
    assert archived["is_active"] is False and stored(emulator, project)["active"] == 0
    assert v1_project(v1, project)["active"] is False
    assert project in {p["id"] for p in v2().get("/projects", params={
        "is_active": "false"}).json()["projects"]}
    # v1's toggle brings it back; v2 reads that.
    assert v1().post(f"/projects/{project}/toggle").status_code == 200
    assert v2().get(f"/projects/{project}").json()["is_active"] is True


@pytest.mark.parametrize("fields,named", [
    ({"name": ""}, "name"),
    ({"client_id": None}, "client_id"),
    ({"client_id": 7}, "client_id"),
    ({"bill_by": "Hourly"}, "bill_by"),
    ({"is_billable": "often"}, "is_billable"),
    ({"name": "Mobile App"}, "taken"),  # Acme Corp already has one
])
def test_invalid_updates_are_422_and_write_nothing(v2: V2, emulator: RunningEmulator,
                                                   fields: dict[str, Any], named: str) -> None:
    before = state(emulator)
    response = v2().patch(f"/projects/{emulator.info.ids[WEB]}", json=fields)
    assert named in message(response, 422)
    assert state(emulator) == before


def test_only_administrators_update(v2: V2, emulator: RunningEmulator) -> None:
    before = state(emulator)
    managed = emulator.info.ids[WEB]  # Basil manages it: still not his to change on v2
    for who in ("basil", "polly"):
        message(v2(who).patch(f"/projects/{managed}", json={"name": "Mine"}), 403)
        message(v2(who).patch("/projects/1", json={"name": "Mine"}), 403)
    message(v2().patch("/projects/1", json={"name": "Nobody's"}), 404)
    assert state(emulator) == before


# -- delete --------------------------------------------------------------------------------------


def test_a_project_without_time_or_expenses_is_deleted(v2: V2, v1: V1,
                                                       emulator: RunningEmulator) -> None:
    made = v2().post("/projects", json=body(emulator)).json()["id"]
    assert emulator.store.scalar("SELECT COUNT(*) FROM user_assignments WHERE project_id = ?",
                                 made)
    response = v2().delete(f"/projects/{made}")
    assert response.status_code == 200 and response.content == b""
    assert stored(emulator, made) is None
    for table in ("task_assignments", "user_assignments"):
        assert not emulator.store.scalar(f"SELECT COUNT(*) FROM {table} WHERE project_id = ?",
                                         made)
    message(v2().get(f"/projects/{made}"), 404)
    message(v2().delete(f"/projects/{made}"), 404)
    assert v1().get(f"/projects/{made}").status_code == 404


def test_a_project_with_time_or_expenses_is_kept(v2: V2, emulator: RunningEmulator) -> None:
    before = state(emulator)
    assert "time entries" in message(v2().delete(f"/projects/{emulator.info.ids[WEB]}"), 422)
    made = v2().post("/projects", json=body(emulator)).json()["id"]
    emulator.store.insert(
        "expenses", user_id=uid(emulator, "sybil"), project_id=made,
        expense_category_id=emulator.info.ids["category:Meals"], spent_at="2026-01-05",
        total_cost=12.0, created_at="2026-01-05T12:00:00.000000Z",
        updated_at="2026-01-05T12:00:00.000000Z")
    with_expense = state(emulator)
    assert "expenses" in message(v2().delete(f"/projects/{made}"), 422)
    assert state(emulator) == with_expense and before[0] == with_expense[0][:-1]


def test_only_administrators_delete(v2: V2, emulator: RunningEmulator) -> None:
    made = v2().post("/projects", json=body(emulator)).json()["id"]
    before = state(emulator)
    for who in ("basil", "polly"):
        message(v2(who).delete(f"/projects/{made}"), 403)
        message(v2(who).delete(f"/projects/{emulator.info.ids[WEB]}"), 403)
    assert state(emulator) == before


# -- v1 writes, v2 reads -------------------------------------------------------------------------


def test_a_project_created_on_v1_reads_the_same_on_v2(v2: V2, v1: V1,
                                                      emulator: RunningEmulator) -> None:
    globex = emulator.info.ids["client:Globex"]
    created = v1().post("/projects", json={"project": {
        "name": "From v1", "client_id": globex, "code": "GLX-10", "billable": "false",
        "bill_by": "People", "budget": "25", "budget_by": "person"}})
    assert created.status_code == 201
    project = int(created.headers["location"].rsplit("/", 1)[1])
    seen = v2().get(f"/projects/{project}").json()
    assert (seen["name"], seen["code"], seen["is_billable"], seen["bill_by"], seen["budget"],
            seen["budget_by"], seen["is_active"], seen["client"]["id"]) == \
        ("From v1", "GLX-10", False, "People", 25.0, "person", True, globex)
    assert project in {p["id"] for p in v2().get("/projects").json()["projects"]}
    # And v2 may delete what v1 made (no time on it yet); v1 then finds nothing.
    assert v2().delete(f"/projects/{project}").status_code == 200
    assert v1().get(f"/projects/{project}").status_code == 404


# -- expense categories --------------------------------------------------------------------------


def test_expense_categories_for_everyone(v2: V2, emulator: RunningEmulator) -> None:
    mileage = emulator.info.ids["category:Mileage"]
    for who in ("sybil", "basil", "polly"):
        listed = v2(who).get("/expense_categories").json()
        categories = listed["expense_categories"]
        assert [c["name"] for c in categories] == ["Travel", "Meals", "Mileage"]  # newest first
        assert list(categories[0]) == CATEGORY_FIELDS
        assert listed["total_entries"] == 3 and listed["links"]["next"] is None
    one = v2("polly").get(f"/expense_categories/{mileage}").json()
    assert {key: one[key] for key in ("id", "name", "unit_name", "unit_price", "is_active")} == \
        {"id": mileage, "name": "Mileage", "unit_name": "mile", "unit_price": 0.655,
         "is_active": True}
    assert one["created_at"].endswith("Z")
    message(v2().get("/expense_categories/1"), 404)


def test_expense_categories_page_by_cursor_and_filter(v2: V2, emulator: RunningEmulator) -> None:
    first = v2().get("/expense_categories", params={"per_page": 2}).json()
    assert len(first["expense_categories"]) == 2 and "ref=next_cursor" in first["links"]["next"]
    names = [c["name"] for c in all_pages(v2(), "/expense_categories", "expense_categories",
                                          per_page=1)]
    assert names == ["Travel", "Meals", "Mileage"]
    emulator.store.update("expense_categories", emulator.info.ids["category:Meals"],
                          deactivated=1)
    inactive = v2().get("/expense_categories", params={"is_active": "false"}).json()
    assert [(c["name"], c["is_active"]) for c in inactive["expense_categories"]] == \
        [("Meals", False)]
    active = v2().get("/expense_categories", params={"is_active": True}).json()
    assert [c["name"] for c in active["expense_categories"]] == ["Travel", "Mileage"]
    message(v2().get("/expense_categories", params={"is_active": "maybe"}), 422)
