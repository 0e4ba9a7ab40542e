"""One person's calls to one Harvest v2 account: ``session.Session`` with v2's headers.

Everything else (pacing, 429 + ``Retry-After``, token refresh, retries only where repeating is
safe, error mapping, redaction) is ``Session``'s, unchanged. v2 adds:

- ``Authorization: Bearer``, ``Harvest-Account-Id`` and a ``User-Agent`` naming the app and a
  contact on every call (v2 answers 400 without the User-Agent, 401 without the account);
- JSON only.

The two budgets are two sessions sharing the connection pool and credentials, each with its
own pacer (see ``client_v2``), so a throttled report pauses reports, not general calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from bot.harvest.auth import OAuthTokens
from bot.harvest.pacing import Pacer, Priority
from bot.harvest.session import DEFAULT_RETRY, USER_AGENT, RetryPolicy, Session

JSON = "application/json"


class V2Session(Session):
    """A ``Session`` for one v2 account; ``auth`` is a bearer token (OAuth or personal)."""

    def __init__(
        self,
        http: httpx.Client,
        auth: OAuthTokens,
        *,
        account_id: str,
        pacer: Pacer,
        token_url: str,
        user_agent: str = USER_AGENT,
        retry: RetryPolicy = DEFAULT_RETRY,
        priority: Priority = "interactive",
        sleep: Callable[[float], None] = time.sleep,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not user_agent.strip():
            raise ValueError("Harvest v2 refuses calls without a User-Agent")
        super().__init__(
            http,
            auth,
            fmt="json",
            pacer=pacer,
            token_url=token_url,
            retry=retry,
            priority=priority,
            sleep=sleep,
            utcnow=utcnow,
        )
        self.account_id = account_id
        self.user_agent = user_agent

    def _headers(self, bearer: str | None) -> dict[str, str]:
        return {
            "Accept": JSON,
            "Content-Type": JSON,
            "User-Agent": self.user_agent,
            "Authorization": bearer or self.auth.header(),
            "Harvest-Account-Id": self.account_id,
        }
