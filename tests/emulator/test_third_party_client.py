"""The emulator judged by a Harvest v1 client someone else wrote: python-harvest-redux 4.0.0.

That client (Lionheart's, on requests) was written against the real v1 API years ago. It sends
``null`` JSON bodies on GETs, toggles projects with PUT, posts to ``/clients/`` with a trailing
slash and sends flat JSON for time entries. It runs here unchanged, pointed at the base URL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from harvest import Harvest  # python-harvest-redux

from emulator.runner import RunningEmulator


@pytest.fixture
def fixed_day(emulator: RunningEmulator) -> date:
    emulator.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    return date(2026, 11, 25)


def _client(emulator: RunningEmulator, who: str) -> Harvest:
    login = emulator.info.logins[who]
    return Harvest(emulator.base_url, login.email, login.password)


def test_timesheet_round_trip(emulator: RunningEmulator, fixed_day: date) -> None:
    harvest = _client(emulator, "polly")
    me = harvest.who_am_i
    assert me["user"]["email"] == "polly@fawltytowers.example"

    today = harvest.today
    assert today["for_day"] == fixed_day.isoformat()
    project = next(p for p in today["projects"] if p["name"] == "Website Redesign")
    task = next(t for t in project["tasks"] if t["name"] == "Design")

    added = harvest.add({"notes": "Wireframes", "hours": "1.5", "project_id": str(project["id"]),
                         "task_id": str(task["id"]), "spent_at": "Wed, 25 Nov 2026"})
    assert added["hours"] == 1.5 and added["project"] == "Website Redesign"
    entry_id = added["id"]
    assert harvest.get_entry(entry_id)["notes"] == "Wireframes"

    updated = harvest.update(entry_id, {"notes": "Wireframes v2", "hours": 2})
    assert updated["notes"] == "Wireframes v2" and updated["hours"] == 2

    timer = harvest.add({"notes": "Call", "project_id": project["id"], "task_id": task["id"]})
    assert timer["timer_started_at"] is not None
    emulator.clock.advance(1800)
    stopped = harvest.toggle_timer(timer["id"])
    assert stopped["timer_started_at"] is None and stopped["hours"] == 0.5

    day = harvest.get_day(fixed_day.timetuple().tm_yday, fixed_day.year)
    assert {e["id"] for e in day["day_entries"]} == {entry_id, timer["id"]}

    deleted = harvest.delete(entry_id)
    assert deleted.status_code == 200
    gone = harvest.get_entry(entry_id)
    assert getattr(gone, "status_code", None) == 404


def test_admin_works_for_others_and_reads_reports(emulator: RunningEmulator, fixed_day: date) -> None:
    harvest = _client(emulator, "sybil")
    polly = emulator.info.logins["polly"].user_id
    project_id = emulator.info.ids["project:Gourmet Night"]
    task_id = emulator.info.ids["task:Meetings"]
    added = harvest.add_for_user(polly, {"hours": 1, "project_id": project_id, "task_id": task_id,
                                         "notes": "Added by Sybil"})
    assert added["user_id"] == polly
    assert any(e["id"] == added["id"] for e in harvest.today_user(polly)["day_entries"])

    entries = harvest.user_hours(polly, "20261101", "20261130")
    assert any(row["day_entry"]["id"] == added["id"] for row in entries)
    on_project = harvest.timesheets_for_project(project_id, "20261125", "20261125")
    assert [row["day_entry"]["id"] for row in on_project] == [added["id"]]


def test_extended_api(emulator: RunningEmulator) -> None:
    harvest = _client(emulator, "sybil")
    client = harvest.create_client(client={"name": "Sirius Cybernetics"})
    assert getattr(client, "status_code", 201) in (200, 201)
    created_client = next(c["client"] for c in harvest.clients() if c["client"]["name"] == "Sirius Cybernetics")

    created = harvest.create_project(project={"name": "Nutrimatic", "client_id": created_client["id"]})
    assert getattr(created, "status_code", 201) in (200, 201)
    project = next(p["project"] for p in harvest.projects() if p["project"]["name"] == "Nutrimatic")
    assert harvest.get_project(project["id"])["project"]["client_id"] == created_client["id"]
    assert [p["project"]["id"] for p in harvest.projects_for_client(created_client["id"])] == [project["id"]]

    toggled = harvest.toggle_project_active(project["id"])  # sent as PUT
    assert getattr(toggled, "status_code", 200) == 200
    assert harvest.get_project(project["id"])["project"]["active"] is False

    assert {t["task"]["name"] for t in harvest.tasks()} >= {"Design", "Development"}
    assert {u["user"]["email"] for u in harvest.people()} >= {"polly@fawltytowers.example"}
    assert harvest.get_person(emulator.info.logins["polly"].user_id)["user"]["first_name"] == "Polly"
    assert {c["expense_category"]["name"] for c in harvest.expense_categories} >= {"Mileage"}
    website = emulator.info.ids["project:Website Redesign"]
    offered = harvest.get_all_tasks_from_project(website)
    assert {a["task_assignment"]["task_id"] for a in offered} >= {emulator.info.ids["task:Design"]}

    assert harvest.delete_project(project["id"]).status_code == 200


def test_regular_users_are_refused_the_extended_api(emulator: RunningEmulator) -> None:
    harvest = _client(emulator, "polly")
    response = harvest.projects()
    assert getattr(response, "status_code", None) == 403


@pytest.mark.secrets_logged("python-harvest-redux sends the access token in the query string, which the log of its request shows")
def test_oauth2_client_mode(emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same client in its OAuth 2 mode, with a token from the emulator's token endpoint."""
    import httpx

    # oauthlib refuses plain http; the emulator is on loopback, where that is fine.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")

    app = emulator.info.oauth
    assert app is not None
    login = emulator.info.logins["basil"]
    page = httpx.post(emulator.base_url + "/oauth2/authorize", data={
        "email": login.email, "password": login.password, "client_id": app.client_id,
        "redirect_uri": app.redirect_uri, "response_type": "code", "state": "s1"})
    assert page.status_code == 302
    code = httpx.URL(page.headers["location"]).params["code"]
    token = httpx.post(emulator.base_url + "/oauth2/token", data={
        "code": code, "client_id": app.client_id, "client_secret": app.client_secret,
        "redirect_uri": app.redirect_uri, "grant_type": "authorization_code"}).json()
    harvest = Harvest(emulator.base_url, client_id=app.client_id,
                      token={"access_token": token["access_token"], "token_type": "Bearer"})
    assert harvest.who_am_i["user"]["email"] == login.email
