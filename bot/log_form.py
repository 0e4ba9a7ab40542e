"""Reading a submitted "Log time" modal: what to log, or what to say next to each wrong field.

Pure: the view's ``state.values`` and the person's offered projects (from the catalog, None
when nothing is known) in; a :class:`LogForm` or :class:`FieldErrors` out. Field errors go back
to Slack in the acknowledgement (``response_action: errors``), so nothing here may be slow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot import modals
from bot.catalog import project_named
from bot.harvest.models import Project
from bot.parsing.durations import DurationError, parse_duration

#: Slack shows a field error of up to about 150 characters.
ERROR_CHARS = 150

PICK_PROJECT = "Pick a project."
PICK_TASK = "Pick a task."
PICK_DATE = "Pick a date."
OTHER_PROJECT = "That task is on another project: pick one of {project}'s tasks."
PROJECT_CLOSED = (
    "Harvest no longer takes time on this project (archived, or you were taken off it). "
    "Pick another."
)
TASK_CLOSED = "Harvest no longer offers this task on {project}. Pick another."


@dataclass(frozen=True)
class LogForm:
    project_id: int
    task_id: int
    hours: float
    spent_at: date
    notes: str


@dataclass(frozen=True)
class FieldErrors:
    """Messages by input block id, as ``response_action: errors`` takes them."""

    errors: dict[str, str] = field(default_factory=dict)


def _field(values: Mapping[str, Any], block_id: str, action_id: str) -> Mapping[str, Any]:
    found = (values.get(block_id) or {}).get(action_id) or {}
    return found if isinstance(found, Mapping) else {}


def _selected(values: Mapping[str, Any], block_id: str, action_id: str) -> str:
    option = _field(values, block_id, action_id).get("selected_option") or {}
    value = str(option.get("value") or "")
    return "" if value == modals.NOTHING else value


def _ids(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in text.split(":"))
    except ValueError:
        return None


def chosen_project(values: Mapping[str, Any]) -> int | None:
    """The project picked so far in the open modal (an options request carries the view)."""
    ids = _ids(_selected(values, modals.PROJECT_BLOCK, modals.PROJECT)) or ()
    return ids[0] if len(ids) == 1 else None


def read_log_form(
    values: Mapping[str, Any], offered: Sequence[Project] | None
) -> LogForm | FieldErrors:
    """The entry to log, or an error for each field that is missing or wrong."""
    errors: dict[str, str] = {}
    project_id = chosen_project(values)
    task_ids = _ids(_selected(values, modals.TASK_BLOCK, modals.TASK)) or ()
    task = task_ids if len(task_ids) == 2 else None
    if project_id is None:
        errors[modals.PROJECT_BLOCK] = PICK_PROJECT
    if task is None:
        errors[modals.TASK_BLOCK] = PICK_TASK
    if project_id is not None and offered is not None:
        project = project_named(offered, project_id)
        if project is None:
            errors[modals.PROJECT_BLOCK] = PROJECT_CLOSED
        elif task is not None and task[0] == project_id and all(t.id != task[1] for t in project.tasks):
            errors[modals.TASK_BLOCK] = TASK_CLOSED.format(project=project.name)
    if project_id is not None and task is not None and task[0] != project_id:
        known = project_named(offered or (), project_id)
        errors[modals.TASK_BLOCK] = OTHER_PROJECT.format(
            project=known.name if known else "the chosen project")
    hours_text = str(_field(values, modals.HOURS_BLOCK, modals.VALUE).get("value") or "")
    hours = 0.0
    try:
        hours = parse_duration(hours_text)
    except DurationError as error:
        errors[modals.HOURS_BLOCK] = error.message
    spent_at = None
    try:
        spent_at = date.fromisoformat(
            str(_field(values, modals.DATE_BLOCK, modals.VALUE).get("selected_date") or ""))
    except ValueError:
        errors[modals.DATE_BLOCK] = PICK_DATE
    if errors or project_id is None or task is None or spent_at is None:
        return FieldErrors({k: _clip(v) for k, v in errors.items()})
    notes = str(_field(values, modals.NOTES_BLOCK, modals.VALUE).get("value") or "").strip()
    return LogForm(project_id, task[1], hours, spent_at, notes)


def _clip(text: str) -> str:
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"
