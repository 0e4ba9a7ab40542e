import sqlite_utils

from storage.channels import ChannelSetting, ChannelSettings


def test_set_get_replace_and_delete(db: sqlite_utils.Database) -> None:
    settings = ChannelSettings(db)
    assert settings.get("T1", "C1", "digest") is None
    assert settings.get("T1", "C1", "digest", default={}) == {}
    settings.set("T1", "C1", "digest", {"at": "17:00", "days": [0, 1, 2, 3, 4]})
    assert settings.get("T1", "C1", "digest") == {
        "at": "17:00",
        "days": [0, 1, 2, 3, 4],
    }
    settings.set("T1", "C1", "digest", {"at": "18:00"})
    assert settings.get("T1", "C1", "digest") == {"at": "18:00"}
    assert settings.delete("T1", "C1", "digest") is True
    assert settings.delete("T1", "C1", "digest") is False
    assert settings.get("T1", "C1", "digest") is None


def test_values_keep_their_json_type(db: sqlite_utils.Database) -> None:
    settings = ChannelSettings(db)
    for key, value in {"on": True, "n": 3, "name": "ops", "none": None}.items():
        settings.set("T1", "C1", key, value)
    assert settings.for_channel("T1", "C1") == {
        "n": 3,
        "name": "ops",
        "none": None,
        "on": True,
    }


def test_channels_are_kept_apart_and_found_by_key(db: sqlite_utils.Database) -> None:
    settings = ChannelSettings(db)
    settings.set("T1", "C1", "coop_group", 7)
    settings.set("T1", "C2", "digest", True)
    settings.set("T2", "C1", "coop_group", 9)
    assert settings.for_channel("T1", "C2") == {"digest": True}
    assert settings.with_key("coop_group") == [
        ChannelSetting("T1", "C1", "coop_group", 7),
        ChannelSetting("T2", "C1", "coop_group", 9),
    ]
    assert settings.clear_team("T1") == 2
    assert [s.team_id for s in settings.with_key("coop_group")] == ["T2"]
