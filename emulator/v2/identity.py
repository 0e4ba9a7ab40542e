"""Harvest ID [AU]: OAuth 2 for v2 apps and account discovery, mounted at ``/id``.

1. ``GET /id/oauth2/authorize?client_id=…&response_type=code[&redirect_uri=…][&state=…]`` shows
   a sign-in page; ``POST`` with the person's email and password redirects to
   ``redirect_uri?code=…&scope=harvest:{account id}&state=…``. ``redirect_uri`` must start with
   the registered one.
2. ``POST /id/api/v2/oauth2/token`` (form fields ``code``, ``client_id``, ``client_secret``,
   ``grant_type=authorization_code``; or ``refresh_token`` with ``grant_type=refresh_token``)
   answers ``{"access_token", "refresh_token", "token_type": "bearer", "expires_in": 1209600}``:
   14 days.
3. ``GET /id/api/v2/accounts`` with ``Authorization: Bearer`` (an OAuth token or a personal
   access token) and without ``Harvest-Account-Id``: ``{"user": {...}, "accounts": [...]}``.

Assumptions where Harvest ID's pages are silent (RFC 6749 and the emulator's v1 OAuth fill the
gaps): the apps registered with the emulator (``oauth_clients``) are Harvest ID apps too, so the
demo client works on both; signing in is the grant (no separate "Authorize" step); codes are
single-use and last 10 minutes, and ``redirect_uri`` need not be repeated at the token endpoint
(the documented fields leave it out); client credentials may also come as HTTP Basic; refresh
rotates (the refresh token used is revoked, a new pair issued; store what comes back); refresh
tokens do not expire; tokens from here are v2 tokens only (v1's ``/oauth2/token`` issues v1
ones), and the other way round. The endpoints under ``/id/api/v2`` want a ``User-Agent`` like
the API (400 without). Only ``response_type=code`` is offered. One person reaches the
emulator's one Harvest account and a Forecast account whose id is derived from it; every token
sees both.
"""

from __future__ import annotations

from emulator import sign_in
from emulator.context import Ctx, Reply
from emulator.v2.context import V2Ctx, V2Routes, json_reply

routes = V2Routes()

ACCESS_TOKEN_SECONDS = 14 * 24 * 3600  # "expires_in": 1209600 [AU]
FORECAST_OFFSET = 1_000_000  # the demo Forecast account's id: the Harvest id plus this


def scope(ctx: Ctx) -> str:
    return f"harvest:{ctx.store.account()['harvest_id']}"


HARVEST_ID = sign_in.Wire(
    access_seconds=ACCESS_TOKEN_SECONDS, codes="id_oauth_codes", tokens="id_oauth_tokens",
    form_action="/id/oauth2/authorize", title="Harvest ID: sign in",
    invitation="would like to access your Harvest accounts. Sign in to Harvest ID to allow it.",
    checks_redirect=False, scope=scope)


@routes("/oauth2/authorize", "GET", public=True, throttled=False)
def authorize_page(ctx: V2Ctx) -> Reply:
    return sign_in.authorize_page(ctx, HARVEST_ID)


@routes("/oauth2/authorize", "POST", public=True, throttled=False)
def authorize_sign_in(ctx: V2Ctx) -> Reply:
    return sign_in.sign_in(ctx, HARVEST_ID)


@routes("/api/v2/oauth2/token", "POST", public=True, throttled=False)
def token(ctx: V2Ctx) -> Reply:
    return sign_in.token(ctx, HARVEST_ID)


@routes("/api/v2/accounts", throttled=False)
def accounts(ctx: V2Ctx) -> Reply:
    """The caller and the accounts their token reaches: the Harvest one and a Forecast one."""
    account = ctx.store.account()
    me = ctx.me
    return json_reply({
        "user": {"id": me["id"], "first_name": me["first_name"], "last_name": me["last_name"],
                 "email": me["email"]},
        "accounts": [
            {"id": account["harvest_id"], "name": account["name"], "product": "harvest"},
            {"id": account["harvest_id"] + FORECAST_OFFSET, "name": account["name"],
             "product": "forecast"},
        ],
    })
