"""The emulator's request pipeline over real HTTP: formats, auth, throttle, faults, admin."""

from __future__ import annotations

import time as wallclock
from datetime import UTC, datetime

import httpx
import pytest
from defusedxml import ElementTree

from emulator.runner import RunningEmulator
from tests.emulator.conftest import Api, refusal

WHO = "/account/who_am_i"


def _auth(emulator: RunningEmulator, who: str = "polly") -> tuple[str, str]:
    login = emulator.info.logins[who]
    return login.email, login.password


@pytest.mark.parametrize("headers,kind", [
    ({"Accept": "application/json"}, "application/json"),
    ({"Accept": "application/xml"}, "application/xml"),
    ({"Content-Type": "application/json"}, "application/json"),
    ({}, "application/xml"),  # XML is the default (overview.txt)
    ({"Accept": "*/*"}, "application/xml"),
    ({"Accept": "application/xml", "Content-Type": "application/json"}, "application/xml"),
])
def test_format_follows_accept_then_content_type(emulator: RunningEmulator, headers: dict,
                                                 kind: str) -> None:
    response = httpx.get(emulator.base_url + WHO, auth=_auth(emulator), headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(kind)
    if kind == "application/json":
        assert response.json()["user"]["email"] == "polly@fawltytowers.example"
    else:
        root = ElementTree.fromstring(response.content)
        assert root.tag == "hash" and root.find("user/email").text == "polly@fawltytowers.example"


def test_json_suffix_and_trailing_slash_route_like_rails(emulator: RunningEmulator) -> None:
    suffixed = httpx.get(emulator.base_url + WHO + ".json", auth=_auth(emulator))
    assert suffixed.headers["content-type"].startswith("application/json")
    slashed = httpx.get(emulator.base_url + WHO + "/", auth=_auth(emulator),
                        headers={"Accept": "application/json"})
    assert slashed.status_code == 200 and slashed.json()["user"]["id"] == emulator.info.logins["polly"].user_id


def test_who_am_i_describes_role_and_account(api: Api, emulator: RunningEmulator) -> None:
    body = api("basil").get(WHO).json()
    assert body["user"]["admin"] is False
    assert body["user"]["project_manager"]["is_project_manager"] is True
    assert body["user"]["timezone_identifier"] == "Europe/London"
    assert body["company"]["name"] == "Fawlty Towers Consulting"
    assert "password" not in str(body)
    assert api("sybil").get(WHO).json()["user"]["admin"] is True


@pytest.mark.parametrize("auth,headers", [
    (None, {}),
    (("polly@fawltytowers.example", "wrong"), {}),
    (("nobody@example.com", "harvest-demo"), {}),
    (None, {"Authorization": "Basic !!!notbase64"}),
    (None, {"Authorization": "Bearer not-a-token"}),
])
def test_bad_credentials_get_401_and_no_data(emulator: RunningEmulator, auth, headers) -> None:
    response = httpx.get(emulator.base_url + WHO, auth=auth, headers={**headers, "Accept": "application/json"})
    assert response.status_code == 401
    refusal(response)  # the body is the refusal's message alone, not a who-am-I document
    assert "fawltytowers" not in response.text.lower()  # no account data


def test_valid_basic_wins_over_an_unknown_access_token(emulator: RunningEmulator) -> None:
    response = httpx.get(emulator.base_url + WHO, params={"access_token": "stale", "slim": "1",
                                                          "_": "123"},
                         auth=_auth(emulator), headers={"Accept": "application/json"})
    assert response.status_code == 200


def test_deactivated_people_cannot_sign_in(emulator: RunningEmulator) -> None:
    emulator.store.update("users", emulator.info.logins["manuel"].user_id, is_active=0)
    response = httpx.get(emulator.base_url + WHO, auth=_auth(emulator, "manuel"))
    assert response.status_code == 401


def test_empty_json_bodies_on_get_are_ignored(emulator: RunningEmulator) -> None:
    for body in (b"null", b"{}", b""):
        response = httpx.request("GET", emulator.base_url + WHO, content=body, auth=_auth(emulator),
                                 headers={"Content-Type": "application/json",
                                          "Accept": "application/json"})
        assert response.status_code == 200, body


def test_unknown_route_is_404_in_plain_text(emulator: RunningEmulator) -> None:
    for accept in ("application/json", "application/xml"):
        response = httpx.get(emulator.base_url + "/no/such/thing", auth=_auth(emulator),
                             headers={"Accept": accept})
        assert response.status_code == 404 and refusal(response), accept


def test_throttle_answers_503_with_retry_after_and_lifts(emulator: RunningEmulator) -> None:
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    emulator.clock.set(start)
    emulator.throttle.configure(limit=5, window=15)
    with httpx.Client(base_url=emulator.base_url, auth=_auth(emulator),
                      headers={"Accept": "application/json"}) as client:
        assert [client.get(WHO).status_code for _ in range(5)] == [200] * 5
        emulator.clock.advance(4)
        refused = client.get(WHO)
        assert refused.status_code == 503
        retry_after = int(refused.headers["Retry-After"])
        assert 1 <= retry_after <= 15 and retry_after == 11
        status = client.get("/account/rate_limit_status").json()
        assert status["max_calls"] == 5 and status["timeframe_limit"] == 15
        assert status["count"] == 5 and status["lockout_seconds"] == 11
        emulator.clock.advance(retry_after)
        assert client.get(WHO).status_code == 200


def test_default_throttle_is_100_calls_per_15_seconds(emulator: RunningEmulator) -> None:
    emulator.clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    with httpx.Client(base_url=emulator.base_url, auth=_auth(emulator)) as client:
        codes = [client.get(WHO).status_code for _ in range(101)]
    assert codes[:100] == [200] * 100 and codes[100] == 503


def test_injected_latency_and_status(emulator: RunningEmulator) -> None:
    emulator.faults.add(WHO, latency=0.3, times=1)
    began = wallclock.monotonic()
    assert httpx.get(emulator.base_url + WHO, auth=_auth(emulator)).status_code == 200
    assert wallclock.monotonic() - began >= 0.3
    emulator.faults.add("/account/*", status=500, times=2)
    codes = [httpx.get(emulator.base_url + WHO, auth=_auth(emulator)).status_code for _ in range(3)]
    assert codes == [500, 500, 200]


@pytest.mark.parametrize("mode", ["before", "after"])
def test_dropped_connections(emulator: RunningEmulator, mode: str) -> None:
    emulator.faults.add(WHO, drop=mode, times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(emulator.base_url + WHO, auth=_auth(emulator))
    assert httpx.get(emulator.base_url + WHO, auth=_auth(emulator)).status_code == 200


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
def test_malformed_bodies_do_not_parse(emulator: RunningEmulator, accept: str) -> None:
    emulator.faults.add(WHO, malformed=True, times=1)
    response = httpx.get(emulator.base_url + WHO, auth=_auth(emulator), headers={"Accept": accept})
    assert response.status_code == 200
    with pytest.raises((ValueError, ElementTree.ParseError)):  # JSONDecodeError is a ValueError
        response.json() if accept.endswith("json") else ElementTree.fromstring(response.content)


def test_faults_are_switchable_over_http(emulator: RunningEmulator) -> None:
    created = httpx.post(emulator.admin_url + "/faults", json={"path": "/account/*", "status": 502})
    assert created.status_code == 201
    assert httpx.get(emulator.base_url + WHO, auth=_auth(emulator)).status_code == 502
    listed = httpx.get(emulator.admin_url + "/faults").json()["rules"]
    assert listed[0]["status"] == 502
    assert httpx.delete(emulator.admin_url + f"/faults/{created.json()['id']}").status_code == 200
    assert httpx.get(emulator.base_url + WHO, auth=_auth(emulator)).status_code == 200
    refused = httpx.post(emulator.admin_url + "/faults", json={"drop": "sideways"})
    assert refused.status_code == 400


def test_throttle_and_clock_are_settable_over_http(emulator: RunningEmulator) -> None:
    httpx.post(emulator.admin_url + "/clock", json={"set": "2026-11-25T12:00:00Z"})
    assert emulator.clock.now() == datetime(2026, 11, 25, 12, tzinfo=UTC)
    httpx.post(emulator.admin_url + "/throttle", json={"limit": 1, "window": 15})
    assert httpx.get(emulator.base_url + WHO, auth=_auth(emulator)).status_code == 200
    assert httpx.get(emulator.base_url + WHO, auth=_auth(emulator)).status_code == 503
    httpx.post(emulator.admin_url + "/clock", json={"advance": 15})
    assert httpx.get(emulator.base_url + WHO, auth=_auth(emulator)).status_code == 200
