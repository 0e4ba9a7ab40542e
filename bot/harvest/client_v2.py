"""``HarvestV2Client``: Harvest API v2 behind the same ``HarvestApi`` as the v1 client.

It implements ``HarvestApi`` and ``TimeReports``, not ``CoopApi``: v2 has no Co-op (see
``factory``). The wire stays in here, ``reports_v2``, ``resources_v2``, ``bodies_v2``,
``parse_v2`` and ``paging_v2``; callers get the same dataclasses and typed errors as from v1.

How the v1-shaped operations map onto v2 (v2-notes §12):

- a day = ``/time_entries?user_id&from=D&to=D`` + the person's project assignments; "today"
  is today in the person's Harvest time zone;
- add / start = ``POST /time_entries``; starting a timer first stops the person's running
  one explicitly (⚠ whether Harvest does so itself is undocumented);
- toggle = ``PATCH .../stop`` if running, else ``.../restart``, whose answer is authoritative:
  on timestamp accounts it is a *new* entry with a new id;
- acting for someone = a ``user_id`` filter, or a create field; other writes go by entry id;
- ``rate_limit_status``: v2 has no such endpoint, so it reports the client's own pacer.

Clock times are written per the account's ``clock``; the company settings are read once, on
first need, and again on every ``who_am_i``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as clock_time
from typing import Any

import httpx

from bot.harvest import bodies_v2, parse_v2
from bot.harvest.auth import OAuthTokens
from bot.harvest.auth_v2 import PersonalToken
from bot.harvest.cache import TtlCache
from bot.harvest.errors import (
    Forbidden,
    HarvestError,
    NotFound,
    Unavailable,
    ValidationError,
)
from bot.harvest.models import (
    Account,
    Day,
    Entry,
    Identity,
    Person,
    RateLimitStatus,
    TimerToggle,
)
from bot.harvest.pacing import Budgets, Priority, shared_pacers
from bot.harvest.pool import DEFAULT_TIMEOUT, PoolHolder
from bot.harvest.reports_v2 import ReportsV2Calls
from bot.harvest.resources_v2 import ResourcesV2Calls
from bot.harvest.session import DEFAULT_RETRY, USER_AGENT, RetryPolicy
from bot.harvest.session_v2 import V2Session
from bot.harvest.timezones import zone_for

DEFAULT_BASE_URL = "https://api.harvestapp.com/v2"
DEFAULT_ID_URL = "https://id.getharvest.com"
DURATION_ONLY = "This Harvest account tracks durations, not start and end times: give hours instead"


def token_url(id_base_url: str) -> str:
    """Harvest ID's token endpoint (code exchange and refresh)."""
    return f"{id_base_url.rstrip('/')}/api/v2/oauth2/token"


class HarvestV2Client(PoolHolder, ReportsV2Calls, ResourcesV2Calls):
    """One person's view of one Harvest v2 account."""

    def __init__(
        self,
        auth: OAuthTokens,
        account_id: int | str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        id_base_url: str = DEFAULT_ID_URL,
        user_agent: str = USER_AGENT,
        pacers: Budgets | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        http: httpx.Client | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        priority: Priority = "interactive",
        per_page: int | None = None,
        cache_ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """
        :param auth: OAuth tokens from Harvest ID, or a ``PersonalToken``.
        :param account_id: the ``Harvest-Account-Id``; a ``PersonalToken`` brings its own.
        :param pacers: defaults to the account's shared budgets (``pacing.shared_pacers``).
        :param transport: for tests (``httpx.MockTransport``); ignored when ``http`` is given.
        :param http: a pool shared with other clients; not closed by ``close``.
        :param per_page: page size to ask for (default: Harvest's, 2000).
        :raises ValueError: no account id, or a ``per_page`` outside 1..2000.
        """
        if account_id is None and isinstance(auth, PersonalToken):
            account_id = auth.account_id
        if account_id is None or not str(account_id).strip():
            raise ValueError("a Harvest v2 client needs the account id (Harvest-Account-Id)")
        if per_page is not None and not 1 <= per_page <= 2000:
            raise ValueError("per_page must be between 1 and 2000")
        self.base_url = base_url.rstrip("/")
        self.id_base_url = id_base_url.rstrip("/")
        self.account_id = str(account_id).strip()
        self.per_page = per_page
        self._hold_pool(http, transport, timeout)
        self._pacers = pacers or shared_pacers.budgets(self.base_url, self.account_id)
        self._user_agent = user_agent
        self._auth = auth
        self._general, self._reports = (
            V2Session(
                self._http,
                auth,
                account_id=self.account_id,
                pacer=self._pacers.pacer(bucket),
                token_url=token_url(self.id_base_url),
                user_agent=user_agent,
                retry=retry,
                priority=priority,
                sleep=sleep,
                utcnow=utcnow,
            )
            for bucket in ("general", "reports")
        )
        self._cache = TtlCache(cache_ttl, clock=clock)
        self._clock, self._sleep, self._utcnow = clock, sleep, utcnow
        self._me: Person | None = None
        self._account: Account | None = None

    def batch(self) -> HarvestV2Client:
        """The same person's client for background work: it yields to interactive calls."""
        return HarvestV2Client(
            self._auth,
            self.account_id,
            base_url=self.base_url,
            id_base_url=self.id_base_url,
            user_agent=self._user_agent,
            pacers=self._pacers,
            http=self._http,
            retry=self._general.retry,
            priority="batch",
            per_page=self.per_page,
            cache_ttl=self._cache.ttl,
            clock=self._clock,
            sleep=self._sleep,
            utcnow=self._utcnow,
        )

    def __repr__(self) -> str:
        return (
            f"HarvestV2Client({self._auth!r}, account_id={self.account_id!r}, "
            f"base_url={self.base_url!r})"
        )

    # --- who and where -----------------------------------------------------------------------

    def who_am_i(self) -> Identity:
        """``/users/me`` and ``/company``; both are remembered for later calls."""
        self._me = self._get("/users/me", parse_v2.person)
        self._account = self._get("/company", parse_v2.account)
        return Identity(user=self._me, account=self._account)

    def rate_limit_status(self) -> RateLimitStatus:
        """The general budget as this process's pacer counts it (v2 has no endpoint for it).

        ``count`` is calls started by clients of this account in this process in the last
        ``timeframe_limit`` seconds; ``lockout_seconds`` what is left of a ``Retry-After``.
        """
        pacer = self._pacers.general
        return RateLimitStatus(
            count=pacer.calls_in_window(),
            max_calls=pacer.max_calls,
            timeframe_limit=math.ceil(pacer.window),
            lockout_seconds=math.ceil(pacer.paused_for()),
        )

    def _myself(self) -> Person:
        if self._me is None:
            self._me = self._get("/users/me", parse_v2.person)
        return self._me

    def _company(self) -> Account:
        if self._account is None:
            self._account = self._get("/company", parse_v2.account)
        return self._account

    def _user_id(self, of_user: int | None) -> int:
        return of_user if of_user is not None else self._myself().id

    def _today(self, of_user: int | None) -> date:
        """Today where the person is (their Harvest time zone; the caller's if not visible)."""
        zone_name = None
        if of_user is not None:
            try:
                zone_name = self.person(of_user).timezone
            except (Forbidden, NotFound):
                zone_name = None
        if zone_name is None:
            zone_name = self._myself().timezone
        return self._utcnow().astimezone(zone_for(zone_name)).date()

    # --- time tracking -----------------------------------------------------------------------

    def _read_entry(self, reply: Any) -> Entry:
        now = self._now()
        entry: Entry = reply.read(lambda tree: parse_v2.entry(tree, now))
        return entry

    def day(self, day: date | None = None, *, of_user: int | None = None) -> Day:
        user_id = self._user_id(of_user)
        for_day = day if day is not None else self._today(of_user)
        entries = self._entries(
            {"user_id": user_id, "from": for_day.isoformat(), "to": for_day.isoformat()}
        )
        return Day(for_day=for_day, entries=entries, projects=self.assigned_projects(of_user))

    def entry(self, entry_id: int, *, of_user: int | None = None) -> Entry:
        return self._read_entry(self._send("GET", f"/time_entries/{entry_id}", idempotent=True))

    def _clock_for(self, method: str, *times: clock_time | None) -> bodies_v2.Clock:
        """The account's clock, when clock times are given; refuses them on duration accounts."""
        if all(t is None for t in times):
            return "12h"
        account = self._company()
        if not account.timestamp_timers:
            raise ValidationError(DURATION_ONLY, method=method, path=self._path("/time_entries"))
        return account.clock

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
        """Log time, or (without ``hours`` or ``ended_at``) start a timer.

        ``hours`` is sent as given on any account; clock times only on timestamp accounts.

        :raises ValueError: both hours and clock times.
        :raises ValidationError: clock times on an account that tracks durations.
        """
        bodies_v2.check_one_form(hours, started_at, ended_at)  # before asking for the clock
        body = bodies_v2.new_entry(
            project_id=project_id,
            task_id=task_id,
            spent_at=spent_at,
            hours=hours,
            notes=notes,
            started_at=started_at,
            ended_at=ended_at,
            user_id=of_user,
            clock=self._clock_for("POST", started_at, ended_at),
        )
        entry = self._post_entry(body)
        if bodies_v2.starts_timer(hours, ended_at):
            self._stop_running(self._user_id(of_user), keep=entry.id)
        return entry

    def start_timer(
        self,
        project_id: int,
        task_id: int,
        *,
        notes: str = "",
        spent_at: date | None = None,
        of_user: int | None = None,
    ) -> Entry:
        """Start a timer (on today, in the person's time zone, unless ``spent_at`` is given),
        then stop the person's other running one.

        In that order: a start Harvest refuses (a project the person is not assigned to, or
        archived meanwhile) leaves their running timer running.
        """
        body = bodies_v2.new_entry(
            project_id=project_id,
            task_id=task_id,
            spent_at=spent_at if spent_at is not None else self._today(of_user),
            notes=notes,
            user_id=of_user,
        )
        entry = self._post_entry(body)
        self._stop_running(self._user_id(of_user), keep=entry.id)
        return entry

    def _post_entry(self, body: bytes) -> Entry:
        # Never repeated: a second POST would log the time twice.
        try:
            reply = self._send("POST", "/time_entries", body=body, idempotent=False)
        except ValidationError:
            # Often an archived or unassigned project: what the person may pick has changed.
            self._cache.invalidate("projects")
            raise
        return self._read_entry(reply)

    def _stop_running(self, user_id: int, *, keep: int | None = None) -> float | None:
        """Stop the person's running timer(s) but ``keep``; the hours of the last one stopped."""
        stopped = None
        for running in self._entries({"user_id": user_id, "is_running": "true"}):
            if running.is_running and running.id != keep:
                stopped = self._timer(running.id, "stop").hours
        return stopped

    def _timer(self, entry_id: int, action: str) -> Entry:
        """``PATCH .../stop`` or ``.../restart``, never repeated blindly.

        When it fails in a way that leaves the outcome open (a 422 because it already was,
        a timeout, a 5xx), the entry is read back: if it is already as asked, that is the
        answer. Otherwise the original error stands.
        """
        try:
            return self._read_entry(
                self._send("PATCH", f"/time_entries/{entry_id}/{action}", idempotent=False)
            )
        except (ValidationError, Unavailable) as failed:
            try:
                now = self.entry(entry_id)
            except HarvestError:
                raise failed from None
            if now.is_running == (action == "restart"):
                return now
            raise

    def toggle_timer(self, entry_id: int, *, of_user: int | None = None) -> TimerToggle:
        """Stop a running timer, or restart a stopped one, then stop the person's other timer.

        The entry returned is the one to keep: a restart may create a new one, with a new id.
        The other timer is stopped after the restart, so a restart Harvest refuses (an approved
        entry, an archived project) leaves it running.
        """
        current = self.entry(entry_id)
        if current.is_running:
            return TimerToggle(entry=self._timer(entry_id, "stop"))
        others = [e for e in self._entries({"user_id": current.user_id, "is_running": "true"})
                  if e.is_running and e.id != entry_id]
        restarted = self._timer(entry_id, "restart")
        previous = None
        for other in others:
            if other.id != restarted.id:  # stopped already (Harvest may): read back as stopped
                previous = self._timer(other.id, "stop").hours
        return TimerToggle(entry=restarted, hours_for_previously_running_timer=previous)

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
        """Change the given fields (the person an entry belongs to cannot change on v2).

        :raises ValueError: both hours and clock times.
        :raises ValidationError: clock times on an account that tracks durations.
        """
        bodies_v2.check_one_form(hours, started_at, ended_at)  # before asking for the clock
        body = bodies_v2.entry_changes(
            project_id=project_id,
            task_id=task_id,
            spent_at=spent_at,
            hours=hours,
            notes=notes,
            started_at=started_at,
            ended_at=ended_at,
            clock=self._clock_for("PATCH", started_at, ended_at),
        )
        # It sets values rather than adding to them, so repeating it is harmless.
        reply = self._send("PATCH", f"/time_entries/{entry_id}", body=body, idempotent=True)
        return self._read_entry(reply)

    def delete_entry(self, entry_id: int, *, of_user: int | None = None) -> None:
        self._send("DELETE", f"/time_entries/{entry_id}", idempotent=True)
