"""What every part of the v2 client shares: sending through the right budget, paging, caching.

``HarvestV2Client`` is assembled from ``ResourcesV2Calls`` (projects, people, clients, tasks)
and its own time tracking and reports; they all send through these methods. A call to
``/reports/*`` spends the Reports API budget, every other call the general one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from bot.harvest import paging_v2
from bot.harvest.cache import TtlCache
from bot.harvest.errors import Unavailable
from bot.harvest.pacing import Bucket
from bot.harvest.records import Record
from bot.harvest.session import Reply
from bot.harvest.session_v2 import V2Session

T = TypeVar("T")
Params = Mapping[str, str | int]


def bucket_of(path: str) -> Bucket:
    """Which budget a call spends: ``/reports/...`` has its own (100 per 15 minutes)."""
    return "reports" if path.startswith("/reports/") else "general"


class V2Calls:
    """The plumbing; ``HarvestV2Client.__init__`` sets the attributes."""

    base_url: str
    per_page: int | None
    _general: V2Session
    _reports: V2Session
    _cache: TtlCache
    _utcnow: Callable[[], datetime]

    def _session(self, path: str) -> V2Session:
        return self._reports if bucket_of(path) == "reports" else self._general

    def _now(self) -> datetime:
        return self._utcnow()

    def _path(self, path: str) -> str:
        """The path as errors name it (with the base URL's own path, e.g. ``/v2``)."""
        return urlsplit(self.base_url + path).path

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        body: bytes | None = None,
        idempotent: bool,
    ) -> Reply:
        return self._session(path).call(
            method, self.base_url + path, params=params, body=body, idempotent=idempotent
        )

    def _get(self, path: str, read: Callable[[Any], T], params: Params | None = None) -> T:
        return self._send("GET", path, params=params, idempotent=True).read(read)

    def _list(
        self,
        path: str,
        key: str,
        read: Callable[[list[Record]], T],
        params: Params | None = None,
    ) -> T:
        """Every page of a list (following ``links.next``), read with ``read``."""
        first: dict[str, str | int] = dict(params or {})
        if self.per_page is not None:
            first["per_page"] = self.per_page
        session = self._session(path)

        def fetch(url: str, query: Params | None) -> Any:
            return session.call("GET", url, params=query, idempotent=True).tree

        records = paging_v2.collect(fetch, self.base_url + path, first, key)
        try:
            return read(records)
        except Unavailable as exc:
            if exc.path is not None:
                raise
            raise Unavailable(exc.message, method="GET", path=self._path(path)) from exc

    def _cached(self, key: tuple[Any, ...], load: Callable[[], T]) -> T:
        return self._cache.get_or_load(key, load)
