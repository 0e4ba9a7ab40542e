"""What each person at the console has been shown, and the terminal it is written to.

The app's Web API calls and ``response_url`` posts arrive in the local Slack's thread
(:meth:`Screen.heard`); each becomes a header line and the Block Kit rendered as text, and the
message, modal or App Home it shows is kept as a :class:`Surface` so that ``:press 2`` can find
button [2]. The console's thread reads those surfaces and waits on :meth:`Screen.wait` for the
app to go quiet; one condition guards it all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

from bot.localslack.render import Rendered, render_message, render_view
from bot.localslack.server import RESPONSE_URL, Call

CHANNEL = ("C0GENERAL", "general")
RULE = "──"
MAX_SURFACES = 50


@dataclass
class Surface:
    """Something shown with controls: a message, an ephemeral, a modal or the App Home."""

    kind: Literal["message", "ephemeral", "modal", "home"]
    audience: str | None  # the user it is shown to; None: everyone in the channel
    rendered: Rendered
    channel: str | None = None
    ts: str | None = None
    message: dict[str, Any] | None = None
    view_id: str | None = None

    @property
    def name(self) -> str:
        return {"home": "App Home", "ephemeral": "message"}.get(self.kind, self.kind)


@dataclass
class Origin:
    """Who asked, and where, when the console handed the app a response_url."""

    user_id: str
    channel: str
    replaces: Surface | None = None


@dataclass
class Shown:
    header: str
    rendered: Rendered = field(default_factory=lambda: Rendered(()))
    surface: Surface | None = None


class Screen:
    """The console's output and what it showed to whom.

    :param current: the user id of the person at the console now (for posts the console cannot
        otherwise attribute).
    """

    def __init__(self, out: TextIO, names: Mapping[str, str], current: Callable[[], str]) -> None:
        self._out = out
        self.names = dict(names)
        self._current = current
        self._changed = threading.Condition()
        self._shown = 0
        self._surfaces: list[Surface] = []
        #: user id -> ids of the modals open for them, the top one last
        self.modals: dict[str, list[str]] = {}
        #: view id -> field -> the state of what the person typed or picked in it
        self.typed: dict[str, dict[str, dict[str, Any]]] = {}
        #: the people looking at their App Home (their Home's updates are shown in full)
        self.on_home: set[str] = set()
        #: the people whose App Home the app published since they were last asked about
        self.homes_published: set[str] = set()
        self.triggers: dict[str, str] = {}  # trigger_id -> user id
        self.origins: dict[str, Origin] = {}  # response_url key -> who asked, where

    # -- writing -----------------------------------------------------------------------------

    def write(self, text: str) -> None:
        with self._changed:
            self._out.write(text + "\n")
            self._out.flush()

    def show(self, shown: Shown) -> None:
        """Write it, keep its surface, and wake whoever waits for the app."""
        with self._changed:
            self._out.write("\n".join([shown.header, *shown.rendered.lines]) + "\n")
            self._out.flush()
            if shown.surface is not None:
                self._surfaces.append(shown.surface)
                del self._surfaces[:-MAX_SURFACES]
            self._shown += 1
            self._changed.notify_all()

    @property
    def count(self) -> int:
        """How many things have been shown so far."""
        with self._changed:
            return self._shown

    def wait(self, before: int, *, answered: bool, first: float, quiet: float) -> None:
        """Until the app seems done: up to ``first`` seconds for something beyond the first
        ``before`` shown (unless it ``answered`` already), then until ``quiet`` seconds pass
        without more. Slack cannot know when an app has finished; neither can the console."""
        with self._changed:
            if not answered:
                self._changed.wait_for(lambda: self._shown > before, first)
            while True:
                seen = self._shown
                self._changed.wait(quiet)
                if self._shown == seen:
                    return

    # -- what was shown ----------------------------------------------------------------------

    def last_with_controls(self, user_id: str) -> Surface | None:
        """The last surface shown to ``user_id`` that has buttons, selects or inputs."""
        with self._changed:
            for surface in reversed(self._surfaces):
                if surface.audience in (None, user_id) and surface.rendered.controls:
                    return surface
        return None

    def forget(self, ts: str | None) -> None:
        """A message is gone (deleted or replaced): its buttons can no longer be pressed."""
        with self._changed:
            self._surfaces = [s for s in self._surfaces if s.ts is None or s.ts != ts]

    def name(self, user_id: str) -> str:
        return "@" + self.names.get(user_id, user_id)

    def where(self, channel: str) -> str:
        if channel.startswith("D"):
            return f"DM with {self.name('U' + channel[1:])}"
        return "#" + (CHANNEL[1] if channel == CHANNEL[0] else channel)

    # -- what the app posts ------------------------------------------------------------------

    def heard(self, call: Call) -> None:
        """The local Slack's listener (its thread): show what a person would see."""
        if call.method not in _SHOWN_METHODS:
            return
        if not call.ok:
            error = call.response.get("error") if isinstance(call.response, dict) else call.response
            self.show(Shown(f"!! the app's {call.method} failed: {error}"))
            return
        shown = _SHOWN_METHODS[call.method](self, call)
        if shown is not None:
            self.show(shown)

    def _posted(self, call: Call) -> Shown:
        response = call.response
        channel = str(response.get("channel", ""))
        edited = " (edited)" if call.method == "chat.update" else ""
        audience = "U" + channel[1:] if channel.startswith("D") else None
        return self.message(f"{RULE} {self.where(channel)}{edited}", response.get("message") or {},
                            "message", audience, channel, str(response.get("ts", "")))

    def _ephemeral(self, call: Call) -> Shown:
        user, channel = str(call.args.get("user")), str(call.args.get("channel"))
        return self.message(f"{RULE} only {self.name(user)} sees this, in {self.where(channel)}",
                            call.args, "ephemeral", user, channel,
                            str(call.response.get("message_ts", "")))

    def _deleted(self, call: Call) -> Shown:
        self.forget(str(call.response.get("ts")))
        channel = str(call.response.get("channel"))
        return Shown(f"{RULE} a message was deleted in {self.where(channel)}")

    def _view(self, call: Call) -> Shown | None:
        view = call.response["view"]
        if view.get("type") != "modal":
            return None
        user = self.triggers.get(str(call.args.get("trigger_id")), "")
        if call.method == "views.update":
            user = next((u for u, ids in self.modals.items() if view["id"] in ids), user)
        user = user or self._current()
        stack = self.modals.setdefault(user, [])
        if view["id"] not in stack:
            stack.append(view["id"])
        return self.modal(user, view, "updated" if call.method == "views.update" else "")

    def _published(self, call: Call) -> Shown:
        user = str(call.args.get("user_id"))
        with self._changed:
            self.homes_published.add(user)
        if user not in self.on_home:
            return Shown(f"{RULE} {self.name(user)}'s App Home was updated (:home shows it)")
        return self.home(user, call.response["view"])

    def _file(self, call: Call) -> Shown:
        titles = ", ".join(f"“{f.get('title')}”" for f in call.response.get("files") or [])
        comment = str(call.args.get("initial_comment") or "")
        where = self.where(str(call.args.get("channel_id", "")))
        return Shown(f"{RULE} file {titles} shared in {where}", Rendered((comment,) if comment else ()))

    def _responded(self, call: Call) -> Shown:
        origin = self.origins.get(str(call.args.get("key")))
        return self.response(call.args, origin or Origin(self._current(), CHANNEL[0]))

    def response(self, args: Mapping[str, Any], origin: Origin) -> Shown:
        """A response_url post (or an acknowledgement's message) to ``origin``."""
        if args.get("delete_original"):
            if origin.replaces is not None:
                self.forget(origin.replaces.ts)
            return Shown(f"{RULE} the message was deleted")
        in_channel = args.get("response_type") == "in_channel"
        replacing = bool(args.get("replace_original")) and origin.replaces is not None
        if replacing and origin.replaces is not None:
            in_channel = origin.replaces.kind == "message"
            self.forget(origin.replaces.ts)
        where = self.where(origin.channel)
        header = (f"{RULE} {where}" if in_channel
                  else f"{RULE} only {self.name(origin.user_id)} sees this, in {where}")
        if replacing:
            header += " (replaces the message above)"
        kind: Literal["message", "ephemeral"] = "message" if in_channel else "ephemeral"
        return self.message(header, dict(args), kind, None if in_channel else origin.user_id,
                            origin.channel, f"{time.time():.6f}")

    def message(self, header: str, message: Mapping[str, Any],
                kind: Literal["message", "ephemeral"], audience: str | None, channel: str,
                ts: str) -> Shown:
        rendered = render_message(message, users=self.names)
        kept = {k: v for k, v in message.items() if k in ("type", "text", "blocks", "user")}
        return Shown(header, rendered, Surface(kind, audience, rendered, channel, ts,
                                               {**kept, "ts": ts}))

    def modal(self, user: str, view: Mapping[str, Any], change: str = "") -> Shown:
        rendered = render_view(view, users=self.names)
        what = f"modal {change}".strip()
        surface = Surface("modal", user, rendered, view_id=str(view["id"]))
        return Shown(f"{RULE} {what} for {self.name(user)}", rendered, surface)

    def home(self, user: str, view: Mapping[str, Any]) -> Shown:
        rendered = render_view(view, users=self.names)
        surface = Surface("home", user, rendered, view_id=str(view["id"]))
        return Shown(f"{RULE} {self.name(user)}'s App Home", rendered, surface)


_SHOWN_METHODS: dict[str, Callable[[Screen, Call], Shown | None]] = {
    "chat.postMessage": Screen._posted,
    "chat.update": Screen._posted,
    "chat.postEphemeral": Screen._ephemeral,
    "chat.delete": Screen._deleted,
    "views.open": Screen._view,
    "views.push": Screen._view,
    "views.update": Screen._view,
    "views.publish": Screen._published,
    "files.completeUploadExternal": Screen._file,
    RESPONSE_URL: Screen._responded,
}
