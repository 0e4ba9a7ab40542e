"""Console lines parsed: pure tests."""

import pytest

from bot.console.lines import (
    HELP,
    HELP_TEXT,
    Blank,
    Close,
    Help,
    Home,
    LineError,
    Press,
    Quit,
    Select,
    Slash,
    Submit,
    SwitchUser,
    Users,
    parse_assignments,
    parse_line,
)


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("/harvest start website / design", Slash("/harvest", "start website / design")),
        ("  /harvest  ", Slash("/harvest", "")),
        ("/harvest   log 1h30  on mon ", Slash("/harvest", "log 1h30  on mon")),
        ("/other x", Slash("/other", "x")),
        ("", Blank()),
        ("# a comment in a script", Blank()),
        (":user polly", SwitchUser("polly")),
        (":u @polly", SwitchUser("polly")),
        (":users", Users()),
        (":press 2", Press(2)),
        (":p [3]", Press(3)),
        (":select 1 Website Redesign / Design", Select(1, "Website Redesign / Design")),
        (":s 2 3", Select(2, "3")),
        (":submit", Submit()),
        (":submit hours=1:30 notes=two words", Submit((("hours", "1:30"), ("notes", "two words")))),
        (":close", Close()),
        (":home", Home()),
        (":help", Help()),
        (":?", Help()),
        (":quit", Quit()),
        (":exit", Quit()),
        (":QUIT", Quit()),
    ],
)
def test_lines_and_what_they_mean(line: str, command: object) -> None:
    assert parse_line(line) == command


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("hello", "Type a slash command such as /harvest help"),
        ("/", "Which command?"),
        (":press", "Write :press N"),
        (":press two", "Write :press N"),
        (":press 0", "Write :press N"),
        (":select 1", "Write :select N OPTION"),
        (":select x Design", "Write :select N OPTION"),
        (":user", "Write :user NAME"),
        (":user polly sherman", "Write :user NAME"),
        (":home now", ":home takes nothing after it."),
        (":dance", "There is no :dance."),
        (":submit notes", "'notes' names no field"),
    ],
)
def test_lines_that_cannot_be_read_say_how_to_write_them(line: str, says: str) -> None:
    with pytest.raises(LineError, match=says.replace("?", r"\?").replace("[", r"\[")):
        parse_line(line)


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("", ()),
        ("hours=1", (("hours", "1"),)),
        ('notes="went well" hours=2', (("notes", "went well"), ("hours", "2"))),
        ("project=Website Redesign task=Design", (("project", "Website Redesign"), ("task", "Design"))),
        ("notes=don't forget the moose hours=1", (("notes", "don't forget the moose"), ("hours", "1"))),
        ("notes= hours=1", (("notes", ""), ("hours", "1"))),
        ("notes=a=b", (("notes", "a=b"),)),
        ("url='https://x.example/?a=1'", (("url", "https://x.example/?a=1"),)),
    ],
)
def test_submitted_values(text: str, pairs: tuple[tuple[str, str], ...]) -> None:
    assert parse_assignments(text) == pairs


def test_the_help_names_every_console_command() -> None:
    assert len(HELP_TEXT.splitlines()) == len(HELP)
    for word in (":user", ":press", ":select", ":submit", ":close", ":home", ":help", ":quit"):
        assert word in HELP_TEXT
