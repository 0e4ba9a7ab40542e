"""A person at the console: each line becomes a signed request to the app, and what the app then
posts to the local Slack comes back as text, rendered from Block Kit as it arrives.

The session keeps what Slack's client would: who you are, the messages and views you were shown
(so ``:press 2`` knows which button is [2]), the modals open for each person and what has been
typed into them. After each request it waits until the app has gone quiet, so that a scripted
session (``printf '/harvest today\\n' | harvest-bot console``) reads in step with the app.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

import httpx

from bot.console import forms, lines
from bot.console.forms import FormError
from bot.console.lines import LineError
from bot.localslack.render import Control, Rendered, render_message, render_view
from bot.localslack.server import RESPONSE_URL, Call, LocalSlack
from bot.localslack.signing import SignedRequest, SlackSigner

CHANNEL = ("C0GENERAL", "general")
ACK_SECONDS = 3.0  # Slack shows the person an error when an app takes longer to acknowledge
SHOWN_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.delete",
                 "views.open", "views.push", "views.update", "views.publish",
                 "files.completeUploadExternal", RESPONSE_URL}
MAX_SURFACES = 50
RULE = "──"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    email: str
    timezone: str = "UTC"


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


@dataclass
class _Origin:
    """Who asked, where, when the console handed the app a response_url."""

    user_id: str
    channel: str
    replaces: Surface | None = None


@dataclass
class _Shown:
    header: str
    rendered: Rendered
    surface: Surface | None = None


@dataclass
class _Counter:
    shown: int = 0
    homes: set[str] = field(default_factory=set)


class ConsoleSession:
    """The console's state and its conversation with the app.

    :param events_url: where the app takes Slack's requests (``…/slack/events``).
    :param first_wait: how long to wait for the app's first visible answer to a request.
    :param quiet: after an answer, how long without another before the next line is read.
    """

    def __init__(
        self,
        slack: LocalSlack,
        signer: SlackSigner,
        events_url: str,
        people: Sequence[Person],
        out: TextIO,
        *,
        first_wait: float = 10.0,
        quiet: float = 0.4,
        http: httpx.Client | None = None,
    ) -> None:
        if not people:
            raise ValueError("the console needs at least one person to be")
        self.slack = slack
        self.signer = signer
        self.events_url = events_url
        self.people = tuple(people)
        self.person = self.people[0]
        self.first_wait = first_wait
        self.quiet = quiet
        self._out = out
        self._http = http or httpx.Client(timeout=30.0)
        self._names = {p.user_id: p.name for p in self.people}
        self._changed = threading.Condition()
        self._count = _Counter()
        self._surfaces: list[Surface] = []
        self._modals: dict[str, list[str]] = {}  # user id -> open view ids, top last
        self._typed: dict[str, dict[str, dict[str, Any]]] = {}  # view id -> field -> state
        self._on_home: set[str] = set()
        self._triggers: dict[str, str] = {}  # trigger_id -> user id
        self._origins: dict[str, _Origin] = {}  # response_url key -> who asked, where
        self._keys = itertools.count(1)
        self._unsubscribe: Callable[[], None] | None = None

    # -- life --------------------------------------------------------------------------------

    def open(self) -> ConsoleSession:
        """Make the people known to the local Slack and start listening to it."""
        for person in self.people:
            if person.user_id not in self.slack.workspace.users:
                self.slack.add_user(person.user_id, name=person.name, email=person.email,
                                    tz=person.timezone)
        self._unsubscribe = self.slack.subscribe(self._heard)
        return self

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._http.close()

    def __enter__(self) -> ConsoleSession:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def prompt(self) -> str:
        return f"{self.person.name}> "

    def greet(self) -> None:
        others = ", ".join(p.name for p in self.people if p is not self.person)
        self.write(f"You are @{self.person.name} in #{CHANNEL[1]}"
                   + (f" (:user {others.split(', ')[0]} to be someone else)" if others else "")
                   + ". Type /harvest help, or :help for the console's own commands.")

    def run(self, typed: Iterable[str], *, echo: bool = False) -> None:
        """Handle lines until ``:quit`` or the end of input; ``echo`` writes each line after
        the prompt first (for input that is not typed at a terminal)."""
        for line in typed:
            if echo:
                self.write(f"{self.prompt}{line.rstrip()}")
            if not self.handle(line):
                break

    def write(self, text: str) -> None:
        with self._changed:
            self._out.write(text + "\n")
            self._out.flush()

    # -- one line ----------------------------------------------------------------------------

    def handle(self, line: str) -> bool:
        """Act on one line; False once the person asked to quit."""
        try:
            command = lines.parse_line(line)
        except LineError as error:
            self.write(str(error))
            return True
        if isinstance(command, lines.Quit):
            return False
        try:
            self._dispatch(command)
        except (LineError, FormError) as error:
            self.write(str(error))
        return True

    def _dispatch(self, command: lines.Command) -> None:
        match command:
            case lines.Blank():
                pass
            case lines.Help():
                self.write(lines.HELP_TEXT)
            case lines.Users():
                self.write("\n".join(
                    f"  {'*' if p is self.person else ' '} {p.name:<10} {p.user_id:<10} {p.email}"
                    for p in self.people))
            case lines.SwitchUser(name):
                self.person = self._person(name)
                self.write(f"You are @{self.person.name} now.")
            case lines.Slash(name, text):
                self._slash(name, text)
            case lines.Home():
                self._home()
            case lines.Press(number):
                self._press(number)
            case lines.Select(number, option):
                self._select(number, option)
            case lines.Submit(values):
                self._submit(values)
            case lines.Close():
                self._close()

    def _person(self, name: str) -> Person:
        wanted = name.casefold()
        for test in (lambda p: wanted in (p.name.casefold(), p.user_id.casefold()),
                     lambda p: p.name.casefold().startswith(wanted)):
            found = [p for p in self.people if test(p)]
            if len(found) == 1:
                return found[0]
        names = ", ".join(p.name for p in self.people)
        raise LineError(f"There is no {name!r} here; you can be {names}.")

    # -- requests ----------------------------------------------------------------------------

    def _response_url(self, channel: str, replaces: Surface | None = None) -> str:
        key = f"console-{next(self._keys)}"
        self._origins[key] = _Origin(self.person.user_id, channel, replaces)
        return self.slack.response_url(key)

    def _trigger(self) -> str:
        trigger = f"{next(self._keys)}.{int(time.time())}.console"
        self._triggers[trigger] = self.person.user_id
        return trigger

    def _send(self, request: SignedRequest) -> httpx.Response | None:
        started = time.monotonic()
        try:
            answer = request.post(self.events_url, self._http)
        except httpx.HTTPError as error:
            self.write(f"!! cannot reach the app at {self.events_url}: {error}")
            return None
        took = time.monotonic() - started
        if took > ACK_SECONDS:
            self.write(f"!! the app took {took:.1f} s to answer; Slack gives up after "
                       f"{ACK_SECONDS:.0f} s and shows an error")
        if answer.status_code != 200:
            self.write(f"!! the app answered HTTP {answer.status_code}: {answer.text[:200]}")
            return None
        return answer

    def _wait(self, before: int, *, answered: bool) -> None:
        """Until the app seems done: its first answer (unless the acknowledgement was one),
        then :attr:`quiet` seconds without another."""
        with self._changed:
            if not answered:
                self._changed.wait_for(lambda: self._count.shown > before, self.first_wait)
            while True:
                seen = self._count.shown
                self._changed.wait(self.quiet)
                if self._count.shown == seen:
                    return

    def _exchange(self, request: SignedRequest, on_answer: Callable[[Any], bool]) -> None:
        """Send ``request``; ``on_answer`` gets the acknowledgement's JSON (or None) and says
        whether it showed the person something."""
        with self._changed:
            before = self._count.shown
        answer = self._send(request)
        if answer is None:
            return
        body: Any = None
        if answer.content.strip():
            try:
                body = answer.json()
            except json.JSONDecodeError:
                body = {"text": answer.text}
        self._wait(before, answered=on_answer(body))

    def _slash(self, command: str, text: str) -> None:
        self._on_home.discard(self.person.user_id)
        channel = CHANNEL[0]
        request = self.signer.slash_command(
            text, user_id=self.person.user_id, user_name=self.person.name, command=command,
            channel_id=channel, channel_name=CHANNEL[1],
            response_url=self._response_url(channel), trigger_id=self._trigger())
        self._exchange(request, lambda body: self._acknowledged(body, channel))

    def _acknowledged(self, body: Any, channel: str, replaces: Surface | None = None) -> bool:
        """An acknowledgement with a message in it is shown like a response_url post."""
        if not isinstance(body, Mapping) or not (body.get("text") or body.get("blocks")):
            return False
        origin = _Origin(self.person.user_id, channel, replaces)
        self._show(self._response(dict(body), origin))
        return True

    def _home(self) -> None:
        user = self.person.user_id
        self._on_home.add(user)
        event: dict[str, Any] = {"type": "app_home_opened", "user": user, "channel": "D" + user[1:],
                                 "tab": "home", "event_ts": f"{time.time():.6f}"}
        home = self.slack.home(user)
        if home is not None:
            event["view"] = home
        with self._changed:
            self._count.homes.discard(user)
        self._exchange(self.signer.event(event), lambda body: False)
        with self._changed:
            republished = user in self._count.homes
        if not republished:
            home = self.slack.home(user)
            if home is None:
                self.write("(the app has not published an App Home tab)")
            else:
                self._show(self._home_shown(user, home))

    # -- controls ----------------------------------------------------------------------------

    def _find(self, number: int) -> tuple[Surface, Control]:
        """Control [number] of the last surface shown to the person that has controls."""
        with self._changed:
            mine = [s for s in self._surfaces
                    if s.audience in (None, self.person.user_id) and s.rendered.controls]
        if not mine:
            raise LineError("Nothing shown to you has buttons or selects yet.")
        surface = mine[-1]
        control = surface.rendered.control(number)
        if control is None:
            shown = ", ".join(str(c.number) for c in surface.rendered.controls)
            what = {"home": "App Home", "ephemeral": "message"}.get(surface.kind, surface.kind)
            raise LineError(f"The last {what} has no [{number}]; it has [{shown}].")
        return surface, control

    def _press(self, number: int) -> None:
        surface, control = self._find(number)
        if control.field is not None:
            raise LineError(f"[{number}] is a field of the modal: :submit {control.field}=…")
        if control.type != "button":
            raise LineError(f"[{number}] is not a button: :select {number} OPTION")
        if control.url:
            self.write(f"(your browser would open {control.url})")
        self._act(surface, control, forms.action_of(control))

    def _select(self, number: int, wanted: str) -> None:
        surface, control = self._find(number)
        if not forms.takes_options(control):
            if control.field is None:
                raise LineError(f"[{number}] is not a select; :press {number}")
            state = forms.typed_value(control, wanted)
        else:
            option = self._option(surface, control, wanted)
            state = forms.chosen_value(control, [option])
        if control.dispatches:
            self._act(surface, control, forms.action_of(control, state))
        else:
            assert surface.view_id is not None and control.field is not None
            self._typed.setdefault(surface.view_id, {})[control.field] = state
            shown = _state_text(state)
            self.write(f"{control.label}: {shown} (sent when you :submit)")

    def _option(self, surface: Surface, control: Control, wanted: str) -> forms.Option:
        """The option ``wanted`` names; for an external select, one the app suggests."""
        if control.type in forms.SUGGESTED:
            options = self._suggestions(surface, control, wanted)
            if not options:
                raise LineError(f"The app suggests nothing for {wanted!r}.")
            listed = Control(control.number, control.type, control.action_id, control.block_id,
                             control.label, control.element, options)
            return listed.option(wanted) or options[0]
        option = control.option(wanted)
        if option is None:
            names = "; ".join(f"{i}. {o.label}" for i, o in enumerate(control.options, 1))
            raise LineError(f"[{control.number}] has no option {wanted!r}: {names}")
        return option

    def _suggestions(self, surface: Surface, control: Control, typed: str) -> tuple[forms.Option, ...]:
        payload = self.signer.block_suggestion(self.person.user_id, control.action_id, typed,
                                               block_id=control.block_id)
        if surface.view_id is not None:
            payload["container"] = {"type": "view", "view_id": surface.view_id}
            payload["view"] = self._current_view(surface.view_id, check=False)
        answer = self._send(self.signer.interaction(payload))
        if answer is None or not answer.content.strip():
            return ()
        return forms.suggested_options(answer.json())

    def _act(self, surface: Surface, control: Control, action: dict[str, Any]) -> None:
        """Send ``block_actions`` for ``control`` used on ``surface``."""
        user = self.person.user_id
        if surface.kind == "home":
            self._on_home.add(user)
        else:
            self._on_home.discard(user)
        if surface.view_id is not None:
            payload = self.signer.block_action(
                user, control.action_id, block_id=control.block_id,
                container={"type": "view", "view_id": surface.view_id},
                view=self._current_view(surface.view_id, check=False), action=action)
        else:
            channel = surface.channel or CHANNEL[0]
            ephemeral = surface.kind == "ephemeral"
            payload = self.signer.block_action(
                user, control.action_id, block_id=control.block_id,
                response_url=self._response_url(channel, surface),
                container={"type": "message", "message_ts": surface.ts, "channel_id": channel,
                           "is_ephemeral": ephemeral},
                channel_id=channel, message=None if ephemeral else surface.message,
                action=action)
        self._triggers[payload["trigger_id"]] = user
        self._exchange(self.signer.interaction(payload), lambda body: False)

    # -- modals ------------------------------------------------------------------------------

    def _top_modal(self) -> str:
        stack = self._modals.get(self.person.user_id) or []
        if not stack:
            raise LineError("You have no modal open.")
        return stack[-1]

    def _fields(self, view: Mapping[str, Any]) -> tuple[Control, ...]:
        return render_view(view, users=self._names).fields

    def _current_view(self, view_id: str, *, check: bool) -> dict[str, Any]:
        """The view as it stands, with ``state`` from what the person typed and picked.

        :raises FormError: ``check`` and a required field is empty.
        """
        view = self.slack.view(view_id)
        if view.get("type") != "modal":
            return dict(view)
        typed = self._typed.get(view_id, {})
        state = forms.view_state(self._fields(view), typed, submitting=check)
        return {**view, "state": state}

    def _submit(self, values: tuple[tuple[str, str], ...]) -> None:
        view_id = self._top_modal()
        view = self.slack.view(view_id)
        fields = self._fields(view)
        typed = self._typed.setdefault(view_id, {})
        surface = Surface("modal", self.person.user_id, Rendered(()), view_id=view_id)
        for name, text in values:
            control = forms.find_field(fields, name)
            assert control.field is not None
            if forms.takes_options(control):
                typed[control.field] = forms.chosen_value(
                    control, [self._option(surface, control, text)])
            else:
                typed[control.field] = forms.typed_value(control, text)
        submitted = self._current_view(view_id, check=True)
        payload = self.signer.view_submission(self.person.user_id, submitted,
                                              submitted["state"]["values"])
        self._exchange(self.signer.interaction(payload),
                       lambda body: self._after_submit(view_id, body))

    def _after_submit(self, view_id: str, body: Any) -> bool:
        """What Slack does with a submission's acknowledgement: close, update, push, errors."""
        user = self.person.user_id
        stack = self._modals.setdefault(user, [])
        action = body.get("response_action") if isinstance(body, Mapping) else None
        if action == "errors":
            errors = body.get("errors") or {}
            self.write("\n".join(f"!! {field}: {message}" for field, message in errors.items()))
            return True
        if action in ("update", "push") and isinstance(body.get("view"), Mapping):
            stored = self.slack.show_view(body["view"], view_id if action == "update" else None)
            if action == "update":
                self._typed.pop(view_id, None)
            else:
                stack.append(stored["id"])
            self._show(self._modal_shown(user, stored, "updated" if action == "update" else ""))
            return True
        if action == "clear":
            for open_id in stack:
                self._typed.pop(open_id, None)
            stack.clear()
            self.write(f"{RULE} modals closed")
            return True
        if view_id in stack:
            stack.remove(view_id)
        self._typed.pop(view_id, None)
        self.write(f"{RULE} modal closed")
        return False  # the app may still answer elsewhere: wait for it

    def _close(self) -> None:
        view_id = self._top_modal()
        view = self.slack.view(view_id)
        self._modals[self.person.user_id].remove(view_id)
        self._typed.pop(view_id, None)
        self.write(f"{RULE} modal closed")
        if view.get("notify_on_close"):
            payload = {**self.signer.view_submission(self.person.user_id, view, {}),
                       "type": "view_closed", "is_cleared": False}
            self._exchange(self.signer.interaction(payload), lambda body: True)

    # -- what the app posts ------------------------------------------------------------------

    def _heard(self, call: Call) -> None:
        """The local Slack's listener (its thread): show what a person would see."""
        if call.method not in SHOWN_METHODS:
            return
        if not call.ok:
            error = call.response.get("error") if isinstance(call.response, dict) else call.response
            self._show(_Shown(f"!! the app's {call.method} failed: {error}", Rendered(())))
            return
        shown = self._shown(call)
        if shown is not None:
            self._show(shown)

    def _show(self, shown: _Shown) -> None:
        with self._changed:
            self._out.write("\n".join([shown.header, *shown.rendered.lines]) + "\n")
            self._out.flush()
            if shown.surface is not None:
                self._surfaces.append(shown.surface)
                del self._surfaces[:-MAX_SURFACES]
            self._count.shown += 1
            self._changed.notify_all()

    def _name(self, user_id: str) -> str:
        return "@" + self._names.get(user_id, user_id)

    def _where(self, channel: str) -> str:
        if channel.startswith("D"):
            return f"DM with {self._name('U' + channel[1:])}"
        return "#" + (CHANNEL[1] if channel == CHANNEL[0] else channel)

    def _shown(self, call: Call) -> _Shown | None:
        args, response = call.args, call.response
        if call.method == RESPONSE_URL:
            origin = self._origins.get(str(args.get("key")))
            if origin is None:
                origin = _Origin(self.person.user_id, CHANNEL[0])
            return self._response(args, origin)
        if call.method in ("chat.postMessage", "chat.update"):
            message = response.get("message") or {}
            channel = str(response.get("channel", ""))
            edited = " (edited)" if call.method == "chat.update" else ""
            audience = "U" + channel[1:] if channel.startswith("D") else None
            return self._message(f"{RULE} {self._where(channel)}{edited}", message, "message",
                                 audience, channel, str(response.get("ts", "")))
        if call.method == "chat.postEphemeral":
            user, channel = str(args.get("user")), str(args.get("channel"))
            header = f"{RULE} only {self._name(user)} sees this, in {self._where(channel)}"
            return self._message(header, args, "ephemeral", user, channel,
                                 str(response.get("message_ts", "")))
        if call.method == "chat.delete":
            self._forget(str(response.get("ts")))
            return _Shown(f"{RULE} a message was deleted in {self._where(str(response.get('channel')))}",
                          Rendered(()))
        if call.method in ("views.open", "views.push", "views.update"):
            view = response["view"]
            user = self._triggers.get(str(args.get("trigger_id")), "")
            if call.method == "views.update":
                user = next((u for u, s in self._modals.items() if view["id"] in s), user)
            user = user or self.person.user_id
            if view.get("type") != "modal":
                return None
            stack = self._modals.setdefault(user, [])
            if view["id"] not in stack:
                stack.append(view["id"])
            return self._modal_shown(user, view, "updated" if call.method == "views.update" else "")
        if call.method == "views.publish":
            user = str(args.get("user_id"))
            with self._changed:
                self._count.homes.add(user)
            if user not in self._on_home:
                return _Shown(f"{RULE} {self._name(user)}'s App Home was updated (:home shows it)",
                              Rendered(()))
            return self._home_shown(user, response["view"])
        if call.method == "files.completeUploadExternal":
            titles = ", ".join(f"“{f.get('title')}”" for f in response.get("files") or [])
            channel = str(args.get("channel_id", ""))
            comment = str(args.get("initial_comment") or "")
            return _Shown(f"{RULE} file {titles} shared in {self._where(channel)}",
                          Rendered((comment,) if comment else ()))
        return None

    def _response(self, args: Mapping[str, Any], origin: _Origin) -> _Shown:
        """A response_url post (or an acknowledgement's message) to ``origin``."""
        if args.get("delete_original"):
            if origin.replaces is not None:
                self._forget(origin.replaces.ts)
            return _Shown(f"{RULE} the message was deleted", Rendered(()))
        in_channel = args.get("response_type") == "in_channel"
        replacing = bool(args.get("replace_original")) and origin.replaces is not None
        if replacing and origin.replaces is not None:
            in_channel = origin.replaces.kind == "message"
            self._forget(origin.replaces.ts)
        where = self._where(origin.channel)
        header = (f"{RULE} {where}" if in_channel
                  else f"{RULE} only {self._name(origin.user_id)} sees this, in {where}")
        if replacing:
            header += " (replaces the message above)"
        kind: Literal["message", "ephemeral"] = "message" if in_channel else "ephemeral"
        ts = f"{time.time():.6f}"
        return self._message(header, dict(args), kind, None if in_channel else origin.user_id,
                             origin.channel, ts)

    def _message(self, header: str, message: Mapping[str, Any],
                 kind: Literal["message", "ephemeral"], audience: str | None, channel: str,
                 ts: str) -> _Shown:
        rendered = render_message(message, users=self._names)
        kept = {k: v for k, v in message.items() if k in ("type", "text", "blocks", "ts", "user")}
        surface = Surface(kind, audience, rendered, channel, ts, {**kept, "ts": ts})
        return _Shown(header, rendered, surface)

    def _modal_shown(self, user: str, view: Mapping[str, Any], change: str) -> _Shown:
        rendered = render_view(view, users=self._names)
        what = f"modal {change}".strip()
        surface = Surface("modal", user, rendered, view_id=str(view["id"]))
        return _Shown(f"{RULE} {what} for {self._name(user)}", rendered, surface)

    def _home_shown(self, user: str, view: Mapping[str, Any]) -> _Shown:
        rendered = render_view(view, users=self._names)
        surface = Surface("home", user, rendered, view_id=str(view["id"]))
        return _Shown(f"{RULE} {self._name(user)}'s App Home", rendered, surface)

    def _forget(self, ts: str | None) -> None:
        """A message is gone (deleted or replaced): its buttons can no longer be pressed."""
        with self._changed:
            self._surfaces = [s for s in self._surfaces if s.ts is None or s.ts != ts]


def _state_text(state: Mapping[str, Any]) -> str:
    for key, value in state.items():
        if key == "selected_option" and isinstance(value, Mapping):
            return str((value.get("text") or {}).get("text", value.get("value")))
        if key == "selected_options" and isinstance(value, list):
            return ", ".join(str((o.get("text") or {}).get("text")) for o in value)
        if key != "type":
            return str(value)
    return ""
