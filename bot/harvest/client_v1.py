"""``HarvestV1Client``: Harvest API v1 and Co-op over HTTP, one method per endpoint.

It implements ``HarvestApi`` and ``CoopApi``. The wire (paths, query strings, XML or JSON)
stays in here, ``bodies_v1`` and ``parse_v1``; callers get dataclasses and typed errors.
Clients of one account share its pacer (``pacing.shared_pacers``); ``HarvestV1Account`` also
shares one connection pool among the clients it makes, one per person.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as clock_time
from typing import Any, TypeVar

import httpx

from bot.harvest import bodies_v1, parse_v1
from bot.harvest.auth import Auth
from bot.harvest.cache import TtlCache
from bot.harvest.coop_v1 import CoopV1Calls
from bot.harvest.documents import Format
from bot.harvest.extended_v1 import ExtendedV1Calls
from bot.harvest.models import (
    Day,
    Entry,
    Expense,
    Identity,
    RateLimitStatus,
    TimerToggle,
)
from bot.harvest.pacing import Pacer, Priority, shared_pacers
from bot.harvest.pool import DEFAULT_TIMEOUT, PoolHolder
from bot.harvest.pool import new_pool as new_pool  # where bot.linking still imports it from
from bot.harvest.session import DEFAULT_RETRY, RetryPolicy, Session

T = TypeVar("T")


class HarvestV1Client(PoolHolder, ExtendedV1Calls, CoopV1Calls):
    """One person's view of a Harvest v1 account (and its Co-op)."""

    def __init__(
        self,
        base_url: str,
        auth: Auth,
        *,
        coop_url: str | None = None,
        format: Format = "json",
        pacer: Pacer | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        http: httpx.Client | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        priority: Priority = "interactive",
        cache_ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """
        :param base_url: the account, e.g. ``https://acme.harvestapp.com``.
        :param coop_url: Co-op's base URL; defaults to ``{base_url}/coop``.
        :param pacer: defaults to the account's shared pacer.
        :param transport: for tests (``httpx.MockTransport``); ignored when ``http`` is given.
        :param http: a pool shared with other clients of the account; not closed by ``close``.
        """
        if format not in ("json", "xml"):
            raise ValueError(f"format must be 'json' or 'xml', not {format!r}")
        self.base_url = base_url.rstrip("/")
        self.coop_url = (coop_url or f"{self.base_url}/coop").rstrip("/")
        self.format: Format = format
        self._hold_pool(http, transport, timeout)
        self._session = Session(
            self._http,
            auth,
            fmt=format,
            pacer=pacer if pacer is not None else shared_pacers.for_account(self.base_url),
            token_url=f"{self.base_url}/oauth2/token",
            retry=retry,
            priority=priority,
            sleep=sleep,
            utcnow=utcnow,
        )
        self._cache = TtlCache(cache_ttl, clock=clock)
        self._clock, self._sleep, self._utcnow = clock, sleep, utcnow

    def batch(self) -> HarvestV1Client:
        """The same person's client for background work: it yields to interactive calls."""
        return HarvestV1Client(
            self.base_url,
            self._session.auth,
            coop_url=self.coop_url,
            format=self.format,
            pacer=self._session.pacer,
            http=self._http,
            retry=self._session.retry,
            priority="batch",
            cache_ttl=self._cache.ttl,
            clock=self._clock,
            sleep=self._sleep,
            utcnow=self._utcnow,
        )

    def __repr__(self) -> str:
        return f"HarvestV1Client({self.base_url!r}, {self._session.auth!r}, format={self.format!r})"

    # --- who and where -----------------------------------------------------------------------

    def who_am_i(self) -> Identity:
        return self._get("/account/who_am_i", parse_v1.identity)

    def rate_limit_status(self) -> RateLimitStatus:
        return self._get("/account/rate_limit_status", parse_v1.rate_limit_status)

    # --- time tracking -----------------------------------------------------------------------

    def day(self, day: date | None = None, *, of_user: int | None = None) -> Day:
        path = "/daily" if day is None else f"/daily/{day.timetuple().tm_yday}/{day.year}"
        return self._get(path, parse_v1.day, self._of(of_user))

    def entry(self, entry_id: int, *, of_user: int | None = None) -> Entry:
        return self._get(f"/daily/show/{entry_id}", parse_v1.entry, self._of(of_user))

    def add_entry(
        self,
        project_id: int,
        task_id: int,
        spent_at: date,
        *,
        hours: float | None = None,
        notes: str = "",
        started_at: clock_time | None = None,
        ended_at: clock_time | None = None,
        of_user: int | None = None,
    ) -> Entry:
        body = bodies_v1.entry_body(
            self.format,
            project_id=project_id,
            task_id=task_id,
            spent_at=spent_at,
            hours=hours,
            notes=notes,
            started_at=started_at,
            ended_at=ended_at,
            start_timer=hours is None and started_at is None and ended_at is None,
        )
        return self._post_add(body, of_user)

    def start_timer(
        self,
        project_id: int,
        task_id: int,
        *,
        notes: str = "",
        spent_at: date | None = None,
        of_user: int | None = None,
    ) -> Entry:
        body = bodies_v1.entry_body(
            self.format,
            project_id=project_id,
            task_id=task_id,
            spent_at=spent_at,
            notes=notes,
            start_timer=True,
        )
        return self._post_add(body, of_user)

    def _post_add(self, body: bytes, of_user: int | None) -> Entry:
        # Never repeated: a second POST would log the time twice.
        reply = self._send(
            "POST", "/daily/add", params=self._of(of_user), body=body, idempotent=False
        )
        return reply.read(parse_v1.entry)

    def toggle_timer(self, entry_id: int, *, of_user: int | None = None) -> TimerToggle:
        # A GET that changes state: repeating it would toggle the timer back.
        reply = self._send(
            "GET",
            f"/daily/timer/{entry_id}",
            params=self._of(of_user),
            idempotent=False,
        )
        return reply.read(parse_v1.timer)

    def update_entry(
        self,
        entry_id: int,
        *,
        project_id: int | None = None,
        task_id: int | None = None,
        spent_at: date | None = None,
        hours: float | None = None,
        notes: str | None = None,
        started_at: clock_time | None = None,
        ended_at: clock_time | None = None,
        of_user: int | None = None,
    ) -> Entry:
        body = bodies_v1.entry_body(
            self.format,
            project_id=project_id,
            task_id=task_id,
            spent_at=spent_at,
            hours=hours,
            notes=notes,
            started_at=started_at,
            ended_at=ended_at,
        )
        # A POST, but it sets values rather than adding to them, so repeating it is harmless.
        reply = self._send(
            "POST",
            f"/daily/update/{entry_id}",
            params=self._of(of_user),
            body=body,
            idempotent=True,
        )
        return reply.read(parse_v1.entry)

    def delete_entry(self, entry_id: int, *, of_user: int | None = None) -> None:
        self._send(
            "DELETE",
            f"/daily/delete/{entry_id}",
            params=self._of(of_user),
            idempotent=True,
        )

    # --- reports -----------------------------------------------------------------------------

    def project_entries(
        self, project_id: int, start: date, end: date, *, user_id: int | None = None
    ) -> tuple[Entry, ...]:
        params = self._span(start, end, user_id=user_id)
        return self._get(f"/projects/{project_id}/entries", parse_v1.entries, params)

    def person_entries(
        self, user_id: int, start: date, end: date, *, project_id: int | None = None
    ) -> tuple[Entry, ...]:
        params = self._span(start, end, project_id=project_id)
        return self._get(f"/people/{user_id}/entries", parse_v1.entries, params)

    def person_expenses(self, user_id: int, start: date, end: date) -> tuple[Expense, ...]:
        return self._get(f"/people/{user_id}/expenses", parse_v1.expenses, self._span(start, end))

    def project_expenses(self, project_id: int, start: date, end: date) -> tuple[Expense, ...]:
        return self._get(
            f"/projects/{project_id}/expenses",
            parse_v1.expenses,
            self._span(start, end),
        )


class HarvestV1Account(PoolHolder):
    """One account's connection pool and pacer, handing out a client per person.

    :param base_url: the account; the other arguments are ``HarvestV1Client``'s.
    """

    def __init__(
        self,
        base_url: str,
        *,
        coop_url: str | None = None,
        format: Format = "json",
        pacer: Pacer | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        **client_options: Any,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._coop_url = coop_url
        self._format: Format = format
        self._pacer = pacer if pacer is not None else shared_pacers.for_account(self.base_url)
        self._hold_pool(None, transport, timeout)
        self._options = client_options

    def client(self, auth: Auth, *, priority: Priority = "interactive") -> HarvestV1Client:
        """A client for the person ``auth`` belongs to, over the shared pool."""
        return HarvestV1Client(
            self.base_url,
            auth,
            coop_url=self._coop_url,
            format=self._format,
            pacer=self._pacer,
            http=self._http,
            priority=priority,
            **self._options,
        )
