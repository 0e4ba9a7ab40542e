"""``conversations.history`` in the local Slack answers slack_sdk as Slack's does: newest first,
bounded by ``oldest``/``latest``, paged by ``limit`` and ``cursor``, metadata only on request."""

import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack_api import FakeSlackApi

TOKEN = "xoxb-test-token"
META = {"event_type": "harvest_digest", "event_payload": {"target": "sub:1", "period": "p"}}


@pytest.fixture
def loose() -> Iterator[FakeSlackApi]:
    """Without the channel pace (more than three messages a second in one channel)."""
    with FakeSlackApi(strict=False) as api:
        yield api


def client(slack: FakeSlackApi) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.base_url)


def post(web: WebClient, n: int, channel: str = "C1") -> list[str]:
    return [web.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(n)]


def test_messages_newest_first_with_wall_clock_ts(slack: FakeSlackApi) -> None:
    web = client(slack)
    before = time.time()
    stamps = post(web, 3)
    answer = web.conversations_history(channel="C1")
    assert [m["ts"] for m in answer["messages"]] == stamps[::-1]
    assert [m["text"] for m in answer["messages"]] == ["m2", "m1", "m0"]
    assert answer["has_more"] is False and "next_cursor" not in answer.get(
        "response_metadata", {})
    assert before - 1 <= float(stamps[0]) <= time.time() + 1
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 3


def test_metadata_only_with_include_all_metadata(slack: FakeSlackApi) -> None:
    web = client(slack)
    ts = web.chat_postMessage(channel="C1", text="digest", metadata=META)["ts"]
    plain = web.conversations_history(channel="C1")["messages"][0]
    assert plain["ts"] == ts and "metadata" not in plain
    full = web.conversations_history(channel="C1", include_all_metadata=True)["messages"][0]
    assert full["metadata"] == META


def test_malformed_metadata_is_refused(slack: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError) as raised:
        client(slack).chat_postMessage(channel="C1", text="x", metadata={"event_payload": {}})
    assert raised.value.response["error"] == "invalid_metadata_format"


def test_oldest_latest_and_inclusive(loose: FakeSlackApi) -> None:
    web = client(loose)
    stamps = post(web, 4)
    between = web.conversations_history(channel="C1", oldest=stamps[0], latest=stamps[3])
    assert [m["ts"] for m in between["messages"]] == [stamps[2], stamps[1]]
    both = web.conversations_history(channel="C1", oldest=stamps[0], latest=stamps[3],
                                     inclusive=True)
    assert [m["ts"] for m in both["messages"]] == stamps[::-1]


def test_pages_by_limit_and_cursor(loose: FakeSlackApi) -> None:
    web = client(loose)
    stamps = post(web, 5)
    seen, cursor, pages = [], None, 0
    while True:
        answer = web.conversations_history(channel="C1", limit=2, cursor=cursor)
        pages += 1
        seen += [m["ts"] for m in answer["messages"]]
        if not answer["has_more"]:
            break
        cursor = answer["response_metadata"]["next_cursor"]
        assert cursor
    assert (seen, pages) == (stamps[::-1], 3)
    with pytest.raises(SlackApiError) as raised:
        web.conversations_history(channel="C1", cursor="not a cursor")
    assert raised.value.response["error"] == "invalid_cursor"


def test_thread_replies_are_not_in_the_history(slack: FakeSlackApi) -> None:
    web = client(slack)
    (parent,) = post(web, 1)
    web.chat_postMessage(channel="C1", text="reply", thread_ts=parent)
    assert [m["ts"] for m in web.conversations_history(channel="C1")["messages"]] == [parent]


def test_a_deleted_channel_a_user_id_and_a_channel_without_the_bot(slack: FakeSlackApi) -> None:
    web = client(slack)
    assert web.conversations_history(channel="C0EMPTY")["messages"] == []
    slack.delete_channel("C0GONE")
    for channel in ("C0GONE", "U1"):
        with pytest.raises(SlackApiError) as raised:
            web.conversations_history(channel=channel)
        assert raised.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as raised:
        web.chat_postMessage(channel="C0GONE", text="x")
    assert raised.value.response["error"] == "channel_not_found"
    slack.add_channel("C0OUT", member=False)
    with pytest.raises(SlackApiError) as raised:
        web.conversations_history(channel="C0OUT")
    assert raised.value.response["error"] == "not_in_channel"


def test_bad_bounds(slack: FakeSlackApi) -> None:
    post(client(slack), 1)
    with pytest.raises(SlackApiError) as raised:
        client(slack).conversations_history(channel="C1", oldest="yesterday")
    assert raised.value.response["error"] == "invalid_ts_oldest"
