"""What the time-tracking authorization matrices share (``test_authorization.py``,
``test_authorization_actions.py``): Manuel's entries made for each row, the Tapas Bar (a project
only Manuel is assigned to), reading Harvest and the bot's links, and the one test body."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from emulator.clock import iso
from emulator.runner import RunningEmulator
from tests.e2e.harness import PEOPLE, TEAM, Call, SlackAppHarness
from tests.reliability.authz import PERSONS, Person, Row, add_guest, judge, rows
from tests.reliability.checks import entries

TAPAS = "Tapas Bar"


@dataclass(frozen=True)
class Targets:
    """Manuel's entries made for one row, and the Harvest ids of the people."""

    managed: int
    unmanaged: int
    locked: int
    harvest_ids: dict[str, int]
    #: Called by an operation that sets things up before the person's request: what a refusal
    #: must leave unchanged is read again then.
    mark: Callable[[], None] = lambda: None


#: An operation: ``(app, emulator, person, targets) -> (what the person was told, done?)``;
#: ``done`` reads Harvest (or the bot's links) and says whether the thing was done as asked.
Told = Call | dict[str, Any]
Operation = Callable[[SlackAppHarness, RunningEmulator, Person, Targets],
                     tuple[Told, Callable[[], bool]]]


def prepared(app: SlackAppHarness, emulator: RunningEmulator) -> SlackAppHarness:
    """The shared app with the guest in Slack and the Tapas Bar in Harvest."""
    tapas_bar(emulator)
    return add_guest(app)


def tapas_bar(emulator: RunningEmulator) -> None:
    """A project only Manuel is assigned to, with one task."""
    store, info, now = emulator.store, emulator.info, iso(emulator.clock.now())
    project = store.insert("projects", client_id=info.ids["client:Globex"], name=TAPAS,
                           code="GLX-9", active=1, billable=1, bill_by="none",
                           created_at=now, updated_at=now)
    store.insert("task_assignments", project_id=project, task_id=info.ids["task:Meetings"],
                 billable=1, created_at=now, updated_at=now)
    store.insert("user_assignments", project_id=project, user_id=info.logins["manuel"].user_id,
                 is_project_manager=0, created_at=now, updated_at=now)
    info.ids[f"project:{TAPAS}"] = project


def today() -> str:
    return datetime.now(ZoneInfo("Europe/London")).date().isoformat()


def make_targets(emulator: RunningEmulator) -> Targets:
    info, now = emulator.info, iso(emulator.clock.now())
    manuel = info.logins["manuel"].user_id

    def entry(project: str, task: str, *, locked: bool = False) -> int:
        return int(emulator.store.insert(
            "day_entries", user_id=manuel, project_id=info.ids[f"project:{project}"],
            task_id=info.ids[f"task:{task}"], spent_at=today(), hours=1.0,
            notes=f"manuel's {next(rows)}", created_at=now, updated_at=now, is_closed=int(locked)))

    return Targets(entry("Website Redesign", "Design"), entry("Data Migration", "Development"),
                   entry("Website Redesign", "Meetings", locked=True),
                   {key: login.user_id for key, login in info.logins.items()})


def pair_ids(emulator: RunningEmulator, project: str, task: str) -> str:
    ids = emulator.info.ids
    return f"{ids[f'project:{project}']}:{ids[f'task:{task}']}"


def entry_value(entry_id: int, *, for_manuel: bool) -> str:
    """An entry button's value, as the bot renders it (``for``: acting for Manuel)."""
    value: dict[str, Any] = {"id": entry_id, "h": 1.0, "n": "manuel's"}
    if for_manuel:
        value["for"] = PEOPLE["manuel"][0]
    return json.dumps(value)


def entry_row(emulator: RunningEmulator, entry_id: int) -> dict[str, Any] | None:
    return emulator.store.one("SELECT * FROM day_entries WHERE id = ?", entry_id)


def own_entries(emulator: RunningEmulator, harvest_id: int, notes: str) -> list[dict[str, Any]]:
    return emulator.store.all("SELECT * FROM day_entries WHERE user_id = ? AND notes = ?",
                              harvest_id, notes)


def running(emulator: RunningEmulator, owner: int, notes: str) -> list[bool]:
    """Whether each of ``owner``'s entries with ``notes`` is running."""
    return [bool(e["timer_started_at"]) for e in own_entries(emulator, owner, notes)]


def harvest_id(person: Person, targets: Targets, whose: str | None = None) -> int:
    """The Harvest id of ``whose`` (default: the person's own; -1 for the unlinked)."""
    return targets.harvest_ids.get(whose or person.name, -1)


def links(app: SlackAppHarness) -> list[tuple[str, int | None]]:
    """Who is linked to which Harvest person, of the four linked people."""
    found = []
    for who in ("sybil", "basil", "polly", "manuel"):
        account = app.services.accounts.get(TEAM, PEOPLE[who][0])
        found.append((who, account.harvest_user_id if account else None))
    return found


def field_errors(ack: Any) -> dict[str, Any]:
    """A modal's field errors, as what the person reads."""
    assert ack and ack.get("response_action") == "errors", ack
    return {"text": "\n".join(ack["errors"].values())}


def check(app: SlackAppHarness, emulator: RunningEmulator, wire: str, row: Row,
          who: str) -> None:
    """Run one cell: the person gets what the row says, and a refusal changes no entry and no
    link."""
    def now() -> tuple[Any, ...]:
        return entries(emulator), links(app)

    before: dict[str, Any] = {}
    targets = replace(make_targets(emulator), mark=lambda: before.update(state=now()))
    targets.mark()
    told, done = row.run(app, emulator, PERSONS[who], targets)
    judge(who, row.expected(who, wire), told, done, before["state"], now)
