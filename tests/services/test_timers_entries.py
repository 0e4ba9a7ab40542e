"""Timers and entries against the emulator: matching, pickers, the timesheet, locked entries."""

from __future__ import annotations

import pytest

from bot.entries import EntryLocked, Logged
from bot.parsing.commands import WorkText
from bot.parsing.dates import parse_date_spec
from bot.services import Services
from bot.timers import NoRunningTimer, Started
from bot.work import Choice
from emulator.runner import RunningEmulator
from tests.services.conftest import link


def rows(emulator: RunningEmulator, who: str) -> list[dict]:
    uid = emulator.info.logins[who].user_id
    return emulator.store.all("SELECT * FROM day_entries WHERE user_id = ? ORDER BY id", uid)


def test_start_matches_forgivingly_then_stop(services: Services, emulator: RunningEmulator) -> None:
    acting = link(services, emulator, "polly")
    started = services.timers.start(acting, WorkText("website redesin", "desgn fixing login"))
    assert isinstance(started, Started) and started.entry is not None
    assert started.pair.project_name == "Website Redesign" and started.pair.task_name == "Design"
    assert started.notes == "fixing login"
    assert rows(emulator, "polly")[-1]["notes"] == "fixing login"
    stopped = services.timers.stop(acting)
    assert not stopped.is_running
    with pytest.raises(NoRunningTimer):
        services.timers.stop(acting)


def test_unclear_work_offers_a_choice(services: Services, emulator: RunningEmulator) -> None:
    acting = link(services, emulator, "polly")
    before = len(rows(emulator, "polly"))
    choice = services.timers.start(acting, WorkText("zzz nothing"))
    assert isinstance(choice, Choice) and choice.pairs
    task_choice = services.timers.start(acting, WorkText("Mobile App"))
    assert isinstance(task_choice, Choice)
    assert {p.task_name for p in task_choice.pairs} == {"Design", "Development", "Research"}
    recent = services.timers.start(acting, WorkText())
    assert isinstance(recent, Choice) and recent.pairs
    assert len(rows(emulator, "polly")) == before


def test_resume_and_note(services: Services, emulator: RunningEmulator) -> None:
    acting = link(services, emulator, "polly")
    resumed = services.timers.resume(acting)  # nothing today: a new timer on the last entry's work
    assert resumed.is_running and resumed.spent_at == acting.today
    noted = services.timers.note(acting, "reviewing")
    assert noted.notes == "reviewing"


def test_log_on_a_day_and_the_week(services: Services, emulator: RunningEmulator) -> None:
    acting = link(services, emulator, "polly")
    logged = services.entries.log(acting, 1.5, WorkText("gourmet", "butter trays"),
                                  parse_date_spec("yesterday"))
    assert isinstance(logged, Logged) and logged.entry is not None
    assert logged.entry.spent_at.isoformat() == rows(emulator, "polly")[-1]["spent_at"]
    week = services.entries.week(acting)
    assert week.days[-1].day == acting.today
    assert week.total == pytest.approx(sum(d.total for d in week.days))


def test_locked_entries_are_explained(services: Services, emulator: RunningEmulator) -> None:
    acting = link(services, emulator, "manuel", tz="Europe/Madrid")
    locked = emulator.store.one(
        "SELECT id FROM day_entries WHERE user_id = ? AND is_closed = 1",
        emulator.info.logins["manuel"].user_id)
    with pytest.raises(EntryLocked):
        services.entries.delete(acting, locked["id"])
    assert emulator.store.one("SELECT id FROM day_entries WHERE id = ?", locked["id"])
