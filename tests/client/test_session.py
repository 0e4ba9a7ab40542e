"""What the client sends, and what its caller gets back, over ``httpx.MockTransport``.

Retries: a throttled call is always retried (Harvest did not process it); connection errors
and 5xx are retried only where repeating cannot do harm; everything else becomes a typed error.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import date

import httpx
import pytest

from bot.harvest.errors import (
    AuthError,
    Forbidden,
    HarvestError,
    NotFound,
    Throttled,
    Unavailable,
    ValidationError,
)
from bot.harvest.session import RetryPolicy

from .conftest import fixture_bytes
from .fakes import (
    PASSWORD,
    FakeTime,
    ScriptedHarvest,
    empty_reply,
    json_reply,
    make_client,
    xml_reply,
)

ADD_REPLY = json.loads(fixture_bytes("add_reply.json"))
ADD_REPLY_XML = fixture_bytes("add_reply.xml").decode()


def add(client, **kw):  # type: ignore[no-untyped-def]
    return client.add_entry(5198193, 2892243, date(2016, 1, 24), hours=3, notes="x", **kw)


# --- what is sent ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "media"), [("json", "application/json"), ("xml", "application/xml")]
)
def test_every_call_sends_accept_content_type_user_agent_and_auth(fmt: str, media: str) -> None:
    reply = json_reply(ADD_REPLY, 201) if fmt == "json" else xml_reply(ADD_REPLY_XML, 201)
    harvest = ScriptedHarvest().on("POST", "/daily/add", reply)
    add(make_client(harvest, fmt=fmt))  # type: ignore[arg-type]
    (request,) = harvest.requests
    assert request.headers["Accept"] == media
    assert request.headers["Content-Type"] == media
    assert re.fullmatch(
        r"harvest-bot/\S+ \(\+https://github\.com/harvest-bot\)",
        request.headers["User-Agent"],
    )
    expected = base64.b64encode(f"basil@fawltytowers.com:{PASSWORD}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert str(request.url) == "https://fawlty.harvestapp.com/daily/add"


def test_of_user_goes_in_the_query_string() -> None:
    harvest = ScriptedHarvest().on("POST", "/daily/add", json_reply(ADD_REPLY, 201))
    add(make_client(harvest), of_user=508343)
    assert harvest.requests[0].url.params["of_user"] == "508343"


def test_an_answer_in_the_other_format_is_still_read() -> None:
    harvest = ScriptedHarvest().on("POST", "/daily/add", xml_reply(ADD_REPLY_XML, 201))
    assert add(make_client(harvest, fmt="json")).id == 420934300


# --- throttling ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [503, 429])
def test_a_throttled_add_is_retried_after_retry_after_and_lands_once(
    status: int,
) -> None:
    time = FakeTime()
    harvest = ScriptedHarvest().on(
        "POST",
        "/daily/add",
        json_reply({"message": "throttled"}, status, **{"Retry-After": "7"}),
        json_reply(ADD_REPLY, 201),
    )
    entry = add(make_client(harvest, time=time))
    assert entry.id == 420932553
    first, second = harvest.requests
    assert first.content == second.content
    assert time.now >= 7  # the whole account paused for Retry-After


def test_a_429_without_retry_after_waits_a_window() -> None:
    time = FakeTime()
    harvest = ScriptedHarvest().on("GET", "/projects", empty_reply(429), json_reply([]))
    assert make_client(harvest, time=time).projects() == ()
    assert time.now >= 15


def test_still_throttled_after_the_retries_raises_throttled() -> None:
    harvest = ScriptedHarvest().on("GET", "/projects", empty_reply(503, **{"Retry-After": "2"}))
    with pytest.raises(Throttled) as caught:
        make_client(harvest, retry=RetryPolicy(throttle_retries=2)).projects()
    assert caught.value.retry_after == 2 and caught.value.status == 503
    assert len(harvest.requests) == 3


def test_a_retry_after_too_long_to_wait_is_not_waited() -> None:
    time = FakeTime()
    harvest = ScriptedHarvest().on("GET", "/projects", empty_reply(503, **{"Retry-After": "600"}))
    client = make_client(harvest, time=time)
    with pytest.raises(Throttled, match="throttling") as caught:
        client.projects()
    assert caught.value.retry_after == 600 and len(harvest.requests) == 1
    assert time.now == 0  # not waited here, but the account stays paused for everyone:
    harvest.on("GET", "/people", json_reply([]))
    client.people()
    assert time.now >= 600


# --- server errors and broken connections ----------------------------------------------------


def test_a_read_is_retried_with_backoff_after_5xx() -> None:
    time = FakeTime()
    harvest = ScriptedHarvest().on(
        "GET", "/projects", empty_reply(500), empty_reply(502), json_reply([])
    )
    assert make_client(harvest, time=time).projects() == ()
    assert len(harvest.requests) == 3 and time.slept == [0.5, 1.0]


def test_a_read_that_keeps_failing_raises_unavailable_with_harvests_message() -> None:
    harvest = ScriptedHarvest().on(
        "GET", "/projects", json_reply({"message": "Database down"}, 500)
    )
    with pytest.raises(Unavailable, match="GET /projects -> 500: Database down"):
        make_client(harvest).projects()
    assert len(harvest.requests) == 3


@pytest.mark.parametrize("status", [500, 502, 503])
def test_an_add_is_never_repeated_after_a_server_error(status: int) -> None:
    harvest = ScriptedHarvest().on("POST", "/daily/add", empty_reply(status))
    with pytest.raises(Unavailable) as caught:
        add(make_client(harvest))
    assert caught.value.status == status and len(harvest.requests) == 1


def test_a_toggle_is_a_get_but_is_never_repeated() -> None:
    harvest = ScriptedHarvest().on("GET", "/daily/timer/5", empty_reply(500))
    with pytest.raises(Unavailable):
        make_client(harvest).toggle_timer(5)
    assert len(harvest.requests) == 1


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("Server disconnected"),
        httpx.ReadError("reset"),
    ],
)
def test_an_add_that_may_have_landed_is_not_repeated(error: Exception) -> None:
    harvest = ScriptedHarvest().on("POST", "/daily/add", error)
    with pytest.raises(Unavailable, match="may or may not have been saved") as caught:
        add(make_client(harvest))
    assert len(harvest.requests) == 1
    assert caught.value.status is None and caught.value.path == "/daily/add"


def test_an_add_that_never_reached_harvest_is_retried() -> None:
    harvest = ScriptedHarvest().on(
        "POST", "/daily/add", httpx.ConnectError("refused"), json_reply(ADD_REPLY, 201)
    )
    assert add(make_client(harvest)).id == 420932553
    assert len(harvest.requests) == 2


def test_reads_are_retried_after_timeouts() -> None:
    harvest = ScriptedHarvest().on("GET", "/projects", httpx.ReadTimeout("slow"), json_reply([]))
    assert make_client(harvest).projects() == ()


def test_unreachable_harvest_is_unavailable() -> None:
    harvest = ScriptedHarvest().on("GET", "/projects", httpx.ConnectError("refused"))
    with pytest.raises(Unavailable, match="could not be reached"):
        make_client(harvest).projects()
    assert len(harvest.requests) == 3


def test_an_update_sets_values_so_it_is_retried() -> None:
    harvest = ScriptedHarvest().on(
        "POST", "/daily/update/7", httpx.ReadTimeout("slow"), json_reply(ADD_REPLY)
    )
    make_client(harvest).update_entry(7, notes="again")
    first, second = harvest.requests
    assert first.content == second.content == b'{"notes":"again"}'


def test_a_delete_retried_after_it_may_have_landed_counts_404_as_done() -> None:
    harvest = ScriptedHarvest().on(
        "DELETE",
        "/daily/delete/7",
        httpx.ReadTimeout("slow"),
        json_reply({"message": "gone"}, 404),
    )
    assert make_client(harvest).delete_entry(7) is None


def test_a_plain_delete_of_nothing_is_not_found() -> None:
    harvest = ScriptedHarvest().on(
        "DELETE", "/daily/delete/7", json_reply({"message": "Not found"}, 404)
    )
    with pytest.raises(NotFound):
        make_client(harvest).delete_entry(7)


# --- error mapping ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "error", "text"),
    [
        (
            json_reply({"message": "Authentication failed"}, 401),
            AuthError,
            "Authentication failed",
        ),
        (empty_reply(401), AuthError, "refused the credentials"),
        (
            xml_reply("<hash><message>Not yours</message></hash>", 403),
            Forbidden,
            "Not yours",
        ),
        (empty_reply(404), NotFound, "not found"),
        (
            json_reply({"errors": ["Hours is invalid", "Task is required"]}, 422),
            ValidationError,
            "Hours is invalid; Task is required",
        ),
        (
            xml_reply("<errors><error>Project limit reached</error></errors>", 400),
            ValidationError,
            "Project limit reached",
        ),
        (httpx.Response(418, text="I'm a teapot"), HarvestError, "I'm a teapot"),
        (
            httpx.Response(500, html="<html><body><h1>We're sorry</h1>" + "x" * 500),
            Unavailable,
            "internal error",
        ),
    ],
)
def test_statuses_become_typed_errors_with_harvests_message(
    reply: httpx.Response, error: type[HarvestError], text: str
) -> None:
    harvest = ScriptedHarvest().on("GET", "/daily/show/9", reply)
    with pytest.raises(error, match=re.escape(text)) as caught:
        make_client(harvest, retry=RetryPolicy(retries=0)).entry(9, of_user=3)
    assert type(caught.value) is error
    assert caught.value.method == "GET" and caught.value.path == "/daily/show/9"
    assert caught.value.status == reply.status_code


def test_a_400_carries_the_hint_header() -> None:
    harvest = ScriptedHarvest().on(
        "POST",
        "/projects/4/toggle",
        xml_reply("<message>Over plan</message>", 400, Hint="Upgrade your plan"),
    )
    with pytest.raises(ValidationError) as caught:
        make_client(harvest, fmt="xml").toggle_project(4)
    assert caught.value.hint == "Upgrade your plan"
    assert (
        str(caught.value) == "POST /projects/4/toggle -> 400: Over plan (hint: Upgrade your plan)"
    )


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(200, text="<html>Maintenance</html>", headers={"Content-Type": "text/html"}),
        json_reply({"id": "not a number"}),
        httpx.Response(200, content=b'{"id": 1, "user_id"'),
        xml_reply("<add><day_entry><id>1</id></add>"),
    ],
)
def test_garbage_in_a_success_is_unavailable(reply: httpx.Response) -> None:
    harvest = ScriptedHarvest().on("GET", "/daily/show/9", reply)
    with pytest.raises(Unavailable) as caught:
        make_client(harvest).entry(9)
    assert caught.value.path == "/daily/show/9"


def test_long_messages_are_cut_to_one_short_line() -> None:
    harvest = ScriptedHarvest().on("GET", "/projects", httpx.Response(400, text="bad\n" * 200))
    with pytest.raises(ValidationError) as caught:
        make_client(harvest).projects()
    assert "\n" not in caught.value.message and len(caught.value.message) <= 300
