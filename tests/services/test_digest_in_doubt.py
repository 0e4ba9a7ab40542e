"""A digest left "posting" (the answer to its post never came back) against the local Slack:
after ``IN_DOUBT_AFTER`` the sweep looks for it in the channel's history (a personal digest: in
the app's DM with the person) by its metadata. Found: recorded with its ts, not posted again;
absent: posted once; the history unreadable: not sent again (as before the check existed);
reading it failed: looked at again later."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import time, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.digest_blocks import DIGEST_EVENT, digest_metadata
from bot.digest_poster import DigestPoster, digests_of
from bot.digests import Digests, Due
from bot.parsing.digest_words import WORK_DAYS, DigestSubscribe, PersonalSubscribe, ScopeWords
from bot.services import Services
from bot.slack_history import IN_DOUBT_AFTER
from emulator.runner import RunningEmulator
from tests.fakes.slack_api import Call, FakeSlackApi
from tests.services.conftest import TEAM, Clock, link
from tests.services.digest_support import MONDAY_NINE_LONDON, known_emulator

CHANNEL = "C0DIGEST"
TOKEN = "xoxb-in-doubt-secret"
LATER = IN_DOUBT_AFTER + timedelta(seconds=1)


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with known_emulator() as running:
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_NINE_LONDON + timedelta(seconds=30))


@pytest.fixture
def digests(services: Services, emulator: RunningEmulator) -> Digests:
    link(services, emulator, "sybil")
    found = digests_of(services)
    found.subscribe(TEAM, CHANNEL, "U0SYBIL", DigestSubscribe(
        "daily", MONDAY_NINE_LONDON.time().replace(hour=9), WORK_DAYS, "Europe/London",
        ScopeWords()))
    return found


def left_posting(digests: Digests, clock: Clock) -> Due:
    """The state a process killed while Slack held the digest's post leaves behind."""
    [due] = digests.due(clock.now)
    assert digests.claim(due)
    digests.posting(due)
    return due


def sweep(services: Services, slack: FakeSlackApi) -> int:
    async def run() -> int:
        client = AsyncWebClient(token=TOKEN, base_url=slack.base_url)
        return await DigestPoster(services, client).sweep()
    return asyncio.run(run())


def digests_posted(slack: FakeSlackApi) -> list[Call]:
    return slack.calls_to("chat.postMessage",
                          lambda c: c.args.get("channel") == CHANNEL and c.ok)


def test_a_digest_slack_made_is_found_and_not_posted_again(
        services: Services, digests: Digests, slack: FakeSlackApi, clock: Clock) -> None:
    due = left_posting(digests, clock)
    made = slack.workspace  # Slack made the post; the answer never reached the bot
    with made.lock:
        answer = made.answer("chat.postMessage", {
            "channel": CHANNEL, "text": "Daily digest", "metadata": digest_metadata(
                due.target, due.period.key)})
    clock.now += timedelta(minutes=1)
    assert sweep(services, slack) == 0
    assert slack.calls_to("conversations.history") == []  # the attempt may still be running
    clock.now += LATER
    assert sweep(services, slack) == 0
    assert digests_posted(slack) == []
    history = slack.only("conversations.history")
    assert history.args["include_all_metadata"] in (True, "true", "1")
    assert float(history.args["oldest"]) < float(answer["ts"]) < float(history.args["latest"])
    record = digests.sends.get(due.target, due.period.key)
    assert record is not None and (record.state, record.message_ts) == ("posted", answer["ts"])
    # Its chart, which the dead attempt never reached, goes into the digest's thread.
    upload = slack.only("files.completeUploadExternal")
    assert upload.args.get("thread_ts") == answer["ts"]


def test_a_digest_slack_never_made_is_posted_once(
        services: Services, digests: Digests, slack: FakeSlackApi, clock: Clock) -> None:
    due = left_posting(digests, clock)
    clock.now += LATER
    assert sweep(services, slack) == 1
    [posted] = digests_posted(slack)
    assert posted.args["metadata"] == {"event_type": DIGEST_EVENT, "event_payload": {
        "target": due.target, "period": due.period.key}}
    clock.now += LATER
    assert sweep(services, slack) == 0
    assert len(digests_posted(slack)) == 1
    assert len(slack.calls_to("conversations.history")) == 1
    record = digests.sends.get(due.target, due.period.key)
    assert record is not None and (record.state, record.message_ts) == ("posted",
                                                                        posted.response["ts"])


def test_a_digest_posted_normally_carries_its_metadata_and_reads_no_history(
        services: Services, digests: Digests, slack: FakeSlackApi) -> None:
    assert sweep(services, slack) == 1
    [posted] = digests_posted(slack)
    assert posted.args["metadata"]["event_type"] == DIGEST_EVENT
    assert slack.calls_to("conversations.history") == []


@pytest.mark.parametrize("error", ["not_in_channel", "missing_scope"])
def test_an_unreadable_history_falls_back_to_not_sending_again(
        services: Services, digests: Digests, slack: FakeSlackApi, clock: Clock, error: str,
        caplog: pytest.LogCaptureFixture) -> None:
    due = left_posting(digests, clock)
    if error == "not_in_channel":
        slack.add_channel(CHANNEL, member=False)  # it posts with chat:write.public
    else:
        slack.error_next("conversations.history", error)
    clock.now += LATER
    with caplog.at_level(logging.WARNING, logger="bot.digest_poster"):
        assert sweep(services, slack) == 0
    assert digests_posted(slack) == []
    record = digests.sends.get(due.target, due.period.key)
    assert record is not None and record.state == "posted" and record.message_ts is None
    assert error in (record.note or "") and error in caplog.text
    assert TOKEN not in caplog.text
    clock.now += LATER
    assert sweep(services, slack) == 0 and digests_posted(slack) == []


def test_a_failed_history_call_is_tried_again_later(
        services: Services, digests: Digests, slack: FakeSlackApi, clock: Clock,
        caplog: pytest.LogCaptureFixture) -> None:
    due = left_posting(digests, clock)
    slack.fail_next("conversations.history", status=500)
    clock.now += LATER
    with caplog.at_level(logging.WARNING, logger="bot.digest_poster"):
        assert sweep(services, slack) == 0
    record = digests.sends.get(due.target, due.period.key)
    assert record is not None and record.state == "posting"  # still in doubt
    assert "looking again later" in caplog.text and TOKEN not in caplog.text
    assert sweep(services, slack) == 0  # not again at once
    assert len(slack.calls_to("conversations.history")) == 1
    clock.now += LATER
    assert sweep(services, slack) == 1
    assert len(digests_posted(slack)) == 1


@pytest.fixture
def personal(services: Services, emulator: RunningEmulator, slack: FakeSlackApi) -> Digests:
    """Sybil's own daily DM at 09:00 London, and no channel digest."""
    link(services, emulator, "sybil")
    slack.add_user("U0SYBIL", name="sybil", email="sybil@fawltytowers.example")
    found = digests_of(services)
    found.subscribe_me(TEAM, "U0SYBIL", PersonalSubscribe(time(9), WORK_DAYS, "Europe/London"))
    return found


def dms(slack: FakeSlackApi) -> list[Call]:
    return slack.calls_to("chat.postMessage",
                          lambda c: c.args.get("channel") == "U0SYBIL" and c.ok)


def test_a_personal_dm_slack_made_is_found_in_the_dm_and_not_sent_again(
        services: Services, personal: Digests, slack: FakeSlackApi, clock: Clock) -> None:
    due = left_posting(personal, clock)
    assert due.kind == "me"
    with slack.workspace.lock:
        made = slack.workspace.answer("chat.postMessage", {
            "channel": "U0SYBIL", "text": "Your day", "metadata": digest_metadata(
                due.target, due.period.key)})
    clock.now += LATER
    assert sweep(services, slack) == 0
    assert dms(slack) == []
    assert slack.only("conversations.history").args["channel"] == made["channel"] == "D0SYBIL"
    record = personal.sends.get(due.target, due.period.key)
    assert record is not None and (record.state, record.message_ts) == ("posted", made["ts"])


def test_a_personal_dm_slack_never_made_is_sent_once(
        services: Services, personal: Digests, slack: FakeSlackApi, clock: Clock) -> None:
    due = left_posting(personal, clock)
    clock.now += LATER
    assert sweep(services, slack) == 1
    [sent] = dms(slack)
    assert sent.args["metadata"]["event_payload"] == {"target": due.target,
                                                      "period": due.period.key}
    clock.now += LATER
    assert sweep(services, slack) == 0 and len(dms(slack)) == 1
