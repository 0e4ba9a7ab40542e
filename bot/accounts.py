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
    ├── OAuthFailed        the "Sign in with Harvest" round trip did not complete
    ├── NoHarvestAccount   the Harvest ID credential reaches no Harvest account
    ├── BadAccountId       an account id that is not a number
    └── ChoiceExpired      the account picker was answered too late (or twice)

Two wires: a v1 link (``basic`` or v1 ``oauth``) talks to the account's URL; a v2 link (``pat``
or Harvest ID ``oauth``, see ``bot.linking_v2``) to API v2 with the account id it was linked
to. ``session_for`` hands out the right client (``bot.linking.HarvestClients``); no caller
needs to know which wire a person's account speaks. The "Sign in with Harvest" button goes
through the wire ``harvest.wire`` names: v1's ``/oauth2/authorize`` on the account, or Harvest ID.
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
from bot.harvest import identity_v2
from bot.harvest.auth import Auth, BasicAuth, OAuthTokens, RefreshedTokens
from bot.harvest.auth_v2 import PersonalToken
from bot.harvest.client_v1 import HarvestV1Client
from bot.harvest.client_v2 import HarvestV2Client, token_url
from bot.harvest.errors import AuthError, HarvestError
from bot.harvest.models import HarvestAccount, Identity
from bot.harvest.timezones import iana_zone
from bot.linking import CoopBeside, HarvestClients
from bot.linking_v2 import AccountChoice, PendingLinks, account_id_text
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


class NoHarvestAccount(AccountError):
    """That Harvest sign-in reaches no Harvest account (only Forecast, or none)."""


class BadAccountId(AccountError):
    """A Harvest account id is a number, as Harvest ID's Developers page shows it."""


class ChoiceExpired(AccountError):
    """That account choice has expired. Run `/harvest connect` again."""


ClientFactory = HarvestClients
#: What ``session_for`` gives: ``HarvestApi`` on either wire (and ``CoopApi`` where there is Co-op).
Session = HarvestV1Client | HarvestV2Client | CoopBeside


@dataclass(frozen=True)
class Acting:
    """Whose timesheet a request works on, through which client, and what day it is for them."""

    account: LinkedAccount
    api: Session
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
        self._pending = PendingLinks(db, box)
        self._box = box
        self._harvest = harvest
        self._clients = clients
        self._clock = clock
        self._token_http = token_http or httpx.Client(timeout=10.0)
        self._sessions: dict[tuple[str, str], Session] = {}
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
        timezone: str | None = None,
    ) -> LinkedAccount:
        """Verify email and password with Harvest (v1), then store them sealed.

        ``timezone`` is the person's Slack zone; without one, their Harvest zone is kept.

        :raises AuthError: Harvest refused them (nothing is stored).
        :raises HarvestError: Harvest could not be asked (nothing is stored).
        """
        base_url = normalize_account_url(base_url)
        auth = BasicAuth(email.strip(), password)
        identity = self._clients(base_url, auth).who_am_i()
        sealed = self._box.encrypt({"kind": "basic", "email": auth.email, "password": password})
        return self._store(team_id, user_id, "v1", base_url, "basic", identity, timezone, sealed)

    def link_pat(
        self,
        team_id: str,
        user_id: str,
        token: str,
        account_id: str | None = None,
        *,
        timezone: str | None = None,
    ) -> LinkedAccount | AccountChoice:
        """Verify a Harvest ID personal access token (v2) and store it sealed.

        Without ``account_id`` the token's Harvest accounts are looked up: one is taken; for
        several, an :class:`AccountChoice` comes back and :meth:`choose_account` finishes.

        :raises BadAccountId: ``account_id`` is not a number (nothing is stored).
        :raises AuthError: Harvest refused the token, or it does not reach that account.
        :raises NoHarvestAccount: the token reaches no Harvest account.
        :raises HarvestError: Harvest could not be asked (nothing is stored).
        """
        token = token.strip()
        secret: dict[str, Any] = {"kind": "pat", "token": token}
        if account_id and account_id.strip():
            try:
                chosen = account_id_text(account_id)
            except ValueError:
                raise BadAccountId(BadAccountId.__doc__) from None
            return self._link_v2(team_id, user_id, secret, chosen, timezone)
        found = identity_v2.harvest_id_accounts(token, self._harvest.id_url,
                                                http=self._token_http)
        return self._one_or_choice(team_id, user_id, secret, found, timezone)

    def choose_account(self, team_id: str, user_id: str, key: str,
                       account_id: str) -> LinkedAccount:
        """Finish a link held for an account choice (``link_pat`` or Harvest ID sign-in).

        :raises ChoiceExpired: unknown, used or expired ``key``, or not this person's.
        :raises AuthError: Harvest refused the credential on that account.
        :raises HarvestError: Harvest could not be asked (nothing is stored).
        """
        pending = self._pending.take(key, (team_id, user_id))
        if pending is None:
            raise ChoiceExpired(ChoiceExpired.__doc__)
        try:
            chosen = account_id_text(account_id)
        except ValueError:
            raise BadAccountId(BadAccountId.__doc__) from None
        if int(chosen) not in pending.account_ids:
            raise ChoiceExpired(ChoiceExpired.__doc__)
        return self._link_v2(team_id, user_id, pending.secret, chosen, pending.timezone)

    def _one_or_choice(self, team_id: str, user_id: str, secret: dict[str, Any],
                       found: list[HarvestAccount],
                       timezone: str | None) -> LinkedAccount | AccountChoice:
        if not found:
            raise NoHarvestAccount(NoHarvestAccount.__doc__)
        if len(found) == 1:
            return self._link_v2(team_id, user_id, secret, str(found[0].id), timezone)
        return self._pending.hold(team_id, user_id, timezone, secret, found)

    def _link_v2(self, team_id: str, user_id: str, secret: dict[str, Any], account_id: str,
                 timezone: str | None) -> LinkedAccount:
        secret = {**secret, "account_id": account_id}
        client = self._v2_client(secret, self._harvest.api_v2_url, coop=False)
        identity = client.who_am_i()
        sealed = self._box.encrypt(secret)
        return self._store(team_id, user_id, "v2", self._harvest.api_v2_url.rstrip("/"),
                           str(secret["kind"]), identity, timezone, sealed)

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
        wire: str,
        base_url: str,
        kind: str,
        identity: Identity,
        timezone: str | None,
        sealed: bytes,
    ) -> LinkedAccount:
        person = identity.user
        # Slack's zone when Slack has one; else Harvest's (v2 names it the Rails way).
        zone = (timezone or person.timezone_identifier or iana_zone(person.timezone) or "UTC")
        account = LinkedAccount(
            team_id=team_id,
            user_id=user_id,
            wire=wire,  # type: ignore[arg-type]
            base_url=base_url,
            auth_kind=kind,  # type: ignore[arg-type]
            harvest_user_id=person.id,
            email=person.email,
            timezone=zone,
            is_admin=person.is_admin or person.may_act_for_others,
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
        if self._harvest.wire == "v2":
            return self._harvest.oauth_enabled
        return self._harvest.oauth_enabled and bool(self._harvest.base_url)

    def oauth_start_url(self, team_id: str, user_id: str, *,
                        timezone: str | None = None) -> str:
        """Where to send the person to sign in; the state remembers who they are (and the wire)."""
        wire = self._harvest.wire
        state = self._states.issue(team_id=team_id, user_id=user_id, timezone=timezone,
                                   wire=wire)
        if wire == "v2":
            return identity_v2.authorize_url(
                self._harvest.client_id, id_base_url=self._harvest.id_url, state=state,
                redirect_uri=self._harvest.redirect_url or None)
        query = urlencode(
            {
                "client_id": self._harvest.client_id,
                "redirect_uri": self._harvest.redirect_url,
                "state": state,
                "response_type": "code",
            }
        )
        return f"{self._harvest.base_url.rstrip('/')}/oauth2/authorize?{query}"

    def oauth_finish(self, code: str, state: str) -> LinkedAccount | AccountChoice:
        """Exchange the code for tokens, check them with ``who_am_i`` and store them sealed.

        On v2 the tokens' Harvest accounts are looked up first; several make an
        :class:`AccountChoice` (see :meth:`choose_account`).

        :raises OAuthFailed: unknown or expired state, or Harvest refused the code.
        :raises NoHarvestAccount: a Harvest ID sign-in that reaches no Harvest account.
        :raises HarvestError: Harvest could not be asked.
        """
        who = self._states.consume_data(state)
        if not who:
            raise OAuthFailed("That sign-in link has expired. Run `/harvest connect` again.")
        team_id, user_id = str(who["team_id"]), str(who["user_id"])
        timezone = who.get("timezone") or None
        if who.get("wire") == "v2":
            return self._oauth_finish_v2(code, team_id, user_id, timezone)
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
                              _expiry(self._clock(), body.get("expires_in")),
                              token_url=f"{base_url}/oauth2/token")
        identity = self._clients(base_url, tokens).who_am_i()
        return self._store(team_id, user_id, "v1", base_url, "oauth", identity, timezone,
                           self._seal_tokens(tokens))

    def _oauth_finish_v2(self, code: str, team_id: str, user_id: str,
                         timezone: str | None) -> LinkedAccount | AccountChoice:
        try:
            tokens = identity_v2.exchange_code(
                code, client_id=self._harvest.client_id,
                client_secret=self._harvest.client_secret.reveal(),
                id_base_url=self._harvest.id_url, http=self._token_http, utcnow=self._clock)
        except AuthError:
            raise OAuthFailed("Harvest did not accept the sign-in. Please try again.") from None
        except HarvestError:
            raise OAuthFailed("Harvest could not be reached to finish signing in.") from None
        found = identity_v2.harvest_id_accounts(tokens.access_token, self._harvest.id_url,
                                                http=self._token_http)
        secret = _token_secret(tokens)
        return self._one_or_choice(team_id, user_id, secret, found, timezone)

    def _tokens(
        self,
        access: str,
        refresh: str | None,
        expires_at: datetime | None,
        on_refresh: Callable[[RefreshedTokens], None] | None = None,
        *,
        token_url: str,
    ) -> OAuthTokens:
        return OAuthTokens(
            access,
            refresh,
            expires_at,
            client_id=self._harvest.client_id or None,
            client_secret=self._harvest.client_secret.reveal() or None,
            token_url=token_url,
            on_refresh=on_refresh,
        )

    def _seal_tokens(self, tokens: OAuthTokens, **extra: Any) -> bytes:
        return self._box.encrypt({**_token_secret(tokens), **extra})

    # -- sessions -----------------------------------------------------------------------------

    def session_for(self, team_id: str, user_id: str) -> Session:
        """The person's Harvest client (``HarvestApi``, and ``CoopApi`` where there is Co-op),
        for the wire their account speaks; made once and kept.

        :raises NotLinked: the person has not connected Harvest.
        """
        key = (team_id, user_id)
        with self._lock:
            client = self._sessions.get(key)
        if client is not None:
            return client
        account = self._require(team_id, user_id)
        client = self._client(account)
        with self._lock:
            return self._sessions.setdefault(key, client)

    def _client(self, account: LinkedAccount) -> Session:
        if account.wire == "v2":
            return self._v2_client(self._box.decrypt(account.credentials), account.base_url,
                                   write_back=self._write_back(account))
        return self._clients(account.base_url, self._auth(account))

    def _v2_client(self, secret: dict[str, Any], base_url: str, *, coop: bool = True,
                   write_back: Callable[[RefreshedTokens], None] | None = None,
                   ) -> HarvestV2Client | CoopBeside:
        account_id = str(secret["account_id"])
        auth: OAuthTokens
        if secret.get("kind") == "pat":
            auth = PersonalToken(str(secret["token"]), account_id)
        else:
            expires = secret.get("expires_at")
            auth = self._tokens(
                str(secret["access_token"]), secret.get("refresh_token"),
                datetime.fromisoformat(expires) if expires else None,
                on_refresh=None if write_back is None else _keeping(write_back, secret),
                token_url=token_url(self._harvest.id_url))
        return self._clients.v2(auth, account_id, base_url=base_url,
                                id_base_url=self._harvest.id_url, coop=coop)

    def acting(
        self,
        team_id: str,
        user_id: str,
        *,
        for_email: str | None = None,
        timezone: str | None = None,
    ) -> Acting:
        """Who a request works for: the person, or (administrators) the person with ``for_email``.

        ``timezone`` is the person's Slack time zone when known; else the one stored at link
        (Slack's then, or Harvest's).

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

    def _write_back(self, account: LinkedAccount) -> Callable[[RefreshedTokens], None]:
        """Store refreshed tokens at once: the old refresh token may be dead already."""

        def write_back(new: RefreshedTokens, keep: dict[str, Any] | None = None) -> None:
            secret = {"kind": "oauth", "access_token": new.access_token,
                      "refresh_token": new.refresh_token,
                      "expires_at": new.expires_at.isoformat() if new.expires_at else None,
                      **(keep or {})}
            try:
                self._links.update_credentials(
                    account.team_id, account.user_id, self._box.encrypt(secret))
            except NotFoundError:
                pass  # they disconnected meanwhile; nothing to keep

        return write_back

    def harvest_account_id(self, account: LinkedAccount) -> str | None:
        """v2's ``Harvest-Account-Id`` of the link (one v2 host serves every account); None on
        v1, where the base URL names the account."""
        if account.wire != "v2":
            return None
        found = self._box.decrypt(account.credentials).get("account_id")
        return str(found) if found else None

    def _auth(self, account: LinkedAccount) -> Auth:
        data = self._box.decrypt(account.credentials)
        if data.get("kind") == "basic":
            return BasicAuth(str(data["email"]), str(data["password"]))
        expires = data.get("expires_at")
        return self._tokens(
            str(data["access_token"]),
            data.get("refresh_token"),
            datetime.fromisoformat(expires) if expires else None,
            on_refresh=_keeping(self._write_back(account), data),
            token_url=f"{account.base_url.rstrip('/')}/oauth2/token",
        )

    def close(self) -> None:
        self._token_http.close()


def normalize_account_url(text: str) -> str:
    """``acme`` or ``acme.harvestapp.com`` or a full URL, as the account's base URL."""
    text = text.strip().rstrip("/")
    if "://" not in text:
        text = f"https://{text}" if "." in text else f"https://{text}.harvestapp.com"
    return text


def _token_secret(tokens: OAuthTokens) -> dict[str, Any]:
    return {
        "kind": "oauth",
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_at": tokens.expires_at.isoformat() if tokens.expires_at else None,
    }


def _keeping(write_back: Callable[..., None],
             secret: dict[str, Any]) -> Callable[[RefreshedTokens], None]:
    """``write_back`` for refreshed tokens, keeping the refresh token Harvest did not rotate
    and the account id."""
    previous = {"refresh_token": secret.get("refresh_token")}
    kept = {k: secret[k] for k in ("account_id",) if k in secret}

    def on_refresh(new: RefreshedTokens) -> None:
        refresh = new.refresh_token or previous["refresh_token"]
        previous["refresh_token"] = refresh
        write_back(RefreshedTokens(new.access_token, refresh, new.expires_at), kept)

    return on_refresh


def _expiry(now: datetime, expires_in: Any) -> datetime | None:
    try:
        return now + timedelta(seconds=float(expires_in))
    except (TypeError, ValueError):
        return None


__all__ = [
    "AccountChoice",
    "AccountError",
    "BadAccountId",
    "ChoiceExpired",
    "NoHarvestAccount",
    "Session",
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
