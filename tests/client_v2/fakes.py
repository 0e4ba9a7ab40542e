"""Fakes for the v2 client: a v2 account's records, page envelopes, and a client over a
``ScriptedHarvest`` whose pacers, backoff and cache all run on one fake clock."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.harvest.auth import OAuthTokens
from bot.harvest.auth_v2 import PersonalToken
from bot.harvest.client_v2 import HarvestV2Client
from bot.harvest.pacing import REPORTS_WINDOW, Budgets, Pacer
from bot.harvest.session import DEFAULT_RETRY, RetryPolicy
from tests.client.fakes import FakeTime, ScriptedHarvest, json_reply

API = "https://api.harvestapp.com/v2"
ACCOUNT_ID = "10254"
TOKEN = "pat-2f6c9d0e-secret"
PAT = PersonalToken(TOKEN, ACCOUNT_ID)
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)

ME = {
    "id": 1782959,
    "first_name": "Kim",
    "last_name": "Allen",
    "email": "kimallen@example.com",
    "timezone": "Eastern Time (US & Canada)",
    "is_active": True,
    "is_contractor": False,
    "access_roles": ["member"],
    "avatar_url": "https://cache.harvestapp.com/assets/profile_images/big_ben.png",
}
COMPANY = {
    "base_uri": "https://api-examples.harvestapp.com",
    "full_domain": "10254.harvestapp.com",
    "name": "API Examples",
    "is_active": True,
    "week_start_day": "Monday",
    "wants_timestamp_timers": False,
    "time_format": "hours_minutes",
    "plan_type": "sponsored",
    "clock": "12h",
}

#: ``/users/me/project_assignments``: one active project (one task of two active), one not.
ASSIGNMENTS = [
    {
        "id": 125068553,
        "is_active": True,
        "project": {"id": 14307913, "name": "Marketing Website", "code": "MW"},
        "client": {"id": 5735776, "name": "123 Industries"},
        "task_assignments": [
            {
                "id": 155505014,
                "is_active": True,
                "billable": True,
                "task": {"id": 8083365, "name": "Graphic Design"},
            },
            {
                "id": 155505015,
                "is_active": False,
                "billable": True,
                "task": {"id": 8083366, "name": "Programming"},
            },
        ],
    },
    {
        "id": 125068554,
        "is_active": False,
        "project": {"id": 14307914, "name": "Old Thing", "code": ""},
        "client": {"id": 5735776, "name": "123 Industries"},
        "task_assignments": [],
    },
]


def entry_record(entry_id: int = 636709355, **fields: Any) -> dict[str, Any]:
    """A time entry as v2 sends it (the TE page's example, trimmed)."""
    record: dict[str, Any] = {
        "id": entry_id,
        "spent_date": "2026-03-10",
        "hours": 2.11,
        "hours_without_timer": 2.11,
        "rounded_hours": 2.25,
        "notes": "Adding CSS styling",
        "is_locked": False,
        "locked_reason": None,
        "is_closed": False,
        "is_billed": False,
        "timer_started_at": None,
        "started_time": None,
        "ended_time": None,
        "is_running": False,
        "billable": True,
        "budgeted": True,
        "created_at": "2026-03-10T10:15:00Z",
        "updated_at": "2026-03-10T12:00:00Z",
        "user": {"id": ME["id"], "name": "Kim Allen"},
        "client": {"id": 5735776, "name": "123 Industries"},
        "project": {"id": 14307913, "name": "Marketing Website"},
        "task": {"id": 8083365, "name": "Graphic Design"},
    }
    record.update(fields)
    return record


def running_record(entry_id: int, started: str = "2026-03-10T14:00:00Z", **fields: Any) -> dict:
    running = {"hours": 0.5, "hours_without_timer": 0.0, "is_running": True}
    return entry_record(entry_id, **{**running, "timer_started_at": started, **fields})


def page(key: str, records: list[Any], next_url: str | None = None, **extra: Any) -> dict[str, Any]:
    """A v2 list envelope; ``next_url`` is ``links.next``."""
    return {
        key: records,
        "per_page": 2000,
        "total_pages": 1,
        "total_entries": len(records),
        "next_page": None,
        "previous_page": None,
        "page": 1,
        "links": {"first": None, "next": next_url, "previous": None, "last": None},
        **extra,
    }


def page_reply(key: str, records: list[Any], next_url: str | None = None) -> httpx.Response:
    return json_reply(page(key, records, next_url))


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


class GatedTime(FakeTime):
    """Sleeps block until the test opens the gate, then move the clock to their end."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.sleeping = threading.Event()

    def sleep(self, seconds: float) -> None:
        until = self.clock() + seconds
        self.sleeping.set()
        assert self.gate.wait(10)
        with self._lock:
            self.now = max(self.now, until)


def budgets_on(time: FakeTime) -> Budgets:
    return Budgets(
        general=Pacer(clock=time.clock, sleep=time.sleep),
        reports=Pacer(100, REPORTS_WINDOW, clock=time.clock, sleep=time.sleep),
    )


def make_client(
    harvest: ScriptedHarvest,
    *,
    auth: OAuthTokens = PAT,
    time: FakeTime | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    now: datetime = NOW,
    **options: Any,
) -> HarvestV2Client:
    time = time or FakeTime()
    return HarvestV2Client(
        auth,
        transport=httpx.MockTransport(harvest),
        pacers=budgets_on(time),
        retry=retry,
        clock=time.clock,
        sleep=time.sleep,
        utcnow=lambda: now,
        **options,
    )


def with_me(harvest: ScriptedHarvest, **me: Any) -> ScriptedHarvest:
    return harvest.on("GET", "/v2/users/me", json_reply({**ME, **me})).on(
        "GET", "/v2/company", json_reply(COMPANY)
    )
