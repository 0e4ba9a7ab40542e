"""What the time-tracking and reporting tests share: demo ids, the store's view, XML reading."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element

import httpx
from defusedxml import ElementTree

from emulator.runner import RunningEmulator

WEB = "project:Website Redesign"  # Basil manages it; everyone is assigned
GOURMET = "project:Gourmet Night"  # Basil manages it
DATA = "project:Data Migration"  # nobody manages it
LEGACY = "project:Legacy Portal"  # archived
DESIGN = "task:Design"  # on Website Redesign (billable)
MEETINGS = "task:Meetings"  # on Website Redesign, not billable
BUTTER = "task:Put butter on trays"  # only on Gourmet Night
DEVELOPMENT = "task:Development"

ENTRY_KEYS = {"id", "spent_at", "user_id", "client", "project_id", "project", "task_id", "task",
              "hours", "hours_without_timer", "notes", "timer_started_at", "is_billed",
              "is_closed", "created_at", "updated_at"}

# A fixed moment, so "today" and the timers do not depend on when the tests run.
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def ids(emulator: RunningEmulator, *names: str) -> list[int]:
    return [emulator.info.ids[name] for name in names]


def uid(emulator: RunningEmulator, who: str) -> int:
    return emulator.info.logins[who].user_id


def row(emulator: RunningEmulator, entry_id: int) -> dict[str, Any] | None:
    return emulator.store.one("SELECT * FROM day_entries WHERE id = ?", entry_id)


def snapshot(emulator: RunningEmulator) -> list[dict[str, Any]]:
    """Every day entry as stored, to show a refused request wrote nothing."""
    return emulator.store.all("SELECT * FROM day_entries ORDER BY id")


def running_ids(emulator: RunningEmulator, who: str) -> list[int]:
    rows = emulator.store.all(
        "SELECT id FROM day_entries WHERE user_id = ? AND timer_started_at IS NOT NULL",
        uid(emulator, who))
    return [r["id"] for r in rows]


def entry_body(emulator: RunningEmulator, project: str = WEB, task: str = DESIGN,
               **fields: Any) -> dict[str, Any]:
    project_id, task_id = ids(emulator, project, task)
    return {"project_id": project_id, "task_id": task_id, **fields}


def add(client: httpx.Client, emulator: RunningEmulator, **fields: Any) -> dict[str, Any]:
    """Add an entry over JSON and return the flat entry (asserting the 201)."""
    response = client.post("/daily/add", json=entry_body(emulator, **fields))
    assert response.status_code == 201, response.text
    return response.json()


def xml(response: httpx.Response) -> Element:
    return ElementTree.fromstring(response.content)


def types(element: Element) -> dict[str, str | None]:
    """Each child's tag and its ``type`` attribute."""
    return {child.tag: child.get("type") for child in element}


def freeze(emulator: RunningEmulator, when: datetime = NOON) -> date:
    emulator.clock.set(when)
    return when.date()


def report_span(emulator: RunningEmulator, back: int = 20) -> dict[str, str]:
    today = emulator.clock.now().date()
    return {"from": f"{today - timedelta(days=back):%Y%m%d}", "to": f"{today:%Y%m%d}"}


def lock(emulator: RunningEmulator, entry_id: int, **flags: bool) -> None:
    """Approve (lock) or mark billed an entry through the emulator's admin endpoint."""
    response = httpx.post(f"{emulator.admin_url}/entries/{entry_id}",
                          json=flags or {"is_closed": True})
    assert response.status_code == 200


def set_account(emulator: RunningEmulator, **settings: Any) -> None:
    response = httpx.post(f"{emulator.admin_url}/account", json=settings)
    assert response.status_code == 200
