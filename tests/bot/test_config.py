import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.config import (
    DEFAULT_APP_YAML,
    ENVIRONMENT_VARIABLES,
    ConfigError,
    Settings,
    load_settings,
    manifest_for_slack,
    require_for_serve,
)
from bot.secrets import Secret

SECRETS = {
    "SLACK_SIGNING_SECRET": "sign-me-secret",
    "SLACK_BOT_TOKEN": "xoxb-very-secret",
    "SLACK_APP_TOKEN": "xapp-very-secret",
    "SLACK_CLIENT_SECRET": "slack-client-secret",
    "HARVEST_CLIENT_SECRET": "harvest-client-secret",
}


def with_bot_section(tmp_path: Path, bot: dict) -> Path:
    """A copy of the real app.yaml with its bot: section replaced."""
    document = yaml.safe_load(DEFAULT_APP_YAML.read_text())
    document["bot"] = bot
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_the_repository_app_yaml_loads_with_an_empty_environment() -> None:
    settings = load_settings(env={})
    assert settings.harvest.wire == "v1"
    assert settings.slack.api_url == "https://slack.com/api/"
    assert not settings.slack.bot_token and not settings.slack.multi_workspace
    assert (settings.http.host, settings.http.port) == ("127.0.0.1", 3000)
    assert settings.scheduler.coop_poll_interval == timedelta(seconds=60)
    assert settings.scheduler.digest_grace == timedelta(hours=1)
    assert settings.database_path == Path(".harvest-bot/harvest-bot.sqlite")
    assert settings.secret_key_path == Path(".harvest-bot/secret.key")
    assert settings.demo.users[0].email == "sybil@fawltytowers.example"
    assert "commands" in settings.bot_scopes


def test_the_environment_wins(tmp_path: Path) -> None:
    env = {
        **SECRETS,
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_API_URL": "http://127.0.0.1:9999/api/",
        "HARVEST_WIRE": "v2",
        "HARVEST_BASE_URL": "https://acme.harvestapp.com",
        "HARVEST_CLIENT_ID": "hv-client",
        "HARVEST_REDIRECT_URL": "https://bot.example.com/harvest/oauth",
        "HARVEST_BOT_DATABASE": str(tmp_path / "db.sqlite"),
        "HARVEST_BOT_PORT": "8080",
        "HARVEST_BOT_COOP_POLL_SECONDS": "30",
        "HARVEST_BOT_PUBLIC_URL": "https://bot.example.com",
    }
    settings = load_settings(env=env)
    assert settings.slack.bot_token == Secret("xoxb-very-secret")
    assert settings.slack.api_url == "http://127.0.0.1:9999/api/"
    assert (settings.harvest.wire, settings.harvest.oauth_enabled) == ("v2", True)
    assert settings.http.port == 8080
    assert settings.scheduler.coop_poll_interval == timedelta(seconds=30)
    assert settings.database_path == tmp_path / "db.sqlite"


def test_no_secret_shows_in_the_settings_repr() -> None:
    settings = load_settings(env=SECRETS)
    shown = repr(settings) + str(settings)
    for value in SECRETS.values():
        assert value not in shown


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = with_bot_section(
        tmp_path,
        {
            "slack": {"bot_token": "xoxb-committed-by-mistake", "colour": "red"},
            "http": {"port": "eighty"},
            "harvest": {"wire": "v3", "base_url": "acme.harvestapp.com"},
            "scheduler": {"coop_poll_seconds": 1},
            "nonsense": {},
        },
    )
    env = {
        "HARVEST_BOT_PORT": "99999",
        "HARVEST_CLIENT_ID": "hv",
        "SLACK_CLIENT_ID": "1.2",
    }
    with pytest.raises(ConfigError) as raised:
        load_settings(path, env)
    problems = "\n".join(raised.value.problems)
    for expected in [
        "bot.slack.bot_token: secrets do not belong in app.yaml; set SLACK_BOT_TOKEN",
        "bot.slack.colour: unknown setting",
        "bot.nonsense: unknown section",
        "HARVEST_BOT_PORT: 99999 is not between 0 and 65535",
        "bot.harvest.wire: 'v3' is not one of v1, v2",
        "bot.harvest.base_url: 'acme.harvestapp.com' is not an http(s) URL",
        "bot.scheduler.coop_poll_seconds: 1 is not between 5",
        "HARVEST_CLIENT_SECRET is needed when HARVEST_CLIENT_ID is set",
        "HARVEST_REDIRECT_URL is needed when HARVEST_CLIENT_ID is set",
        "SLACK_CLIENT_SECRET is needed when SLACK_CLIENT_ID is set",
    ]:
        assert expected in problems
    assert "xoxb-committed-by-mistake" not in str(raised.value)


def test_a_broken_file_is_a_config_error(tmp_path: Path) -> None:
    broken = tmp_path / "app.yaml"
    broken.write_text("bot: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(broken, {})
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings(tmp_path / "missing.yaml", {})


def test_the_config_path_can_come_from_the_environment(tmp_path: Path) -> None:
    path = with_bot_section(tmp_path, {"http": {"port": 4000}})
    assert load_settings(env={"HARVEST_BOT_CONFIG": str(path)}).http.port == 4000


def test_serving_over_http_with_one_workspace_needs_a_signing_secret_and_bot_token() -> (
    None
):
    with pytest.raises(ConfigError) as raised:
        require_for_serve(load_settings(env={}), socket_mode=False)
    assert any("SLACK_SIGNING_SECRET" in p for p in raised.value.problems)
    assert any("SLACK_BOT_TOKEN" in p for p in raised.value.problems)
    require_for_serve(load_settings(env=SECRETS), socket_mode=False)


def test_socket_mode_needs_an_app_token_of_the_right_kind() -> None:
    env = {**SECRETS, "SLACK_APP_TOKEN": "xoxb-wrong-kind"}
    with pytest.raises(ConfigError, match="starts with xapp-") as raised:
        require_for_serve(load_settings(env=env), socket_mode=True)
    assert "xoxb-wrong-kind" not in str(raised.value)
    require_for_serve(load_settings(env=SECRETS), socket_mode=True)


def test_oauth_install_needs_the_public_url() -> None:
    env = {
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "c",
    }
    assert load_settings(env=env).slack.multi_workspace
    with pytest.raises(ConfigError, match="HARVEST_BOT_PUBLIC_URL"):
        require_for_serve(load_settings(env=env), socket_mode=False)
    require_for_serve(
        load_settings(env={**env, "HARVEST_BOT_PUBLIC_URL": "https://bot.example.com"}),
        socket_mode=False,
    )


def test_every_environment_variable_is_named_in_app_yaml() -> None:
    text = DEFAULT_APP_YAML.read_text()
    for name in ENVIRONMENT_VARIABLES:
        assert name in text, name


# -- the manifest ---------------------------------------------------------------------------


def public(url: str = "https://bot.example.com/") -> Settings:
    return load_settings(env={"HARVEST_BOT_PUBLIC_URL": url})


def test_the_manifest_points_every_url_at_the_public_url() -> None:
    manifest = manifest_for_slack(public())
    text = json.dumps(manifest)
    assert "${" not in text
    urls = re.findall(r"https?://[^\"]+", text)
    assert urls and all(u.startswith("https://bot.example.com/slack/") for u in urls)
    assert manifest["oauth_config"]["redirect_urls"] == [
        "https://bot.example.com/slack/oauth_redirect"
    ]


def test_the_manifest_needs_a_public_url_unless_socket_mode() -> None:
    with pytest.raises(ConfigError, match="HARVEST_BOT_PUBLIC_URL"):
        manifest_for_slack(load_settings(env={}))
    settings = load_settings(env={})
    manifest = manifest_for_slack(settings, socket_mode=True)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert (
        settings.manifest["settings"]["socket_mode_enabled"] is False
    )  # a copy was changed
    assert "http" not in json.dumps(
        {k: v for k, v in manifest.items() if k != "display_information"}
    )


def test_the_manifest_declares_what_the_app_handles() -> None:
    manifest = manifest_for_slack(public())
    features, settings = manifest["features"], manifest["settings"]
    assert features["app_home"]["home_tab_enabled"] is True
    (command,) = features["slash_commands"]
    assert command["command"] == "/harvest" and command["should_escape"] is True
    assert {(s["type"], s["callback_id"]) for s in features["shortcuts"]} == {
        ("global", "log_time"),
        ("message", "log_time_from_message"),
        ("message", "post_to_coop"),
    }
    assert {
        "commands",
        "chat:write",
        "chat:write.public",
        "users:read",
        "users:read.email",
        "im:write",
        "files:write",
        "channels:read",
    } <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["message_menu_options_url"]
    assert (
        settings["socket_mode_enabled"],
        settings["token_rotation_enabled"],
        settings["org_deploy_enabled"],
    ) == (False, False, False)


# The limits of Slack's manifest schema (v1) for the parts this manifest uses.
LIMITS = {
    ("display_information", "name"): (1, 35),
    ("display_information", "description"): (1, 140),
    ("display_information", "long_description"): (175, 4000),
    ("features", "bot_user", "display_name"): (1, 80),
}
ALLOWED_KEYS = {
    (): {"_metadata", "display_information", "features", "oauth_config", "settings"},
    ("display_information",): {
        "name",
        "description",
        "long_description",
        "background_color",
    },
    ("features",): {
        "app_home",
        "bot_user",
        "shortcuts",
        "slash_commands",
        "unfurl_domains",
    },
    ("oauth_config",): {"redirect_urls", "scopes", "token_management_enabled"},
    ("settings",): {
        "allowed_ip_address_ranges",
        "event_subscriptions",
        "incoming_webhooks",
        "interactivity",
        "org_deploy_enabled",
        "socket_mode_enabled",
        "token_rotation_enabled",
    },
    ("settings", "interactivity"): {
        "is_enabled",
        "request_url",
        "message_menu_options_url",
    },
}


def test_the_manifest_fits_slack_schema_limits() -> None:
    manifest = manifest_for_slack(public())
    for path, allowed in ALLOWED_KEYS.items():
        node = manifest
        for part in path:
            node = node[part]
        assert set(node) <= allowed, path
    for path, (low, high) in LIMITS.items():
        node = manifest
        for part in path:
            node = node[part]
        assert low <= len(node) <= high, path
    assert re.fullmatch(
        r"#[0-9a-fA-F]{6}", manifest["display_information"]["background_color"]
    )
    for shortcut in manifest["features"]["shortcuts"]:
        assert set(shortcut) == {"name", "type", "callback_id", "description"}
        assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 150
    for command in manifest["features"]["slash_commands"]:
        assert set(command) <= {
            "command",
            "url",
            "description",
            "usage_hint",
            "should_escape",
        }
        assert 2 <= len(command["command"]) <= 32
        assert len(command["usage_hint"]) <= 1000
