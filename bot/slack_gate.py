"""Requests Bolt cannot read are refused before Bolt tries to, with a 401 or a 400, never a 500.

Bolt parses a request's body while building its request object, before it checks the signature:
a ``payload=`` that is not JSON, JSON that is not an object, or an object whose ``team``,
``enterprise``, ``channel`` or ``authorizations`` are of another type than Slack's raise there
(``JSONDecodeError``, ``AttributeError``, ``TypeError``), and so does slack_sdk's verifier on a
timestamp that is not a number. Then, for every middleware and listener, Bolt takes the body
apart for the arguments it may inject (``action``, ``view``, ``event``, ``step``, ...), which
raises on shapes Slack does not send (``actions: []``, a ``workflow_step_edit`` without its
step), in the middleware error handler too. Each became a 500 with a traceback in the log, for a
request nobody had signed, and a timestamp that could not be read even reached the error
handler, which answered on the request's own ``response_url``.

:func:`refusal` says what such a request gets: 401 unless it was signed with the app's secret
within Slack's five minutes (then 400: Slack never sends it, and nothing was done).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence

from slack_bolt.async_app import AsyncBoltRequest
from slack_bolt.request import payload_utils

#: Slack's verifier refuses timestamps further than this from now.
STALE_AFTER = 5 * 60
#: What Bolt's request parsing raises on a body Slack would not send.
_UNREADABLE = (ValueError, TypeError, AttributeError, KeyError, IndexError)
#: What Bolt takes out of every body for the arguments it injects (``build_async_required_kwargs``).
_PAYLOADS = (payload_utils.to_options, payload_utils.to_shortcut, payload_utils.to_action,
             payload_utils.to_view, payload_utils.to_command, payload_utils.to_event,
             payload_utils.to_message, payload_utils.to_step)


def refusal(body: bytes, headers: Mapping[str, str], signing_secret: str, *,
            clock: Callable[[], float] = time.time) -> int | None:
    """The status to refuse the request with, or None to hand it to Bolt."""
    headers = {name.lower(): value for name, value in headers.items()}
    stamp = headers.get("x-slack-request-timestamp")
    if stamp is not None and not _is_integer(stamp):
        return 401
    try:
        request = AsyncBoltRequest(body=body.decode("utf-8"),
                                   headers=dict[str, str | Sequence[str]](headers))
        for payload in _PAYLOADS:
            payload(request.body)
    except _UNREADABLE:
        return 400 if _signed(body, headers, signing_secret, clock()) else 401
    return None


def _is_integer(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _signed(body: bytes, headers: Mapping[str, str], secret: str, now: float) -> bool:
    stamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
    if not stamp or not signature or not secret or abs(now - int(stamp)) > STALE_AFTER:
        return False
    expected = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={expected}", signature)
