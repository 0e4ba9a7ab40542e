"""The local Slack Web API (:mod:`bot.localslack.server`) with what only tests need: faults and
``only``. Everything else (state, recorded calls, ``wait_for``) is the product's own::

    with FakeSlackApi() as slack:
        slack.add_user("U1", name="ana", email="ana@example.com", tz="Europe/Lisbon")
        client = WebClient(token="xoxb-test", base_url=slack.base_url)
        slack.fail_next("chat.postMessage", status=429, retry_after=1)
        slack.fail_next(RESPONSE_URL, status=500)   # answers to response_urls fail too
        slack.expire("cmd1")                        # that response_url takes no more answers
        ...
        call = slack.wait_for("chat.postEphemeral", lambda c: c.args["user"] == "U1")
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.localslack.server import RESPONSE_URL, UPLOAD, Call, LocalSlack, Reply
from bot.localslack.server import CallMismatch as SlackApiError

__all__ = ["RESPONSE_URL", "UPLOAD", "Call", "FakeSlackApi", "SlackApiError", "running_fake_slack"]


@dataclass
class _Fault:
    status: int = 200
    retry_after: int | None = None
    error: str | None = None
    delay: float = 0.0
    times: int = 1


class FakeSlackApi(LocalSlack):
    """The local Slack, plus injected faults (HTTP errors, Slack errors, delays)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._faults: dict[str, list[_Fault]] = {}
        self._expired: set[str] = set()

    # -- faults ------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (``*`` for any Web API method,
        :data:`RESPONSE_URL` for answers posted to response_urls) with an HTTP error;
        429 carries ``Retry-After`` (1 s unless given) and Slack's ``ratelimited`` body."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._add_fault(method, _Fault(status=status, retry_after=retry_after, times=times))

    def error_next(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer the next calls of ``method`` with ``{"ok": false, "error": error}``."""
        self._add_fault(method, _Fault(error=error, times=times))

    def delay_next(self, method: str, seconds: float, *, times: int = 1,
                   status: int = 200) -> None:
        """Hold the next calls of ``method`` for ``seconds`` before answering normally; or, with
        an error ``status``, before refusing them (a call that timed out and was never made)."""
        self._add_fault(method, _Fault(delay=seconds, status=status, times=times))

    def expire(self, key: str) -> None:
        """Refuse answers to the response_url ``key`` as Slack does once one has expired (after
        30 minutes, or five answers): HTTP 404, ``expired_url``."""
        with self._changed:
            self._expired.add(key)

    def _add_fault(self, method: str, fault: _Fault) -> None:
        with self._changed:
            self._faults.setdefault(method, []).append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._changed:
            for key in (method, "*"):
                queue = self._faults.get(key)
                if queue:
                    fault = queue[0]
                    fault.times -= 1
                    if fault.times <= 0:
                        queue.pop(0)
                    return fault
        return None

    async def _reply(self, method: str, args: dict[str, Any], authorization: str) -> Reply:
        fault = self._take_fault(method)
        if fault is None:
            return await super()._reply(method, args, authorization)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status != 200:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            error = "ratelimited" if fault.status == 429 else "fatal_error"
            return fault.status, {"ok": False, "error": error}, headers
        if fault.error:
            return 200, {"ok": False, "error": fault.error}, {}
        return await super()._reply(method, args, authorization)

    async def _response_url(self, request: Request) -> Response:
        # Only faults named RESPONSE_URL apply here: "*" stays the Web API methods' wildcard.
        key = request.path_params["key"]
        body = await request.body()  # now: a caller that gives up during a delay takes it along
        with self._changed:
            expired = key in self._expired
            queue = self._faults.get(RESPONSE_URL)
            fault = None
            if queue and not expired:
                fault = queue[0]
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if expired or (fault is not None and fault.status != 200):
            status = 404 if expired else fault.status  # type: ignore[union-attr]
            error = "expired_url" if expired else ("ratelimited" if status == 429 else
                                                   "fatal_error")
            try:
                args = json.loads(body or b"{}")
            except json.JSONDecodeError:
                args = {"raw": body.decode(errors="replace")}
            if not isinstance(args, dict):
                args = {"raw": args}
            args["key"] = key
            self._record(RESPONSE_URL, args, request, body, status, error)
            retry = fault.retry_after if fault is not None else None
            return PlainTextResponse(error, status_code=status,
                                     headers={"Retry-After": str(retry)} if retry else None)
        return await super()._response_url(request)

    # -- test-only reading -------------------------------------------------------------------

    def only(self, method: str, predicate: Callable[[Call], bool] | None = None) -> Call:
        """The one successful call of ``method`` (matching ``predicate``).

        :raises SlackApiError: there were none or several.
        """
        found = [c for c in self.calls_to(method, predicate) if c.ok]
        if len(found) != 1:
            raise SlackApiError(f"expected one {method} call, got {len(found)}")
        return found[0]


def running_fake_slack(**options: Any) -> Iterator[FakeSlackApi]:
    """For a pytest fixture: ``yield from running_fake_slack()``."""
    with FakeSlackApi(**options) as api:
        yield api
