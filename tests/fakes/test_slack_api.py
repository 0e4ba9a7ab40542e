"""The fake Slack Web API answers slack_sdk's real clients like Slack would."""

import asyncio
import threading
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi
from tests.fakes.slack_api import SlackApiError as WaitError

TOKEN = "xoxb-test-token"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Timer started*"}}]


def client(slack: FakeSlackApi, **options) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.base_url, **options)


def test_auth_test_and_the_recorded_call(slack: FakeSlackApi) -> None:
    answer = client(slack).auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == (
        "T0DEMO",
        "U0BOT",
        "B0BOT",
    )
    call = slack.only("auth.test")
    assert call.token == TOKEN
    assert call.headers["authorization"] == f"Bearer {TOKEN}"


def test_messages_are_posted_updated_and_deleted(slack: FakeSlackApi) -> None:
    web = client(slack)
    posted = web.chat_postMessage(channel="C1", text="Timer started", blocks=BLOCKS)
    assert slack.only("chat.postMessage").args["blocks"] == BLOCKS
    web.chat_update(channel="C1", ts=posted["ts"], text="Timer stopped", blocks=[])
    (message,) = slack.messages("C1")
    assert (message["text"], message["blocks"]) == ("Timer stopped", [])
    web.chat_delete(channel="C1", ts=posted["ts"])
    assert slack.messages("C1") == []
    with pytest.raises(SlackApiError) as raised:
        web.chat_update(channel="C1", ts=posted["ts"], text="gone")
    assert raised.value.response["error"] == "message_not_found"


def test_a_message_to_a_user_lands_in_their_dm(slack: FakeSlackApi) -> None:
    web = client(slack)
    dm = web.conversations_open(users="U1")["channel"]["id"]
    answer = web.chat_postMessage(channel="U1", text="hi")
    assert answer["channel"] == dm == "D1"


def test_ephemerals(slack: FakeSlackApi) -> None:
    client(slack).chat_postEphemeral(
        channel="C1", user="U1", text="Only you", blocks=BLOCKS
    )
    (shown,) = slack.ephemerals("U1")
    assert (shown["text"], shown["blocks"]) == ("Only you", BLOCKS)


def test_views_open_update_and_publish(slack: FakeSlackApi) -> None:
    web = client(slack)
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Log time"},
        "blocks": [],
    }
    opened = web.views_open(trigger_id="1.T.trigger", view=modal)["view"]
    web.views_update(view_id=opened["id"], view={**modal, "blocks": BLOCKS})
    assert slack.view(opened["id"])["blocks"] == BLOCKS
    with pytest.raises(SlackApiError):
        web.views_update(view_id="V404", view=modal)
    web.views_publish(user_id="U1", view={"type": "home", "blocks": BLOCKS})
    home = slack.home("U1")
    assert home is not None and home["blocks"] == BLOCKS


def test_users_info_and_lookup_by_email(slack: FakeSlackApi) -> None:
    web = client(slack)
    user = web.users_info(user="U1")["user"]
    assert (user["profile"]["email"], user["tz"]) == (
        "Ana@Example.com",
        "Europe/Lisbon",
    )
    assert web.users_lookupByEmail(email="ana@example.com")["user"]["id"] == "U1"
    with pytest.raises(SlackApiError) as raised:
        web.users_info(user="U404")
    assert raised.value.response["error"] == "user_not_found"


def test_files_upload_v2_goes_through_the_external_upload_flow(
    slack: FakeSlackApi,
) -> None:
    client(slack).files_upload_v2(
        channel="C1",
        content="date,hours\n2026-11-20,1.5\n",
        filename="week.csv",
        title="Week",
    )
    (shared,) = slack.shared_files()
    assert (shared["channel"], shared["title"]) == ("C1", "Week")
    assert slack.uploaded(shared["id"]) == b"date,hours\n2026-11-20,1.5\n"
    methods = [c.method for c in slack.calls]
    assert methods == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


def test_response_url_posts_are_recorded(slack: FakeSlackApi) -> None:
    url = slack.response_url("cmd-1")
    answer = WebhookClient(url).send(text="Logged 1.5 h", response_type="ephemeral")
    assert answer.status_code == 200
    call = slack.wait_for(RESPONSE_URL, lambda c: c.args["key"] == "cmd-1")
    assert call.args["text"] == "Logged 1.5 h"


def test_the_async_client_works_too(slack: FakeSlackApi) -> None:
    async def post() -> str:
        web = AsyncWebClient(token=TOKEN, base_url=slack.base_url)
        answer = await web.chat_postMessage(channel="C1", text="async")
        return answer["ts"]

    ts = asyncio.run(post())
    assert slack.messages("C1")[0]["ts"] == ts


def test_calls_without_a_token_or_with_a_revoked_one_are_refused(
    slack: FakeSlackApi,
) -> None:
    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=slack.base_url).chat_postMessage(channel="C1", text="x")
    assert raised.value.response["error"] == "not_authed"
    slack.revoked_tokens.add(TOKEN)
    with pytest.raises(SlackApiError) as raised:
        client(slack).auth_test()
    assert raised.value.response["error"] == "invalid_auth"


def test_rate_limit_fault_with_retry_after(slack: FakeSlackApi) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    with pytest.raises(SlackApiError) as raised:
        client(slack).chat_postMessage(channel="C1", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["retry-after"] == "1"

    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    retrying = client(
        slack, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    retrying.chat_postMessage(channel="C2", text="eventually")
    assert time.monotonic() - started >= 1
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 429, 200]


def test_server_error_fault_is_retried_by_the_handler(slack: FakeSlackApi) -> None:
    slack.fail_next("*", status=500, times=2)
    retrying = client(
        slack, retry_handlers=[ServerErrorRetryHandler(max_retry_count=2)]
    )
    assert retrying.auth_test()["ok"]
    assert [c.status for c in slack.calls_to("auth.test")] == [500, 500, 200]


def test_error_and_delay_faults(slack: FakeSlackApi) -> None:
    slack.error_next("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as raised:
        client(slack).chat_postMessage(channel="C1", text="x")
    assert raised.value.response["error"] == "channel_not_found"
    slack.delay_next("auth.test", 0.3)
    started = time.monotonic()
    client(slack).auth_test()
    assert time.monotonic() - started >= 0.3


def test_block_kit_limits_are_enforced(slack: FakeSlackApi) -> None:
    web = client(slack)
    with pytest.raises(SlackApiError) as raised:
        web.chat_postMessage(channel="C1", text="x", blocks=BLOCKS * 51)
    assert raised.value.response["error"] == "invalid_blocks"
    long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(SlackApiError):
        web.chat_postEphemeral(channel="C1", user="U1", text="x", blocks=long)
    web.views_publish(user_id="U1", view={"type": "home", "blocks": BLOCKS * 100})
    with pytest.raises(SlackApiError):
        web.views_publish(user_id="U1", view={"type": "home", "blocks": BLOCKS * 101})


def test_a_burst_into_one_channel_is_rate_limited() -> None:
    now = [0.0]
    with FakeSlackApi(clock=lambda: now[0]) as slack:
        web = client(slack)
        for _ in range(3):
            web.chat_postMessage(channel="C1", text="burst")
        with pytest.raises(SlackApiError) as raised:
            web.chat_postMessage(channel="C1", text="too many")
        assert raised.value.response.status_code == 429
        web.chat_postMessage(channel="C2", text="another channel is fine")
        now[0] += 1.0
        web.chat_postMessage(channel="C1", text="a second later")


def test_wait_for_sees_calls_made_later_and_times_out_clearly(
    slack: FakeSlackApi,
) -> None:
    later = threading.Timer(
        0.2, lambda: client(slack).chat_postMessage(channel="C9", text="x")
    )
    later.start()
    call = slack.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] == "C9", timeout=5
    )
    assert call.args["text"] == "x"
    later.join()
    with pytest.raises(WaitError, match="no views.open call within 0.1s"):
        slack.wait_for("views.open", timeout=0.1)


def test_only_insists_on_exactly_one(slack: FakeSlackApi) -> None:
    web = client(slack)
    with pytest.raises(WaitError, match="got 0"):
        slack.only("chat.postMessage")
    web.chat_postMessage(channel="C1", text="1")
    web.chat_postMessage(channel="C2", text="2")
    with pytest.raises(WaitError, match="got 2"):
        slack.only("chat.postMessage")
    assert (
        slack.only("chat.postMessage", lambda c: c.args["channel"] == "C2").args["text"]
        == "2"
    )


@pytest.mark.secrets_logged("a bare slack_sdk WebClient logs the bot token oauth.v2.access answers, at DEBUG")
def test_oauth_v2_access_installs_with_a_registered_code(slack: FakeSlackApi) -> None:
    token = slack.add_oauth_code("code-1", installer="U1")
    answer = WebClient(base_url=slack.base_url).oauth_v2_access(
        client_id="111.222", client_secret="s", code="code-1"
    )
    assert (answer["access_token"], answer["authed_user"]["id"]) == (token, "U1")
    with pytest.raises(SlackApiError):
        WebClient(base_url=slack.base_url).oauth_v2_access(
            client_id="111.222", client_secret="s", code="code-1"
        )
