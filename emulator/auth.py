"""Who is calling: HTTP Basic (email + password) or an OAuth 2 bearer token.

v1 took the token in ``Authorization: Bearer …`` or as ``?access_token=…``. Real clients send
odd mixtures, so the order is: valid Basic credentials win (an unknown ``access_token`` in the
query string is then ignored, as the issue's wire notes say real v1 did); otherwise a bearer
header; otherwise the query token. Deactivated people cannot sign in.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from emulator.clock import Clock, parse_iso
from emulator.errors import Unauthorized
from emulator.store import Store


def authenticate(store: Store, clock: Clock, authorization: str | None,
                 query_token: str | None) -> dict[str, Any]:
    """The signed-in user.

    :raises Unauthorized: no credentials, wrong password, unknown, revoked or expired token.
    """
    scheme, _, value = (authorization or "").strip().partition(" ")
    scheme = scheme.lower()
    if scheme == "basic":
        return _basic(store, value.strip())
    if scheme == "bearer" and value.strip():
        return _bearer(store, clock, value.strip())
    if query_token:
        return _bearer(store, clock, query_token.strip())
    raise Unauthorized("Authentication required: HTTP Basic or an OAuth 2 access token")


def _basic(store: Store, encoded: str) -> dict[str, Any]:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Unauthorized("Malformed Basic credentials") from None
    email, sep, password = decoded.partition(":")
    if not sep:
        raise Unauthorized("Malformed Basic credentials")
    user = store.one("SELECT * FROM users WHERE email = ?", email.strip())
    if user is None or not hmac.compare_digest(user["password"].encode(), password.encode()):
        raise Unauthorized("Wrong email or password")
    if not user["is_active"]:
        raise Unauthorized("This user is deactivated")
    return user


def _bearer(store: Store, clock: Clock, token: str) -> dict[str, Any]:
    row = store.one(
        "SELECT * FROM oauth_tokens WHERE token = ? AND kind = 'access' AND revoked = 0", token
    )
    if row is None:
        raise Unauthorized("Invalid access token")
    if row["expires_at"] and parse_iso(row["expires_at"]) <= clock.now():
        raise Unauthorized("Expired access token")
    user = store.one("SELECT * FROM users WHERE id = ?", row["user_id"])
    if user is None or not user["is_active"]:
        raise Unauthorized("Invalid access token")
    return user
