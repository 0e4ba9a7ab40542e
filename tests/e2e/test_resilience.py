"""Harvest down or slow, and requests Slack did not sign: the person is told, nothing is lost,
nothing is written twice, nothing forged gets in."""

from __future__ import annotations

import time

from emulator.runner import RunningEmulator
from tests.e2e.harness import SlackAppHarness, text_of, user_id


def _count(emulator: RunningEmulator, notes: str) -> int:
    return int(emulator.store.scalar("SELECT COUNT(*) FROM day_entries WHERE notes = ?", notes))


def _landed_dm(bot: SlackAppHarness, who: str):  # noqa: ANN202
    return bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == user_id(who)
                              and "Harvest is back" in text_of(c), timeout=10)


def test_harvest_down_then_back(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    bot.ask("polly", "projects")  # Harvest seen once: its projects are remembered
    rule = emulator.faults.add("*", status=500)
    reply = bot.ask("polly", "log 2h mobile / research -- offline")
    assert "Harvest isn't answering right now" in text_of(reply) and "kept" in text_of(reply)
    time.sleep(0.5)
    assert _count(emulator, "offline") == 0
    emulator.faults.remove(rule.id)
    assert "2:00 on Mobile App" in text_of(_landed_dm(bot, "polly"))
    time.sleep(0.5)
    assert _count(emulator, "offline") == 1


def test_lost_answer_lands_exactly_once(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    emulator.faults.add(bot.add_entry_path, method="POST", drop="after", times=1)
    reply = bot.ask("polly", "log 1h mobile / design -- dropped")
    assert "Harvest isn't answering right now" in text_of(reply)
    _landed_dm(bot, "polly")
    time.sleep(0.5)
    assert _count(emulator, "dropped") == 1


def test_ack_within_three_seconds_when_harvest_is_slow(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    emulator.faults.add("*", latency=5)
    started = time.monotonic()
    key = bot.command("polly", "start website / design -- slow day")
    assert time.monotonic() - started < 3
    assert "Timer started" in text_of(bot.reply(key, timeout=30))


def test_forged_unsigned_and_stale_requests_change_nothing(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    before = emulator.store.scalar("SELECT COUNT(*) FROM day_entries")
    request = bot.signer.slash_command("log 8h mobile / design -- forged", user_id="U0POLLY",
                                       response_url=bot.slack.response_url("forged"))
    for attack in (request.forged(), request.unsigned(), bot.signer.stale(request),
                   request.tampered(request.body.replace(b"8h", b"9h"))):
        assert bot.send(attack).status_code == 401
    time.sleep(0.3)
    assert emulator.store.scalar("SELECT COUNT(*) FROM day_entries") == before
    assert bot.slack.calls_to("response_url") == []


def test_events_are_handled_once_and_uninstall_forgets_links(bot: SlackAppHarness) -> None:
    bot.link("polly")
    event = bot.signer.event({"type": "app_uninstalled"}, event_id="Ev0UNINSTALL")
    assert bot.send(event).status_code == 200
    deadline = time.monotonic() + 5
    while bot.services.accounts.get("T0DEMO", user_id("polly")) is not None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    bot.link("polly")
    assert bot.send(bot.signer.event({"type": "app_uninstalled"}, event_id="Ev0UNINSTALL")).status_code == 200
    time.sleep(0.3)
    assert bot.services.accounts.get("T0DEMO", user_id("polly")) is not None
