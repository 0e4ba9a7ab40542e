"""Linking Slack people to Harvest, and the Harvest session each linked person works through.

A link is made only after Harvest accepted the credentials (``who_am_i``); they are stored
sealed by :class:`~bot.secrets.SecretBox` through :class:`storage.users.LinkedAccounts`. OAuth
tokens that the client refreshes are sealed and written back at once, since the old refresh
token stops working. Nothing here ever puts a password or token in a message or exception.

::

    AccountError
    ├── NotLinked          the person has not connected Harvest
    ├── NotAdmin           acting for someone needs a Harvest administrator
    ├── UnknownPerson      no Harvest person has the Slack person's email
    └── OAuthFailed        the "Sign in with Harvest" round trip did not complete
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
import sqlite_utils

from bot.config import HarvestSettings
from bot.harvest.auth import Auth, BasicAuth, OAuthTokens, RefreshedTokens
from bot.harvest.client_v1 import HarvestV1Account, HarvestV1Client
from bot.harvest.errors import AuthError
from bot.harvest.models import Identity
from bot.secrets import SecretBox
from storage.errors import NotFoundError
from storage.installations import OAuthStates
from storage.users import LinkedAccount, LinkedAccounts

HARVEST_STATE_NAMESPACE = "harvest"


class AccountError(Exception):
    """Something about the person's Harvest link is not right."""


class NotLinked(AccountError):
    """You have not connected your Harvest account yet."""


class NotAdmin(AccountError):
    """Only Harvest administrators can act for someone else."""


class UnknownPerson(AccountError):
    """No Harvest person has that Slack person's email."""


class OAuthFailed(AccountError):
    """Signing in with Harvest did not complete."""


ClientFactory = Callable[[str, Auth], HarvestV1Client]


class HarvestClients:
    """One connection pool per Harvest account, one client per person over it.

    :param client_options: passed to every client (tests shorten the retry policy here).
    """

    def __init__(self, coop_url: str | None = None, **client_options: Any) -> None:
        self._coop_url = coop_url or None
        self._options = client_options
        self._accounts: dict[str, HarvestV1Account] = {}
        self._lock = threading.Lock()

    def __call__(self, base_url: str, auth: Auth) -> HarvestV1Client:
        key = base_url.rstrip("/")
        with self._lock:
            account = self._accounts.get(key)
            if account is None:
                account = self._accounts[key] = HarvestV1Account(
                    key, coop_url=self._coop_url, **self._options
                )
        return account.client(auth)

    def close(self) -> None:
        with self._lock:
            for account in self._accounts.values():
                account.close()
            self._accounts.clear()


@dataclass(frozen=True)
class Acting:
    """Whose timesheet a request works on, through which client, and what day it is for them."""

    account: LinkedAccount
    api: HarvestV1Client
    of_user: int | None
    zone: ZoneInfo
    today: date
    #: The person acted for, when not the linked person themself.
    for_name: str | None = None

    @property
    def harvest_user_id(self) -> int:
        return self.of_user if self.of_user is not None else self.account.harvest_user_id


def zone_named(name: str | None) -> ZoneInfo:
    """The IANA zone, or UTC when Slack gave none or one this machine does not know."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class Accounts:
    """Link, unlink, and reach Harvest as a linked Slack person."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        box: SecretBox,
        harvest: HarvestSettings,
        *,
        clients: ClientFactory,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        token_http: httpx.Client | None = None,
    ) -> None:
        self._links = LinkedAccounts(db)
        self._states = OAuthStates(db, namespace=HARVEST_STATE_NAMESPACE)
        self._box = box
        self._harvest = harvest
        self._clients = clients
        self._clock = clock
        self._token_http = token_http or httpx.Client(timeout=10.0)
        self._sessions: dict[tuple[str, str], HarvestV1Client] = {}
        self._lock = threading.Lock()

    # -- linking ------------------------------------------------------------------------------

    def get(self, team_id: str, user_id: str) -> LinkedAccount | None:
        """The person's link, or None."""
        return self._links.get(team_id, user_id)

    def link_basic(
        self,
        team_id: str,
        user_id: str,
        base_url: str,
        email: str,
        password: str,
        *,
        timezone: str = "UTC",
    ) -> LinkedAccount:
        """Verify email and password with Harvest, then store them sealed.

        :raises AuthError: Harvest refused them (nothing is stored).
        :raises HarvestError: Harvest could not be asked (nothing is stored).
        """
        base_url = normalize_account_url(base_url)
        auth = BasicAuth(email.strip(), password)
        identity = self._clients(base_url, auth).who_am_i()
        sealed = self._box.encrypt({"kind": "basic", "email": auth.email, "password": password})
        return self._store(team_id, user_id, base_url, "basic", identity, timezone, sealed)

    def unlink(self, team_id: str, user_id: str) -> bool:
        """Forget the person's link and its credentials; whether there was one."""
        with self._lock:
            self._sessions.pop((team_id, user_id), None)
        return self._links.unlink(team_id, user_id)

    def unlink_team(self, team_id: str) -> int:
        """Forget every link of a workspace (the app was uninstalled); how many."""
        links = self._links.all(team_id)
        for link in links:
            self.unlink(link.team_id, link.user_id)
        return len(links)

    def _store(
        self,
        team_id: str,
        user_id: str,
        base_url: str,
        kind: str,
        identity: Identity,
        timezone: str,
        sealed: bytes,
    ) -> LinkedAccount:
        account = LinkedAccount(
            team_id=team_id,
            user_id=user_id,
            wire="v1",
            base_url=base_url,
            auth_kind=kind,  # type: ignore[arg-type]
            harvest_user_id=identity.user.id,
            email=identity.user.email,
            timezone=timezone or "UTC",
            is_admin=identity.user.is_admin,
            linked_at=self._clock(),
            credentials=sealed,
        )
        with self._lock:
            self._sessions.pop((team_id, user_id), None)
        self._links.link(account)
        return account

    # -- OAuth ("Sign in with Harvest") ------------------------------------------------------

    @property
    def oauth_enabled(self) -> bool:
        return self._harvest.oauth_enabled and bool(self._harvest.base_url)

    def oauth_start_url(self, team_id: str, user_id: str, *, timezone: str = "UTC") -> str:
        """Where to send the person to sign in; the state remembers who they are."""
        state = self._states.issue(team_id=team_id, user_id=user_id, timezone=timezone)
        query = urlencode(
            {
                "client_id": self._harvest.client_id,
                "redirect_uri": self._harvest.redirect_url,
                "state": state,
                "response_type": "code",
            }
        )
        return f"{self._harvest.base_url.rstrip('/')}/oauth2/authorize?{query}"

    def oauth_finish(self, code: str, state: str) -> LinkedAccount:
        """Exchange the code for tokens, check them with ``who_am_i`` and store them sealed.

        :raises OAuthFailed: unknown or expired state, or Harvest refused the code.
        :raises HarvestError: Harvest could not be asked.
        """
        who = self._states.consume_data(state)
        if not who:
            raise OAuthFailed("That sign-in link has expired. Run `/harvest connect` again.")
        base_url = self._harvest.base_url.rstrip("/")
        try:
            reply = self._token_http.post(
                f"{base_url}/oauth2/token",
                data={
                    "code": code,
                    "client_id": self._harvest.client_id,
                    "client_secret": self._harvest.client_secret.reveal(),
                    "redirect_uri": self._harvest.redirect_url,
                    "grant_type": "authorization_code",
                },
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError:
            raise OAuthFailed("Harvest could not be reached to finish signing in.") from None
        if reply.status_code != 200:
            raise OAuthFailed("Harvest did not accept the sign-in. Please try again.")
        body = reply.json()
        tokens = self._tokens(body["access_token"], body.get("refresh_token"),
                              _expiry(self._clock(), body.get("expires_in")))
        identity = self._clients(base_url, tokens).who_am_i()
        return self._store(
            str(who["team_id"]), str(who["user_id"]), base_url, "oauth", identity,
            str(who.get("timezone") or "UTC"), self._seal_tokens(tokens),
        )

    def _tokens(
        self,
        access: str,
        refresh: str | None,
        expires_at: datetime | None,
        on_refresh: Callable[[RefreshedTokens], None] | None = None,
    ) -> OAuthTokens:
        base_url = self._harvest.base_url.rstrip("/")
        return OAuthTokens(
            access,
            refresh,
            expires_at,
            client_id=self._harvest.client_id or None,
            client_secret=self._harvest.client_secret.reveal() or None,
            token_url=f"{base_url}/oauth2/token",
            on_refresh=on_refresh,
        )

    def _seal_tokens(self, tokens: OAuthTokens) -> bytes:
        return self._box.encrypt(
            {
                "kind": "oauth",
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "expires_at": tokens.expires_at.isoformat() if tokens.expires_at else None,
            }
        )

    # -- sessions -----------------------------------------------------------------------------

    def session_for(self, team_id: str, user_id: str) -> HarvestV1Client:
        """The person's Harvest client (``HarvestApi`` and ``CoopApi``), made once and kept.

        :raises NotLinked: the person has not connected Harvest.
        """
        key = (team_id, user_id)
        with self._lock:
            client = self._sessions.get(key)
        if client is not None:
            return client
        account = self._require(team_id, user_id)
        client = self._clients(account.base_url, self._auth(account))
        with self._lock:
            return self._sessions.setdefault(key, client)

    def acting(
        self,
        team_id: str,
        user_id: str,
        *,
        for_email: str | None = None,
        timezone: str | None = None,
    ) -> Acting:
        """Who a request works for: the person, or (administrators) the person with ``for_email``.

        ``timezone`` is the person's Slack time zone when known; else the one stored at link.

        :raises NotLinked: the person has not connected Harvest.
        :raises NotAdmin: ``for_email`` given but the person is not a Harvest administrator.
        :raises UnknownPerson: no Harvest person has ``for_email``.
        """
        account = self._require(team_id, user_id)
        api = self.session_for(team_id, user_id)
        zone = zone_named(timezone or account.timezone)
        today = self._clock().astimezone(zone).date()
        if for_email is None:
            return Acting(account, api, None, zone, today)
        if not account.is_admin:
            raise NotAdmin(NotAdmin.__doc__)
        wanted = for_email.strip().lower()
        for person in api.people():
            if person.email.lower() == wanted:
                of_user = None if person.id == account.harvest_user_id else person.id
                return Acting(account, api, of_user, zone, today, person.name)
        raise UnknownPerson(UnknownPerson.__doc__)

    def _require(self, team_id: str, user_id: str) -> LinkedAccount:
        account = self._links.get(team_id, user_id)
        if account is None:
            raise NotLinked(NotLinked.__doc__)
        return account

    def _auth(self, account: LinkedAccount) -> Auth:
        data = self._box.decrypt(account.credentials)
        if data.get("kind") == "basic":
            return BasicAuth(str(data["email"]), str(data["password"]))
        expires = data.get("expires_at")

        def write_back(new: RefreshedTokens) -> None:
            # The old refresh token may be dead already: store the new pair before anything else.
            holder = self._tokens(new.access_token, new.refresh_token or refresh, new.expires_at)
            try:
                self._links.update_credentials(
                    account.team_id, account.user_id, self._seal_tokens(holder)
                )
            except NotFoundError:
                pass  # they disconnected meanwhile; nothing to keep

        refresh = data.get("refresh_token")
        return self._tokens(
            str(data["access_token"]),
            refresh,
            datetime.fromisoformat(expires) if expires else None,
            on_refresh=write_back,
        )

    def close(self) -> None:
        self._token_http.close()


def normalize_account_url(text: str) -> str:
    """``acme`` or ``acme.harvestapp.com`` or a full URL, as the account's base URL."""
    text = text.strip().rstrip("/")
    if "://" not in text:
        text = f"https://{text}" if "." in text else f"https://{text}.harvestapp.com"
    return text


def _expiry(now: datetime, expires_in: Any) -> datetime | None:
    try:
        return now + timedelta(seconds=float(expires_in))
    except (TypeError, ValueError):
        return None


__all__ = [
    "AccountError",
    "Accounts",
    "Acting",
    "AuthError",
    "HarvestClients",
    "NotAdmin",
    "NotLinked",
    "OAuthFailed",
    "UnknownPerson",
    "normalize_account_url",
    "zone_named",
]
