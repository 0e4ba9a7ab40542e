"""v2's two rate budgets: 429 + Retry-After, general and Reports apart, and apart from v1's 503."""

from __future__ import annotations

import httpx
import pytest

from emulator.runner import RunningEmulator
from tests.emulator.daily_support import freeze
from tests.emulator_v2.conftest import V2, message

REPORT = "/reports/time/team"


def _span(emulator: RunningEmulator) -> dict[str, str]:
    today = emulator.clock.now().date()
    return {"from": f"{today.year}0101", "to": f"{today:%Y%m%d}"}


def test_defaults_are_harvests(emulator: RunningEmulator) -> None:
    assert (emulator.v2_throttle.limit, emulator.v2_throttle.window) == (100, 15)
    assert (emulator.v2_reports_throttle.limit, emulator.v2_reports_throttle.window) == (100, 900)


def test_general_budget_answers_429_with_retry_after(v2: V2, emulator: RunningEmulator) -> None:
    freeze(emulator)
    emulator.v2_throttle.configure(limit=3)
    client = v2()
    assert [client.get("/users/me").status_code for _ in range(3)] == [200] * 3
    refused = client.get("/users/me")
    assert "Too many requests" in message(refused, 429)
    assert refused.headers["Retry-After"] == "15"
    emulator.clock.advance(10)
    assert client.get("/company").headers["Retry-After"] == "5"
    emulator.clock.advance(5)
    assert client.get("/users/me").status_code == 200


def test_reports_have_their_own_budget(v2: V2, emulator: RunningEmulator) -> None:
    freeze(emulator)
    emulator.v2_throttle.configure(limit=5)
    emulator.v2_reports_throttle.configure(limit=3)
    client = v2()
    span = _span(emulator)
    assert [client.get(REPORT, params=span).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/reports/expenses/team", params=span)
    message(refused, 429)
    assert int(refused.headers["Retry-After"]) == 900
    # The burst of reports took nothing from the general budget.
    assert [client.get("/users/me").status_code for _ in range(5)] == [200] * 5
    assert client.get("/time_entries").status_code == 429
    # And the general budget running out does not touch the reports' one, nor v1's throttle.
    emulator.clock.advance(15)
    login = emulator.info.logins["sybil"]
    assert httpx.get(emulator.base_url + "/account/who_am_i",
                     auth=(login.email, login.password)).status_code == 200
    assert client.get(REPORT, params=span).status_code == 429
    emulator.clock.advance(900)
    assert client.get(REPORT, params=span).status_code == 200


def test_v1_throttle_does_not_limit_v2(v2: V2, emulator: RunningEmulator) -> None:
    freeze(emulator)
    emulator.throttle.configure(limit=1)
    login = emulator.info.logins["polly"]
    auth = (login.email, login.password)
    assert httpx.get(emulator.base_url + "/daily", auth=auth).status_code == 200
    assert httpx.get(emulator.base_url + "/daily", auth=auth).status_code == 503
    assert v2("polly").get("/users/me").status_code == 200


def test_refusals_before_the_throttle_are_not_counted(emulator: RunningEmulator) -> None:
    freeze(emulator)
    emulator.v2_throttle.configure(limit=1)
    for _ in range(3):
        assert httpx.get(emulator.v2_url + "/users/me",
                         headers={"User-Agent": "x", "Authorization": "Bearer nope"}
                         ).status_code == 401
    assert emulator.v2_throttle.status().count == 0


@pytest.mark.parametrize("bucket", ["v2", "v2_reports"])
def test_admin_endpoint_configures_one_bucket(emulator: RunningEmulator, bucket: str) -> None:
    response = httpx.post(emulator.admin_url + "/throttle",
                          json={"bucket": bucket, "limit": 7, "window": 30})
    assert response.status_code == 200
    assert response.json() == {"limit": 7, "window": 30, "enabled": True, "count": 0}
    chosen = emulator.v2_throttle if bucket == "v2" else emulator.v2_reports_throttle
    other = emulator.v2_reports_throttle if bucket == "v2" else emulator.v2_throttle
    assert (chosen.limit, chosen.window) == (7, 30)
    assert other.limit == 100 and emulator.throttle.limit == 100
    shown = httpx.get(emulator.admin_url + "/throttle", params={"bucket": bucket}).json()
    assert shown["limit"] == 7


def test_admin_endpoint_without_a_bucket_keeps_its_old_meaning(emulator: RunningEmulator) -> None:
    httpx.post(emulator.admin_url + "/throttle", json={"limit": 9})
    assert emulator.throttle.limit == emulator.emulator.coop_throttle.limit == 9
    assert emulator.v2_throttle.limit == 100 and emulator.v2_reports_throttle.limit == 100
    assert httpx.post(emulator.admin_url + "/throttle",
                      json={"bucket": "nope", "limit": 1}).status_code == 400
