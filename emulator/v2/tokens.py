"""Personal access tokens (Harvest ID → Developers), and the shape of every v2 token.

A personal access token reaches all of its person's accounts, which is why every v2 request also
names the account (``Harvest-Account-Id``). Real ones look like ``2180165.pt.<random>``; the
emulator's do too, so a client that logs a token prefix sees something familiar.

Assumption (undocumented): personal access tokens do not expire; they work until revoked.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from emulator.clock import iso
from emulator.store import Store


def new_personal_token(store: Store, user_id: int, now: datetime, name: str = "harvest-bot") -> str:
    """Create and store a personal access token for ``user_id``; returns the token."""
    token = f"{user_id}.pt.{secrets.token_urlsafe(40)}"
    store.insert("personal_access_tokens", token=token, user_id=user_id, name=name,
                 created_at=iso(now))
    return token


def personal_tokens(store: Store) -> dict[int, str]:
    """Each person's oldest token that is not revoked, by user id (what the seed printed)."""
    tokens: dict[int, str] = {}
    for row in store.all("SELECT user_id, token FROM personal_access_tokens WHERE revoked = 0 "
                         "ORDER BY id"):
        tokens.setdefault(row["user_id"], row["token"])
    return tokens
