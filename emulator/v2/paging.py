"""v2 pagination [PG]: the envelope every list answers with, page-based or cursor-based.

Envelope: ``{<key>: [...], "per_page", "total_pages", "total_entries", "next_page",
"previous_page", "page", "links": {"first", "next", "previous", "last"}}``; links are absolute
URLs on the request's own base, keeping its other query parameters (filters, and
``access_token``/``account_id`` for a client that authenticates that way) so following
``links.next`` never drops a filter.

``per_page`` is 1–2000, default 2000; anything else is a 422. ``page`` is 1 or more (a 422
otherwise); a page past the end is an empty list.

Page-based lists (``/time_entries``, ``/expenses``, ``/users/me/project_assignments``,
``/reports/*``) link ``?page=N&per_page=M``, as the time entries example shows.

Cursor-based lists (``/clients``, ``/projects``, ``/tasks``, the assignments, ``/users``,
``/users/{id}/project_assignments``) follow the pagination page's example: ``first`` is
``?page=1&per_page=M&ref=first``, ``last`` ``?page=N&per_page=M&ref=last``, ``next``
``?cursor=<base64 {"after":{"id":X}}>&per_page=M&ref=next_cursor`` and ``previous``
``?cursor=<base64 {"before":{"id":Y}}>&per_page=M&ref=previous_cursor``; ``page``,
``next_page`` and ``previous_page`` are null except on the first and last pages. These lists
run newest first, which here is by id, highest first: ids grow with creation in the store, and
a cursor by id survives rows deleted between two pages.

Assumptions: ``cursor`` wins over ``page`` (a third-party mirror says so); a malformed cursor is
a 422; an empty list is one empty page (``total_pages`` 1), so ``links.first`` and
``links.last`` always point somewhere.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any
from urllib.parse import urlencode

from emulator.errors import BadRequest
from emulator.v2.context import Unprocessable, V2Ctx

MAX_PER_PAGE = 2000
_PAGING = {"page", "per_page", "cursor", "ref"}


def per_page(ctx: V2Ctx) -> int:
    """:raises Unprocessable: not an integer from 1 to 2000."""
    try:
        value = ctx.params.int("per_page")
    except BadRequest:
        value = 0
    if value is None:
        return MAX_PER_PAGE
    if not 1 <= value <= MAX_PER_PAGE:
        raise Unprocessable(f"per_page must be between 1 and {MAX_PER_PAGE}")
    return value


def page_number(ctx: V2Ctx) -> int:
    """:raises Unprocessable: not an integer of 1 or more."""
    try:
        value = ctx.params.int("page")
    except BadRequest:
        value = 0
    if value is None:
        return 1
    if value < 1:
        raise Unprocessable("page must be 1 or more")
    return value


def _link(ctx: V2Ctx, *paging: tuple[str, Any]) -> str:
    kept = [(name, value) for name, value in ctx.query if name not in _PAGING]
    return f"{ctx.url}?{urlencode(kept + [(name, str(value)) for name, value in paging])}"


def _envelope(key: str, items: list[Any], size: int, total: int, pages: int,
              page: int | None, next_page: int | None, previous_page: int | None,
              links: dict[str, str | None]) -> dict[str, Any]:
    return {key: items, "per_page": size, "total_pages": pages, "total_entries": total,
            "next_page": next_page, "previous_page": previous_page, "page": page, "links": links}


def paged(ctx: V2Ctx, key: str, items: list[Any]) -> dict[str, Any]:
    """One page of ``items`` (already in order) in the page-based envelope."""
    size, page = per_page(ctx), page_number(ctx)
    total = len(items)
    pages = max(1, math.ceil(total / size))
    chunk = items[(page - 1) * size: page * size]
    next_page = page + 1 if page < pages else None
    previous_page = page - 1 if page > 1 else None
    links = {
        "first": _link(ctx, ("page", 1), ("per_page", size)),
        "next": _link(ctx, ("page", next_page), ("per_page", size)) if next_page else None,
        "previous": (_link(ctx, ("page", previous_page), ("per_page", size))
                     if previous_page else None),
        "last": _link(ctx, ("page", pages), ("per_page", size)),
    }
    return _envelope(key, chunk, size, total, pages, page, next_page, previous_page, links)


def encode_cursor(direction: str, item_id: int) -> str:
    raw = json.dumps({direction: {"id": item_id}}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[str, int]:
    """``("after" | "before", id)``. :raises Unprocessable: not a cursor this API made."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw)
        (direction, inner), = data.items()
        item_id = inner["id"]
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError):
        raise Unprocessable("cursor is not valid: use the links of a previous page") from None
    if direction not in ("after", "before") or not isinstance(item_id, int):
        raise Unprocessable("cursor is not valid: use the links of a previous page")
    return direction, item_id


def cursored(ctx: V2Ctx, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of ``items`` (ordered by id, highest first) in the cursor-based envelope."""
    size = per_page(ctx)
    total = len(items)
    pages = max(1, math.ceil(total / size))
    cursor = ctx.params.str("cursor")
    if cursor:
        direction, edge = decode_cursor(cursor.strip())
        if direction == "after":
            start = sum(1 for item in items if item["id"] >= edge)
        else:
            start = max(0, sum(1 for item in items if item["id"] > edge) - size)
    else:
        start = (page_number(ctx) - 1) * size
    chunk = items[start: start + size]
    first, last = start == 0, start + size >= total
    page = 1 if first else pages if last else None
    links = {
        "first": _link(ctx, ("page", 1), ("per_page", size), ("ref", "first")),
        "next": None if last or not chunk else _link(
            ctx, ("cursor", encode_cursor("after", chunk[-1]["id"])), ("per_page", size),
            ("ref", "next_cursor")),
        "previous": None if first else _link(
            ctx, ("cursor", encode_cursor("before", chunk[0]["id"] if chunk else 0)),
            ("per_page", size), ("ref", "previous_cursor")),
        "last": _link(ctx, ("page", pages), ("per_page", size), ("ref", "last")),
    }
    next_page = 2 if first and not last else None
    previous_page = pages - 1 if last and not first else None
    return _envelope(key, chunk, size, total, pages, page, next_page, previous_page, links)
