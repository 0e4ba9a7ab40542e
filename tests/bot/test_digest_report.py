"""The digest's arithmetic on a known data set, checked against totals worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.digest_periods import Period
from bot.digest_report import (
    DigestData,
    PersonInfo,
    ProjectInfo,
    centi,
    compute,
    hours_text,
    money_text,
)
from bot.harvest.models import Entry, Expense

FRI, THU = date(2026, 3, 27), date(2026, 3, 26)
ANA, BEN, CAT, DAN = 1, 2, 3, 4
WEB, APP, INTERNAL = 10, 20, 30
DESIGN, DEV, MEET = 100, 200, 300


def entry(n: int, user: int, project: int, task: int, hours: float, day: date = FRI,
          running: bool = False) -> Entry:
    started = datetime(2026, 3, 27, 15, tzinfo=UTC) if running else None
    return Entry(n, user, project, task, day, hours, timer_started_at=started)


DATA = DigestData(
    entries=(
        entry(1, ANA, WEB, DESIGN, 2.5),
        entry(2, ANA, WEB, MEET, 0.75),     # Meetings are not billable on Website
        entry(3, ANA, INTERNAL, MEET, 0.33),  # Internal is not billable at all
        entry(4, BEN, APP, DEV, 3.1),
        entry(5, BEN, APP, DESIGN, 1.005),  # rounds half up to 1.01
        entry(6, CAT, WEB, DEV, 0.1),
        entry(7, CAT, WEB, DEV, 0.2),       # 0.1 + 0.2 is 0.30, not 0.30000000000000004
        entry(8, CAT, APP, DEV, 1.4167, running=True),  # a timer: 1.42
        entry(9, ANA, WEB, DESIGN, 4.0, THU),  # the day before
        entry(10, DAN, APP, DEV, 2.25, THU),
    ),
    expenses=(
        Expense(1, ANA, WEB, 7, FRI, 12.5),
        Expense(2, BEN, APP, 7, FRI, 0.1),
        Expense(3, BEN, APP, 7, FRI, 0.2),
        Expense(4, BEN, APP, 7, THU, 99.0),
    ),
    people={ANA: PersonInfo(ANA, "Ana"), BEN: PersonInfo(BEN, "Ben"),
            CAT: PersonInfo(CAT, "Cat"), DAN: PersonInfo(DAN, "Dan")},
    projects={WEB: ProjectInfo(WEB, "Website", 5, "Acme", True),
              APP: ProjectInfo(APP, "App", 5, "Acme", True),
              INTERNAL: ProjectInfo(INTERNAL, "Internal", None, None, False)},
    tasks={DESIGN: "Design", DEV: "Development", MEET: "Meetings"},
    task_defaults={DESIGN: True, DEV: True, MEET: True},
    task_billable={(WEB, MEET): False},
    roster=(ANA, BEN, CAT, DAN),
)


def test_totals_match_the_hand_computed_ones_to_the_hundredth() -> None:
    report = compute(DATA, Period(FRI, FRI), Period(THU, THU))
    # Ana 2.50 + 0.75 + 0.33 = 3.58; Ben 3.10 + 1.01 = 4.11; Cat 0.10 + 0.20 + 1.42 = 1.72
    assert report.total == 358 + 411 + 172 == 941
    # not billable: Website/Meetings 0.75, Internal 0.33
    assert report.billable == 941 - 75 - 33 == 833
    assert report.non_billable == 108
    assert [(line.name, line.centi, line.billable) for line in report.people] == [
        ("Ben", 411, 411), ("Ana", 358, 250), ("Cat", 172, 172)]
    # App 3.10 + 1.01 + 1.42 = 5.53; Website 2.50 + 0.75 + 0.30 = 3.55; Internal 0.33
    assert [(line.name, line.centi) for line in report.projects] == [
        ("App (Acme)", 553), ("Website (Acme)", 355), ("Internal", 33)]
    assert sum(line.centi for line in report.people) == report.total
    assert sum(line.centi for line in report.projects) == report.total
    assert report.tasks is None
    assert report.entry_count == 8


def test_expenses_comparison_missing_and_running() -> None:
    report = compute(DATA, Period(FRI, FRI), Period(THU, THU))
    assert (report.expenses_cents, report.expenses_count) == (1280, 3)  # 12.50 + 0.10 + 0.20
    assert report.previous_total == 625  # Thursday: 4.00 + 2.25
    assert report.change == 941 - 625
    assert [p.name for p in report.missing or ()] == ["Dan"]
    assert [(r.person, r.project, r.task, r.centi) for r in report.running] == [
        ("Cat", "App (Acme)", "Development", 142)]


def test_per_task_lines_add_up() -> None:
    report = compute(DATA, Period(FRI, FRI), by_task=True)
    assert report.tasks is not None
    assert [(line.name, line.centi) for line in report.tasks] == [
        ("App (Acme) / Development", 452),
        ("Website (Acme) / Design", 250),
        ("App (Acme) / Design", 101),
        ("Website (Acme) / Meetings", 75),
        ("Internal / Meetings", 33),
        ("Website (Acme) / Development", 30),
    ]
    assert sum(line.centi for line in report.tasks) == report.total
    assert report.previous_total is None and report.change is None


def test_a_week_spans_its_days() -> None:
    report = compute(DATA, Period(date(2026, 3, 23), date(2026, 3, 29)))
    assert report.total == 941 + 625
    assert report.expenses_cents == 1280 + 9900


def test_an_empty_day_is_empty_but_still_lists_the_missing() -> None:
    report = compute(DATA, Period(date(2026, 3, 28), date(2026, 3, 28)))
    assert report.is_empty and report.total == 0
    assert [p.name for p in report.missing or ()] == ["Ana", "Ben", "Cat", "Dan"]


def test_unknown_roster_and_names_fall_back() -> None:
    data = DigestData(entries=(entry(1, 77, 88, 99, 1.0),), roster=None, visibility="projects")
    report = compute(data, Period(FRI, FRI))
    assert report.missing is None
    assert report.people[0].name == "Person 77" and report.projects[0].name == "Project 88"
    assert report.billable == 0  # an unknown project is not billable


@pytest.mark.parametrize(("value", "expected"), [
    (0.0, 0), (0.005, 1), (0.004, 0), (1.255, 126), (0.1 + 0.2, 30), (7.999, 800), (2.675, 268)])
def test_centi_rounds_half_up_from_the_decimal_text(value: float, expected: int) -> None:
    assert centi(value) == expected


def test_texts() -> None:
    assert hours_text(941) == "9.41" and hours_text(5) == "0.05" and hours_text(-316) == "-3.16"
    assert money_text(123450) == "1,234.50"
