"""``find_posted`` against the local Slack: pages through the attempt's window newest first,
matches the metadata's event type and payload, and sorts Slack's errors into "unreadable"
(fall back) and "failed" (ask again later)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot import slack_history
from bot.slack_history import CLOCK_MARGIN, IN_DOUBT_AFTER, Lookup, find_posted
from tests.fakes.slack_api import FakeSlackApi

BEGAN = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
EVENT = "harvest_digest"


class Wall:
    """The local Slack's clock for message ts, set by the test."""

    def __init__(self) -> None:
        self.now = BEGAN

    def __call__(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def slack(wall: Wall) -> Iterator[FakeSlackApi]:
    with FakeSlackApi(strict=False, wall_clock=wall) as api:
        yield api


def post(slack: FakeSlackApi, at: datetime, wall: Wall, period: str | None = None) -> str:
    wall.now = at
    args: dict[str, object] = {"channel": "C1", "text": "a message"}
    if period is not None:
        args["metadata"] = {"event_type": EVENT, "event_payload": {"target": "sub:1",
                                                                   "period": period}}
    with slack.workspace.lock:
        return str(slack.workspace.answer("chat.postMessage", args)["ts"])


def look(slack: FakeSlackApi, period: str = "2026-11-24", channel: str = "C1") -> Lookup:
    async def run() -> Lookup:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        return await find_posted(client, channel=channel, event_type=EVENT,
                                 payload={"target": "sub:1", "period": period},
                                 attempted_at=BEGAN)
    return asyncio.run(run())


def test_found_under_three_pages_of_later_messages(slack: FakeSlackApi, wall: Wall) -> None:
    ts = post(slack, BEGAN + timedelta(seconds=2), wall, "2026-11-24")
    for n in range(40):
        post(slack, BEGAN + timedelta(seconds=3 + n), wall)
    assert look(slack) == Lookup("found", ts=ts)
    pages = slack.calls_to("conversations.history")
    assert len(pages) == 3 and all(int(c.args["limit"]) == 15 for c in pages)


def test_another_period_or_a_message_outside_the_window_is_not_it(
        slack: FakeSlackApi, wall: Wall) -> None:
    post(slack, BEGAN - CLOCK_MARGIN - timedelta(seconds=1), wall, "2026-11-24")
    post(slack, BEGAN + timedelta(seconds=2), wall, "2026-11-23")
    post(slack, BEGAN + IN_DOUBT_AFTER + CLOCK_MARGIN + timedelta(seconds=1), wall,
         "2026-11-24")
    assert look(slack) == Lookup("absent")


def test_too_many_messages_to_read_is_unreadable(slack: FakeSlackApi, wall: Wall,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slack_history, "MAX_PAGES", 2)
    for n in range(31):
        post(slack, BEGAN + timedelta(seconds=n), wall)
    assert look(slack).state == "unreadable"


@pytest.mark.parametrize(("error", "state"), [
    ("not_in_channel", "unreadable"), ("missing_scope", "unreadable"),
    ("channel_not_found", "unreadable"), ("ratelimited", "failed"), ("internal_error", "failed"),
])
def test_slack_errors(slack: FakeSlackApi, error: str, state: str) -> None:
    slack.error_next("conversations.history", error)
    assert look(slack) == Lookup(state, error=error)  # type: ignore[arg-type]


def test_an_http_500_is_a_failure(slack: FakeSlackApi) -> None:
    slack.fail_next("conversations.history", status=500)
    assert look(slack).state == "failed"
