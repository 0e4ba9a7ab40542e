"""Two budgets per account in one pacer family: general (100 per 15 s) and Reports API (100 per
15 minutes). Report calls never spend general slots, so a digest cannot starve a person."""

from __future__ import annotations

import threading

import pytest

from bot.harvest.pacing import (
    REPORTS_WINDOW,
    Budgets,
    Pacer,
    PacerRegistry,
)
from tests.client.fakes import FakeTime
from tests.client.test_pacing import busiest_window

from .fakes import GatedTime


def registry_on(fake: FakeTime) -> PacerRegistry:
    return PacerRegistry(
        lambda: Pacer(clock=fake.clock, sleep=fake.sleep),
        budgets={"reports": lambda: Pacer(100, REPORTS_WINDOW, clock=fake.clock, sleep=fake.sleep)},
    )


def test_each_account_has_a_general_and_a_reports_pacer() -> None:
    registry = PacerRegistry()
    general = registry.for_account("https://api.harvestapp.com/v2", account_id=1)
    reports = registry.for_account("https://api.harvestapp.com/v2", bucket="reports", account_id=1)
    assert general is not reports
    assert (general.max_calls, general.window) == (100, 15.0)
    assert (reports.max_calls, reports.window) == (100, 900.0)
    # v2 accounts share one host: the account id tells them apart.
    assert registry.for_account("https://API.harvestapp.com/v2/", account_id="1") is general
    assert registry.for_account("https://api.harvestapp.com/v2", account_id=2) is not general
    assert registry.budgets("https://api.harvestapp.com/v2", 1) == Budgets(general, reports)
    assert Budgets(general, reports).pacer("reports") is reports


def test_v1_callers_see_the_registry_they_knew() -> None:
    made: list[Pacer] = []

    def factory() -> Pacer:
        made.append(Pacer(10, 1.0, margin=0))
        return made[-1]

    registry = PacerRegistry(factory)
    assert registry.for_account("https://acme.harvestapp.com") is made[0]
    assert registry.for_account("https://acme.harvestapp.com/") is made[0]


def test_an_unknown_bucket_is_refused() -> None:
    with pytest.raises(ValueError, match="bucket"):
        PacerRegistry().for_account("https://x", bucket="exports")  # type: ignore[arg-type]


def test_150_report_calls_stay_under_100_per_15_minutes_and_general_calls_never_wait() -> None:
    fake = FakeTime()
    budgets = registry_on(fake).budgets("https://api.harvestapp.com/v2", 7)
    report_starts: list[float] = []
    general_waits: list[float] = []
    for n in range(150):
        report_starts.append(budgets.reports.acquire("batch"))
        before = fake.clock()
        if n % 3 == 0:  # a person clicking while the digest runs
            general_waits.append(budgets.general.acquire("interactive") - before)
    assert busiest_window(report_starts, REPORTS_WINDOW) == 95
    assert report_starts[95] == REPORTS_WINDOW  # waited only as long as the window demands
    assert general_waits == [0.0] * 50
    assert budgets.general.calls_in_window() <= 95


def test_a_retry_after_pauses_only_its_own_budget() -> None:
    fake = FakeTime()
    budgets = registry_on(fake).budgets("https://api.harvestapp.com/v2", 7)
    budgets.reports.pause(600)
    assert budgets.reports.paused_for() == 600
    assert budgets.general.acquire() == 0.0 and budgets.general.paused_for() == 0
    assert budgets.reports.acquire() == 600.0


def test_a_digest_blocked_on_the_reports_budget_does_not_hold_up_general_calls() -> None:
    fake = GatedTime()
    budgets = PacerRegistry(
        lambda: Pacer(clock=fake.clock, sleep=fake.sleep),
        budgets={"reports": lambda: Pacer(100, REPORTS_WINDOW, clock=fake.clock, sleep=fake.sleep)},
    ).budgets("https://api.harvestapp.com/v2", 7)
    starts: list[float] = []
    digest = threading.Thread(
        target=lambda: starts.extend(budgets.reports.acquire("batch") for _ in range(150))
    )
    digest.start()
    assert fake.sleeping.wait(5)  # the digest has spent its budget and waits
    interactive = [budgets.general.acquire("interactive") for _ in range(20)]
    assert interactive == [0.0] * 20
    fake.gate.set()
    digest.join(10)
    assert len(starts) == 150 and busiest_window(starts, REPORTS_WINDOW) <= 95
