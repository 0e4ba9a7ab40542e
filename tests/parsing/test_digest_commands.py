"""``/harvest digest …``: schedules, scopes and options read into typed commands."""

from __future__ import annotations

from datetime import time

import pytest

from bot.parsing.commands import (
    DIGEST_HELP,
    HELP_BY_NAME,
    CommandError,
    Digest,
    Help,
    parse_command,
)
from bot.parsing.digest_words import (
    ALL_DAYS,
    WORK_DAYS,
    DigestNow,
    DigestOff,
    DigestShow,
    DigestSubscribe,
    PersonalNow,
    PersonalOff,
    PersonalSubscribe,
    ScopeWords,
)


def action(text: str) -> object:
    command = parse_command(text).command
    assert isinstance(command, Digest)
    return command.action


def test_daily_with_every_option() -> None:
    assert action("digest daily 09:00 weekdays Europe/London projects Acme, Website by task "
                  "mention") == DigestSubscribe(
        "daily", time(9), WORK_DAYS, "Europe/London", ScopeWords("projects", ("Acme", "Website")),
        by_task=True, mention_missing=True)


def test_daily_defaults_every_day_and_no_zone() -> None:
    assert action("digest daily 9am") == DigestSubscribe("daily", time(9), ALL_DAYS)
    assert action("digest daily 5:30pm utc").timezone == "UTC"  # type: ignore[attr-defined]
    assert action("digest daily 17:45").at == time(17, 45)  # type: ignore[attr-defined]


def test_weekly_takes_a_day() -> None:
    assert action("digest weekly mon 09:00 America/New_York clients Acme Corp, Globex") == \
        DigestSubscribe("weekly", time(9), (0,), "America/New_York",
                        ScopeWords("clients", ("Acme Corp", "Globex")))
    assert action("digest weekly Friday 16:00").days == (4,)  # type: ignore[attr-defined]


def test_options_in_any_order_and_scope_ends_at_an_option() -> None:
    got = action("digest daily 08:30 by task projects Gourmet Night mention Europe/Madrid")
    assert got == DigestSubscribe("daily", time(8, 30), ALL_DAYS, "Europe/Madrid",
                                  ScopeWords("projects", ("Gourmet Night",)), True, True)


def test_people_scope_reads_slack_mentions() -> None:
    got = action("digest daily 09:00 people <@U0POLLY|polly> <@U0BASIL>,<@U0POLLY>")
    assert got.scope == ScopeWords("people", user_ids=("U0POLLY", "U0BASIL"))  # type: ignore[attr-defined]


def test_names_are_unescaped() -> None:
    got = action("digest daily 09:00 clients Fawlty &amp; Sons")
    assert got.scope.names == ("Fawlty & Sons",)  # type: ignore[attr-defined]


def test_simple_actions() -> None:
    assert action("digest") == DigestShow()
    assert action("digest show") == DigestShow()
    assert action("digest off") == DigestOff()
    assert action("digest off weekly") == DigestOff("weekly")
    assert action("digest now daily") == DigestNow("daily")
    assert action("digest me 18:00 weekdays Europe/London") == PersonalSubscribe(
        time(18), WORK_DAYS, "Europe/London")
    assert action("digest me off") == PersonalOff()
    assert action("digest me now") == PersonalNow()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("digest hourly", "I don't know `digest hourly`"),
        ("digest daily", "At what time?"),
        ("digest daily 25:00", "is not a time of day"),
        ("digest daily 9", "is not a time of day"),
        ("digest daily 13pm", "is not a time of day"),
        ("digest weekly 09:00", "Which day and time?"),
        ("digest weekly someday 09:00", "is not a day of the week"),
        ("digest weekly mon 09:00 weekdays", "A weekly digest has one day already"),
        ("digest daily 09:00 Mars/Olympus", "I don't understand `Mars/Olympus`"),
        ("digest daily 09:00 people polly", "is not a person from Slack's @ list"),
        ("digest daily 09:00 projects", "Which projects?"),
        ("digest daily 09:00 projects A clients B", "One scope at a time"),
        ("digest show me", "takes nothing after it"),
        ("digest off monthly", "takes only `daily` or `weekly`"),
        ("digest me", "At what time?"),
        ("digest me 18:00 loudly", "I don't understand `loudly`"),
    ],
)
def test_mistakes_say_what_is_wrong_with_the_usage(text: str, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(text)
    assert message in caught.value.message
    assert "/harvest digest" in caught.value.usage


def test_help_lists_digest_and_every_action_has_usage() -> None:
    assert parse_command("help digest").command == Help("digest")
    assert "digest" in HELP_BY_NAME
    assert {h.name for h in DIGEST_HELP} == {"daily", "weekly", "off", "now", "show", "me"}
    for help in DIGEST_HELP:
        assert help.usage.startswith(f"/harvest digest {help.name}")
