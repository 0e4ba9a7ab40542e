"""A Co-op status whose post never had its answer (the process killed waiting, the connection
dropped) against the local Slack: the attempt stays in doubt; once it cannot still be running
the poster looks for the status in the channel's history by its metadata. Found: recorded, not
posted again; absent: posted once; the history unreadable: posted again (as before the check
existed); reading it failed: looked at again later."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.coop import Coop
from bot.coop_blocks import STATUS_EVENT, mirrored_message
from bot.coop_mirror import Mirror
from bot.coop_poster import CoopPoster, PollReport
from bot.harvest.models import Status
from bot.services import Services
from bot.slack_history import IN_DOUBT_AFTER
from emulator.runner import RunningEmulator
from storage.coop_links import CoopLink
from tests.fakes.slack_api import Call, FakeSlackApi
from tests.services.conftest import TEAM, link
from tests.services.conftest import Clock as BaseClock
from tests.services.test_coop import after_seeded_notes, group_id, uid

CHANNEL = "C0FRONTDESK"
TOKEN = "xoxb-coop-in-doubt-secret"


class Clock(BaseClock):
    def __init__(self) -> None:
        super().__init__(datetime.now(UTC))

    def settle(self) -> None:
        """Past the time an attempt may still be running."""
        self.now += IN_DOUBT_AFTER


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def coop(services: Services, emulator: RunningEmulator) -> Coop:
    after_seeded_notes(emulator)
    for who in ("basil", "sybil"):
        link(services, emulator, who)
    services.coop.link(TEAM, uid("basil"), CHANNEL, "Fawlty Towers")
    return services.coop


def poll(services: Services, slack: FakeSlackApi) -> PollReport:
    async def run() -> PollReport:
        client = AsyncWebClient(token=TOKEN, base_url=slack.base_url)
        return await CoopPoster(services, client).poll()
    return asyncio.run(run())


def shown(slack: FakeSlackApi, text: str) -> list[Call]:
    return slack.calls_to("chat.postMessage", lambda c: c.ok and c.args.get("channel") == CHANNEL
                          and text in str(c.args.get("text")))


def left_in_doubt(services: Services, coop: Coop, emulator: RunningEmulator,
                  text: str) -> tuple[CoopLink, Status]:
    """A new status, and the attempt a process killed while Slack held its post leaves."""
    coop.post(TEAM, uid("sybil"), "C0ELSEWHERE", text)
    mirror: Mirror = services.coop_mirror
    found = mirror.read(TEAM, group_id(emulator))
    assert found is not None
    [status] = [s for s in found.statuses if s.text == text]
    [where] = found.channels_for(status)
    mirror.attempting(where, status)
    return where, status


def test_a_status_posted_normally_reads_no_history_and_leaves_no_attempt(
        services: Services, coop: Coop, slack: FakeSlackApi, emulator: RunningEmulator) -> None:
    coop.post(TEAM, uid("sybil"), "C0ELSEWHERE", "Rooms 12 and 14 are ready")
    assert poll(services, slack).posted == 1
    [posted] = shown(slack, "Rooms 12 and 14")
    assert posted.args["metadata"]["event_type"] == STATUS_EVENT
    assert slack.calls_to("conversations.history") == []
    assert services.db.execute("SELECT COUNT(*) FROM coop_attempts").fetchone()[0] == 0


def test_a_status_slack_made_is_found_and_not_posted_again(
        services: Services, coop: Coop, slack: FakeSlackApi, emulator: RunningEmulator,
        clock: Clock) -> None:
    where, status = left_in_doubt(services, coop, emulator, "The kitchen is closed")
    with slack.workspace.lock:  # Slack made it; its answer never reached the bot
        made = slack.workspace.answer("chat.postMessage", {
            "channel": CHANNEL, **mirrored_message(status, "Fawlty Towers")})
    report = poll(services, slack)  # the attempt may still be running: wait
    assert (report.posted, report.failed) == (0, 1)
    assert slack.calls_to("conversations.history") == []
    clock.settle()
    assert poll(services, slack).posted == 1
    assert shown(slack, "The kitchen is closed") == []  # only the one Slack made
    assert slack.only("conversations.history").args["channel"] == CHANNEL
    assert services.coop_mirror.in_doubt(where, status) is None
    assert services.coop.cursors.get(TEAM, group_id(emulator)).status_id == status.id  # type: ignore[union-attr]
    rows = services.db.execute("SELECT message_ts FROM coop_sent WHERE status_id = ?",
                               [status.id]).fetchall()
    assert rows == [(made["ts"],)]
    assert poll(services, slack).posted == 0


def test_a_status_slack_never_made_is_posted_once(
        services: Services, coop: Coop, slack: FakeSlackApi, emulator: RunningEmulator,
        clock: Clock) -> None:
    left_in_doubt(services, coop, emulator, "Lift out of order")
    clock.settle()
    assert poll(services, slack).posted == 1
    assert len(shown(slack, "Lift out of order")) == 1
    clock.settle()
    assert poll(services, slack).posted == 0
    assert len(shown(slack, "Lift out of order")) == 1
    assert len(slack.calls_to("conversations.history")) == 1


def test_an_unreadable_history_posts_it_again(
        services: Services, coop: Coop, slack: FakeSlackApi, emulator: RunningEmulator,
        clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    left_in_doubt(services, coop, emulator, "Fire drill at noon")
    slack.add_channel(CHANNEL, member=False)  # it posts with chat:write.public
    clock.settle()
    with caplog.at_level(logging.WARNING, logger="bot.coop_poster"):
        assert poll(services, slack).posted == 1
    assert len(shown(slack, "Fire drill")) == 1
    assert "not_in_channel" in caplog.text and TOKEN not in caplog.text


def test_a_failed_history_call_stops_the_round_and_is_tried_again_later(
        services: Services, coop: Coop, slack: FakeSlackApi, emulator: RunningEmulator,
        clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    where, status = left_in_doubt(services, coop, emulator, "Guests in room 7 complained")
    slack.fail_next("conversations.history", status=503)
    clock.settle()
    with caplog.at_level(logging.WARNING, logger="bot.coop_poster"):
        report = poll(services, slack)
    assert (report.posted, report.failed) == (0, 1)
    assert "looking again later" in caplog.text and TOKEN not in caplog.text
    assert services.coop_mirror.in_doubt(where, status) is not None
    assert poll(services, slack).failed == 1  # not read again at once
    assert len(slack.calls_to("conversations.history")) == 1
    clock.settle()
    assert poll(services, slack).posted == 1
    assert len(shown(slack, "room 7")) == 1


def test_a_post_whose_answer_timed_out_is_not_posted_twice(
        services: Services, coop: Coop, slack: FakeSlackApi, emulator: RunningEmulator,
        clock: Clock) -> None:
    coop.post(TEAM, uid("sybil"), "C0ELSEWHERE", "Manuel is on the roof")
    slack.delay_next("chat.postMessage", 1.5)  # made, but after the client gave up

    async def run() -> PollReport:
        client = AsyncWebClient(token=TOKEN, base_url=slack.base_url, timeout=0.5,
                                retry_handlers=[])
        return await CoopPoster(services, client).poll()

    assert asyncio.run(run()).failed == 1
    slack.wait_for("chat.postMessage", lambda c: "roof" in str(c.args.get("text")))
    clock.settle()
    assert poll(services, slack).posted == 1
    assert len(shown(slack, "roof")) == 1
