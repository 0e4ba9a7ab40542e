"""The v2 time entry object [TE] from a stored day entry, as of now.

Fields in the order of the official examples. Where the store is silent (assumptions):

- ``is_locked`` is ``is_closed`` (approved), the only lock the store's rules enforce; the reason
  is "Item Approved and Locked for this Time Period", or "Item Invoiced and Approved and Locked
  for this Time Period" when it is also billed (both phrases from the examples). A billed entry
  that is not approved is not locked, as on v1.
- ``approval_status`` (newest docs) is ``approved`` for a closed entry, else ``unsubmitted``.
- ``rounded_hours`` equals ``hours``: the emulator's accounts have no Time Rounding.
- ``budgeted`` is true; ``cost_rate`` null; ``invoice`` and ``external_reference`` null.
- ``billable_rate`` (see :mod:`emulator.v2.serialise`) and ``cost_rate`` are null for people who
  may not see rates.
- ``notes`` is null when empty, as in the examples.
- ``started_time``/``ended_time`` are the stored clock times in the company's ``clock``
  (``8:00am`` or ``08:00``), null when the entry has none (duration accounts).
"""

from __future__ import annotations

from typing import Any

from emulator.entries import Entry, format_clock
from emulator.v2.context import day, decimal, stamp
from emulator.v2.serialise import Lookup, user_ref

APPROVED = "Item Approved and Locked for this Time Period"
INVOICED = "Item Invoiced and Approved and Locked for this Time Period"


def locked_reason(entry: Entry) -> str | None:
    if not entry.is_closed:
        return None
    return INVOICED if entry.is_billed else APPROVED


def _assignments(entry: Entry, look: Lookup) -> tuple[dict[str, Any] | None,
                                                       dict[str, Any] | None]:
    ua = look.user_assignments.get((entry.project_id, entry.user_id))
    ta = look.task_assignments.get((entry.project_id, entry.task_id))
    user_assignment = None if ua is None else {
        "id": ua["id"], "is_project_manager": bool(ua["is_project_manager"]),
        "is_active": not ua["deactivated"], "budget": None,
        "created_at": stamp(ua["created_at"]), "updated_at": stamp(ua["updated_at"]),
        "hourly_rate": ua["hourly_rate"]}
    task_assignment = None if ta is None else {
        "id": ta["id"], "billable": bool(ta["billable"]),
        "is_active": not ta["deactivated"] and not look.tasks[ta["task_id"]]["deactivated"],
        "created_at": stamp(ta["created_at"]), "updated_at": stamp(ta["updated_at"]),
        "hourly_rate": ta["hourly_rate"], "budget": ta["budget"]}
    return user_assignment, task_assignment


def time_entry(entry: Entry, look: Lookup, clock: str, rates: bool) -> dict[str, Any]:
    user_assignment, task_assignment = _assignments(entry, look)
    reason = locked_reason(entry)
    return {
        "id": entry.id,
        "spent_date": day(entry.spent_at),
        "user": user_ref(look.users[entry.user_id]),
        "client": {"id": entry.client_id, "name": entry.client},
        "project": {"id": entry.project_id, "name": entry.project},
        "task": {"id": entry.task_id, "name": entry.task},
        "user_assignment": user_assignment,
        "task_assignment": task_assignment,
        "hours": decimal(entry.hours),
        "hours_without_timer": decimal(entry.hours_without_timer),
        "rounded_hours": decimal(entry.hours),
        "notes": entry.notes or None,
        "created_at": stamp(entry.created_at),
        "updated_at": stamp(entry.updated_at),
        "is_locked": reason is not None,
        "locked_reason": reason,
        "approval_status": "approved" if entry.is_closed else "unsubmitted",
        "is_closed": entry.is_closed,
        "is_billed": entry.is_billed,
        "timer_started_at": stamp(entry.timer_started_at),
        "started_time": format_clock(entry.started_at, clock),
        "ended_time": format_clock(entry.ended_at, clock),
        "is_running": entry.running,
        "invoice": None,
        "external_reference": None,
        "billable": look.billable(entry.project_id, entry.task_id),
        "budgeted": True,
        "billable_rate": (look.billable_rate(entry.project_id, entry.task_id, entry.user_id)
                          if rates else None),
        "cost_rate": None,
    }
