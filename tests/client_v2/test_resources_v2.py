"""Ranges, reports and the account's things over v2: what is asked, what comes back, caching,
and a member's view through their project assignments."""

from __future__ import annotations

from datetime import date

import pytest

from bot.harvest.errors import Forbidden, NotFound
from bot.harvest.reports_v2 import report_spans
from tests.client.fakes import ScriptedHarvest, empty_reply, json_reply

from .fakes import ASSIGNMENTS, ME, body_of, entry_record, make_client, page_reply

ENTRY = entry_record()


# --- reports ---------------------------------------------------------------------------------


def test_entries_and_expenses_for_a_range_filter_by_project_or_person() -> None:
    expense = {
        "id": 15296442,
        "spent_date": "2026-03-03",
        "total_cost": 33.35,
        "units": 1.0,
        "notes": "Lunch with client",
        "billable": True,
        "is_closed": False,
        "is_locked": True,
        "is_billed": False,
        "user": {"id": 1782959, "name": "Kim Allen"},
        "project": {"id": 14307913, "name": "Marketing Website", "code": "MW"},
        "expense_category": {"id": 4195926, "name": "Meals", "unit_price": None},
    }
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries", page_reply("time_entries", [ENTRY]))
        .on("GET", "/v2/expenses", page_reply("expenses", [expense]))
    )
    client = make_client(harvest)
    start, end = date(2026, 3, 1), date(2026, 3, 31)
    assert client.project_entries(14307913, start, end, user_id=5)[0].id == ENTRY["id"]
    client.person_entries(5, start, end, project_id=14307913)
    (spent,) = client.person_expenses(1782959, start, end)
    assert (spent.total_cost, spent.expense_category_id, spent.is_closed) == (33.35, 4195926, True)
    client.project_expenses(14307913, start, end)
    assert [dict(r.url.params) for r in harvest.requests] == [
        {"from": "2026-03-01", "to": "2026-03-31", "project_id": "14307913", "user_id": "5"},
        {"from": "2026-03-01", "to": "2026-03-31", "user_id": "5", "project_id": "14307913"},
        {"from": "2026-03-01", "to": "2026-03-31", "user_id": "1782959"},
        {"from": "2026-03-01", "to": "2026-03-31", "project_id": "14307913"},
    ]


def test_a_time_report_keeps_one_row_per_subject_and_currency() -> None:
    rows = [
        {
            "user_id": 1782959,
            "user_name": "Kim Allen",
            "is_contractor": False,
            "weekly_capacity": 126000,
            "total_hours": 4.0,
            "billable_hours": 4.0,
            "currency": "EUR",
            "billable_amount": 400.0,
        },
        {
            "user_id": 1782959,
            "user_name": "Kim Allen",
            "is_contractor": False,
            "weekly_capacity": 126000,
            "total_hours": 2.0,
            "billable_hours": 1.0,
            "currency": "USD",
            "billable_amount": 100.0,
        },
    ]
    harvest = ScriptedHarvest().on("GET", "/v2/reports/time/team", page_reply("results", rows))
    report = make_client(harvest).time_report("team", date(2026, 1, 1), date(2026, 3, 31))
    assert [(r.subject_id, r.currency, r.total_hours) for r in report] == [
        (1782959, "EUR", 4.0),
        (1782959, "USD", 2.0),
    ]
    assert report[0].weekly_capacity == 126000 and report[0].subject_name == "Kim Allen"
    assert dict(harvest.requests[0].url.params) == {"from": "2026-01-01", "to": "2026-03-31"}
    with pytest.raises(ValueError, match="unknown time report"):
        make_client(harvest).time_report("invoices", date(2026, 1, 1), date(2026, 1, 2))  # type: ignore[arg-type]


def test_a_report_over_more_than_a_year_is_asked_a_year_at_a_time() -> None:
    assert report_spans(date(2025, 1, 1), date(2026, 3, 1)) == [
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 3, 1)),
    ]
    assert report_spans(date(2026, 1, 1), date(2026, 1, 1)) == [(date(2026, 1, 1),) * 2]
    with pytest.raises(ValueError):
        report_spans(date(2026, 1, 2), date(2026, 1, 1))
    harvest = ScriptedHarvest().on("GET", "/v2/reports/time/projects", page_reply("results", []))
    make_client(harvest).time_report("projects", date(2025, 1, 1), date(2026, 3, 1))
    assert [r.url.params["to"] for r in harvest.requests] == ["2025-12-31", "2026-03-01"]


# --- the account's things --------------------------------------------------------------------

PROJECT = {
    "id": 14308069,
    "name": "Online Store - Phase 1",
    "code": "OS1",
    "is_active": True,
    "is_billable": True,
    "bill_by": "Project",
    "budget": 200.0,
    "budget_by": "project",
    "notes": "",
    "client": {"id": 5735776, "name": "123 Industries", "currency": "EUR"},
}


def test_projects_people_clients_tasks_categories_and_assignments_are_cached() -> None:
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/projects", page_reply("projects", [PROJECT]))
        .on("GET", "/v2/projects/14308069", json_reply(PROJECT))
        .on("GET", "/v2/users", page_reply("users", [ME]))
        .on("GET", "/v2/users/1782959", json_reply(ME))
        .on(
            "GET",
            "/v2/clients",
            page_reply(
                "clients",
                [{"id": 5735776, "name": "123 Industries", "currency": "EUR", "is_active": True}],
            ),
        )
        .on("GET", "/v2/clients/5735776", json_reply({"id": 5735776, "name": "123 Industries"}))
        .on(
            "GET",
            "/v2/tasks",
            page_reply(
                "tasks",
                [
                    {
                        "id": 8083365,
                        "name": "Graphic Design",
                        "billable_by_default": True,
                        "is_active": True,
                    }
                ],
            ),
        )
        .on(
            "GET",
            "/v2/expense_categories",
            page_reply("expense_categories", [{"id": 4195926, "name": "Meals", "is_active": True}]),
        )
        .on(
            "GET",
            "/v2/projects/14308069/task_assignments",
            page_reply(
                "task_assignments",
                [
                    {
                        "id": 155502709,
                        "billable": True,
                        "is_active": True,
                        "hourly_rate": 100.0,
                        "task": {"id": 8083365, "name": "Graphic Design"},
                    }
                ],
            ),
        )
    )
    client = make_client(harvest)

    def everything() -> None:
        (project,) = client.projects()
        assert (project.client_id, project.active, project.billable, project.bill_by) == (
            5735776,
            True,
            True,
            "Project",
        )
        assert client.project(14308069) == project
        assert client.people()[0].id == client.person(1782959).id == 1782959
        assert client.clients()[0].currency == "EUR" and client.client(5735776).id == 5735776
        assert client.tasks()[0].billable
        assert client.expense_categories()[0].name == "Meals"
        (assignment,) = client.task_assignments(14308069)
        assert (assignment.project_id, assignment.task_id, assignment.hourly_rate) == (
            14308069,
            8083365,
            100.0,
        )

    everything()
    everything()
    assert len(harvest.requests) == 9


def test_a_member_sees_projects_clients_and_tasks_through_their_assignments() -> None:
    refused = json_reply({"message": "You do not have permission"}, 403)
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/projects", refused)
        .on("GET", "/v2/projects/14307913", refused)
        .on("GET", "/v2/projects/1", refused)
        .on("GET", "/v2/clients", refused)
        .on("GET", "/v2/tasks", refused)
        .on(
            "GET",
            "/v2/users/me/project_assignments",
            page_reply("project_assignments", ASSIGNMENTS),
        )
    )
    client = make_client(harvest)
    assert [p.name for p in client.projects()] == ["Marketing Website"]
    assert client.project(14307913).tasks[0].name == "Graphic Design"
    with pytest.raises(NotFound):
        client.project(1)
    assert [(c.id, c.name) for c in client.clients()] == [(5735776, "123 Industries")]
    assert [t.id for t in client.tasks()] == [8083365]
    assert len(harvest.sent("GET", "/v2/users/me/project_assignments")) == 1


def test_a_refused_person_lookup_stays_forbidden() -> None:
    harvest = ScriptedHarvest().on("GET", "/v2/users", json_reply({"message": "no"}, 403))
    with pytest.raises(Forbidden):
        make_client(harvest).people()


def test_create_update_toggle_and_delete_a_project() -> None:
    archived = {**PROJECT, "is_active": False}
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/projects", page_reply("projects", [PROJECT]))
        .on("POST", "/v2/projects", json_reply(PROJECT, 201))
        .on("PATCH", "/v2/projects/14308069", json_reply(PROJECT), json_reply(archived))
        .on("GET", "/v2/projects/14308069", json_reply(PROJECT))
        .on("DELETE", "/v2/projects/14308069", empty_reply(200))
    )
    client = make_client(harvest)
    client.projects()
    assert (
        client.create_project("Online Store - Phase 1", 5735776, code="OS1", billable=True).id
        == 14308069
    )
    client.update_project(14308069, name="Online Store", budget=250)
    assert client.toggle_project(14308069).active is False
    client.delete_project(14308069)
    client.projects()  # every write forgot the cached list
    assert [body_of(r) for r in harvest.sent("POST") + harvest.sent("PATCH")] == [
        {
            "client_id": 5735776,
            "name": "Online Store - Phase 1",
            "code": "OS1",
            "notes": "",
            "is_active": True,
            "is_billable": True,
            "bill_by": "none",
            "budget_by": "none",
        },
        {"name": "Online Store", "budget": 250},
        {"is_active": False},
    ]
    assert len(harvest.sent("GET", "/v2/projects")) == 2
