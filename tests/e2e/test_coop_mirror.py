"""Mirroring Co-op groups into channels, over real HTTP: statuses posted in the emulator appear
in the linked channel exactly once, in order, across restarts and bursts, one message a second.

Polls are triggered through the app's scheduler (``run_now``), never waited for. Where many
messages are posted, the fake Slack's clock runs :data:`SPEED` times faster and the app's pace
is shortened to match, so Slack's one-message-a-second rule is still enforced by the fake and a
burst of 120 takes seconds, not minutes; one test keeps real time and the real pace.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channel_pace import channel_pace
from bot.coop_blocks import NOTE_CHARS
from bot.coop_poster import COOP_POLL, PollReport
from emulator.clock import iso
from emulator.runner import RunningEmulator
from tests.e2e.harness import TEAM, SlackAppHarness, text_of, user_id
from tests.e2e.test_coop import LINKED, after_seeded_notes, ask_in
from tests.fakes.slack_api import Call, FakeSlackApi

#: How much faster the fake Slack's clock runs in the fast scenarios.
SPEED = 50


def fast_harness(emulator: RunningEmulator, tmp_path: Path, wire: str = "v1") -> SlackAppHarness:
    harness = SlackAppHarness(emulator, tmp_path, wire=wire)
    start = time.monotonic()
    harness.slack = FakeSlackApi(team_id=TEAM,
                                 clock=lambda: start + (time.monotonic() - start) * SPEED)
    return harness


def started(harness: SlackAppHarness, *, fast: bool = True) -> SlackAppHarness:
    harness.start()
    if fast:  # a "second" of the fake Slack, and a little more
        channel_pace(harness.services).interval = 1.2 / SPEED
    for who in ("basil", "sybil", "polly", "manuel"):
        harness.link(who)
    return harness


@pytest.fixture
def mirror_bot(emulator: RunningEmulator, tmp_path: Path, wire: str) -> Iterator[SlackAppHarness]:
    """The app on both wires (v2 people reach Co-op at its URL with their bearer token)."""
    after_seeded_notes(emulator)
    harness = started(fast_harness(emulator, tmp_path, wire))
    yield harness
    harness.stop()


def poll(bot: SlackAppHarness) -> PollReport:
    report = bot.services.scheduler.run_now_threadsafe(COOP_POLL, timeout=60)
    assert isinstance(report, PollReport)
    return report


def mirrored(bot: SlackAppHarness, channel: str = LINKED) -> list[Call]:
    """The statuses the bot posted into ``channel``, oldest first."""
    return [c for c in bot.slack.calls_to("chat.postMessage", lambda c: c.args.get("channel") == channel)
            if c.ok]


def texts(calls: list[Call]) -> list[str]:
    return [c.args["blocks"][0]["text"]["text"] for c in calls]


def post_notes(emulator: RunningEmulator, who: str, notes: list[str]) -> None:
    """Statuses written straight into Co-op's store, as its API would (120 posts through the
    API would wait on its throttle)."""
    user = emulator.info.logins[who].user_id
    group = emulator.info.ids["group:Fawlty Towers"]
    for note in notes:
        now = iso(emulator.clock.now())
        emulator.store.insert("statuses", group_id=group, user_id=user, text=note,
                              created_at=now, updated_at=now)


def test_statuses_appear_once_in_order_with_author_and_timers(mirror_bot: SlackAppHarness,
                                                              emulator: RunningEmulator) -> None:
    ask_in(mirror_bot, "basil", "group link Fawlty Towers")
    assert poll(mirror_bot).posted == 0  # the group's history is not replayed
    ask_in(mirror_bot, "sybil", "status Basil, the Major wants his paper.", "C0ELSE")
    started_timer = ask_in(mirror_bot, "polly", "start gourmet / put butter -- the trays", "C0ELSE")
    assert "Timer started" in text_of(started_timer)
    post_notes(emulator, "basil", ["Where's Manuel?"])
    report = poll(mirror_bot)
    assert (report.posted, report.failed) == (3, 0)
    calls = mirrored(mirror_bot)
    assert [c.args["username"] for c in calls] == ["Sybil Fawlty", "Polly Sherman", "Basil Fawlty"]
    assert all(c.args["icon_url"].endswith("/thumb/avatar.gif") for c in calls)
    assert texts(calls)[0] == "Basil, the Major wants his paper."
    timer = texts(calls)[1]
    assert timer.startswith(":stopwatch: Timer running on *Gourmet Night (City of Torquay) / "
                            "Put butter on trays* · 0:")
    assert timer.endswith("> the trays")
    assert texts(calls)[2] == "Where's Manuel?"
    assert "*Sybil Fawlty* in Co-op · Fawlty Towers" in text_of(calls[0])
    assert calls[0].args["metadata"]["event_type"] == "coop_status"
    assert poll(mirror_bot).posted == 0
    assert len(mirrored(mirror_bot)) == 3


def test_exactly_once_across_a_restart_between_polls(emulator: RunningEmulator,
                                                     tmp_path: Path, wire: str) -> None:
    after_seeded_notes(emulator)
    first = started(fast_harness(emulator, tmp_path, wire))
    try:
        ask_in(first, "basil", "group link Fawlty Towers")
        post_notes(emulator, "sybil", ["one", "two"])
        poll(first)
        before = texts(mirrored(first))
    finally:
        first.stop()
    post_notes(emulator, "polly", ["three", "four"])
    second = started(fast_harness(emulator, tmp_path, wire))  # the same SQLite file
    try:
        poll(second)
        after = texts(mirrored(second))
        assert poll(second).posted == 0
    finally:
        second.stop()
    assert before + after == ["one", "two", "three", "four"]


def test_stopped_in_the_middle_of_a_poll_it_resumes_without_duplicates(
        emulator: RunningEmulator, tmp_path: Path, wire: str) -> None:
    after_seeded_notes(emulator)
    notes = [f"note {n}" for n in range(6)]
    first = started(SlackAppHarness(emulator, tmp_path, wire=wire), fast=False)  # one message a second
    try:
        ask_in(first, "basil", "group link Fawlty Towers")
        post_notes(emulator, "sybil", notes)
        polling = threading.Thread(target=lambda: poll(first), daemon=True)
        polling.start()
        first.slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == LINKED)
    finally:
        first.stop()  # the app shuts down: the post in flight finishes, the rest waits
    polling.join(timeout=10)
    before = texts(mirrored(first))
    assert 0 < len(before) < len(notes)
    second = started(fast_harness(emulator, tmp_path, wire))
    try:
        poll(second)
        after = texts(mirrored(second))
    finally:
        second.stop()
    assert before + after == notes


def test_a_burst_of_120_between_two_polls_arrives_whole_in_order(mirror_bot: SlackAppHarness,
                                                                  emulator: RunningEmulator) -> None:
    ask_in(mirror_bot, "basil", "group link Fawlty Towers")
    post_notes(emulator, "sybil", ["before the burst"])
    poll(mirror_bot)
    burst = [f"burst {n:03d}" for n in range(120)]
    post_notes(emulator, "polly", burst)
    report = poll(mirror_bot)
    assert (report.posted, report.failed) == (120, 0)
    assert texts(mirrored(mirror_bot)) == ["before the burst", *burst]
    refused = mirror_bot.slack.calls_to("chat.postMessage", lambda c: not c.ok)
    assert refused == []  # Slack never had to say "ratelimited"


def test_one_message_a_second_per_channel_queued_not_dropped(emulator: RunningEmulator,
                                                             tmp_path: Path, wire: str) -> None:
    after_seeded_notes(emulator)
    bot = started(SlackAppHarness(emulator, tmp_path, wire=wire), fast=False)  # real time, real pace
    try:
        ask_in(bot, "basil", "group link Fawlty Towers")
        ask_in(bot, "sybil", "group link Fawlty Towers", "C0BACKOFFICE")
        notes = ["a", "b", "c", "d"]
        post_notes(emulator, "basil", notes)
        poll(bot)
        for channel in (LINKED, "C0BACKOFFICE"):
            calls = mirrored(bot, channel)
            assert texts(calls) == notes
            gaps = [later.at - earlier.at for earlier, later in zip(calls, calls[1:], strict=False)]
            assert all(gap >= 0.9 for gap in gaps), gaps
        assert bot.slack.calls_to("chat.postMessage", lambda c: not c.ok) == []
    finally:
        bot.stop()


def test_a_long_note_is_cut_with_a_link_not_refused(mirror_bot: SlackAppHarness,
                                                    emulator: RunningEmulator) -> None:
    ask_in(mirror_bot, "basil", "group link Fawlty Towers")
    long_note = " ".join(["Mrs Richards complains about the view"] * 200)  # 7,600 characters
    post_notes(emulator, "basil", [long_note])
    poll(mirror_bot)
    (call,) = mirrored(mirror_bot)
    shown = call.args["blocks"][0]["text"]["text"]
    assert len(shown) <= NOTE_CHARS and shown.endswith("…")
    assert long_note.startswith(shown[:-1].rstrip())
    group = emulator.info.ids["group:Fawlty Towers"]
    assert f"<{emulator.coop_url}/groups/{group}|Read it all in Co-op>" in text_of(call)


def test_a_channel_shows_only_what_its_linker_may_read(mirror_bot: SlackAppHarness,
                                                       emulator: RunningEmulator) -> None:
    assert "not a member of any Co-op group" in text_of(
        ask_in(mirror_bot, "manuel", "group link Fawlty Towers", "C0MANUEL"))
    ask_in(mirror_bot, "basil", "group link Fawlty Towers")
    emulator.store.execute("DELETE FROM memberships WHERE user_id = ?",
                           emulator.info.logins["basil"].user_id)  # basil left the group
    post_notes(emulator, "sybil", ["for members only"])
    report = poll(mirror_bot)
    assert report.dropped == [LINKED] and mirrored(mirror_bot) == []
    told = mirror_bot.slack.wait_for("chat.postMessage",
                                     lambda c: c.args.get("channel") == user_id("basil"))
    assert "no longer a member of the group" in text_of(told)
    assert "isn't showing a Co-op group" in text_of(ask_in(mirror_bot, "sybil", "group unlink"))


def test_a_channel_slack_refuses_is_unlinked_and_its_linker_told(
        mirror_bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    ask_in(mirror_bot, "polly", "group link Fawlty Towers", "C0ARCHIVED")
    post_notes(emulator, "sybil", ["anyone there?"])
    mirror_bot.slack.error_next("chat.postMessage", "is_archived")
    poll(mirror_bot)
    told = mirror_bot.slack.wait_for("chat.postMessage",
                                     lambda c: c.args.get("channel") == user_id("polly"))
    assert "Slack won't let me post there (is_archived)" in text_of(told)
    assert "isn't showing a Co-op group" in text_of(
        ask_in(mirror_bot, "polly", "group unlink", "C0ARCHIVED"))


def test_a_failed_post_is_retried_next_poll_not_skipped(mirror_bot: SlackAppHarness,
                                                        emulator: RunningEmulator) -> None:
    ask_in(mirror_bot, "basil", "group link Fawlty Towers")
    post_notes(emulator, "sybil", ["first", "second"])
    mirror_bot.slack.error_next("chat.postMessage", "fatal_error")
    assert poll(mirror_bot).failed == 1
    assert mirrored(mirror_bot) == []
    poll(mirror_bot)
    assert texts(mirrored(mirror_bot)) == ["first", "second"]


def test_a_message_posted_to_co_op_from_the_channel_is_not_posted_back(
        mirror_bot: SlackAppHarness) -> None:
    ask_in(mirror_bot, "basil", "group link Fawlty Towers")
    key = f"sc{time.monotonic_ns()}"
    mirror_bot.interact(mirror_bot.signer.message_shortcut(
        user_id("polly"), "post_to_coop", text="Rats in the kitchen",
        response_url=mirror_bot.slack.response_url(key), channel_id=LINKED))
    assert "Posted to *Fawlty Towers*" in text_of(mirror_bot.reply(key))
    ask_in(mirror_bot, "sybil", "status Rats? In my hotel?", "C0ELSE")
    poll(mirror_bot)
    assert texts(mirrored(mirror_bot)) == ["Rats? In my hotel?"]


# slack_sdk's oauth.v2.access uses aiohttp.BasicAuth, deprecated by aiohttp (see test_install).
@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
def test_installed_by_oauth_the_mirror_posts_with_the_workspaces_token(
        emulator: RunningEmulator, tmp_path: Path, wire: str) -> None:
    from tests.e2e.test_install import _install  # "Add to Slack" as that module plays it

    after_seeded_notes(emulator)
    with SlackAppHarness(emulator, tmp_path, multi_workspace=True, wire=wire) as bot:
        token, back = _install(bot, "code-coop")
        assert back.status_code == 200
        bot.link("basil")
        ask_in(bot, "basil", "group link Fawlty Towers")
        post_notes(emulator, "sybil", ["installed, not configured"])
        poll(bot)
        (call,) = mirrored(bot)
        assert call.token == token
