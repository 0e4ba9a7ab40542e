"""A listener that fails right after ``ack()`` still answers Slack 200, and the person is told.

Bolt's asyncio runner (``process_before_response=False``) polls for the ack every 10 ms; a
listener exception that reached it reset ``ack.response`` to None, so a failure within those
10 ms read as "never acknowledged" and Slack saw an error. Every listener is now registered
through :func:`bot.listeners.guarded`, so no exception reaches the runner. These listeners fail
as fast as possible to hit that window; 50 rounds make a lucky pass unlikely.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.app import HANDLERS, OOPS_TEXT
from bot.services import Services
from bot.timers import TimerError
from emulator.runner import RunningEmulator
from tests.e2e.harness import SlackAppHarness, text_of, user_id

ROUNDS = 50
FAILED = "No timer is running."
SECRET = "xoxb-never-in-a-log"


def _register(app: AsyncApp, services: Services) -> None:
    @app.command("/fail-after-ack")
    async def fail_after_ack(ack: AsyncAck) -> None:
        await ack()
        raise TimerError(FAILED)

    @app.command("/fail-before-ack")
    async def fail_before_ack(ack: AsyncAck) -> None:
        raise TimerError(FAILED)

    @app.command("/crash-after-ack")
    async def crash_after_ack(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        raise RuntimeError(f"a bug with a secret in it: {SECRET}")

    @app.action("fail_after_ack")
    async def action_fails(ack: AsyncAck) -> None:
        await ack()
        raise TimerError(FAILED)


FAILING = SimpleNamespace(register=_register)


@pytest.fixture
def bot(emulator: RunningEmulator, tmp_path: Any) -> Any:
    with SlackAppHarness(emulator, tmp_path, handlers=(*HANDLERS, FAILING)) as harness:
        yield harness


def _command(bot: SlackAppHarness, command: str, key: str) -> int:
    request = bot.signer.slash_command("", user_id=user_id("polly"), command=command,
                                       response_url=bot.slack.response_url(key))
    return bot.send(request).status_code


def test_fail_right_after_ack_is_200_and_polite_every_time(bot: SlackAppHarness) -> None:
    statuses = [_command(bot, "/fail-after-ack", f"race{n}") for n in range(ROUNDS)]
    assert statuses == [200] * ROUNDS
    for n in range(ROUNDS):
        reply = bot.reply(f"race{n}")
        assert FAILED in text_of(reply)
        assert reply.args["response_type"] == "ephemeral"
    assert len(bot.slack.calls_to("response_url")) == ROUNDS  # told once each, never twice


def test_button_failing_right_after_ack(bot: SlackAppHarness) -> None:
    for n in range(ROUNDS // 5):
        key = bot.click("polly", "fail_after_ack", value=str(n))
        assert FAILED in text_of(bot.reply(key))


def test_fail_before_ack_is_still_acknowledged(bot: SlackAppHarness) -> None:
    assert _command(bot, "/fail-before-ack", "early") == 200
    assert FAILED in text_of(bot.reply("early"))


def test_a_bug_is_logged_without_its_message_and_the_person_gets_an_apology(
    bot: SlackAppHarness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        assert _command(bot, "/crash-after-ack", "bug") == 200
        assert OOPS_TEXT in text_of(bot.reply("bug"))
    assert "RuntimeError" in caplog.text
    assert SECRET not in caplog.text
    assert SECRET not in str([c.args for c in bot.slack.calls])
