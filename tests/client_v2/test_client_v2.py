"""Each v2 operation calls its endpoint the documented way and returns the domain models."""

from __future__ import annotations

import re
from datetime import date, time

import httpx
import pytest

from bot.harvest.api import CoopApi, HarvestApi, TimeReports
from bot.harvest.auth import OAuthTokens
from bot.harvest.client_v2 import HarvestV2Client, report_spans
from bot.harvest.errors import Forbidden, NotFound, ValidationError
from bot.harvest.models import Task
from tests.client.fakes import ScriptedHarvest, empty_reply, json_reply

from .fakes import (
    ACCOUNT_ID,
    COMPANY,
    ME,
    TOKEN,
    body_of,
    entry_record,
    make_client,
    page_reply,
    running_record,
    with_me,
)

ENTRY = entry_record()
ASSIGNMENTS = [
    {
        "id": 125068553,
        "is_active": True,
        "project": {"id": 14307913, "name": "Marketing Website", "code": "MW"},
        "client": {"id": 5735776, "name": "123 Industries"},
        "task_assignments": [
            {
                "id": 155505014,
                "is_active": True,
                "billable": True,
                "task": {"id": 8083365, "name": "Graphic Design"},
            },
            {
                "id": 155505015,
                "is_active": False,
                "billable": True,
                "task": {"id": 8083366, "name": "Programming"},
            },
        ],
    },
    {
        "id": 125068554,
        "is_active": False,
        "project": {"id": 14307914, "name": "Old Thing", "code": ""},
        "client": {"id": 5735776, "name": "123 Industries"},
        "task_assignments": [],
    },
]


def test_the_client_is_harvest_and_reports_but_not_coop() -> None:
    client = make_client(ScriptedHarvest())
    assert isinstance(client, HarvestApi) and isinstance(client, TimeReports)
    assert not isinstance(client, CoopApi)


# --- what every call sends -------------------------------------------------------------------


def test_every_call_sends_bearer_account_id_user_agent_and_json() -> None:
    harvest = ScriptedHarvest().on("POST", "/v2/time_entries", json_reply(ENTRY, 201))
    make_client(harvest).add_entry(14307913, 8083365, date(2026, 3, 10), hours=2.11)
    (request,) = harvest.requests
    assert str(request.url) == "https://api.harvestapp.com/v2/time_entries"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Harvest-Account-Id"] == ACCOUNT_ID
    assert re.fullmatch(r"harvest-bot/\S+ \(\+https://\S+\)", request.headers["User-Agent"])
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert "access_token" not in str(request.url)


def test_base_url_user_agent_and_account_id_are_configurable() -> None:
    harvest = with_me(ScriptedHarvest())
    oauth = OAuthTokens("oauth-access-token")
    client = HarvestV2Client(
        oauth,
        42,
        base_url="https://harvest.internal/v2/",
        user_agent="Slack timesheet (ops@example.com)",
        transport=httpx.MockTransport(harvest),
    )
    with client:
        client.who_am_i()
    request = harvest.requests[0]
    assert str(request.url) == "https://harvest.internal/v2/users/me"
    assert request.headers["User-Agent"] == "Slack timesheet (ops@example.com)"
    assert request.headers["Harvest-Account-Id"] == "42"


def test_a_client_needs_an_account_id_and_a_sane_page_size() -> None:
    with pytest.raises(ValueError, match="account id"):
        HarvestV2Client(OAuthTokens("t"))
    with pytest.raises(ValueError, match="per_page"):
        HarvestV2Client(OAuthTokens("t"), 1, per_page=5000)
    with pytest.raises(ValueError, match="User-Agent"):
        HarvestV2Client(OAuthTokens("t"), 1, user_agent=" ")


# --- who am I --------------------------------------------------------------------------------


def test_who_am_i_reads_the_user_and_the_company() -> None:
    harvest = with_me(ScriptedHarvest(), access_roles=["manager", "time_and_expenses_manager"])
    me = make_client(harvest).who_am_i()
    assert [r.url.path for r in harvest.requests] == ["/v2/users/me", "/v2/company"]
    assert (me.user.id, me.user.email, me.user.name) == (1782959, ME["email"], "Kim Allen")
    assert not me.user.is_admin and me.user.is_project_manager and me.user.may_act_for_others
    assert me.user.timezone == "Eastern Time (US & Canada)"
    assert me.user.timezone_identifier == "America/New_York"
    assert me.account.name == COMPANY["name"] and not me.account.timestamp_timers
    assert (me.account.clock, me.account.time_format, me.account.week_start_day) == (
        "12h",
        "hours_minutes",
        "Monday",
    )


def test_rate_limit_status_is_the_pacers_count() -> None:
    harvest = with_me(ScriptedHarvest())
    client = make_client(harvest)
    client.who_am_i()
    status = client.rate_limit_status()
    assert (status.count, status.max_calls, status.timeframe_limit) == (2, 100, 15)
    assert status.lockout_seconds == 0 and len(harvest.requests) == 2  # no call for it


# --- the day ---------------------------------------------------------------------------------


def test_today_is_in_the_persons_time_zone_with_their_assigned_projects() -> None:
    harvest = (
        with_me(ScriptedHarvest())
        .on("GET", "/v2/time_entries", page_reply("time_entries", [ENTRY]))
        .on(
            "GET",
            "/v2/users/me/project_assignments",
            page_reply("project_assignments", ASSIGNMENTS),
        )
    )
    # 02:30 UTC on 11 March is still 10 March in New York.
    from datetime import UTC, datetime

    client = make_client(harvest, now=datetime(2026, 3, 11, 2, 30, tzinfo=UTC))
    day = client.day()
    assert day.for_day == date(2026, 3, 10)
    assert dict(harvest.sent("GET", "/v2/time_entries")[0].url.params) == {
        "user_id": "1782959",
        "from": "2026-03-10",
        "to": "2026-03-10",
    }
    assert [e.id for e in day.entries] == [ENTRY["id"]]
    (project,) = day.projects  # the inactive assignment is dropped
    assert (project.id, project.code, project.client_name) == (14307913, "MW", "123 Industries")
    assert project.tasks == (Task(8083365, "Graphic Design", billable=True),)


def test_another_persons_day_uses_their_id_and_assignments() -> None:
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries", page_reply("time_entries", []))
        .on("GET", "/v2/users/99/project_assignments", page_reply("project_assignments", []))
    )
    day = make_client(harvest).day(date(2026, 3, 2), of_user=99)
    assert day.entries == () and day.projects == ()
    assert harvest.sent("GET", "/v2/time_entries")[0].url.params["user_id"] == "99"


def test_one_entry() -> None:
    harvest = ScriptedHarvest().on("GET", "/v2/time_entries/636709355", json_reply(ENTRY))
    entry = make_client(harvest).entry(636709355)
    assert (entry.project_id, entry.task_id, entry.client_id) == (14307913, 8083365, 5735776)
    assert (entry.hours, entry.notes, entry.is_running) == (2.11, "Adding CSS styling", False)


# --- creating: duration vs timestamp accounts ------------------------------------------------


def test_duration_accounts_send_hours() -> None:
    harvest = ScriptedHarvest().on("POST", "/v2/time_entries", json_reply(ENTRY, 201))
    make_client(harvest).add_entry(1, 2, date(2026, 3, 10), hours=1.0, notes="Standup", of_user=5)
    assert body_of(harvest.requests[0]) == {
        "user_id": 5,
        "project_id": 1,
        "task_id": 2,
        "spent_date": "2026-03-10",
        "hours": 1.0,
        "notes": "Standup",
    }


def test_starting_a_timer_stops_the_running_one_first_and_sends_no_hours() -> None:
    harvest = (
        with_me(ScriptedHarvest())
        .on("GET", "/v2/time_entries", page_reply("time_entries", [running_record(7)]))
        .on("PATCH", "/v2/time_entries/7/stop", json_reply(entry_record(7, hours=1.25)))
        .on("POST", "/v2/time_entries", json_reply(running_record(8), 201))
    )
    started = make_client(harvest).start_timer(1, 2, notes="Standup")
    assert started.id == 8 and started.is_running
    assert [(r.method, r.url.path) for r in harvest.requests] == [
        ("GET", "/v2/users/me"),
        ("GET", "/v2/time_entries"),
        ("PATCH", "/v2/time_entries/7/stop"),
        ("POST", "/v2/time_entries"),
    ]
    assert dict(harvest.requests[1].url.params) == {"user_id": "1782959", "is_running": "true"}
    # Today in New York (the person's zone) at 15:00 UTC.
    assert body_of(harvest.requests[-1]) == {
        "project_id": 1,
        "task_id": 2,
        "spent_date": "2026-03-10",
        "notes": "Standup",
    }


def test_add_entry_without_hours_is_a_timer_too() -> None:
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries", page_reply("time_entries", []))
        .on("POST", "/v2/time_entries", json_reply(running_record(8), 201))
    )
    make_client(harvest).add_entry(1, 2, date(2026, 3, 10), of_user=5)
    assert harvest.requests[0].url.params["user_id"] == "5"
    assert "hours" not in body_of(harvest.requests[-1])


@pytest.mark.parametrize(
    ("clock", "started", "ended"), [("12h", "8:00am", "1:30pm"), ("24h", "08:00", "13:30")]
)
def test_timestamp_accounts_send_start_and_end_times_in_the_accounts_clock(
    clock: str, started: str, ended: str
) -> None:
    company = {**COMPANY, "wants_timestamp_timers": True, "clock": clock}
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/company", json_reply(company))
        .on("POST", "/v2/time_entries", json_reply(ENTRY, 201))
    )
    client = make_client(harvest)
    client.add_entry(1, 2, date(2026, 3, 10), started_at=time(8), ended_at=time(13, 30))
    client.add_entry(1, 2, date(2026, 3, 10), started_at=time(8), ended_at=time(13, 30))
    assert len(harvest.sent("GET", "/v2/company")) == 1  # read once, then remembered
    assert body_of(harvest.sent("POST")[0]) == {
        "project_id": 1,
        "task_id": 2,
        "spent_date": "2026-03-10",
        "started_time": started,
        "ended_time": ended,
    }


def test_a_start_time_alone_starts_a_timer_on_timestamp_accounts() -> None:
    company = {**COMPANY, "wants_timestamp_timers": True}
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/users/me", json_reply(ME))
        .on("GET", "/v2/company", json_reply(company))
        .on("GET", "/v2/time_entries", page_reply("time_entries", []))
        .on("POST", "/v2/time_entries", json_reply(running_record(9), 201))
    )
    make_client(harvest).add_entry(1, 2, date(2026, 3, 10), started_at=time(9))
    assert harvest.sent("GET", "/v2/time_entries")  # the running timer was looked for
    assert body_of(harvest.sent("POST")[0])["started_time"] == "9:00am"


def test_clock_times_on_a_duration_account_are_refused_before_writing() -> None:
    harvest = ScriptedHarvest().on("GET", "/v2/company", json_reply(COMPANY))
    with pytest.raises(ValidationError, match="tracks durations"):
        make_client(harvest).add_entry(
            1, 2, date(2026, 3, 10), started_at=time(8), ended_at=time(9)
        )
    with pytest.raises(ValueError, match="not both"):
        make_client(harvest).update_entry(1, hours=1, ended_at=time(9))
    assert harvest.sent("POST") == harvest.sent("PATCH") == []


# --- timers ----------------------------------------------------------------------------------


def test_toggle_stops_a_running_timer() -> None:
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries/7", json_reply(running_record(7)))
        .on("PATCH", "/v2/time_entries/7/stop", json_reply(entry_record(7, hours=1.0)))
    )
    toggle = make_client(harvest).toggle_timer(7)
    assert not toggle.entry.is_running and toggle.hours_for_previously_running_timer is None
    assert [r.method for r in harvest.requests] == ["GET", "PATCH"]


def test_a_restart_that_answers_with_a_new_id_returns_the_new_entry() -> None:
    restarted = running_record(662204379, hours=0.0, started_time="11:40am")
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries/662202797", json_reply(entry_record(662202797)))
        .on(
            "GET",
            "/v2/time_entries",
            page_reply("time_entries", [running_record(5, project={"id": 3, "name": "Other"})]),
        )
        .on("PATCH", "/v2/time_entries/5/stop", json_reply(entry_record(5, hours=0.75)))
        .on("PATCH", "/v2/time_entries/662202797/restart", json_reply(restarted))
    )
    toggle = make_client(harvest).toggle_timer(662202797)
    assert toggle.entry.id == 662204379 and toggle.entry.is_running
    assert toggle.entry.started_at == "11:40am"
    assert toggle.hours_for_previously_running_timer == 0.75
    assert harvest.sent("GET", "/v2/time_entries")[0].url.params["user_id"] == str(ME["id"])


# --- update and delete -----------------------------------------------------------------------


def test_update_sends_only_what_changes_and_never_the_user() -> None:
    harvest = ScriptedHarvest().on("PATCH", "/v2/time_entries/9", json_reply(ENTRY))
    make_client(harvest).update_entry(9, hours=1.07, notes="New notes.", of_user=5)
    assert body_of(harvest.requests[0]) == {"hours": 1.07, "notes": "New notes."}
    assert "user_id" not in str(harvest.requests[0].url)


def test_update_times_on_a_24h_timestamp_account() -> None:
    company = {**COMPANY, "wants_timestamp_timers": True, "clock": "24h"}
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/company", json_reply(company))
        .on("PATCH", "/v2/time_entries/9", json_reply(ENTRY))
    )
    make_client(harvest).update_entry(9, ended_at=time(17, 5), spent_at=date(2026, 3, 9))
    assert body_of(harvest.sent("PATCH")[0]) == {"spent_date": "2026-03-09", "ended_time": "17:05"}


def test_delete_an_entry() -> None:
    harvest = ScriptedHarvest().on("DELETE", "/v2/time_entries/9", empty_reply(200))
    assert make_client(harvest).delete_entry(9) is None


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


# --- sharing ---------------------------------------------------------------------------------


def test_a_batch_client_shares_the_pool_and_budgets_but_yields() -> None:
    client = make_client(ScriptedHarvest())
    batch = client.batch()
    assert batch._general.priority == batch._reports.priority == "batch"
    assert client._general.priority == "interactive"
    assert batch._http is client._http and batch._pacers is client._pacers
    assert batch._reports.pacer is client._pacers.reports
    batch.close()
    assert not client._http.is_closed
