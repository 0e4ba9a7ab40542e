"""The Harvest clients linked people work through, on either wire, over shared connection pools.

:class:`HarvestClients` hands out one client per person: a ``HarvestV1Client`` over the v1
account's pool, or a ``HarvestV2Client`` over API v2's pool (one per host; the pacers keep each
account's budgets apart). Services only see ``HarvestApi`` (and ``CoopApi`` where there is
Co-op): nothing past :meth:`bot.accounts.Accounts.session_for` knows the wire.

Co-op on v2: Harvest API v2 has no Co-op (v2-notes §11), so a v2 person gets Co-op only when a
Co-op base URL is configured, through the v1 Co-op client there, authenticated with the
person's Harvest ID bearer token (their OAuth access token or personal access token). That is
the credential a v2 person has: the bot never asks them for a password. Whether a Co-op server
accepts it is its call (the emulator's does); a refusal reads as "Co-op is unavailable", not as
"connect Harvest again". Without a Co-op URL the client is not a ``CoopApi`` at all, and the
Co-op service says plainly that Co-op is not available.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from bot.harvest.api import CoopApi
from bot.harvest.auth import Auth, OAuthTokens
from bot.harvest.client_v1 import DEFAULT_TIMEOUT, HarvestV1Account, HarvestV1Client, new_pool
from bot.harvest.client_v2 import DEFAULT_BASE_URL, DEFAULT_ID_URL, HarvestV2Client
from bot.harvest.errors import AuthError, CoopUnavailable

COOP_REFUSED_V2 = "Co-op did not accept your Harvest v2 sign-in, so Co-op is not available to you"

#: ``HarvestV2Client`` options among those a caller may give for both wires.
_V2_OPTIONS = frozenset({"user_agent", "pacers", "retry", "per_page", "cache_ttl", "clock",
                         "sleep", "utcnow"})
#: What the v1 Co-op client beside a v2 account takes.
_V1_OPTIONS = frozenset({"retry", "cache_ttl", "clock", "sleep", "utcnow"})
_COOP_METHODS = frozenset(
    name for name in dir(CoopApi) if not name.startswith("_")
)


class CoopBeside:
    """A v2 person's Harvest client with Co-op (v1's client at the Co-op URL) beside it.

    Harvest calls go to ``harvest``; the ``CoopApi`` methods to ``coop``, where a refused token
    becomes ``CoopUnavailable`` (the Harvest link is fine; Co-op just does not take it).
    """

    def __init__(self, harvest: HarvestV2Client, coop: HarvestV1Client) -> None:
        self.harvest = harvest
        self.coop = coop

    def __getattr__(self, name: str) -> Any:
        if name in _COOP_METHODS:
            return _refusal_is_unavailable(getattr(self.coop, name))
        return getattr(self.harvest, name)

    def batch(self) -> CoopBeside:
        return CoopBeside(self.harvest.batch(), self.coop.batch())

    def close(self) -> None:
        self.harvest.close()
        self.coop.close()

    def __repr__(self) -> str:
        return f"CoopBeside({self.harvest!r}, coop_url={self.coop.coop_url!r})"


def _refusal_is_unavailable(method: Any) -> Any:
    if not callable(method):
        return method

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except AuthError:
            raise CoopUnavailable(COOP_REFUSED_V2) from None

    return call


class HarvestClients:
    """One connection pool per Harvest host, one client per person over it.

    :param coop_url: Co-op's base URL: v1 accounts' Co-op (default: the account's ``/coop``),
        and the only Co-op v2 accounts get.
    :param client_options: passed to every client (tests shorten the retry policy here).
    """

    def __init__(self, coop_url: str | None = None, *,
                 transport: httpx.BaseTransport | None = None, **client_options: Any) -> None:
        self._coop_url = coop_url or None
        self._transport = transport
        self._options = client_options
        self._accounts: dict[str, HarvestV1Account] = {}
        self._pools: dict[str, httpx.Client] = {}
        self._lock = threading.Lock()

    @property
    def coop_url(self) -> str | None:
        return self._coop_url

    def __call__(self, base_url: str, auth: Auth) -> HarvestV1Client:
        """A v1 client for the account at ``base_url``."""
        key = base_url.rstrip("/")
        with self._lock:
            account = self._accounts.get(key)
            if account is None:
                account = self._accounts[key] = HarvestV1Account(
                    key, coop_url=self._coop_url, transport=self._transport, **self._options
                )
        return account.client(auth)

    def v2(
        self,
        auth: OAuthTokens,
        account_id: int | str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        id_base_url: str = DEFAULT_ID_URL,
        coop: bool = True,
    ) -> HarvestV2Client | CoopBeside:
        """A v2 client for ``account_id``; with Co-op beside it when a Co-op URL is set.

        :raises ValueError: no account id.
        """
        v2_options = {k: v for k, v in self._options.items() if k in _V2_OPTIONS}
        harvest = HarvestV2Client(auth, account_id, base_url=base_url.rstrip("/"),
                                  id_base_url=id_base_url, http=self._pool(base_url),
                                  **v2_options)
        if not coop or self._coop_url is None:
            return harvest
        co_op = HarvestV1Client(
            self._coop_url, auth, coop_url=self._coop_url, http=self._pool(self._coop_url),
            **{k: v for k, v in self._options.items() if k in _V1_OPTIONS},
        )
        return CoopBeside(harvest, co_op)

    def _pool(self, base_url: str) -> httpx.Client:
        key = httpx.URL(base_url).copy_with(path="/", query=None).__str__()
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._pools[key] = new_pool(self._transport, DEFAULT_TIMEOUT)
            return pool

    def close(self) -> None:
        with self._lock:
            for account in self._accounts.values():
                account.close()
            for pool in self._pools.values():
                pool.close()
            self._accounts.clear()
            self._pools.clear()
