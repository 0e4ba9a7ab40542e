"""Credentials for Harvest v1: HTTP Basic (email + password) or OAuth 2 bearer tokens.

Neither ever shows a secret in ``repr``/``str``, so logging a client, an auth object or an
exception that holds one cannot leak it. ``OAuthTokens`` is mutable on purpose: a refresh
replaces the tokens in place (under a lock, once for many threads), and ``on_refresh`` is
told the new ones so the bot can store them before the old refresh token stops working.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: Refresh a token this long before it expires, so it does not die in flight.
EXPIRY_SKEW = timedelta(seconds=60)

_HIDDEN = "***"


@dataclass(frozen=True, slots=True)
class BasicAuth:
    """Email and password, sent as HTTP Basic on every call."""

    email: str
    password: str = field(repr=False)

    def header(self) -> str:
        token = base64.b64encode(f"{self.email}:{self.password}".encode()).decode("ascii")
        return f"Basic {token}"

    def secrets(self) -> tuple[str, ...]:
        """What must never appear in a message (the password, and the header it makes)."""
        return (self.password, self.header().split(" ", 1)[1])

    def __repr__(self) -> str:
        return f"BasicAuth(email={self.email!r}, password={_HIDDEN})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class RefreshedTokens:
    """What a refresh produced: store both tokens, the old refresh token may now be dead."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None

    def __repr__(self) -> str:
        return f"RefreshedTokens(access_token={_HIDDEN}, refresh_token={_HIDDEN}, expires_at={self.expires_at!r})"


class OAuthTokens:
    """An OAuth 2 bearer token, with what is needed to refresh it (all optional but the token)."""

    def __init__(
        self,
        access_token: str,
        refresh_token: str | None = None,
        expires_at: datetime | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_url: str | None = None,
        on_refresh: Callable[[RefreshedTokens], None] | None = None,
    ) -> None:
        self._access_token = access_token
        self._refresh_token = refresh_token
        self._expires_at = expires_at
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self.on_refresh = on_refresh
        #: Held while refreshing, so concurrent callers wait for one refresh.
        self.lock = threading.RLock()

    @property
    def access_token(self) -> str:
        return self._access_token

    @property
    def refresh_token(self) -> str | None:
        return self._refresh_token

    @property
    def client_secret(self) -> str | None:
        return self._client_secret

    @property
    def expires_at(self) -> datetime | None:
        return self._expires_at

    def header(self) -> str:
        return f"Bearer {self._access_token}"

    def can_refresh(self) -> bool:
        return bool(self._refresh_token and self.client_id and self._client_secret)

    def expiring(self, now: datetime) -> bool:
        """Whether the token is (about to be) expired at ``now``."""
        return self._expires_at is not None and now >= self._expires_at - EXPIRY_SKEW

    def replace(self, tokens: RefreshedTokens) -> None:
        """Adopt refreshed tokens (a server that does not rotate keeps the old refresh token)."""
        with self.lock:
            self._access_token = tokens.access_token
            if tokens.refresh_token:
                self._refresh_token = tokens.refresh_token
            self._expires_at = tokens.expires_at

    def secrets(self) -> tuple[str, ...]:
        """What must never appear in a message."""
        return tuple(s for s in (self._access_token, self._refresh_token, self._client_secret) if s)

    def __repr__(self) -> str:
        return (
            f"OAuthTokens(access_token={_HIDDEN}, refresh_token={_HIDDEN}, "
            f"expires_at={self._expires_at!r}, client_id={self.client_id!r})"
        )

    __str__ = __repr__


Auth = BasicAuth | OAuthTokens


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret replaced: for messages built from what a server said."""
    for secret in sorted(secrets, key=len, reverse=True):
        # Shorter strings would blank out ordinary words; no real credential is that short.
        if len(secret) >= 4:
            text = text.replace(secret, _HIDDEN)
    return text
