"""The workspace behind the local Slack Web API: people, messages, views, files, and the Web API
methods that read and change them, answering as Slack does.

No HTTP here: :mod:`bot.localslack.server` serves these methods and records the calls. Callers
hold :attr:`Workspace.lock` (the server does) since the server thread and its readers (a test,
the console) both touch the state.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
SECTION_TEXT_LIMIT = 3000
CHANNEL_BURST = 3.0
#: ``conversations.history``'s ``limit``: its default and its maximum (Slack's documented
#: values; non-Marketplace apps created since May 2025 get 15 for both, not modelled here).
HISTORY_LIMIT = 100
HISTORY_LIMIT_MAX = 999


@dataclass
class SlackUser:
    id: str
    name: str
    email: str
    tz: str = "UTC"
    team_id: str = "T0DEMO"
    real_name: str = ""
    is_bot: bool = False
    is_admin: bool = False

    def as_slack(self) -> dict[str, Any]:
        """The user object of ``users.info``, with ``profile.email`` and ``tz``."""
        offset = ZoneInfo(self.tz).utcoffset(datetime.now()) if self.tz else None
        real_name = self.real_name or self.name.title()
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": self.is_bot,
            "is_admin": self.is_admin,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": {
                "email": self.email,
                "real_name": real_name,
                "display_name": self.name,
                "image_48": f"https://avatars.example/{self.id}.png",
            },
        }


@dataclass
class Workspace:
    """One Slack workspace as the app's bot sees it."""

    team_id: str = "T0DEMO"
    team_name: str = "Demo"
    bot_user_id: str = "U0BOT"
    bot_id: str = "B0BOT"
    strict: bool = True
    upload_base: str = "http://127.0.0.1/upload"
    clock: Callable[[], float] = time.monotonic
    #: Unix time for message ``ts`` (Slack's are seconds since the epoch, unique per message).
    wall_clock: Callable[[], float] = time.time
    users: dict[str, SlackUser] = field(default_factory=dict)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)
    shared_files: list[dict[str, Any]] = field(default_factory=list)
    oauth_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    channel_buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: Whether the bot is in a channel, where a test said so (``add_channel``); any other
    #: conversation id (``C…``, ``G…``, ``D…``) exists with the bot in it, as the app's
    #: channels do in this stand-in, unless it was deleted (``deleted_channels``).
    channels: dict[str, bool] = field(default_factory=dict)
    deleted_channels: set[str] = field(default_factory=set)
    _last_ts: float = 0.0
    lock: threading.Condition = field(default_factory=threading.Condition)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))  # type: ignore[type-arg]

    def next_id(self) -> int:
        return next(self._ids)

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """What Slack answers to ``method`` with ``args`` (the token already checked)."""
        handler = METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(self, args)

    def _next_ts(self) -> str:
        """The wall clock's now as Slack writes a ``ts`` ("1700000000.000100"), always after
        the previous one so that each is unique and they sort as they were made."""
        self._last_ts = max(self.wall_clock(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def block_problem(self, blocks: Any, limit: int) -> str | None:
        """Slack's error for blocks that break its limits, or None."""
        if not self.strict or not blocks:
            return None
        if not isinstance(blocks, list):
            return "invalid_blocks_format"
        if len(blocks) > limit:
            return "invalid_blocks"
        for block in blocks:
            if not isinstance(block, dict):
                return "invalid_blocks"
            text = block.get("text") or {}
            if (
                block.get("type") == "section"
                and len(text.get("text", "")) > SECTION_TEXT_LIMIT
            ):
                return "invalid_blocks"
        return None

    def _channel_paced(self, channel: str) -> bool:
        """Slack allows about one message a second in a channel, with short bursts."""
        if not self.strict:
            return True
        now = self.clock()
        tokens, last = self.channel_buckets.get(channel, (CHANNEL_BURST, now))
        tokens = min(
            CHANNEL_BURST, tokens + (now - last)
        )  # one message a second refills
        if tokens < 1:
            self.channel_buckets[channel] = (tokens, now)
            return False
        self.channel_buckets[channel] = (tokens - 1, now)
        return True

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if (
            not args.get("text")
            and not args.get("blocks")
            and not args.get("attachments")
        ):
            return {"ok": False, "error": "no_text"}
        if error := self.block_problem(args.get("blocks"), MESSAGE_BLOCK_LIMIT):
            return {"ok": False, "error": error}
        if channel.startswith("U"):  # posting to a user id lands in the DM with them
            channel = "D" + channel[1:]
        if channel in self.deleted_channels:
            return {"ok": False, "error": "channel_not_found"}
        metadata = args.get("metadata")
        if metadata is not None and not _metadata_ok(metadata):
            return {"ok": False, "error": "invalid_metadata_format"}
        if not self._channel_paced(channel):
            return {"ok": False, "error": "ratelimited"}
        ts = self._next_ts()
        message = {
            "type": "message",
            "channel": channel,
            "ts": ts,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "text": args.get("text", ""),
            "blocks": args.get("blocks", []),
            "thread_ts": args.get("thread_ts"),
        }
        if metadata is not None:
            message["metadata"] = {"event_type": metadata["event_type"],
                                   "event_payload": metadata.get("event_payload", {})}
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("user"):
            missing = (
                "channel_not_found" if not args.get("channel") else "user_not_found"
            )
            return {"ok": False, "error": missing}
        if error := self.block_problem(args.get("blocks"), MESSAGE_BLOCK_LIMIT):
            return {"ok": False, "error": error}
        ts = self._next_ts()
        self.ephemerals.append({**args, "ts": ts})
        return {"ok": True, "message_ts": ts}

    def _update_message(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args.get("channel", ""), args.get("ts", ""))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        if error := self.block_problem(args.get("blocks"), MESSAGE_BLOCK_LIMIT):
            return {"ok": False, "error": error}
        message = self.messages[key]
        message.update({k: args[k] for k in ("text", "blocks") if k in args})
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message["text"],
                "message": message}  # fmt: skip

    def _delete_message(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args.get("channel", ""), args.get("ts", ""))
        if self.messages.pop(key, None) is None:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def store_view(
        self, args: dict[str, Any], view_id: str | None = None
    ) -> dict[str, Any]:
        view = args.get("view")
        if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
            return {"ok": False, "error": "invalid_arguments"}
        if error := self.block_problem(view.get("blocks"), VIEW_BLOCK_LIMIT):
            return {"ok": False, "error": error}
        view_id = view_id or f"V{self.next_id():08d}"
        stored = {
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "hash": f"h{self.next_id()}",
        }
        stored.setdefault("state", {"values": {}})
        self.views[view_id] = stored
        return {"ok": True, "view": stored}

    def _open_view(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return self.store_view(args)

    def _update_view(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        if not view_id and args.get("external_id"):
            view_id = next(
                (
                    i
                    for i, v in self.views.items()
                    if v.get("external_id") == args["external_id"]
                ),
                None,
            )
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        if args.get("hash") and args["hash"] != self.views[view_id]["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        return self.store_view(args, view_id)

    def _publish_view(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user_id", "")
        if user_id not in self.users:
            return {"ok": False, "error": "user_not_found"}
        answer = self.store_view(args)
        if answer["ok"]:
            self.homes[user_id] = answer["view"]
        return answer

    def _user_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user.as_slack()}

    def _lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        email = args.get("email", "").lower()
        for user in self.users.values():
            if user.email.lower() == email:
                return {"ok": True, "user": user.as_slack()}
        return {"ok": False, "error": "users_not_found"}

    def _open_conversation(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if len(users) != 1 or users[0] not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": "D" + users[0][1:], "is_im": True}}

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        """``conversations.history``: the channel's messages (thread replies aside), newest
        first, strictly between ``oldest`` and ``latest`` (inclusive when ``inclusive``),
        ``limit`` a page, ``cursor`` for the next (older) page; ``metadata`` only with
        ``include_all_metadata``."""
        channel = str(args.get("channel") or "")
        if channel[:1] not in ("C", "G", "D") or channel in self.deleted_channels:
            return {"ok": False, "error": "channel_not_found"}  # e.g. a user id: no conversation
        if not self.channels.get(channel, True):
            return {"ok": False, "error": "not_in_channel"}
        bounds = []
        for name in ("oldest", "latest"):
            value = args.get(name)
            try:
                bounds.append(float(value) if value not in (None, "") else None)
            except (TypeError, ValueError):
                return {"ok": False, "error": f"invalid_ts_{name}"}
        oldest, latest = bounds
        inclusive = _flag(args.get("inclusive"))
        limit = _int(args.get("limit"), HISTORY_LIMIT)
        limit = HISTORY_LIMIT if limit < 1 else min(limit, HISTORY_LIMIT_MAX)
        before = latest
        if args.get("cursor"):
            before = _cursor_ts(str(args["cursor"]))
            if before is None:
                return {"ok": False, "error": "invalid_cursor"}
            inclusive_latest = False
        else:
            inclusive_latest = inclusive and latest is not None
        found = []
        for (c, ts), message in self.messages.items():
            if c != channel or message.get("thread_ts") not in (None, ts):
                continue
            when = float(ts)
            if oldest is not None and (when < oldest or (when == oldest and not inclusive)):
                continue
            if before is not None and (when > before or (when == before
                                                         and not inclusive_latest)):
                continue
            found.append(message)
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        page, more = found[:limit], len(found) > limit
        with_metadata = _flag(args.get("include_all_metadata"))
        answer: dict[str, Any] = {
            "ok": True,
            "messages": [_as_history(m, with_metadata) for m in page],
            "has_more": more,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
        }
        if more:
            answer["response_metadata"] = {"next_cursor": _cursor_of(page[-1]["ts"])}
        return answer

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.team_name.lower().replace(' ', '')}.slack.example/",
            "team": self.team_name,
            "user": "harvest-bot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{self.next_id():08d}"
        return {
            "ok": True,
            "upload_url": f"{self.upload_base}/{file_id}",
            "file_id": file_id,
        }

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        for entry in files:
            if entry.get("id") not in self.uploads:
                return {"ok": False, "error": "file_not_found"}
            title = entry.get("title", "")
            done.append({"id": entry["id"], "title": title, "name": title})
        for entry in done:
            self.shared_files.append(
                {
                    **entry,
                    "channel": args.get("channel_id"),
                    "comment": args.get("initial_comment"),
                }
            )
        return {"ok": True, "files": done}

    def _oauth_access(self, args: dict[str, Any]) -> dict[str, Any]:
        grant = self.oauth_codes.pop(args.get("code", ""), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True,
            "app_id": "A0DEMO",
            "authed_user": {"id": grant["installer"]},
            "scope": grant["scope"],
            "token_type": "bot",
            "access_token": grant["token"],
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.team_id, "name": self.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }


def _metadata_ok(metadata: Any) -> bool:
    """Slack's message metadata: an ``event_type`` string and an object ``event_payload``."""
    return (isinstance(metadata, dict) and isinstance(metadata.get("event_type"), str)
            and bool(metadata["event_type"])
            and isinstance(metadata.get("event_payload", {}), dict))


def _flag(value: Any) -> bool:
    """A boolean argument as Slack reads it from a form or JSON: true, "true" or "1"."""
    return value is True or str(value).lower() in ("true", "1")


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _cursor_of(ts: str) -> str:
    """An opaque cursor (Slack's are base64 too) naming the last message given."""
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _cursor_ts(cursor: str) -> float | None:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        return float(text.removeprefix("next_ts:")) if text.startswith("next_ts:") else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _as_history(message: dict[str, Any], with_metadata: bool) -> dict[str, Any]:
    """A stored message as ``conversations.history`` shows it."""
    shown = {key: value for key, value in message.items()
             if key not in ("channel", "thread_ts", "metadata")}
    if message.get("thread_ts"):
        shown["thread_ts"] = message["thread_ts"]
    if with_metadata and "metadata" in message:
        shown["metadata"] = message["metadata"]
    return shown


METHODS: dict[str, Callable[[Workspace, dict[str, Any]], dict[str, Any]]] = {
    "api.test": lambda workspace, args: {"ok": True, "args": args},
    "auth.test": Workspace._auth_test,
    "chat.postMessage": Workspace._post_message,
    "chat.postEphemeral": Workspace._post_ephemeral,
    "chat.update": Workspace._update_message,
    "chat.delete": Workspace._delete_message,
    "views.open": Workspace._open_view,
    "views.push": Workspace._open_view,
    "views.update": Workspace._update_view,
    "views.publish": Workspace._publish_view,
    "users.info": Workspace._user_info,
    "users.lookupByEmail": Workspace._lookup_by_email,
    "conversations.open": Workspace._open_conversation,
    "conversations.history": Workspace._history,
    "files.getUploadURLExternal": Workspace._upload_url,
    "files.completeUploadExternal": Workspace._complete_upload,
    "oauth.v2.access": Workspace._oauth_access,
}
