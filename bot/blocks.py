"""Pure Block Kit renderers: values in, message blocks and modal views out.

Limits kept here, as Slack enforces them: 50 blocks a message, 100 a view, 3,000 characters a
section text, 100 options a static select, 75 characters an option text, 2,000 a button value
and 255 a block_id. User-facing strings are module constants.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.entries import Logged, Timesheet, format_hours
from bot.harvest.models import Entry, Project
from bot.linking_v2 import AccountChoice
from bot.parsing.commands import COMMANDS, FOR_USER_USAGE, HELP_BY_NAME
from bot.timers import Started
from bot.work import Choice

Block = dict[str, Any]

MESSAGE_BLOCKS = 50
SECTION_CHARS = 3000
OPTION_CHARS = 75
BLOCK_ID_CHARS = 255

# action ids and callback ids the handlers register
PICK_WORK = "pick_work"
ENTRY_EDIT = "entry_edit"
ENTRY_DELETE = "entry_delete"
ENTRY_RESTART = "entry_restart"
CONNECT_OAUTH = "connect_oauth"
CONNECT_PASSWORD = "connect_password"
CONNECT_VIEW = "connect_password_view"
CONNECT_TOKEN = "connect_token"
TOKEN_VIEW = "connect_token_view"
ACCOUNT_VIEW = "connect_account_view"
CHOOSE_ACCOUNT = "connect_choose_account"
EDIT_VIEW = "edit_entry_view"

HELP_TITLE = "*Track Harvest time without leaving Slack*"
CONNECT_TEXT = (
    "Connect your Harvest account so I can track time for you. "
    "Your password or tokens are stored encrypted and never shown again."
)
NOT_LINKED_TEXT = "You haven't connected Harvest yet."
CHOOSE_ACCOUNT_TEXT = "Your Harvest sign-in reaches several Harvest accounts. Which one shall I use?"
TOKEN_HELP = ("Make a personal access token in Harvest ID under Developers. Leave the account id "
              "empty and I'll look up the accounts the token reaches.")
PENDING_TEXT = (
    ":hourglass_flowing_sand: Harvest isn't answering right now, so I've kept {what} and will "
    "send it as soon as Harvest is back. I'll tell you when it lands."
)
LANDED_TEXT = ":white_check_mark: Harvest is back: {what} is in your timesheet now."
FAILED_TEXT = ":warning: I couldn't save {what} to Harvest: {error}"


def _clip(text: str, limit: int = SECTION_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text)}]}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None,
           url: str | None = None) -> Block:
    element: Block = {"type": "button", "text": {"type": "plain_text", "text": text},
                      "action_id": action_id}
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    return element


def text_message(text: str) -> dict[str, Any]:
    """A plain reply: ``text`` and the same in one section."""
    return {"text": _clip(text), "blocks": [section(text)]}


# -- help ---------------------------------------------------------------------------------------


def help_message(topic: str | None = None) -> dict[str, Any]:
    """Every command with its usage, or one command with its examples."""
    if topic is not None and topic in HELP_BY_NAME:
        help = HELP_BY_NAME[topic]
        examples = "\n".join(f"• `{e}`" for e in help.examples)
        text = f"`{help.usage}`\n{help.summary}" + (f"\n{examples}" if examples else "")
        return {"text": text, "blocks": [section(text)]}
    lines = [f"`{h.usage}`  {h.summary}" for h in COMMANDS]
    blocks = [section(HELP_TITLE), section("\n".join(lines)), context(FOR_USER_USAGE)]
    return {"text": "Harvest commands", "blocks": blocks}


def usage_message(message: str, usage: str) -> dict[str, Any]:
    """A command that could not be read: what was wrong, and how it is used."""
    return {"text": message, "blocks": [section(f":thinking_face: {message}"), context(usage)]}


# -- connecting ---------------------------------------------------------------------------------


def connect_message(oauth_url: str | None) -> dict[str, Any]:
    """The ways to connect: "Sign in with Harvest" (when OAuth is set up) and email/password."""
    buttons = []
    if oauth_url:
        buttons.append(button("Sign in with Harvest", CONNECT_OAUTH, "oauth", style="primary",
                              url=oauth_url))
    buttons.append(button("Use a personal access token", CONNECT_TOKEN, "token"))
    buttons.append(button("Use email and password (Harvest v1)", CONNECT_PASSWORD, "password"))
    return {"text": CONNECT_TEXT,
            "blocks": [section(CONNECT_TEXT), {"type": "actions", "elements": buttons}]}


def not_linked_message(oauth_url: str | None) -> dict[str, Any]:
    message = connect_message(oauth_url)
    message["blocks"][0] = section(f"{NOT_LINKED_TEXT} {CONNECT_TEXT}")
    message["text"] = NOT_LINKED_TEXT
    return message


def _input(block_id: str, label: str, *, initial: str = "", placeholder: str = "",
           multiline: bool = False, optional: bool = False) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    return {"type": "input", "block_id": block_id, "optional": optional,
            "label": {"type": "plain_text", "text": label}, "element": element}


def connect_modal(default_url: str, metadata: str = "") -> dict[str, Any]:
    """The email/password form. The password field cannot be masked in Slack: say so."""
    return {
        "type": "modal",
        "callback_id": CONNECT_VIEW,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Connect Harvest"},
        "submit": {"type": "plain_text", "text": "Connect"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input("account_url", "Harvest account URL", initial=default_url,
                   placeholder="https://yourcompany.harvestapp.com"),
            _input("email", "Email"),
            _input("password", "Password"),
            context("I check these with Harvest before keeping them, encrypted. "
                    "If your account has \"Sign in with Harvest\", prefer that."),
        ],
    }


def token_modal(metadata: str = "") -> dict[str, Any]:
    """The personal access token form (Harvest API v2): the token, and the account id if known."""
    return {
        "type": "modal",
        "callback_id": TOKEN_VIEW,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Connect Harvest"},
        "submit": {"type": "plain_text", "text": "Connect"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input("token", "Personal access token"),
            _input("account_id", "Account ID", optional=True, placeholder="e.g. 123456"),
            context(TOKEN_HELP + " I check the token with Harvest before keeping it, encrypted."),
        ],
    }


def _account_options(choice: AccountChoice) -> list[Block]:
    return [{"text": {"type": "plain_text", "text": _clip(f"{a.name} ({a.id})", OPTION_CHARS)},
             "value": str(a.id)} for a in choice.accounts[:100]]


def account_modal(choice: AccountChoice, metadata: str = "") -> dict[str, Any]:
    """After a token reaching several Harvest accounts: which one."""
    select = {"type": "static_select", "action_id": "value",
              "options": _account_options(choice)}
    return {
        "type": "modal",
        "callback_id": ACCOUNT_VIEW,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Connect Harvest"},
        "submit": {"type": "plain_text", "text": "Connect"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "input", "block_id": "account_id",
                    "label": {"type": "plain_text", "text": "Harvest account"},
                    "element": select},
                   context(CHOOSE_ACCOUNT_TEXT)],
    }


def account_choice_message(choice: AccountChoice) -> dict[str, Any]:
    """After a Harvest ID sign-in reaching several Harvest accounts: pick one (a DM)."""
    select = {"type": "static_select", "action_id": CHOOSE_ACCOUNT,
              "placeholder": {"type": "plain_text", "text": "Pick an account"},
              "options": _account_options(choice)}
    return {"text": CHOOSE_ACCOUNT_TEXT,
            "blocks": [section(CHOOSE_ACCOUNT_TEXT),
                       {"type": "actions", "block_id": f"choose:{choice.key}"[:BLOCK_ID_CHARS],
                        "elements": [select]}]}


def connected_text(email: str) -> str:
    return f":white_check_mark: Connected to Harvest as *{email}*. Try `/harvest start` or `/harvest today`."


# -- timers and entries -------------------------------------------------------------------------


def _where(entry: Entry) -> str:
    project = entry.project_name or f"project {entry.project_id}"
    task = entry.task_name or f"task {entry.task_id}"
    client = f" ({entry.client_name})" if entry.client_name else ""
    return f"{project}{client} / {task}"


def _for(name: str | None) -> str:
    return f" for {name}" if name else ""


def started_message(started: Started, for_name: str | None = None) -> dict[str, Any]:
    if started.pending is not None:
        return text_message(PENDING_TEXT.format(what=started.pending.description))
    notes = f" — {started.notes}" if started.notes else ""
    return text_message(f":stopwatch: Timer started{_for(for_name)} on *{started.pair.label}*{notes}")


def logged_message(logged: Logged, for_name: str | None = None) -> dict[str, Any]:
    if logged.pending is not None:
        return text_message(PENDING_TEXT.format(what=logged.pending.description))
    notes = f" — {logged.notes}" if logged.notes else ""
    when = _day(logged.spent_at)
    return text_message(
        f":white_check_mark: Logged *{format_hours(logged.hours)}*{_for(for_name)} on "
        f"*{logged.pair.label}*, {when}{notes}"
    )


def entry_message(verb: str, entry: Entry, for_name: str | None = None) -> dict[str, Any]:
    """``Stopped``/``Resumed``/``Updated``/``Deleted`` an entry, with its hours and notes."""
    notes = f" — {entry.notes}" if entry.notes else ""
    return text_message(
        f"{verb}{_for(for_name)}: *{_where(entry)}* {format_hours(entry.hours)}{notes}"
    )


def _day(day: date) -> str:
    return f"{day:%a %b} {day.day}"


def choice_message(choice: Choice, state: dict[str, Any]) -> dict[str, Any]:
    """A picker: the reason and a select of project/task pairs; ``state`` rides in the block_id."""
    if not choice.pairs:
        return text_message(choice.reason)
    options = [
        {"text": {"type": "plain_text", "text": _clip(p.label, OPTION_CHARS)},
         "value": f"{p.project_id}:{p.task_id}"}
        for p in choice.pairs[:100]
    ]
    block_id = encode_state(state)
    select = {"type": "static_select", "action_id": PICK_WORK, "options": options,
              "placeholder": {"type": "plain_text", "text": "Project / task"}}
    blocks = [section(choice.reason), {"type": "actions", "block_id": block_id,
                                       "elements": [select]}]
    if choice.notes:
        blocks.append(context(f"Notes: {choice.notes}"))
    return {"text": choice.reason, "blocks": blocks}


def encode_state(state: dict[str, Any]) -> str:
    """Compact JSON for a block_id; long notes are shortened to fit Slack's 255 characters."""
    text = json.dumps(state, separators=(",", ":"), ensure_ascii=False)
    while len(text) > BLOCK_ID_CHARS and state.get("n"):
        state = {**state, "n": state["n"][: max(len(state["n"]) - (len(text) - BLOCK_ID_CHARS) - 1, 0)]}
        text = json.dumps(state, separators=(",", ":"), ensure_ascii=False)
    return text


def decode_state(block_id: str) -> dict[str, Any]:
    try:
        state = json.loads(block_id)
    except json.JSONDecodeError:
        return {}
    return state if isinstance(state, dict) else {}


def entry_value(entry: Entry, for_user: str | None) -> str:
    """What an entry's buttons carry: its id, hours and notes (for the edit modal), and for whom."""
    value: dict[str, Any] = {"id": entry.id, "h": round(entry.hours, 2), "n": entry.notes[:1500]}
    if for_user:
        value["for"] = for_user
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def timesheet_message(sheet: Timesheet, for_user: str | None = None) -> dict[str, Any]:
    """The timesheet with totals; each entry with Edit, Delete and Restart buttons.

    Two blocks an entry: past 50 blocks the oldest entries are summarised in one line.
    """
    heading = f"*{sheet.title}*{_for(sheet.for_name)} — total *{format_hours(sheet.total)}*"
    blocks: list[Block] = [section(heading)]
    budget = MESSAGE_BLOCKS - 2
    entries = [(day.day, e) for day in sheet.days for e in day.entries]
    shown = entries[-(budget // 2):] if len(entries) * 2 > budget else entries
    multi_day = len(sheet.days) > 1
    if len(shown) < len(entries):
        blocks.append(context(f"{len(entries) - len(shown)} earlier entries not shown."))
    if multi_day:
        totals = "  ·  ".join(f"{_day(d.day)}: {format_hours(d.total)}" for d in sheet.days)
        blocks.append(context(totals))
    for day, entry in shown:
        running = " :stopwatch: running" if entry.is_running else ""
        locked = " :lock: approved" if entry.is_closed else ""
        notes = f"\n{entry.notes}" if entry.notes else ""
        when = f"{_day(day)} · " if multi_day else ""
        value = entry_value(entry, for_user)
        blocks.append(section(f"{when}*{_where(entry)}* {format_hours(entry.hours)}{running}{locked}{notes}"))
        blocks.append({"type": "actions", "block_id": f"entry:{entry.id}", "elements": [
            button("Edit", ENTRY_EDIT, value),
            button("Restart", ENTRY_RESTART, value),
            button("Delete", ENTRY_DELETE, value, style="danger"),
        ]})
    if not entries:
        blocks.append(section("No time tracked yet. Try `/harvest start` or `/harvest log 1h`."))
    return {"text": f"{sheet.title}: {format_hours(sheet.total)}", "blocks": blocks[:MESSAGE_BLOCKS]}


def projects_message(projects: Sequence[Project]) -> dict[str, Any]:
    """The projects and their tasks, one section per project, within the block limit."""
    if not projects:
        return text_message("No projects match. `/harvest projects` lists them all.")
    blocks = [section("*Projects you can track time to*")]
    for project in projects[: MESSAGE_BLOCKS - 2]:
        client = f"{project.client_name} · " if project.client_name else ""
        code = f" `{project.code}`" if project.code else ""
        tasks = ", ".join(t.name for t in project.tasks)
        blocks.append(section(f"{client}*{project.name}*{code}\n{tasks}"))
    if len(projects) > MESSAGE_BLOCKS - 2:
        blocks.append(context(f"{len(projects) - (MESSAGE_BLOCKS - 2)} more: add a filter."))
    return {"text": "Your projects", "blocks": blocks}


def edit_modal(entry_id: int, hours: float, notes: str, metadata: str) -> dict[str, Any]:
    """Edit an entry's hours and notes."""
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Edit entry"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input("hours", "Hours", initial=format_hours(hours), placeholder="1:30, 1.5 or 90m"),
            _input("notes", "Notes", initial=notes, multiline=True, optional=True),
            context(f"Entry {entry_id}"),
        ],
    }
