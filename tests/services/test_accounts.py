"""Linking people to Harvest: verified before stored, sealed at rest, one client per person."""

from __future__ import annotations

import pytest

from bot.accounts import NotAdmin, NotLinked, UnknownPerson
from bot.harvest.errors import AuthError
from bot.services import Services
from emulator.runner import RunningEmulator
from tests.services.conftest import TEAM, link


def test_a_wrong_password_stores_nothing(services: Services, emulator: RunningEmulator) -> None:
    with pytest.raises(AuthError) as refused:
        services.accounts.link_basic(TEAM, "U0POLLY", emulator.base_url,
                                     "polly@fawltytowers.example", "not-her-password")
    assert "not-her-password" not in repr(refused.value)
    assert services.accounts.get(TEAM, "U0POLLY") is None


def test_credentials_are_sealed_at_rest(services: Services, emulator: RunningEmulator) -> None:
    link(services, emulator, "polly")
    account = services.accounts.get(TEAM, "U0POLLY")
    assert account is not None and account.email == "polly@fawltytowers.example"
    raw = services.db.execute("SELECT credentials FROM linked_accounts").fetchone()[0]
    assert b"harvest-demo" not in bytes(raw)
    assert "harvest-demo" not in repr(account)


def test_one_client_per_person_until_unlinked(services: Services, emulator: RunningEmulator) -> None:
    link(services, emulator, "polly")
    first = services.accounts.session_for(TEAM, "U0POLLY")
    assert services.accounts.session_for(TEAM, "U0POLLY") is first
    assert services.accounts.unlink(TEAM, "U0POLLY")
    with pytest.raises(NotLinked):
        services.accounts.session_for(TEAM, "U0POLLY")


def test_admins_act_for_people_by_email(services: Services, emulator: RunningEmulator) -> None:
    link(services, emulator, "sybil")
    acting = services.accounts.acting(TEAM, "U0SYBIL", for_email="POLLY@fawltytowers.example")
    assert acting.of_user == emulator.info.logins["polly"].user_id
    with pytest.raises(UnknownPerson):
        services.accounts.acting(TEAM, "U0SYBIL", for_email="nobody@example.com")
    link(services, emulator, "polly")
    with pytest.raises(NotAdmin):
        services.accounts.acting(TEAM, "U0POLLY", for_email="sybil@fawltytowers.example")
