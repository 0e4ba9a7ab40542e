"""The outbox: writes kept while Harvest is away land exactly once when it is back."""

from __future__ import annotations

from bot.entries import Logged
from bot.parsing.commands import WorkText
from bot.services import Services
from emulator.runner import RunningEmulator
from tests.services.conftest import link


def count(emulator: RunningEmulator, notes: str) -> int:
    return int(emulator.store.scalar("SELECT COUNT(*) FROM day_entries WHERE notes = ?", notes))


def test_harvest_down_then_back(services: Services, emulator: RunningEmulator) -> None:
    acting = link(services, emulator, "polly")
    services.entries.projects(acting)  # Harvest seen once: its projects are remembered
    rule = emulator.faults.add("*", status=500)
    logged = services.entries.log(acting, 2, WorkText("mobile", "research", "offline work"))
    assert isinstance(logged, Logged) and logged.pending is not None
    assert services.outbox.process_due() == []  # not due yet: it waits for its backoff
    emulator.faults.remove(rule.id)
    services.db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00.000000+00:00'")
    outcomes = services.outbox.process_due()
    assert [(o.entry is not None, o.error) for o in outcomes] == [(True, None)]
    assert count(emulator, "offline work") == 1
    assert services.outbox.pending(acting.account.team_id, acting.account.user_id) == []


def test_a_lost_answer_is_not_written_twice(services: Services, emulator: RunningEmulator) -> None:
    acting = link(services, emulator, "polly")
    emulator.faults.add("/daily/add", method="POST", drop="after", times=1)
    logged = services.entries.log(acting, 1, WorkText("mobile", "design", "answer lost"))
    assert isinstance(logged, Logged) and logged.pending is not None
    assert count(emulator, "answer lost") == 1  # it landed; only the answer was lost
    services.db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00.000000+00:00'")
    outcomes = services.outbox.process_due()
    assert [o.entry is not None for o in outcomes] == [True]
    assert count(emulator, "answer lost") == 1
