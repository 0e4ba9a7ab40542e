"""Harvest ID: which accounts a token reaches, and OAuth 2 sign-in (authorize, code, refresh).

Harvest v2 tokens come from Harvest ID (``https://id.getharvest.com``), not from the account:

- ``authorize_url`` sends the person to sign in; Harvest ID redirects back with ``code``;
- ``exchange_code`` trades it at ``{id}/api/v2/oauth2/token`` for ``OAuthTokens`` that know
  how to refresh themselves there (``session.Session`` refreshes them when they expire or are
  refused, and tells ``on_refresh`` so the new ones get stored);
- ``harvest_id_accounts`` lists the Harvest accounts a token (OAuth or personal) reaches, so
  the bot can pick one, or ask the person which.

None of these go through a pacer: Harvest ID is another service with no documented limits.
Errors are the client's typed errors; what the server echoes is redacted of every secret.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from bot.harvest import documents
from bot.harvest import records as r
from bot.harvest.auth import OAuthTokens, RefreshedTokens, redact
from bot.harvest.bodies_v1 import refresh_form
from bot.harvest.client_v2 import DEFAULT_ID_URL, token_url
from bot.harvest.errors import AuthError, HarvestError, Unavailable
from bot.harvest.models import HarvestAccount
from bot.harvest.responses import error_for, harvest_message
from bot.harvest.session import USER_AGENT, token_answer

DEFAULT_ID_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def authorize_url(
    client_id: str,
    *,
    id_base_url: str = DEFAULT_ID_URL,
    state: str | None = None,
    redirect_uri: str | None = None,
) -> str:
    """Where to send a person to sign in (``response_type=code``).

    ``redirect_uri``, if given, must start with the Redirect URL registered for the client.
    """
    query = {"client_id": client_id, "response_type": "code"}
    if state is not None:
        query["state"] = state
    if redirect_uri is not None:
        query["redirect_uri"] = redirect_uri
    return f"{id_base_url.rstrip('/')}/oauth2/authorize?{urlencode(query)}"


def exchange_code(
    code: str,
    *,
    client_id: str,
    client_secret: str,
    id_base_url: str = DEFAULT_ID_URL,
    on_refresh: Callable[[RefreshedTokens], None] | None = None,
    http: httpx.Client | None = None,
    user_agent: str = USER_AGENT,
    utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> OAuthTokens:
    """Trade an authorization code for tokens that refresh themselves at Harvest ID.

    :raises AuthError: the code (or the client's credentials) were refused.
    :raises Unavailable: Harvest ID down, or an answer without tokens.
    """
    url = token_url(id_base_url)
    form = {
        "code": code,
        "client_id": client_id,
        "client_secret": client_secret,
        "grant_type": "authorization_code",
    }
    tree = _post_form(url, form, (code, client_secret), http, user_agent)
    tokens = _tokens(tree, utcnow(), url)
    return OAuthTokens(
        tokens.access_token,
        tokens.refresh_token,
        tokens.expires_at,
        client_id=client_id,
        client_secret=client_secret,
        token_url=url,
        on_refresh=on_refresh,
    )


def refresh(
    tokens: OAuthTokens,
    *,
    id_base_url: str = DEFAULT_ID_URL,
    http: httpx.Client | None = None,
    user_agent: str = USER_AGENT,
    utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RefreshedTokens:
    """Refresh now (clients do it by themselves when needed): ``tokens`` adopt the new ones
    and their ``on_refresh`` hears of them.

    :raises ValueError: ``tokens`` cannot be refreshed (no refresh token or client secret).
    :raises AuthError: the refresh token was refused. :raises Unavailable:
    """
    if not tokens.can_refresh():
        raise ValueError("these tokens cannot be refreshed")
    assert tokens.refresh_token and tokens.client_id and tokens.client_secret
    url = tokens.token_url or token_url(id_base_url)
    with tokens.lock:
        form = refresh_form(tokens.refresh_token, tokens.client_id, tokens.client_secret)
        tree = _post_form(url, form, tokens.secrets(), http, user_agent)
        fresh = _tokens(tree, utcnow(), url)
        tokens.replace(fresh)
    if tokens.on_refresh is not None:
        tokens.on_refresh(fresh)
    return fresh


def harvest_id_accounts(
    access_token: str,
    id_base_url: str = DEFAULT_ID_URL,
    *,
    http: httpx.Client | None = None,
    user_agent: str = USER_AGENT,
) -> list[HarvestAccount]:
    """The Harvest accounts a token reaches (Forecast accounts left out).

    Sent without ``Harvest-Account-Id``: it is the question, not the context.

    :raises AuthError: the token was refused. :raises Unavailable:
    """
    url = f"{id_base_url.rstrip('/')}/api/v2/accounts"
    headers = {
        "Authorization": f"Bearer {access_token}",
        "User-Agent": user_agent,
        "Accept": "application/json",
    }
    response = _send(http, "GET", url, (access_token,), headers=headers)
    tree = _decode(response, "GET", url, (access_token,))
    return _accounts(tree, url)


# --- pieces ----------------------------------------------------------------------------------


def _send(
    http: httpx.Client | None,
    method: str,
    url: str,
    secrets: tuple[str, ...],
    **kwargs: Any,
) -> httpx.Response:
    path = urlsplit(url).path
    client = http or httpx.Client(timeout=DEFAULT_ID_TIMEOUT, follow_redirects=False)
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        raise Unavailable(
            f"Harvest ID could not be reached ({type(exc).__name__})", method=method, path=path
        ) from exc
    finally:
        if http is None:
            client.close()
    if response.status_code >= 400:
        message = redact(harvest_message(response), secrets)
        error = error_for(response, method, path, message=message)
        if response.status_code in (400, 401, 403) and not isinstance(error, AuthError):
            # The token endpoint says 400 invalid_grant for a bad code or refresh token.
            raise AuthError(
                f"Harvest ID refused: {error.message}",
                method=method,
                path=path,
                status=response.status_code,
            )
        raise error
    return response


def _post_form(
    url: str,
    form: dict[str, str],
    secrets: tuple[str, ...],
    http: httpx.Client | None,
    user_agent: str,
) -> Any:
    headers = {"User-Agent": user_agent, "Accept": "application/json"}
    response = _send(http, "POST", url, secrets, data=form, headers=headers)
    return _decode(response, "POST", url, secrets)


def _decode(response: httpx.Response, method: str, url: str, secrets: tuple[str, ...]) -> Any:
    try:
        return documents.decode(response.content, "json")
    except Unavailable as exc:
        raise Unavailable(
            redact(exc.message, secrets),
            method=method,
            path=urlsplit(url).path,
            status=response.status_code,
        ) from exc


def _tokens(tree: Any, now: datetime, url: str) -> RefreshedTokens:
    tokens = token_answer(tree, now)
    if tokens is None or not tokens.access_token:
        raise Unavailable(
            "Harvest ID's token endpoint answered without tokens",
            method="POST",
            path=urlsplit(url).path,
        )
    return tokens


@r.reader("list of Harvest ID accounts")
def _read_accounts(tree: Any) -> list[HarvestAccount]:
    return [
        HarvestAccount(
            id=r.int_(rec, "id"),
            name=r.text(rec, "name"),
            product=r.text(rec, "product").lower(),
        )
        for rec in r.items(tree, "account", ("accounts",))
    ]


def _accounts(tree: Any, url: str) -> list[HarvestAccount]:
    try:
        found = _read_accounts(tree)
    except HarvestError as exc:
        raise Unavailable(exc.message, method="GET", path=urlsplit(url).path) from exc
    return [account for account in found if account.product == "harvest"]
