"""Slack misbehaving, on the local Slack stand-in: what the bot sends is retried and delivered,
never silently dropped.

Two roads out of the bot: the Web API (``chat.postMessage`` for DMs, here the "Harvest is back"
notice of a kept write, sent by the outbox worker) and the ``response_url`` of each command or
click (its answer). Each meets a 429 with ``Retry-After``, 500s and a timeout; a response_url
that Slack no longer takes (``404 expired_url``: 30 minutes or five answers) sends the answer to
the person by DM instead. Slack's behaviour does not depend on the Harvest wire: v1 only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.blocks import ENTRY_DELETE, LANDED_TEXT, NOT_LINKED_TEXT
from emulator.runner import RunningEmulator
from storage.timestamps import to_db
from tests.e2e.harness import SlackAppHarness, text_of, user_id
from tests.fakes.slack_api import RESPONSE_URL, Call
from tests.reliability.checks import eventually

LANDED = LANDED_TEXT.split(":")[2].strip()  # "Harvest is back"
HELP = "Harvest commands"
POLLY = user_id("polly")


@pytest.fixture
def app(emulator: RunningEmulator, tmp_path: Path) -> Iterator[SlackAppHarness]:
    with SlackAppHarness(emulator, tmp_path) as harness:
        yield harness


def _dms(app: SlackAppHarness, words: str, *, ok: bool | None = True) -> list[Call]:
    return [c for c in app.slack.calls_to("chat.postMessage")
            if c.args.get("channel") == POLLY and words in text_of(c)
            and (ok is None or c.ok == ok)]


def _answers(app: SlackAppHarness, key: str, *, ok: bool | None = True) -> list[Call]:
    return [c for c in app.slack.calls_to(RESPONSE_URL, lambda c: c.args.get("key") == key)
            if ok is None or c.ok == ok]


def _keep_a_write(app: SlackAppHarness, emulator: RunningEmulator, notes: str) -> None:
    """Polly logs time while Harvest refuses it: the write is kept in the outbox."""
    app.link("polly")
    rule = emulator.faults.add("/daily/add", method="POST", status=500)
    assert "kept" in text_of(app.ask("polly", f"log 0:30 mobile / design -- {notes}"))
    emulator.faults.remove(rule.id)


def _settle(seconds: float = 0.5) -> None:
    time.sleep(seconds)  # time for a second (duplicate) delivery to show, if there were one


# -- the Web API: the outbox worker's DM -----------------------------------------------------


@pytest.mark.parametrize("status", [429, 500])
def test_dm_refused_twice_is_retried_and_delivered_once(
        app: SlackAppHarness, emulator: RunningEmulator, status: int) -> None:
    app.slack.fail_next("chat.postMessage", status=status, retry_after=1, times=2)
    _keep_a_write(app, emulator, f"slack {status}")

    app.slack.wait_for("chat.postMessage", lambda c: LANDED in text_of(c), timeout=15)
    _settle()
    assert len(_dms(app, LANDED, ok=False)) == 2
    assert len(_dms(app, LANDED)) == 1


def test_dm_refused_past_the_clients_retries_is_sent_on_a_later_round_once(
        app: SlackAppHarness, emulator: RunningEmulator) -> None:
    """429, 429, then 500: three refusals in a row, more than the Web API client retries (they
    count every kind together). The notice stays owed and the next round delivers it."""
    app.slack.fail_next("chat.postMessage", status=429, retry_after=1, times=2)
    app.slack.fail_next("chat.postMessage", status=500, times=1)
    _keep_a_write(app, emulator, "slack mixed")

    app.slack.wait_for("chat.postMessage", lambda c: LANDED in text_of(c) and c.ok, timeout=30)
    _settle()
    assert len(_dms(app, LANDED, ok=False)) == 3
    assert len(_dms(app, LANDED)) == 1


def test_a_dm_slack_can_never_deliver_is_given_up_not_retried_forever(
        app: SlackAppHarness, emulator: RunningEmulator) -> None:
    """The person's account was deactivated meanwhile: Slack answers ``account_inactive``, no
    later round will do better, so the notice is settled (and logged), not tried again."""
    app.slack.error_next("chat.postMessage", "account_inactive")
    _keep_a_write(app, emulator, "slack gone")

    app.slack.wait_for("chat.postMessage", lambda c: LANDED in text_of(c), timeout=30, ok=False)
    _settle(7)  # past the first notice backoff (5 s): a retry would show by now
    assert len(_dms(app, LANDED, ok=None)) == 1
    (item,) = app.services.db.execute("SELECT told_at FROM outbox").fetchall()
    assert item[0] is not None


def _in_doubt(app: SlackAppHarness, seconds_ago: float) -> None:
    """Make Polly's notice look as a process that died mid-attempt leaves it: owed, its
    attempt begun ``seconds_ago`` with no verdict recorded, its lease run out."""
    now = datetime.now(UTC)
    app.services.db.execute(
        "UPDATE outbox SET told_at = NULL, notice_tried_at = ?, next_attempt_at = ?",
        [to_db(now - timedelta(seconds=seconds_ago)), to_db(now - timedelta(seconds=1))])


def _told(app: SlackAppHarness) -> bool:
    return bool(app.services.db.execute(
        "SELECT 1 FROM outbox WHERE told_at IS NOT NULL").fetchall())


def test_a_notice_slack_took_as_the_bot_died_is_not_sent_again(
        app: SlackAppHarness, emulator: RunningEmulator) -> None:
    """The DM reached Slack but its sender died before recording it: the DM's history
    (the notice's ``metadata``) shows it, so the restarted worker settles it without a DM."""
    _keep_a_write(app, emulator, "doubt delivered")
    app.slack.wait_for("chat.postMessage", lambda c: LANDED in text_of(c), timeout=15)
    assert eventually(lambda: _told(app))
    since = len(app.slack.calls)
    _in_doubt(app, seconds_ago=2)

    assert eventually(lambda: _told(app))
    _settle(1)
    assert len(_dms(app, LANDED)) == 1
    assert [c.method for c in app.slack.calls[since:]] == ["conversations.open",
                                                           "conversations.history"]


def test_a_notice_that_died_before_slack_took_it_is_sent_once(
        app: SlackAppHarness, emulator: RunningEmulator) -> None:
    """The attempt died before Slack took the DM: the history does not show it, so it is
    sent, once."""
    app.slack.fail_next("chat.postMessage", status=500, times=3)  # past the client's retries
    _keep_a_write(app, emulator, "doubt lost")
    assert eventually(lambda: len(_dms(app, LANDED, ok=False)) == 3)
    _in_doubt(app, seconds_ago=1)

    app.slack.wait_for("chat.postMessage", lambda c: LANDED in text_of(c), timeout=15)
    _settle()
    assert len(_dms(app, LANDED)) == 1
    assert app.slack.calls_to("conversations.history")
    assert _told(app)


def _short_timeout(app: SlackAppHarness, seconds: float = 1.0) -> None:
    """The bot's Web API client waits ``seconds`` rather than 30 for an answer (tests only)."""
    app._server.config.app.state.bolt.client.timeout = seconds  # type: ignore[union-attr]


def test_dm_timing_out_is_retried_and_delivered_once(
        app: SlackAppHarness, emulator: RunningEmulator) -> None:
    """Slack holds the first post past the bot's timeout and never makes it."""
    _short_timeout(app)
    app.slack.delay_next("chat.postMessage", 2, status=503)
    _keep_a_write(app, emulator, "slack timeout")

    app.slack.wait_for("chat.postMessage", lambda c: LANDED in text_of(c), timeout=15)
    _settle(2)
    assert len(_dms(app, LANDED, ok=False)) == 1
    assert len(_dms(app, LANDED)) == 1


def test_a_dm_slack_will_not_take_now_costs_no_other_persons_notice_and_comes_later(
        app: SlackAppHarness, emulator: RunningEmulator) -> None:
    """Two writes land in one round of the outbox worker; Slack times out on every try of the
    first notice (three, with the client's retries): the second person is still told, and the
    first notice, still owed in the database, is sent on a later round, once."""
    _short_timeout(app)
    app.link("basil")
    rule = emulator.faults.add("/daily/add", method="POST", status=500)
    for who in ("polly", "basil"):
        app.link(who)
        assert "kept" in text_of(app.ask(who, f"log 0:30 mobile / design -- round {who}"))
    db = app.services.db
    due = "UPDATE outbox SET next_attempt_at = ?"  # held back, then due together: one round
    db.execute(due, [to_db(datetime(9999, 12, 31, tzinfo=UTC))])
    emulator.faults.remove(rule.id)
    app.slack.delay_next("chat.postMessage", 1.5, status=503, times=3)
    db.execute(due, [to_db(datetime(2000, 1, 1, tzinfo=UTC))])

    app.slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == user_id("basil")
                       and LANDED in text_of(c), timeout=20)
    assert len(_dms(app, LANDED)) == 0  # polly's: timed out, with the client's retry: put off
    assert len(_dms(app, LANDED, ok=False)) >= 2

    app.slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == POLLY
                       and LANDED in text_of(c) and c.ok, timeout=30)
    _settle(2)
    assert len(_dms(app, LANDED)) == 1


def test_several_notices_for_one_person_in_one_round_keep_slacks_pace(
        app: SlackAppHarness, emulator: RunningEmulator) -> None:
    """Five of Polly's writes land in one round: five DMs a second apart, none refused by
    Slack's one-message-a-second rule in her DM (a refusal costs a retry, three cost the DM)."""
    app.link("polly")
    rule = emulator.faults.add("/daily/add", method="POST", status=500)
    for i in range(5):
        assert "kept" in text_of(app.ask("polly", f"log 0:15 mobile / design -- paced {i}"))
    db = app.services.db
    due = "UPDATE outbox SET next_attempt_at = ?"
    db.execute(due, [to_db(datetime(9999, 12, 31, tzinfo=UTC))])
    emulator.faults.remove(rule.id)
    db.execute(due, [to_db(datetime(2000, 1, 1, tzinfo=UTC))])  # all due in the next round

    deadline = time.monotonic() + 20
    while len(_dms(app, LANDED)) < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_dms(app, LANDED)) == 5
    assert _dms(app, LANDED, ok=False) == []


# -- answers at the response_url -------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500])
def test_answer_refused_at_the_response_url_is_retried_and_delivered_once(
        app: SlackAppHarness, status: int) -> None:
    app.slack.fail_next(RESPONSE_URL, status=status, retry_after=1, times=2)

    key = app.command("polly", "help")

    assert HELP in text_of(app.reply(key, timeout=15))
    _settle()
    assert len(_answers(app, key, ok=False)) == 2
    assert len(_answers(app, key)) == 1
    assert not _dms(app, HELP)


def test_answer_timing_out_at_the_response_url_is_retried_and_delivered_once(
        app: SlackAppHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.replies.TIMEOUT", 1)
    app.slack.delay_next(RESPONSE_URL, 2, status=503)

    key = app.command("polly", "help")

    assert HELP in text_of(app.reply(key, timeout=15))
    _settle(2)
    assert len(_answers(app, key, ok=False)) == 1
    assert len(_answers(app, key)) == 1


def test_expired_response_url_answers_by_dm(app: SlackAppHarness) -> None:
    for key in ("help", "today", "click"):
        app.slack.expire(key)

    def send(key: str, text: str) -> None:
        request = app.signer.slash_command(text, user_id=POLLY,
                                           response_url=app.slack.response_url(key))
        assert app.send(request).status_code == 200

    send("help", "help")
    assert app.slack.wait_for("chat.postMessage", lambda c: HELP in text_of(c)).args["channel"] \
        == POLLY
    send("today", "today")  # not linked: the polite refusal, by DM too
    app.slack.wait_for("chat.postMessage", lambda c: NOT_LINKED_TEXT in text_of(c)
                       and c.args["channel"] == POLLY)
    app.interact(app.signer.block_action(  # a click by someone not linked: refused, by DM
        POLLY, ENTRY_DELETE, value='{"id": 1}', block_id="b", response_url=app.slack.response_url("click"),
        container={"type": "message", "channel_id": "C0GENERAL"}))
    deadline = time.monotonic() + 5
    while len(_dms(app, NOT_LINKED_TEXT)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    _settle()
    assert [len(_answers(app, k, ok=False)) for k in ("help", "today", "click")] == [1, 1, 1]
    assert len(_dms(app, HELP)) == 1
    assert len(_dms(app, NOT_LINKED_TEXT)) == 2

