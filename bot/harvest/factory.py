"""Which client an account gets, by the wire it speaks: one place, so services never know.

``connect`` returns a ``Connection``: ``harvest`` (a ``HarvestApi``, either wire) and
``coop`` (a ``CoopApi``). A v1 account's client is both. v2 has no Co-op, so a v2 account
gets Co-op only when a Co-op base URL is configured (served by the v1 Co-op client, with the
same credentials unless others are given); otherwise ``coop`` raises ``CoopUnavailable``,
which services show as "Co-op is not available".
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from bot.harvest.api import CoopApi, HarvestApi
from bot.harvest.auth import Auth, OAuthTokens
from bot.harvest.client_v1 import HarvestV1Client
from bot.harvest.client_v2 import DEFAULT_BASE_URL, HarvestV2Client
from bot.harvest.errors import CoopUnavailable
from bot.harvest.pacing import account_key
from bot.harvest.pool import DEFAULT_TIMEOUT, new_pool

Wire = Literal["v1", "v2"]
WIRES: tuple[Wire, ...] = ("v1", "v2")

COOP_UNAVAILABLE = (
    "Co-op is not available for this Harvest account: Harvest API v2 has no Co-op, "
    "and no Co-op URL is configured"
)

#: What the v1 client takes among the options a caller may pass for either wire.
_V1_OPTIONS = frozenset(
    {"transport", "timeout", "http", "retry", "priority", "cache_ttl", "clock", "sleep", "utcnow"}
)


@dataclass(eq=False)
class Connection:
    """What one person talks to: Harvest over their account's wire, and Co-op if any."""

    wire: Wire
    harvest: HarvestApi
    _coop: CoopApi | None = field(default=None, repr=False)

    @property
    def has_coop(self) -> bool:
        return self._coop is not None

    @property
    def coop(self) -> CoopApi:
        """:raises CoopUnavailable: a v2 account without a configured Co-op URL."""
        if self._coop is None:
            raise CoopUnavailable(COOP_UNAVAILABLE)
        return self._coop

    def close(self) -> None:
        for part in {id(p): p for p in (self.harvest, self._coop) if p is not None}.values():
            close = getattr(part, "close", None)
            if close is not None:
                close()


def _v1_client(
    auth: Auth, base_url: str | None, coop_url: str | None, options: dict[str, Any]
) -> HarvestV1Client:
    """A v1 account's client, from the options either wire may be given (v1 keeps its own)."""
    if not base_url:
        raise ValueError("a v1 account needs its base URL")
    v1_options = {k: v for k, v in options.items() if k in _V1_OPTIONS | {"format", "pacer"}}
    return HarvestV1Client(base_url, auth, coop_url=coop_url, **v1_options)


def open_client(
    wire: Wire,
    auth: Auth,
    *,
    base_url: str | None = None,
    account_id: int | str | None = None,
    coop_url: str | None = None,
    **options: Any,
) -> HarvestV1Client | HarvestV2Client:
    """The Harvest client for ``wire``.

    :param base_url: v1: the account (required); v2: the API (default Harvest's).
    :param account_id: v2 only: ``Harvest-Account-Id`` (a ``PersonalToken`` brings its own).
    :param coop_url: v1 only: Co-op's base URL.
    :raises ValueError: an unknown wire, or what that wire's client needs is missing.
    """
    if wire == "v1":
        return _v1_client(auth, base_url, coop_url, options)
    if wire == "v2":
        if not isinstance(auth, OAuthTokens):
            raise ValueError("a v2 account needs a bearer token (OAuth or personal access token)")
        return HarvestV2Client(auth, account_id, base_url=base_url or DEFAULT_BASE_URL, **options)
    raise ValueError(f"unknown wire {wire!r}: expected one of {', '.join(WIRES)}")


def connect(
    wire: Wire,
    auth: Auth,
    *,
    base_url: str | None = None,
    account_id: int | str | None = None,
    coop_url: str | None = None,
    coop_auth: Auth | None = None,
    **options: Any,
) -> Connection:
    """Harvest and Co-op for one person (see the module docstring).

    :param coop_url: v1: defaults to ``{base_url}/coop``; v2: Co-op only if given.
    :param coop_auth: v2: Co-op's credentials, if not the Harvest ones.
    :param options: the clients' own (``transport``, ``retry``, ``per_page``...); the Co-op
        client of a v2 account takes those v1 knows.
    """
    if wire == "v1":
        client = _v1_client(auth, base_url, coop_url, options)
        return Connection("v1", client, client)
    harvest = open_client(wire, auth, base_url=base_url, account_id=account_id, **options)
    coop = None
    if coop_url:
        coop = HarvestV1Client(
            coop_url,
            coop_auth or auth,
            coop_url=coop_url,
            **{k: v for k, v in options.items() if k in _V1_OPTIONS},
        )
    return Connection(wire, harvest, coop)


class Connections:
    """Connections for many people over one connection pool per Harvest host.

    What the bot keeps open: every v2 account shares ``api.harvestapp.com``'s pool (the
    pacers still keep each account's budgets apart); each v1 account has its own.

    :param coop_url: Co-op for v2 accounts (v1 accounts default to their own ``/coop``).
    :param transport: for tests; :param options: passed to every client.
    """

    def __init__(
        self,
        *,
        coop_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        **options: Any,
    ) -> None:
        self._coop_url = coop_url or None
        self._transport = transport
        self._timeout = timeout
        self._options = options
        self._pools: dict[str, httpx.Client] = {}
        self._lock = threading.Lock()

    def connect(
        self,
        wire: Wire,
        auth: Auth,
        *,
        base_url: str | None = None,
        account_id: int | str | None = None,
    ) -> Connection:
        """One person's ``Connection`` (see ``connect``); closing it leaves the pool open."""
        host = base_url or (DEFAULT_BASE_URL if wire == "v2" else "")
        return connect(
            wire,
            auth,
            base_url=base_url,
            account_id=account_id,
            coop_url=self._coop_url if wire == "v2" else None,
            http=self._pool(host),
            **self._options,
        )

    def _pool(self, base_url: str) -> httpx.Client:
        key = account_key(base_url)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._pools[key] = new_pool(self._transport, self._timeout)
            return pool

    def close(self) -> None:
        with self._lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()
