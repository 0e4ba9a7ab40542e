"""Reading records out of decoded Harvest trees, leniently. Pure functions.

``single`` and ``items`` find the record(s) whatever wrappers XML or JSON put around them;
the field readers treat absent, null and empty alike and convert with ``scalars``. The
``reader`` decorator turns any slip into ``Unavailable`` naming what was being read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from bot.harvest.errors import Unavailable
from bot.harvest.scalars import (
    is_blank,
    to_bool,
    to_date,
    to_datetime,
    to_float,
    to_int,
)

P = ParamSpec("P")
R = TypeVar("R")
Tree = Any
Record = dict[str, Any]


def reader(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn any slip while reading into ``Unavailable`` naming the thing being read."""

    def decorate(read: Callable[P, R]) -> Callable[P, R]:
        @wraps(read)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return read(*args, **kwargs)
            except Unavailable:
                raise
            except (
                ValueError,
                TypeError,
                LookupError,
                AttributeError,
                ArithmeticError,
            ) as exc:
                detail = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
                raise Unavailable(f"Harvest sent an unreadable {what}: {detail}") from exc

        return guarded

    return decorate


# --- shapes ----------------------------------------------------------------------------------


def single(doc: Tree, wrappers: Iterable[str]) -> Record:
    """The one record in ``doc``, unwrapped from any of ``wrappers`` (``{"project": {...}}``)."""
    names = tuple(wrappers)
    record = doc
    while isinstance(record, dict):
        inner = next((record[k] for k in names if isinstance(record.get(k), dict)), None)
        if inner is None:
            break
        record = inner
    if not isinstance(record, dict) or not record:
        raise ValueError(f"expected one record, got {_kind(record)}")
    return record


def items(doc: Tree, item: str, containers: Iterable[str] = ()) -> list[Record]:
    """The records of a list, whichever of XML's or JSON's list shapes holds them."""
    value = doc
    if isinstance(value, dict):
        for key in containers:
            if key in value:
                value = value[key]
                break
    if is_blank(value):
        return []
    if isinstance(value, dict):
        if item in value:
            value = value[item]
        elif len(value) == 1 and isinstance(next(iter(value.values())), list | dict):
            # An unexpected container name around the right items (``<users><user>``).
            (value,) = value.values()
            if isinstance(value, dict) and item in value:
                value = value[item]
        else:
            raise ValueError(f"expected a list of {item}, got an object with {sorted(value)[:5]}")
        if is_blank(value):
            return []
        if isinstance(value, dict):
            value = [value]
    if not isinstance(value, list):
        raise TypeError(f"expected a list of {item}, got {_kind(value)}")
    records = []
    for element in value:
        if isinstance(element, dict) and isinstance(element.get(item), dict):
            element = element[item]
        if not isinstance(element, dict):
            raise TypeError(f"expected {item} records, got {_kind(element)}")
        records.append(element)
    return records


def known(value: int | None, name: str) -> int:
    if value is None:
        raise ValueError(f"no {name}")
    return value


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


# --- fields ----------------------------------------------------------------------------------


def first(rec: Record, names: tuple[str, ...]) -> Any:
    for name in names:
        if name in rec and not is_blank(rec[name]):
            return rec[name]
    return None


def need(rec: Record, *names: str) -> Any:
    value = first(rec, names)
    if value is None:
        raise ValueError(f"no {names[0]}")
    return value


def int_(rec: Record, *names: str) -> int:
    return to_int(need(rec, *names))


def opt_int(rec: Record, *names: str) -> int | None:
    value = first(rec, names)
    return None if value is None else to_int(value)


def opt_float(rec: Record, *names: str) -> float | None:
    value = first(rec, names)
    return None if value is None else to_float(value)


def bool_(rec: Record, *names: str, default: bool = False) -> bool:
    value = first(rec, names)
    return default if value is None else to_bool(value)


def opt_datetime(rec: Record, *names: str) -> Any:
    value = first(rec, names)
    return None if value is None else to_datetime(value)


def opt_date(rec: Record, *names: str) -> Any:
    value = first(rec, names)
    return None if value is None else to_date(value)


def text(rec: Record, *names: str) -> str:
    """A text field; only strings count (``"project"`` is a name in v1, an object elsewhere)."""
    value = first(rec, names)
    return value.strip() if isinstance(value, str) else "" if value is None else str(value)


def opt_text(rec: Record, *names: str) -> str | None:
    for name in names:
        value = rec.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
