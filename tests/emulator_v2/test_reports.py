"""The Reports API on v2: rows per subject and currency, date spellings, spans, roles, rates."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest

from emulator.runner import RunningEmulator
from tests.emulator.daily_support import DATA, DEVELOPMENT, uid
from tests.emulator_v2.conftest import V2, message, noon
from tests.emulator_v2.test_time_entries import create


def _span(emulator: RunningEmulator, back: int = 30, compact: bool = True) -> dict[str, str]:
    today = emulator.clock.now().date()
    fmt = "%Y%m%d" if compact else "%Y-%m-%d"
    return {"from": f"{today - timedelta(days=back):{fmt}}", "to": f"{today:{fmt}}"}


def _entries(emulator: RunningEmulator, where: str = "1 = 1", *args: Any) -> list[dict]:
    return emulator.store.all(
        "SELECT e.*, p.client_id, c.currency, p.hourly_rate, p.bill_by, p.billable AS pb, "
        "ta.billable AS tb FROM day_entries e JOIN projects p ON p.id = e.project_id "
        "JOIN clients c ON c.id = p.client_id JOIN task_assignments ta "
        f"ON ta.project_id = e.project_id AND ta.task_id = e.task_id WHERE {where}", *args)


def _code(currency: str) -> str:
    return currency.rsplit("-", 1)[-1].strip()


def test_team_report_has_a_row_per_person_and_currency(v2: V2, emulator: RunningEmulator) -> None:
    body = v2().get("/reports/time/team", params=_span(emulator)).json()
    rows = body["results"]
    assert body["total_entries"] == len(rows) and body["page"] == 1
    assert list(rows[0]) == ["user_id", "user_name", "is_contractor", "total_hours",
                             "billable_hours", "currency", "billable_amount", "weekly_capacity",
                             "avatar_url"]
    expected: dict[tuple[int, str], float] = defaultdict(float)
    for entry in _entries(emulator):
        expected[(entry["user_id"], _code(entry["currency"]))] += entry["hours"]
    assert {(r["user_id"], r["currency"]): r["total_hours"] for r in rows} == \
        {key: round(hours, 2) for key, hours in expected.items()}
    assert any(sum(1 for r in rows if r["user_id"] == person) == 2
               for person, _ in expected)  # someone worked for both currencies
    names = [(r["user_name"], r["currency"]) for r in rows]
    assert names == sorted(names)


def test_billable_hours_and_amounts(v2: V2, emulator: RunningEmulator) -> None:
    rows = v2().get("/reports/time/projects", params=_span(emulator)).json()["results"]
    assert list(rows[0]) == ["client_id", "client_name", "project_id", "project_name",
                             "total_hours", "billable_hours", "currency", "billable_amount"]
    data = emulator.info.ids[DATA]
    row = next(r for r in rows if r["project_id"] == data)
    billable = sum(e["hours"] for e in _entries(emulator, "e.project_id = ?", data) if e["tb"])
    assert (row["currency"], row["client_name"]) == ("EUR", "Globex")
    assert row["billable_hours"] == round(billable, 2)
    assert row["billable_amount"] == round(billable * 120, 2)
    internal = next(r for r in rows if r["project_name"] == "Internal")
    assert (internal["billable_hours"], internal["billable_amount"]) == (0.0, 0.0)
    web = next(r for r in rows if r["project_name"] == "Website Redesign")
    assert web["billable_hours"] > 0 and web["billable_amount"] == 0.0  # billed by nothing


@pytest.mark.parametrize("kind,fields", [
    ("clients", ["client_id", "client_name"]),
    ("tasks", ["task_id", "task_name"]),
])
def test_other_time_reports(v2: V2, emulator: RunningEmulator, kind: str,
                            fields: list[str]) -> None:
    rows = v2().get(f"/reports/time/{kind}", params=_span(emulator, compact=False)).json()[
        "results"]
    assert list(rows[0]) == [*fields, "total_hours", "billable_hours", "currency",
                             "billable_amount"]
    total = sum(e["hours"] for e in _entries(emulator))
    assert round(sum(r["total_hours"] for r in rows), 2) == round(total, 2)
    if kind == "tasks":
        development = [r for r in rows if r["task_name"] == "Development"]
        assert {r["currency"] for r in development} == {"EUR", "USD"}


def test_members_see_their_own_time_and_no_rates(v2: V2, emulator: RunningEmulator) -> None:
    polly = uid(emulator, "polly")
    rows = v2("polly").get("/reports/time/team", params=_span(emulator)).json()["results"]
    assert {r["user_id"] for r in rows} == {polly}
    assert all("currency" not in r and "billable_amount" not in r for r in rows)
    assert round(sum(r["total_hours"] for r in rows), 2) == \
        round(sum(e["hours"] for e in _entries(emulator, "e.user_id = ?", polly)), 2)


def test_managers_see_their_own_and_their_projects(v2: V2, emulator: RunningEmulator) -> None:
    rows = v2("basil").get("/reports/time/projects", params=_span(emulator)).json()["results"]
    basil = uid(emulator, "basil")
    managed = {"Website Redesign", "Mobile App", "Gourmet Night"}
    others = {r["project_name"] for r in rows} - managed
    own_projects = {row["name"] for row in emulator.store.all(
        "SELECT DISTINCT p.name FROM day_entries e JOIN projects p ON p.id = e.project_id "
        "WHERE e.user_id = ?", basil)}
    assert others <= own_projects
    web = next(r for r in rows if r["project_name"] == "Website Redesign")
    assert web["total_hours"] == round(sum(e["hours"] for e in _entries(
        emulator, "e.project_id = ?", emulator.info.ids["project:Website Redesign"])), 2)


def test_a_running_timer_counts(v2: V2, emulator: RunningEmulator) -> None:
    today = noon(emulator)
    create(v2, emulator, project=DATA, task=DEVELOPMENT)
    emulator.clock.advance(3600)
    span = {"from": today, "to": today}
    rows = v2("polly").get("/reports/time/projects", params=span).json()["results"]
    assert [(r["project_name"], r["total_hours"]) for r in rows] == [("Data Migration", 1.0)]


@pytest.mark.parametrize("params,word", [
    ({}, "from"),
    ({"from": "20260101"}, "to"),
    ({"from": "20260301", "to": "20260101"}, "after"),
    ({"from": "20250101", "to": "20260102"}, "365"),
    ({"from": "2026-13-01", "to": "2026-12-01"}, "from"),
])
def test_report_spans(v2: V2, params: dict, word: str) -> None:
    assert word in message(v2().get("/reports/time/clients", params=params), 422)


def test_a_full_year_is_allowed(v2: V2) -> None:
    start = date(2024, 1, 1)  # a leap year: 365 days on is still in the year
    response = v2().get("/reports/expenses/team", params={
        "from": start.isoformat(), "to": (start + timedelta(days=365)).isoformat()})
    assert response.status_code == 200


def test_unknown_report_is_a_404(v2: V2, emulator: RunningEmulator) -> None:
    message(v2().get("/reports/time/planets", params=_span(emulator)), 404)


@pytest.mark.parametrize("kind,fields", [
    ("clients", ["client_id", "client_name"]),
    ("projects", ["client_id", "client_name", "project_id", "project_name"]),
    ("categories", ["expense_category_id", "expense_category_name"]),
    ("team", ["user_id", "user_name", "is_contractor"]),
])
def test_expense_reports(v2: V2, emulator: RunningEmulator, kind: str,
                         fields: list[str]) -> None:
    rows = v2().get(f"/reports/expenses/{kind}", params=_span(emulator)).json()["results"]
    assert list(rows[0]) == [*fields, "total_amount", "billable_amount", "currency"]
    total = emulator.store.scalar("SELECT SUM(total_cost) FROM expenses")
    assert round(sum(r["total_amount"] for r in rows), 2) == round(total, 2)
    mine = v2("manuel").get(f"/reports/expenses/{kind}", params=_span(emulator)).json()["results"]
    own = emulator.store.scalar("SELECT SUM(total_cost) FROM expenses WHERE user_id = ?",
                                uid(emulator, "manuel"))
    assert round(sum(r["total_amount"] for r in mine), 2) == round(own, 2)


def test_reports_page(v2: V2, emulator: RunningEmulator) -> None:
    first = v2().get("/reports/time/team", params={**_span(emulator), "per_page": 2}).json()
    assert first["total_pages"] > 1 and first["next_page"] == 2
    assert "from=" in first["links"]["next"] and "page=2" in first["links"]["next"]
    second = v2().get(first["links"]["next"]).json()
    assert second["page"] == 2 and second["results"] != first["results"]
