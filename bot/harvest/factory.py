"""Which client an account gets, by the wire it speaks: one place, so services never know.

``connect`` returns a ``Connection``: ``harvest`` (a ``HarvestApi``, either wire) and
``coop`` (a ``CoopApi``). A v1 account's client is both. v2 has no Co-op, so a v2 account
gets Co-op only when a Co-op base URL is configured (served by the v1 Co-op client, with the
same credentials unless others are given); otherwise ``coop`` raises ``CoopUnavailable``,
which services show as "Co-op is not available".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.harvest.api import CoopApi, HarvestApi
from bot.harvest.auth import Auth, OAuthTokens
from bot.harvest.client_v1 import HarvestV1Client
from bot.harvest.client_v2 import DEFAULT_BASE_URL, HarvestV2Client
from bot.harvest.errors import CoopUnavailable

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
        if not base_url:
            raise ValueError("a v1 account needs its base URL")
        v1_options = {k: v for k, v in options.items() if k in _V1_OPTIONS | {"format", "pacer"}}
        return HarvestV1Client(base_url, auth, coop_url=coop_url, **v1_options)
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
        if not base_url:
            raise ValueError("a v1 account needs its base URL")
        v1_options = {k: v for k, v in options.items() if k in _V1_OPTIONS | {"format", "pacer"}}
        client = HarvestV1Client(base_url, auth, coop_url=coop_url, **v1_options)
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
