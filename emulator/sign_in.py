"""The OAuth 2 authorization-code flow that Harvest v1 and Harvest ID share on the emulator.

Both wires show the same sign-in page, grant on a correct email and password, and answer the
token endpoint with the same fields and RFC 6749 error codes; :class:`Wire` holds what each one
does its own way (token lifetime, tables, page wording, ``scope`` in the redirect, whether the
token request must repeat ``redirect_uri``). The routes stay in :mod:`emulator.routes.oauth` (v1)
and :mod:`emulator.v2.identity` (Harvest ID), whose docstrings say which documented rule or
assumption each choice follows.
"""

from __future__ import annotations

import hmac
import json
import secrets
from base64 import b64decode
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any
from urllib.parse import unquote_plus, urlencode

from emulator.clock import iso, parse_iso
from emulator.context import Ctx, Reply

CODE_SECONDS = 10 * 60  # undocumented on both wires; RFC 6749 §4.1.2 recommends 10 minutes
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Wire:
    """What one OAuth wire does differently from the other."""

    access_seconds: int
    codes: str  # table of authorization codes
    tokens: str  # table of access and refresh tokens
    form_action: str  # where the page posts back: the wire's own mount
    title: str
    invitation: str  # what the page asks of the person, after the app's name
    # v1 remembers the redirect_uri given to authorize and the token request must repeat it
    # (RFC 6749 §4.1.3); Harvest ID's documented token fields leave it out.
    checks_redirect: bool
    scope: Callable[[Ctx], str] | None = None  # Harvest ID names the granted scope
    challenge: str | None = None  # WWW-Authenticate on invalid_client


def authorize_page(ctx: Ctx, wire: Wire) -> Reply:
    """The sign-in page; a 400 page for an unknown client or a foreign redirect_uri."""
    app, redirect_uri, refusal = _authorize_request(ctx)
    if refusal:
        return refusal
    return _form(ctx, wire, app, 200)


def sign_in(ctx: Ctx, wire: Wire) -> Reply:
    """Check the person's credentials; 302 to ``redirect_uri?code=…&state=…`` or the form again."""
    app, redirect_uri, refusal = _authorize_request(ctx)
    if refusal:
        return refusal
    user = ctx.store.one("SELECT * FROM users WHERE email = ?", _field(ctx, "email").strip())
    password = _field(ctx, "password")
    if (user is None or not user["is_active"]
            or not hmac.compare_digest(user["password"].encode(), password.encode())):
        return _form(ctx, wire, app, 401, "Wrong email or password.")
    code = secrets.token_urlsafe(32)
    remembered = ({"redirect_uri": _field(ctx, "redirect_uri") or None}
                  if wire.checks_redirect else {})
    ctx.store.insert(wire.codes, code=code, client_id=app["client_id"], user_id=user["id"],
                     **remembered, expires_at=iso(ctx.now() + timedelta(seconds=CODE_SECONDS)))
    query = {"code": code}
    if wire.scope:
        query["scope"] = wire.scope(ctx)
    query["state"] = _field(ctx, "state")
    return _redirect(redirect_uri, query)


def token(ctx: Ctx, wire: Wire) -> Reply:
    """Exchange an authorization code or a refresh token for a new token pair."""
    client_id, client_secret = _client_credentials(ctx)
    app = ctx.store.one("SELECT * FROM oauth_clients WHERE client_id = ?", client_id)
    if app is None or not hmac.compare_digest(app["client_secret"].encode(),
                                              client_secret.encode()):
        challenge = {"WWW-Authenticate": wire.challenge} if wire.challenge else None
        return _error(401, "invalid_client", "Unknown client or wrong client secret", challenge)
    grant = _field(ctx, "grant_type")
    if grant == "authorization_code":
        return _exchange_code(ctx, wire, app["client_id"])
    if grant == "refresh_token":
        return _refresh(ctx, wire, app["client_id"])
    if not grant:
        return _error(400, "invalid_request", "grant_type is required")
    return _error(400, "unsupported_grant_type",
                  "grant_type must be authorization_code or refresh_token")


def _authorize_request(ctx: Ctx) -> tuple[dict[str, Any], str, Reply | None]:
    """The client, the redirect to use, and the answer that refuses the request (or None)."""
    app, redirect_uri, problem = _client_and_redirect(ctx)
    if problem:
        # No redirect to a client that cannot be trusted with one (RFC 6749 §4.1.2.1).
        return app, "", _page(400, "Invalid request", f"<p>{escape(problem)}</p>")
    if _field(ctx, "response_type") not in ("", "code"):
        return app, "", _redirect(redirect_uri, {"error": "unsupported_response_type",
                                                 "state": _field(ctx, "state")})
    return app, redirect_uri, None


def _exchange_code(ctx: Ctx, wire: Wire, client_id: str) -> Reply:
    code = _field(ctx, "code")
    if not code:
        return _error(400, "invalid_request", "code is required")
    row = ctx.store.one(f"SELECT * FROM {wire.codes} WHERE code = ?", code)
    if row is None or row["client_id"] != client_id:
        return _error(400, "invalid_grant", "Unknown authorization code")
    if row["used"]:
        return _error(400, "invalid_grant", "The authorization code was already used")
    # Any attempt spends the code, even one refused below: codes are single-use (§4.1.2).
    ctx.store.execute(f"UPDATE {wire.codes} SET used = 1 WHERE code = ?", code)
    if parse_iso(row["expires_at"]) <= ctx.now():
        return _error(400, "invalid_grant", "The authorization code has expired")
    if (wire.checks_redirect and row["redirect_uri"]
            and _field(ctx, "redirect_uri") != row["redirect_uri"]):
        return _error(400, "invalid_grant",
                      "redirect_uri does not match the one given to /oauth2/authorize")
    if not _active(ctx, row["user_id"]):
        return _error(400, "invalid_grant", "The user is deactivated")
    return _issue(ctx, wire, client_id, row["user_id"])


def _refresh(ctx: Ctx, wire: Wire, client_id: str) -> Reply:
    value = _field(ctx, "refresh_token")
    if not value:
        return _error(400, "invalid_request", "refresh_token is required")
    row = ctx.store.one(f"SELECT * FROM {wire.tokens} WHERE token = ? AND kind = 'refresh'",
                        value)
    if row is None or row["client_id"] != client_id or row["revoked"]:
        return _error(400, "invalid_grant", "Unknown or revoked refresh token")
    if not _active(ctx, row["user_id"]):
        return _error(400, "invalid_grant", "The user is deactivated")
    ctx.store.execute(f"UPDATE {wire.tokens} SET revoked = 1 WHERE token = ?", value)
    return _issue(ctx, wire, client_id, row["user_id"])


def _issue(ctx: Ctx, wire: Wire, client_id: str, user_id: int) -> Reply:
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = iso(ctx.now() + timedelta(seconds=wire.access_seconds))
    ctx.store.insert(wire.tokens, token=access, kind="access", client_id=client_id,
                     user_id=user_id, expires_at=expires)
    ctx.store.insert(wire.tokens, token=refresh, kind="refresh", client_id=client_id,
                     user_id=user_id, expires_at=None)
    return _json(200, {"access_token": access, "refresh_token": refresh,
                       "token_type": "bearer", "expires_in": wire.access_seconds})


# -- helpers -----------------------------------------------------------------------------------


def _field(ctx: Ctx, name: str) -> str:
    """A form field as text; a nested or missing value is empty (never a Harvest-style error)."""
    value = ctx.params.raw(name)
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _active(ctx: Ctx, user_id: int) -> bool:
    user = ctx.store.one("SELECT is_active FROM users WHERE id = ?", user_id)
    return bool(user and user["is_active"])


def _client_and_redirect(ctx: Ctx) -> tuple[dict[str, Any], str, str | None]:
    """The registered client, the redirect to use, and what is wrong with them (or None)."""
    app = ctx.store.one("SELECT * FROM oauth_clients WHERE client_id = ?",
                        _field(ctx, "client_id"))
    if app is None:
        return {}, "", "Unknown client_id: this application is not registered with Harvest."
    redirect_uri = _field(ctx, "redirect_uri") or app["redirect_uri"]
    if not redirect_uri.startswith(app["redirect_uri"]):
        return app, "", "redirect_uri must start with the application's registered Redirect URL."
    return app, redirect_uri, None


def _client_credentials(ctx: Ctx) -> tuple[str, str]:
    """``client_id``/``client_secret`` from HTTP Basic (RFC 6749 §2.3.1) or the body."""
    scheme, _, encoded = ctx.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, sep, password = b64decode(encoded.strip(), validate=True).decode().partition(":")
        except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
            return "", ""
        if sep:
            # §2.3.1: the id and secret are form-encoded before Base64.
            return unquote_plus(user), unquote_plus(password)
    return _field(ctx, "client_id"), _field(ctx, "client_secret")


def _redirect(uri: str, query: dict[str, str]) -> Reply:
    pairs = {name: value for name, value in query.items() if value}
    location = uri + ("&" if "?" in uri else "?") + urlencode(pairs)
    return Reply(raw=b"", status=302, content_type=HTML,
                 headers={"Location": location, "Cache-Control": "no-store"})


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
    return Reply(raw=json.dumps(body).encode(), status=status, content_type="application/json",
                 headers={"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})})


def _error(status: int, code: str, description: str,
           headers: dict[str, str] | None = None) -> Reply:
    return _json(status, {"error": code, "error_description": description}, headers)


def _page(status: int, title: str, body: str) -> Reply:
    html = (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{escape(title)} | "
            f"Harvest</title></head>\n<body><h1>{escape(title)}</h1>\n{body}\n</body></html>\n")
    return Reply(raw=html.encode(), status=status, content_type=HTML,
                 headers={"Cache-Control": "no-store"})


def _form(ctx: Ctx, wire: Wire, app: dict[str, Any], status: int,
          error: str | None = None) -> Reply:
    # redirect_uri travels as the client sent it (maybe absent): v1's token request must match it.
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(value)}">\n'
        for name, value in (("client_id", app["client_id"]),
                            ("redirect_uri", _field(ctx, "redirect_uri")),
                            ("state", _field(ctx, "state")), ("response_type", "code")))
    message = f'<p class="error" role="alert">{escape(error)}</p>\n' if error else ""
    body = (f"<p><strong>{escape(app['name'])}</strong> {wire.invitation}</p>\n" + message +
            f'<form method="post" action="{wire.form_action}">\n' + hidden +
            '<label>Email <input type="email" name="email" '
            f'value="{escape(_field(ctx, "email"))}" required></label>\n'
            '<label>Password <input type="password" name="password" required></label>\n'
            '<button type="submit">Sign in and authorize</button>\n</form>')
    return _page(status, wire.title, body)
