"""Request parameters merged the way Rails merged them for Harvest v1.

Real v1 clients send parameters four ways: flat JSON (time entries), wrapped JSON
(``{"project": {...}}``), XML (``<request>…</request>``, ``<project>…</project>``), form fields
(``notes=…&project[name]=…``) and the query string of a POST or PUT with an empty body. Rails
merged the query string and the parsed body into one hash, nesting ``a[b]`` keys and turning XML
dashes into underscores; handlers here read that one hash through :class:`Params`, which also
coerces the strings clients send for numbers, booleans and dates.
"""

from __future__ import annotations

import builtins
import json
import re
from datetime import date, datetime, time
from typing import Any
from urllib.parse import parse_qsl

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from emulator.errors import ApiError, BadRequest

MAX_BODY = 1024 * 1024  # a larger body is refused with 413 before it is parsed


def parse_body(body: bytes, content_type: str | None) -> dict[str, Any]:
    """Parse a request body by its declared type; empty, ``null`` and ``{}`` bodies are no body.

    :raises BadRequest: a non-empty body that does not parse as its declared type.
    """
    if len(body) > MAX_BODY:
        raise ApiError(413, "Request body too large")
    text = body.decode("utf-8", errors="strict") if body else ""
    if not text.strip():
        return {}
    kind = (content_type or "").split(";")[0].strip().lower()
    if not kind:
        stripped = text.lstrip()
        kind = "xml" if stripped.startswith("<") else "json" if stripped[:1] in "{[" else "form"
    if "json" in kind:
        return _parse_json(text)
    if "xml" in kind:
        return _parse_xml(text)
    return nest(parse_qsl(text, keep_blank_values=True))


def _parse_json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc.msg}") from None
    except ValueError:  # e.g. a number too long to convert
        raise BadRequest("The request body is not valid JSON") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object")
    return value


def _parse_xml(text: str) -> dict[str, Any]:
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise BadRequest(f"The request body is not valid XML: {exc}") from None
    return {_key(root.tag): _xml_value(root)}


def _key(tag: str) -> str:
    return tag.replace("-", "_")


def _xml_value(element: Any) -> Any:
    children = list(element)
    if element.get("nil") == "true":
        return None
    if element.get("type") == "array":
        return [_xml_value(child) for child in children]
    if children:
        return {_key(child.tag): _xml_value(child) for child in children}
    text = (element.text or "").strip()
    typed = element.get("type")
    if typed == "integer" and text:
        try:
            return int(text)
        except ValueError:
            raise BadRequest(f"{_key(element.tag)} must be an integer") from None
    if typed == "boolean" and text:
        return text.lower() == "true"
    return text


_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Rails-style nesting: ``a[b]=1`` -> ``{"a": {"b": "1"}}``, ``a[]=1&a[]=2`` -> a list."""
    result: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _KEY.match(raw_key)
        if not match:
            result[raw_key] = value
            continue
        parts = [match.group(1)] + re.findall(r"\[([^\[\]]*)\]", match.group(2))
        target: Any = result
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            following = None if last else parts[i + 1]
            if part == "":
                if isinstance(target, list):
                    target.append(value if last else {})
                break
            if not isinstance(target, dict):
                break
            if last:
                target[part] = value
            else:
                default: Any = [] if following == "" else {}
                existing = target.get(part)
                if not isinstance(existing, (dict, list)):
                    target[part] = default
                target = target[part]
    return result


def merge(query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge the body over the query string, as Rails built ``params``."""
    merged = dict(query)
    for key, value in body.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class Params:
    """One request's parameters, read with the coercions Harvest applied.

    Every accessor raises :class:`BadRequest` naming the field when a value is present but of
    the wrong type, so a malformed request is refused before anything is written.
    """

    def __init__(self, data: dict[str, Any]):
        self.data = data

    def scope(self, *wrappers: builtins.str) -> Params:
        """The fields under the first wrapper present (``request``, ``project``…), else the top level."""
        for name in wrappers:
            inner = self.data.get(name)
            if isinstance(inner, dict):
                return Params(merge({k: v for k, v in self.data.items() if k not in wrappers}, inner))
        return self

    def has(self, name: builtins.str) -> bool:
        return name in self.data

    def raw(self, name: builtins.str) -> Any:
        return self.data.get(name)

    def str(self, name: builtins.str, default: builtins.str | None = None) -> builtins.str | None:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, (dict, list)):
            raise BadRequest(f"{name} must be a string")
        return str(value)

    def blank(self, name: builtins.str) -> bool:
        value = self.data.get(name)
        return value is None or (isinstance(value, str) and not value.strip())

    def int(self, name: builtins.str, required: bool = False) -> builtins.int | None:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise BadRequest(f"{name} is required")
            return None
        if isinstance(value, bool):
            raise BadRequest(f"{name} must be an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
            return int(value)
        raise BadRequest(f"{name} must be an integer")

    def float(self, name: builtins.str) -> builtins.float | None:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            raise BadRequest(f"{name} must be a number")
        if isinstance(value, (int, float)):
            number = float(value)
        elif isinstance(value, str):
            number = _parse_hours(value.strip(), name)
        else:
            raise BadRequest(f"{name} must be a number")
        if number != number or number in (float("inf"), float("-inf")):
            raise BadRequest(f"{name} must be a number")
        return number

    def bool(self, name: builtins.str) -> builtins.bool | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "t"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "f"):
            return False
        raise BadRequest(f"{name} must be true or false")

    def date(self, name: builtins.str) -> date | None:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise BadRequest(f"{name} must be a date")
        return parse_date(value, name)

    def time(self, name: builtins.str) -> time | None:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise BadRequest(f"{name} must be a time such as 8:00am or 14:30")
        return parse_clock_time(value, name)


def _parse_hours(text: str, name: str) -> float:
    # Harvest accepted "1:30" as well as "1.5" for hours; the web timesheet did the same.
    if re.fullmatch(r"\d{1,3}:[0-5]\d", text):
        hours, minutes = text.split(":")
        return int(hours) + int(minutes) / 60
    try:
        return float(text)
    except ValueError:
        raise BadRequest(f"{name} must be a number") from None


_DATE_FORMATS = (
    "%a, %d %b %Y",  # Wed, 25 Nov 2026
    "%a, %b %d %Y",  # Sun, Jan 24 2015
    "%a %b %d %Y",
    "%d %b %Y",
    "%b %d %Y",
    "%b %d, %Y",
    "%Y/%m/%d",
    "%Y%m%d",
)


def parse_date(text: str, name: str = "date") -> date:
    """Every ``spent_at`` spelling the documents and real clients used; impossible dates refused.

    :raises BadRequest: not a date, or a date that does not exist (2026-02-30).
    """
    value = text.strip()
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", value)
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    except ValueError:
        raise BadRequest(f"{name} is not a valid date: {value!r}") from None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise BadRequest(f"{name} is not a valid date: {value!r}")


def parse_report_date(text: str | None, name: str) -> date:
    """Report bounds are ``YYYYMMDD`` (reporting.txt); ISO dates are accepted too.

    :raises BadRequest: missing or malformed, with the expected format in the message.
    """
    if text is None or not str(text).strip():
        raise BadRequest(f"The {name} parameter is required (format YYYYMMDD)")
    value = str(text).strip()
    if re.fullmatch(r"\d{8}", value):
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            raise BadRequest(f"The {name} parameter is not a valid date: {value!r}") from None
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
        return parse_date(value, name)
    raise BadRequest(f"The {name} parameter must be a date in the format YYYYMMDD, got {value!r}")


def parse_clock_time(text: str, name: str = "time") -> time:
    """``8:00am``, ``9am``, ``14:30``: the forms timestamp timers took.

    :raises BadRequest: anything else.
    """
    value = text.strip().lower().replace(" ", "")
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", value)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        meridiem = match.group(3)
        if meridiem:
            if not 1 <= hour <= 12:
                match = None
            else:
                hour = hour % 12 + (12 if meridiem == "pm" else 0)
        if match and hour < 24 and minute < 60:
            return time(hour, minute)
    raise BadRequest(f"{name} must be a time such as 8:00am or 14:30, got {text!r}")
