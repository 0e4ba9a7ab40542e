"""Pure Block Kit for "Log time": the modal, its autocomplete options and its confirmations.

The modal has two ``external_select`` fields (project, then task) whose options the app serves
from the local catalog (``bot.catalog``), hours as typed, a datepicker and notes. Ids here are
what ``handlers/shortcuts.py`` and ``handlers/options.py`` listen for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.blocks import CONNECT_OAUTH, OPTION_CHARS, button, context, section
from bot.harvest.models import Project
from bot.work import Pair

View = dict[str, Any]
Option = dict[str, Any]

# callback ids and action ids
LOG_SHORTCUT = "log_time"
LOG_MESSAGE_SHORTCUT = "log_time_from_message"
LOG_VIEW = "log_time_view"
NOT_LINKED_VIEW = "log_time_not_linked"
OPEN_LOG = "open_log_modal"
PROJECT = "log_project"
TASK = "log_task"
# block ids of the inputs; each input's action id is "value" except the two selects
PROJECT_BLOCK = "project"
TASK_BLOCK = "task"
HOURS_BLOCK = "hours"
DATE_BLOCK = "date"
NOTES_BLOCK = "notes"
VALUE = "value"

#: Slack's limits: private_metadata and plain_text_input values.
METADATA_CHARS = 3000
INPUT_CHARS = 3000
#: The value of an option that only says something: choosing it is never accepted.
NOTHING = "-"

TITLE = "Log time"
NOT_LOADED_OPTION = "Fetching your projects from Harvest… type again in a moment"
HARVEST_AWAY_NOTICE = (
    ":hourglass_flowing_sand: Harvest isn't answering right now, so I can't list your projects. "
    "Close this and try again in a minute."
)
NOT_LINKED_TEXT = (
    "You haven't connected Harvest yet, so I can't log time for you. "
    "Run `/harvest connect` in any channel, or open my Home tab and press Connect."
)
ON_MESSAGE_TEXT = "From a message: its text is in the notes; change them as you like."


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _select(block_id: str, action_id: str, label: str, placeholder: str) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {
            "type": "external_select",
            "action_id": action_id,
            "min_query_length": 0,
            "placeholder": _plain(placeholder),
        },
    }


def log_modal(today: date, *, notes: str = "", metadata: str = "", notice: str = "") -> View:
    """The "Log time" form: project, task, hours, date (the person's today) and notes."""
    notes_element: dict[str, Any] = {"type": "plain_text_input", "action_id": VALUE,
                                     "multiline": True, "max_length": INPUT_CHARS}
    if notes:
        notes_element["initial_value"] = _clip(notes, INPUT_CHARS)
    blocks: list[dict[str, Any]] = []
    if notice:
        blocks.append(section(notice))
    blocks += [
        _select(PROJECT_BLOCK, PROJECT, "Project", "Type to search your projects"),
        _select(TASK_BLOCK, TASK, "Task", "Type to search the project's tasks"),
        {"type": "input", "block_id": HOURS_BLOCK, "label": _plain("Hours"),
         "element": {"type": "plain_text_input", "action_id": VALUE,
                     "placeholder": _plain("1:30, 1.5, 1h30 or 90m")}},
        {"type": "input", "block_id": DATE_BLOCK, "label": _plain("Date"),
         "element": {"type": "datepicker", "action_id": VALUE,
                     "initial_date": today.isoformat()}},
        {"type": "input", "block_id": NOTES_BLOCK, "label": _plain("Notes"), "optional": True,
         "element": notes_element},
    ]
    if notes:
        blocks.append(context(ON_MESSAGE_TEXT))
    return {
        "type": "modal",
        "callback_id": LOG_VIEW,
        "private_metadata": metadata[:METADATA_CHARS],
        "title": _plain(TITLE),
        "submit": _plain("Log"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def not_linked_modal(oauth_url: str | None) -> View:
    """What the modal turns into for someone not connected: how to connect, nothing to submit."""
    blocks: list[dict[str, Any]] = [section(NOT_LINKED_TEXT)]
    if oauth_url:
        blocks.append({"type": "actions", "elements": [
            button("Sign in with Harvest", CONNECT_OAUTH, "oauth", style="primary", url=oauth_url)
        ]})
    return {"type": "modal", "callback_id": NOT_LINKED_VIEW, "title": _plain(TITLE),
            "close": _plain("Close"), "blocks": blocks}


# -- autocomplete --------------------------------------------------------------------------------


def _option(text: str, value: str) -> Option:
    return {"text": _plain(_clip(text, OPTION_CHARS)), "value": value}


def project_label(project: Project) -> str:
    client = f" ({project.client_name})" if project.client_name else ""
    return f"{project.name}{client}"


def project_options(projects: Sequence[Project]) -> list[Option]:
    """One option per project; its value is the project id."""
    return [_option(project_label(p), str(p.id)) for p in projects]


def task_options(pairs: Sequence[Pair], *, with_project: bool) -> list[Option]:
    """One option per task; its value is ``project_id:task_id``, so it is never ambiguous."""
    return [
        _option(
            f"{p.task_name} · {p.project_name}" if with_project else p.task_name,
            f"{p.project_id}:{p.task_id}",
        )
        for p in pairs
    ]


def not_loaded_options() -> list[Option]:
    """The catalog has nothing for the person yet (the modal's refresh has not landed)."""
    return [_option(NOT_LOADED_OPTION, NOTHING)]
