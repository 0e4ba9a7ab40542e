"""Slack retries and replayed requests never do anything twice; stale or forged ones do nothing.

A replay is the same signed request sent again (an attacker, a proxy retrying); a Slack retry
is the same body re-signed with a new timestamp and ``X-Slack-Retry-Num``. Either way the
person's action happens once (``bot.dedup``). Bolt refuses a bad signature and a timestamp more
than five minutes away (401) before anything else runs, so those change nothing, and do not
stop the genuine request from being handled afterwards.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from bot import modals
from bot.dedup import TTL
from emulator.runner import RunningEmulator
from tests.e2e.harness import RESPONSE_URL, SlackAppHarness, text_of, user_id
from tests.e2e.test_shortcuts import catalog_ready, local_today, log_time, values
from tests.fakes.slack_signing import FORM, STALE_AFTER, SignedRequest

REPLAYS = 3
#: Long enough for a duplicate the app wrongly started to have reached Harvest and Slack.
SETTLE = 0.6


def _notes_count(emulator: RunningEmulator, notes: str) -> int:
    return int(emulator.store.scalar("SELECT COUNT(*) FROM day_entries WHERE notes = ?", notes))


def _answers(bot: SlackAppHarness, key: str) -> int:
    return len(bot.slack.calls_to(RESPONSE_URL, lambda c: c.args.get("key") == key))


def _retried(bot: SlackAppHarness, request: SignedRequest, number: int,
             reason: str = "http_timeout") -> SignedRequest:
    """``request`` as Slack retries it: the same body, signed again now, with the retry headers."""
    again = bot.signer.sign(request.body, request.headers["Content-Type"],
                            timestamp=int(time.time()) + number)
    return replace(again, headers={**again.headers, "X-Slack-Retry-Num": str(number),
                                   "X-Slack-Retry-Reason": reason})


def _log_command(bot: SlackAppHarness, who: str, notes: str, key: str) -> SignedRequest:
    return bot.signer.slash_command(f"log 1h mobile / design -- {notes}", user_id=user_id(who),
                                    response_url=bot.slack.response_url(key))


def test_a_replayed_log_command_logs_once(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    request = _log_command(bot, "polly", "replayed", "log1")
    for _ in range(1 + REPLAYS):
        answer = bot.send(request)
        assert answer.status_code == 200 and answer.text == ""
    assert "Logged *1:00*" in text_of(bot.reply("log1"))
    time.sleep(SETTLE)
    assert _notes_count(emulator, "replayed") == 1
    assert _answers(bot, "log1") == 1


def test_slack_retries_of_a_command_log_once(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    request = _log_command(bot, "polly", "retried", "log2")
    assert bot.send(request).status_code == 200
    for number, reason in ((1, "http_timeout"), (2, "http_error"), (3, "too_many_requests")):
        assert bot.send(_retried(bot, request, number, reason)).status_code == 200
    bot.reply("log2")
    time.sleep(SETTLE)
    assert _notes_count(emulator, "retried") == 1
    assert _answers(bot, "log2") == 1


def test_racing_copies_of_a_command_log_once(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    request = _log_command(bot, "polly", "raced", "log3")
    with ThreadPoolExecutor(8) as pool, httpx.Client(timeout=10) as http:
        statuses = list(pool.map(lambda _: request.post(bot.events_url, http).status_code,
                                 range(8)))
    assert statuses == [200] * 8
    bot.reply("log3")
    time.sleep(SETTLE)
    assert _notes_count(emulator, "raced") == 1


def test_two_identical_commands_typed_twice_both_log(bot: SlackAppHarness,
                                                     emulator: RunningEmulator) -> None:
    """Only copies of one delivery are dropped: the same words sent again by the person are a
    new command (Slack gives each its own trigger_id)."""
    bot.link("polly")
    bot.reply(bot.command("polly", "log 1h mobile / design -- twice on purpose"))
    bot.reply(bot.command("polly", "log 1h mobile / design -- twice on purpose"))
    assert _notes_count(emulator, "twice on purpose") == 2


def test_a_replayed_picker_click_logs_once(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    reply = bot.ask("polly", "log 45m mobile -- picked")
    block_id = next(b["block_id"] for b in reply.args["blocks"] if b.get("type") == "actions")
    select = next(e for b in reply.args["blocks"] if b.get("type") == "actions"
                  for e in b["elements"] if e["action_id"] == "pick_work")
    design = next(o["value"] for o in select["options"] if o["text"]["text"].endswith("/ Design"))
    payload = bot.signer.block_action(
        user_id("polly"), "pick_work", block_id=block_id, response_url=bot.slack.response_url("pick"),
        selected_option={"text": {"type": "plain_text", "text": "Design"}, "value": design},
        container={"type": "message", "channel_id": "C0GENERAL"})
    click = bot.signer.interaction(payload)
    for number in range(REPLAYS + 1):
        assert bot.send(click).status_code == 200
        assert bot.send(_retried(bot, click, number + 1)).status_code == 200
    assert "Logged *0:45*" in text_of(bot.reply("pick"))
    time.sleep(SETTLE)
    assert _notes_count(emulator, "picked") == 1
    assert _answers(bot, "pick") == 1


def test_a_replayed_delete_button_deletes_once_and_says_so_once(
        bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    bot.ask("polly", "log 1h mobile / research -- to delete")
    entry_id = emulator.store.scalar("SELECT id FROM day_entries WHERE notes = 'to delete'")
    value = json.dumps({"id": entry_id, "h": 1.0, "n": "to delete"})
    click = bot.signer.interaction(bot.signer.block_action(
        user_id("polly"), "entry_delete", value=value, response_url=bot.slack.response_url("del"),
        container={"type": "message", "channel_id": "C0GENERAL"}))
    for _ in range(1 + REPLAYS):
        assert bot.send(click).status_code == 200
    assert "Deleted" in text_of(bot.reply("del"))
    time.sleep(SETTLE)
    # A second delete would have been told "Harvest couldn't find that": no such second answer.
    assert _answers(bot, "del") == 1
    assert _notes_count(emulator, "to delete") == 0


def test_a_replayed_log_time_submission_logs_once(bot: SlackAppHarness,
                                                 emulator: RunningEmulator) -> None:
    bot.link("polly")
    view = log_time(bot, "polly")
    project = catalog_ready(bot, "polly")[0]["value"]
    tasks = bot.interact(bot.signer.block_suggestion(user_id("polly"), modals.TASK, "",
                                                     block_id=modals.TASK) | {"view": {
        **view, "state": {"values": values(project=project, task=None, hours="", day=None)}}})
    task = tasks.json()["options"][0]["value"]
    submission = bot.signer.interaction(bot.signer.view_submission(user_id("polly"), view, values(
        project=project, task=task, hours="1:15", day=local_today("polly"), notes="modal replay")))
    for number in range(1 + REPLAYS):
        assert bot.send(submission).status_code == 200
        assert bot.send(_retried(bot, submission, number + 1)).status_code == 200
    bot.slack.wait_for("chat.postMessage", lambda c: "Logged" in text_of(c))
    time.sleep(SETTLE)
    assert _notes_count(emulator, "modal replay") == 1
    assert len(bot.slack.calls_to("chat.postMessage", lambda c: "Logged" in text_of(c))) == 1


def test_a_replayed_event_is_handled_once(bot: SlackAppHarness) -> None:
    bot.link("polly")
    opened = bot.signer.event({"type": "app_home_opened", "user": user_id("polly"),
                               "channel": "D0POLLY", "tab": "home"})
    for number in range(1 + REPLAYS):
        assert bot.send(opened).status_code == 200
        assert bot.send(_retried(bot, opened, number + 1, "http_timeout")).status_code == 200
    bot.slack.wait_for("views.publish")
    time.sleep(SETTLE)
    assert len(bot.slack.calls_to("views.publish")) == 1


def test_autocomplete_asked_twice_answers_twice(bot: SlackAppHarness) -> None:
    """Options requests change nothing and repeat byte for byte: never treated as replays."""
    bot.link("polly")
    log_time(bot, "polly")
    catalog_ready(bot, "polly")
    ask = bot.signer.interaction(bot.signer.block_suggestion(user_id("polly"), modals.PROJECT,
                                                             "mob", block_id=modals.PROJECT))
    first, second = bot.send(ask), bot.send(ask)
    assert first.json() == second.json() and first.json()["options"]


@pytest.mark.parametrize("age", [STALE_AFTER + 5, 2 * STALE_AFTER, -(STALE_AFTER + 5)])
def test_stale_and_future_requests_are_refused_and_change_nothing(
        bot: SlackAppHarness, emulator: RunningEmulator, age: int) -> None:
    bot.link("polly")
    command = _log_command(bot, "polly", "stale", "stale")
    click = bot.signer.interaction(bot.signer.block_action(
        user_id("polly"), "home_stop", container={"type": "view", "view_id": "V0HOME"}))
    event = bot.signer.event({"type": "app_uninstalled"})
    for request in (command, click, event):
        assert bot.send(bot.signer.stale(request, age=age)).status_code == 401
    time.sleep(SETTLE)
    assert _notes_count(emulator, "stale") == 0
    assert bot.services.accounts.get("T0DEMO", user_id("polly")) is not None
    assert bot.slack.calls_to(RESPONSE_URL) == [] and bot.slack.calls_to("views.publish") == []


def test_bad_signatures_are_refused_and_do_not_block_the_genuine_request(
        bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    """A forgery of a request's body is refused before the replay check: it leaves no mark, so
    the genuine request that follows is still handled."""
    bot.link("polly")
    request = _log_command(bot, "polly", "genuine", "genuine")
    forgeries = [request.forged(), request.unsigned(),
                 request.tampered(request.body.replace(b"1h", b"9h")),
                 replace(request, headers={**request.headers, "X-Slack-Signature": "v0=00"}),
                 replace(request, headers={**request.headers,
                                           "X-Slack-Request-Timestamp": "not-a-number"}),
                 bot.signer.sign(b"payload=%7Bnot+json", FORM).forged()]
    for forged in forgeries:
        assert bot.send(forged).status_code == 401
    time.sleep(SETTLE)
    assert _notes_count(emulator, "genuine") == 0
    # Nobody is told anything about a request nobody signed (a timestamp slack_sdk could not
    # read once made a 500, and the error handler answered to the forged response_url).
    assert bot.slack.calls_to(RESPONSE_URL) == [] and bot.slack.calls_to("chat.postMessage") == []
    assert bot.send(request).status_code == 200
    assert "Logged *1:00*" in text_of(bot.reply("genuine"))
    assert _notes_count(emulator, "genuine") == 1


def test_seen_deliveries_are_kept_past_slacks_window_then_purged(bot: SlackAppHarness) -> None:
    assert TTL > timedelta(seconds=STALE_AFTER)
    bot.link("polly")
    bot.reply(bot.command("polly", "today"))
    keys = bot.services.db.execute(
        "SELECT COUNT(*) FROM seen_events WHERE key LIKE 'request:%'").fetchone()[0]
    assert keys >= 1
    later = bot.services.clock() + TTL + timedelta(seconds=1)
    assert bot.services.events.purge(later) >= keys
