"""Which report calls a digest makes, and the share of the throttle digests may take. Pure."""

from __future__ import annotations

from datetime import date

from bot.digest_fetch import DIGEST_SHARE, CallPlan, Scope, digest_share, plan_calls, span_of
from bot.digest_periods import Period


def test_fewer_calls_wins_and_a_tie_goes_to_projects() -> None:
    assert plan_calls(range(100), range(1000)) == CallPlan("project", tuple(range(100)))
    assert plan_calls(range(5), [7, 8]) == CallPlan("person", (7, 8))
    assert plan_calls([1, 2], [3, 4]).axis == "project"
    assert plan_calls([1, 1, 2], [3, 3, 3]).ids == (3,)  # duplicates are one call


def test_without_person_reports_it_is_per_project() -> None:
    plan = plan_calls([4, 5, 6], None)
    assert plan == CallPlan("project", (4, 5, 6)) and plan.calls == 3


def test_one_span_covers_the_period_and_its_comparison() -> None:
    friday, thursday = Period(date(2026, 3, 27), date(2026, 3, 27)), Period(
        date(2026, 3, 26), date(2026, 3, 26))
    assert span_of(friday, thursday) == Period(date(2026, 3, 26), date(2026, 3, 27))


def test_scope_round_trips_through_json() -> None:
    scope = Scope("projects", (1, 2), ("Acme", "Web"))
    assert Scope.from_json(scope.to_json()) == scope
    assert Scope.from_json({}) == Scope()


def test_digests_leave_room_in_harvests_window() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    share = digest_share()
    share = type(share)(DIGEST_SHARE, 15.0, margin=0, clock=lambda: now[0], sleep=sleep)
    for _ in range(DIGEST_SHARE):
        share.acquire("batch")
    assert slept == []  # the share's calls go at once
    share.acquire("batch")
    assert slept and now[0] >= 15.0  # the next waits for the window: the rest is for clicks
    assert DIGEST_SHARE <= 100 - 5 - 30  # Harvest's 100, the pacer's margin, room for clicks
