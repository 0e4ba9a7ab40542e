"""Pure Block Kit for the App Home tab: an :class:`~bot.home.Overview` in, a ``home`` view out.

A view holds at most 100 blocks: the fixed parts take about 15 and today's entries one each, so
past :data:`MAX_ENTRIES` the oldest are summarised in one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks import OPTION_CHARS, button, context, section
from bot.entries import format_hours
from bot.harvest.models import Entry
from bot.home import Overview
from bot.modals import OPEN_LOG
from bot.work import Pair

View = dict[str, Any]
Block = dict[str, Any]

VIEW_BLOCKS = 100
MAX_ENTRIES = 60
# action ids; each quick-start button is HOME_START + ":" + its position (ids are unique in a view)
HOME_STOP = "home_stop"
HOME_START = "home_start"

TITLE = "Your Harvest time"
NO_TIMER = "No timer running."
NO_ENTRIES = "Nothing tracked today yet."
NO_RECENT = "Projects you track time to will show here, ready to start again with one click."
LOCKED_NOTE = (
    ":lock: Approved entries are locked: only a Harvest administrator can change them."
)
MORE_TEXT = "Use `/harvest today` or `/harvest week` to edit, delete or restart entries."
ABOUT_TEXT = (
    "*What I can do*\n"
    "• `/harvest start website / design` starts a timer, `/harvest stop` stops it\n"
    "• `/harvest log 1h30 website / design on monday` logs time\n"
    "• *Log time* in the shortcuts menu (⚡), or on any message to use its text as notes\n"
    "• `/harvest help` lists everything"
)
TROUBLE_TEXT = "I couldn't show your Harvest time just now."


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _divider() -> Block:
    return {"type": "divider"}


def _where(entry: Entry) -> str:
    project = entry.project_name or f"project {entry.project_id}"
    task = entry.task_name or f"task {entry.task_id}"
    client = f" ({entry.client_name})" if entry.client_name else ""
    return f"{project}{client} / {task}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _timer(overview: Overview) -> Block:
    running = overview.running
    if running is None:
        return section(NO_TIMER)
    notes = f" — {running.notes}" if running.notes else ""
    since = ""
    if running.timer_started_at is not None:
        local = running.timer_started_at.astimezone(overview.zone)
        since = f"running since {local:%H:%M} · "
    block = section(
        f":stopwatch: *{_where(running)}*{notes}\n"
        f"{since}*{format_hours(running.hours)}* so far"
    )
    block["accessory"] = button("Stop", HOME_STOP, str(running.id), style="danger")
    return block


def _quick_starts(recent: Sequence[Pair]) -> list[Block]:
    starts = [
        button(_clip(p.label, OPTION_CHARS), f"{HOME_START}:{i}", f"{p.project_id}:{p.task_id}")
        for i, p in enumerate(recent)
    ]
    blocks: list[Block] = [section("*Start again*")]
    if not starts:
        blocks.append(context(NO_RECENT))
    return blocks + [{"type": "actions", "block_id": "home_starts",
                      "elements": [*starts, button("Log time…", OPEN_LOG, "home")]}]


def _entry_line(entry: Entry) -> Block:
    running = " :stopwatch: running" if entry.is_running else ""
    locked = " :lock: approved" if entry.is_closed else ""
    notes = f"\n{entry.notes}" if entry.notes else ""
    return section(f"*{_where(entry)}* {format_hours(entry.hours)}{running}{locked}{notes}")


def home_view(overview: Overview) -> View:
    """A linked person's Home: the timer with Stop, quick starts, today's entries, totals."""
    blocks: list[Block] = [
        _header(TITLE),
        context(f"As of {overview.as_of:%H:%M} on {overview.today:%A %b} {overview.today.day}"),
        _timer(overview),
        *_quick_starts(overview.recent),
        _divider(),
        section(f"*Today* — *{format_hours(overview.today_total)}*   ·   "
                f"This week — *{format_hours(overview.week_total)}*"),
    ]
    entries = overview.entries
    shown = entries[-MAX_ENTRIES:]
    if len(shown) < len(entries):
        blocks.append(context(f"{len(entries) - len(shown)} earlier entries not shown."))
    blocks += [_entry_line(e) for e in shown] or [context(NO_ENTRIES)]
    if any(e.is_closed for e in entries):
        blocks.append(context(LOCKED_NOTE))
    blocks += [_divider(), context(MORE_TEXT)]
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}


def problem_view(message: dict[str, Any], *, trouble: bool) -> View:
    """A Home for someone the overview could not be made for: ``message`` says why in the error
    handler's words (for someone not linked: how to connect, with its buttons)."""
    blocks: list[Block] = [_header(TITLE)]
    if trouble:
        blocks.append(section(TROUBLE_TEXT))
    blocks += [*message.get("blocks", []), _divider(), section(ABOUT_TEXT)]
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}
