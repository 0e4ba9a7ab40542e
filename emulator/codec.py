"""Rendering resources the way Harvest v1 rendered them, in XML (the default) or JSON.

Handlers describe a response as a tree of :class:`Obj` and :class:`Arr` nodes whose leaves are
plain values or :class:`T` (a value with its XML ``type`` attribute). One tree renders to both
formats, so XML and JSON can never disagree about what a resource holds. The documents do not
agree with each other on spelling (``/daily`` uses ``<day_entry>`` and RFC 2822 datetimes, the
reports ``<day-entry>``, Co-op ISO datetimes in XML and ``2008/11/19 20:19:45 +0000`` in JSON),
so each node carries a :class:`Style` naming the dialect of the document it comes from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

XML = "application/xml"
JSON = "application/json"


@dataclass(frozen=True)
class Style:
    """How one family of documents spells things."""

    dashed: bool = True  # XML tags: project-id (extended API) or project_id (/daily)
    xml_datetime: str = "iso"  # "iso" 2008-10-30T16:56:04Z or "rfc2822" Wed, 27 Jan 2016 21:52:50 +0000
    json_datetime: str = "iso"  # "iso" 2016-01-27T21:49:19Z or "coop" 2008/11/19 20:19:45 +0000
    json_date: str = "iso"  # "iso" 2016-01-24 or "coop" 2008/11/19


DAILY = Style(dashed=False, xml_datetime="rfc2822")
REPORT = Style(dashed=True, xml_datetime="rfc2822")
EXTENDED = Style(dashed=True)
COOP = Style(dashed=True, json_datetime="coop", json_date="coop")


@dataclass(frozen=True)
class T:
    """A leaf value with its XML type attribute (integer, float, decimal, boolean, date, datetime)."""

    value: Any
    type: str


@dataclass
class Obj:
    """An XML element with children; a JSON object (wrapped as ``{tag: {...}}`` when ``wrap``)."""

    tag: str
    fields: list[tuple[str, Any]]
    style: Style = EXTENDED
    wrap: bool = False


@dataclass
class Arr:
    """A list of objects: ``<tags><tag/>…</tags>``; in JSON a list, items wrapped when ``wrap_items``."""

    tag: str
    items: list[Obj] = field(default_factory=list)
    style: Style = EXTENDED
    wrap_items: bool = False
    typed: bool = False  # XML type="array" on the container, as Co-op sent it


Node = Obj | Arr


class Literal(str):
    """A field name rendered in XML exactly as written, whatever the style's spelling.

    reporting.txt writes ``<created_at>`` among dashed tags; ``Literal("created_at")`` keeps it.
    """


def negotiate(accept: str | None, content_type: str | None) -> str:
    """Pick the response format as overview.txt describes: Accept first, then Content-Type, XML by default."""
    for header in (accept, content_type):
        value = (header or "").lower()
        if "json" in value:
            return JSON
        if "xml" in value:
            return XML
    return XML


def render(node: Node | None, fmt: str) -> bytes:
    if node is None:
        return b""
    if fmt == JSON:
        return json.dumps(_json_node(node, top=True), separators=(",", ":")).encode()
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + _xml_node(node) + "\n").encode()


# -- JSON --------------------------------------------------------------------------------------


def _json_node(node: Node, top: bool = False) -> Any:
    if isinstance(node, Arr):
        return [
            {item.tag: _json_fields(item)} if node.wrap_items else _json_fields(item)
            for item in node.items
        ]
    if node.wrap and top:
        return {node.tag: _json_fields(node)}
    return _json_fields(node)


def _json_fields(obj: Obj) -> dict[str, Any]:
    return {name: _json_value(value, obj.style) for name, value in obj.fields}


def _json_value(value: Any, style: Style) -> Any:
    if isinstance(value, (Obj, Arr)):
        return _json_node(value)
    if isinstance(value, T):
        return _json_scalar(value.value, value.type, style)
    return _json_scalar(value, None, style)


def _json_scalar(value: Any, type_: str | None, style: Style) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return format_datetime(value, style.json_datetime)
    if isinstance(value, date):
        return value.strftime("%Y/%m/%d") if style.json_date == "coop" else value.isoformat()
    if isinstance(value, Decimal):  # an exact amount (a unit price of 0.655): never rounded
        return float(value)
    if type_ in ("float", "decimal"):
        return round(float(value), 2)
    if type_ == "integer":
        return int(value)
    if type_ == "boolean":
        return bool(value)
    return value


# -- XML ---------------------------------------------------------------------------------------


def _tag(name: str, style: Style) -> str:
    if isinstance(name, Literal):
        return str(name)
    return name.replace("_", "-") if style.dashed else name.replace("-", "_")


def _xml_node(node: Node) -> str:
    if isinstance(node, Arr):
        tag = _tag(node.tag, node.style)
        attr = ' type="array"' if node.typed else ""
        inner = "".join(_xml_node(item) for item in node.items)
        return f"<{tag}{attr}>{inner}</{tag}>"
    tag = _tag(node.tag, node.style)
    inner = "".join(_xml_field(name, value, node.style) for name, value in node.fields)
    return f"<{tag}>{inner}</{tag}>"


def _xml_field(name: str, value: Any, style: Style) -> str:
    if isinstance(value, Obj):
        # A nested object keeps its own tag name (e.g. <user> inside <status>).
        return _xml_node(Obj(name, value.fields, value.style))
    if isinstance(value, Arr):
        return _xml_node(Arr(name, value.items, value.style, value.wrap_items, value.typed))
    tag = _tag(name, style)
    type_ = value.type if isinstance(value, T) else None
    raw = value.value if isinstance(value, T) else value
    attrs = f" type={quoteattr(type_)}" if type_ else ""
    if raw is None:
        return f'<{tag}{attrs} nil="true"></{tag}>'
    return f"<{tag}{attrs}>{escape(_xml_text(raw, type_, style))}</{tag}>"


def _xml_text(value: Any, type_: str | None, style: Style) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value, style.xml_datetime)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if type_ == "float":
        return f"{float(value):.2f}"
    if type_ == "decimal":
        return f"{round(float(value), 2)}"
    return str(value)


def format_datetime(value: datetime, dialect: str) -> str:
    value = value.astimezone(UTC)
    if dialect == "rfc2822":
        return value.strftime("%a, %d %b %Y %H:%M:%S +0000")
    if dialect == "coop":
        return value.strftime("%Y/%m/%d %H:%M:%S +0000")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


ERROR_TYPE = "text/plain; charset=utf-8"


def error_body(message: str) -> bytes:
    """An error's body: the message as plain text, never a document.

    Assumption (the documents show no error bodies): v1 answered errors Rails' ``head`` way,
    the status code carrying the meaning and the ``Hint`` header the reason (projects.txt
    mentions it; the Ruby client "harvested" built its error messages from it). Clients of the
    time parse any JSON they get as data: python-harvest hands back a parsed error body as if it
    were the resource, so a JSON error body would be mistaken for a record. Plain text cannot be.
    """
    return (message + "\n").encode()
