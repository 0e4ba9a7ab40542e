from dataclasses import replace

import pytest
import sqlite_utils

from bot.secrets import SecretBox
from storage.errors import NotFoundError
from storage.users import LinkedAccount, LinkedAccounts

from .conftest import NOW


def account(box: SecretBox, user_id: str = "U1", **changes: object) -> LinkedAccount:
    base = LinkedAccount(
        team_id="T1",
        user_id=user_id,
        wire="v1",
        base_url="https://acme.harvestapp.com",
        auth_kind="basic",
        harvest_user_id=42,
        email="ana@example.com",
        timezone="Europe/Lisbon",
        is_admin=False,
        linked_at=NOW,
        credentials=box.encrypt(
            {"email": "ana@example.com", "password": "hunter2-secret"}
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_link_then_get_returns_the_same_account(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    accounts = LinkedAccounts(db)
    linked = account(box)
    accounts.link(linked)
    got = accounts.get("T1", "U1")
    assert got == linked
    assert box.decrypt(got.credentials)["password"] == "hunter2-secret"


def test_get_of_an_unlinked_person_is_none(db: sqlite_utils.Database) -> None:
    assert LinkedAccounts(db).get("T1", "nobody") is None


def test_linking_again_replaces_the_old_link(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    accounts = LinkedAccounts(db)
    accounts.link(account(box))
    accounts.link(account(box, wire="v2", auth_kind="oauth", harvest_user_id=7))
    got = accounts.get("T1", "U1")
    assert got is not None and (got.wire, got.auth_kind, got.harvest_user_id) == (
        "v2",
        "oauth",
        7,
    )
    assert len(accounts.all()) == 1


def test_unlink_reports_whether_there_was_a_link(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    accounts = LinkedAccounts(db)
    accounts.link(account(box))
    assert accounts.unlink("T1", "U1") is True
    assert accounts.unlink("T1", "U1") is False
    assert accounts.get("T1", "U1") is None


def test_all_lists_in_order_and_filters_by_team(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    accounts = LinkedAccounts(db)
    accounts.link(account(box, "U2"))
    accounts.link(account(box, "U1"))
    accounts.link(account(box, "U9", team_id="T2"))
    assert [(a.team_id, a.user_id) for a in accounts.all()] == [
        ("T1", "U1"),
        ("T1", "U2"),
        ("T2", "U9"),
    ]
    assert [a.user_id for a in accounts.all("T2")] == ["U9"]


def test_credentials_can_be_replaced_after_a_token_refresh(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    accounts = LinkedAccounts(db)
    accounts.link(account(box, auth_kind="oauth"))
    accounts.update_credentials("T1", "U1", box.encrypt({"access_token": "new"}))
    got = accounts.get("T1", "U1")
    assert got is not None and box.decrypt(got.credentials) == {"access_token": "new"}
    with pytest.raises(NotFoundError):
        accounts.update_credentials("T1", "U404", b"x")


def test_profile_snapshot_can_be_refreshed(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    accounts = LinkedAccounts(db)
    accounts.link(account(box))
    updated = accounts.update_profile("T1", "U1", is_admin=True)
    assert (updated.is_admin, updated.timezone) == (True, "Europe/Lisbon")
    assert accounts.get("T1", "U1") == updated
    with pytest.raises(NotFoundError):
        accounts.update_profile("T1", "U404", timezone="UTC")


def test_repr_hides_the_credentials(box: SecretBox) -> None:
    linked = account(box)
    assert "credentials" not in repr(linked)
    assert linked.credentials.decode() not in repr(linked)


def test_the_password_is_not_in_the_database_file(
    db: sqlite_utils.Database, db_path, box: SecretBox
) -> None:
    LinkedAccounts(db).link(account(box))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"hunter2-secret" not in db_path.read_bytes()
