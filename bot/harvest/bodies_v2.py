"""Request bodies for Harvest v2 writes: flat JSON objects. Pure functions.

Fields left as None are not sent, so an update changes only what the caller named. Time
entries take ``hours`` or clock times, never both in one body (each form is documented for
one kind of account; v2-notes §8.4); clock times are written the way the account's ``clock``
shows them ("8:00am" or "08:00").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, time
from typing import Any, Literal

from bot.harvest.scalars import format_clock

Clock = Literal["12h", "24h"]


def _present(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def encode(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(dict(fields), separators=(",", ":")).encode()


def clock_time(moment: time, clock: Clock) -> str:
    """``8:00am`` on 12-hour accounts, ``08:00`` on 24-hour ones."""
    return moment.strftime("%H:%M") if clock == "24h" else format_clock(moment)


def check_one_form(hours: float | None, started_at: time | None, ended_at: time | None) -> None:
    """:raises ValueError: both hours and clock times (each is documented for one kind of
    account, never both in one body)."""
    if hours is not None and (started_at is not None or ended_at is not None):
        raise ValueError("give hours or start/end times, not both")


def _time_fields(
    hours: float | None, started_at: time | None, ended_at: time | None, clock: Clock
) -> dict[str, Any]:
    """How long, or from when to when: checked and written alike for a new entry and a change."""
    check_one_form(hours, started_at, ended_at)
    return {
        "hours": None if hours is None else round(hours, 4),
        "started_time": None if started_at is None else clock_time(started_at, clock),
        "ended_time": None if ended_at is None else clock_time(ended_at, clock),
    }


def starts_timer(hours: float | None, ended_at: time | None) -> bool:
    """Whether a new entry runs: no hours and no end time (v2-notes §8.4)."""
    return hours is None and ended_at is None


def new_entry(
    *,
    project_id: int,
    task_id: int,
    spent_at: date,
    hours: float | None = None,
    notes: str = "",
    started_at: time | None = None,
    ended_at: time | None = None,
    user_id: int | None = None,
    clock: Clock = "12h",
) -> bytes:
    """``POST /time_entries``; without ``hours`` or ``ended_at`` Harvest starts a timer.

    :raises ValueError: both hours and clock times.
    """
    return encode(
        _present(
            {
                "user_id": user_id,
                "project_id": project_id,
                "task_id": task_id,
                "spent_date": spent_at.isoformat(),
                **_time_fields(hours, started_at, ended_at, clock),
                "notes": notes or None,
            }
        )
    )


def entry_changes(
    *,
    project_id: int | None = None,
    task_id: int | None = None,
    spent_at: date | None = None,
    hours: float | None = None,
    notes: str | None = None,
    started_at: time | None = None,
    ended_at: time | None = None,
    clock: Clock = "12h",
) -> bytes:
    """``PATCH /time_entries/{id}`` (``user_id`` cannot change, so it is not offered).

    :raises ValueError: both hours and clock times.
    """
    return encode(
        _present(
            {
                "project_id": project_id,
                "task_id": task_id,
                "spent_date": None if spent_at is None else spent_at.isoformat(),
                **_time_fields(hours, started_at, ended_at, clock),
                "notes": notes,
            }
        )
    )


def project_fields(
    *,
    name: str | None = None,
    client_id: int | None = None,
    code: str | None = None,
    notes: str | None = None,
    active: bool | None = None,
    billable: bool | None = None,
    bill_by: str | None = None,
    budget: float | None = None,
    budget_by: str | None = None,
) -> bytes:
    """``POST /projects`` and ``PATCH /projects/{id}`` (v2 names: ``is_active``, ``is_billable``)."""
    return encode(
        _present(
            {
                "client_id": client_id,
                "name": name,
                "code": code,
                "notes": notes,
                "is_active": active,
                "is_billable": billable,
                "bill_by": bill_by,
                "budget": None if budget is None else round(budget, 4),
                "budget_by": budget_by,
            }
        )
    )
