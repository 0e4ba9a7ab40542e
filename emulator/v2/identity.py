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

import hmac
import secrets
from datetime import timedelta
from html import escape
from typing import Any

from emulator.clock import iso, parse_iso
from emulator.context import Reply
from emulator.routes.oauth import (
    _client_and_redirect,
    _client_credentials,
    _error,
    _field,
    _json,
    _page,
    _redirect,
)
from emulator.v2.context import V2Ctx, V2Routes, json_reply

routes = V2Routes()

ACCESS_TOKEN_SECONDS = 14 * 24 * 3600  # "expires_in": 1209600 [AU]
CODE_SECONDS = 10 * 60
FORECAST_OFFSET = 1_000_000  # the demo Forecast account's id: the Harvest id plus this


def scope(ctx: V2Ctx) -> str:
    return f"harvest:{ctx.store.account()['harvest_id']}"


@routes("/oauth2/authorize", "GET", public=True, throttled=False)
def authorize_page(ctx: V2Ctx) -> Reply:
    app, redirect_uri, problem = _client_and_redirect(ctx)
    if problem:
        return _page(400, "Invalid request", f"<p>{escape(problem)}</p>")
    if _field(ctx, "response_type") not in ("", "code"):
        return _redirect(redirect_uri, {"error": "unsupported_response_type",
                                        "state": _field(ctx, "state")})
    return _form(ctx, app, 200)


@routes("/oauth2/authorize", "POST", public=True, throttled=False)
def authorize_sign_in(ctx: V2Ctx) -> Reply:
    app, redirect_uri, problem = _client_and_redirect(ctx)
    if problem:
        return _page(400, "Invalid request", f"<p>{escape(problem)}</p>")
    if _field(ctx, "response_type") not in ("", "code"):
        return _redirect(redirect_uri, {"error": "unsupported_response_type",
                                        "state": _field(ctx, "state")})
    user = ctx.store.one("SELECT * FROM users WHERE email = ?", _field(ctx, "email").strip())
    password = _field(ctx, "password")
    if (user is None or not user["is_active"]
            or not hmac.compare_digest(user["password"].encode(), password.encode())):
        return _form(ctx, app, 401, "Wrong email or password.")
    code = secrets.token_urlsafe(32)
    ctx.store.insert("id_oauth_codes", code=code, client_id=app["client_id"], user_id=user["id"],
                     expires_at=iso(ctx.now() + timedelta(seconds=CODE_SECONDS)))
    return _redirect(redirect_uri, {"code": code, "scope": scope(ctx),
                                    "state": _field(ctx, "state")})


@routes("/api/v2/oauth2/token", "POST", public=True, throttled=False)
def token(ctx: V2Ctx) -> Reply:
    client_id, client_secret = _client_credentials(ctx)
    app = ctx.store.one("SELECT * FROM oauth_clients WHERE client_id = ?", client_id)
    if app is None or not hmac.compare_digest(app["client_secret"].encode(),
                                              client_secret.encode()):
        return _error(401, "invalid_client", "Unknown client or wrong client secret")
    grant = _field(ctx, "grant_type")
    if grant == "authorization_code":
        return _exchange_code(ctx, app["client_id"])
    if grant == "refresh_token":
        return _refresh(ctx, app["client_id"])
    if not grant:
        return _error(400, "invalid_request", "grant_type is required")
    return _error(400, "unsupported_grant_type",
                  "grant_type must be authorization_code or refresh_token")


def _exchange_code(ctx: V2Ctx, client_id: str) -> Reply:
    code = _field(ctx, "code")
    if not code:
        return _error(400, "invalid_request", "code is required")
    row = ctx.store.one("SELECT * FROM id_oauth_codes WHERE code = ?", code)
    if row is None or row["client_id"] != client_id:
        return _error(400, "invalid_grant", "Unknown authorization code")
    if row["used"]:
        return _error(400, "invalid_grant", "The authorization code was already used")
    ctx.store.execute("UPDATE id_oauth_codes SET used = 1 WHERE code = ?", code)
    if parse_iso(row["expires_at"]) <= ctx.now():
        return _error(400, "invalid_grant", "The authorization code has expired")
    if not _active(ctx, row["user_id"]):
        return _error(400, "invalid_grant", "The user is deactivated")
    return _issue(ctx, client_id, row["user_id"])


def _refresh(ctx: V2Ctx, client_id: str) -> Reply:
    value = _field(ctx, "refresh_token")
    if not value:
        return _error(400, "invalid_request", "refresh_token is required")
    row = ctx.store.one("SELECT * FROM id_oauth_tokens WHERE token = ? AND kind = 'refresh'",
                        value)
    if row is None or row["client_id"] != client_id or row["revoked"]:
        return _error(400, "invalid_grant", "Unknown or revoked refresh token")
    if not _active(ctx, row["user_id"]):
        return _error(400, "invalid_grant", "The user is deactivated")
    ctx.store.execute("UPDATE id_oauth_tokens SET revoked = 1 WHERE token = ?", value)
    return _issue(ctx, client_id, row["user_id"])


def _issue(ctx: V2Ctx, client_id: str, user_id: int) -> Reply:
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = iso(ctx.now() + timedelta(seconds=ACCESS_TOKEN_SECONDS))
    ctx.store.insert("id_oauth_tokens", token=access, kind="access", client_id=client_id,
                     user_id=user_id, expires_at=expires)
    ctx.store.insert("id_oauth_tokens", token=refresh, kind="refresh", client_id=client_id,
                     user_id=user_id, expires_at=None)
    return _json(200, {"access_token": access, "refresh_token": refresh,
                       "token_type": "bearer", "expires_in": ACCESS_TOKEN_SECONDS})


def _active(ctx: V2Ctx, user_id: int) -> bool:
    user = ctx.store.one("SELECT is_active FROM users WHERE id = ?", user_id)
    return bool(user and user["is_active"])


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


def _form(ctx: V2Ctx, app: dict[str, Any], status: int, error: str | None = None) -> Reply:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(value)}">\n'
        for name, value in (("client_id", app["client_id"]),
                            ("redirect_uri", _field(ctx, "redirect_uri")),
                            ("state", _field(ctx, "state")), ("response_type", "code")))
    message = f'<p class="error" role="alert">{escape(error)}</p>\n' if error else ""
    body = (f"<p><strong>{escape(app['name'])}</strong> would like to access your Harvest "
            "accounts. Sign in to Harvest ID to allow it.</p>\n" + message +
            '<form method="post" action="/id/oauth2/authorize">\n' + hidden +
            '<label>Email <input type="email" name="email" '
            f'value="{escape(_field(ctx, "email"))}" required></label>\n'
            '<label>Password <input type="password" name="password" required></label>\n'
            '<button type="submit">Sign in and authorize</button>\n</form>')
    return _page(status, "Harvest ID: sign in", body)
