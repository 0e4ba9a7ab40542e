"""Reading v2 query filters: ids, booleans, dates and ``updated_since``, refused with a 422.

Dates are ISO 8601 (``2017-12-31``) [OV]; the Reports API examples write ``20171231``, so both
spellings are read everywhere (assumption: v2 took both). ``updated_since`` is an ISO 8601
datetime; one without a zone is read as UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from emulator.clock import iso
from emulator.errors import BadRequest
from emulator.v2.context import Unprocessable, V2Ctx


def integer(ctx: V2Ctx, name: str) -> int | None:
    """:raises Unprocessable: present and not an integer."""
    try:
        return ctx.params.int(name)
    except BadRequest as exc:
        raise Unprocessable(exc.message) from None


def boolean(ctx: V2Ctx, name: str) -> bool | None:
    """:raises Unprocessable: present and not true or false."""
    try:
        return ctx.params.bool(name)
    except BadRequest as exc:
        raise Unprocessable(exc.message) from None


def parse_day(text: str, name: str) -> date:
    """``2017-12-31`` or ``20171231``. :raises Unprocessable: anything else or no such day."""
    value = text.strip()
    match = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", value)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise Unprocessable(f"{name} must be a date such as 2017-12-31, got {text!r}")


def day(ctx: V2Ctx, name: str, required: bool = False) -> date | None:
    """:raises Unprocessable: missing when required, or not a date."""
    raw = ctx.params.raw(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise Unprocessable(f"{name} is required")
        return None
    if not isinstance(raw, str):
        raise Unprocessable(f"{name} must be a date such as 2017-12-31")
    return parse_day(raw, name)


def updated_since(ctx: V2Ctx) -> str | None:
    """``updated_since`` as stored text for ``updated_at >= ?``. :raises Unprocessable: bad value."""
    raw = ctx.params.raw("updated_since")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        when = datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00"))
    except ValueError:
        raise Unprocessable(f"updated_since must be an ISO 8601 date and time such as "
                            f"2017-12-31T14:59:22Z, got {raw!r}") from None
    return iso(when if when.tzinfo else when.replace(tzinfo=UTC))


def conditions(ctx: V2Ctx, columns: dict[str, str]) -> tuple[list[str], list[Any]]:
    """SQL conditions for the integer filters named in ``columns`` (filter -> column)."""
    where: list[str] = []
    args: list[Any] = []
    for name, column in columns.items():
        value = integer(ctx, name)
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    return where, args


def dated(ctx: V2Ctx, alias: str) -> tuple[list[str], list[Any]]:
    """``updated_since``, ``from`` and ``to`` as SQL conditions on ``{alias}``'s rows, which
    carry ``updated_at`` and a ``spent_at`` day (time entries and expenses)."""
    where: list[str] = []
    args: list[Any] = []
    since = updated_since(ctx)
    if since:
        where.append(f"{alias}.updated_at >= ?")
        args.append(since)
    for name, operator in (("from", ">="), ("to", "<=")):
        bound = day(ctx, name)
        if bound is not None:
            where.append(f"{alias}.spent_at {operator} ?")
            args.append(bound.isoformat())
    return where, args
