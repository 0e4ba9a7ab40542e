"""v2 records -> domain models: the defensive rules for what the docs leave open."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.harvest import bodies_v2, parse_v2
from bot.harvest.errors import Unavailable

from .fakes import ME, entry_record, running_record

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_a_stopped_entry_keeps_harvests_hours() -> None:
    entry = parse_v2.entry(entry_record(1, hours=2.11, hours_without_timer=2.11), NOW)
    assert entry.hours == 2.11 and not entry.is_running and entry.timer_started_at is None


def test_a_running_entry_counts_the_time_since_its_timer_started() -> None:
    # Whether Harvest's hours include the running time is undocumented: take the larger.
    entry = parse_v2.entry(
        running_record(1, "2026-03-10T14:00:00Z", hours=0.25, hours_without_timer=0.25), NOW
    )
    assert entry.is_running and entry.hours == pytest.approx(1.25)
    already = parse_v2.entry(
        running_record(1, "2026-03-10T14:00:00Z", hours=1.3, hours_without_timer=0.25), NOW
    )
    assert already.hours == pytest.approx(1.3)


def test_is_running_decides_whether_a_timer_runs() -> None:
    stale = parse_v2.entry(
        entry_record(1, is_running=False, timer_started_at="2026-03-10T14:00:00Z"), NOW
    )
    assert not stale.is_running
    unstamped = parse_v2.entry(running_record(1, started=None), NOW)  # type: ignore[arg-type]
    assert unstamped.is_running
    assert unstamped.timer_started_at == datetime(2026, 3, 10, 12, tzinfo=UTC)  # updated_at


@pytest.mark.parametrize(
    "fields",
    [{"is_closed": True}, {"is_locked": True}, {"approval_status": "approved"}],
)
def test_approved_or_locked_entries_are_closed(fields: dict) -> None:
    assert parse_v2.entry(entry_record(1, **fields), NOW).is_closed
    assert not parse_v2.entry(entry_record(1, approval_status="submitted"), NOW).is_closed


def test_timestamp_entries_keep_their_clock_times_for_display() -> None:
    entry = parse_v2.entry(entry_record(1, started_time="8:00am", ended_time="9:30am"), NOW)
    assert (entry.started_at, entry.ended_at) == ("8:00am", "9:30am")


def test_an_entry_missing_its_project_is_unreadable() -> None:
    record = entry_record(1)
    del record["project"]
    with pytest.raises(Unavailable, match="time entry: no project_id"):
        parse_v2.entry(record, NOW)


@pytest.mark.parametrize(
    ("roles", "admin", "manager", "acts"),
    [
        (["administrator"], True, False, True),
        (["manager"], False, True, False),
        (["manager", "time_and_expenses_manager"], False, True, True),
        (["member"], False, False, False),
    ],
)
def test_roles_come_from_access_roles(
    roles: list[str], admin: bool, manager: bool, acts: bool
) -> None:
    # The legacy booleans are ignored while access_roles is there.
    person = parse_v2.person({**ME, "access_roles": roles, "is_admin": not admin})
    assert (person.is_admin, person.is_project_manager, person.may_act_for_others) == (
        admin,
        manager,
        acts,
    )
    assert person.access_roles == tuple(roles)


def test_without_access_roles_the_legacy_booleans_count() -> None:
    legacy = {k: v for k, v in ME.items() if k != "access_roles"}
    person = parse_v2.person({**legacy, "is_admin": True, "is_project_manager": True})
    assert person.is_admin and person.is_project_manager and person.access_roles == ()


def test_a_person_keeps_harvests_zone_name_and_its_iana_zone() -> None:
    person = parse_v2.person({**ME, "timezone": "London"})
    assert (person.timezone, person.timezone_identifier) == ("London", "Europe/London")
    assert parse_v2.person({**ME, "timezone": "Atlantis"}).timezone_identifier is None


def test_company_settings() -> None:
    account = parse_v2.account(
        {
            "name": "API Examples",
            "wants_timestamp_timers": True,
            "clock": "24h",
            "time_format": "decimal",
            "week_start_day": "Sunday",
            "is_active": True,
        }
    )
    assert account.timestamp_timers and account.clock == "24h"
    assert (account.time_format, account.week_start_day) == ("decimal", "Sunday")


def test_report_rows_per_kind() -> None:
    (row,) = parse_v2.report_rows(
        [
            {
                "client_id": 5735776,
                "client_name": "123 Industries",
                "project_id": 14307913,
                "project_name": "Marketing Website",
                "total_hours": 2.0,
                "billable_hours": 2.0,
                "currency": "EUR",
                "billable_amount": 200.0,
            }
        ],
        "projects",
    )
    assert (row.subject_id, row.subject_name, row.client_name) == (
        14307913,
        "Marketing Website",
        "123 Industries",
    )
    (hidden,) = parse_v2.report_rows([{"task_id": 1, "task_name": "T", "total_hours": 1}], "tasks")
    assert hidden.currency is None and hidden.billable_amount is None


def test_clock_times_are_written_per_the_accounts_clock() -> None:
    from datetime import time

    assert bodies_v2.clock_time(time(0, 5), "12h") == "12:05am"
    assert bodies_v2.clock_time(time(13, 0), "12h") == "1:00pm"
    assert bodies_v2.clock_time(time(9, 7), "24h") == "09:07"
