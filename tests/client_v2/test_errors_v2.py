"""v2's failures become the same typed errors as v1's; 429s wait through the pacer; only calls
that are safe to repeat are repeated (stop and restart are checked, never blindly re-sent)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from bot.harvest.errors import (
    AuthError,
    Forbidden,
    NotFound,
    Throttled,
    Unavailable,
    ValidationError,
)
from bot.harvest.session import RetryPolicy
from tests.client.fakes import FakeTime, ScriptedHarvest, empty_reply, json_reply

from .fakes import entry_record, make_client, page_reply, running_record

INVALID_TOKEN = {
    "error": "invalid_token",
    "error_description": "The access token provided is expired, revoked, malformed or invalid "
    "for other reasons.",
}


def test_401_invalid_token_is_an_auth_error_with_harvests_words() -> None:
    harvest = ScriptedHarvest().on("GET", "/v2/users/me", json_reply(INVALID_TOKEN, 401))
    with pytest.raises(AuthError, match="expired, revoked") as caught:
        make_client(harvest).who_am_i()
    assert (caught.value.status, caught.value.path) == (401, "/v2/users/me")
    assert len(harvest.requests) == 1  # a personal token has nothing to refresh with


def test_422_message_is_a_validation_error() -> None:
    harvest = ScriptedHarvest().on(
        "POST", "/v2/time_entries", json_reply({"message": "Project can't be blank"}, 422)
    )
    with pytest.raises(ValidationError, match="Project can't be blank") as caught:
        make_client(harvest).add_entry(1, 2, date(2026, 3, 10), hours=1)
    assert caught.value.status == 422 and len(harvest.requests) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, ValidationError), (403, Forbidden), (404, NotFound), (500, Unavailable)],
)
def test_other_statuses_by_status_whatever_their_body(status: int, error: type) -> None:
    # 403, 404 and 500 bodies are undocumented: an HTML page must not become the message.
    harvest = ScriptedHarvest().on(
        "GET",
        "/v2/time_entries/1",
        httpx.Response(status, content=b"<html><body>Oops</body></html>"),
    )
    with pytest.raises(error) as caught:
        make_client(harvest, retry=RetryPolicy(retries=0)).entry(1)
    assert "html" not in str(caught.value).lower()


def test_429_pauses_the_account_for_retry_after_and_tries_again() -> None:
    time = FakeTime()
    harvest = ScriptedHarvest().on(
        "GET",
        "/v2/time_entries/1",
        json_reply({"message": "throttled"}, 429, **{"Retry-After": "7"}),
        json_reply(entry_record(1)),
    )
    client = make_client(harvest, time=time)
    assert client.entry(1).id == 1
    assert time.now >= 7 and len(harvest.requests) == 2


def test_a_429_on_a_report_pauses_the_reports_budget_not_the_general_one() -> None:
    time = FakeTime()
    harvest = ScriptedHarvest().on(
        "GET",
        "/v2/reports/time/team",
        empty_reply(429, **{"Retry-After": "600"}),
    )
    client = make_client(harvest, time=time, retry=RetryPolicy(max_retry_after=60))
    with pytest.raises(Throttled) as caught:
        client.time_report("team", date(2026, 3, 1), date(2026, 3, 31))
    assert caught.value.retry_after == 600 and caught.value.status == 429
    assert client._pacers.reports.paused_for() == 600
    assert client._pacers.general.paused_for() == 0


def test_a_failed_create_is_not_repeated() -> None:
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries", page_reply("time_entries", []))
        .on("POST", "/v2/time_entries", httpx.ReadTimeout("slow"))
    )
    with pytest.raises(Unavailable, match="may or may not"):
        make_client(harvest).add_entry(1, 2, date(2026, 3, 10), of_user=5)
    assert len(harvest.sent("POST")) == 1


def test_reads_and_updates_are_repeated_after_a_5xx() -> None:
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries/1", empty_reply(502), json_reply(entry_record(1)))
        .on("PATCH", "/v2/time_entries/1", httpx.ReadTimeout("slow"), json_reply(entry_record(1)))
    )
    client = make_client(harvest)
    client.entry(1)
    client.update_entry(1, notes="again")
    assert len(harvest.requests) == 4


def test_a_delete_that_landed_before_a_timeout_counts_as_done() -> None:
    harvest = ScriptedHarvest().on(
        "DELETE", "/v2/time_entries/1", httpx.ReadTimeout("slow"), json_reply({}, 404)
    )
    assert make_client(harvest).delete_entry(1) is None


# --- stop and restart ------------------------------------------------------------------------


def test_a_stop_that_timed_out_is_read_back_not_resent() -> None:
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries/7", json_reply(running_record(7)), json_reply(entry_record(7)))
        .on("PATCH", "/v2/time_entries/7/stop", httpx.ReadTimeout("slow"))
    )
    toggle = make_client(harvest).toggle_timer(7)
    assert not toggle.entry.is_running
    assert len(harvest.sent("PATCH")) == 1


def test_a_stop_that_failed_and_did_not_land_raises() -> None:
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries/7", json_reply(running_record(7)))
        .on("PATCH", "/v2/time_entries/7/stop", empty_reply(503))
    )
    with pytest.raises(Unavailable):
        make_client(harvest).toggle_timer(7)
    assert len(harvest.sent("PATCH")) == 1


def test_stopping_a_timer_someone_else_just_stopped_is_fine() -> None:
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries/7", json_reply(running_record(7)), json_reply(entry_record(7)))
        .on(
            "PATCH",
            "/v2/time_entries/7/stop",
            json_reply({"message": "Only running time entries can be stopped"}, 422),
        )
    )
    assert not make_client(harvest).toggle_timer(7).entry.is_running


def test_a_restart_that_timed_out_on_a_timestamp_account_is_not_resent() -> None:
    # The restart may have made a new entry, whose id nobody knows: say so, do not guess.
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries/7", json_reply(entry_record(7)))
        .on("GET", "/v2/time_entries", page_reply("time_entries", []))
        .on("PATCH", "/v2/time_entries/7/restart", httpx.ReadTimeout("slow"))
    )
    with pytest.raises(Unavailable, match="may or may not"):
        make_client(harvest).toggle_timer(7)
    assert len(harvest.sent("PATCH")) == 1


def test_a_refused_restart_of_a_locked_entry_stays_refused() -> None:
    locked = entry_record(7, is_locked=True, locked_reason="Item Approved and Locked")
    harvest = (
        ScriptedHarvest()
        .on("GET", "/v2/time_entries/7", json_reply(locked))
        .on("GET", "/v2/time_entries", page_reply("time_entries", []))
        .on("PATCH", "/v2/time_entries/7/restart", json_reply({"message": "Locked"}, 422))
    )
    with pytest.raises(ValidationError, match="Locked"):
        make_client(harvest).toggle_timer(7)
