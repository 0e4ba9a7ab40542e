"""Harvest's zone names -> IANA zones, and the bot's copy of the table matches the emulator's."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.harvest import timezones
from emulator import timezones as emulator_timezones


@pytest.mark.parametrize(
    ("harvest", "iana"),
    [
        ("Mountain Time (US & Canada)", "America/Denver"),
        ("London", "Europe/London"),
        ("Eastern Time (US & Canada)", "America/New_York"),
        ("eastern time (us & canada)", "America/New_York"),
        (" Tokyo ", "Asia/Tokyo"),
        ("UTC", "Etc/UTC"),
        ("Europe/Paris", "Europe/Paris"),  # an IANA name passes through
    ],
)
def test_harvest_names_map_to_iana_zones(harvest: str, iana: str) -> None:
    assert timezones.iana_zone(harvest) == iana


@pytest.mark.parametrize("name", [None, "", "  ", "Atlantis", "../../etc/passwd", "Mars/Olympus"])
def test_unknown_names_are_none_and_fall_back_to_utc(name: str | None) -> None:
    assert timezones.iana_zone(name) is None
    assert timezones.zone_for(name) == ZoneInfo("Etc/UTC")


def test_every_zone_in_the_table_exists_here() -> None:
    for iana in timezones.MAPPING.values():
        ZoneInfo(iana)


def test_the_copy_is_the_emulators_table() -> None:
    # Copied on purpose (the bot may not import the emulator); this keeps the copies equal.
    assert timezones.MAPPING == emulator_timezones.MAPPING
