"""OAuth 2 for server-side apps, as Harvest v1 offered it: authorize, then exchange a code.

1. ``GET /oauth2/authorize?client_id=…&redirect_uri=…&state=…&response_type=code`` shows a
   sign-in page; ``POST /oauth2/authorize`` with the person's email and password redirects to
   ``redirect_uri?code=…&state=…``.
2. ``POST /oauth2/token`` exchanges the code (``grant_type=authorization_code``) or a refresh
   token (``grant_type=refresh_token``) for ``{"access_token", "refresh_token", "token_type":
   "bearer", "expires_in": 64800}``: v1 access tokens lasted 18 hours.

Assumptions where Harvest's v1 pages are silent (RFC 6749 fills the gaps):

- Signing in on the page is the grant: the emulator has no separate "Authorize app" step.
- ``redirect_uri`` must start with the registered one; when given to ``authorize`` the token
  request must repeat it exactly (RFC 6749 §4.1.3). Codes are single-use and last 10 minutes.
- Clients authenticate with ``client_id``/``client_secret`` in the body or HTTP Basic (§2.3.1;
  requests-oauthlib sends Basic by default).
- Refreshing rotates: the refresh token used is revoked and a new pair issued; the old access
  token keeps working until it expires. Refresh tokens do not expire.
- The token endpoint always answers JSON, whatever ``Accept`` says, with RFC 6749 error codes.
"""

from __future__ import annotations

import hmac
import json
import secrets
from base64 import b64decode
from datetime import timedelta
from html import escape
from typing import Any
from urllib.parse import unquote_plus, urlencode

from emulator.clock import iso, parse_iso
from emulator.context import Ctx, Reply, Routes

routes = Routes()

ACCESS_TOKEN_SECONDS = 18 * 3600  # "tokens expire after 18 hours" (v1 server-side apps)
CODE_SECONDS = 10 * 60
HTML = "text/html; charset=utf-8"


@routes("/oauth2/authorize", "GET", public=True, throttled=False)
def authorize_page(ctx: Ctx) -> Reply:
    """The sign-in page; a 400 page for an unknown client or a foreign redirect_uri."""
    app, redirect_uri, problem = _client_and_redirect(ctx)
    if problem:
        return _page(400, "Invalid request", f"<p>{escape(problem)}</p>")
    if _field(ctx, "response_type") not in ("", "code"):
        return _redirect(redirect_uri, {"error": "unsupported_response_type",
                                        "state": _field(ctx, "state")})
    return _form(ctx, app, 200)


@routes("/oauth2/authorize", "POST", public=True, throttled=False)
def authorize_sign_in(ctx: Ctx) -> Reply:
    """Check the person's credentials; 302 to ``redirect_uri?code=…&state=…`` or the form again."""
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
    ctx.store.insert("oauth_codes", code=code, client_id=app["client_id"], user_id=user["id"],
                     redirect_uri=_field(ctx, "redirect_uri") or None,
                     expires_at=iso(ctx.now() + timedelta(seconds=CODE_SECONDS)))
    return _redirect(redirect_uri, {"code": code, "state": _field(ctx, "state")})


@routes("/oauth2/token", "POST", public=True, throttled=False)
def token(ctx: Ctx) -> Reply:
    """Exchange an authorization code or a refresh token for a new token pair."""
    client_id, client_secret = _client_credentials(ctx)
    app = ctx.store.one("SELECT * FROM oauth_clients WHERE client_id = ?", client_id)
    if app is None or not hmac.compare_digest(app["client_secret"].encode(),
                                              client_secret.encode()):
        return _error(401, "invalid_client", "Unknown client or wrong client secret",
                      {"WWW-Authenticate": 'Basic realm="Harvest"'})
    grant = _field(ctx, "grant_type")
    if grant == "authorization_code":
        return _exchange_code(ctx, app)
    if grant == "refresh_token":
        return _refresh(ctx, app)
    if not grant:
        return _error(400, "invalid_request", "grant_type is required")
    return _error(400, "unsupported_grant_type",
                  "grant_type must be authorization_code or refresh_token")


def _exchange_code(ctx: Ctx, app: dict[str, Any]) -> Reply:
    code = _field(ctx, "code")
    if not code:
        return _error(400, "invalid_request", "code is required")
    row = ctx.store.one("SELECT * FROM oauth_codes WHERE code = ?", code)
    if row is None or row["client_id"] != app["client_id"]:
        return _error(400, "invalid_grant", "Unknown authorization code")
    if row["used"]:
        return _error(400, "invalid_grant", "The authorization code was already used")
    ctx.store.execute("UPDATE oauth_codes SET used = 1 WHERE code = ?", code)
    if parse_iso(row["expires_at"]) <= ctx.now():
        return _error(400, "invalid_grant", "The authorization code has expired")
    if row["redirect_uri"] and _field(ctx, "redirect_uri") != row["redirect_uri"]:
        return _error(400, "invalid_grant",
                      "redirect_uri does not match the one given to /oauth2/authorize")
    if not _active(ctx, row["user_id"]):
        return _error(400, "invalid_grant", "The user is deactivated")
    return _issue(ctx, app["client_id"], row["user_id"])


def _refresh(ctx: Ctx, app: dict[str, Any]) -> Reply:
    value = _field(ctx, "refresh_token")
    if not value:
        return _error(400, "invalid_request", "refresh_token is required")
    row = ctx.store.one("SELECT * FROM oauth_tokens WHERE token = ? AND kind = 'refresh'", value)
    if row is None or row["client_id"] != app["client_id"] or row["revoked"]:
        return _error(400, "invalid_grant", "Unknown or revoked refresh token")
    if not _active(ctx, row["user_id"]):
        return _error(400, "invalid_grant", "The user is deactivated")
    ctx.store.execute("UPDATE oauth_tokens SET revoked = 1 WHERE token = ?", value)
    return _issue(ctx, app["client_id"], row["user_id"])


def _issue(ctx: Ctx, client_id: str, user_id: int) -> Reply:
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = iso(ctx.now() + timedelta(seconds=ACCESS_TOKEN_SECONDS))
    ctx.store.insert("oauth_tokens", token=access, kind="access", client_id=client_id,
                     user_id=user_id, expires_at=expires)
    ctx.store.insert("oauth_tokens", token=refresh, kind="refresh", client_id=client_id,
                     user_id=user_id, expires_at=None)
    return _json(200, {"access_token": access, "refresh_token": refresh,
                       "token_type": "bearer", "expires_in": ACCESS_TOKEN_SECONDS})


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


def _form(ctx: Ctx, app: dict[str, Any], status: int, error: str | None = None) -> Reply:
    # redirect_uri travels as the client sent it (maybe absent): the token request must match it.
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(value)}">\n'
        for name, value in (("client_id", app["client_id"]),
                            ("redirect_uri", _field(ctx, "redirect_uri")),
                            ("state", _field(ctx, "state")), ("response_type", "code")))
    message = f'<p class="error" role="alert">{escape(error)}</p>\n' if error else ""
    body = (f"<p><strong>{escape(app['name'])}</strong> would like to access your Harvest "
            "account. Sign in to allow it.</p>\n" + message +
            '<form method="post" action="/oauth2/authorize">\n' + hidden +
            '<label>Email <input type="email" name="email" '
            f'value="{escape(_field(ctx, "email"))}" required></label>\n'
            '<label>Password <input type="password" name="password" required></label>\n'
            '<button type="submit">Sign in and authorize</button>\n</form>')
    return _page(status, "Sign in", body)
