"""Each v2 operation calls its endpoint the documented way and returns the domain models."""

from __future__ import annotations

import re
from datetime import date, time

import httpx
import pytest

from bot.harvest.api import CoopApi, HarvestApi, TimeReports
from bot.harvest.auth import OAuthTokens
from bot.harvest.client_v2 import HarvestV2Client
from bot.harvest.errors import Forbidden, ValidationError
from bot.harvest.models import Task
from tests.client.fakes import ScriptedHarvest, empty_reply, json_reply

from .fakes import (
    ACCOUNT_ID,
    ASSIGNMENTS,
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


def test_starting_a_timer_then_stops_the_running_one_and_sends_no_hours() -> None:
    harvest = (
        with_me(ScriptedHarvest())
        .on("POST", "/v2/time_entries", json_reply(running_record(8), 201))
        .on("GET", "/v2/time_entries",
            page_reply("time_entries", [running_record(8), running_record(7)]))
        .on("PATCH", "/v2/time_entries/7/stop", json_reply(entry_record(7, hours=1.25)))
    )
    started = make_client(harvest).start_timer(1, 2, notes="Standup")
    assert started.id == 8 and started.is_running
    assert [(r.method, r.url.path) for r in harvest.requests] == [
        ("GET", "/v2/users/me"),
        ("POST", "/v2/time_entries"),
        ("GET", "/v2/time_entries"),
        ("PATCH", "/v2/time_entries/7/stop"),  # the new one keeps running
    ]
    assert dict(harvest.requests[2].url.params) == {"user_id": "1782959", "is_running": "true"}
    # Today in New York (the person's zone) at 15:00 UTC.
    assert body_of(harvest.requests[1]) == {
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
    assert "hours" not in body_of(harvest.requests[0])
    assert harvest.requests[1].url.params["user_id"] == "5"  # then their other timer stopped


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


def test_a_start_harvest_refuses_leaves_the_running_timer_running() -> None:
    harvest = (
        with_me(ScriptedHarvest())
        .on("POST", "/v2/time_entries",
            json_reply({"message": "Polly is not assigned to project 'Tapas Bar'"}, 422))
    )
    with pytest.raises(ValidationError, match="not assigned"):
        make_client(harvest).start_timer(1, 2, notes="Tapas")
    with pytest.raises(ValidationError, match="not assigned"):
        make_client(harvest).add_entry(1, 2, date(2026, 3, 10))
    assert not harvest.sent("PATCH")  # nothing was stopped


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


def test_a_restart_harvest_refuses_leaves_the_running_timer_running() -> None:
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries/9", json_reply(entry_record(9)))
        .on("GET", "/v2/time_entries", page_reply("time_entries", [running_record(5)]))
        .on("PATCH", "/v2/time_entries/9/restart",
            json_reply({"message": "This entry is approved"}, 403))
    )
    with pytest.raises(Forbidden):
        make_client(harvest).toggle_timer(9)
    assert [r.url.path for r in harvest.sent("PATCH")] == ["/v2/time_entries/9/restart"]


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
