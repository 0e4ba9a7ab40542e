"""A person at the console: each line becomes a signed request to the app, as Slack's client
would send it; what the app then posts is shown by the :class:`~bot.console.screen.Screen`.

The session knows who you are and turns ``:press 2`` into the ``block_actions`` of button [2]
of the last thing shown to you, ``:submit`` into the ``view_submission`` of your open modal,
and acts on the acknowledgement as Slack does (field errors, update, push, close). After each
request it waits until the app has gone quiet, so that a scripted session
(``printf '/harvest today\\n' | harvest-bot console``) reads in step with the app.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import httpx

from bot.console import forms, lines
from bot.console.forms import FormError
from bot.console.lines import LineError
from bot.console.screen import CHANNEL, RULE, Origin, Screen, Surface
from bot.localslack.render import Control, Rendered, render_view
from bot.localslack.server import LocalSlack
from bot.localslack.signing import SignedRequest, SlackSigner

ACK_SECONDS = 3.0  # Slack shows the person an error when an app takes longer to acknowledge


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    email: str
    timezone: str = "UTC"


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
        self.screen = Screen(out, {p.user_id: p.name for p in self.people},
                             lambda: self.person.user_id)
        self._http = http or httpx.Client(timeout=30.0)
        self._keys = itertools.count(1)
        self._unsubscribe: Callable[[], None] | None = None

    # -- life --------------------------------------------------------------------------------

    def open(self) -> ConsoleSession:
        """Make the people known to the local Slack and start listening to it."""
        for person in self.people:
            if person.user_id not in self.slack.workspace.users:
                self.slack.add_user(person.user_id, name=person.name, email=person.email,
                                    tz=person.timezone)
        self._unsubscribe = self.slack.subscribe(self.screen.heard)
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
        self.screen.write(text)

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
                self.become(name)
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

    def become(self, name: str) -> None:
        """Be the person called ``name`` (or with that user id, or a name starting so).

        :raises LineError: nobody goes by it; the message says who one can be.
        """
        self.person = self._person(name)

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
        self.screen.origins[key] = Origin(self.person.user_id, channel, replaces)
        return self.slack.response_url(key)

    def _trigger(self) -> str:
        trigger = f"{next(self._keys)}.{int(time.time())}.console"
        self.screen.triggers[trigger] = self.person.user_id
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

    def _exchange(self, request: SignedRequest, on_answer: Callable[[Any], bool]) -> None:
        """Send ``request``; ``on_answer`` gets the acknowledgement's JSON (or None) and says
        whether it showed the person something."""
        before = self.screen.count
        answer = self._send(request)
        if answer is None:
            return
        body: Any = None
        if answer.content.strip():
            try:
                body = answer.json()
            except json.JSONDecodeError:
                body = {"text": answer.text}
        self.screen.wait(before, answered=on_answer(body), first=self.first_wait, quiet=self.quiet)

    def _slash(self, command: str, text: str) -> None:
        self.screen.on_home.discard(self.person.user_id)
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
        origin = Origin(self.person.user_id, channel, replaces)
        self.screen.show(self.screen.response(dict(body), origin))
        return True

    def _home(self) -> None:
        user = self.person.user_id
        self.screen.on_home.add(user)
        event: dict[str, Any] = {"type": "app_home_opened", "user": user, "channel": "D" + user[1:],
                                 "tab": "home", "event_ts": f"{time.time():.6f}"}
        home = self.slack.home(user)
        if home is not None:
            event["view"] = home
        self.screen.homes_published.discard(user)
        self._exchange(self.signer.event(event), lambda body: False)
        if user not in self.screen.homes_published:
            home = self.slack.home(user)
            if home is None:
                self.write("(the app has not published an App Home tab)")
            else:
                self.screen.show(self.screen.home(user, home))

    # -- controls ----------------------------------------------------------------------------

    def _find(self, number: int) -> tuple[Surface, Control]:
        """Control [number] of the last surface shown to the person that has controls."""
        surface = self.screen.last_with_controls(self.person.user_id)
        if surface is None:
            raise LineError("Nothing shown to you has buttons or selects yet.")
        control = surface.rendered.control(number)
        if control is None:
            shown = ", ".join(str(c.number) for c in surface.rendered.controls)
            raise LineError(f"The last {surface.name} has no [{number}]; it has [{shown}].")
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
            self.screen.typed.setdefault(surface.view_id, {})[control.field] = state
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
            self.screen.on_home.add(user)
        else:
            self.screen.on_home.discard(user)
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
        self.screen.triggers[payload["trigger_id"]] = user
        self._exchange(self.signer.interaction(payload), lambda body: False)

    # -- modals ------------------------------------------------------------------------------

    def _top_modal(self) -> str:
        stack = self.screen.modals.get(self.person.user_id) or []
        if not stack:
            raise LineError("You have no modal open.")
        return stack[-1]

    def _fields(self, view: Mapping[str, Any]) -> tuple[Control, ...]:
        return render_view(view, users=self.screen.names).fields

    def _current_view(self, view_id: str, *, check: bool) -> dict[str, Any]:
        """The view as it stands, with ``state`` from what the person typed and picked.

        :raises FormError: ``check`` and a required field is empty.
        """
        view = self.slack.view(view_id)
        if view.get("type") != "modal":
            return dict(view)
        typed = self.screen.typed.get(view_id, {})
        state = forms.view_state(self._fields(view), typed, submitting=check)
        return {**view, "state": state}

    def _submit(self, values: tuple[tuple[str, str], ...]) -> None:
        view_id = self._top_modal()
        view = self.slack.view(view_id)
        fields = self._fields(view)
        typed = self.screen.typed.setdefault(view_id, {})
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
        stack = self.screen.modals.setdefault(user, [])
        action = body.get("response_action") if isinstance(body, Mapping) else None
        if action == "errors":
            errors = body.get("errors") or {}
            self.write("\n".join(f"!! {field}: {message}" for field, message in errors.items()))
            return True
        if action in ("update", "push") and isinstance(body.get("view"), Mapping):
            stored = self.slack.show_view(body["view"], view_id if action == "update" else None)
            if action == "update":
                self.screen.typed.pop(view_id, None)
            else:
                stack.append(stored["id"])
            self.screen.show(self.screen.modal(user, stored, "updated" if action == "update" else ""))
            return True
        if action == "clear":
            for open_id in stack:
                self.screen.typed.pop(open_id, None)
            stack.clear()
            self.write(f"{RULE} modals closed")
            return True
        if view_id in stack:
            stack.remove(view_id)
        self.screen.typed.pop(view_id, None)
        self.write(f"{RULE} modal closed")
        return False  # the app may still answer elsewhere: wait for it

    def _close(self) -> None:
        view_id = self._top_modal()
        view = self.slack.view(view_id)
        self.screen.modals[self.person.user_id].remove(view_id)
        self.screen.typed.pop(view_id, None)
        self.write(f"{RULE} modal closed")
        if view.get("notify_on_close"):
            payload = {**self.signer.view_submission(self.person.user_id, view, {}),
                       "type": "view_closed", "is_cleared": False}
            self._exchange(self.signer.interaction(payload), lambda body: True)


def _state_text(state: Mapping[str, Any]) -> str:
    """What a field now holds, as the person would read it."""
    for key, value in state.items():
        if key == "selected_option" and isinstance(value, Mapping):
            return str((value.get("text") or {}).get("text", value.get("value")))
        if key == "selected_options" and isinstance(value, list):
            return ", ".join(str((o.get("text") or {}).get("text")) for o in value)
        if key != "type":
            return str(value)
    return ""
