"""Who sent a Slack request, from which workspace and channel, read one way by every listener.

A slash command names them at the top level (``team_id``, ``user_id``, ``channel_id``); an
interaction payload nests them (``team.id``, or ``user.team_id`` where Slack leaves ``team``
out, ``channel.id`` or the message's ``container.channel_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Where:
    """Who asked, from which workspace and channel (``""``: no channel, say a modal)."""

    team_id: str
    user_id: str
    channel_id: str


def sender(body: dict[str, Any]) -> Where:
    """The sender of a slash command or an interaction."""
    if "user_id" in body:  # a slash command
        return Where(body["team_id"], body["user_id"], body.get("channel_id", ""))
    user = body["user"]
    team = (body.get("team") or {}).get("id") or user.get("team_id", "")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", "")
    return Where(team, user["id"], channel)


def who(body: dict[str, Any]) -> tuple[str, str]:
    """``(team_id, user_id)`` of the sender."""
    found = sender(body)
    return found.team_id, found.user_id


def action_key(body: dict[str, Any], action: dict[str, Any] | None = None) -> str:
    """One click of one button by one person (``action`` defaults to the payload's first), for
    telling a click Slack retried from a second click."""
    action = action or body["actions"][0]
    return f"{body['user']['id']}:{action.get('action_ts', '')}:{action['action_id']}"
