"""The connection pool a Harvest client talks over, and when to close it.

Both wires' clients either share a pool with the account's other clients (handed in) or make
their own; only one they made is theirs to close. That rule, and the context-manager
lifecycle built on it, live here once so the v1 and v2 clients cannot drift apart on it.
"""

from __future__ import annotations

from typing import Self

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
#: Enough for the bot's threads; more would only queue behind the pacer anyway.
POOL_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10)


def new_pool(
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
) -> httpx.Client:
    """A connection pool for one account (redirects are not followed: Harvest does not send them)."""
    return httpx.Client(
        transport=transport, timeout=timeout, limits=POOL_LIMITS, follow_redirects=False
    )


class PoolHolder:
    """Holds a pool; ``close`` (or leaving a ``with`` block) closes it only if it made it."""

    _http: httpx.Client
    _owns_http: bool

    def _hold_pool(
        self,
        http: httpx.Client | None,
        transport: httpx.BaseTransport | None,
        timeout: httpx.Timeout | float,
    ) -> None:
        """Use ``http`` (shared, left open by ``close``), else a new pool of its own."""
        self._owns_http = http is None
        self._http = http if http is not None else new_pool(transport, timeout)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
