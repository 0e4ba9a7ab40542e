"""The bot's settings: ``app.yaml`` (manifest and ``bot:`` section) overridden by the environment.

:func:`load_settings` reads both and reports every problem at once in one :class:`ConfigError`,
so a deployment is fixed in one go. Secrets (signing secret, tokens, client secrets) are read
from the environment only and held as :class:`~bot.secrets.Secret`; one found in ``app.yaml`` is
an error, since that file is committed. Nothing here requires Slack or Harvest settings: a
missing token is only a problem for ``serve``, which asks :func:`require_for_serve`.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import yaml  # type: ignore[import-untyped]

from bot.secrets import Secret

DEFAULT_APP_YAML = Path(__file__).resolve().parent.parent / "app.yaml"
CONFIG_ENV = "HARVEST_BOT_CONFIG"
PUBLIC_URL_PLACEHOLDER = "${PUBLIC_URL}"


class ConfigError(Exception):
    """The settings are incomplete or wrong; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            "Configuration problems:\n" + "\n".join(f"- {p}" for p in problems)
        )


@dataclass(frozen=True)
class SlackSettings:
    signing_secret: Secret
    bot_token: Secret
    app_token: Secret
    client_id: str
    client_secret: Secret
    api_url: str

    @property
    def multi_workspace(self) -> bool:
        """Install by OAuth into many workspaces, rather than one workspace's bot token."""
        return not self.bot_token and bool(self.client_id)


@dataclass(frozen=True)
class HarvestSettings:
    wire: Literal["v1", "v2"]
    base_url: str
    coop_url: str
    client_id: str
    client_secret: Secret
    redirect_url: str
    #: Harvest ID (v2 sign-in, tokens, account discovery) and API v2's base.
    id_url: str = "https://id.getharvest.com"
    api_v2_url: str = "https://api.harvestapp.com/v2"

    @property
    def oauth_enabled(self) -> bool:
        """Whether "Sign in with Harvest" is offered (else only the account/email/password modal)."""
        return bool(self.client_id)


@dataclass(frozen=True)
class HttpSettings:
    host: str
    port: int
    public_url: str


@dataclass(frozen=True)
class SchedulerSettings:
    coop_poll_interval: timedelta
    digest_grace: timedelta


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    name: str
    email: str
    timezone: str


@dataclass(frozen=True)
class DemoSettings:
    team_id: str
    team_name: str
    users: tuple[DemoUser, ...]


@dataclass(frozen=True)
class Settings:
    slack: SlackSettings
    harvest: HarvestSettings
    http: HttpSettings
    scheduler: SchedulerSettings
    demo: DemoSettings
    database_path: Path
    secret_key_path: Path
    manifest: Mapping[str, Any] = field(repr=False)

    @property
    def bot_scopes(self) -> tuple[str, ...]:
        """The bot scopes the manifest asks for, for the OAuth install URL."""
        scopes = self.manifest.get("oauth_config", {}).get("scopes", {}).get("bot", [])
        return tuple(scopes)


# -- reading one value --------------------------------------------------------------------

Parse = Callable[[Any], Any]


class _Invalid(ValueError):
    """A value is unusable; the message says why without repeating a secret."""


def _text(value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _Invalid("must be text")
    return str(value).strip()


def _secret(value: Any) -> Secret:
    return Secret(_text(value))


def _url(value: Any) -> str:
    text = _text(value)
    if text and (
        urlsplit(text).scheme not in ("http", "https") or not urlsplit(text).netloc
    ):
        raise _Invalid(f"{text!r} is not an http(s) URL")
    return text


def _choice(*allowed: str) -> Parse:
    def parse(value: Any) -> str:
        text = _text(value)
        if text not in allowed:
            raise _Invalid(f"{text!r} is not one of {', '.join(allowed)}")
        return text

    return parse


def _int(low: int, high: int) -> Parse:
    def parse(value: Any) -> int:
        try:
            number = int(_text(value))
        except ValueError:
            raise _Invalid(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise _Invalid(f"{number} is not between {low} and {high}")
        return number

    return parse


def _seconds(low: int) -> Parse:
    def parse(value: Any) -> timedelta:
        return timedelta(seconds=_int(low, 7 * 24 * 3600)(value))

    return parse


def _path(value: Any) -> Path:
    text = _text(value)
    if not text:
        raise _Invalid("must not be empty")
    return Path(text).expanduser()


@dataclass(frozen=True)
class _Field:
    """One setting: where it lives in ``bot:``, its environment variable, how to read it."""

    key: str
    env: str
    parse: Parse
    default: Any
    secret: bool = False


_FIELDS = (
    _Field("slack.signing_secret", "SLACK_SIGNING_SECRET", _secret, "", secret=True),
    _Field("slack.bot_token", "SLACK_BOT_TOKEN", _secret, "", secret=True),
    _Field("slack.app_token", "SLACK_APP_TOKEN", _secret, "", secret=True),
    _Field("slack.client_id", "SLACK_CLIENT_ID", _text, ""),
    _Field("slack.client_secret", "SLACK_CLIENT_SECRET", _secret, "", secret=True),
    _Field("slack.api_url", "SLACK_API_URL", _url, "https://slack.com/api/"),
    _Field("harvest.wire", "HARVEST_WIRE", _choice("v1", "v2"), "v1"),
    _Field("harvest.base_url", "HARVEST_BASE_URL", _url, ""),
    _Field("harvest.coop_url", "HARVEST_COOP_URL", _url, ""),
    _Field("harvest.client_id", "HARVEST_CLIENT_ID", _text, ""),
    _Field("harvest.client_secret", "HARVEST_CLIENT_SECRET", _secret, "", secret=True),
    _Field("harvest.redirect_url", "HARVEST_REDIRECT_URL", _url, ""),
    _Field("harvest.id_url", "HARVEST_ID_URL", _url, "https://id.getharvest.com"),
    _Field("harvest.api_v2_url", "HARVEST_API_V2_URL", _url, "https://api.harvestapp.com/v2"),
    _Field(
        "storage.database",
        "HARVEST_BOT_DATABASE",
        _path,
        ".harvest-bot/harvest-bot.sqlite",
    ),
    _Field(
        "storage.secret_key_file",
        "HARVEST_BOT_SECRET_KEY_FILE",
        _path,
        ".harvest-bot/secret.key",
    ),
    _Field("http.host", "HARVEST_BOT_HOST", _text, "127.0.0.1"),
    _Field("http.port", "HARVEST_BOT_PORT", _int(0, 65535), 3000),
    _Field("http.public_url", "HARVEST_BOT_PUBLIC_URL", _url, ""),
    _Field(
        "scheduler.coop_poll_seconds", "HARVEST_BOT_COOP_POLL_SECONDS", _seconds(5), 60
    ),
    _Field(
        "scheduler.digest_grace_seconds",
        "HARVEST_BOT_DIGEST_GRACE_SECONDS",
        _seconds(0),
        3600,
    ),
)
_SECTIONS = {"slack", "harvest", "storage", "http", "scheduler", "demo"}
ENVIRONMENT_VARIABLES = tuple(f.env for f in _FIELDS)


def _lookup(section: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    node: Any = section
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _unknown_keys(bot: Mapping[str, Any]) -> list[str]:
    known = {f.key for f in _FIELDS}
    problems = [
        f"app.yaml bot.{name}: unknown section" for name in bot if name not in _SECTIONS
    ]
    for name in _SECTIONS - {"demo"}:
        section = bot.get(name) or {}
        if not isinstance(section, Mapping):
            problems.append(f"app.yaml bot.{name}: must be a mapping")
            continue
        problems += [
            f"app.yaml bot.{name}.{key}: unknown setting"
            for key in section
            if f"{name}.{key}" not in known
        ]
    return problems


def _demo(raw: Any, problems: list[str]) -> DemoSettings:
    raw = raw or {}
    try:
        users = tuple(
            DemoUser(
                user_id=_text(user["user_id"]),
                name=_text(user["name"]),
                email=_text(user["email"]),
                timezone=_text(user["timezone"]),
            )
            for user in raw.get("users", [])
        )
        return DemoSettings(
            team_id=_text(raw.get("team_id", "T0DEMO")),
            team_name=_text(raw.get("team_name", "Demo")),
            users=users,
        )
    except (KeyError, TypeError, AttributeError, _Invalid) as error:
        problems.append(
            f"app.yaml bot.demo: {error} (each user needs user_id, name, email, timezone)"
        )
        return DemoSettings("T0DEMO", "Demo", ())


def _read_yaml(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        problems.append(f"{path}: cannot be read ({error.strerror})")
        return {}
    except yaml.YAMLError as error:
        problems.append(f"{path}: is not valid YAML ({error})")
        return {}
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        problems.append(f"{path}: must be a mapping with `manifest:` and `bot:`")
        return {}
    return loaded


def load_settings(
    path: Path | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Settings from ``path`` (default: ``$HARVEST_BOT_CONFIG`` or the repository's ``app.yaml``)
    and ``env`` (default: ``os.environ``); the environment wins.

    :raises ConfigError: with every problem found, none of them echoing a secret.
    """
    env = os.environ if env is None else env
    path = Path(path or env.get(CONFIG_ENV) or DEFAULT_APP_YAML)
    problems: list[str] = []
    document = _read_yaml(path, problems)
    bot = document.get("bot") or {}
    manifest = document.get("manifest") or {}
    if not isinstance(bot, Mapping):
        problems.append("app.yaml bot: must be a mapping")
        bot = {}
    if not isinstance(manifest, Mapping):
        problems.append("app.yaml manifest: must be a mapping")
        manifest = {}
    problems += _unknown_keys(bot)

    values: dict[str, Any] = {}
    for spec in _FIELDS:
        in_file, raw = _lookup(bot, spec.key)
        if spec.secret and in_file and raw:
            problems.append(
                f"app.yaml bot.{spec.key}: secrets do not belong in app.yaml; set {spec.env}"
            )
        origin, raw = (
            (spec.env, env[spec.env])
            if env.get(spec.env, "").strip()
            else (
                f"app.yaml bot.{spec.key}",
                raw if in_file and not spec.secret else spec.default,
            )
        )
        try:
            values[spec.key] = spec.parse(raw)
        except _Invalid as error:
            reason = "is not valid" if spec.secret else str(error)
            problems.append(f"{origin}: {reason}")
            values[spec.key] = spec.parse(spec.default)

    if values["harvest.client_id"]:
        for key, env_name in (
            ("harvest.client_secret", "HARVEST_CLIENT_SECRET"),
            ("harvest.redirect_url", "HARVEST_REDIRECT_URL"),
        ):
            if not values[key]:
                problems.append(
                    f"{env_name} is needed when HARVEST_CLIENT_ID is set (Harvest OAuth)"
                )
    if values["slack.client_id"] and not values["slack.client_secret"]:
        problems.append(
            "SLACK_CLIENT_SECRET is needed when SLACK_CLIENT_ID is set (Slack OAuth)"
        )
    demo = _demo(bot.get("demo"), problems)
    if problems:
        raise ConfigError(problems)

    v = values
    return Settings(
        slack=SlackSettings(
            signing_secret=v["slack.signing_secret"],
            bot_token=v["slack.bot_token"],
            app_token=v["slack.app_token"],
            client_id=v["slack.client_id"],
            client_secret=v["slack.client_secret"],
            api_url=v["slack.api_url"],
        ),
        harvest=HarvestSettings(
            wire=cast(Literal["v1", "v2"], v["harvest.wire"]),
            base_url=v["harvest.base_url"],
            coop_url=v["harvest.coop_url"],
            client_id=v["harvest.client_id"],
            client_secret=v["harvest.client_secret"],
            redirect_url=v["harvest.redirect_url"],
            id_url=v["harvest.id_url"] or "https://id.getharvest.com",
            api_v2_url=v["harvest.api_v2_url"] or "https://api.harvestapp.com/v2",
        ),
        http=HttpSettings(
            host=v["http.host"], port=v["http.port"], public_url=v["http.public_url"]
        ),
        scheduler=SchedulerSettings(
            coop_poll_interval=v["scheduler.coop_poll_seconds"],
            digest_grace=v["scheduler.digest_grace_seconds"],
        ),
        demo=demo,
        database_path=v["storage.database"],
        secret_key_path=v["storage.secret_key_file"],
        manifest=copy.deepcopy(dict(manifest)),
    )


def require_for_serve(settings: Settings, *, socket_mode: bool) -> None:
    """Check that ``serve`` can talk to Slack: one workspace's bot token, or an OAuth app.

    :raises ConfigError: with every missing or malformed setting.
    """
    slack = settings.slack
    problems = []
    if socket_mode:
        if not slack.app_token:
            problems.append("SLACK_APP_TOKEN (xapp-…) is needed for Socket Mode")
        elif not slack.app_token.reveal().startswith("xapp-"):
            problems.append(
                "SLACK_APP_TOKEN must be an app-level token (starts with xapp-)"
            )
    elif not slack.signing_secret:
        problems.append("SLACK_SIGNING_SECRET is needed to verify Slack's requests")
    if slack.bot_token:
        if not slack.bot_token.reveal().startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN must be a bot token (starts with xoxb-)")
    elif not slack.client_id:
        problems.append(
            "Set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
            "(install into many workspaces by OAuth)"
        )
    elif not settings.http.public_url and not socket_mode:
        problems.append(
            "HARVEST_BOT_PUBLIC_URL is needed for the OAuth install redirect"
        )
    if problems:
        raise ConfigError(problems)


def _substitute(node: Any, public_url: str) -> Any:
    if isinstance(node, str):
        return node.replace(PUBLIC_URL_PLACEHOLDER, public_url)
    if isinstance(node, list):
        return [_substitute(item, public_url) for item in node]
    if isinstance(node, dict):
        return {key: _substitute(value, public_url) for key, value in node.items()}
    return node


def _drop_request_urls(manifest: dict[str, Any]) -> None:
    features, settings = manifest.get("features", {}), manifest.get("settings", {})
    for command in features.get("slash_commands", []):
        command.pop("url", None)
    settings.get("event_subscriptions", {}).pop("request_url", None)
    for key in ("request_url", "message_menu_options_url"):
        settings.get("interactivity", {}).pop(key, None)


def manifest_for_slack(
    settings: Settings, *, socket_mode: bool = False
) -> dict[str, Any]:
    """The app manifest as Slack takes it, URLs pointing at ``http.public_url``.

    With ``socket_mode`` the manifest enables Socket Mode and carries no request URLs: Slack
    then delivers over the app's WebSocket.

    :raises ConfigError: URLs are needed (not Socket Mode) but no public URL is set.
    """
    if not socket_mode and not settings.http.public_url:
        raise ConfigError(
            ["HARVEST_BOT_PUBLIC_URL is needed: the manifest's URLs point at it"]
        )
    manifest = _substitute(
        copy.deepcopy(dict(settings.manifest)), settings.http.public_url.rstrip("/")
    )
    if socket_mode:
        manifest.setdefault("settings", {})["socket_mode_enabled"] = True
        _drop_request_urls(manifest)
    return cast(dict[str, Any], manifest)
