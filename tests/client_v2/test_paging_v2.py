"""Lists follow ``links.next`` until it is null, and nothing else: the client never builds a
page URL, never follows a link off the API's host, and gives up on pages that never end."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from bot.harvest.errors import Unavailable
from bot.harvest.paging_v2 import next_link, page_records
from tests.client.fakes import FakeTime, ScriptedHarvest, json_reply

from .fakes import API, entry_record, make_client, page

FIRST = f"{API}/time_entries"
#: Cursor links, as Harvest sends them: nothing a client could have computed.
SECOND = f"{API}/time_entries?cursor=eyJhZnRlciI6MX0&per_page=2&ref=next_cursor"
THIRD = f"{API}/time_entries?cursor=eyJhZnRlciI6Mn0&per_page=2&ref=next_cursor"


def pages(*bodies: dict) -> ScriptedHarvest:
    """Answers each request with the page its URL names (asserting it was asked exactly so)."""
    by_url = {FIRST: bodies[0], SECOND: bodies[1], THIRD: bodies[2]}

    def answer(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url.startswith(FIRST + "?from="):  # the first page: the query the caller asked for
            url = FIRST
        assert url in by_url, f"asked for a page nobody linked to: {url}"
        return json_reply(by_url[url])

    return ScriptedHarvest().on("GET", "/v2/time_entries", answer)


def test_three_pages_are_read_by_following_their_links() -> None:
    harvest = pages(
        page("time_entries", [entry_record(1), entry_record(2)], SECOND),
        page("time_entries", [entry_record(3), entry_record(4)], THIRD),
        page("time_entries", [entry_record(5)], None),
    )
    entries = make_client(harvest, per_page=2).person_entries(
        1, date(2026, 3, 1), date(2026, 3, 31)
    )
    assert sorted(e.id for e in entries) == [1, 2, 3, 4, 5]
    first, second, third = harvest.requests
    assert dict(first.url.params) == {
        "from": "2026-03-01",
        "to": "2026-03-31",
        "user_id": "1",
        "per_page": "2",
    }
    assert (str(second.url), str(third.url)) == (SECOND, THIRD)
    # Every page carries the credentials and the account.
    assert {r.headers["Harvest-Account-Id"] for r in harvest.requests} == {"10254"}


def test_report_pages_spend_the_reports_budget_only() -> None:
    second = f"{API}/reports/time/clients?from=2026-03-01&to=2026-03-31&page=2&per_page=1"
    row = {"client_id": 1, "client_name": "C", "total_hours": 1.0, "billable_hours": 1.0}
    harvest = ScriptedHarvest().on(
        "GET",
        "/v2/reports/time/clients",
        json_reply(page("results", [row], second)),
        json_reply(page("results", [row], None)),
    )
    client = make_client(harvest, time=FakeTime())
    rows = client.time_report("clients", date(2026, 3, 1), date(2026, 3, 31))
    assert len(rows) == 2 and str(harvest.requests[1].url) == second
    assert client._pacers.reports.calls_in_window() == 2
    assert client._pacers.general.calls_in_window() == 0


def test_a_link_to_another_host_is_not_followed() -> None:
    harvest = ScriptedHarvest().on(
        "GET",
        "/v2/users",
        json_reply(page("users", [], "https://evil.example/v2/users?page=2")),
    )
    with pytest.raises(Unavailable, match="another host") as caught:
        make_client(harvest).people()
    assert caught.value.path == "/v2/users"
    assert len(harvest.requests) == 1


def test_pages_that_link_back_are_given_up_on() -> None:
    again = f"{API}/users?cursor=abc"
    harvest = ScriptedHarvest().on("GET", "/v2/users", json_reply(page("users", [], again)))
    with pytest.raises(Unavailable, match="do not end"):
        make_client(harvest).people()
    assert len(harvest.requests) == 2


def test_a_page_without_its_list_is_unreadable() -> None:
    harvest = ScriptedHarvest().on("GET", "/v2/users", json_reply({"user": []}))
    with pytest.raises(Unavailable, match="page of users"):
        make_client(harvest).people()


# --- the pure parts --------------------------------------------------------------------------


def test_next_link_is_made_absolute_and_null_ends() -> None:
    assert next_link({"links": {"next": "/v2/users?page=2"}}, f"{API}/users") == (
        "https://api.harvestapp.com/v2/users?page=2"
    )
    assert next_link({"links": {"next": None}}, f"{API}/users") is None
    assert next_link({"links": {"next": ""}}, f"{API}/users") is None
    assert next_link({"users": []}, f"{API}/users") is None  # no paging at all: one page


def test_a_next_page_announced_without_links_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValueError, match="without a link"):
        next_link({"users": [], "next_page": 2}, f"{API}/users")


def test_page_records_accepts_empty_and_refuses_odd_lists() -> None:
    assert page_records({"users": None}, "users") == []
    assert page_records({"users": [{"id": 1}]}, "users") == [{"id": 1}]
    with pytest.raises(ValueError):
        page_records({"users": [1, 2]}, "users")
    with pytest.raises(ValueError):
        page_records([{"id": 1}], "users")
