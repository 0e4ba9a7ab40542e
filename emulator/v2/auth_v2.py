"""Who is calling API v2, and for which account [OV, AU, GAS].

Every request sends ``User-Agent`` (else 400), ``Authorization: Bearer <token>`` and
``Harvest-Account-Id: <account id>`` (or ``?access_token=…&account_id=…``). A token is a
personal access token or an access token from Harvest ID's OAuth (:mod:`emulator.v2.identity`);
header names are matched case-insensitively, as HTTP has it (the official examples spell both
``Harvest-Account-Id`` and ``Harvest-Account-ID``).

Refusals: no token, an unknown, revoked or expired one, a deactivated person, or a missing or
foreign account id all answer 401 ``invalid_token`` (the missing account id per [GAS], an
assumption beyond the docs).

Assumptions: v2 has no HTTP Basic, so v1 credentials are refused with a 401 that says so; and
v1's OAuth tokens are not v2 tokens ("v1 OAuth tokens are invalid in v2" [MIG]): the two live in
different tables (``oauth_tokens`` for v1, ``id_oauth_tokens`` and ``personal_access_tokens``
for v2), so neither wire accepts the other's. A header token wins over ``?access_token=``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.clock import Clock, iso, parse_iso
from emulator.errors import ApiError
from emulator.store import Store
from emulator.v2.context import InvalidToken

NO_BASIC = ("API v2 does not accept HTTP Basic authentication: send a personal access token or "
            "an OAuth 2 access token as Authorization: Bearer <token>")
NO_ACCOUNT = ("The Harvest-Account-Id header (or account_id parameter) is missing or names an "
              "account this token cannot reach")


def require_user_agent(headers: Mapping[str, str]) -> None:
    """:raises ApiError: 400 when ``User-Agent`` is missing or blank [OV]."""
    if not headers.get("user-agent", "").strip():
        raise ApiError(400, "Missing User-Agent header: send one naming your application and a "
                            "contact, e.g. MyApp (yourname@example.com)")


def bearer_token(headers: Mapping[str, str], query: Mapping[str, Any]) -> str:
    """The token sent, from the ``Authorization`` header or ``?access_token=``.

    :raises InvalidToken: none sent (with a word about Basic when that was tried).
    """
    scheme, _, value = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    token = query.get("access_token")
    if isinstance(token, str) and token.strip():
        return token.strip()
    raise InvalidToken(NO_BASIC if scheme.lower() == "basic" else
                       "No access token: send Authorization: Bearer <token>")


def token_user(store: Store, clock: Clock, token: str) -> dict[str, Any]:
    """The person a v2 token belongs to; a personal token's ``last_used_at`` is recorded.

    :raises InvalidToken: unknown, revoked or expired, or its person is deactivated.
    """
    row = store.one("SELECT user_id, expires_at FROM id_oauth_tokens "
                    "WHERE token = ? AND kind = 'access' AND revoked = 0", token)
    if row is not None:
        if row["expires_at"] and parse_iso(row["expires_at"]) <= clock.now():
            raise InvalidToken()
    else:
        row = store.one("SELECT id, user_id FROM personal_access_tokens "
                        "WHERE token = ? AND revoked = 0", token)
        if row is None:
            raise InvalidToken()
        store.execute("UPDATE personal_access_tokens SET last_used_at = ? WHERE id = ?",
                      iso(clock.now()), row["id"])
    user = store.one("SELECT * FROM users WHERE id = ?", row["user_id"])
    if user is None or not user["is_active"]:
        raise InvalidToken()
    return user


def authenticate(store: Store, clock: Clock, headers: Mapping[str, str],
                 query: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The caller and the account they name.

    :raises InvalidToken: see the module docstring.
    """
    user = token_user(store, clock, bearer_token(headers, query))
    named = headers.get("harvest-account-id", "").strip()
    if not named and isinstance(query.get("account_id"), str):
        named = query["account_id"].strip()
    account = store.account()
    if named != str(account["harvest_id"]):
        raise InvalidToken(NO_ACCOUNT)
    return user, account
