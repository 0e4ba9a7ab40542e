"""Reading the text of ``/harvest ...`` into a typed command, before anything talks to Harvest.

Only the words are checked here: durations and dates are parsed, projects and tasks are not
looked up (that needs the person's Harvest projects; a service does it with
:func:`bot.parsing.matching.match_leading`).

How ``start`` and ``log`` split project, task and notes (:class:`WorkText`):

- ``Acme / Design fixing the login``: the project is the text before the first ``/``; after it,
  the leading words that best match one of the project's tasks are the task and the words left
  over are the notes (here ``Design`` and ``fixing the login``).
- ``Acme fixing the login`` (no ``/``): the leading words that best match a project are the
  project, the rest are notes, and the task is the project's default or the person picks one.
- Notes can be forced: everything after a standalone ``--``, or a quoted part
  (``"..."`` or ``“...”``), is notes and is never matched: ``start Acme -- design review``.
- ``log`` takes its duration first and its day last, after ``on``: ``log 1h30 Acme / Design on
  last friday``. A trailing ``on ...`` that is not a day stays in the notes (``worked on login``).
- ``for @person`` may stand anywhere outside the notes (``for @ana log 2h Acme``); Slack sends
  it as ``<@U123|ana>``. After ``--`` or inside quotes it is just notes.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.parsing import coop_words, digest_words
from bot.parsing.dates import EXAMPLES as DATE_EXAMPLES
from bot.parsing.dates import DateError, DateSpec, parse_date_spec
from bot.parsing.durations import DurationError, parse_duration


@dataclass(frozen=True)
class CommandHelp:
    """How one sub-command is used, for help replies and error messages."""

    name: str
    usage: str
    summary: str
    examples: tuple[str, ...] = ()


COMMANDS: tuple[CommandHelp, ...] = (
    CommandHelp("help", "/harvest help [command]", "What you can do, with examples."),
    CommandHelp("connect", "/harvest connect", "Link your Harvest account."),
    CommandHelp("disconnect", "/harvest disconnect", "Unlink your Harvest account."),
    CommandHelp(
        "start",
        "/harvest start [project] [/ task] [notes]",
        "Start a timer. With nothing after it, pick from your recent projects.",
        (
            "/harvest start Acme / Design",
            "/harvest start acme web / dev fixing the login",
        ),
    ),
    CommandHelp("stop", "/harvest stop", "Stop the running timer."),
    CommandHelp("resume", "/harvest resume", "Restart the timer of your last entry."),
    CommandHelp(
        "note",
        "/harvest note <text>",
        "Set the notes of the running timer.",
        ("/harvest note reviewing the pull request",),
    ),
    CommandHelp(
        "log",
        "/harvest log <duration> [project] [/ task] [notes] [on <day>]",
        "Log time already spent.",
        (
            "/harvest log 1h30 Acme / Design",
            "/harvest log 45m Acme -- standup on yesterday",
        ),
    ),
    CommandHelp("today", "/harvest today", "Today's timesheet."),
    CommandHelp("week", "/harvest week", "This week's timesheet with totals."),
    CommandHelp(
        "day",
        "/harvest day <day>",
        "One day's timesheet.",
        ("/harvest day last friday",),
    ),
    CommandHelp(
        "projects",
        "/harvest projects [filter]",
        "The projects and tasks you can track time to.",
    ),
    CommandHelp(
        "status",
        "/harvest status <text>",
        "Post a status to your Co-op group: the one linked to this channel, else your default.",
        ("/harvest status Menus for Gourmet Night are printed",),
    ),
    CommandHelp(
        "group",
        "/harvest group list | link | unlink | default | create | invite | rename | owner | "
        "delete | digest",
        "Co-op groups: link one to this channel to see its statuses here, and manage yours.",
        (
            "/harvest group link Fawlty Towers",
            "/harvest group create Fawlty Towers London sybil@fawltytowers.com",
            "/harvest group digest yesterday",
        ),
    ),
    CommandHelp(
        "digest",
        "/harvest digest daily | weekly | off | now | show | me",
        "Post a summary of the team's hours in this channel on a schedule, or DM you yours.",
        (
            "/harvest digest daily 09:00 weekdays Europe/London",
            "/harvest digest weekly mon 09:00 projects Website Redesign, Mobile App by task",
            "/harvest digest me 18:00 weekdays",
        ),
    ),
)
HELP_BY_NAME = {help.name: help for help in COMMANDS}
#: ``/harvest group …``: each action's usage, for its errors and for ``help group``.
GROUP_HELP: tuple[CommandHelp, ...] = (
    CommandHelp("list", "/harvest group list", "Your Co-op groups, and the one linked here."),
    CommandHelp("link", "/harvest group link <group>",
                "Show the group's new statuses in this channel (you must be a member)."),
    CommandHelp("unlink", "/harvest group unlink", "Stop showing the group's statuses here."),
    CommandHelp("default", "/harvest group default <group>",
                "Where `/harvest status` posts outside a linked channel."),
    CommandHelp("create", "/harvest group create <name> [timezone] [emails to invite]",
                "Create a group; you own it.",
                ('/harvest group create "Fawlty Towers" London sybil@fawltytowers.com',)),
    CommandHelp("invite", "/harvest group invite <emails or @people>",
                "Invite people to the group (by email; Co-op mails them)."),
    CommandHelp("rename", "/harvest group rename <name>", "Rename the group."),
    CommandHelp("owner", "/harvest group owner @person",
                "Hand the group to another member (owner only)."),
    CommandHelp("delete", "/harvest group delete",
                "Delete the group and its notes, after you confirm (owner only)."),
    CommandHelp("digest", "/harvest group digest [day]", "A day's statuses as one message."),
)
GROUP_HELP_BY_NAME = {help.name: help for help in GROUP_HELP}
#: ``/harvest digest …``: each action's usage, for its errors and for ``help digest``.
DIGEST_HELP: tuple[CommandHelp, ...] = (
    CommandHelp("daily", "/harvest digest daily <time> [weekdays] [time zone] [scope] [by task] "
                "[mention]",
                "Every day (or weekday) at that time, the previous working day's hours here. "
                "Scope: `projects A, B`, `clients A, B` or `people @a @b`; `mention` names "
                "people who logged nothing.",
                ("/harvest digest daily 09:00 weekdays Europe/London clients Acme Corp",)),
    CommandHelp("weekly", "/harvest digest weekly <day> <time> [time zone] [scope] [by task] "
                "[mention]", "Once a week, the previous week's hours here.",
                ("/harvest digest weekly mon 09:00 people @polly @manuel",)),
    CommandHelp("off", "/harvest digest off [daily|weekly]", "Stop this channel's digests."),
    CommandHelp("now", "/harvest digest now [daily|weekly]",
                "Post this channel's digest now (yours, for yesterday, when it has none)."),
    CommandHelp("show", "/harvest digest show", "This channel's digests and your own DM."),
    CommandHelp("me", "/harvest digest me <time> [weekdays] [time zone] | me off | me now",
                "A DM with your day's entries and total, a nudge when you logged nothing, and "
                "a warning about a timer left running."),
)
DIGEST_HELP_BY_NAME = {help.name: help for help in DIGEST_HELP}
FOR_USER_USAGE = (
    "Administrators can act for someone: `/harvest for @person log 2h Acme`."
)

_ALIASES = {
    "?": "help",
    "link": "connect",
    "unlink": "disconnect",
    "add": "log",
    "notes": "note",
    "list": "projects",
}
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”")


class CommandError(ValueError):
    """The /harvest text could not be understood; ``usage`` is the help to show with it."""

    def __init__(self, message: str, usage: str, command: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.command = command


@dataclass(frozen=True)
class SlackUserRef:
    """A person named in the command (``<@U123|ana>``); ``name`` is Slack's hint, may be None."""

    user_id: str
    name: str | None = None


@dataclass(frozen=True)
class WorkText:
    """What to work on, as typed; see the module docstring for how the parts are split.

    ``project``: the words before ``/`` (or all words when there is no ``/``), whose leading
    words name the project and whose remaining words, without a ``/``, are notes.
    ``task``: the words after ``/``, whose leading words name the task and the rest are notes.
    ``notes``: notes forced with ``--`` or quotes.
    """

    project: str | None = None
    task: str | None = None
    notes: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.project is None and self.task is None and self.notes is None


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Connect:
    pass


@dataclass(frozen=True)
class Disconnect:
    pass


@dataclass(frozen=True)
class Start:
    work: WorkText


@dataclass(frozen=True)
class Stop:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class Note:
    text: str


@dataclass(frozen=True)
class Log:
    hours: float
    work: WorkText
    day: DateSpec | None = None


@dataclass(frozen=True)
class Today:
    pass


@dataclass(frozen=True)
class Week:
    pass


@dataclass(frozen=True)
class Day:
    day: DateSpec


@dataclass(frozen=True)
class Projects:
    filter: str | None = None


@dataclass(frozen=True)
class Status:
    """Post ``text`` (plain: Slack's markup already read) as a Co-op Note."""

    text: str


@dataclass(frozen=True)
class GroupList:
    pass


@dataclass(frozen=True)
class GroupLink:
    name: str


@dataclass(frozen=True)
class GroupUnlink:
    pass


@dataclass(frozen=True)
class GroupDefault:
    name: str


@dataclass(frozen=True)
class GroupCreate:
    """``timezone`` as typed (None: the person's own); the service checks Co-op accepts it."""

    name: str
    timezone: str | None = None
    emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupInvite:
    """Addresses typed, and people mentioned (their Slack email is looked up later)."""

    emails: tuple[str, ...] = ()
    people: tuple[SlackUserRef, ...] = ()


@dataclass(frozen=True)
class GroupRename:
    name: str


@dataclass(frozen=True)
class GroupOwner:
    person: SlackUserRef


@dataclass(frozen=True)
class GroupDelete:
    pass


@dataclass(frozen=True)
class GroupDigest:
    day: DateSpec | None = None


GroupAction = (
    GroupList
    | GroupLink
    | GroupUnlink
    | GroupDefault
    | GroupCreate
    | GroupInvite
    | GroupRename
    | GroupOwner
    | GroupDelete
    | GroupDigest
)


@dataclass(frozen=True)
class Group:
    """``/harvest group <action> …``."""

    action: GroupAction


@dataclass(frozen=True)
class Digest:
    """``/harvest digest <action> …`` (the actions are in :mod:`bot.parsing.digest_words`)."""

    action: digest_words.DigestAction


Command = (
    Help
    | Connect
    | Disconnect
    | Start
    | Stop
    | Resume
    | Note
    | Log
    | Today
    | Week
    | Day
    | Projects
    | Status
    | Group
    | Digest
)
_ONLY_FOR_YOURSELF = {"help", "connect", "disconnect", "projects", "status", "group"}
#: Commands whose words are the person's own: no ``for @…``, ``--`` or quotes are taken out.
_RAW_COMMANDS = {"status", "group", "digest"}


@dataclass(frozen=True)
class Invocation:
    """A parsed ``/harvest`` text: the command, and the person it is for when not the sender."""

    command: Command
    for_user: SlackUserRef | None = None


def _usage(name: str) -> str:
    help = HELP_BY_NAME[name]
    examples = "".join(f"\n• `{example}`" for example in help.examples)
    return f"`{help.usage}`: {help.summary}{examples}"


def _overview() -> str:
    return "\n".join(f"`{help.usage}`" for help in COMMANDS)


def _split_notes(text: str) -> tuple[str, str | None]:
    """Take out forced notes: after a standalone ``--``, else quoted parts."""
    words = text.split(" ")
    if "--" in words:
        at = words.index("--")
        notes = " ".join(words[at + 1 :]).strip()
        return " ".join(words[:at]), notes or None
    quoted = [straight or curly for straight, curly in _QUOTED.findall(text)]
    if quoted:
        notes = " ".join(q.strip() for q in quoted if q.strip())
        return _QUOTED.sub(" ", text), notes or None
    return text, None


def _take_for_user(words: list[str]) -> SlackUserRef | None:
    """Remove ``for <@U…>`` from ``words``; None when absent.

    :raises CommandError: ``for @name`` that Slack did not turn into a mention, or two people.
    """
    found: list[SlackUserRef] = []
    at = 0
    while at < len(words) - 1:
        if words[at].lower() == "for":
            mention = _MENTION.fullmatch(words[at + 1])
            if mention is not None:
                found.append(SlackUserRef(mention[1], mention[2] or None))
                del words[at : at + 2]
                continue
            if words[at + 1].startswith("@"):
                raise CommandError(
                    f"I can't tell who {words[at + 1]} is: pick the person from Slack's @ list "
                    "so the command carries their mention.",
                    FOR_USER_USAGE,
                )
        at += 1
    if len(found) > 1:
        raise CommandError("One person at a time, please.", FOR_USER_USAGE)
    return found[0] if found else None


def _work(words: list[str], forced_notes: str | None) -> WorkText:
    text = " ".join(words)
    if "/" in text:
        project, _, task = text.partition("/")
        return WorkText(project.strip() or None, task.strip() or None, forced_notes)
    return WorkText(text.strip() or None, None, forced_notes)


def _take_day(words: list[str]) -> DateSpec | None:
    """Remove a trailing ``on <day>`` from ``words`` and return the day, if there is one."""
    for at in range(len(words) - 2, max(len(words) - 6, -1), -1):
        if words[at].lower() != "on":
            continue
        try:
            day = parse_date_spec(" ".join(words[at + 1 :]))
        except DateError:
            continue
        del words[at:]
        return day
    return None


def _take_duration(words: list[str]) -> float:
    """Remove the leading duration, which may take up to three words (``2h 15m``, ``1.5 hours``).

    :raises CommandError: the first words are no duration.
    """
    if not words:
        raise CommandError("How long? Put the duration first.", _usage("log"), "log")
    failure: DurationError | None = None
    for size in (3, 2, 1):  # the longest first: `2h 15m` before `2h`
        if len(words) >= size:
            try:
                hours = parse_duration(" ".join(words[:size]))
            except DurationError as error:
                failure = error  # the last kept is the first word's own
                continue
            del words[:size]
            return hours
    assert failure is not None
    raise CommandError(failure.message, _usage("log"), "log")


def _no_arguments(name: str, words: list[str], notes: str | None) -> None:
    if words or notes:
        raise CommandError(f"`{name}` takes nothing after it.", _usage(name), name)


def _unknown(word: str, words: list[str]) -> CommandError:
    try:
        parse_duration(word)
        looks_like_duration = True
    except DurationError:
        looks_like_duration = False
    if looks_like_duration:
        suggestion = f" To log time, start with `log`: `/harvest log {' '.join([word, *words])}`."
    else:
        names = [*HELP_BY_NAME, *_ALIASES]
        close = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.6)
        suggestion = (
            f" Did you mean `{_ALIASES.get(close[0], close[0])}`?" if close else ""
        )
    return CommandError(f"I don't know `{word}`.{suggestion}", _overview())


def parse_command(text: str) -> Invocation:
    """The command in a ``/harvest`` text (without the ``/harvest`` itself).

    :raises CommandError: unknown sub-command or malformed arguments; its ``usage`` is the
        short help for that sub-command.
    """
    first, after = (text.strip().split(maxsplit=1) + ["", ""])[:2]
    if first.lower() in _RAW_COMMANDS:
        if first.lower() == "digest":
            return Invocation(_digest(after))
        return Invocation(_status(after) if first.lower() == "status" else _group(after))
    normalized = " ".join(text.split())
    rest, notes = _split_notes(normalized)
    words = rest.split()
    for_user = _take_for_user(words)
    if not words:
        if for_user is not None:
            raise CommandError("What should I do for them?", FOR_USER_USAGE)
        return Invocation(Help())
    word, words = words[0], words[1:]
    name = _ALIASES.get(word.lower(), word.lower())
    if name not in HELP_BY_NAME:
        raise _unknown(word, words)
    if for_user is not None and name in _ONLY_FOR_YOURSELF:
        raise CommandError(f"`{name}` is only for yourself.", _usage(name), name)
    if name == "note":
        # Notes are the person's own words: quotes and dashes stay as typed.
        raw = normalized.split()
        _take_for_user(raw)
        return Invocation(_note(" ".join(raw[1:])), for_user)
    return Invocation(_parse_arguments(name, words, notes), for_user)


def _note(text: str) -> Note:
    if not text:
        raise CommandError("What should the notes say?", _usage("note"), "note")
    return Note(text)


def _parse_arguments(name: str, words: list[str], notes: str | None) -> Command:
    if name == "help":
        topic = _ALIASES.get(words[0].lower(), words[0].lower()) if words else None
        return Help(topic if topic in HELP_BY_NAME else None)
    if name == "start":
        return Start(_work(words, notes))
    if name == "log":
        hours = _take_duration(words)
        day = _take_day(words)
        return Log(hours, _work(words, notes), day)
    if name == "day":
        if not words:
            raise CommandError(f"Which day? Try {DATE_EXAMPLES}.", _usage("day"), "day")
        try:
            return Day(parse_date_spec(" ".join(words)))
        except DateError as error:
            raise CommandError(error.message, _usage("day"), "day") from None
    if name == "projects":
        return Projects(" ".join(words) or notes or None)
    _no_arguments(name, words, notes)
    simple: dict[str, Command] = {
        "connect": Connect(),
        "disconnect": Disconnect(),
        "stop": Stop(),
        "resume": Resume(),
        "today": Today(),
        "week": Week(),
    }
    return simple[name]


# -- Co-op: status and group ------------------------------------------------------------------


def _group_usage(action: str | None = None) -> str:
    if action is None:
        return "\n".join(f"`{help.usage}`" for help in GROUP_HELP)
    help = GROUP_HELP_BY_NAME[action]
    examples = "".join(f"\n• `{example}`" for example in help.examples)
    return f"`{help.usage}`: {help.summary}{examples}"


def _status(text: str) -> Status:
    """The status as Co-op should store it: Slack's markup read, line breaks kept."""
    plain = coop_words.plain_text(text)
    if not plain:
        raise CommandError("What should the status say?", _usage("status"), "status")
    return Status(plain)


def _group(text: str) -> Group:
    words = text.split()
    if not words:
        return Group(GroupList())
    action, rest = words[0].lower(), words[1:]
    if action not in GROUP_HELP_BY_NAME:
        close = difflib.get_close_matches(action, list(GROUP_HELP_BY_NAME), n=1, cutoff=0.6)
        suggestion = f" Did you mean `group {close[0]}`?" if close else ""
        raise CommandError(f"I don't know `group {words[0]}`.{suggestion}", _group_usage(), "group")
    return Group(_group_action(action, rest))


def _group_action(action: str, words: list[str]) -> GroupAction:
    usage = _group_usage(action)
    if action in ("list", "unlink", "delete"):
        if words:
            raise CommandError(f"`group {action}` takes nothing after it.", usage, "group")
        simple: dict[str, GroupAction] = {
            "list": GroupList(), "unlink": GroupUnlink(), "delete": GroupDelete()}
        return simple[action]
    if action == "digest":
        if not words:
            return GroupDigest()
        try:
            return GroupDigest(parse_date_spec(" ".join(words)))
        except DateError as error:
            raise CommandError(error.message, usage, "group") from None
    if action == "owner":
        person = coop_words.mention(words[0]) if len(words) == 1 else None
        if person is None:
            raise CommandError("Who should own the group? Pick one person from Slack's @ list.",
                               usage, "group")
        return GroupOwner(SlackUserRef(*person))
    if action == "invite":
        return _invite(words, usage)
    if action == "create":
        return _create(words, usage)
    name = coop_words.plain_text(" ".join(words))
    if not name:
        what = {"link": "Which group?", "default": "Which group?", "rename": "What new name?"}
        raise CommandError(what[action], usage, "group")
    if action == "rename":
        return GroupRename(name)
    return GroupLink(name) if action == "link" else GroupDefault(name)


def _invite(words: list[str], usage: str) -> GroupInvite:
    emails: list[str] = []
    people: list[SlackUserRef] = []
    for word in (part for typed in words for part in typed.split(",") if part):
        person = coop_words.mention(word)
        email = coop_words.email_of(word)
        if person is not None:
            people.append(SlackUserRef(*person))
        elif email is not None:
            emails.append(email)
        else:
            raise CommandError(f"`{coop_words.plain_text(word)}` is not an email address or a "
                               "person from Slack's @ list.", usage, "group")
    if not emails and not people:
        raise CommandError("Whom should I invite? Give email addresses or @people.", usage, "group")
    return GroupInvite(tuple(dict.fromkeys(emails)), tuple(dict.fromkeys(people)))


def _create(words: list[str], usage: str) -> GroupCreate:
    emails = []
    kept = []
    for word in words:
        email = coop_words.email_of(word)
        if email is not None:
            emails.append(email)
        elif coop_words.looks_like_email(word):
            raise CommandError(f"`{coop_words.plain_text(word)}` is not an email address.",
                               usage, "group")
        else:
            kept.append(word)
    name, timezone = coop_words.split_name_timezone(coop_words.plain_text(" ".join(kept)))
    if not name:
        raise CommandError("What should the group be called?", usage, "group")
    return GroupCreate(name, timezone, tuple(dict.fromkeys(emails)))


# -- digests ----------------------------------------------------------------------------------


def _digest_usage(action: str | None = None) -> str:
    if action is None or action not in DIGEST_HELP_BY_NAME:
        return "\n".join(f"`{help.usage}`" for help in DIGEST_HELP)
    help = DIGEST_HELP_BY_NAME[action]
    examples = "".join(f"\n• `{example}`" for example in help.examples)
    return f"`{help.usage}`: {help.summary}{examples}"


def _digest(text: str) -> Digest:
    try:
        return Digest(digest_words.parse_digest(text))
    except digest_words.DigestWordsError as error:
        raise CommandError(error.message, _digest_usage(error.action), "digest") from None
