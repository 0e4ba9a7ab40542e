"""Property-based fuzzing of ``/harvest`` text over real HTTP against the running app.

Whatever Polly (a regular user) types, in any script, with control characters, Slack markup or
megabytes of it: Slack gets its 200 at once, Polly gets one answer in plain words (never a
trace, never the app's "something went wrong on my side"), the app logs no error, and Harvest
changes only when the text was a command that changes Polly's own time; nobody else's entries
ever change.
"""

from __future__ import annotations

import time
from itertools import count

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.parsing import commands as parsed
from tests.e2e.harness import SlackAppHarness, user_id
from tests.reliability.checks import Fuzzed, assert_polite, entries, entries_not_of

#: Examples with megabytes of text have reprs hypothesis warns about; they are meant.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
FUZZ = settings(max_examples=80, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: Commands that change nobody's Harvest time entries when they work.
READ_ONLY = (parsed.Help, parsed.Connect, parsed.Today, parsed.Week, parsed.Day, parsed.Projects,
             parsed.Status, parsed.Group, parsed.Digest)
_keys = count()

WORDS = st.sampled_from([
    "help", "?", "connect", "link", "start", "stop", "resume", "note", "notes", "log", "add",
    "today", "week", "day", "projects", "list", "status", "group", "digest", "for", "on", "--",
    "/", "mobile", "website", "design", "1h", "1h30", "45m", "0", "-1h", "99999h", "1e308h",
    "yesterday", "last", "friday", "2024-02-30", "tomorrow", "daily", "weekly", "off", "now",
    "show", "me", "09:00", "25:61", "Europe/London", "Mars/Olympus", "weekdays", "mention",
])
MARKUP = st.sampled_from([
    "<@U0SYBIL|sybil>", "<@U0BASIL>", "<@W0NOBODY|ghost>", "<@U0POLLY|polly>", "<!channel>",
    "<!here>", "<!everyone>", "<!subteam^S123|@team>", "<#C0GENERAL|general>",
    "<https://example.com|a link>", "<mailto:polly@fawltytowers.example|polly>", "&lt;&gt;&amp;",
    "*bold*", "_it_", "~del~", "`code`", "```block```", ":smile:", "\u200b", "\u202e", "\ufeff",
    "\x00", "\x1b[31m", "\r\n", "\t", "“quoted”", '"', "'; DROP TABLE day_entries; --",
    "%s %d {0} {{}}", "${jndi:ldap://x}", "../../etc/passwd", "\\", "<", ">", "&",
])
TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
HUGE = st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=8),
                 st.integers(500, 5000))
COMMAND_TEXT = st.one_of(
    TEXT,
    st.lists(st.one_of(WORDS, MARKUP, TEXT), min_size=1, max_size=8).map(" ".join),
    st.tuples(WORDS, HUGE).map(" ".join),
    HUGE,
)


def _is_disconnect(text: str) -> bool:
    try:
        return isinstance(parsed.parse_command(text).command, parsed.Disconnect)
    except parsed.CommandError:
        return False


def _changes_nothing(text: str) -> bool:
    """Whether Harvest must be left as it was: the text is no command, or one that only reads."""
    try:
        invocation = parsed.parse_command(text)
    except parsed.CommandError:
        return True
    return isinstance(invocation.command, READ_ONLY)


def _ask(bot: SlackAppHarness, text: str) -> None:
    key = f"fuzz{next(_keys)}"
    started = time.monotonic()
    answer = bot.send(bot.signer.slash_command(text, user_id=user_id("polly"),
                                               response_url=bot.slack.response_url(key)))
    assert answer.status_code == 200, answer.text
    assert time.monotonic() - started < 3, "Slack would have given up waiting for the ack"
    assert_polite(bot.reply(key, timeout=15), text)


@FUZZ
@given(text=COMMAND_TEXT)
def test_any_command_text_gets_a_polite_answer_and_changes_only_what_it_should(
        fuzzed: Fuzzed, text: str) -> None:
    assume(not _is_disconnect(text))  # it would unlink Polly for the examples after it
    before, others = entries(fuzzed.emulator), entries_not_of(fuzzed.emulator, "polly")
    _ask(fuzzed.bot, text)
    assert fuzzed.errors.take() == []
    assert entries_not_of(fuzzed.emulator, "polly") == others
    if _changes_nothing(text):
        assert entries(fuzzed.emulator) == before


@pytest.mark.parametrize("text", [
    "log 1h mobile / design -- nul \x00 byte",
    "log 1h mobile / design -- escape \x1b[31m red \x07 bell",
    "start mobile / design -- \ud7ff\ue000\U0010ffff",
    "note \x00\x01\x02",
    "log 1h mobile / design -- " + "long " * 2000,
    "start mobile / design -- <@U0SYBIL|sybil> <!channel> <https://example.com|x>",
    "log 1h mobile / design -- ]]><![CDATA[ </notes><hours>99</hours>",
    'log 1h mobile / design -- {"hours": 99}',
])
def test_valid_commands_with_strange_notes_are_kept_or_refused_politely(
        fuzzed: Fuzzed, text: str) -> None:
    others = entries_not_of(fuzzed.emulator, "polly")
    _ask(fuzzed.bot, text)
    assert fuzzed.errors.take() == []
    assert entries_not_of(fuzzed.emulator, "polly") == others
    # Notes stay notes: nothing in them reaches another field.
    assert all(e["hours"] < 99 for e in entries(fuzzed.emulator))
