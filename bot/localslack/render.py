"""Block Kit as readable terminal text, with every interactive element numbered.

Pure: a message or a view in, a :class:`Rendered` out (its lines, and the :class:`Control`\\ s the
person can use, numbered as shown so the console can press ``[2]``). Nothing here talks to Slack
or to the app::

    rendered = render_message({"blocks": [...]})
    print(rendered.text)
    rendered.control(2)     # the element shown as [2]

What Slack would draw as a button is ``[2 Stop]``; a select is ``[3 Project / task ▾]`` with its
options listed under it; a modal's inputs are ``[4] Hours (hours=): 1:30``, the name before ``=``
being what ``:submit`` takes. mrkdwn keeps its ``*bold*`` and ``_italic_`` marks (they read well
as they are) but links, mentions and dates become plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DIVIDER = "─" * 40
MAX_OPTIONS_SHOWN = 30
#: Elements whose use sends a ``block_actions`` request straight away (outside an input block).
_SELECTS = {
    "static_select", "external_select", "users_select", "conversations_select",
    "channels_select", "multi_static_select", "multi_external_select", "multi_users_select",
    "multi_conversations_select", "multi_channels_select", "overflow", "radio_buttons",
    "checkboxes",
}
_TEXT_INPUTS = {
    "plain_text_input", "number_input", "email_text_input", "url_text_input",
    "rich_text_input",
}
_KIND_HINTS = {
    "datepicker": "date YYYY-MM-DD",
    "timepicker": "time HH:MM",
    "datetimepicker": "date-time",
    "number_input": "number",
    "email_text_input": "email",
    "url_text_input": "URL",
    "users_select": "user id",
    "conversations_select": "channel id",
    "channels_select": "channel id",
}

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


@dataclass(frozen=True)
class Option:
    """One choice of a select, overflow, radio or checkbox group, as the app defined it."""

    label: str
    value: str
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)


@dataclass(frozen=True)
class Control:
    """An interactive element, shown as ``[number ...]``.

    ``field`` is the input block's ``block_id`` for an element of a modal's input block: its value
    is kept until the view is submitted, unless the input ``dispatches`` (``dispatch_action``).
    """

    number: int
    type: str
    action_id: str
    block_id: str
    label: str
    element: Mapping[str, Any] = field(repr=False, compare=False)
    options: tuple[Option, ...] = ()
    field: str | None = None
    optional: bool = False
    #: Whether using it sends ``block_actions`` at once (not only when the view is submitted).
    dispatches: bool = True

    @property
    def value(self) -> str | None:
        """A button's value."""
        value = self.element.get("value")
        return value if isinstance(value, str) else None

    @property
    def url(self) -> str | None:
        """Where a link button takes the person (Slack still sends the action)."""
        url = self.element.get("url")
        return url if isinstance(url, str) else None

    @property
    def is_select(self) -> bool:
        return self.type in _SELECTS

    def option(self, wanted: str) -> Option | None:
        """The option numbered ``wanted`` (1-based, as listed), else the first whose label or
        value equals it, else starts with it (case-insensitive)."""
        wanted = wanted.strip()
        if wanted.isdigit() and 1 <= int(wanted) <= len(self.options):
            return self.options[int(wanted) - 1]
        folded = wanted.casefold()
        for test in (
            lambda o: folded in (o.label.casefold(), o.value.casefold()),
            lambda o: o.label.casefold().startswith(folded),
            lambda o: folded in o.label.casefold(),
        ):
            found = [o for o in self.options if test(o)]
            if found:
                return found[0]
        return None


@dataclass(frozen=True)
class Rendered:
    """Lines to print and the controls they show."""

    lines: tuple[str, ...]
    controls: tuple[Control, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def control(self, number: int) -> Control | None:
        return next((c for c in self.controls if c.number == number), None)

    @property
    def fields(self) -> tuple[Control, ...]:
        """The inputs of a modal, in order."""
        return tuple(c for c in self.controls if c.field is not None)


# -- text ------------------------------------------------------------------------------------


def mrkdwn(text: str, users: Mapping[str, str] | None = None) -> str:
    """Slack's mrkdwn as plain text: ``<@U1>`` is ``@name``, ``<url|label>`` is
    ``label (url)``, ``<!date^…|fallback>`` its fallback; ``&amp;``, ``&lt;`` and ``&gt;`` unescaped."""
    names = users or {}

    def link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            user = target[1:]
            return "@" + (label or names.get(user, user))
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            command = target[1:].split("^", 1)[0]
            if command in ("here", "channel", "everyone"):
                return "@" + command
            return label or command
        if label and label != target:
            return f"{label} ({target})"
        return target

    plain = _LINK.sub(link, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def text_of(obj: Any, users: Mapping[str, str] | None = None) -> str:
    """A text object (``plain_text`` or ``mrkdwn``) or a bare string, as plain text."""
    if isinstance(obj, str):
        return obj
    if not isinstance(obj, Mapping):
        return ""
    text = str(obj.get("text", ""))
    return mrkdwn(text, users) if obj.get("type") == "mrkdwn" else text


# -- blocks ----------------------------------------------------------------------------------


class _Renderer:
    def __init__(self, users: Mapping[str, str] | None, start: int) -> None:
        self.users = users or {}
        self.next = start
        self.lines: list[str] = []
        self.controls: list[Control] = []

    def done(self) -> Rendered:
        return Rendered(tuple(self.lines), tuple(self.controls))

    def text(self, obj: Any) -> str:
        return text_of(obj, self.users)

    def add(self, text: str, indent: str = "") -> None:
        for line in text.split("\n"):
            self.lines.append(f"{indent}{line}".rstrip())

    def blocks(self, blocks: Sequence[Any]) -> None:
        for block in blocks:
            if not isinstance(block, Mapping):
                continue
            kind = block.get("type")
            method = getattr(self, f"_block_{kind}", None)
            if method is None:
                self.add(f"[{kind} block]")
            else:
                method(block)

    # one method a block type, named after it

    def _block_section(self, block: Mapping[str, Any]) -> None:
        text = self.text(block.get("text"))
        accessory = block.get("accessory")
        shown = self.element(accessory, block) if isinstance(accessory, Mapping) else ""
        if text:
            first, _, rest = text.partition("\n")
            self.add(f"{first}  {shown}" if shown else first)
            if rest:
                self.add(rest)
        elif shown:
            self.add(shown)
        for item in block.get("fields") or []:
            self.add(self.text(item), "  ")
        if isinstance(accessory, Mapping):
            self.options_of(accessory)

    def _block_header(self, block: Mapping[str, Any]) -> None:
        self.add(f"# {self.text(block.get('text'))}")

    def _block_divider(self, block: Mapping[str, Any]) -> None:
        self.add(DIVIDER)

    def _block_context(self, block: Mapping[str, Any]) -> None:
        parts = []
        for element in block.get("elements") or []:
            if isinstance(element, Mapping) and element.get("type") == "image":
                parts.append(f"[image: {element.get('alt_text', '')}]")
            else:
                parts.append(self.text(element))
        self.add("  ".join(p for p in parts if p), "  › ")

    def _block_image(self, block: Mapping[str, Any]) -> None:
        title = self.text(block.get("title")) or block.get("alt_text", "")
        self.add(f"[image: {title}]")

    def _block_actions(self, block: Mapping[str, Any]) -> None:
        elements = [e for e in block.get("elements") or [] if isinstance(e, Mapping)]
        self.add("  ".join(self.element(e, block) for e in elements))
        for element in elements:
            self.options_of(element)

    def _block_input(self, block: Mapping[str, Any]) -> None:
        element = block.get("element")
        if not isinstance(element, Mapping):
            return
        name = str(block.get("block_id", ""))
        label = self.text(block.get("label"))
        optional = bool(block.get("optional"))
        number = self.control_for(element, block, label, field=name, optional=optional,
                                  dispatches=bool(block.get("dispatch_action")))
        kind = element.get("type", "")
        notes = [f"{name}="]
        if optional:
            notes.append("optional")
        if kind in _KIND_HINTS:
            notes.append(_KIND_HINTS[kind])
        if kind in _SELECTS:
            notes.append("pick one" if "multi" not in kind and kind != "checkboxes" else "pick any")
        initial = _initial_text(element, self.users)
        self.add(f"[{number}] {label} ({', '.join(notes)}): {initial}".rstrip())
        self.options_of(element)
        hint = self.text(block.get("hint"))
        if hint:
            self.add(hint, "      ")

    def _block_rich_text(self, block: Mapping[str, Any]) -> None:
        self.add(_rich_text(block.get("elements") or [], self.users))

    def _block_file(self, block: Mapping[str, Any]) -> None:
        self.add(f"[file {block.get('external_id', '')}]")

    def _block_video(self, block: Mapping[str, Any]) -> None:
        self.add(f"[video: {self.text(block.get('title'))}]")

    # elements

    def control_for(self, element: Mapping[str, Any], block: Mapping[str, Any], label: str, *,
                    field: str | None = None, optional: bool = False,
                    dispatches: bool = True) -> int:
        number = self.next
        self.next += 1
        options = tuple(
            Option(self.text(o.get("text")), str(o.get("value", "")), o)
            for o in _options(element)
        )
        self.controls.append(Control(
            number=number,
            type=str(element.get("type", "")),
            action_id=str(element.get("action_id", "")),
            block_id=str(block.get("block_id", "")),
            label=label,
            element=element,
            options=options,
            field=field,
            optional=optional,
            dispatches=dispatches,
        ))
        return number

    def element(self, element: Mapping[str, Any], block: Mapping[str, Any]) -> str:
        """An element as it reads in a line: ``[2 Stop]``; non-interactive ones as text."""
        kind = element.get("type")
        if kind == "image":
            return f"[image: {element.get('alt_text', '')}]"
        if kind == "button":
            label = self.text(element.get("text"))
            number = self.control_for(element, block, label)
            url = element.get("url")
            return f"[{number} {label}]" + (f" ({url})" if url else "")
        if kind == "overflow":
            number = self.control_for(element, block, "more")
            return f"[{number} ⋯]"
        label = self.text(element.get("placeholder")) or str(kind).replace("_", " ")
        number = self.control_for(element, block, label)
        initial = _initial_text(element, self.users)
        return f"[{number} {initial or label} ▾]"

    def options_of(self, element: Mapping[str, Any]) -> None:
        options = _options(element)
        if not options:
            if element.get("type") in ("external_select", "multi_external_select"):
                self.add("(options come from the app: type part of one)", "      ")
            return
        for index, option in enumerate(options[:MAX_OPTIONS_SHOWN], start=1):
            description = self.text(option.get("description"))
            more = f" — {description}" if description else ""
            self.add(f"{index}. {self.text(option.get('text'))}{more}", "      ")
        if len(options) > MAX_OPTIONS_SHOWN:
            self.add(f"… {len(options) - MAX_OPTIONS_SHOWN} more", "      ")


def _options(element: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Options in order, option groups flattened."""
    found: list[Mapping[str, Any]] = []
    for option in element.get("options") or []:
        if isinstance(option, Mapping):
            found.append(option)
    for group in element.get("option_groups") or []:
        if isinstance(group, Mapping):
            found.extend(o for o in group.get("options") or [] if isinstance(o, Mapping))
    return found


def _initial_text(element: Mapping[str, Any], users: Mapping[str, str]) -> str:
    """What an element shows before anyone touches it."""
    if "initial_value" in element:
        return str(element["initial_value"] or "")
    option = element.get("initial_option")
    if isinstance(option, Mapping):
        return text_of(option.get("text"), users)
    chosen = element.get("initial_options")
    if isinstance(chosen, list):
        return ", ".join(text_of(o.get("text"), users) for o in chosen if isinstance(o, Mapping))
    for key in ("initial_date", "initial_time", "initial_conversation", "initial_channel"):
        if key in element:
            return str(element[key])
    if "initial_user" in element:
        user = str(element["initial_user"])
        return "@" + users.get(user, user)
    return ""


def _rich_text(elements: Sequence[Any], users: Mapping[str, str]) -> str:
    out: list[str] = []
    for element in elements:
        if not isinstance(element, Mapping):
            continue
        kind = element.get("type")
        if kind == "text":
            out.append(str(element.get("text", "")))
        elif kind == "link":
            url = str(element.get("url", ""))
            text = element.get("text")
            out.append(f"{text} ({url})" if text else url)
        elif kind == "user":
            user = str(element.get("user_id", ""))
            out.append("@" + users.get(user, user))
        elif kind == "channel":
            out.append("#" + str(element.get("channel_id", "")))
        elif kind == "emoji":
            out.append(f":{element.get('name', '')}:")
        elif kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
            out.append(_rich_text(element.get("elements") or [], users))
            if kind != "rich_text_section" or out[-1].endswith("\n"):
                continue
            out.append("\n")
        elif kind == "rich_text_list":
            for item in element.get("elements") or []:
                if isinstance(item, Mapping):
                    out.append("• " + _rich_text(item.get("elements") or [], users).strip() + "\n")
    return "".join(out).rstrip("\n")


# -- surfaces --------------------------------------------------------------------------------


def render_blocks(blocks: Sequence[Any], *, users: Mapping[str, str] | None = None,
                  start: int = 1) -> Rendered:
    """Blocks as lines; interactive elements numbered from ``start``."""
    renderer = _Renderer(users, start)
    renderer.blocks(blocks)
    return renderer.done()


def render_message(message: Mapping[str, Any], *, users: Mapping[str, str] | None = None,
                   start: int = 1) -> Rendered:
    """A message (``text``, ``blocks``, ``attachments``) as Slack shows it: the blocks when there
    are any, else the text; attachments after, marked with a bar."""
    renderer = _Renderer(users, start)
    blocks = message.get("blocks")
    if isinstance(blocks, list) and blocks:
        renderer.blocks(blocks)
    elif message.get("text"):
        renderer.add(mrkdwn(str(message["text"]), renderer.users))
    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, Mapping):
            continue
        inner = _Renderer(users, renderer.next)
        if attachment.get("title"):
            inner.add(f"*{attachment['title']}*")
        if attachment.get("blocks"):
            inner.blocks(attachment["blocks"])
        elif attachment.get("text") or attachment.get("fallback"):
            inner.add(mrkdwn(str(attachment.get("text") or attachment.get("fallback")), inner.users))
        renderer.lines += [f"│ {line}".rstrip() for line in inner.lines]
        renderer.controls += inner.controls
        renderer.next = inner.next
    return renderer.done()


def render_view(view: Mapping[str, Any], *, users: Mapping[str, str] | None = None,
                start: int = 1) -> Rendered:
    """A modal (title, inputs named for ``:submit``, its submit and close labels) or a Home tab."""
    renderer = _Renderer(users, start)
    if view.get("type") == "home":
        renderer.add("┌─ App Home")
    else:
        renderer.add(f"┌─ {text_of(view.get('title')) or 'Modal'}")
    renderer.blocks(view.get("blocks") or [])
    if view.get("type") == "modal":
        buttons = []
        if view.get("submit"):
            buttons.append(f"[{text_of(view['submit'])}: :submit]")
        buttons.append(f"[{text_of(view.get('close')) or 'Close'}: :close]")
        renderer.add("└─ " + "  ".join(buttons))
    else:
        renderer.add("└─")
    return renderer.done()
