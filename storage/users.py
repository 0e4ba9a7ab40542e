"""Which Harvest account each Slack person linked, and how to reach it.

The credentials are an opaque blob here: the caller encrypts them (``bot.secrets.SecretBox``)
before :meth:`LinkedAccounts.link` and decrypts after :meth:`LinkedAccounts.get`, so this module
never sees a password or a token in clear.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, cast

import sqlite_utils

from storage.db import atomic
from storage.errors import NotFoundError
from storage.timestamps import from_db, to_db

Wire = Literal["v1", "v2"]
AuthKind = Literal["basic", "oauth", "pat"]


@dataclass(frozen=True)
class LinkedAccount:
    """A Slack person's link to one Harvest account.

    ``is_admin`` is a snapshot taken when the link was made or last refreshed: Harvest decides
    who is an administrator, and the bot only uses this to decide what to offer, never to
    authorise (Harvest checks again on every call).
    """

    team_id: str
    user_id: str
    wire: Wire
    base_url: str
    auth_kind: AuthKind
    harvest_user_id: int
    email: str
    timezone: str
    is_admin: bool
    linked_at: datetime
    credentials: bytes = field(repr=False)


_COLUMNS = (
    "team_id, user_id, wire, base_url, auth_kind, harvest_user_id, email, timezone, "
    "is_admin, linked_at, credentials"
)


def _from_row(row: tuple[Any, ...]) -> LinkedAccount:
    return LinkedAccount(
        team_id=row[0],
        user_id=row[1],
        wire=cast(Wire, row[2]),
        base_url=row[3],
        auth_kind=cast(AuthKind, row[4]),
        harvest_user_id=row[5],
        email=row[6],
        timezone=row[7],
        is_admin=bool(row[8]),
        linked_at=from_db(row[9]),
        credentials=bytes(row[10]),
    )


class LinkedAccounts:
    """The repository of :class:`LinkedAccount`, one per Slack team and user."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def link(self, account: LinkedAccount) -> None:
        """Store the link, replacing any earlier link of the same Slack person."""
        with atomic(self._db) as db:
            db.execute(
                f"INSERT OR REPLACE INTO linked_accounts ({_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    account.team_id,
                    account.user_id,
                    account.wire,
                    account.base_url,
                    account.auth_kind,
                    account.harvest_user_id,
                    account.email,
                    account.timezone,
                    int(account.is_admin),
                    to_db(account.linked_at),
                    account.credentials,
                ],
            )

    def unlink(self, team_id: str, user_id: str) -> bool:
        """Forget the link; returns whether there was one."""
        with atomic(self._db) as db:
            cursor = db.execute(
                "DELETE FROM linked_accounts WHERE team_id = ? AND user_id = ?",
                [team_id, user_id],
            )
            return cursor.rowcount > 0

    def get(self, team_id: str, user_id: str) -> LinkedAccount | None:
        """The person's link, or None when they have not connected Harvest."""
        with atomic(self._db) as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM linked_accounts WHERE team_id = ? AND user_id = ?",
                [team_id, user_id],
            ).fetchone()
        return _from_row(row) if row else None

    def all(self, team_id: str | None = None) -> list[LinkedAccount]:
        """Every link, or those of one Slack team, in a stable order (team, user)."""
        where, params = (
            ("WHERE team_id = ?", [team_id]) if team_id is not None else ("", [])
        )
        with atomic(self._db) as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM linked_accounts {where} ORDER BY team_id, user_id",
                params,
            ).fetchall()
        return [_from_row(row) for row in rows]

    def update_credentials(
        self, team_id: str, user_id: str, credentials: bytes
    ) -> None:
        """Replace the encrypted credentials, as when an OAuth token was refreshed.

        :raises NotFoundError: the person is not linked (they disconnected meanwhile).
        """
        with atomic(self._db) as db:
            cursor = db.execute(
                "UPDATE linked_accounts SET credentials = ? WHERE team_id = ? AND user_id = ?",
                [credentials, team_id, user_id],
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"No linked account for {team_id}/{user_id}")

    def update_profile(
        self,
        team_id: str,
        user_id: str,
        *,
        timezone: str | None = None,
        is_admin: bool | None = None,
    ) -> LinkedAccount:
        """Refresh the snapshot of the person's time zone or administrator flag.

        :raises NotFoundError: the person is not linked.
        """
        with atomic(self._db) as db:
            current = self.get(team_id, user_id)
            if current is None:
                raise NotFoundError(f"No linked account for {team_id}/{user_id}")
            updated = replace(
                current,
                timezone=current.timezone if timezone is None else timezone,
                is_admin=current.is_admin if is_admin is None else is_admin,
            )
            db.execute(
                "UPDATE linked_accounts SET timezone = ?, is_admin = ? "
                "WHERE team_id = ? AND user_id = ?",
                [updated.timezone, int(updated.is_admin), team_id, user_id],
            )
        return updated
