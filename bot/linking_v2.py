"""Linking through Harvest ID (API v2): a personal access token, or OAuth 2; and which account.

A Harvest ID credential reaches every Harvest account of its person, so a link needs one
account id. It is given (the person typed it), or found with Harvest ID's accounts endpoint:
one Harvest account is taken; several are offered as an :class:`AccountChoice`, and the
credential waits, sealed, in :class:`PendingLinks` until the person picks one (or ten minutes
pass). Nothing here is stored as a link until ``who_am_i`` on the chosen account answered.

The sealed blob of a v2 link (``bot.secrets.SecretBox``)::

    {"kind": "pat", "token": ..., "account_id": "123"}
    {"kind": "oauth", "access_token": ..., "refresh_token": ..., "expires_at": ..., "account_id": "123"}
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from bot.harvest.models import HarvestAccount
from bot.secrets import SecretBox
from storage.installations import OAuthStates

PENDING_NAMESPACE = "harvest_pending"
PENDING_SECONDS = 600


@dataclass(frozen=True)
class AccountChoice:
    """The credential reaches several Harvest accounts: the person picks one with ``key``."""

    key: str
    accounts: tuple[HarvestAccount, ...]
    team_id: str
    user_id: str


@dataclass(frozen=True)
class Pending:
    """A checked credential waiting for the person to pick an account (``secret`` unsealed)."""

    team_id: str
    user_id: str
    timezone: str | None
    secret: dict[str, Any]
    account_ids: tuple[int, ...]


class PendingLinks:
    """Credentials waiting for an account choice: sealed, single-use, short-lived."""

    def __init__(self, db: sqlite_utils.Database, box: SecretBox) -> None:
        self._states = OAuthStates(db, namespace=PENDING_NAMESPACE,
                                   expiration_seconds=PENDING_SECONDS)
        self._box = box

    def hold(self, team_id: str, user_id: str, timezone: str | None, secret: dict[str, Any],
             accounts: list[HarvestAccount]) -> AccountChoice:
        sealed = base64.b64encode(self._box.encrypt(secret)).decode("ascii")
        key = self._states.issue(team_id=team_id, user_id=user_id, timezone=timezone,
                                 sealed=sealed, accounts=[a.id for a in accounts])
        return AccountChoice(key, tuple(accounts), team_id, user_id)

    def take(self, key: str, owner: tuple[str, str]) -> Pending | None:
        """The credential held under ``key`` for ``owner`` (team, user), once; None when
        unknown, used, expired or someone else's (which stays theirs)."""
        data = self._states.consume_data(key, owner=owner)
        if not data:
            return None
        secret = self._box.decrypt(base64.b64decode(str(data["sealed"])))
        return Pending(str(data["team_id"]), str(data["user_id"]), data.get("timezone"), secret,
                       tuple(int(a) for a in data.get("accounts") or ()))


def account_id_text(text: str) -> str:
    """An account id as typed ("  123 "), or ValueError when it is not a number."""
    text = text.strip()
    if not text.isdigit():
        raise ValueError(text)
    return str(int(text))
