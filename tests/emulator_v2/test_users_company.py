"""``/v2/users/me``, ``/v2/company``, ``/v2/users`` and project assignments, by role."""

from __future__ import annotations

import httpx
import pytest

from emulator.runner import RunningEmulator
from tests.emulator_v2.conftest import V2, message

USER_FIELDS = ["id", "first_name", "last_name", "email", "telephone", "timezone",
               "has_access_to_all_future_projects", "is_contractor", "is_active",
               "weekly_capacity", "default_hourly_rate", "cost_rate", "roles", "access_roles",
               "avatar_url", "created_at", "updated_at"]
COMPANY_FIELDS = ["base_uri", "full_domain", "name", "is_active", "week_start_day",
                  "wants_timestamp_timers", "time_format", "date_format", "plan_type", "clock",
                  "currency_code_display", "currency_symbol_display", "decimal_symbol",
                  "thousands_separator", "color_scheme", "weekly_capacity", "expense_feature",
                  "invoice_feature", "estimate_feature", "approval_feature", "team_feature"]


@pytest.mark.parametrize("who,roles,zone", [
    ("sybil", ["administrator"], "London"),
    ("basil", ["manager", "time_and_expenses_manager"], "London"),
    ("polly", ["member"], "London"),
    ("manuel", ["member"], "Madrid"),
])
def test_me_for_each_role(v2: V2, emulator: RunningEmulator, who: str, roles: list[str],
                          zone: str) -> None:
    body = v2(who).get("/users/me").json()
    assert list(body) == USER_FIELDS
    login = emulator.info.logins[who]
    assert (body["id"], body["email"], body["access_roles"], body["timezone"]) == \
        (login.user_id, login.email, roles, zone)
    assert body["weekly_capacity"] == 126000 and body["is_active"] is True
    assert body["created_at"].endswith("Z") and "is_admin" not in body
    assert body["avatar_url"].startswith(emulator.base_url + "/")


def test_manager_permissions_come_from_the_store(v2: V2, emulator: RunningEmulator) -> None:
    emulator.store.execute("UPDATE users SET manager_permissions = ? WHERE id = ?",
                           "billable_rates_manager client_and_task_manager bogus",
                           emulator.info.logins["basil"].user_id)
    assert v2("basil").get("/users/me").json()["access_roles"] == \
        ["manager", "billable_rates_manager", "client_and_task_manager"]


def test_company_for_anyone(v2: V2) -> None:
    body = v2("polly").get("/company").json()
    assert list(body) == COMPANY_FIELDS
    assert (body["wants_timestamp_timers"], body["clock"], body["time_format"],
            body["week_start_day"], body["name"]) == \
        (False, "12h", "decimal", "Monday", "Fawlty Towers Consulting")


def test_patch_company_switches_timestamp_mode_for_both_wires(v2: V2,
                                                              emulator: RunningEmulator) -> None:
    response = v2().patch("/company", json={"wants_timestamp_timers": True,
                                            "weekly_capacity": 144000})
    assert response.status_code == 200
    assert (response.json()["wants_timestamp_timers"], response.json()["weekly_capacity"]) == \
        (True, 144000)
    assert emulator.store.account()["timestamp_timers"] == 1
    login = emulator.info.logins["polly"]
    who = httpx.get(emulator.base_url + "/account/who_am_i", auth=(login.email, login.password),
                    headers={"Accept": "application/json"}).json()
    assert who["user"]["timestamp_timers"] is True
    assert v2("polly").get("/users/me").json()["weekly_capacity"] == 144000
    back = v2().patch("/company", data={"wants_timestamp_timers": "false"})
    assert back.json()["wants_timestamp_timers"] is False


@pytest.mark.parametrize("who", ["basil", "polly"])
def test_only_administrators_patch_the_company(v2: V2, emulator: RunningEmulator,
                                               who: str) -> None:
    message(v2(who).patch("/company", json={"wants_timestamp_timers": True}), 403)
    assert emulator.store.account()["timestamp_timers"] == 0


def test_patch_company_refuses_bad_values(v2: V2) -> None:
    message(v2().patch("/company", json={"wants_timestamp_timers": "sometimes"}), 422)
    message(v2().patch("/company", json={"weekly_capacity": -1}), 422)


def test_users_list_for_administrators(v2: V2, emulator: RunningEmulator) -> None:
    body = v2().get("/users").json()
    assert [u["id"] for u in body["users"]] == sorted(
        (login.user_id for login in emulator.info.logins.values()), reverse=True)
    emulator.store.execute("UPDATE users SET is_active = 0 WHERE id = ?",
                           emulator.info.logins["manuel"].user_id)
    active = v2().get("/users", params={"is_active": "true"}).json()["users"]
    archived = v2().get("/users", params={"is_active": "false"}).json()["users"]
    assert [u["email"] for u in archived] == ["manuel@fawltytowers.example"]
    assert len(active) == 3
    assert v2().get("/users", params={"updated_since": "2999-01-01T00:00:00Z"}).json()[
        "users"] == []


@pytest.mark.parametrize("who", ["basil", "polly"])
def test_users_list_is_forbidden_to_others(v2: V2, who: str) -> None:
    message(v2(who).get("/users"), 403)


def test_one_user(v2: V2, emulator: RunningEmulator) -> None:
    polly = emulator.info.logins["polly"].user_id
    assert v2().get(f"/users/{polly}").json()["email"] == "polly@fawltytowers.example"
    assert v2("polly").get(f"/users/{polly}").status_code == 200
    message(v2("polly").get(f"/users/{emulator.info.logins['sybil'].user_id}"), 403)
    message(v2().get("/users/999"), 404)


def test_my_project_assignments(v2: V2, emulator: RunningEmulator) -> None:
    ids = emulator.info.ids
    emulator.store.execute("UPDATE task_assignments SET deactivated = 1 WHERE project_id = ? "
                           "AND task_id = ?", ids["project:Website Redesign"], ids["task:Meetings"])
    body = v2("basil").get("/users/me/project_assignments").json()
    assignments = body["project_assignments"]
    assert [a["id"] for a in assignments] == sorted((a["id"] for a in assignments), reverse=True)
    names = {a["project"]["name"] for a in assignments}
    assert names == {"Website Redesign", "Mobile App", "Gourmet Night", "Data Migration",
                     "Internal"}
    web = next(a for a in assignments if a["project"]["name"] == "Website Redesign")
    assert list(web) == ["id", "is_project_manager", "is_active", "use_default_rates", "budget",
                         "created_at", "updated_at", "hourly_rate", "project", "client",
                         "task_assignments"]
    assert web["is_project_manager"] is True
    assert web["project"] == {"id": ids["project:Website Redesign"], "name": "Website Redesign",
                              "code": "ACME-01"}
    assert web["client"] == {"id": ids["client:Acme Corp"], "name": "Acme Corp", "currency": "USD"}
    tasks = {ta["task"]["name"]: ta for ta in web["task_assignments"]}
    assert set(tasks) == {"Design", "Development", "Project Management", "Meetings"}
    assert tasks["Meetings"]["is_active"] is False and tasks["Design"]["is_active"] is True
    assert tasks["Design"]["billable"] is True
    assert list(tasks["Design"]) == ["id", "task", "is_active", "billable", "hourly_rate",
                                     "budget", "created_at", "updated_at"]
    data = next(a for a in assignments if a["project"]["name"] == "Data Migration")
    assert data["client"]["currency"] == "EUR" and data["is_project_manager"] is False


def test_someone_elses_project_assignments(v2: V2, emulator: RunningEmulator) -> None:
    polly = emulator.info.logins["polly"].user_id
    body = v2().get(f"/users/{polly}/project_assignments", params={"per_page": 2}).json()
    assert body["links"]["next"] and "ref=next_cursor" in body["links"]["next"]
    assert body["total_entries"] == 5
    message(v2("basil").get(f"/users/{polly}/project_assignments"), 403)
    assert v2("polly").get(f"/users/{polly}/project_assignments").status_code == 200
