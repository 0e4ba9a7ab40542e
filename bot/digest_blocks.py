"""Pure Block Kit renderers for digests: a report in, a message out.

Hours are shown as decimal hours to the hundredth (``7.25 h``), exactly as
:mod:`bot.digest_report` counted them. Long lists are cut at :data:`LIST_LINES` with how many
more and their hours, so a section stays under Slack's 3,000 characters. An empty period is
one line, never a skipped message. User-facing strings are module constants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks import context, section
from bot.digest_periods import DAY_NAMES, Period
from bot.digest_report import DigestReport, Line, centi, hours_text, money_text
from bot.digests import PersonalReport
from bot.entries import format_hours
from bot.harvest.models import Entry
from storage.digests import DigestSubscription, PersonalDigest

LIST_LINES = 15
#: ``metadata.event_type`` of a scheduled digest: on recovery the poster looks for it in the
#: channel's history (:mod:`bot.slack_history`) before posting it again.
DIGEST_EVENT = "harvest_digest"

TITLE = {"daily": "Daily digest", "weekly": "Weekly digest"}
EMPTY_TEXT = ":zzz: No time or expenses were logged for {what} ({period})."
TOTAL_TEXT = "*{total} h* logged · {billable} h billable · {non_billable} h non-billable"
COMPARE_TEXT = "{change} h against {previous} h on {period}"
NOT_LOGGED_TEXT = ":bust_in_silhouette: *No time logged:* {people}"
RUNNING_TEXT = ":stopwatch: *Timers still running:*"
EXPENSES_TEXT = ":receipt: *Expenses:* {amount} ({count} {noun})"
SEES_TEXT = {
    "all": "",
    "projects": "Shown as <@{owner}> sees it in Harvest: the projects they manage.",
    "self": "Shown as <@{owner}> sees it in Harvest: only their own time.",
}
CHART_TITLE = "Hours per person and per project, {period}"
SUBSCRIBED_TEXT = (":white_check_mark: {what} set up here: {when}, covering {scope}. "
                   "It reports what <@{owner}>'s Harvest account can see. Next: {next}.")
OFF_TEXT = "Stopped {count} digest{s} in this channel."
NOTHING_TO_STOP_TEXT = "This channel has no digest to stop."
NOT_OWNER_TEXT = ("Only <@{owner}>, who set this digest up, or a Harvest administrator can "
                  "stop it.")
POSTED_NOW_TEXT = "Posted the digest for {period} here."
ME_SET_TEXT = (":white_check_mark: I'll DM you your day at {when}, with a nudge when you "
               "logged nothing and a warning when a timer runs past {late} or {max_hours} h.")
ME_OFF_TEXT = "Your daily DM is off."
ME_NOTHING_TEXT = ":wave: You haven't logged any time on {day} yet. `/harvest log 1h Project` " \
                  "or `/harvest start Project` to catch up."
ME_LONG_RUNNING_TEXT = (":warning: A timer is still running: *{project} / {task}* for "
                        "{hours} so far. `/harvest stop` if you're done.")


def _scope_text(scope: Mapping[str, object]) -> str:
    kind = scope.get("kind", "all")
    names = scope.get("names") or []
    if kind == "all" or not isinstance(names, list) or not names:
        return "everything"
    return f"{kind} {', '.join(str(name) for name in names)}"


def _days_text(days: Sequence[int]) -> str:
    if tuple(days) == tuple(range(7)):
        return "every day"
    if tuple(days) == tuple(range(5)):
        return "weekdays"
    return ", ".join(DAY_NAMES[d].capitalize() for d in days)


def schedule_text(subscription: DigestSubscription | PersonalDigest) -> str:
    """``weekdays at 09:00 Europe/London``."""
    days = _days_text(subscription.days)
    if isinstance(subscription, DigestSubscription) and subscription.kind == "weekly":
        days = f"{DAY_NAMES[subscription.days[0]].capitalize()}s"
    return f"{days} at {subscription.at:%H:%M} {subscription.timezone}"


def when_text(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return "not scheduled"
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _lines(lines: Sequence[Line]) -> str:
    shown = [f"• {line.name} — *{hours_text(line.centi)} h*" for line in lines[:LIST_LINES]]
    rest = lines[LIST_LINES:]
    if rest:
        shown.append(f"• …and {len(rest)} more — {hours_text(sum(r.centi for r in rest))} h")
    return "\n".join(shown)


def _change(report: DigestReport) -> str | None:
    """``+3.16 h against 6.25 h on Thursday 26 March 2026 (+51%)``."""
    if report.change is None or report.previous is None or report.previous_total is None:
        return None
    sign = "+" if report.change >= 0 else ""
    text = COMPARE_TEXT.format(change=f"{sign}{hours_text(report.change)}",
                               previous=hours_text(report.previous_total),
                               period=report.previous.label())
    if report.previous_total:
        text += f" ({sign}{round(report.change * 100 / report.previous_total)}%)"
    return text


def digest_message(
    subscription: DigestSubscription,
    report: DigestReport,
    *,
    mentions: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """The channel message: totals, people, projects (tasks), expenses, running timers, who
    logged nothing (as Slack mentions where ``mentions`` knows them), the comparison."""
    title = f"*{TITLE[subscription.kind]} — {report.period.label()}*"
    scope = _scope_text(subscription.scope)
    sees = SEES_TEXT[report.visibility].format(owner=subscription.owner_user_id)
    footer = " · ".join(part for part in (f"Covering {scope}", sees) if part)
    if report.is_empty:
        what = "everything" if scope == "everything" else scope
        line = EMPTY_TEXT.format(what=what, period=report.period.label())
        return {"text": line, "blocks": [section(f"{title}\n{line}"), context(footer)]}
    totals = TOTAL_TEXT.format(total=hours_text(report.total),
                               billable=hours_text(report.billable),
                               non_billable=hours_text(report.non_billable))
    change = _change(report)
    blocks = [section(title + "\n" + totals + (f"\n{change}" if change else ""))]
    blocks.append(section("*By person*\n" + _lines(report.people)))
    blocks.append(section("*By project*\n" + _lines(report.projects)))
    if report.tasks:
        blocks.append(section("*By task*\n" + _lines(report.tasks)))
    if report.expenses_count:
        noun = "expense" if report.expenses_count == 1 else "expenses"
        blocks.append(section(EXPENSES_TEXT.format(amount=money_text(report.expenses_cents),
                                                   count=report.expenses_count, noun=noun)))
    if report.running:
        running = "\n".join(f"• {r.person} — {r.project} / {r.task} ({hours_text(r.centi)} h)"
                            for r in report.running[:LIST_LINES])
        blocks.append(section(f"{RUNNING_TEXT}\n{running}"))
    if report.missing:
        mentions = mentions or {}
        names = [mentions.get(p.id) or p.name for p in report.missing]
        shown = ", ".join(names[:40]) + (f" and {len(names) - 40} more" if len(names) > 40 else "")
        blocks.append(section(NOT_LOGGED_TEXT.format(people=shown)))
    blocks.append(context(footer))
    text = (f"{TITLE[subscription.kind]} — {report.period.label()}: "
            f"{hours_text(report.total)} h logged")
    return {"text": text, "blocks": blocks}


def digest_payload(target: str, period_key: str) -> dict[str, str]:
    """What names one scheduled digest in its message's metadata: the schedule (``sub:<id>``,
    ``me:…``, ``watch:…``) and the period's key, as :mod:`storage.digests` records them."""
    return {"target": target, "period": period_key}


def digest_metadata(target: str, period_key: str) -> dict[str, Any]:
    """Slack message ``metadata`` for one scheduled digest (``digest now`` posts carry none:
    they are not the scheduled one)."""
    return {"event_type": DIGEST_EVENT, "event_payload": digest_payload(target, period_key)}


def chart_title(period: Period) -> str:
    return CHART_TITLE.format(period=period.label())


# -- setting up ---------------------------------------------------------------------------------


def subscribed_message(subscription: DigestSubscription, next_run: datetime | None) -> dict[str, Any]:
    text = SUBSCRIBED_TEXT.format(
        what=TITLE[subscription.kind], when=schedule_text(subscription),
        scope=_scope_text(subscription.scope), owner=subscription.owner_user_id,
        next=when_text(next_run, subscription.timezone))
    options = []
    if subscription.by_task:
        options.append("hours per task")
    if subscription.mention_missing:
        options.append("mentions people who logged nothing")
    if options:
        text += f" Also: {', '.join(options)}."
    return {"text": text, "blocks": [section(text)]}


def show_message(
    subscriptions: Sequence[DigestSubscription],
    next_runs: Mapping[int, datetime | None],
    personal: PersonalDigest | None,
    personal_next: datetime | None,
) -> dict[str, Any]:
    lines = []
    for sub in subscriptions:
        lines.append(f"• *{TITLE[sub.kind]}*: {schedule_text(sub)}, covering "
                     f"{_scope_text(sub.scope)}, as <@{sub.owner_user_id}> sees it. Next: "
                     f"{when_text(next_runs.get(sub.id or 0), sub.timezone)}.")
    if not lines:
        lines.append("This channel has no digest. Set one up with "
                     "`/harvest digest daily 09:00 weekdays`.")
    if personal is not None:
        lines.append(f"• *Your DM*: {schedule_text(personal)}. Next: "
                     f"{when_text(personal_next, personal.timezone)}.")
    else:
        lines.append("• You get no daily DM. `/harvest digest me 18:00 weekdays` sets one up.")
    text = "\n".join(lines)
    return {"text": text, "blocks": [section(text)]}


def me_set_message(personal: PersonalDigest) -> dict[str, Any]:
    text = ME_SET_TEXT.format(when=schedule_text(personal), late=f"{personal.running_after:%H:%M}",
                              max_hours=f"{personal.max_hours:g}")
    return {"text": text, "blocks": [section(text)]}


# -- the personal DM ----------------------------------------------------------------------------


def _entry_line(entry: Entry) -> str:
    where = " / ".join(part for part in (entry.project_name, entry.task_name) if part) or \
        f"Project {entry.project_id}"
    notes = f" — {entry.notes}" if entry.notes else ""
    running = " :stopwatch:" if entry.is_running else ""
    return f"• *{hours_text(centi(entry.hours))} h* {where}{notes}{running}"


def _long_running(entries: Sequence[Entry]) -> list[str]:
    return [ME_LONG_RUNNING_TEXT.format(project=e.project_name or f"Project {e.project_id}",
                                        task=e.task_name or f"Task {e.task_id}",
                                        hours=format_hours(e.hours))
            for e in entries]


def personal_message(report: PersonalReport) -> dict[str, Any]:
    """Your day: entries and total; a nudge when there are none; running-timer warnings."""
    day = f"{report.day:%A} {report.day.day} {report.day:%B}"
    if report.nothing_logged:
        text = ME_NOTHING_TEXT.format(day=day)
        return {"text": text, "blocks": [section(text)]}
    lines = "\n".join(_entry_line(e) for e in report.entries[:30])
    header = f"*Your day — {day}*: *{hours_text(report.total)} h*"
    blocks = [section(f"{header}\n{lines}")]
    warnings = _long_running(report.long_running)
    if warnings:
        blocks.append(section("\n".join(warnings)))
    return {"text": f"Your day: {hours_text(report.total)} h", "blocks": blocks}


def watch_message(report: PersonalReport) -> dict[str, Any] | None:
    """The evening check: a message only when a timer is still running."""
    warnings = _long_running(report.long_running)
    if not warnings:
        return None
    text = "\n".join(warnings)
    return {"text": text, "blocks": [section(text)]}
