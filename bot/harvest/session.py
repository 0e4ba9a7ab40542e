"""One person's calls to one Harvest account: headers, auth, pacing, retries, error mapping.

The rules, in the order a call meets them:

- every attempt first takes a slot from the account's ``Pacer`` (shared by all its clients);
- a throttled answer (503 with ``Retry-After``, or 429) pauses the whole account and is
  retried for every call: Harvest did not process it;
- an expired bearer token is refreshed before the call, and a 401 refreshes it once;
- connection failures before anything was sent are retried for every call; other
  connection errors, timeouts and 5xx are retried with backoff only for ``idempotent`` calls.
  A write that is not safe to repeat (add an entry, toggle a timer) raises ``Unavailable``
  instead: it may or may not have landed, and only the caller can find out;
- a DELETE retried after such a failure that then finds nothing counts as done.

Nothing logged or raised carries a credential or a query string.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from bot.harvest import documents
from bot.harvest.auth import Auth, OAuthTokens, RefreshedTokens, redact
from bot.harvest.bodies_v1 import refresh_form
from bot.harvest.documents import MEDIA_TYPES, Format
from bot.harvest.errors import (
    AuthError,
    HarvestError,
    Throttled,
    Unavailable,
)
from bot.harvest.pacing import Pacer, Priority
from bot.harvest.responses import error_for, harvest_message, retry_after
from bot.harvest.scalars import to_float

log = logging.getLogger(__name__)
T = TypeVar("T")


def _package_version() -> str:
    try:
        return version("harvest-bot")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0"


USER_AGENT = f"harvest-bot/{_package_version()} (+https://github.com/harvest-bot)"

#: Used when a 429 (or a 503 that names no time) still looks like a throttle.
DEFAULT_RETRY_AFTER = 15.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try. Waits go through the session's ``sleep``."""

    #: Extra attempts after a connection error or 5xx (idempotent calls only).
    retries: int = 2
    #: Wait before the first such retry; doubled for each next one.
    backoff: float = 0.5
    #: Extra attempts after throttled answers (every call).
    throttle_retries: int = 4
    #: A Retry-After longer than this is not waited out: ``Throttled`` is raised at once.
    max_retry_after: float = 60.0


DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer: its status, decoded body (None if empty) and Location."""

    status: int
    tree: Any
    location: str | None = None
    method: str = ""
    path: str = ""

    def read(self, parse: Callable[[Any], T]) -> T:
        """``parse(tree)``; an unreadable tree raises ``Unavailable`` naming this call."""
        try:
            return parse(self.tree)
        except Unavailable as exc:
            if exc.path is not None:
                raise
            raise Unavailable(
                exc.message, method=self.method, path=self.path, status=self.status
            ) from exc

    def location_id(self) -> int | None:
        """The id at the end of a ``Location: /projects/123``, if any."""
        if not self.location:
            return None
        last = urlsplit(self.location).path.rstrip("/").rsplit("/", 1)[-1]
        return int(last) if last.isdigit() else None


class Session:
    """Sends calls for one set of credentials over an account's shared connection pool."""

    def __init__(
        self,
        http: httpx.Client,
        auth: Auth,
        *,
        fmt: Format,
        pacer: Pacer,
        token_url: str,
        retry: RetryPolicy = DEFAULT_RETRY,
        priority: Priority = "interactive",
        sleep: Callable[[float], None] = time.sleep,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.http = http
        self.auth = auth
        self.fmt: Format = fmt
        self.pacer = pacer
        self.token_url = token_url
        self.retry = retry
        self.priority: Priority = priority
        self._sleep = sleep
        self._utcnow = utcnow

    def call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: bytes | None = None,
        idempotent: bool,
    ) -> Reply:
        """Send one call, with the retries its kind allows.

        :raises HarvestError: the subclass for what went wrong (see ``errors``).
        """
        path = urlsplit(url).path
        failures = throttles = 0
        refreshed = uncertain = False
        while True:
            slot = self.pacer.acquire(self.priority)
            bearer = self._bearer()
            started = time.monotonic()
            try:
                response = self.http.request(
                    method,
                    url,
                    params=params,
                    content=body,
                    headers=self._headers(bearer),
                )
            except httpx.TransportError as exc:
                # Nothing reached the server if the connection never opened: always safe.
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if (idempotent or unsent) and failures < self.retry.retries:
                    uncertain = uncertain or not unsent
                    failures += 1
                    self._backoff(failures, method, path, type(exc).__name__)
                    continue
                raise Unavailable(
                    _transport_message(exc, written=not idempotent and not unsent),
                    method=method,
                    path=path,
                ) from exc
            finally:
                self.pacer.finished(slot)
            status = response.status_code
            log.debug("%s %s -> %s in %.3fs", method, path, status, time.monotonic() - started)

            told = retry_after(response)
            if status == 429 or (status == 503 and told is not None):
                wait = told if told is not None else DEFAULT_RETRY_AFTER
                self.pacer.pause(wait)
                if throttles < self.retry.throttle_retries and wait <= self.retry.max_retry_after:
                    throttles += 1
                    log.info("%s %s throttled; pausing the account %.0fs", method, path, wait)
                    continue
                raise Throttled(
                    self._message(response) or "Harvest is throttling this account",
                    retry_after=wait,
                    method=method,
                    path=path,
                    status=status,
                )
            if status == 401 and not refreshed and self._can_refresh():
                refreshed = True
                self._refresh(stale=bearer)
                continue
            if status >= 500:
                if idempotent and failures < self.retry.retries:
                    failures += 1
                    uncertain = True
                    self._backoff(failures, method, path, str(status))
                    continue
                raise self._error(response, method, path)
            if status == 404 and method == "DELETE" and uncertain:
                # An earlier attempt did delete it.
                return Reply(status=200, tree=None, method=method, path=path)
            if status >= 400:
                raise self._error(response, method, path)
            return Reply(
                status=status,
                tree=self._decode(response, method, path),
                location=response.headers.get("location"),
                method=method,
                path=path,
            )

    # --- pieces ------------------------------------------------------------------------------

    def _headers(self, bearer: str | None) -> dict[str, str]:
        media = MEDIA_TYPES[self.fmt]
        # overview.txt: omitting Content-Type and Accept is the root of most API errors.
        return {
            "Accept": media,
            "Content-Type": media,
            "User-Agent": USER_AGENT,
            "Authorization": bearer or self.auth.header(),
        }

    def _bearer(self) -> str | None:
        """The bearer header for this attempt, refreshing an expiring token first."""
        auth = self.auth
        if not isinstance(auth, OAuthTokens):
            return None
        if auth.can_refresh() and auth.expiring(self._utcnow()):
            self._refresh(stale=auth.header())
        return auth.header()

    def _can_refresh(self) -> bool:
        return isinstance(self.auth, OAuthTokens) and self.auth.can_refresh()

    def _refresh(self, *, stale: str | None) -> None:
        """Trade the refresh token for new tokens, unless another thread already has.

        :raises AuthError: the token endpoint refused. :raises Unavailable:
        """
        auth = self.auth
        assert isinstance(auth, OAuthTokens)
        with auth.lock:
            if stale is not None and auth.header() != stale:
                return  # refreshed meanwhile by a caller that got there first
            assert auth.refresh_token and auth.client_id and auth.client_secret
            url = auth.token_url or self.token_url
            path = urlsplit(url).path
            slot = self.pacer.acquire(self.priority)
            try:
                response = self.http.post(
                    url,
                    data=refresh_form(auth.refresh_token, auth.client_id, auth.client_secret),
                    headers={"Accept": "application/json", "User-Agent": USER_AGENT},
                )
            except httpx.TransportError as exc:
                raise Unavailable(
                    _transport_message(exc, written=False), method="POST", path=path
                ) from exc
            finally:
                self.pacer.finished(slot)
            if response.status_code >= 400:
                error = self._error(response, "POST", path)
                if response.status_code in (400, 401, 403):
                    raise AuthError(
                        f"token refresh refused: {error.message}",
                        method="POST",
                        path=path,
                        status=error.status,
                    )
                raise error
            tree = self._decode(response, "POST", path)
            tokens = token_answer(tree, self._utcnow())
            if tokens is None:
                raise Unavailable(
                    "Harvest's token endpoint answered without tokens",
                    method="POST",
                    path=path,
                    status=response.status_code,
                )
            auth.replace(tokens)
            log.info("refreshed the OAuth token for client %s", auth.client_id)
            if auth.on_refresh is not None:
                auth.on_refresh(tokens)

    def _backoff(self, failures: int, method: str, path: str, why: str) -> None:
        wait = self.retry.backoff * 2 ** (failures - 1)
        log.info("%s %s failed (%s); retry %d in %.1fs", method, path, why, failures, wait)
        self._sleep(wait)

    def _decode(self, response: httpx.Response, method: str, path: str) -> Any:
        body = response.content
        fmt = documents.looks_like(body, response.headers.get("content-type")) or self.fmt
        try:
            return documents.decode(body, fmt)
        except Unavailable as exc:
            raise Unavailable(
                self._redact(exc.message),
                method=method,
                path=path,
                status=response.status_code,
            ) from exc

    def _message(self, response: httpx.Response) -> str:
        return self._redact(harvest_message(response))

    def _redact(self, text: str) -> str:
        return redact(text, self.auth.secrets())

    def _error(self, response: httpx.Response, method: str, path: str) -> HarvestError:
        return error_for(response, method, path, message=self._message(response))


def token_answer(tree: Any, now: datetime) -> RefreshedTokens | None:
    """An OAuth token endpoint's answer (v1's and Harvest ID's alike), or None without an
    access token; an unreadable ``expires_in`` is taken as no expiry."""
    if not isinstance(tree, dict) or not isinstance(tree.get("access_token"), str):
        return None
    refresh = tree.get("refresh_token")
    try:
        expires_in = to_float(tree["expires_in"]) if tree.get("expires_in") is not None else None
    except (TypeError, ValueError):
        expires_in = None
    return RefreshedTokens(
        access_token=tree["access_token"],
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_at=None if expires_in is None else now + timedelta(seconds=expires_in),
    )


def _transport_message(exc: httpx.TransportError, *, written: bool) -> str:
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "could not be reached"
    text = f"Harvest {kind} ({type(exc).__name__})"
    if written:
        text += "; the change may or may not have been saved"
    return text
