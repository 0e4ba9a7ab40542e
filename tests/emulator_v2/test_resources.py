"""Projects, clients, tasks, assignments and expenses on v2, by role."""

from __future__ import annotations

import pytest

from emulator.runner import RunningEmulator
from tests.emulator.daily_support import DATA, GOURMET, WEB, uid
from tests.emulator_v2.conftest import V2, message

PROJECT_FIELDS = ["id", "name", "code", "is_active", "is_billable", "is_fixed_fee", "bill_by",
                  "hourly_rate", "budget", "budget_by", "budget_is_monthly",
                  "notify_when_over_budget", "over_budget_notification_percentage",
                  "show_budget_to_all", "cost_budget", "cost_budget_include_expenses", "fee",
                  "notes", "starts_on", "ends_on", "over_budget_notification_date",
                  "created_at", "updated_at", "client"]
EXPENSE_FIELDS = ["id", "notes", "total_cost", "units", "is_closed", "approval_status",
                  "is_locked", "is_billed", "locked_reason", "spent_date", "created_at",
                  "updated_at", "billable", "receipt", "user", "user_assignment", "project",
                  "expense_category", "client", "invoice"]


def _names(items: list[dict]) -> set[str]:
    return {item["name"] for item in items}


def test_projects_for_administrators(v2: V2, emulator: RunningEmulator) -> None:
    projects = v2().get("/projects").json()["projects"]
    assert len(projects) == 6 and list(projects[0]) == PROJECT_FIELDS
    gourmet = next(p for p in projects if p["name"] == "Gourmet Night")
    assert (gourmet["code"], gourmet["is_active"], gourmet["bill_by"], gourmet["hourly_rate"]) \
        == ("TQ-7", True, "Project", 95.0)
    assert gourmet["client"] == {"id": emulator.info.ids["client:City of Torquay"],
                                 "name": "City of Torquay", "currency": "USD"}
    active = v2().get("/projects", params={"is_active": False}).json()["projects"]
    assert _names(active) == {"Legacy Portal"}
    globex = emulator.info.ids["client:Globex"]
    assert _names(v2().get("/projects", params={"client_id": globex}).json()["projects"]) == \
        {"Data Migration", "Legacy Portal"}
    one = v2().get(f"/projects/{emulator.info.ids[DATA]}").json()
    assert one["name"] == "Data Migration" and one["client"]["currency"] == "EUR"
    message(v2().get("/projects/1"), 404)


def test_projects_for_managers_and_members(v2: V2, emulator: RunningEmulator) -> None:
    assert _names(v2("basil").get("/projects").json()["projects"]) == \
        {"Website Redesign", "Mobile App", "Gourmet Night"}
    assert v2("basil").get(f"/projects/{emulator.info.ids[WEB]}").status_code == 200
    message(v2("basil").get(f"/projects/{emulator.info.ids[DATA]}"), 403)
    message(v2("polly").get("/projects"), 403)
    message(v2("polly").get(f"/projects/{emulator.info.ids[WEB]}"), 403)


@pytest.mark.parametrize("path", ["/clients", "/tasks"])
def test_clients_and_tasks_need_the_permission(v2: V2, emulator: RunningEmulator,
                                               path: str) -> None:
    assert v2().get(path).status_code == 200
    message(v2("basil").get(path), 403)
    message(v2("polly").get(path), 403)
    emulator.store.execute("UPDATE users SET manager_permissions = 'client_and_task_manager' "
                           "WHERE id = ?", uid(emulator, "basil"))
    assert v2("basil").get(path).status_code == 200


def test_clients(v2: V2, emulator: RunningEmulator) -> None:
    clients = v2().get("/clients").json()["clients"]
    assert list(clients[0]) == ["id", "name", "is_active", "address", "statement_key",
                                "currency", "created_at", "updated_at"]
    assert {c["name"]: c["currency"] for c in clients} == {
        "Acme Corp": "USD", "City of Torquay": "USD", "Globex": "EUR",
        "Fawlty Towers (internal)": "USD"}
    globex = emulator.info.ids["client:Globex"]
    assert v2().get(f"/clients/{globex}").json()["name"] == "Globex"
    message(v2().get("/clients/5"), 404)
    emulator.store.execute("UPDATE clients SET active = 0 WHERE id = ?", globex)
    assert _names(v2().get("/clients", params={"is_active": "false"}).json()["clients"]) == \
        {"Globex"}


def test_tasks(v2: V2, emulator: RunningEmulator) -> None:
    tasks = v2().get("/tasks").json()["tasks"]
    assert list(tasks[0]) == ["id", "name", "billable_by_default", "default_hourly_rate",
                              "is_default", "is_active", "created_at", "updated_at"]
    meetings = emulator.info.ids["task:Meetings"]
    assert v2().get(f"/tasks/{meetings}").json()["billable_by_default"] is False
    emulator.store.execute("UPDATE tasks SET deactivated = 1 WHERE id = ?", meetings)
    assert _names(v2().get("/tasks", params={"is_active": False}).json()["tasks"]) == \
        {"Meetings"}
    assert len(v2().get("/tasks", params={"is_active": True}).json()["tasks"]) == 5
    message(v2().get("/tasks/1"), 404)


def test_task_assignments(v2: V2, emulator: RunningEmulator) -> None:
    everything = v2().get("/task_assignments").json()["task_assignments"]
    assert len(everything) == emulator.store.scalar("SELECT COUNT(*) FROM task_assignments")
    assert list(everything[0]) == ["id", "project", "task", "is_active", "billable",
                                   "hourly_rate", "budget", "created_at", "updated_at"]
    managed = {emulator.info.ids[name] for name in (WEB, "project:Mobile App", GOURMET)}
    basils = v2("basil").get("/task_assignments").json()["task_assignments"]
    assert basils and {ta["project"]["id"] for ta in basils} == managed
    message(v2("polly").get("/task_assignments"), 403)
    web = emulator.info.ids[WEB]
    on_web = v2("basil").get(f"/projects/{web}/task_assignments").json()["task_assignments"]
    assert {ta["task"]["name"] for ta in on_web} == \
        {"Design", "Development", "Project Management", "Meetings"}
    message(v2("basil").get(f"/projects/{emulator.info.ids[DATA]}/task_assignments"), 403)


def test_user_assignments(v2: V2, emulator: RunningEmulator) -> None:
    everything = v2().get("/user_assignments").json()["user_assignments"]
    assert len(everything) == 24
    assert list(everything[0]) == ["id", "project", "user", "is_active", "is_project_manager",
                                   "use_default_rates", "hourly_rate", "budget", "created_at",
                                   "updated_at"]
    polly = uid(emulator, "polly")
    mine = v2().get("/user_assignments", params={"user_id": polly}).json()["user_assignments"]
    assert len(mine) == 6 and {ua["user"]["name"] for ua in mine} == {"Polly Sherman"}
    web = emulator.info.ids[WEB]
    on_web = v2("basil").get(f"/projects/{web}/user_assignments").json()["user_assignments"]
    assert {ua["user"]["name"]: ua["is_project_manager"] for ua in on_web} == {
        "Sybil Fawlty": False, "Basil Fawlty": True, "Polly Sherman": False,
        "Manuel Garcia": False}
    message(v2("polly").get("/user_assignments"), 403)


def test_expenses_by_role(v2: V2, emulator: RunningEmulator) -> None:
    everything = v2().get("/expenses").json()
    assert everything["total_entries"] == emulator.store.scalar("SELECT COUNT(*) FROM expenses")
    expense = everything["expenses"][0]
    assert list(expense) == EXPENSE_FIELDS
    dates = [(e["spent_date"], e["id"]) for e in everything["expenses"]]
    assert dates == sorted(dates, reverse=True)
    manuel = uid(emulator, "manuel")
    his = v2("manuel").get("/expenses").json()["expenses"]
    assert len(his) == 3 and {e["user"]["id"] for e in his} == {manuel}
    mileage = next(e for e in his if e["expense_category"]["name"] == "Mileage")
    assert (mileage["units"], mileage["total_cost"], mileage["notes"]) == \
        (42.0, 27.51, "Drive to the fish market")
    assert mileage["expense_category"] == {"id": emulator.info.ids["category:Mileage"],
                                           "name": "Mileage", "unit_price": 0.655,
                                           "unit_name": "mile"}
    assert mileage["project"]["name"] == "Gourmet Night"
    assert mileage["client"]["currency"] == "USD"
    managed = {emulator.info.ids[name] for name in (WEB, "project:Mobile App", GOURMET)}
    basils = v2("basil").get("/expenses").json()["expenses"]
    assert all(e["user"]["id"] == uid(emulator, "basil") or e["project"]["id"] in managed
               for e in basils)
    assert v2("polly").get("/expenses", params={"user_id": manuel}).json()["expenses"] == []


def test_expense_filters(v2: V2, emulator: RunningEmulator) -> None:
    gourmet = emulator.info.ids[GOURMET]
    on_gourmet = v2().get("/expenses", params={"project_id": gourmet}).json()["expenses"]
    assert on_gourmet and {e["project"]["id"] for e in on_gourmet} == {gourmet}
    days = sorted({e["spent_date"] for e in v2().get("/expenses").json()["expenses"]})
    ranged = v2().get("/expenses", params={"from": days[1], "to": days[1]}).json()["expenses"]
    assert {e["spent_date"] for e in ranged} == {days[1]}
    assert v2().get("/expenses", params={"is_billed": True}).json()["expenses"] == []
    message(v2().get("/expenses", params={"to": "soon"}), 422)
