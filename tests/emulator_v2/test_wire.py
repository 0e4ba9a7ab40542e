"""API v2 on the wire: the headers it demands, the tokens it takes, its JSON refusals."""

from __future__ import annotations

import httpx
import pytest

from emulator.runner import RunningEmulator
from tests.emulator_v2.conftest import UA, V2, invalid_token, message, v2_headers


def test_user_agent_is_required(emulator: RunningEmulator) -> None:
    headers = v2_headers(emulator)
    del headers["User-Agent"]
    # httpx adds its own User-Agent unless told not to: send an empty one.
    response = httpx.get(emulator.v2_url + "/users/me", headers={**headers, "User-Agent": ""})
    assert "User-Agent" in message(response, 400)


def test_account_header_is_required_and_must_name_the_account(emulator: RunningEmulator) -> None:
    headers = v2_headers(emulator)
    del headers["Harvest-Account-Id"]
    assert "Harvest-Account-Id" in invalid_token(httpx.get(emulator.v2_url + "/users/me",
                                                           headers=headers))
    for wrong in ("1", "abc", str(emulator.info.account_id + 1_000_000)):
        response = httpx.get(emulator.v2_url + "/users/me",
                             headers={**headers, "Harvest-Account-Id": wrong})
        invalid_token(response)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_account_header_name_is_case_insensitive(emulator: RunningEmulator) -> None:
    headers = v2_headers(emulator)
    account = headers.pop("Harvest-Account-Id")
    for spelling in ("Harvest-Account-ID", "harvest-account-id"):
        response = httpx.get(emulator.v2_url + "/users/me", headers={**headers, spelling: account})
        assert response.status_code == 200


@pytest.mark.secrets_logged("the test sends a personal access token in the query string, which httpx logs with the URL")
def test_query_parameters_authenticate_too(emulator: RunningEmulator) -> None:
    response = httpx.get(emulator.v2_url + "/users/me", headers={"User-Agent": UA}, params={
        "access_token": emulator.info.pats["polly"], "account_id": emulator.info.account_id})
    assert response.status_code == 200 and response.json()["email"] == "polly@fawltytowers.example"


def test_v1_basic_credentials_are_refused(emulator: RunningEmulator) -> None:
    login = emulator.info.logins["sybil"]
    response = httpx.get(emulator.v2_url + "/users/me", auth=(login.email, login.password),
                         headers={"User-Agent": UA,
                                  "Harvest-Account-Id": str(emulator.info.account_id)})
    assert "Basic" in invalid_token(response)


@pytest.mark.parametrize("token", ["nonsense", "508001.pt.forged", "a b"])
def test_unknown_tokens_are_refused(emulator: RunningEmulator, token: str) -> None:
    headers = {**v2_headers(emulator), "Authorization": f"Bearer {token}"}
    invalid_token(httpx.get(emulator.v2_url + "/users/me", headers=headers))


def test_revoked_token_and_deactivated_person_are_refused(emulator: RunningEmulator) -> None:
    emulator.store.execute("UPDATE personal_access_tokens SET revoked = 1 WHERE user_id = ?",
                           emulator.info.logins["polly"].user_id)
    invalid_token(httpx.get(emulator.v2_url + "/users/me", headers=v2_headers(emulator, "polly")))
    emulator.store.execute("UPDATE users SET is_active = 0 WHERE id = ?",
                           emulator.info.logins["manuel"].user_id)
    invalid_token(httpx.get(emulator.v2_url + "/users/me",
                            headers=v2_headers(emulator, "manuel")))


def test_using_a_personal_token_records_when(emulator: RunningEmulator) -> None:
    uid = emulator.info.logins["basil"].user_id
    assert emulator.store.scalar(
        "SELECT last_used_at FROM personal_access_tokens WHERE user_id = ?", uid) is None
    httpx.get(emulator.v2_url + "/users/me", headers=v2_headers(emulator, "basil"))
    assert emulator.store.scalar(
        "SELECT last_used_at FROM personal_access_tokens WHERE user_id = ?", uid) is not None


def test_v1_oauth_tokens_are_not_v2_tokens_and_v2_tokens_not_v1(emulator: RunningEmulator) -> None:
    emulator.store.insert("oauth_tokens", token="v1-token", kind="access", client_id="demo-client",
                          user_id=emulator.info.logins["sybil"].user_id, expires_at=None)
    assert httpx.get(emulator.base_url + "/account/who_am_i",
                     headers={"Authorization": "Bearer v1-token"}).status_code == 200
    invalid_token(httpx.get(emulator.v2_url + "/users/me", headers={
        **v2_headers(emulator), "Authorization": "Bearer v1-token"}))
    pat = emulator.info.pats["sybil"]
    assert httpx.get(emulator.base_url + "/account/who_am_i",
                     headers={"Authorization": f"Bearer {pat}"}).status_code == 401


def test_api_v2_prefix_is_an_alias(v2: V2, emulator: RunningEmulator) -> None:
    alias = v2("polly", base=emulator.base_url + "/api/v2")
    response = alias.get("/time_entries", params={"per_page": 1})
    assert response.status_code == 200
    assert response.json()["links"]["first"].startswith(emulator.base_url + "/api/v2/time_entries?")


def test_unknown_paths_and_methods_answer_json(v2: V2) -> None:
    client = v2()
    message(client.get("/no_such_thing"), 404)
    message(client.get("/time_entries/not-a-number"), 404)
    message(client.get("/time_entries/1"), 404)
    message(client.put("/company", json={}), 405)


def test_malformed_bodies(v2: V2) -> None:
    client = v2()
    assert "JSON" in message(client.post("/time_entries", content=b"{not json",
                                         headers={"Content-Type": "application/json"}), 400)
    assert "integer" in message(client.get("/time_entries", params={"user_id": "x"}), 422)
    message(client.get("/time_entries", params={"from": "2026-02-30"}), 422)
    message(client.get("/time_entries", params={"updated_since": "yesterday"}), 422)
    message(client.get("/time_entries", params={"is_running": "perhaps"}), 422)


def test_form_bodies_work_like_json(v2: V2, emulator: RunningEmulator) -> None:
    ids = emulator.info.ids
    response = v2("polly").post("/time_entries", data={
        "project_id": str(ids["project:Website Redesign"]), "task_id": str(ids["task:Design"]),
        "spent_date": "2026-11-20", "hours": "1.5", "notes": "Form"})
    assert response.status_code == 201, response.text
    assert (response.json()["hours"], response.json()["notes"]) == (1.5, "Form")


def test_injected_faults_apply_to_v2(v2: V2, emulator: RunningEmulator) -> None:
    emulator.faults.add("/v2/users/me", status=502, times=1)
    assert v2().get("/users/me").status_code == 502
    assert v2().get("/users/me").status_code == 200
