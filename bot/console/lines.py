"""What a console line means: pure parsing, no I/O.

A line is a slash command as a person types it in Slack (``/harvest start website``) or a
console command starting with ``:`` (``:press 2``). :func:`parse_line` returns one of the
command values below or raises :class:`LineError` saying how to write it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass


class LineError(ValueError):
    """The line could not be read; the message says how to write it."""


@dataclass(frozen=True)
class Blank:
    """An empty line or a comment (``# ...``): nothing to do."""


@dataclass(frozen=True)
class Slash:
    """A slash command: ``/harvest start website`` is ``/harvest`` with ``start website``."""

    command: str
    text: str


@dataclass(frozen=True)
class SwitchUser:
    name: str


@dataclass(frozen=True)
class Users:
    """List the people one can be."""


@dataclass(frozen=True)
class Press:
    number: int


@dataclass(frozen=True)
class Select:
    number: int
    option: str


@dataclass(frozen=True)
class Submit:
    """Submit the open modal; ``values`` are ``(field, text)`` pairs in the order typed."""

    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Close:
    """Close the open modal without submitting it."""


@dataclass(frozen=True)
class Home:
    """Open the App Home tab."""


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Quit:
    pass


Command = Blank | Slash | SwitchUser | Users | Press | Select | Submit | Close | Home | Help | Quit


@dataclass(frozen=True)
class Usage:
    usage: str
    summary: str


#: The console's own commands, as ``:help`` shows them.
HELP = (
    Usage("/harvest …", "what you would type in Slack, e.g. /harvest start website / design"),
    Usage(":user NAME", "be someone else (:users lists who)"),
    Usage(":press N", "press button [N] of the last message or view"),
    Usage(":select N OPTION", "pick OPTION (its number or part of its text) in select [N]"),
    Usage(":submit FIELD=VALUE …", "submit the open modal; quote values with spaces or not"),
    Usage(":close", "close the open modal"),
    Usage(":home", "open the App Home tab"),
    Usage(":help", "this list"),
    Usage(":quit", "leave (end of input does too)"),
)
HELP_TEXT = "\n".join(f"  {u.usage:<24}{u.summary}" for u in HELP)
NOT_A_COMMAND = "Type a slash command such as /harvest help, or :help for the console's commands."

_NO_ARGUMENT: dict[str, Command] = {"users": Users(), "close": Close(), "home": Home(), "help": Help(),
                "quit": Quit(), "exit": Quit(), "q": Quit(), "h": Help(), "?": Help()}


def parse_line(line: str) -> Command:
    """The command a line stands for.

    :raises LineError: it is neither a slash command nor a console command written right.
    """
    line = line.strip()
    if not line or line.startswith("#"):
        return Blank()
    if line.startswith("/"):
        command, _, text = line.partition(" ")
        if command == "/":
            raise LineError("Which command? For example /harvest help.")
        return Slash(command, text.strip())
    if not line.startswith(":"):
        raise LineError(NOT_A_COMMAND)
    name, _, rest = line[1:].partition(" ")
    name, rest = name.lower(), rest.strip()
    if name in _NO_ARGUMENT:
        if rest:
            raise LineError(f":{name} takes nothing after it.")
        return _NO_ARGUMENT[name]
    if name in ("user", "u"):
        if not rest or " " in rest:
            raise LineError("Write :user NAME, e.g. :user polly (:users lists who).")
        return SwitchUser(rest.lstrip("@"))
    if name in ("press", "p"):
        return Press(_number(rest, ":press N, e.g. :press 2"))
    if name in ("select", "s"):
        number, _, option = rest.partition(" ")
        if not option.strip():
            raise LineError("Write :select N OPTION, e.g. :select 1 Website Redesign / Design.")
        return Select(_number(number, ":select N OPTION"), option.strip())
    if name == "submit":
        return Submit(parse_assignments(rest))
    raise LineError(f"There is no :{name}. {NOT_A_COMMAND}")


def _number(text: str, usage: str) -> int:
    text = text.strip().strip("[]")
    if not text.isdigit() or int(text) < 1:
        raise LineError(f"Write {usage} (N is the number shown in brackets).")
    return int(text)


def parse_assignments(text: str) -> tuple[tuple[str, str], ...]:
    """``hours=1:30 notes="went well" project=Website Redesign`` as (field, value) pairs.

    Quotes group words; a word without ``=`` continues the value before it, so unquoted
    values with spaces read as meant. An apostrophe (``don't``) is just a letter.

    :raises LineError: the first word is not ``FIELD=…``.
    """
    try:
        words = shlex.split(text)
    except ValueError:  # an unbalanced quote, most often an apostrophe
        words = text.split()
    pairs: list[list[str]] = []
    for word in words:
        name, equals, value = word.partition("=")
        if equals and name and " " not in name:
            pairs.append([name, value])
        elif pairs:
            pairs[-1][1] = f"{pairs[-1][1]} {word}".strip()
        else:
            raise LineError(f"Write :submit FIELD=VALUE …; {word!r} names no field.")
    return tuple((name, value) for name, value in pairs)
