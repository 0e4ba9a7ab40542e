"""``/harvest status`` and ``/harvest group …``: the words only, no Co-op call."""

from __future__ import annotations

import pytest

from bot.parsing.commands import (
    COMMANDS,
    GROUP_HELP,
    CommandError,
    Group,
    GroupCreate,
    GroupDefault,
    GroupDelete,
    GroupDigest,
    GroupInvite,
    GroupLink,
    GroupList,
    GroupOwner,
    GroupRename,
    GroupUnlink,
    SlackUserRef,
    Status,
    parse_command,
)
from bot.parsing.coop_words import accepted_timezone, email_of, plain_text, split_name_timezone
from bot.parsing.dates import DaysAgo


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("status Menus are printed", Status("Menus are printed")),
        ("STATUS  spaced   out ", Status("spaced   out")),
        ("status fish &amp; chips &lt;3 for <@U0SYBIL|sybil>", Status("fish & chips <3 for @sybil")),
        ("status see <https://example.com/menu|the menu>", Status("see the menu (https://example.com/menu)")),
        ('status "quoted" -- kept as typed', Status('"quoted" -- kept as typed')),
        ("status line one\nline two", Status("line one\nline two")),
        ("group", Group(GroupList())),
        ("group list", Group(GroupList())),
        ("group link Fawlty Towers", Group(GroupLink("Fawlty Towers"))),
        ("group unlink", Group(GroupUnlink())),
        ("group default fawlty", Group(GroupDefault("fawlty"))),
        ("group rename Fawlty Towers &amp; Co", Group(GroupRename("Fawlty Towers & Co"))),
        ("group owner <@U0SYBIL|sybil>", Group(GroupOwner(SlackUserRef("U0SYBIL", "sybil")))),
        ("group delete", Group(GroupDelete())),
        ("group digest", Group(GroupDigest())),
        ("group digest yesterday", Group(GroupDigest(DaysAgo(1)))),
    ],
)
def test_reads(text: str, command: object) -> None:
    invocation = parse_command(text)
    assert invocation.command == command
    assert invocation.for_user is None


@pytest.mark.parametrize(
    ("text", "create"),
    [
        ("group create Kitchen", GroupCreate("Kitchen")),
        ("group create Fawlty Towers London", GroupCreate("Fawlty Towers", "London")),
        ("group create Fawlty Towers buenos aires", GroupCreate("Fawlty Towers", "Buenos Aires")),
        ("group create Night shift Eastern Time (US &amp; Canada)",
         GroupCreate("Night shift", "Eastern Time (US & Canada)")),
        ("group create Team Europe/Madrid", GroupCreate("Team", "Madrid")),
        ('group create "London Eye" Mars', GroupCreate("London Eye", "Mars")),
        ("group create “Kitchen”", GroupCreate("Kitchen")),
        ("group create London", GroupCreate("London")),  # one word stays the name
        ("group create Fawlty Towers London sybil@fawltytowers.com, "
         "<mailto:polly@fawltytowers.com|polly@fawltytowers.com>",
         GroupCreate("Fawlty Towers", "London",
                     ("sybil@fawltytowers.com", "polly@fawltytowers.com"))),
    ],
)
def test_create_splits_name_timezone_and_emails(text: str, create: GroupCreate) -> None:
    assert parse_command(text).command == Group(create)


def test_invite_takes_addresses_and_people() -> None:
    command = parse_command("group invite a@x.com,b@y.org <@U0POLLY|polly> a@x.com").command
    assert command == Group(GroupInvite(("a@x.com", "b@y.org"), (SlackUserRef("U0POLLY", "polly"),)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("status", "What should the status say?"),
        ("status    ", "What should the status say?"),
        ("group delet", "Did you mean `group delete`?"),
        ("group link", "Which group?"),
        ("group rename", "What new name?"),
        ("group unlink now", "`group unlink` takes nothing after it."),
        ("group owner sybil", "Pick one person from Slack's @ list."),
        ("group owner <@U1|a> <@U2|b>", "Pick one person"),
        ("group invite", "Whom should I invite?"),
        ("group invite sybil", "`sybil` is not an email address"),
        ("group create", "What should the group be called?"),
        ("group create Team bad@address", "`bad@address` is not an email address."),
        ("group digest someday", "someday"),
        ("for <@U0SYBIL|sybil> status hi", "`status` is only for yourself."),
        ("for <@U0SYBIL|sybil> group list", "`group` is only for yourself."),
    ],
)
def test_refusals_say_why_with_usage(text: str, message: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse_command(text)
    assert message in raised.value.message
    assert raised.value.usage


def test_group_error_usage_is_the_actions() -> None:
    with pytest.raises(CommandError) as raised:
        parse_command("group frobnicate")
    assert all(help.usage in raised.value.usage for help in GROUP_HELP)


def test_help_lists_status_and_group() -> None:
    names = {help.name for help in COMMANDS}
    assert {"status", "group"} <= names
    assert parse_command("help group").command.topic == "group"  # type: ignore[union-attr]


def test_plain_text_reads_slack_markup() -> None:
    assert plain_text("<#C0TEAM|team> <!here> <mailto:a@b.co|a@b.co> <https://x.io>") == (
        "#team @here a@b.co https://x.io")


@pytest.mark.parametrize(
    ("word", "email"),
    [("a@b.co", "a@b.co"), ("a@b.co,", "a@b.co"), ("<mailto:a@b.co|a@b.co>", "a@b.co"),
     ("a@b", None), ("<@U1|a>", None), ("plain", None)],
)
def test_email_of(word: str, email: str | None) -> None:
    assert email_of(word) == email


@pytest.mark.parametrize(
    ("text", "zone"),
    [("london", "London"), ("UTC", "UTC"), ("Europe/London", "London"),
     ("America/New_York", "Eastern Time (US & Canada)"), ("Mars", None), ("Mars/Olympus", None)],
)
def test_accepted_timezone(text: str, zone: str | None) -> None:
    assert accepted_timezone(text) == zone


def test_split_name_timezone_keeps_a_name_that_ends_like_a_zone_only_when_quoted() -> None:
    assert split_name_timezone("Night in Paris") == ("Night in", "Paris")
    assert split_name_timezone('"Night in Paris"') == ("Night in Paris", None)
