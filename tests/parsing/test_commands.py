from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsing.commands import (
    COMMANDS,
    CommandError,
    Connect,
    Day,
    Disconnect,
    Help,
    Invocation,
    Log,
    Note,
    Projects,
    Resume,
    SlackUserRef,
    Start,
    Stop,
    Today,
    Week,
    WorkText,
    parse_command,
)
from bot.parsing.dates import DaysAgo, OnDate, RecentWeekday, YearlessDate


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", Help()),
        ("help", Help()),
        ("HELP Log", Help("log")),
        ("help add", Help("log")),
        ("help nonsense", Help()),
        ("?", Help()),
        ("connect", Connect()),
        ("disconnect", Disconnect()),
        ("stop", Stop()),
        ("resume", Resume()),
        ("today", Today()),
        ("week", Week()),
        ("projects", Projects()),
        ("projects acme web", Projects("acme web")),
        ("day yesterday", Day(DaysAgo(1))),
        ("day 2026-11-20", Day(OnDate(date(2026, 11, 20)))),
        (
            "note fixed the “login” page -- at last",
            Note("fixed the “login” page -- at last"),
        ),
    ],
)
def test_simple_commands(text: str, command: object) -> None:
    assert parse_command(text) == Invocation(command)


@pytest.mark.parametrize(
    ("text", "work"),
    [
        ("start", WorkText()),
        ("start Acme", WorkText("Acme")),
        ("start Acme / Design fixing bug", WorkText("Acme", "Design fixing bug")),
        ("start acme fixing bug", WorkText("acme fixing bug")),
        ("start / Design", WorkText(None, "Design")),
        (
            'start Acme / Design "fix the bug"',
            WorkText("Acme", "Design", "fix the bug"),
        ),
        ("start Acme “fix”", WorkText("Acme", None, "fix")),
        ("start Acme -- fix / the bug", WorkText("Acme", None, "fix / the bug")),
        ("start   Acme    /   Design  ", WorkText("Acme", "Design")),
    ],
)
def test_start_splits_project_task_and_notes(text: str, work: WorkText) -> None:
    assert parse_command(text) == Invocation(Start(work))


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("log 1h30 Acme / Design", Log(1.5, WorkText("Acme", "Design"))),
        ("log 2h 15m Acme", Log(2.25, WorkText("Acme"))),
        ("log 90m", Log(1.5, WorkText())),
        ("log 1.5 on yesterday", Log(1.5, WorkText(), DaysAgo(1))),
        (
            "log 1:30 Acme / Design review on last friday",
            Log(
                1.5,
                WorkText("Acme", "Design review"),
                RecentWeekday(4, strictly_before=True),
            ),
        ),
        ("log 1h Acme worked on login", Log(1, WorkText("Acme worked on login"))),
        ("log 1h Acme on nov 20", Log(1, WorkText("Acme"), YearlessDate(11, 20))),
        (
            "log 1h Acme -- standup on monday",
            Log(1, WorkText("Acme", None, "standup on monday")),
        ),
        ("add 45m Acme", Log(0.75, WorkText("Acme"))),
    ],
)
def test_log_reads_duration_work_and_day(text: str, command: Log) -> None:
    assert parse_command(text) == Invocation(command)


@pytest.mark.parametrize(
    "text",
    [
        "for <@U123|ana> log 2h Acme",
        "log 2h Acme for <@U123|ana>",
        "log 2h for <@U123|ana> Acme",
    ],
)
def test_for_user_anywhere_outside_the_notes(text: str) -> None:
    assert parse_command(text) == Invocation(
        Log(2, WorkText("Acme")), SlackUserRef("U123", "ana")
    )


def test_for_user_before_the_day_and_without_a_name() -> None:
    assert parse_command("log 2h Acme for <@W9> on today") == Invocation(
        Log(2, WorkText("Acme"), DaysAgo(0)), SlackUserRef("W9")
    )


def test_a_mention_inside_the_notes_stays_there() -> None:
    invocation = parse_command("start Acme -- pairing for <@U2|bo>")
    assert invocation.for_user is None
    assert invocation.command == Start(WorkText("Acme", None, "pairing for <@U2|bo>"))


@pytest.mark.parametrize(
    ("text", "says", "usage"),
    [
        ("frobnicate", "I don't know `frobnicate`.", "/harvest log"),
        ("stpo", "Did you mean `stop`?", "/harvest start"),
        ("1h30 Acme", "`/harvest log 1h30 Acme`", "/harvest help"),
        ("stop now", "`stop` takes nothing after it.", "/harvest stop"),
        ("today please", "`today` takes nothing", "/harvest today"),
        ("note", "What should the notes say?", "/harvest note <text>"),
        ("log", "How long?", "/harvest log <duration>"),
        ("log soon Acme", "couldn't read “soon”", "/harvest log 1h30 Acme / Design"),
        ("log 0 Acme", "more than zero", "/harvest log"),
        ("log 30h Acme", "more than a day", "/harvest log"),
        ("day", "Which day?", "/harvest day <day>"),
        ("day someday", "couldn't read “someday”", "/harvest day"),
        ("day 3/4", "could be mar 4 or apr 3", "/harvest day"),
        ("for @ana log 1h", "pick the person from Slack's @ list", "for @person"),
        ("for <@U1> for <@U2> stop", "One person at a time", "for @person"),
        ("for <@U1>", "What should I do for them?", "for @person"),
        ("connect for <@U1>", "`connect` is only for yourself.", "/harvest connect"),
    ],
)
def test_errors_carry_a_specific_message_and_usage(
    text: str, says: str, usage: str
) -> None:
    with pytest.raises(CommandError) as raised:
        parse_command(text)
    assert says in raised.value.message
    assert usage in raised.value.usage


def test_every_command_has_usage_and_summary() -> None:
    for help in COMMANDS:
        assert help.usage.startswith(f"/harvest {help.name}")
        assert help.summary.endswith(".")
        for example in help.examples:
            parse_command(example.removeprefix("/harvest "))


@given(st.text(max_size=60))
def test_any_text_parses_or_raises_a_command_error(text: str) -> None:
    try:
        invocation = parse_command(text)
    except CommandError as error:
        assert error.message and error.usage
    else:
        assert isinstance(invocation, Invocation)


@given(
    st.lists(
        st.text(alphabet="abcdefgh XYZé", min_size=1, max_size=8),
        min_size=1,
        max_size=4,
    )
)
def test_forced_notes_are_kept_verbatim(words: list[str]) -> None:
    notes = " ".join(" ".join(words).split())
    invocation = parse_command(f"start Acme -- {notes}")
    assert invocation.command == Start(WorkText("Acme", None, notes or None))
