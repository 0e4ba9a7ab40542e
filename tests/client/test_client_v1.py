"""Each client method calls its v1 endpoint the documented way and returns models."""

from __future__ import annotations

import json
from datetime import date, time

import httpx
import pytest

from bot.harvest.api import CoopApi, HarvestApi
from bot.harvest.client_v1 import HarvestV1Account, HarvestV1Client
from bot.harvest.documents import decode
from bot.harvest.errors import Unavailable
from bot.harvest.models import Group, Membership
from bot.harvest.pacing import Pacer

from .conftest import fixture_bytes
from .fakes import (
    BASE,
    BASIC,
    FakeTime,
    ScriptedHarvest,
    empty_reply,
    json_reply,
    make_client,
    xml_reply,
)

ENTRY = json.loads(fixture_bytes("add_reply.json"))
PROJECT = {"project": {"id": 7, "name": "SuprGlu", "client_id": 2, "active": True, "code": ""}}
STATUS = {
    "id": 1,
    "type": "Note",
    "text": "Lunch",
    "group_id": 25,
    "user": {"id": 21, "name": "Basil"},
}


def body_of(request: httpx.Request) -> object:
    return json.loads(request.content) if request.content else None


def test_the_client_is_both_apis() -> None:
    client = make_client(ScriptedHarvest())
    assert isinstance(client, HarvestApi) and isinstance(client, CoopApi)


# --- time tracking ---------------------------------------------------------------------------


def test_today_and_a_given_day() -> None:
    daily = fixture_bytes("daily.json")
    harvest = (
        ScriptedHarvest()
        .on("GET", "/daily", httpx.Response(200, content=daily))
        .on("GET", "/daily/27/2016", httpx.Response(200, content=daily))
        .on("GET", "/daily/366/2016", httpx.Response(200, content=daily))
    )
    client = make_client(harvest)
    assert client.day().for_day == date(2016, 1, 27)
    assert len(client.day(date(2016, 1, 27), of_user=508343).entries) == 2
    client.day(date(2016, 12, 31))  # a leap year's last day
    paths = [(r.url.path, dict(r.url.params)) for r in harvest.requests]
    assert paths == [
        ("/daily", {}),
        ("/daily/27/2016", {"of_user": "508343"}),
        ("/daily/366/2016", {}),
    ]


def test_show_an_entry() -> None:
    harvest = ScriptedHarvest().on("GET", "/daily/show/420932553", json_reply(ENTRY))
    assert make_client(harvest).entry(420932553).notes == "Test API support"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_add_an_entry(fmt: str) -> None:
    reply = (
        json_reply(ENTRY, 201)
        if fmt == "json"
        else xml_reply(fixture_bytes("add_reply.xml").decode(), 201)
    )
    harvest = ScriptedHarvest().on("POST", "/daily/add", reply)
    entry = make_client(harvest, fmt=fmt).add_entry(  # type: ignore[arg-type]
        5198193, 2892243, date(2016, 1, 24), hours=3, notes="Test API support"
    )
    assert entry.project_id == 5198193
    sent = decode(harvest.requests[0].content, fmt)  # type: ignore[arg-type]
    fields = sent["request"] if fmt == "xml" else sent
    assert {k: str(v) for k, v in fields.items()} == {
        "notes": "Test API support",
        "hours": "3",
        "project_id": "5198193",
        "task_id": "2892243",
        "spent_at": "2016-01-24",
    }


def test_start_a_timer_leaves_hours_blank() -> None:
    harvest = ScriptedHarvest().on("POST", "/daily/add", json_reply(ENTRY, 201))
    make_client(harvest).start_timer(1, 2, notes="Standup", of_user=5)
    (request,) = harvest.requests
    assert body_of(request) == {
        "notes": "Standup",
        "hours": "",
        "project_id": 1,
        "task_id": 2,
    }
    assert request.url.params["of_user"] == "5"


def test_add_with_start_and_end_times_on_timestamp_accounts() -> None:
    harvest = ScriptedHarvest().on("POST", "/daily/add", json_reply(ENTRY, 201))
    make_client(harvest).add_entry(1, 2, date(2015, 11, 24), started_at=time(8), ended_at=time(9))
    assert body_of(harvest.requests[0]) == {
        "notes": "",
        "started_at": "8:00am",
        "ended_at": "9:00am",
        "project_id": 1,
        "task_id": 2,
        "spent_at": "2015-11-24",
    }


def test_hours_and_times_together_are_refused_before_anything_is_sent() -> None:
    harvest = ScriptedHarvest()
    with pytest.raises(ValueError, match="not both"):
        make_client(harvest).add_entry(1, 2, date(2016, 1, 1), hours=1, started_at=time(8))
    with pytest.raises(ValueError, match="not both"):
        make_client(harvest).update_entry(1, hours=1, ended_at=time(8))
    assert harvest.requests == []


def test_toggle_a_timer() -> None:
    harvest = ScriptedHarvest().on(
        "GET",
        "/daily/timer/420934301",
        httpx.Response(200, content=fixture_bytes("timer.json")),
    )
    toggle = make_client(harvest).toggle_timer(420934301)
    assert toggle.entry.is_running and toggle.hours_for_previously_running_timer == 1.5


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_update_an_entry_sends_only_what_changes(fmt: str) -> None:
    harvest = ScriptedHarvest().on("POST", "/daily/update/9", json_reply(ENTRY))
    make_client(harvest, fmt=fmt).update_entry(9, hours=1.07, notes="New notes.")  # type: ignore[arg-type]
    sent = decode(harvest.requests[0].content, fmt)  # type: ignore[arg-type]
    fields = sent["request"] if fmt == "xml" else sent
    assert {k: str(v) for k, v in fields.items()} == {
        "notes": "New notes.",
        "hours": "1.07",
    }


def test_delete_an_entry() -> None:
    harvest = ScriptedHarvest().on("DELETE", "/daily/delete/9", empty_reply(200))
    assert make_client(harvest).delete_entry(9, of_user=3) is None
    assert harvest.requests[0].url.params["of_user"] == "3"


# --- reports ---------------------------------------------------------------------------------


def test_reports_send_from_and_to_as_yyyymmdd_and_their_filters() -> None:
    harvest = (
        ScriptedHarvest()
        .on(
            "GET",
            "/projects/4234/entries",
            httpx.Response(200, content=fixture_bytes("project_entries.xml")),
        )
        .on(
            "GET",
            "/people/1/entries",
            httpx.Response(200, content=fixture_bytes("person_entries.xml")),
        )
        .on(
            "GET",
            "/people/12334/expenses",
            httpx.Response(200, content=fixture_bytes("person_expenses.xml")),
        )
        .on("GET", "/projects/19034/expenses", json_reply([]))
    )
    client = make_client(harvest)
    start, end = date(2007, 11, 1), date(2007, 11, 30)
    assert len(client.project_entries(4234, start, end, user_id=5)) == 1
    assert len(client.person_entries(1, start, end, project_id=2)) == 2
    assert client.person_expenses(12334, start, end)[0].total_cost == 4.85
    assert client.project_expenses(19034, start, end) == ()
    assert [dict(r.url.params) for r in harvest.requests] == [
        {"from": "20071101", "to": "20071130", "user_id": "5"},
        {"from": "20071101", "to": "20071130", "project_id": "2"},
        {"from": "20071101", "to": "20071130"},
        {"from": "20071101", "to": "20071130"},
    ]


# --- the account's things, cached ------------------------------------------------------------


def test_lookups_are_cached_for_a_minute() -> None:
    time_ = FakeTime()
    harvest = (
        ScriptedHarvest()
        .on("GET", "/projects", json_reply([PROJECT]))
        .on("GET", "/people", json_reply([{"user": {"id": 1, "email": "a@x"}}]))
        .on("GET", "/people/1", json_reply({"user": {"id": 1, "email": "a@x"}}))
        .on("GET", "/clients", json_reply([{"client": {"id": 2, "name": "C"}}]))
        .on("GET", "/clients/2", json_reply({"client": {"id": 2, "name": "C"}}))
        .on("GET", "/tasks", json_reply([{"task": {"id": 3, "name": "T"}}]))
        .on(
            "GET",
            "/expense_categories",
            json_reply([{"expense_category": {"id": 4, "name": "E"}}]),
        )
        .on(
            "GET",
            "/projects/7/task_assignments",
            json_reply([{"task_assignment": {"id": 5, "project_id": 7, "task_id": 3}}]),
        )
    )
    client = make_client(harvest, time=time_)

    def everything() -> None:
        assert client.projects()[0].name == "SuprGlu"
        assert client.people()[0].id == client.person(1).id == 1
        assert client.clients()[0].id == client.client(2).id == 2
        assert client.tasks()[0].id == 3
        assert client.expense_categories()[0].id == 4
        assert client.task_assignments(7)[0].task_id == 3

    everything()
    everything()
    assert len(harvest.requests) == 8
    time_.now += 61
    everything()
    assert len(harvest.requests) == 16


def test_create_a_project_answered_by_location_only() -> None:
    harvest = (
        ScriptedHarvest()
        .on("GET", "/projects", json_reply([]))
        .on("POST", "/projects", empty_reply(201, Location="/projects/7"))
        .on("GET", "/projects/7", json_reply(PROJECT))
    )
    client = make_client(harvest)
    client.projects()
    project = client.create_project("SuprGlu", 2, code="SG")
    assert project.id == 7
    assert body_of(harvest.sent("POST")[0]) == {
        "project": {
            "name": "SuprGlu",
            "active": True,
            "billable": False,
            "bill_by": "none",
            "client_id": 2,
            "code": "SG",
            "notes": "",
            "budget_by": "none",
        }
    }
    client.projects()  # the cached list was forgotten
    assert len(harvest.sent("GET", "/projects")) == 2


def test_create_a_project_xml_sends_dashed_tags() -> None:
    harvest = ScriptedHarvest().on(
        "POST",
        "/projects",
        xml_reply(fixture_bytes("project.xml").decode(), 201, Location="/projects/1"),
    )
    project = make_client(harvest, fmt="xml").create_project("SuprGlu", 2)
    assert project.id == 1
    assert b'<client-id type="integer">2</client-id>' in harvest.requests[0].content


def test_a_created_project_with_no_location_and_no_body_is_unavailable() -> None:
    harvest = ScriptedHarvest().on("POST", "/projects", empty_reply(201))
    with pytest.raises(Unavailable, match="did not say which project"):
        make_client(harvest).create_project("SuprGlu", 2)


def test_update_a_project_always_includes_its_client() -> None:
    harvest = (
        ScriptedHarvest()
        .on("GET", "/projects/7", json_reply(PROJECT))
        .on("PUT", "/projects/7", empty_reply(200, Location="/projects/7"))
    )
    assert make_client(harvest).update_project(7, name="SuprGlu 2").id == 7
    assert body_of(harvest.sent("PUT")[0]) == {"project": {"name": "SuprGlu 2", "client_id": 2}}


def test_toggle_and_delete_a_project() -> None:
    archived = {"project": {**PROJECT["project"], "active": False}}
    harvest = (
        ScriptedHarvest()
        .on("POST", "/projects/7/toggle", empty_reply(200, Location="/projects/7"))
        .on("GET", "/projects/7", json_reply(archived))
        .on("DELETE", "/projects/7", empty_reply(200))
    )
    client = make_client(harvest)
    assert client.toggle_project(7).active is False
    assert client.delete_project(7) is None


def test_who_am_i_and_rate_limit_status() -> None:
    harvest = (
        ScriptedHarvest()
        .on(
            "GET",
            "/account/who_am_i",
            httpx.Response(200, content=fixture_bytes("who_am_i.json")),
        )
        .on(
            "GET",
            "/account/rate_limit_status",
            json_reply(
                {
                    "count": 3,
                    "max_calls": 100,
                    "timeframe_limit": 15,
                    "lockout_seconds": 0,
                    "last_access_at": None,
                }
            ),
        )
    )
    client = make_client(harvest)
    assert client.who_am_i().user.email == "basil@fawltytowers.com"
    assert client.rate_limit_status().count == 3


# --- Co-op -----------------------------------------------------------------------------------


def test_coop_lives_under_its_own_base_url() -> None:
    harvest = ScriptedHarvest().on(
        "GET", "/groups", httpx.Response(200, content=fixture_bytes("groups.json"))
    )
    client = make_client(harvest, coop_url="https://coopapp.example")
    assert [g.id for g in client.groups()] == [25, 34]
    assert str(harvest.requests[0].url) == "https://coopapp.example/groups"
    default = make_client(ScriptedHarvest().on("GET", "/coop/groups", json_reply([])))
    assert default.groups() == ()


def test_statuses_newest_or_of_a_day() -> None:
    statuses = httpx.Response(200, content=fixture_bytes("statuses.json"))
    harvest = (
        ScriptedHarvest()
        .on("GET", "/coop/groups/25/statuses", statuses)
        .on("GET", "/coop/groups/25/20081119", statuses)
    )
    client = make_client(harvest)
    assert len(client.group_statuses(25)) == 3
    assert client.group_statuses(25, date(2008, 11, 19))[2].kind == "DayEntry"


def test_post_a_status() -> None:
    harvest = ScriptedHarvest().on(
        "POST",
        "/coop/groups/25/statuses",
        json_reply({"status": STATUS}, 201),
        empty_reply(201),
    )
    client = make_client(harvest)
    assert client.post_status(25, "Lunch").text == "Lunch"  # type: ignore[union-attr]
    assert client.post_status(25, "Lunch") is None
    assert body_of(harvest.requests[0]) == {"status": {"text": "Lunch"}}


def test_groups_create_update_change_owner_delete() -> None:
    harvest = (
        ScriptedHarvest()
        .on("POST", "/coop/groups", empty_reply(201, Location="/groups/40"))
        .on("PUT", "/coop/groups/40", empty_reply(200))
        .on("PUT", "/coop/groups/40/change_owner", empty_reply(200))
        .on("DELETE", "/coop/groups/40", empty_reply(200))
    )
    client = make_client(harvest)
    group = client.create_group(
        "Fawlty Towers", "London", ["sybil@fawltytowers.com", "polly@fawltytowers.com"]
    )
    assert group == Group(id=40, name="Fawlty Towers", timezone="London")
    client.update_group(40, name="Fawlty Towers II")
    client.change_group_owner(40, 5)
    client.delete_group(40)
    assert [body_of(r) for r in harvest.requests] == [
        {
            "group": {
                "name": "Fawlty Towers",
                "timezone": "London",
                "member_emails": "sybil@fawltytowers.com, polly@fawltytowers.com",
            }
        },
        {"group": {"name": "Fawlty Towers II"}},
        {"new_group_owner_id": 5},
        None,
    ]


def test_memberships_invite_and_remove() -> None:
    harvest = (
        ScriptedHarvest()
        .on(
            "GET",
            "/coop/groups/25/memberships",
            json_reply(
                [
                    {
                        "membership": {
                            "id": 1,
                            "user_id": 21,
                            "email": "basil@fawltytowers.com",
                        }
                    }
                ]
            ),
        )
        .on(
            "POST",
            "/coop/groups/25/memberships",
            json_reply({"membership": {"id": 2, "email": "manuel@fawltytowers.com"}}, 201),
            empty_reply(201, Location="/groups/25/memberships/3"),
        )
        .on("DELETE", "/coop/groups/25/memberships/1", empty_reply(200))
    )
    client = make_client(harvest)
    assert client.memberships(25)[0].user_id == 21
    invited = client.invite(25, ["manuel@fawltytowers.com", "polly@fawltytowers.com"])
    assert invited == (
        Membership(group_id=25, email="manuel@fawltytowers.com", id=2),
        Membership(group_id=25, email="polly@fawltytowers.com", id=3),
    )
    assert [body_of(r) for r in harvest.sent("POST")] == [
        {"membership": {"email": "manuel@fawltytowers.com"}},
        {"membership": {"email": "polly@fawltytowers.com"}},
    ]
    client.remove_member(25, client.memberships(25)[0].id or 0)
    assert harvest.requests[-1].method == "DELETE"


# --- sharing ---------------------------------------------------------------------------------


def test_a_batch_client_shares_the_pool_and_pacer_but_yields() -> None:
    client = make_client(ScriptedHarvest())
    batch = client.batch()
    assert batch._session.priority == "batch" and client._session.priority == "interactive"
    assert batch._http is client._http and batch._session.pacer is client._session.pacer
    batch.close()  # does not close the shared pool
    assert not client._http.is_closed


def test_an_account_hands_out_clients_over_one_pool() -> None:
    harvest = ScriptedHarvest().on("GET", "/projects", json_reply([]))
    with HarvestV1Account(BASE, transport=httpx.MockTransport(harvest), pacer=Pacer()) as account:
        basil = account.client(BASIC)
        polly = account.client(BASIC, priority="batch")
        assert basil._http is polly._http and basil._session.pacer is polly._session.pacer
        basil.projects()
        polly.projects()
    assert basil._http.is_closed and len(harvest.requests) == 2


def test_format_must_be_json_or_xml() -> None:
    with pytest.raises(ValueError, match="format"):
        HarvestV1Client(BASE, BASIC, format="yaml")  # type: ignore[arg-type]
