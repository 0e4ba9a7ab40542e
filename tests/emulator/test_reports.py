"""The Reporting API: project and person entries, person and project expenses, by role."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from emulator.runner import RunningEmulator
from tests.emulator.conftest import Api
from tests.emulator.daily_support import (
    DATA,
    GOURMET,
    MEETINGS,
    WEB,
    add,
    freeze,
    lock,
    report_span,
    types,
    uid,
    xml,
)

REPORT_KEYS = {"hours", "id", "notes", "project_id", "spent_at", "task_id", "user_id", "is_billed",
               "is_closed", "created_at", "updated_at"}
EXPENSE_KEYS = {"expense_category_id", "id", "notes", "project_id", "spent_at", "total_cost",
                "units", "user_id", "billable", "is_billed", "is_closed", "created_at", "updated_at"}


def _stored(emulator: RunningEmulator, where: str, *args: object) -> dict[int, dict]:
    return {r["id"]: r for r in emulator.store.all(f"SELECT * FROM day_entries WHERE {where}", *args)}


def _span_args(span: dict[str, str]) -> tuple[str, str]:
    start, end = (date(int(v[:4]), int(v[4:6]), int(v[6:])) for v in (span["from"], span["to"]))
    return start.isoformat(), end.isoformat()


def _ids(response: httpx.Response, kind: str = "day_entry") -> set[int]:
    assert response.status_code == 200, response.text
    return {item[kind]["id"] for item in response.json()}


# -- shapes -----------------------------------------------------------------------------------------


def test_project_entries_json_are_wrapped_and_match_the_store(api: Api, emulator: RunningEmulator) -> None:
    web = emulator.info.ids[WEB]
    span = report_span(emulator)
    response = api("sybil").get(f"/projects/{web}/entries", params=span)
    body = response.json()
    assert body and all(set(item) == {"day_entry"} for item in body)
    expected = _stored(emulator, "project_id = ? AND spent_at BETWEEN ? AND ?", web, *_span_args(span))
    assert {item["day_entry"]["id"] for item in body} == set(expected)
    first = body[0]["day_entry"]
    assert set(first) == REPORT_KEYS
    stored = expected[first["id"]]
    assert first["hours"] == stored["hours"] and first["spent_at"] == stored["spent_at"]
    assert first["project_id"] == web and isinstance(first["user_id"], int)
    assert first["created_at"].endswith("Z")
    spent = [item["day_entry"]["spent_at"] for item in body]
    assert spent == sorted(spent)


def test_project_entries_xml_as_reporting_txt(api: Api, emulator: RunningEmulator) -> None:
    web = emulator.info.ids[WEB]
    root = xml(api("sybil", fmt="xml").get(f"/projects/{web}/entries", params=report_span(emulator)))
    assert root.tag == "day-entries"
    entry = root.find("day-entry")
    assert types(entry) == {
        "hours": "decimal", "id": "integer", "notes": None, "project-id": "integer",
        "spent-at": "date", "task-id": "integer", "user-id": "integer", "is-billed": "boolean",
        "is-closed": "boolean", "created_at": "datetime", "updated-at": "datetime"}
    assert [child.tag for child in entry][:7] == ["hours", "id", "notes", "project-id", "spent-at",
                                                  "task-id", "user-id"]
    assert entry.find("created_at").text.endswith("+0000")


def test_person_entries_and_project_filter(api: Api, emulator: RunningEmulator) -> None:
    polly = uid(emulator, "polly")
    span = report_span(emulator)
    everything = _ids(api("polly").get(f"/people/{polly}/entries", params=span))
    assert everything == set(_stored(emulator, "user_id = ? AND spent_at BETWEEN ? AND ?", polly,
                                     *_span_args(span)))
    web = emulator.info.ids[WEB]
    on_web = _ids(api("polly").get(f"/people/{polly}/entries", params={**span, "project_id": web}))
    assert on_web == set(_stored(emulator, "user_id = ? AND project_id = ? AND spent_at BETWEEN ? AND ?",
                                 polly, web, *_span_args(span)))
    assert on_web < everything
    root = xml(api("polly", fmt="xml").get(f"/people/{polly}/entries", params=span))
    assert {int(e.find("id").text) for e in root.findall("day-entry")} == everything


def test_person_expenses_json_and_xml(api: Api, emulator: RunningEmulator) -> None:
    manuel = uid(emulator, "manuel")
    span = report_span(emulator)
    body = api("manuel").get(f"/people/{manuel}/expenses", params=span).json()
    stored = emulator.store.all("SELECT * FROM expenses WHERE user_id = ?", manuel)
    assert {item["expense"]["id"] for item in body} == {r["id"] for r in stored}
    mileage = next(item["expense"] for item in body if item["expense"]["units"] is not None)
    assert set(mileage) == EXPENSE_KEYS
    assert mileage["units"] == 42.0 and mileage["total_cost"] == 27.51
    assert mileage["notes"] == "Drive to the fish market"
    assert mileage["expense_category_id"] == emulator.info.ids["category:Mileage"]
    root = xml(api("manuel", fmt="xml").get(f"/people/{manuel}/expenses", params=span))
    assert root.tag == "expenses"
    expense = next(e for e in root.findall("expense") if e.find("units").text)
    assert {k: v for k, v in types(expense).items() if k in (
        "expense-category-id", "id", "project-id", "spent-at", "total-cost", "units", "user-id")} == {
        "expense-category-id": "integer", "id": "integer", "project-id": "integer",
        "spent-at": "date", "total-cost": "decimal", "units": "decimal", "user-id": "integer"}
    assert expense.find("units").text == "42.0" and expense.find("total-cost").text == "27.51"


def test_project_expenses(api: Api, emulator: RunningEmulator) -> None:
    gourmet = emulator.info.ids[GOURMET]
    span = report_span(emulator)
    stored = {r["id"] for r in emulator.store.all("SELECT id FROM expenses WHERE project_id = ?", gourmet)}
    assert _ids(api("sybil").get(f"/projects/{gourmet}/expenses", params=span), "expense") == stored
    assert _ids(api("basil").get(f"/projects/{gourmet}/expenses", params=span), "expense") == stored
    assert api("polly").get(f"/projects/{gourmet}/expenses", params=span).status_code == 403
    root = xml(api("basil", fmt="xml").get(f"/projects/{gourmet}/expenses", params=span))
    assert root.tag == "expenses" and len(root.findall("expense")) == len(stored)


def test_empty_reports(api: Api, emulator: RunningEmulator) -> None:
    polly = uid(emulator, "polly")
    span = {"from": "20000101", "to": "20000131"}
    assert api("polly").get(f"/people/{polly}/entries", params=span).json() == []
    root = xml(api("polly", fmt="xml").get(f"/people/{polly}/expenses", params=span))
    assert root.tag == "expenses" and list(root) == []


# -- roles ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who,project,user,status", [
    ("sybil", DATA, None, 200),      # administrators: anything
    ("basil", WEB, None, 200),       # managers: the projects they manage, everyone's time
    ("basil", WEB, "polly", 200),
    ("basil", DATA, None, 403),      # not managed
    ("basil", DATA, "basil", 200),   # but their own time on it
    ("polly", WEB, None, 403),       # regular users: only their own
    ("polly", WEB, "polly", 200),
    ("polly", WEB, "manuel", 403),
])
def test_project_entries_by_role(api: Api, emulator: RunningEmulator, who: str, project: str,
                                 user: str | None, status: int) -> None:
    params = report_span(emulator)
    if user:
        params["user_id"] = str(uid(emulator, user))
    response = api(who).get(f"/projects/{emulator.info.ids[project]}/entries", params=params)
    assert response.status_code == status
    if status == 403:
        assert "day_entry" not in response.text
    elif user:
        assert {item["day_entry"]["user_id"] for item in response.json()} <= {uid(emulator, user)}


def test_project_entries_need_an_assignment_for_own_time(api: Api, emulator: RunningEmulator) -> None:
    data = emulator.info.ids[DATA]
    polly = uid(emulator, "polly")
    emulator.store.execute("DELETE FROM user_assignments WHERE project_id = ? AND user_id = ?", data, polly)
    response = api("polly").get(f"/projects/{data}/entries",
                                params={**report_span(emulator), "user_id": polly})
    assert response.status_code == 403


@pytest.mark.parametrize("who,person,status", [
    ("sybil", "polly", 200), ("basil", "basil", 200), ("basil", "polly", 403),
    ("polly", "polly", 200), ("polly", "manuel", 403), ("manuel", "sybil", 403),
])
@pytest.mark.parametrize("kind", ["entries", "expenses"])
def test_person_reports_by_role(api: Api, emulator: RunningEmulator, who: str, person: str,
                                status: int, kind: str) -> None:
    for fmt in ("json", "xml"):
        response = api(who, fmt=fmt).get(f"/people/{uid(emulator, person)}/{kind}",
                                          params=report_span(emulator))
        assert response.status_code == status
        if status == 403:
            assert "spent" not in response.text


# -- errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("params,words", [
    ({}, "from"),
    ({"to": "20261130"}, "from"),
    ({"from": "20261101"}, "to"),
    ({"from": "2026-13-01", "to": "20261130"}, "from"),
    ({"from": "20261301", "to": "20261130"}, "from"),
    ({"from": "20260230", "to": "20261130"}, "from"),
    ({"from": "yesterday", "to": "20261130"}, "from"),
    ({"from": "20261101", "to": "1130"}, "to"),
    ({"from": "20261130", "to": "20261101"}, "after"),
    ({"from": "20261101", "to": "20261130", "billable": "maybe"}, "billable"),
    ({"from": "20261101", "to": "20261130", "updated_since": "soon"}, "updated_since"),
    ({"from": "20261101", "to": "20261130", "user_id": "me"}, "user_id"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_report_parameters_are_a_clear_400(api: Api, emulator: RunningEmulator, params: dict,
                                               words: str, fmt: str) -> None:
    web = emulator.info.ids[WEB]
    response = api("sybil", fmt=fmt).get(f"/projects/{web}/entries", params=params)
    assert response.status_code == 400
    assert words in response.headers["Hint"]
    assert "day-entr" not in response.text and "day_entry" not in response.text


def test_iso_dates_are_accepted_too(api: Api, emulator: RunningEmulator) -> None:
    polly = uid(emulator, "polly")
    response = api("polly").get(f"/people/{polly}/entries", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/projects/1/entries", "/people/1/entries", "/people/1/expenses",
                                  "/projects/1/expenses", "/projects/abc/entries"])
def test_unknown_ids_are_404(api: Api, path: str) -> None:
    assert api("sybil").get(path, params={"from": "20261101", "to": "20261130"}).status_code == 404


# -- what is counted ---------------------------------------------------------------------------------


def test_a_running_timer_counts_its_current_hours(api: Api, emulator: RunningEmulator) -> None:
    today = freeze(emulator)
    polly = uid(emulator, "polly")
    started = add(api("polly"), emulator, notes="Running")
    emulator.clock.advance(90 * 60)
    day = {"from": f"{today:%Y%m%d}", "to": f"{today:%Y%m%d}"}
    body = api("polly").get(f"/people/{polly}/entries", params=day).json()
    entry = next(item["day_entry"] for item in body if item["day_entry"]["id"] == started["id"])
    assert entry["hours"] == 1.5 and entry["hours_with_timer"] == 1.5
    assert entry["timer_started_at"] == "2026-11-25T12:00:00Z"
    root = xml(api("basil", fmt="xml").get(f"/projects/{started['project_id']}/entries", params=day))
    running = next(e for e in root.findall("day-entry") if e.find("id").text == str(started["id"]))
    assert running.find("hours").text == "1.5" and running.find("timer-started-at") is not None


def test_billable_and_billed_filters(api: Api, emulator: RunningEmulator) -> None:
    today = freeze(emulator)
    web = emulator.info.ids[WEB]
    design = add(api("polly"), emulator, hours=1)
    meeting = add(api("polly"), emulator, hours=1, task=MEETINGS)  # not billable on this project
    lock(emulator, design["id"], is_billed=True)
    day = {"from": f"{today:%Y%m%d}", "to": f"{today:%Y%m%d}"}
    path = f"/projects/{web}/entries"
    sybil = api("sybil")
    assert _ids(sybil.get(path, params=day)) == {design["id"], meeting["id"]}
    assert _ids(sybil.get(path, params={**day, "billable": "yes"})) == {design["id"]}
    assert _ids(sybil.get(path, params={**day, "billable": "no"})) == {meeting["id"]}
    assert _ids(sybil.get(path, params={**day, "only_billed": "yes"})) == {design["id"]}
    assert _ids(sybil.get(path, params={**day, "only_unbilled": "yes"})) == {meeting["id"]}
    billed = sybil.get(path, params={**day, "only_billed": "yes"}).json()[0]["day_entry"]
    assert billed["is_billed"] is True


def test_updated_since(api: Api, emulator: RunningEmulator) -> None:
    today = freeze(emulator)
    polly = uid(emulator, "polly")
    older = add(api("polly"), emulator, hours=1)
    emulator.clock.advance(3600)
    newer = add(api("polly"), emulator, hours=2)
    span = {"from": f"{today - timedelta(days=20):%Y%m%d}", "to": f"{today:%Y%m%d}"}
    since = {**span, "updated_since": "2026-11-25 12:30"}
    assert _ids(api("polly").get(f"/people/{polly}/entries", params=since)) == {newer["id"]}
    iso = {**span, "updated_since": "2026-11-25T11:59:00Z"}
    assert _ids(api("polly").get(f"/people/{polly}/entries", params=iso)) == {older["id"], newer["id"]}


def test_deleted_entries_leave_the_reports(api: Api, emulator: RunningEmulator) -> None:
    today = freeze(emulator)
    polly = uid(emulator, "polly")
    entry = add(api("polly"), emulator, hours=1)
    day = {"from": f"{today:%Y%m%d}", "to": f"{today:%Y%m%d}"}
    assert entry["id"] in _ids(api("polly").get(f"/people/{polly}/entries", params=day))
    api("polly").delete(f"/daily/delete/{entry['id']}")
    assert entry["id"] not in _ids(api("polly").get(f"/people/{polly}/entries", params=day))
