"""Installing the app into many workspaces by OAuth ("Add to Slack"), tokens kept sealed.

Used when the settings have a Slack client id and secret and no single bot token
(:attr:`~bot.config.SlackSettings.multi_workspace`)::

    GET /slack/install          302 to Slack's authorize page, with a single-use state
                                (also set as a cookie: the callback must come to the same browser)
    GET /slack/oauth_redirect   Slack sends the installer back with a code; Bolt trades it at
                                ``oauth.v2.access``, checks the token with ``auth.test`` and
                                saves the installation, sealed, in SQLite

Every request from a workspace is then authorized by its stored bot token. The installation
store is given to the App itself as well as to the OAuth flow, so that Bolt's token rotation
reads and writes the same sealed store. Bolt's Web API calls (the code exchange, ``auth.test``,
token rotation) all go through the app's one client, at ``slack.api_url``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError, Settings
from bot.services import Services
from storage.installations import OAuthStates

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
#: Where the installer's browser goes, relative to the Web API's base URL (slack.com/api/).
AUTHORIZE_PATH = "../oauth/v2/authorize"
STATE_NAMESPACE = "slack"
NOT_INSTALLED_TEXT = ("harvest-bot isn't installed in this workspace (or was removed). "
                      "An admin can add it at {url}")


def authorization_url(api_url: str) -> str:
    """Slack's authorize page beside its Web API: ``https://slack.com/oauth/v2/authorize``
    for ``https://slack.com/api/``, and the local Slack's page for the local Slack."""
    return urljoin(api_url.rstrip("/") + "/", AUTHORIZE_PATH)


def oauth_options(
    settings: Settings,
    services: Services,
    client: AsyncWebClient,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``AsyncApp`` keyword arguments for the OAuth install; none for one workspace's bot token.

    :raises ConfigError: one workspace's bot token, but ``SLACK_CLIENT_ID`` and
        ``SLACK_CLIENT_SECRET`` are in the environment, where Bolt would find them.
    :raises ValueError: multi-workspace settings but the services have no installation store.
    """
    slack = settings.slack
    if not slack.multi_workspace:
        environ = os.environ if environ is None else environ
        if "SLACK_CLIENT_ID" in environ and "SLACK_CLIENT_SECRET" in environ:
            # Bolt reads these itself when given no OAuth settings, then ignores the bot token
            # and keeps installations in clear in a file: refuse rather than let that happen.
            raise ConfigError(["SLACK_BOT_TOKEN (one workspace) and SLACK_CLIENT_ID with "
                               "SLACK_CLIENT_SECRET (OAuth install) are both set: unset one"])
        return {}
    store = services.installations
    if store is None:
        raise ValueError("multi-workspace install needs services.installations")
    public = settings.http.public_url.rstrip("/")
    oauth = AsyncOAuthSettings(
        client_id=slack.client_id,
        client_secret=slack.client_secret.reveal(),
        scopes=list(settings.bot_scopes),
        redirect_uri=f"{public}{REDIRECT_PATH}" if public else None,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        install_page_rendering_enabled=False,
        authorization_url=authorization_url(slack.api_url),
        installation_store=store,
        state_store=OAuthStates(services.db, namespace=STATE_NAMESPACE),
    )
    # Bolt would build this same authorizer; made here to cache auth.test per token, so a
    # request costs no extra Slack round trip before its ack.
    authorize = AsyncInstallationStoreAuthorize(
        client_id=slack.client_id,
        client_secret=slack.client_secret.reveal(),
        installation_store=store,
        client=client,
        cache_enabled=True,
        logger=logging.getLogger("bot.slack"),
    )
    return {
        "oauth_settings": oauth,
        "installation_store": store,
        "authorize": authorize,
        "user_facing_authorize_error_message": NOT_INSTALLED_TEXT.format(
            url=f"{public}{INSTALL_PATH}" if public else "the app's install page"),
    }


async def bot_token(app: AsyncApp, team_id: str) -> dict[str, Any]:
    """``{"token": ...}`` for a Web API call made outside a request (a DM after the Harvest
    callback): the workspace's stored bot token; ``{}`` with one workspace's bot token, which
    the app's client already carries, or for a workspace that is not installed."""
    store = app.installation_store
    if store is None:
        return {}
    bot = await store.async_find_bot(enterprise_id=None, team_id=team_id)
    return {"token": bot.bot_token} if bot is not None and bot.bot_token else {}
