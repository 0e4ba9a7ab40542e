"""What every part of the v1 client shares: sending through the session, and the cache.

``HarvestV1Client`` is assembled from ``ExtendedV1Calls`` (projects, people, clients, tasks),
``CoopV1Calls`` and its own time tracking and reports; they all send through these methods.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from bot.harvest.cache import TtlCache
from bot.harvest.documents import Format
from bot.harvest.scalars import format_report_day
from bot.harvest.session import Reply, Session

T = TypeVar("T")


class V1Calls:
    """The plumbing; ``HarvestV1Client.__init__`` sets the attributes."""

    base_url: str
    coop_url: str
    format: Format
    _session: Session
    _cache: TtlCache

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int] | None = None,
        body: bytes | None = None,
        idempotent: bool,
    ) -> Reply:
        return self._session.call(
            method,
            self.base_url + path,
            params=params,
            body=body,
            idempotent=idempotent,
        )

    def _get(
        self,
        path: str,
        read: Callable[[Any], T],
        params: dict[str, str | int] | None = None,
    ) -> T:
        return self._send("GET", path, params=params, idempotent=True).read(read)

    def _cached(self, key: tuple[Any, ...], load: Callable[[], T]) -> T:
        return self._cache.get_or_load(key, load)

    def _cached_get(self, key: tuple[Any, ...], path: str, read: Callable[[Any], T]) -> T:
        """``GET path`` read with ``read``, through the cache under ``key``: how every v1
        lookup of the account's things is made."""
        return self._cached(key, lambda: self._get(path, read))

    @staticmethod
    def _of(of_user: int | None) -> dict[str, str | int] | None:
        return None if of_user is None else {"of_user": of_user}

    @staticmethod
    def _span(start: date, end: date, **extra: int | None) -> dict[str, str | int]:
        params: dict[str, str | int] = {
            "from": format_report_day(start),
            "to": format_report_day(end),
        }
        params.update({key: value for key, value in extra.items() if value is not None})
        return params

    def _coop(
        self, method: str, path: str, *, body: bytes | None = None, idempotent: bool
    ) -> Reply:
        return self._session.call(method, self.coop_url + path, body=body, idempotent=idempotent)

    def _coop_get(self, path: str, read: Callable[[Any], T]) -> T:
        return self._coop("GET", path, idempotent=True).read(read)
