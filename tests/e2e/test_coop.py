"""``/harvest status``, ``/harvest group …``, the picker, delete confirmation and the "Post to
Co-op" shortcut, over real HTTP: signed Slack requests in, the emulator's Co-op behind."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from datetime import time as clock_time
from typing import Any

import pytest

from emulator.runner import RunningEmulator
from tests.e2e.harness import SlackAppHarness, buttons, text_of, user_id
from tests.fakes.slack_api import Call

LINKED = "C0FRONTDESK"


def after_seeded_notes(emulator: RunningEmulator) -> None:
    """The demo seeds today's note at 09:30 UTC: keep Co-op's clock past it, so that what a
    test posts is the newest status (the stream is ordered by when statuses were made)."""
    now = emulator.clock.now()
    seeded = datetime.combine(now.date(), clock_time(9, 30, 1), tzinfo=UTC)
    if now < seeded:
        emulator.clock.advance((seeded - now).total_seconds())


def ask_in(bot: SlackAppHarness, who: str, text: str, channel: str = LINKED) -> Call:
    """``/harvest text`` typed by ``who`` in ``channel``, and its answer."""
    key = f"cmd{time.monotonic_ns()}"
    answer = bot.send(bot.signer.slash_command(
        text, user_id=user_id(who), response_url=bot.slack.response_url(key), channel_id=channel))
    assert answer.status_code == 200, answer.text
    return bot.reply(key)


def press(bot: SlackAppHarness, who: str, element: dict[str, Any]) -> Call:
    """Press a button of a reply, as ``who``; the answer to it."""
    return bot.reply(bot.click(who, element["action_id"], value=element.get("value")))


def notes_in(emulator: RunningEmulator, group: str = "Fawlty Towers") -> list[str]:
    return [row["text"] for row in emulator.store.all(
        "SELECT s.text FROM statuses s JOIN groups g ON g.id = s.group_id WHERE g.name = ? "
        "ORDER BY s.id", group)]


@pytest.fixture
def coop_bot(bot: SlackAppHarness, emulator: RunningEmulator) -> SlackAppHarness:
    after_seeded_notes(emulator)
    for who in ("basil", "sybil", "polly", "manuel"):
        bot.link(who)
    return bot


def test_status_posts_to_the_only_group_as_the_person(coop_bot: SlackAppHarness,
                                                      emulator: RunningEmulator) -> None:
    reply = ask_in(coop_bot, "polly", "status Menus &amp; wine list are printed")
    assert "Posted to *Fawlty Towers*" in text_of(reply)
    assert "&gt; Menus &amp; wine list are printed" not in text_of(reply)
    assert "> Menus &amp; wine list are printed" in text_of(reply)
    assert notes_in(emulator)[-1] == "Menus & wine list are printed"
    polly = emulator.info.logins["polly"].user_id
    assert emulator.store.scalar("SELECT user_id FROM statuses ORDER BY id DESC LIMIT 1") == polly


def test_a_non_member_can_neither_post_to_nor_read_a_group(coop_bot: SlackAppHarness,
                                                           emulator: RunningEmulator) -> None:
    before = notes_in(emulator)
    assert "You're not in any Co-op group yet" in text_of(ask_in(coop_bot, "manuel", "status Hola"))
    assert "Your groups: none yet" in text_of(
        ask_in(coop_bot, "manuel", "group link Fawlty Towers", "C0MANUEL"))
    assert "now shows new statuses of *Fawlty Towers*" in text_of(
        ask_in(coop_bot, "basil", "group link Fawlty Towers"))
    for command in ("status ¿Qué?", "group digest", "group invite manuel@fawltytowers.example",
                    "group rename Manuel's"):
        assert "You're not a member of *Fawlty Towers*" in text_of(
            ask_in(coop_bot, "manuel", command)), command
    assert "not in any Co-op group" in text_of(ask_in(coop_bot, "manuel", "group list"))
    assert notes_in(emulator) == before


def test_list_link_default_and_unlink(coop_bot: SlackAppHarness) -> None:
    listed = text_of(ask_in(coop_bot, "sybil", "group list"))
    assert "*Fawlty Towers* (London)" in listed and "`/harvest group link <group>`" in listed
    assert "now shows new statuses" in text_of(ask_in(coop_bot, "sybil", "group link fawlty"))
    assert "shown in this channel" in text_of(ask_in(coop_bot, "sybil", "group"))
    assert "now posts to *Fawlty Towers*" in text_of(
        ask_in(coop_bot, "sybil", "group default Fawlty Towers"))
    assert "your default" in text_of(ask_in(coop_bot, "sybil", "group list", "C0ELSE"))
    assert "no longer shows *Fawlty Towers*" in text_of(ask_in(coop_bot, "polly", "group unlink"))
    assert "isn't showing a Co-op group" in text_of(ask_in(coop_bot, "polly", "group unlink"))


def test_several_groups_offer_a_picker_and_the_pick_sticks(coop_bot: SlackAppHarness,
                                                           emulator: RunningEmulator) -> None:
    created = ask_in(coop_bot, "sybil", "group create Kitchen London polly@fawltytowers.example")
    assert "Created *Kitchen* (London)" in text_of(created)
    assert "Invited: polly@fawltytowers.example" in text_of(created)
    picker = ask_in(coop_bot, "polly", "status Out of butter", "C0ELSE")
    assert "Where should this status go?" in text_of(picker)
    choices = {b["text"]["text"]: b for b in buttons(picker, "coop_pick_group")}
    assert set(choices) == {"Fawlty Towers", "Kitchen"}
    assert "Out of butter" not in notes_in(emulator, "Kitchen")
    picked = press(coop_bot, "polly", choices["Kitchen"])
    assert "Posted to *Kitchen*" in text_of(picked) and picked.args["replace_original"] is True
    assert "from now on" in text_of(picked)
    assert notes_in(emulator, "Kitchen") == ["Out of butter"]
    again = ask_in(coop_bot, "polly", "status Butter found", "C0ELSE")
    assert "Posted to *Kitchen*" in text_of(again)
    stale = press(coop_bot, "polly", choices["Fawlty Towers"])
    assert "expired or was made already" in text_of(stale)


def test_create_refuses_a_time_zone_co_op_does_not_accept(coop_bot: SlackAppHarness,
                                                          emulator: RunningEmulator) -> None:
    groups = emulator.store.scalar("SELECT COUNT(*) FROM groups")
    refused = ask_in(coop_bot, "basil", 'group create "Gourmet Night" Mars')
    assert "doesn't accept the time zone “Mars”" in text_of(refused)
    assert emulator.store.scalar("SELECT COUNT(*) FROM groups") == groups
    made = ask_in(coop_bot, "manuel", "group create Cocina")  # his Slack zone: Europe/Madrid
    assert "Created *Cocina* (Madrid)" in text_of(made)
    assert "your default group" in text_of(made)


def test_invite_by_mention_rename_and_hand_over(coop_bot: SlackAppHarness,
                                                emulator: RunningEmulator) -> None:
    ask_in(coop_bot, "basil", "group link Fawlty Towers")
    invited = ask_in(coop_bot, "basil", f"group invite <@{user_id('manuel')}|manuel> "
                     "terry@elsewhere.example")
    assert "members now: manuel@fawltytowers.example" in text_of(invited)
    assert "invitation emailed: terry@elsewhere.example" in text_of(invited)
    assert "Posted to *Fawlty Towers*" in text_of(ask_in(coop_bot, "manuel", "status ¡Hola!"))

    assert "Renamed the group to *Fawlty Towers Hotel*" in text_of(
        ask_in(coop_bot, "basil", "group rename Fawlty Towers Hotel"))
    assert "*Fawlty Towers Hotel*" in text_of(ask_in(coop_bot, "sybil", "group list"))

    refused = ask_in(coop_bot, "sybil", f"group owner <@{user_id('sybil')}|sybil>")
    assert "Only the owner of *Fawlty Towers Hotel* (Basil Fawlty) can do that." in text_of(refused)
    handed = ask_in(coop_bot, "basil", f"group owner <@{user_id('sybil')}|sybil>")
    assert "*Sybil Fawlty* owns *Fawlty Towers Hotel* now." in text_of(handed)
    group = emulator.info.ids["group:Fawlty Towers"]
    assert emulator.store.scalar("SELECT owner_id FROM groups WHERE id = ?", group) == \
        emulator.info.logins["sybil"].user_id


def test_delete_asks_first_and_is_for_the_owner(coop_bot: SlackAppHarness,
                                                emulator: RunningEmulator) -> None:
    ask_in(coop_bot, "basil", "group link Fawlty Towers")
    entries = emulator.store.scalar("SELECT COUNT(*) FROM day_entries")
    assert "Only the owner of *Fawlty Towers*" in text_of(ask_in(coop_bot, "polly", "group delete"))
    asked = ask_in(coop_bot, "basil", "group delete")
    assert "destroys all of the group's notes" in text_of(asked)
    assert "Time entries in Harvest are not affected" in text_of(asked)
    delete = buttons(asked, "coop_delete_group")[0]
    assert delete["style"] == "danger" and delete["confirm"]["confirm"]["text"] == "Delete"
    cancelled = press(coop_bot, "basil", buttons(asked, "coop_cancel")[0])
    assert "Nothing was deleted" in text_of(cancelled)
    assert notes_in(emulator)
    assert "Only the owner" in text_of(press(coop_bot, "polly", delete))
    deleted = press(coop_bot, "basil", delete)
    assert "Deleted *Fawlty Towers* and its notes" in text_of(deleted)
    assert f"<#{LINKED}>" in text_of(deleted)
    assert notes_in(emulator) == []
    assert emulator.store.scalar("SELECT COUNT(*) FROM day_entries") == entries
    assert "isn't showing a Co-op group" in text_of(ask_in(coop_bot, "basil", "group unlink"))


def test_digest_is_the_days_statuses_in_one_message(coop_bot: SlackAppHarness) -> None:
    ask_in(coop_bot, "basil", "group link Fawlty Towers")
    ask_in(coop_bot, "sybil", "status Basil! The Major is here.")
    ask_in(coop_bot, "basil", "status Coming, dear.")
    digest = ask_in(coop_bot, "polly", "group digest")
    shown = text_of(digest)
    assert "*Fawlty Towers* —" in shown
    assert shown.index("*Sybil Fawlty*: Basil! The Major is here.") < shown.index(
        "*Basil Fawlty*: Coming, dear.")
    assert "The Major is back from the bank." in text_of(
        ask_in(coop_bot, "polly", "group digest yesterday"))


def test_post_to_co_op_shortcut_posts_the_messages_text(coop_bot: SlackAppHarness,
                                                        emulator: RunningEmulator) -> None:
    key = f"sc{time.monotonic_ns()}"
    coop_bot.interact(coop_bot.signer.message_shortcut(
        user_id("polly"), "post_to_coop", text="Table 4 wants <@U0BASIL|basil> &amp; the wine",
        response_url=coop_bot.slack.response_url(key), channel_id=LINKED))
    reply = coop_bot.reply(key)
    assert "Posted to *Fawlty Towers*" in text_of(reply)
    assert notes_in(emulator)[-1] == "Table 4 wants @basil & the wine"


def test_co_op_down_and_not_connected_are_explained(coop_bot: SlackAppHarness,
                                                    emulator: RunningEmulator) -> None:
    rule = emulator.faults.add("/coop/*", status=503)
    assert "Co-op isn't answering right now" in text_of(ask_in(coop_bot, "polly", "status hi"))
    emulator.faults.remove(rule.id)
    coop_bot.services.accounts.unlink("T0DEMO", user_id("polly"))
    assert "You haven't connected Harvest yet" in text_of(ask_in(coop_bot, "polly", "status hi"))


def test_help_and_typos(coop_bot: SlackAppHarness) -> None:
    help_text = text_of(ask_in(coop_bot, "polly", "help group"))
    assert "/harvest group link Fawlty Towers" in help_text
    assert "Did you mean `group delete`?" in text_of(ask_in(coop_bot, "polly", "group delte"))
    assert "What should the status say?" in text_of(ask_in(coop_bot, "polly", "status"))
    value = json.dumps({"g": 1})
    assert value  # the buttons' values are JSON (checked through the picker above)
