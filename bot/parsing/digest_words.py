"""Reading ``/harvest digest …`` into a typed digest command, before anything talks to Harvest.

::

    digest daily 09:00 [weekdays] [time zone] [scope] [by task] [mention]
    digest weekly mon 09:00 [time zone] [scope] [by task] [mention]
    digest off [daily|weekly]      digest now [daily|weekly]      digest show
    digest me 18:00 [weekdays] [time zone]      digest me off      digest me now

A scope is one of ``projects Acme, Website`` / ``clients Acme Corp, Globex`` (names separated by
commas, matched later against the owner's Harvest) or ``people @ana @basil`` (Slack mentions).
Options may come in any order after the time; the scope's names run until the next option
word. A time zone is an IANA name (``Europe/London``, ``America/New_York``) or ``UTC``.

Pure: no clock, no Harvest; :class:`DigestWordsError` carries the message and which action's
usage to show (``bot.parsing.commands`` turns it into a ``CommandError``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.parsing.coop_words import mention

Kind = Literal["daily", "weekly"]
ScopeKind = Literal["all", "projects", "clients", "people"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3,
}
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
_SCOPE_WORDS: dict[str, ScopeKind] = {
    "project": "projects", "projects": "projects",
    "client": "clients", "clients": "clients",
    "people": "people", "person": "people",
}
_ACTIONS = ("daily", "weekly", "off", "now", "show", "me")


class DigestWordsError(ValueError):
    """The digest command could not be understood; ``action`` names the usage to show."""

    def __init__(self, message: str, action: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.action = action


@dataclass(frozen=True)
class ScopeWords:
    """What a digest covers, as typed: names (projects, clients) or Slack user ids (people)."""

    kind: ScopeKind = "all"
    names: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DigestSubscribe:
    """Post this channel's digest on a schedule. ``days``: weekday numbers (Monday 0)."""

    kind: Kind
    at: time
    days: tuple[int, ...]
    timezone: str | None = None
    scope: ScopeWords = ScopeWords()
    by_task: bool = False
    mention_missing: bool = False


@dataclass(frozen=True)
class DigestOff:
    kind: Kind | None = None


@dataclass(frozen=True)
class DigestNow:
    kind: Kind | None = None


@dataclass(frozen=True)
class DigestShow:
    pass


@dataclass(frozen=True)
class PersonalSubscribe:
    """Your own daily DM: today's entries and total, and nudges."""

    at: time
    days: tuple[int, ...]
    timezone: str | None = None


@dataclass(frozen=True)
class PersonalOff:
    pass


@dataclass(frozen=True)
class PersonalNow:
    pass


DigestAction = (
    DigestSubscribe | DigestOff | DigestNow | DigestShow | PersonalSubscribe | PersonalOff
    | PersonalNow
)
ALL_DAYS = tuple(range(7))
WORK_DAYS = tuple(range(5))


def parse_digest(text: str) -> DigestAction:
    """The digest command in the words after ``digest``; none is ``show``.

    :raises DigestWordsError: unknown action or malformed arguments.
    """
    words = text.split()
    if not words:
        return DigestShow()
    action, rest = words[0].lower(), words[1:]
    if action not in _ACTIONS:
        raise DigestWordsError(f"I don't know `digest {words[0]}`.", None)
    if action == "show":
        _nothing_after("show", rest)
        return DigestShow()
    if action in ("off", "now"):
        kind = _optional_kind(action, rest)
        return DigestOff(kind) if action == "off" else DigestNow(kind)
    if action == "me":
        return _personal(rest)
    if action == "daily":
        if not rest:
            raise DigestWordsError("At what time? For example `digest daily 09:00`.", "daily")
        at = _time(rest[0], "daily")
        return _options("daily", at, rest[1:])
    if len(rest) < 2:
        raise DigestWordsError("Which day and time? For example `digest weekly mon 09:00`.",
                               "weekly")
    day = _DAY_NAMES.get(rest[0].lower())
    if day is None:
        raise DigestWordsError(f"`{rest[0]}` is not a day of the week (mon … sun).", "weekly")
    return _options("weekly", _time(rest[1], "weekly"), rest[2:], (day,))


def _nothing_after(action: str, words: list[str]) -> None:
    if words:
        raise DigestWordsError(f"`digest {action}` takes nothing after it.", action)


def _optional_kind(action: str, words: list[str]) -> Kind | None:
    if not words:
        return None
    if len(words) == 1 and words[0].lower() in ("daily", "weekly"):
        return "daily" if words[0].lower() == "daily" else "weekly"
    raise DigestWordsError(f"`digest {action}` takes only `daily` or `weekly` after it.", action)


def _personal(words: list[str]) -> PersonalSubscribe | PersonalOff | PersonalNow:
    if not words:
        raise DigestWordsError("At what time? For example `digest me 18:00`.", "me")
    first = words[0].lower()
    if first in ("off", "now"):
        _nothing_after(f"me {first}", words[1:])
        return PersonalOff() if first == "off" else PersonalNow()
    at = _time(words[0], "me")
    days, timezone = ALL_DAYS, None
    for word in words[1:]:
        if word.lower() in ("weekdays", "workdays"):
            days = WORK_DAYS
        elif timezone is None and (zone := time_zone(word)) is not None:
            timezone = zone
        else:
            raise DigestWordsError(f"I don't understand `{word}` here.", "me")
    return PersonalSubscribe(at, days, timezone)


def _time(word: str, action: str) -> time:
    found = _TIME.match(word.strip())
    if found is None:
        raise DigestWordsError(f"`{word}` is not a time of day; try `09:00` or `9am`.", action)
    hour, minute, half = int(found[1]), int(found[2] or 0), (found[3] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise DigestWordsError(f"`{word}` is not a time of day.", action)
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif found[2] is None:
        raise DigestWordsError(f"`{word}` is not a time of day; try `09:00` or `9am`.", action)
    if hour > 23 or minute > 59:
        raise DigestWordsError(f"`{word}` is not a time of day.", action)
    return time(hour, minute)


def time_zone(word: str) -> str | None:
    """The IANA name ``word`` spells (``utc`` is ``UTC``), or None."""
    if word.upper() in ("UTC", "GMT"):
        return "UTC"
    if "/" not in word:
        return None
    try:
        ZoneInfo(word)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return word


def _options(kind: Kind, at: time, words: list[str],
             days: tuple[int, ...] = ALL_DAYS) -> DigestSubscribe:
    timezone: str | None = None
    by_task = mention_missing = False
    scope = ScopeWords()
    at_word = 0
    while at_word < len(words):
        word = words[at_word].lower()
        if word in ("weekdays", "workdays"):
            if kind == "weekly":
                raise DigestWordsError("A weekly digest has one day already.", kind)
            days = WORK_DAYS
        elif word == "by" and at_word + 1 < len(words) and words[at_word + 1].lower() in (
                "task", "tasks"):
            by_task = True
            at_word += 1
        elif word in ("mention", "mentions"):
            mention_missing = True
        elif word in _SCOPE_WORDS:
            if scope.kind != "all":
                raise DigestWordsError("One scope at a time: projects, clients or people.", kind)
            end = _scope_end(words, at_word + 1)
            scope = _scope(_SCOPE_WORDS[word], words[at_word + 1 : end], kind)
            at_word = end - 1
        elif timezone is None and (zone := time_zone(words[at_word])) is not None:
            timezone = zone
        else:
            raise DigestWordsError(
                f"I don't understand `{html.unescape(words[at_word])}` here. A time zone is "
                "written like `Europe/London`; a scope starts with `projects`, `clients` or "
                "`people`.", kind)
        at_word += 1
    return DigestSubscribe(kind, at, days, timezone, scope, by_task, mention_missing)


def _scope_end(words: list[str], start: int) -> int:
    """Where a scope's names end: at the next option word (``by task``, ``mention``, …)."""
    for at in range(start, len(words)):
        word = words[at].lower()
        if word in ("mention", "mentions", "weekdays", "workdays") or word in _SCOPE_WORDS:
            return at
        if word == "by" and at + 1 < len(words) and words[at + 1].lower() in ("task", "tasks"):
            return at
        if time_zone(words[at]) is not None and "/" in words[at]:
            return at
    return len(words)


def _scope(kind: ScopeKind, words: list[str], action: str) -> ScopeWords:
    if kind == "people":
        found: list[str] = []
        for word in (part for typed in words for part in typed.split(",") if part):
            person = mention(word)
            if person is None:
                raise DigestWordsError(
                    f"`{html.unescape(word)}` is not a person from Slack's @ list.", action)
            found.append(person[0])
        if not found:
            raise DigestWordsError("Which people? Mention them: `people @ana @basil`.", action)
        return ScopeWords("people", user_ids=tuple(dict.fromkeys(found)))
    names = [html.unescape(name).strip() for name in " ".join(words).split(",")]
    names = [name for name in names if name]
    if not names:
        raise DigestWordsError(f"Which {kind}? Separate names with commas: "
                               f"`{kind} Acme, Website`.", action)
    return ScopeWords(kind, names=tuple(dict.fromkeys(names)))
