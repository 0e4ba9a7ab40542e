"""Digests over real HTTP: signed /harvest digest commands in, the fake Slack Web API out, the
emulator (clock frozen, a known data set: ``tests/services/digest_support.py``) behind.

The app's clock is the test's: the scheduler's sweep is run at chosen instants with
``run_now_threadsafe``, and a restart is a new app on the same SQLite file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.digest_poster import DIGEST_SWEEP, digests_of
from emulator.runner import RunningEmulator
from tests.e2e.harness import SlackAppHarness, text_of, user_id
from tests.fakes.slack_api import UPLOAD, Call
from tests.services.digest_support import MONDAY_NINE_LONDON, known_emulator

CHANNEL, OTHER = "C0DIGEST", "C0POLLY"
FRIDAY_TOTALS = "*9.73 h* logged · 7.15 h billable · 2.58 h non-billable"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with known_emulator() as running:
        yield running


def ask(bot: SlackAppHarness, who: str, text: str, channel: str = CHANNEL) -> Call:
    key = f"digest{datetime.now().timestamp()}"
    answer = bot.send(bot.signer.slash_command(
        text, user_id=user_id(who), response_url=bot.slack.response_url(key),
        channel_id=channel))
    assert answer.status_code == 200, answer.text
    return bot.reply(key)


def posts(bot: SlackAppHarness, channel: str = CHANNEL) -> list[Call]:
    return bot.slack.calls_to("chat.postMessage", lambda c: c.args.get("channel") == channel)


def sweep(bot: SlackAppHarness) -> int:
    return int(bot.services.scheduler.run_now_threadsafe(DIGEST_SWEEP))


def test_digest_now_posts_the_hand_computed_totals_with_the_chart(
        emulator: RunningEmulator, tmp_path: Path, wire: str) -> None:
    clock = Clock(datetime(2026, 3, 30, 7, 0, tzinfo=UTC))  # Monday 08:00 in London
    with SlackAppHarness(emulator, tmp_path, clock=clock, wire=wire) as bot:
        bot.link("sybil")
        set_up = ask(bot, "sybil", "digest daily 09:00 weekdays Europe/London by task mention")
        assert "Daily digest set up here: weekdays at 09:00 Europe/London" in text_of(set_up)
        assert "Next: Mon 30 Mar 09:00" in text_of(set_up)
        assert "digest:sub:1" in bot.services.scheduler.names()
        reply = ask(bot, "sybil", "digest now")
        assert "Posted the digest for Friday 27 March 2026 here." in text_of(reply)
        [message] = posts(bot)
        shown = text_of(message)
        for part in (FRIDAY_TOTALS, "Basil Fawlty — *4.35 h*", "Polly Sherman — *3.58 h*",
                     "Manuel Garcia — *1.80 h*", "Website Redesign (Acme Corp) — *3.25 h*",
                     "Gourmet Night (City of Torquay) — *2.75 h*",
                     "Gourmet Night (City of Torquay) / Meetings — *1.50 h*",
                     "*Expenses:* 12.80 (3 expenses)", "+3.48 h against 6.25 h on Thursday",
                     "Manuel Garcia — Gourmet Night (City of Torquay) / Meetings (1.50 h)",
                     "*No time logged:* <@U0SYBIL>"):
            assert part in shown, part
        # The chart, through the files v2 flow, as a reply in the digest's thread.
        url = bot.slack.wait_for("files.getUploadURLExternal")
        upload = bot.slack.wait_for(UPLOAD)
        done = bot.slack.wait_for("files.completeUploadExternal")
        assert url.args["filename"] == "digest-2026-03-27.png"
        assert done.args["channel_id"] == CHANNEL
        assert done.args["thread_ts"] == message.response["ts"]
        assert bot.slack.uploaded(upload.args["file_id"]).startswith(b"\x89PNG\r\n\x1a\n")
        # Not recorded: the scheduled digest still comes at 09:00.
        clock.now = MONDAY_NINE_LONDON + timedelta(seconds=20)
        assert sweep(bot) == 1 and len(posts(bot)) == 2


def test_permissions_limit_the_content(emulator: RunningEmulator, tmp_path: Path,
                                       wire: str) -> None:
    clock = Clock(datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    with SlackAppHarness(emulator, tmp_path, clock=clock, wire=wire) as bot:
        bot.link("polly")
        bot.link("basil")
        ask(bot, "polly", "digest daily 09:00 weekdays", OTHER)
        ask(bot, "polly", "digest now", OTHER)
        shown = text_of(posts(bot, OTHER)[0])
        assert "*3.58 h* logged · 2.50 h billable" in shown
        assert "Polly Sherman — *3.58 h*" in shown
        assert "Basil" not in shown and "Manuel" not in shown and "Sybil" not in shown
        assert "only their own time" in shown
        refused = ask(bot, "polly", "digest daily 09:00 clients Acme", OTHER)
        assert "can't cover clients" in text_of(refused)
        ask(bot, "basil", "digest weekly mon 09:00", "C0BASIL")
        ask(bot, "basil", "digest now", "C0BASIL")
        managed = text_of(posts(bot, "C0BASIL")[0])
        assert "Weekly digest — 23–29 March 2026" in managed
        assert "Data Migration" not in managed and "the projects they manage" in managed
        # Only the owner (or a Harvest administrator) may stop it.
        assert "Only <@U0POLLY>" in text_of(ask(bot, "basil", "digest off", OTHER))
        assert "Stopped 1 digest" in text_of(ask(bot, "polly", "digest off", OTHER))


def test_personal_dm_and_show(emulator: RunningEmulator, tmp_path: Path, wire: str) -> None:
    clock = Clock(datetime(2026, 3, 27, 19, 5, tzinfo=UTC))  # Friday 20:05 in Madrid
    with SlackAppHarness(emulator, tmp_path, clock=clock, wire=wire) as bot:
        bot.link("manuel")
        set_up = ask(bot, "manuel", "digest me 18:00 weekdays")
        assert "I'll DM you your day at weekdays at 18:00 Europe/Madrid" in text_of(set_up)
        shown = text_of(ask(bot, "manuel", "digest show"))
        assert "This channel has no digest" in shown and "*Your DM*: weekdays at 18:00" in shown
        day = text_of(ask(bot, "manuel", "digest me now"))
        assert "*Your day — Friday 27 March*: *1.80 h*" in day
        assert "A timer is still running: *Gourmet Night / Meetings*" in day
        # The 20:00 watch fired five minutes ago: sent by the sweep, once.
        assert sweep(bot) == 1 and sweep(bot) == 0
        [dm] = bot.slack.calls_to("chat.postMessage", lambda c: c.args["channel"] == "U0MANUEL")
        assert "still running" in text_of(dm)


def test_a_restart_around_the_scheduled_minute_posts_exactly_once(
        emulator: RunningEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        wire: str) -> None:
    clock = Clock(MONDAY_NINE_LONDON - timedelta(seconds=30))  # 08:59:30 in London
    sent: list[Call] = []
    with SlackAppHarness(emulator, tmp_path, clock=clock, wire=wire) as first:
        first.link("sybil")
        ask(first, "sybil", "digest daily 09:00 weekdays Europe/London")
        assert sweep(first) == 0
        sent += posts(first)
    # Down over 09:00; back at 09:00:40: the start's catch-up posts Friday's digest.
    clock.now = MONDAY_NINE_LONDON + timedelta(seconds=40)
    with SlackAppHarness(emulator, tmp_path, clock=clock, wire=wire) as second:
        found = second.slack.wait_for("chat.postMessage", timeout=10)
        assert FRIDAY_TOTALS in text_of(found)
        assert sweep(second) == 0
        fired = second.services.scheduler  # the cron job itself finds nothing left to do
        assert fired.run_now_threadsafe("digest:sub:1") is False
        sent += posts(second)
    # And again at 09:01:30: the catch-up finds it sent.
    clock.now = MONDAY_NINE_LONDON + timedelta(minutes=1, seconds=30)
    with SlackAppHarness(emulator, tmp_path, clock=clock, wire=wire) as third:
        assert sweep(third) == 0
        third.slack.settle(len(third.slack.calls), first=0.5, quiet=0.3)
        sent += posts(third)
        record = digests_of(third.services).sends.get("sub:1", "2026-03-27")
        assert record is not None and record.state == "posted"
    assert len(sent) == 1
    # Down all Tuesday morning, back at 10:30: beyond the hour's grace, skipped and logged.
    clock.now = datetime(2026, 3, 31, 9, 30, tzinfo=UTC)
    with caplog.at_level(logging.WARNING, logger="bot.digests"), \
            SlackAppHarness(emulator, tmp_path, clock=clock, wire=wire) as fourth:
        assert sweep(fourth) == 0
        assert posts(fourth) == []
        skipped = digests_of(fourth.services).sends.get("sub:1", "2026-03-30")
        assert skipped is not None and skipped.state == "skipped"
    assert "digest sub:1 for 2026-03-30 not sent" in caplog.text


def test_a_dst_change_day_fires_once_at_the_local_time(emulator: RunningEmulator,
                                                      tmp_path: Path, wire: str) -> None:
    # 01:30 happens twice in London on Sunday 25 October 2026: at 00:30 and at 01:30 UTC.
    clock = Clock(datetime(2026, 10, 25, 0, 29, tzinfo=UTC))
    with SlackAppHarness(emulator, tmp_path, clock=clock, wire=wire) as bot:
        bot.link("sybil")
        ask(bot, "sybil", "digest daily 01:30 Europe/London")
        assert sweep(bot) == 0
        clock.now = datetime(2026, 10, 25, 0, 30, 5, tzinfo=UTC)  # 01:30:05 BST
        assert sweep(bot) == 1
        clock.now = datetime(2026, 10, 25, 1, 30, 5, tzinfo=UTC)  # 01:30:05 GMT, the repeat
        assert sweep(bot) == 0
        [message] = posts(bot)
        # An empty day is said in one line, not skipped.
        assert "No time or expenses were logged for everything (Saturday 24 October 2026)" in \
            text_of(message)
        # Spring: on 29 March 01:30 does not exist; it fires once, just after the gap.
        ask(bot, "sybil", "digest daily 01:30 Europe/London")
        clock.now = datetime(2026, 3, 29, 1, 0, 30, tzinfo=UTC)  # 02:00:30 BST
        assert sweep(bot) == 0
        clock.now = datetime(2026, 3, 29, 1, 30, 5, tzinfo=UTC)  # 02:30:05 BST
        assert sweep(bot) == 1
        assert "Saturday 28 March 2026" in text_of(posts(bot)[-1])
