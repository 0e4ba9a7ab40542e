"""Harvest ID on the emulator: OAuth 2 end to end, account discovery, personal access tokens."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from emulator.runner import RunningEmulator
from tests.emulator_v2.conftest import UA, invalid_token, message

REDIRECT = "http://127.0.0.1:3000/harvest/oauth/callback"


def _sign_in(emulator: RunningEmulator, who: str = "polly", **extra: str) -> dict[str, list[str]]:
    """Authorize the demo client as ``who``; the query of the redirect back."""
    login = emulator.info.logins[who]
    form = {"client_id": "demo-client", "response_type": "code", "state": "xyz",
            "email": login.email, "password": login.password, **extra}
    response = httpx.post(emulator.id_url + "/oauth2/authorize", data=form)
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(extra.get("redirect_uri", REDIRECT))
    return parse_qs(urlsplit(location).query)


def _token(emulator: RunningEmulator, **form: str) -> httpx.Response:
    return httpx.post(emulator.id_url + "/api/v2/oauth2/token", headers={"User-Agent": UA},
                      data={"client_id": "demo-client", "client_secret": "demo-client-secret",
                            **form})


def _v2(emulator: RunningEmulator, token: str, path: str = "/users/me") -> httpx.Response:
    return httpx.get(emulator.v2_url + path, headers={
        "Authorization": f"Bearer {token}", "User-Agent": UA,
        "Harvest-Account-Id": str(emulator.info.account_id)})


def test_oauth_flow_end_to_end(emulator: RunningEmulator) -> None:
    page = httpx.get(emulator.id_url + "/oauth2/authorize", params={
        "client_id": "demo-client", "response_type": "code", "state": "xyz"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'action="/id/oauth2/authorize"' in page.text
    assert re.search(r'name="state" value="xyz"', page.text)

    back = _sign_in(emulator)
    assert back["state"] == ["xyz"]
    assert back["scope"] == [f"harvest:{emulator.info.account_id}"]
    granted = _token(emulator, code=back["code"][0], grant_type="authorization_code")
    assert granted.status_code == 200
    tokens = granted.json()
    assert list(tokens) == ["access_token", "refresh_token", "token_type", "expires_in"]
    assert (tokens["token_type"], tokens["expires_in"]) == ("bearer", 1209600)

    accounts = httpx.get(emulator.id_url + "/api/v2/accounts", headers={
        "Authorization": f"Bearer {tokens['access_token']}", "User-Agent": UA}).json()
    assert accounts["user"] == {"id": emulator.info.logins["polly"].user_id,
                                "first_name": "Polly", "last_name": "Sherman",
                                "email": "polly@fawltytowers.example"}
    harvest = [a for a in accounts["accounts"] if a["product"] == "harvest"]
    assert harvest == [{"id": emulator.info.account_id, "name": "Fawlty Towers Consulting",
                        "product": "harvest"}]
    assert [a["product"] for a in accounts["accounts"]] == ["harvest", "forecast"]

    me = _v2(emulator, tokens["access_token"])
    assert me.status_code == 200 and me.json()["email"] == "polly@fawltytowers.example"

    refreshed = _token(emulator, refresh_token=tokens["refresh_token"],
                       grant_type="refresh_token").json()
    assert refreshed["access_token"] != tokens["access_token"]
    assert refreshed["expires_in"] == 1209600
    assert _v2(emulator, refreshed["access_token"]).status_code == 200
    # The refresh token rotates: the used one is spent.
    reused = _token(emulator, refresh_token=tokens["refresh_token"], grant_type="refresh_token")
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")


def test_access_tokens_last_fourteen_days(emulator: RunningEmulator) -> None:
    code = _sign_in(emulator)["code"][0]
    token = _token(emulator, code=code, grant_type="authorization_code").json()["access_token"]
    emulator.clock.advance(14 * 24 * 3600 - 60)
    assert _v2(emulator, token).status_code == 200
    emulator.clock.advance(120)
    invalid_token(_v2(emulator, token))


def test_redirect_uri_must_start_with_the_registered_one(emulator: RunningEmulator) -> None:
    back = _sign_in(emulator, redirect_uri=REDIRECT + "/deeper?team=T1")
    assert "code" in back and back["team"] == ["T1"]
    foreign = httpx.get(emulator.id_url + "/oauth2/authorize", params={
        "client_id": "demo-client", "response_type": "code",
        "redirect_uri": "https://evil.example/callback"})
    assert foreign.status_code == 400
    unknown = httpx.get(emulator.id_url + "/oauth2/authorize", params={"client_id": "nobody"})
    assert unknown.status_code == 400


def test_wrong_password_shows_the_form_again(emulator: RunningEmulator) -> None:
    response = httpx.post(emulator.id_url + "/oauth2/authorize", data={
        "client_id": "demo-client", "response_type": "code",
        "email": "polly@fawltytowers.example", "password": "nope"})
    assert response.status_code == 401 and "Wrong email or password" in response.text


def test_unsupported_response_type(emulator: RunningEmulator) -> None:
    response = httpx.get(emulator.id_url + "/oauth2/authorize", params={
        "client_id": "demo-client", "response_type": "token", "state": "s"})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query)["error"] == \
        ["unsupported_response_type"]


@pytest.mark.parametrize("form,status,error", [
    ({"grant_type": "authorization_code", "code": "made-up"}, 400, "invalid_grant"),
    ({"grant_type": "authorization_code"}, 400, "invalid_request"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ({"grant_type": "refresh_token", "refresh_token": "made-up"}, 400, "invalid_grant"),
    ({"grant_type": "authorization_code", "code": "x", "client_secret": "wrong"}, 401,
     "invalid_client"),
])
def test_token_refusals(emulator: RunningEmulator, form: dict, status: int, error: str) -> None:
    response = _token(emulator, **form)
    assert (response.status_code, response.json()["error"]) == (status, error)


def test_codes_are_single_use_expire_and_are_not_v1_codes(emulator: RunningEmulator) -> None:
    code = _sign_in(emulator)["code"][0]
    assert _token(emulator, code=code, grant_type="authorization_code").status_code == 200
    assert _token(emulator, code=code, grant_type="authorization_code").json()["error"] == \
        "invalid_grant"
    late = _sign_in(emulator)["code"][0]
    emulator.clock.advance(11 * 60)
    assert _token(emulator, code=late, grant_type="authorization_code").json()[
        "error_description"] == "The authorization code has expired"
    login = emulator.info.logins["polly"]
    v1 = httpx.post(emulator.base_url + "/oauth2/authorize", data={
        "client_id": "demo-client", "email": login.email, "password": login.password})
    v1_code = parse_qs(urlsplit(v1.headers["Location"]).query)["code"][0]
    assert _token(emulator, code=v1_code, grant_type="authorization_code").json()["error"] == \
        "invalid_grant"


def test_token_endpoint_also_takes_basic_client_credentials(emulator: RunningEmulator) -> None:
    code = _sign_in(emulator)["code"][0]
    response = httpx.post(emulator.id_url + "/api/v2/oauth2/token",
                          auth=("demo-client", "demo-client-secret"),
                          data={"code": code, "grant_type": "authorization_code"})
    assert response.status_code == 200


def test_identity_api_wants_a_user_agent(emulator: RunningEmulator) -> None:
    response = httpx.post(emulator.id_url + "/api/v2/oauth2/token", headers={"User-Agent": ""},
                          data={"grant_type": "refresh_token"})
    message(response, 400)


def test_accounts_with_a_personal_token_and_without_a_token(emulator: RunningEmulator) -> None:
    response = httpx.get(emulator.id_url + "/api/v2/accounts", headers={
        "Authorization": f"Bearer {emulator.info.pats['basil']}", "User-Agent": UA})
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "basil@fawltytowers.example"
    invalid_token(httpx.get(emulator.id_url + "/api/v2/accounts", headers={"User-Agent": UA}))
    message(httpx.get(emulator.id_url + "/nothing/here"), 404)


def test_admin_endpoint_makes_personal_tokens(emulator: RunningEmulator) -> None:
    made = httpx.post(emulator.admin_url + "/personal_tokens",
                      json={"email": "MANUEL@fawltytowers.example"})
    assert made.status_code == 201
    body = made.json()
    assert (body["user_id"], body["account_id"]) == \
        (emulator.info.logins["manuel"].user_id, emulator.info.account_id)
    assert body["token"].startswith(f"{body['user_id']}.pt.")
    assert _v2(emulator, body["token"]).json()["first_name"] == "Manuel"
    assert httpx.post(emulator.admin_url + "/personal_tokens",
                      json={"email": "nobody@example.com"}).status_code == 404
    assert httpx.post(emulator.admin_url + "/personal_tokens", json={}).status_code == 400


@pytest.mark.secrets_logged("requests-oauthlib logs the client secret, the code and the tokens at DEBUG")
def test_requests_oauthlib_works_unchanged(emulator: RunningEmulator,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from requests_oauthlib import OAuth2Session

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the emulator speaks plain HTTP
    token_url = emulator.id_url + "/api/v2/oauth2/token"
    session = OAuth2Session("demo-client", redirect_uri=REDIRECT)
    url, state = session.authorization_url(emulator.id_url + "/oauth2/authorize")
    assert httpx.get(url).status_code == 200
    login = emulator.info.logins["sybil"]
    landed = httpx.post(emulator.id_url + "/oauth2/authorize", data={
        **parse_qs(urlsplit(url).query, keep_blank_values=True), "email": login.email,
        "password": login.password})
    callback = landed.headers["Location"]
    assert parse_qs(urlsplit(callback).query)["state"] == [state]
    token = session.fetch_token(token_url, client_secret="demo-client-secret",
                                authorization_response=callback)
    assert token["expires_in"] == 1209600
    with session:  # closes its connection pool
        response = session.get(emulator.v2_url + "/users/me", headers={
            "Harvest-Account-Id": str(emulator.info.account_id), "User-Agent": UA})
    assert response.status_code == 200 and response.json()["access_roles"] == ["administrator"]
