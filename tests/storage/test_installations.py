import asyncio
from pathlib import Path

import pytest
import sqlite_utils
from cryptography.fernet import Fernet
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.secrets import DecryptionError, SecretBox
from storage.installations import EncryptedInstallationStore, OAuthStates


def installation(
    user_id: str = "U1", bot_token: str | None = "xoxb-bot-one", **extra: object
):
    return Installation(
        app_id="A1",
        team_id="T1",
        team_name="Acme",
        bot_token=bot_token,
        bot_id="B1",
        bot_user_id="UB1",
        bot_scopes=["commands", "chat:write"],
        user_id=user_id,
        user_token=f"xoxp-user-{user_id}",
        user_scopes=["search:read"],
        installed_at=1_700_000_000.0,
        **extra,
    )


def store(db: sqlite_utils.Database, box: SecretBox) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(db, box, client_id="111.222")


def test_save_then_find_round_trips_every_field(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    saved = installation(bot_refresh_token="xoxe-1", bot_token_expires_at=1_800_000_000)
    saved.set_custom_value("plan", "pro")
    store(db, box).save(saved)

    found = store(db, box).find_installation(enterprise_id=None, team_id="T1")
    assert found is not None
    assert found.to_dict_for_copying() == saved.to_dict_for_copying()

    bot = store(db, box).find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None
    assert (bot.bot_token, bot.bot_refresh_token, bot.bot_token_expires_at) == (
        "xoxb-bot-one",
        "xoxe-1",
        1_800_000_000,
    )
    assert list(bot.bot_scopes) == ["commands", "chat:write"]


def test_no_token_is_stored_in_clear(
    db: sqlite_utils.Database, db_path: Path, box: SecretBox
) -> None:
    store(db, box).save(installation(bot_refresh_token="xoxe-refresh"))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db_path.read_bytes()
    for token in (b"xoxb-bot-one", b"xoxp-user-U1", b"xoxe-refresh"):
        assert token not in data


def test_another_key_cannot_read_the_store(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    store(db, box).save(installation())
    stranger = SecretBox([Fernet.generate_key()])
    with pytest.raises(DecryptionError) as raised:
        store(db, stranger).find_installation(enterprise_id=None, team_id="T1")
    assert "xoxb" not in str(raised.value)


def test_find_without_user_returns_the_latest_save(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    installations = store(db, box)
    installations.save(installation("U1"))
    installations.save(installation("U2"))
    latest = installations.find_installation(enterprise_id=None, team_id="T1")
    assert latest is not None and latest.user_id == "U2"
    installations.save(installation("U1"))  # re-install by U1 makes theirs the latest
    latest = installations.find_installation(enterprise_id=None, team_id="T1")
    assert latest is not None and latest.user_id == "U1"


def test_user_lookup_gets_the_workspace_latest_bot_token(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    installations = store(db, box)
    installations.save(installation("U1", bot_token="xoxb-old"))
    installations.save(installation("U2", bot_token="xoxb-new"))
    found = installations.find_installation(
        enterprise_id=None, team_id="T1", user_id="U1"
    )
    assert found is not None
    assert (found.user_token, found.bot_token) == ("xoxp-user-U1", "xoxb-new")


def test_unknown_workspace_finds_nothing(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    installations = store(db, box)
    installations.save(installation())
    assert installations.find_installation(enterprise_id=None, team_id="T404") is None
    assert installations.find_bot(enterprise_id=None, team_id="T404") is None
    other_app = EncryptedInstallationStore(db, box, client_id="999.999")
    assert other_app.find_installation(enterprise_id=None, team_id="T1") is None


def test_enterprise_install_is_found_by_enterprise(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    installations = store(db, box)
    org = installation(enterprise_id="E1", is_enterprise_install=True)
    installations.save(org)
    found = installations.find_installation(
        enterprise_id="E1", team_id="T-any", is_enterprise_install=True
    )
    assert found is not None and found.enterprise_id == "E1"
    assert installations.find_bot(
        enterprise_id="E1", team_id=None, is_enterprise_install=True
    )


def test_delete_installation_of_one_user_and_delete_all(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    installations = store(db, box)
    installations.save(installation("U1"))
    installations.save(installation("U2"))
    installations.delete_installation(enterprise_id=None, team_id="T1", user_id="U2")
    assert (
        installations.find_installation(enterprise_id=None, team_id="T1", user_id="U2")
        is None
    )
    assert installations.find_installation(
        enterprise_id=None, team_id="T1", user_id="U1"
    )

    installations.delete_all(enterprise_id=None, team_id="T1")
    assert installations.find_installation(enterprise_id=None, team_id="T1") is None
    assert installations.find_bot(enterprise_id=None, team_id="T1") is None


def test_save_bot_alone_for_token_rotation(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    installations = store(db, box)
    installations.save(installation())
    rotated = Bot(
        app_id="A1",
        team_id="T1",
        bot_token="xoxb-rotated",
        bot_id="B1",
        bot_user_id="UB1",
        bot_refresh_token="xoxe-2",
        bot_token_expires_at=1_900_000_000,
        installed_at=1_700_000_000.0,
    )
    installations.save_bot(rotated)
    found = installations.find_installation(
        enterprise_id=None, team_id="T1", user_id="U1"
    )
    assert found is not None and found.bot_token == "xoxb-rotated"


def test_async_twins_behave_like_the_sync_methods(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    installations = store(db, box)

    async def scenario() -> tuple[object, object, object]:
        await installations.async_save(installation())
        found = await installations.async_find_installation(
            enterprise_id=None, team_id="T1"
        )
        bot = await installations.async_find_bot(enterprise_id=None, team_id="T1")
        await installations.async_delete_all(enterprise_id=None, team_id="T1")
        gone = await installations.async_find_installation(
            enterprise_id=None, team_id="T1"
        )
        return found, bot, gone

    found, bot, gone = asyncio.run(scenario())
    assert found is not None and bot is not None and gone is None


def test_bolt_accepts_the_stores_for_sync_and_async_apps(
    db: sqlite_utils.Database, box: SecretBox
) -> None:
    installations, states = store(db, box), OAuthStates(db)
    OAuthSettings(
        client_id="111.222",
        client_secret="s",
        installation_store=installations,
        state_store=states,
    )
    AsyncOAuthSettings(
        client_id="111.222",
        client_secret="s",
        installation_store=installations,
        state_store=states,
    )


def test_repr_shows_no_secret(db: sqlite_utils.Database, box: SecretBox) -> None:
    assert repr(store(db, box)) == "EncryptedInstallationStore(client_id='111.222')"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_state_is_consumed_once(db: sqlite_utils.Database) -> None:
    states = OAuthStates(db)
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False
    assert states.consume("never-issued") is False


def test_an_expired_state_is_refused(db: sqlite_utils.Database) -> None:
    clock = Clock()
    states = OAuthStates(db, expiration_seconds=60, clock=clock)
    state = states.issue()
    clock.now += 61
    assert states.consume(state) is False


def test_state_data_and_namespaces(db: sqlite_utils.Database) -> None:
    slack = OAuthStates(db, namespace="slack")
    harvest = OAuthStates(db, namespace="harvest")
    state = harvest.issue(team_id="T1", user_id="U1")
    assert slack.consume(state) is False
    assert harvest.consume_data(state) == {"team_id": "T1", "user_id": "U1"}
    assert harvest.consume_data(state) is None


def test_a_state_held_for_someone_opens_only_for_them(db: sqlite_utils.Database) -> None:
    """Another person naming it (a forged click) is refused and leaves it for its owner."""
    held = OAuthStates(db, namespace="coop_status")
    state = held.issue(team_id="T1", user_id="U1", text="menus printed")
    assert held.consume_data(state, owner=("T1", "U2")) is None
    assert held.consume_data(state, owner=("T2", "U1")) is None
    assert held.consume_data(state, owner=("T1", "U1")) == {
        "team_id": "T1", "user_id": "U1", "text": "menus printed"}
    assert held.consume_data(state, owner=("T1", "U1")) is None


def test_async_state_store(db: sqlite_utils.Database) -> None:
    states = OAuthStates(db)

    async def scenario() -> tuple[bool, bool]:
        state = await states.async_issue()
        return await states.async_consume(state), await states.async_consume(state)

    assert asyncio.run(scenario()) == (True, False)
