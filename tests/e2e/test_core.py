"""The critical path over real HTTP: start, stop, log, today, as a person sees them."""

from __future__ import annotations

from emulator.runner import RunningEmulator
from tests.e2e.harness import SlackAppHarness, text_of


def entries_of(emulator: RunningEmulator, who: str) -> list[dict]:
    uid = emulator.info.logins[who].user_id
    return emulator.store.all("SELECT * FROM day_entries WHERE user_id = ? ORDER BY id", uid)


def test_start_then_stop(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    reply = bot.ask("polly", "start website / design fixing the login")
    assert "Timer started on *Website Redesign (Acme Corp) / Design* — fixing the login" in text_of(reply)
    row = entries_of(emulator, "polly")[-1]
    assert row["notes"] == "fixing the login" and row["timer_started_at"]
    reply = bot.ask("polly", "stop")
    assert "Stopped" in text_of(reply)
    assert not entries_of(emulator, "polly")[-1]["timer_started_at"]


def test_log_then_today(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    reply = bot.ask("polly", "log 1h30 gourmet / butter -- trays")
    assert "Logged *1:30* on *Gourmet Night (City of Torquay) / Put butter on trays*" in text_of(reply)
    assert entries_of(emulator, "polly")[-1]["hours"] == 1.5
    today = bot.ask("polly", "today")
    assert "total *1:30*" in text_of(today)
    assert "trays" in text_of(today)
