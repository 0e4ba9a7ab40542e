"""Harvest misbehaving, through the emulator's fault injection, on both wires: every command
still gets a clear answer, and every write lands in Harvest exactly once when Harvest recovers.

Beside ``tests/e2e/test_resilience.py`` (every call 500 then back, a lost answer on v1's add, 5 s
on every call for a timer start), this covers the rest of the faults a write can meet, each on
the write's own route of the wire (v1 ``POST /daily/add``, v2 ``POST /v2/time_entries``): slow,
refused (500), the connection dropped before Harvest processed it and after (Harvest has it,
the bot does not know), a garbled answer (Harvest has it too), and a throttle storm (v1's 503
with ``Retry-After``, v2's 429). Reads meeting a fault get the plain "Harvest isn't answering"
answer. Each kept write is told once when it lands, and nothing is written twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from bot.app import AWAY_TEXT
from bot.blocks import LANDED_TEXT, PENDING_TEXT
from emulator.runner import RunningEmulator
from tests.e2e.harness import SlackAppHarness, text_of, user_id
from tests.reliability.checks import eventually

KEPT = PENDING_TEXT.split(",")[0]  # "... Harvest isn't answering right now"
LANDED = LANDED_TEXT.split(":")[2].strip()  # "Harvest is back"
#: How long a kept write may take to land once Harvest is back: the harness retries every
#: 0.1 s, backing off from 0.2 s (doubling) while Harvest is still down.
LAND_WITHIN = 15.0


def write_route(wire: str) -> str:
    """Where a new time entry is posted on ``wire``."""
    return "/daily/add" if wire == "v1" else "/v2/time_entries"


def entries(emulator: RunningEmulator, notes: str) -> int:
    return int(emulator.store.scalar("SELECT COUNT(*) FROM day_entries WHERE notes = ?", notes))


def landed_dms(bot: SlackAppHarness, who: str) -> int:
    return len(bot.slack.calls_to(
        "chat.postMessage",
        lambda c: c.args.get("channel") == user_id(who) and LANDED in text_of(c)))


def settled(bot: SlackAppHarness, emulator: RunningEmulator, who: str, notes: str,
            dms: int = 1) -> None:
    """The write is in Harvest once, its person told ``dms`` times, nothing left kept; and it
    stays so after the worker had the time for a few more rounds."""
    assert eventually(lambda: entries(emulator, notes) >= 1, LAND_WITHIN), \
        f"{notes!r} never landed"
    assert eventually(lambda: landed_dms(bot, who) >= dms, LAND_WITHIN), "the person was not told"
    assert eventually(lambda: not bot.services.outbox.pending("T0DEMO", user_id(who)), LAND_WITHIN)
    time.sleep(0.5)
    assert entries(emulator, notes) == 1
    assert landed_dms(bot, who) == dms


@pytest.fixture
def polly(bot: SlackAppHarness) -> Iterator[SlackAppHarness]:
    bot.link("polly")
    yield bot


@pytest.mark.parametrize("wire", ["v1"], indirect=True)  # the ack does not depend on the wire
def test_five_seconds_on_the_write_acked_in_time_and_logged_once(
        polly: SlackAppHarness, emulator: RunningEmulator, wire: str) -> None:
    emulator.faults.add(write_route(wire), method="POST", latency=5, times=1)
    started = time.monotonic()
    key = polly.command("polly", "log 0:30 mobile / design -- five seconds")
    assert time.monotonic() - started < 3

    assert "Logged *0:30*" in text_of(polly.reply(key, timeout=20))
    time.sleep(0.5)
    assert entries(emulator, "five seconds") == 1
    assert not polly.services.outbox.pending("T0DEMO", user_id("polly"))


def test_500s_reads_told_harvest_is_away_writes_kept_and_landed_once_each(
        polly: SlackAppHarness, emulator: RunningEmulator, wire: str) -> None:
    polly.link("basil")
    polly.ask("polly", "projects")  # seen once: the projects are remembered for writes
    polly.ask("basil", "projects")
    rule = emulator.faults.add("*", status=500)

    assert AWAY_TEXT in text_of(polly.ask("polly", "today"))
    for who, notes in (("polly", "down one"), ("polly", "down two"), ("basil", "down three")):
        answer = text_of(polly.ask(who, f"log 0:15 mobile / research -- {notes}"))
        assert KEPT in answer and "0:15 on Mobile App" in answer
    time.sleep(0.5)  # the worker keeps trying while Harvest refuses
    assert entries(emulator, "down one") == entries(emulator, "down three") == 0

    emulator.faults.remove(rule.id)
    settled(polly, emulator, "polly", "down one", dms=2)
    settled(polly, emulator, "polly", "down two", dms=2)
    settled(polly, emulator, "basil", "down three")


@pytest.mark.parametrize("drop", ["before", "after"])
def test_dropped_connection_on_the_write_lands_once(
        polly: SlackAppHarness, emulator: RunningEmulator, wire: str, drop: str) -> None:
    """"before": Harvest never saw the write. "after": Harvest made it and the answer was lost,
    so the retry must find it rather than post it again."""
    emulator.faults.add(write_route(wire), method="POST", drop=drop, times=1)

    answer = text_of(polly.ask("polly", f"log 0:45 mobile / design -- dropped {drop}"))

    assert KEPT in answer
    settled(polly, emulator, "polly", f"dropped {drop}")


def test_garbled_answer_to_the_write_lands_once(
        polly: SlackAppHarness, emulator: RunningEmulator, wire: str) -> None:
    """A malformed body (cut-off JSON or XML) after Harvest made the entry: kept, found, once."""
    emulator.faults.add(write_route(wire), method="POST", malformed=True, times=1)

    answer = text_of(polly.ask("polly", "log 1:00 mobile / design -- garbled"))

    assert KEPT in answer
    settled(polly, emulator, "polly", "garbled")


def test_garbled_answers_to_reads_are_told_plainly(
        polly: SlackAppHarness, emulator: RunningEmulator) -> None:
    rule = emulator.faults.add("*", method="GET", malformed=True)

    assert AWAY_TEXT in text_of(polly.ask("polly", "today"))
    assert AWAY_TEXT in text_of(polly.ask("polly", "week"))

    emulator.faults.remove(rule.id)
    assert "Mon" in text_of(polly.ask("polly", "week"))


def test_throttle_storm_every_command_answered_every_write_once(
        bot: SlackAppHarness, emulator: RunningEmulator, wire: str) -> None:
    """Harvest's throttle cut to 6 calls in 2 s (v1 answers 503 + Retry-After, v2 429), and
    12 writes from four people at once: each is logged or kept, and all land, once each."""
    people = ("sybil", "basil", "polly", "manuel")
    for who in people:
        bot.link(who)
        bot.ask(who, "projects")
    throttle = emulator.throttle if wire == "v1" else emulator.v2_throttle
    throttle.configure(limit=6, window=2)
    writes = [(people[i % 4], f"storm {i}") for i in range(12)]
    keys: dict[str, str] = {}

    def send(who: str, notes: str) -> None:
        keys[notes] = bot.command(who, f"log 0:15 website / design -- {notes}")

    senders = [threading.Thread(target=send, args=w) for w in writes]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(10)

    told = {notes: text_of(bot.reply(keys[notes], timeout=30)) for _, notes in writes}
    kept = [notes for notes, text in told.items() if KEPT in text]
    assert all(KEPT in text or "Logged *0:15*" in text for text in told.values()), told
    assert kept, "the storm never reached the bot: no write was kept"
    for _, notes in writes:
        assert eventually(lambda n=notes: entries(emulator, n) == 1, 60), notes
    assert eventually(lambda: all(not bot.services.outbox.pending("T0DEMO", user_id(w))
                                  for w in people), 30)
    time.sleep(1.0)
    assert [entries(emulator, notes) for _, notes in writes] == [1] * 12
    assert sum(landed_dms(bot, who) for who in people) == len(kept)
