"""Slack installations (multi-workspace OAuth) and OAuth state, kept in the bot's database.

slack_sdk's own SQLite stores keep bot and user tokens in clear. :class:`EncryptedInstallationStore`
keeps only the lookup keys in clear (enterprise, team, user) and seals each whole installation
with the :class:`Cipher` it is given, so a copied database file yields no token.

Both stores implement slack_sdk's sync interface and its async twin (``AsyncApp`` checks for
the latter). The async methods run the SQLite work inline: it is a local, indexed, short
transaction, cheaper than a hop to a thread.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

import sqlite_utils
from slack_sdk.oauth.installation_store.async_installation_store import (
    AsyncInstallationStore,
)
from slack_sdk.oauth.installation_store.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.state_store import OAuthStateStore

from storage.db import atomic


class Cipher(Protocol):
    """What the store needs from ``bot.secrets.SecretBox``."""

    def encrypt(self, data: Mapping[str, Any]) -> bytes: ...

    def decrypt(self, token: bytes) -> dict[str, Any]: ...


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """slack_sdk's copy dicts hold datetimes; its constructors take Unix seconds as well.

    Expiry times go back as whole seconds: slack_sdk refuses a float there.
    """
    plain = {
        key: (int(v.timestamp()) if key.endswith("expires_at") else v.timestamp())
        if isinstance(v, datetime)
        else v
        for key, v in values.items()
    }
    for key in ("bot_scopes", "user_scopes"):
        if key in plain and plain[key] is None:
            plain[key] = ""
    return plain


def _workspace(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
) -> tuple[str, str]:
    # An org-wide install belongs to the enterprise, not to whichever team ran the install.
    return (
        enterprise_id or "",
        "" if is_enterprise_install or team_id is None else team_id,
    )


class EncryptedInstallationStore(InstallationStore, AsyncInstallationStore):
    """slack_sdk installation store over SQLite with every token encrypted.

    Keeps the latest installation per (enterprise, team, user) and the latest bot per
    (enterprise, team); ``find_installation`` without a user returns the workspace's most
    recently saved one, and always carries the workspace's latest bot token (as slack_sdk's
    stores do, so a user-level lookup after a bot token rotation gets the new token).
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        cipher: Cipher,
        *,
        client_id: str,
        logger: logging.Logger | None = None,
    ) -> None:
        self._db = db
        self._cipher = cipher
        self.client_id = client_id
        self._logger = logger or logging.getLogger(__name__)

    def __repr__(self) -> str:
        return f"EncryptedInstallationStore(client_id={self.client_id!r})"

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    # -- sync -------------------------------------------------------------------------------

    def save(self, installation: Installation) -> None:
        enterprise_id, team_id = _workspace(
            installation.enterprise_id,
            installation.team_id,
            installation.is_enterprise_install,
        )
        sealed = self._cipher.encrypt(_plain(installation.to_dict_for_copying()))
        with atomic(self._db) as db:
            # REPLACE deletes then inserts, so the newest save has the highest rowid.
            db.execute(
                "INSERT OR REPLACE INTO slack_installations "
                "(client_id, enterprise_id, team_id, user_id, has_bot_token, installation) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    self.client_id,
                    enterprise_id,
                    team_id,
                    installation.user_id or "",
                    int(installation.bot_token is not None),
                    sealed,
                ],
            )
            if installation.bot_token is not None:
                self.save_bot(installation.to_bot())

    def save_bot(self, bot: Bot) -> None:
        if bot.bot_token is None:
            return
        enterprise_id, team_id = _workspace(
            bot.enterprise_id, bot.team_id, bot.is_enterprise_install
        )
        sealed = self._cipher.encrypt(_plain(bot.to_dict_for_copying()))
        with atomic(self._db) as db:
            db.execute(
                "INSERT OR REPLACE INTO slack_bots (client_id, enterprise_id, team_id, bot) "
                "VALUES (?, ?, ?, ?)",
                [self.client_id, enterprise_id, team_id, sealed],
            )

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        enterprise_id, team_id = _workspace(
            enterprise_id, team_id, is_enterprise_install
        )
        with atomic(self._db) as db:
            row = db.execute(
                "SELECT bot FROM slack_bots WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
                [self.client_id, enterprise_id, team_id],
            ).fetchone()
        return Bot(**self._cipher.decrypt(row[0])) if row else None

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        enterprise, team = _workspace(enterprise_id, team_id, is_enterprise_install)
        query = (
            "SELECT installation FROM slack_installations "
            "WHERE client_id = ? AND enterprise_id = ? AND team_id = ?"
        )
        params = [self.client_id, enterprise, team]
        if user_id is not None:
            query += " AND user_id = ?"
            params.append(user_id)
        with atomic(self._db) as db:
            row = db.execute(query + " ORDER BY rowid DESC LIMIT 1", params).fetchone()
        if row is None:
            return None
        installation = Installation(**self._cipher.decrypt(row[0]))
        if user_id is not None or installation.bot_token is None:
            bot = self.find_bot(
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=is_enterprise_install,
            )
            if bot is not None:
                installation.bot_token = bot.bot_token
                installation.bot_id = bot.bot_id
                installation.bot_user_id = bot.bot_user_id
                installation.bot_scopes = bot.bot_scopes
                installation.bot_refresh_token = bot.bot_refresh_token
                installation.bot_token_expires_at = bot.bot_token_expires_at
        return installation

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        with atomic(self._db) as db:
            db.execute(
                "DELETE FROM slack_bots WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
                [self.client_id, enterprise_id or "", team_id or ""],
            )

    def delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        query = (
            "DELETE FROM slack_installations "
            "WHERE client_id = ? AND enterprise_id = ? AND team_id = ?"
        )
        params = [self.client_id, enterprise_id or "", team_id or ""]
        if user_id is not None:
            query += " AND user_id = ?"
            params.append(user_id)
        with atomic(self._db) as db:
            db.execute(query, params)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        with atomic(self._db):
            self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
            self.delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    # -- async twins ------------------------------------------------------------------------

    async def async_save(self, installation: Installation) -> None:
        self.save(installation)

    async def async_save_bot(self, bot: Bot) -> None:
        self.save_bot(bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return self.find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return self.find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(
        self, *, enterprise_id: str | None, team_id: str | None
    ) -> None:
        self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        self.delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    async def async_delete_all(
        self, *, enterprise_id: str | None, team_id: str | None
    ) -> None:
        self.delete_all(enterprise_id=enterprise_id, team_id=team_id)


class OAuthStates(OAuthStateStore, AsyncOAuthStateStore):
    """Single-use OAuth ``state`` values with an expiry, optionally carrying a little data.

    Slack's install flow uses :meth:`issue` and :meth:`consume` through slack_sdk. The Harvest
    connect flow (a separate ``namespace``) also needs to know who started it when the callback
    arrives: ``issue(team_id=..., user_id=...)`` then :meth:`consume_data`. The data is stored in
    clear, so it must hold no secret.
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        *,
        namespace: str = "slack",
        expiration_seconds: int = 600,
        clock: Callable[[], float] = time.time,
        logger: logging.Logger | None = None,
    ) -> None:
        self._db = db
        self.namespace = namespace
        self.expiration_seconds = expiration_seconds
        self._clock = clock
        self._logger = logger or logging.getLogger(__name__)

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    def issue(self, *args: Any, **data: Any) -> str:
        """A new random state; keyword arguments are kept with it for :meth:`consume_data`."""
        state = secrets.token_urlsafe(24)
        now = self._clock()
        with atomic(self._db) as db:
            db.execute(
                "DELETE FROM oauth_states WHERE namespace = ? AND expires_at <= ?",
                [self.namespace, now],
            )
            db.execute(
                "INSERT INTO oauth_states (namespace, state, data, expires_at) VALUES (?, ?, ?, ?)",
                [
                    self.namespace,
                    state,
                    json.dumps(data),
                    now + self.expiration_seconds,
                ],
            )
        return state

    def consume_data(self, state: str, *, owner: tuple[str, str] | None = None
                     ) -> dict[str, Any] | None:
        """The data issued with ``state``, or None when unknown, expired or already used.

        A state opens at most once, even when two callbacks race. With ``owner``, only for the
        ``(team_id, user_id)`` it was issued with: someone else's attempt (a forged click that
        names it) leaves it for its owner.
        """
        match, params = "", [self.namespace, state]
        if owner is not None:
            match = (" AND json_extract(data, '$.team_id') = ? "
                     "AND json_extract(data, '$.user_id') = ?")
            params += list(owner)
        with atomic(self._db) as db:
            rows = db.execute(
                "DELETE FROM oauth_states WHERE namespace = ? AND state = ?"
                f"{match} RETURNING data, expires_at",
                params,
            ).fetchall()
        if not rows or rows[0][1] <= self._clock():
            return None
        data: dict[str, Any] = json.loads(rows[0][0])
        return data

    def consume(self, state: str) -> bool:
        return self.consume_data(state) is not None

    async def async_issue(self, *args: Any, **data: Any) -> str:
        return self.issue(*args, **data)

    async def async_consume(self, state: str) -> bool:
        return self.consume(state)
