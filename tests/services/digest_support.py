"""A known digest data set in the emulator, with its totals worked out by hand.

The emulator's clock is frozen on Monday 2026-03-30 07:30 UTC (08:30 in London), so the demo
seed's two weeks of random entries end on Friday 27 March; those of Thursday 26 and Friday 27
March are replaced by the rows below. Manuel's Gourmet Night timer started 30 minutes before
the frozen now with 1.0 hour stored, so every report shows it at exactly 1.50 hours.

Friday 27 March, by hand::

    polly   Website Redesign / Design        2.50  billable
            Website Redesign / Meetings      0.75  (Meetings are not billable)
            Internal / Research              0.33  (Internal's client is not billed)
    basil   Mobile App / Development         3.10  billable
            Gourmet Night / Put butter …     1.25  billable
    manuel  Data Migration / Development     0.10  billable
            Data Migration / Development     0.20  billable
            Gourmet Night / Meetings         1.50  running, not billable
    sybil   nothing

    total 9.73 = polly 3.58 + basil 4.35 + manuel 1.80; billable 7.15, non-billable 2.58
    projects: Website Redesign 3.25, Mobile App 3.10, Gourmet Night 2.75, Internal 0.33,
              Data Migration 0.30
    expenses 12.80 (3): polly 12.50, basil 0.10 + 0.20
    Thursday 26 March: polly Website Redesign 4.00, manuel Data Migration 2.25 = 6.25
    (and basil's 99.00 expense)

Basil manages Website Redesign, Mobile App and Gourmet Night: his view of Friday is
polly 3.25 + basil 4.35 + manuel 1.50 = 9.10 (Thursday 4.00). Polly sees only her 3.58
(Thursday 4.00).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from emulator.clock import Clock, iso
from emulator.runner import RunningEmulator, running_emulator

EMULATOR_NOW = datetime(2026, 3, 30, 7, 30, tzinfo=UTC)
THURSDAY, FRIDAY = date(2026, 3, 26), date(2026, 3, 27)
#: Monday 30 March 09:00 in London (BST since the day before).
MONDAY_NINE_LONDON = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)

ADMIN_TOTAL, ADMIN_BILLABLE = 973, 715
MANAGER_TOTAL, MEMBER_TOTAL = 910, 358

ENTRIES = [  # who, project, task, day, hours, running
    ("polly", "Website Redesign", "Design", FRIDAY, 2.5, False),
    ("polly", "Website Redesign", "Meetings", FRIDAY, 0.75, False),
    ("polly", "Internal", "Research", FRIDAY, 0.33, False),
    ("basil", "Mobile App", "Development", FRIDAY, 3.1, False),
    ("basil", "Gourmet Night", "Put butter on trays", FRIDAY, 1.25, False),
    ("manuel", "Data Migration", "Development", FRIDAY, 0.1, False),
    ("manuel", "Data Migration", "Development", FRIDAY, 0.2, False),
    ("manuel", "Gourmet Night", "Meetings", FRIDAY, 1.0, True),
    ("polly", "Website Redesign", "Design", THURSDAY, 4.0, False),
    ("manuel", "Data Migration", "Research", THURSDAY, 2.25, False),
]
EXPENSES = [  # who, project, category, day, cost
    ("polly", "Website Redesign", "Meals", FRIDAY, 12.5),
    ("basil", "Mobile App", "Travel", FRIDAY, 0.1),
    ("basil", "Mobile App", "Travel", FRIDAY, 0.2),
    ("basil", "Mobile App", "Travel", THURSDAY, 99.0),
]


def seed_known_days(emulator: RunningEmulator) -> None:
    """Replace Thursday's and Friday's entries and expenses with the known ones."""
    store, ids = emulator.store, emulator.info.ids
    days = (THURSDAY.isoformat(), FRIDAY.isoformat())
    now = emulator.clock.now()
    with store.tx():
        store.execute("DELETE FROM day_entries WHERE spent_at IN (?, ?)", *days)
        store.execute("DELETE FROM day_entries WHERE timer_started_at IS NOT NULL")
        store.execute("DELETE FROM expenses WHERE spent_at IN (?, ?)", *days)
        for who, project, task, day, hours, running in ENTRIES:
            stamp = iso(datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=17))
            store.insert("day_entries", user_id=emulator.info.logins[who].user_id,
                         project_id=ids[f"project:{project}"], task_id=ids[f"task:{task}"],
                         spent_at=day.isoformat(), hours=hours, notes=f"{who} on {project}",
                         timer_started_at=iso(now - timedelta(minutes=30)) if running else None,
                         created_at=stamp, updated_at=stamp)
        for who, project, category, day, cost in EXPENSES:
            stamp = iso(now)
            store.insert("expenses", user_id=emulator.info.logins[who].user_id,
                         project_id=ids[f"project:{project}"],
                         expense_category_id=ids[f"category:{category}"], spent_at=day.isoformat(),
                         total_cost=cost, notes="", created_at=stamp, updated_at=stamp)


@contextmanager
def known_emulator() -> Iterator[RunningEmulator]:
    """The demo account, clock frozen on :data:`EMULATOR_NOW`, with the known days."""
    with running_emulator("demo", clock=Clock(EMULATOR_NOW)) as running:
        seed_known_days(running)
        yield running
