"""Reading Harvest's failed answers: which typed error, what Harvest said, how long to wait.

Pure functions of an ``httpx.Response``, so each status and body shape is tested without a
server. Harvest's message is kept short and on one line; a page of HTML is not a message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from bot.harvest import documents
from bot.harvest.errors import (
    AuthError,
    Forbidden,
    HarvestError,
    NotFound,
    Unavailable,
    ValidationError,
)
from bot.harvest.scalars import to_float

MESSAGE_LIMIT = 300


def error_for(
    response: httpx.Response, method: str, path: str, *, message: str | None = None
) -> HarvestError:
    """The typed error for a failed answer (``message`` defaults to what Harvest said)."""
    status = response.status_code
    text = message if message is not None else harvest_message(response)
    where: dict[str, Any] = {"method": method, "path": path, "status": status}
    if status == 401:
        return AuthError(text or "Harvest refused the credentials", **where)
    if status == 403:
        return Forbidden(text or "your Harvest role does not allow this", **where)
    if status == 404:
        return NotFound(text or "not found in Harvest", **where)
    if status in (400, 422):
        return ValidationError(
            text or "Harvest refused the values",
            hint=response.headers.get("hint"),
            **where,
        )
    if status >= 500:
        return Unavailable(text or "Harvest had an internal error", **where)
    return HarvestError(text or f"unexpected HTTP {status}", **where)


def harvest_message(response: httpx.Response) -> str:
    """What Harvest said about a failure, in one short line ("" if nothing readable)."""
    body = response.content
    if not body.strip():
        return ""
    fmt = documents.looks_like(body, response.headers.get("content-type"))
    tree: Any = None
    if fmt is not None:
        try:
            tree = documents.decode(body, fmt)
        except Unavailable:
            tree = None
    text = _find_message(tree) if tree is not None else None
    if text is None:
        if fmt is not None or b"<html" in body[:200].lower():
            return ""  # a page or a broken document: the status says more than its markup
        text = body.decode("utf-8", "replace")
    flat = " ".join(text.split())
    return flat if len(flat) <= MESSAGE_LIMIT else flat[: MESSAGE_LIMIT - 3] + "..."


def _find_message(tree: Any) -> str | None:
    if isinstance(tree, str):
        return tree or None
    if isinstance(tree, list):
        parts = [p for p in (_find_message(item) for item in tree) if p]
        return "; ".join(parts) or None
    if isinstance(tree, dict):
        for key in ("message", "error_description", "errors", "error", "hash", "base"):
            if key in tree:
                found = _find_message(tree[key])
                if found:
                    return found
    return None


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` (delta-seconds or HTTP-date), if there is one."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, to_float(value))
    except (TypeError, ValueError):
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
