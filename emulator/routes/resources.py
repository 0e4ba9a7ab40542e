"""What the Extended REST API's resources share: reading a write, rendering a row, answering.

Projects, people, clients, tasks, expense categories and the two kinds of assignment all follow
one Rails pattern: a wrapped body (``{"project": {...}}``, ``<project>…</project>``, or
``project[name]=…``), optional fields coerced from strings, ``?updated_since=`` on the lists,
and writes answered with an empty body plus a ``Location`` header (Rails' ``head :created,
location: …``), which is what the documents show and what clients of the time read the new id
from.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from emulator.clock import iso, parse_iso
from emulator.codec import Arr, Obj, T
from emulator.context import Ctx, Reply
from emulator.errors import BadRequest, NotFound
from emulator.params import Params


def fields(ctx: Ctx, *wrappers: str) -> Params:
    """The fields of a write, under its wrapper if there is one (``project``, ``task_assignment``).

    Dashed spellings are accepted too, for the wrapper and the fields: XML arrives dashed and the
    params parser already turns that into underscores, but some JSON clients of the time sent
    dashed keys as well (python-harvest's ``{"task-assignment": {...}}``). Where both spellings
    are present the underscored one wins.
    """
    names = [spelling for name in wrappers for spelling in (name, name.replace("_", "-"))]
    scoped = ctx.params.scope(*names)
    data = {key: value for key, value in scoped.data.items() if "-" not in key}
    for key, value in scoped.data.items():
        if "-" in key:
            data.setdefault(key.replace("-", "_"), value)
    return Params(data)


# Each writable field and how its value is read: the column takes the coerced value, or None
# when the field is present but blank.
Spec = dict[str, str]


def collect(params: Params, spec: Spec) -> dict[str, Any]:
    """The present fields of ``spec``, coerced; nothing else.

    :raises BadRequest: a present field of the wrong type (the request writes nothing).
    """
    values: dict[str, Any] = {}
    for name, kind in spec.items():
        if not params.has(name):
            continue
        if kind == "str":
            values[name] = params.str(name)
        elif kind == "int":
            values[name] = params.int(name)
        elif kind == "float":
            number = params.float(name)
            if number is not None and number < 0:
                raise BadRequest(f"{name} must not be negative")
            values[name] = number
        elif kind == "bool":
            flag = params.bool(name)
            if flag is not None:
                values[name] = int(flag)
        else:  # pragma: no cover - a spec typo
            raise AssertionError(kind)
    return values


def required_name(values: dict[str, Any], field: str = "name") -> str:
    """:raises BadRequest: the name is missing or blank."""
    name = (values.get(field) or "").strip()
    if not name:
        raise BadRequest(f"{field.replace('_', ' ').capitalize()} can't be blank")
    return name


def blank_name(values: dict[str, Any], field: str = "name") -> None:
    """On update a name may be left out, but not blanked. :raises BadRequest: it was blanked."""
    if field in values:
        values[field] = required_name(values, field)


def since(ctx: Ctx) -> str | None:
    """``?updated_since=2010-09-25+18%3A30`` (UTC) as stored text, for ``updated_at >= ?``.

    :raises BadRequest: a value that is not a date and time.
    """
    text = ctx.params.str("updated_since")
    if text is None or not text.strip():
        return None
    return iso(parse_updated_since(text))


_SINCE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(?:Z|UTC|[+-]00:?00)?"
)


def parse_updated_since(text: str) -> datetime:
    """``2010-09-25 18:30`` as the documents write it; ISO 8601 and a bare date work too.

    :raises BadRequest: anything else, or an impossible date.
    """
    match = _SINCE.fullmatch(text.strip())
    if not match:
        raise BadRequest(f"updated_since must be a UTC date and time such as 2010-09-25 18:30, "
                         f"got {text!r}")
    year, month, mday, hour, minute, second = (int(part) if part else 0 for part in match.groups())
    try:
        return datetime(year, month, mday, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise BadRequest(f"updated_since is not a valid date and time: {text!r}") from None


def stamp(text: str | None) -> T:
    """A stored datetime as an ISO ``type="datetime"`` leaf."""
    return T(parse_iso(text) if text else None, "datetime")


def day(text: str | None) -> T:
    """A stored ``YYYY-MM-DD`` as a ``type="date"`` leaf."""
    return T(date.fromisoformat(text) if text else None, "date")


def flag(value: Any) -> T:
    return T(bool(value), "boolean")


def integer(value: Any) -> T:
    return T(value, "integer")


def decimal(value: Any) -> T:
    return T(value, "decimal")


def listing(tag: str, items: list[Obj], typed: bool = False) -> Reply:
    """``<projects><project/>…</projects>``; JSON ``[{"project": {...}}, …]``."""
    return Reply(Arr(tag, items, wrap_items=True, typed=typed))


def located(location: str, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """An empty answer with ``Location``, as Rails' ``head :ok, location: …`` sent it."""
    return Reply(None, status, {"Location": location, **(headers or {})})


def row_or_404(ctx: Ctx, table: str, row_id: int, what: str) -> dict[str, Any]:
    """:raises NotFound: no such row (deleted things answer 404)."""
    row = ctx.store.one(f"SELECT * FROM {table} WHERE id = ?", row_id)
    if row is None:
        raise NotFound(f"No such {what}")
    return row


def touch(ctx: Ctx) -> str:
    """Now, as stored: the ``created_at``/``updated_at`` of a write."""
    return iso(ctx.now())
