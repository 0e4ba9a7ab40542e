"""OAuth 2 over real HTTP: the sign-in page, the code, the token endpoint, bearer calls,
refresh with rotation, expiry on the emulator clock, and a standard client (requests-oauthlib)
that works unchanged."""

from __future__ import annotations

import re
import time as wallclock
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from requests_oauthlib import OAuth2Session

from emulator.runner import RunningEmulator

AUTHORIZE, TOKEN, WHO = "/oauth2/authorize", "/oauth2/token", "/account/who_am_i"
TOKEN_KEYS = {"access_token", "refresh_token", "token_type", "expires_in"}


class _Form(HTMLParser):
    """The inputs of the sign-in page, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.action: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "form":
            self.action = named.get("action")
        if tag == "input" and named.get("name"):
            self.fields[named["name"] or ""] = named.get("value") or ""


def _form(html: str) -> _Form:
    parser = _Form()
    parser.feed(html)
    return parser


@pytest.fixture
def web(emulator: RunningEmulator) -> Any:
    with httpx.Client(base_url=emulator.base_url, follow_redirects=False, timeout=10) as client:
        yield client


def _app(emulator: RunningEmulator) -> Any:
    assert emulator.info.oauth is not None
    return emulator.info.oauth


def _sign_in(web: httpx.Client, emulator: RunningEmulator, who: str = "polly",
             state: str = "s3cr3t-state", **query: str) -> httpx.Response:
    """GET the page, fill in the person's credentials, submit the form as a browser would."""
    app = _app(emulator)
    params = {"client_id": app.client_id, "redirect_uri": app.redirect_uri, "state": state,
              "response_type": "code", **query}
    page = web.get(AUTHORIZE, params=params)
    assert page.status_code == 200, page.text
    form = _form(page.text)
    login = emulator.info.logins[who]
    return web.post(form.action or AUTHORIZE,
                    data={**form.fields, "email": login.email, "password": login.password})


def _code(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


def _exchange(web: httpx.Client, emulator: RunningEmulator, code: str, **override: str) -> httpx.Response:
    app = _app(emulator)
    data = {"grant_type": "authorization_code", "code": code, "client_id": app.client_id,
            "client_secret": app.client_secret, "redirect_uri": app.redirect_uri, **override}
    return web.post(TOKEN, data=data, headers={"Accept": "application/xml"})


def _refresh(web: httpx.Client, emulator: RunningEmulator, refresh_token: str) -> httpx.Response:
    app = _app(emulator)
    return web.post(TOKEN, json={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                 "client_id": app.client_id, "client_secret": app.client_secret})


def _who(web: httpx.Client, token: str) -> httpx.Response:
    return web.get(WHO, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})


# -- the sign-in page --------------------------------------------------------------------------


def test_authorize_shows_a_sign_in_form(web: httpx.Client, emulator: RunningEmulator) -> None:
    app = _app(emulator)
    page = web.get(AUTHORIZE, params={"client_id": app.client_id, "redirect_uri": app.redirect_uri,
                                      "state": "<xyz>", "response_type": "code"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    form = _form(page.text)
    assert form.action == AUTHORIZE
    assert {"email", "password", "client_id", "redirect_uri", "state", "response_type"} <= set(form.fields)
    assert form.fields["state"] == "<xyz>" and "<xyz>" not in page.text  # escaped, not injected


@pytest.mark.parametrize("query", [
    {"client_id": "nobody"},
    {"redirect_uri": "https://evil.example/callback"},
])
def test_authorize_refuses_unknown_clients_and_foreign_redirects(
        web: httpx.Client, emulator: RunningEmulator, query: dict[str, str]) -> None:
    app = _app(emulator)
    params = {"client_id": app.client_id, "redirect_uri": app.redirect_uri, **query}
    page = web.get(AUTHORIZE, params=params)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "Location" not in page.headers
    posted = web.post(AUTHORIZE, data={**params, "email": emulator.info.logins["polly"].email,
                                       "password": "harvest-demo"})
    assert posted.status_code == 400 and "Location" not in posted.headers
    assert emulator.store.scalar("SELECT COUNT(*) FROM oauth_codes") == 0


def test_a_longer_redirect_under_the_registered_one_is_accepted(web: httpx.Client,
                                                                emulator: RunningEmulator) -> None:
    deeper = _app(emulator).redirect_uri + "/slack?team=T1"
    response = _sign_in(web, emulator, redirect_uri=deeper)
    location = response.headers["Location"]
    assert location.startswith(deeper + "&code=") and location.endswith("&state=s3cr3t-state")


def test_unsupported_response_type_goes_back_to_the_client(web: httpx.Client,
                                                           emulator: RunningEmulator) -> None:
    app = _app(emulator)
    page = web.get(AUTHORIZE, params={"client_id": app.client_id, "response_type": "token",
                                      "state": "abc"})
    assert page.status_code == 302
    assert page.headers["Location"] == (app.redirect_uri
                                        + "?error=unsupported_response_type&state=abc")


def test_wrong_password_shows_the_form_again_with_401(web: httpx.Client,
                                                      emulator: RunningEmulator) -> None:
    app = _app(emulator)
    response = web.post(AUTHORIZE, data={
        "client_id": app.client_id, "redirect_uri": app.redirect_uri, "state": "s",
        "response_type": "code", "email": emulator.info.logins["polly"].email, "password": "wrong"})
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert "Wrong email or password" in response.text
    form = _form(response.text)
    assert form.fields["email"] == emulator.info.logins["polly"].email and form.fields["state"] == "s"
    assert emulator.store.scalar("SELECT COUNT(*) FROM oauth_codes") == 0


# -- the whole flow ----------------------------------------------------------------------------


@pytest.mark.secrets_logged("the test sends an access token in the query string, which httpx logs with the URL")
def test_the_whole_flow_over_http(web: httpx.Client, emulator: RunningEmulator) -> None:
    signed_in = _sign_in(web, emulator, "polly")
    location = signed_in.headers["Location"]
    assert location.startswith(_app(emulator).redirect_uri + "?")
    assert parse_qs(urlsplit(location).query)["state"] == ["s3cr3t-state"]
    code = _code(signed_in)

    exchanged = _exchange(web, emulator, code)  # Accept: application/xml, still JSON
    assert exchanged.status_code == 200, exchanged.text
    assert exchanged.headers["content-type"].startswith("application/json")
    assert exchanged.headers["Cache-Control"] == "no-store"
    tokens = exchanged.json()
    assert set(tokens) == TOKEN_KEYS
    assert (tokens["token_type"], tokens["expires_in"]) == ("bearer", 64800)
    stored = emulator.store.all("SELECT kind, user_id, revoked FROM oauth_tokens ORDER BY kind")
    polly = emulator.info.logins["polly"].user_id
    assert stored == [{"kind": "access", "user_id": polly, "revoked": 0},
                      {"kind": "refresh", "user_id": polly, "revoked": 0}]

    me = _who(web, tokens["access_token"])
    assert me.status_code == 200 and me.json()["user"]["id"] == polly
    by_query = web.get(WHO, params={"access_token": tokens["access_token"]})
    assert by_query.status_code == 200
    coop = web.get("/coop/groups", headers={"Authorization": f"Bearer {tokens['access_token']}",
                                            "Accept": "application/json"})
    assert coop.status_code == 200 and [g["name"] for g in coop.json()] == ["Fawlty Towers"]

    # A code is single-use.
    again = _exchange(web, emulator, code)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")

    # Refreshing rotates: a new pair; the old refresh token is refused from now on.
    refreshed = _refresh(web, emulator, tokens["refresh_token"])
    assert refreshed.status_code == 200 and set(refreshed.json()) == TOKEN_KEYS
    fresh = refreshed.json()
    assert fresh["access_token"] != tokens["access_token"]
    assert fresh["refresh_token"] != tokens["refresh_token"]
    old = _refresh(web, emulator, tokens["refresh_token"])
    assert (old.status_code, old.json()["error"]) == (400, "invalid_grant")
    assert _who(web, fresh["access_token"]).status_code == 200

    # 18 hours later both access tokens have expired; the refresh token still works.
    emulator.clock.advance(18 * 3600 + 1)
    for token in (tokens["access_token"], fresh["access_token"]):
        assert _who(web, token).status_code == 401
    renewed = _refresh(web, emulator, fresh["refresh_token"])
    assert renewed.status_code == 200
    assert _who(web, renewed.json()["access_token"]).json()["user"]["id"] == polly


# -- the token endpoint's refusals -------------------------------------------------------------


def test_bad_client_credentials_are_401_invalid_client(web: httpx.Client,
                                                       emulator: RunningEmulator) -> None:
    code = _code(_sign_in(web, emulator))
    for override in ({"client_secret": "wrong"}, {"client_id": "nobody"}, {"client_secret": ""}):
        response = _exchange(web, emulator, code, **override)
        assert response.status_code == 401, override
        assert response.json()["error"] == "invalid_client"
    # The code was not spent by those attempts.
    assert _exchange(web, emulator, code).status_code == 200


def test_client_credentials_in_http_basic(web: httpx.Client, emulator: RunningEmulator) -> None:
    app = _app(emulator)
    code = _code(_sign_in(web, emulator))
    response = web.post(TOKEN, auth=(app.client_id, app.client_secret), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri})
    assert response.status_code == 200 and set(response.json()) == TOKEN_KEYS


@pytest.mark.parametrize("case", ["expired", "other redirect", "no redirect", "unknown",
                                  "other client"])
def test_bad_codes_are_400_invalid_grant(web: httpx.Client, emulator: RunningEmulator,
                                         case: str) -> None:
    code = _code(_sign_in(web, emulator))
    override: dict[str, str] = {}
    if case == "expired":
        emulator.clock.advance(10 * 60 + 1)
    elif case == "other redirect":
        override = {"redirect_uri": _app(emulator).redirect_uri + "/other"}
    elif case == "no redirect":
        override = {"redirect_uri": ""}
    elif case == "unknown":
        code = "not-a-code"
    else:
        emulator.store.execute("INSERT INTO oauth_clients VALUES ('other', 'other-secret', "
                               "'http://other.example/cb', 'Other app')")
        override = {"client_id": "other", "client_secret": "other-secret"}
    response = _exchange(web, emulator, code, **override)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant" and response.json()["error_description"]
    assert emulator.store.scalar("SELECT COUNT(*) FROM oauth_tokens") == 0


def test_grant_type_must_be_known(web: httpx.Client, emulator: RunningEmulator) -> None:
    app = _app(emulator)
    creds = {"client_id": app.client_id, "client_secret": app.client_secret}
    password = web.post(TOKEN, data={**creds, "grant_type": "password", "username": "x"})
    assert (password.status_code, password.json()["error"]) == (400, "unsupported_grant_type")
    missing = web.post(TOKEN, data=creds)
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    no_code = web.post(TOKEN, data={**creds, "grant_type": "authorization_code"})
    assert (no_code.status_code, no_code.json()["error"]) == (400, "invalid_request")
    bogus = _refresh(web, emulator, "not-a-refresh-token")
    assert (bogus.status_code, bogus.json()["error"]) == (400, "invalid_grant")


def test_an_access_token_is_not_a_refresh_token(web: httpx.Client, emulator: RunningEmulator) -> None:
    tokens = _exchange(web, emulator, _code(_sign_in(web, emulator))).json()
    response = _refresh(web, emulator, tokens["access_token"])
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_a_deactivated_person_cannot_sign_in(web: httpx.Client, emulator: RunningEmulator) -> None:
    tokens = _exchange(web, emulator, _code(_sign_in(web, emulator, "manuel"))).json()
    emulator.store.execute("UPDATE users SET is_active = 0 WHERE id = ?",
                           emulator.info.logins["manuel"].user_id)
    assert _who(web, tokens["access_token"]).status_code == 401
    assert _refresh(web, emulator, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    page = _sign_in(web, emulator, "manuel")
    assert page.status_code == 401


# -- a standard OAuth 2 client, unchanged ------------------------------------------------------


@pytest.mark.secrets_logged("requests-oauthlib logs the client secret, the code and the tokens at DEBUG")
def test_requests_oauthlib_works_unchanged(web: httpx.Client, emulator: RunningEmulator,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the emulator speaks plain HTTP
    app = _app(emulator)
    token_url = emulator.base_url + TOKEN
    renewed: list[dict[str, Any]] = []
    session = OAuth2Session(app.client_id, redirect_uri=app.redirect_uri,
                            auto_refresh_url=token_url,
                            auto_refresh_kwargs={"client_id": app.client_id,
                                                 "client_secret": app.client_secret},
                            token_updater=renewed.append)
    url, state = session.authorization_url(emulator.base_url + AUTHORIZE)
    # The person's browser: open the page, sign in, land on the redirect.
    page = web.get(url)
    assert page.status_code == 200
    login = emulator.info.logins["sybil"]
    landed = web.post(AUTHORIZE, data={**_form(page.text).fields, "email": login.email,
                                       "password": login.password})
    callback = landed.headers["Location"]
    assert parse_qs(urlsplit(callback).query)["state"] == [state]

    token = session.fetch_token(token_url, client_secret=app.client_secret,
                                authorization_response=callback)
    assert token["token_type"].lower() == "bearer" and token["expires_in"] == 64800
    response = session.get(emulator.base_url + WHO, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json()["user"]["email"] == login.email

    # Make the client believe its token has expired: it refreshes by itself, then calls.
    session.token = {**session.token, "expires_at": wallclock.time() - 60}
    again = session.get(emulator.base_url + WHO, headers={"Accept": "application/json"})
    assert again.status_code == 200 and again.json()["user"]["id"] == login.user_id
    assert len(renewed) == 1 and renewed[0]["access_token"] != token["access_token"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,}", renewed[0]["refresh_token"])
