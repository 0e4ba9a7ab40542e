"""Pure Block Kit renderers for Co-op: mirrored statuses, command replies, the day's digest.

Mirrored statuses are posted by the bot under the author's name and avatar (``username`` and
``icon_url``, the ``chat:write.customize`` scope); the context line names the author too, for
workspaces where the bot may not change its name.

Long notes: Co-op's text goes in one section, which Slack caps at 3,000 characters. A longer
note is cut at a word boundary before :data:`NOTE_CHARS` with "…" and a link to the group in
Co-op, where the whole text is; nothing is split over several messages (each costs a second
of the channel's one-message-a-second budget, and a thread of fragments reads badly). The
notification ``text`` carries the first lines only. Co-op's text is escaped for mrkdwn
(``&``, ``<``, ``>``) before it is measured, so the cut never breaks an entity.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.blocks import MESSAGE_BLOCKS, SECTION_CHARS, button, context, section, text_message
from bot.coop import Digest, Groups, NeedsGroup, Posted
from bot.coop_admin import Created, Deleted, Invited, OwnerChanged
from bot.coop_mirror import Dropped
from bot.entries import format_hours
from bot.harvest.models import Group, Status
from bot.harvest.timezones import zone_for
from storage.coop_links import CoopLink

Message = dict[str, Any]

#: Where a note is cut: below the section limit, leaving room for the "…".
NOTE_CHARS = 2800
#: How much of a status one digest line shows.
DIGEST_LINE_CHARS = 280
FALLBACK_CHARS = 300

# action ids the handlers register
COOP_PICK = "coop_pick_group"
COOP_DELETE = "coop_delete_group"
COOP_CANCEL = "coop_cancel"
#: ``metadata.event_type`` of a mirrored status: a post in doubt is looked for in the channel's
#: history by it (``bot.slack_history``).
STATUS_EVENT = "coop_status"

PICK_TEXT = "You're in several Co-op groups. Where should this status go?"
PICKED_DEFAULT = ("I'll post your statuses there from now on outside linked channels "
                  "(`/harvest group default <group>` to change).")
DELETE_TEXT = ("Delete *{name}*? Co-op destroys all of the group's notes, for everyone. Time "
               "entries in Harvest are not affected. Channels showing the group stop.")
CANCELLED_TEXT = "Nothing was deleted."
DROPPED_TEXT = ("I stopped showing *{group}* in <#{channel}>: {reason}. "
                "Link it again with `/harvest group link {group}` if that changes.")
CHANNEL_GONE_TEXT = ("I stopped showing *{group}* in <#{channel}>: Slack won't let me post "
                     "there ({error}). Invite me to the channel and link it again.")


def escape(text: str) -> str:
    """Co-op's plain text as Slack mrkdwn shows it literally."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> tuple[str, bool]:
    """``text`` (already escaped) at most ``limit`` characters, cut at a word with "…";
    whether it was cut. An entity (``&amp;``) is never split."""
    if len(text) <= limit:
        return text, False
    head = text[: limit - 1]
    space = head.rfind(" ", max(0, len(head) - 200))
    if space > 0:
        head = head[:space]
    amp = head.rfind("&", max(0, len(head) - 5))
    if amp >= 0 and ";" not in head[amp:]:
        head = head[:amp]
    return head.rstrip() + "…", True


def _where(status: Status) -> str:
    where = escape(status.project or "a project")
    if status.client:
        where += f" ({escape(status.client)})"
    if status.task:
        where += f" / {escape(status.task)}"
    return where


def _is_running(status: Status) -> bool:
    return status.timer_started_at is not None


def _entry_line(status: Status) -> str:
    hours = format_hours(status.hours or 0.0)
    if _is_running(status):
        return f":stopwatch: Timer running on *{_where(status)}* · {hours} so far"
    return f":clock3: *{hours}* on *{_where(status)}*"


# -- mirrored statuses ------------------------------------------------------------------------


def mirrored_message(status: Status, group_name: str, group_url: str | None = None) -> Message:
    """One Co-op status as the bot posts it into a linked channel (see the module docstring)."""
    body, was_cut = cut(escape(status.text), NOTE_CHARS)
    if status.kind == "DayEntry":
        notes = "\n".join(f"> {line}" for line in body.splitlines()) if body else ""
        body = _entry_line(status) + (f"\n{notes}" if notes else "")
    where = f"*{escape(status.user.name)}* in Co-op · {escape(group_name)}"
    if was_cut and group_url:
        where += f" · <{group_url}|Read it all in Co-op>"
    fallback, _ = cut(escape(status.text) or _entry_line(status), FALLBACK_CHARS)
    message: Message = {
        "text": f"{status.user.name}: {fallback}",
        "blocks": [section(body or "_(empty)_"), context(where)],
        "username": status.user.name[:80],
        "unfurl_links": False,
        "unfurl_media": False,
        "metadata": {"event_type": STATUS_EVENT, "event_payload": status_payload(status)},
    }
    if status.user.avatar_url:
        message["icon_url"] = status.user.avatar_url
    return message


def status_payload(status: Status) -> dict[str, Any]:
    """What names a status in its message's metadata (Co-op's ids of Notes and DayEntries may
    collide: the kind is part of it)."""
    return {"group_id": status.group_id, "kind": status.kind, "id": status.id}


def dropped_text(dropped: Dropped) -> str:
    link = dropped.link
    return DROPPED_TEXT.format(group=link.group_name, channel=link.channel_id,
                               reason=dropped.reason)


def channel_gone_text(link: CoopLink, error: str) -> str:
    return CHANNEL_GONE_TEXT.format(group=link.group_name, channel=link.channel_id, error=error)


# -- command replies --------------------------------------------------------------------------


def posted_message(posted: Posted) -> Message:
    shown, _ = cut(escape(posted.text), NOTE_CHARS)
    quoted = "\n".join(f"> {line}" for line in shown.splitlines())
    text = f":speech_balloon: Posted to *{escape(posted.group.name)}*:\n{quoted}"
    blocks = [section(text)]
    if posted.became_default:
        blocks.append(context(PICKED_DEFAULT))
    return {"text": f"Posted to {posted.group.name}", "blocks": blocks}


def pick_group_message(needs: NeedsGroup) -> Message:
    """Buttons, one a group (five a row), that post the held status there."""
    groups = needs.groups[: (MESSAGE_BLOCKS - 2) * 5]
    rows = [groups[at: at + 5] for at in range(0, len(groups), 5)]
    shown, _ = cut(escape(needs.text), 600)
    blocks = [section(f"{PICK_TEXT}\n> {shown}")]
    for row in rows:
        blocks.append({"type": "actions", "elements": [
            button(g.name[:75], COOP_PICK, json.dumps({"g": g.id, "h": needs.held}))
            for g in row]})
    return {"text": PICK_TEXT, "blocks": blocks}


def groups_message(groups: Groups) -> Message:
    if not groups.groups:
        text = ("You're not in any Co-op group. Create one with "
                "`/harvest group create <name> [timezone] [emails]`.")
        return text_message(text)
    lines = []
    for group in groups.groups:
        marks = []
        if groups.linked_here and groups.linked_here.group_id == group.id:
            marks.append("shown in this channel")
        if groups.default_id == group.id:
            marks.append("your default")
        zone = f" ({escape(group.timezone)})" if group.timezone else ""
        extra = f" — {', '.join(marks)}" if marks else ""
        lines.append(f"• *{escape(group.name)}*{zone}{extra}")
    blocks = [section("*Your Co-op groups*\n" + "\n".join(lines))]
    here = groups.linked_here
    if here is not None and all(g.id != here.group_id for g in groups.groups):
        blocks.append(context(f"This channel shows *{escape(here.group_name)}*, linked by "
                              f"<@{here.user_id}>."))
    elif here is None:
        blocks.append(context("`/harvest group link <group>` shows a group's statuses here."))
    return {"text": "Your Co-op groups", "blocks": blocks[:MESSAGE_BLOCKS]}


def linked_message(link: CoopLink) -> Message:
    return text_message(f":link: This channel now shows new statuses of "
                        f"*{escape(link.group_name)}*, as you can read them.")


def unlinked_message(link: CoopLink | None) -> Message:
    if link is None:
        return text_message("This channel isn't showing a Co-op group.")
    return text_message(f"This channel no longer shows *{escape(link.group_name)}*.")


def default_message(group: Group) -> Message:
    return text_message(f"`/harvest status` now posts to *{escape(group.name)}* outside "
                        "linked channels.")


def created_message(created: Created) -> Message:
    group = created.group
    zone = f" ({escape(group.timezone)})" if group.timezone else ""
    lines = [f":tada: Created *{escape(group.name)}*{zone}. You own it."]
    if created.invited:
        lines.append(f"Invited: {', '.join(created.invited)}.")
    if created.became_default:
        lines.append("It's your default group for `/harvest status`.")
    lines.append(f"Show it in a channel with `/harvest group link {group.name}`.")
    return text_message("\n".join(lines))


def invited_message(invited: Invited) -> Message:
    joined = [m.email for m in invited.memberships if m.user_id]
    pending = [m.email for m in invited.memberships if not m.user_id]
    lines = [f"Invited to *{escape(invited.group.name)}*:"]
    if joined:
        lines.append(f"• members now: {', '.join(joined)}")
    if pending:
        lines.append(f"• invitation emailed: {', '.join(pending)}")
    return text_message("\n".join(lines))


def renamed_message(group: Group) -> Message:
    return text_message(f"Renamed the group to *{escape(group.name)}*.")


def owner_message(changed: OwnerChanged) -> Message:
    who = changed.owner.name or changed.owner.email
    return text_message(f"*{escape(who)}* owns *{escape(changed.group.name)}* now.")


def delete_confirm_message(group: Group) -> Message:
    text = DELETE_TEXT.format(name=escape(group.name))
    value = json.dumps({"g": group.id})
    delete = button(f"Delete {group.name}"[:75], COOP_DELETE, value, style="danger")
    delete["confirm"] = {
        "title": {"type": "plain_text", "text": "Delete the group?"},
        "text": {"type": "mrkdwn", "text": "Its notes are gone for good. Time entries stay."},
        "confirm": {"type": "plain_text", "text": "Delete"},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger",
    }
    cancel = button("Cancel", COOP_CANCEL, "cancel")
    return {"text": f"Delete {group.name}?",
            "blocks": [section(f":warning: {text}"), {"type": "actions",
                                                      "elements": [delete, cancel]}]}


def deleted_message(deleted: Deleted) -> Message:
    channels = ", ".join(f"<#{link.channel_id}>" for link in deleted.unlinked)
    also = f" It is no longer shown in {channels}." if channels else ""
    return text_message(f":wastebasket: Deleted *{escape(deleted.group.name)}* and its notes. "
                        f"Time entries are still in Harvest.{also}")


# -- the day's digest -------------------------------------------------------------------------


def _day(day: date) -> str:
    return f"{day:%a %b} {day.day}"


def digest_lines(statuses: Sequence[Status], timezone: str | None) -> list[str]:
    """One line a status, oldest first, times in the group's zone."""
    zone = zone_for(timezone)
    lines = []
    for status in statuses:
        when = f"{status.created_at.astimezone(zone):%H:%M} " if status.created_at else ""
        who = f"*{escape(status.user.name)}*"
        if status.kind == "DayEntry":
            what = _entry_line(status)
            if status.text:
                what += " — " + cut(escape(status.text), DIGEST_LINE_CHARS)[0]
        else:
            what = cut(escape(status.text), DIGEST_LINE_CHARS)[0]
        lines.append(f"• {when}{who}: {what}")
    return lines


def digest_message(digest: Digest) -> Message:
    """The day's statuses as one message: lines packed into sections within Slack's limits;
    what does not fit is counted, not dropped silently."""
    name = escape(digest.group.name)
    count = len(digest.statuses)
    heading = f"*{name}* — {_day(digest.day)}: {count} status{'es' if count != 1 else ''}"
    if not digest.statuses:
        return text_message(f"{heading}. Nothing posted that day.")
    budget = MESSAGE_BLOCKS - 2  # the heading, and the "more" line
    sections: list[list[str]] = []
    chunk: list[str] = []
    for line in digest_lines(digest.statuses, digest.group.timezone):
        if chunk and len("\n".join(chunk)) + 1 + len(line) > SECTION_CHARS - 10:
            sections.append(chunk)
            chunk = []
        if len(sections) >= budget:
            break
        chunk.append(line)
    if chunk and len(sections) < budget:
        sections.append(chunk)
    shown = sum(len(lines) for lines in sections)
    blocks = [section(heading), *(section("\n".join(lines)) for lines in sections)]
    if shown < count:
        blocks.append(context(f"… and {count - shown} more not shown here."))
    return {"text": f"{digest.group.name}: {count} statuses", "blocks": blocks[:MESSAGE_BLOCKS]}
