"""Harvest v1 documents as plain Python trees, both ways: XML or JSON bytes <-> dicts and lists.

Decoding gives one tree shape for both formats, so the model builders (``codec_v1``) do not
care which came over the wire:

- XML tags are normalised to underscores (``<project-id>`` and ``<project_id>`` are one key);
- a leaf element is its stripped text, or None when it says ``nil="true"``;
- an element with children is a dict; a tag repeated among siblings becomes a list;
- an element marked ``type="array"`` is a list of its children.

XML is parsed with ``defusedxml`` only: no entity expansion, no external entities, no DTDs.
Anything that does not parse raises ``Unavailable``: Harvest answered, but with garbage.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped, unused-ignore]
from defusedxml import DefusedXmlException

from bot.harvest.errors import Unavailable
from bot.harvest.scalars import format_decimal

Format = Literal["json", "xml"]

MEDIA_TYPES: dict[Format, str] = {"json": "application/json", "xml": "application/xml"}

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_SNIPPET = 80


def decode(body: bytes, fmt: Format) -> Any:
    """The tree a response body holds; None for an empty body. :raises Unavailable:"""
    text = _text(body)
    if not text.strip():
        return None
    if fmt == "json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise Unavailable(
                f"Harvest sent JSON that does not parse ({exc}): {_snip(text)}"
            ) from exc
    # The declaration is dropped: the bytes are already decoded, and the documents' own
    # examples carry broken ones (``version="1.0\"``).
    text = _DECLARATION.sub("", text, count=1)
    try:
        root = SafeET.fromstring(text)
    except DefusedXmlException as exc:
        raise Unavailable(
            f"Harvest sent XML with forbidden constructs ({type(exc).__name__})"
        ) from exc
    except SafeET.ParseError as exc:
        raise Unavailable(f"Harvest sent XML that does not parse ({exc}): {_snip(text)}") from exc
    return {tag_key(root.tag): _element(root)}


def looks_like(body: bytes, content_type: str | None) -> Format | None:
    """Which format a body is in, from its Content-Type or, failing that, its first character."""
    kind = (content_type or "").lower()
    if "json" in kind:
        return "json"
    if "xml" in kind:
        return "xml"
    start = _text(body).lstrip()[:1]
    if start in ("{", "["):
        return "json"
    if start == "<":
        return "xml"
    return None


def tag_key(tag: str) -> str:
    """``project-id`` -> ``project_id`` (the dashed and underscored spellings are one key)."""
    return tag.strip().replace("-", "_")


def _element(node: Element) -> Any:
    if node.get("nil", "").lower() == "true":
        return None
    children = list(node)
    if node.get("type", "").lower() == "array":
        return [_element(child) for child in children]
    if not children:
        return (node.text or "").strip()
    tree: dict[str, Any] = {}
    for child in children:
        key, value = tag_key(child.tag), _element(child)
        if key not in tree:
            tree[key] = value
        elif isinstance(tree[key], _Repeated):
            tree[key].append(value)
        else:
            tree[key] = _Repeated([tree[key], value])
    return {
        key: list(value) if isinstance(value, _Repeated) else value for key, value in tree.items()
    }


class _Repeated(list[Any]):
    """Marks a list made from repeated sibling tags (a value that was itself a list stays one)."""


def encode(payload: Mapping[str, Any], fmt: Format) -> bytes:
    """A request body: JSON as is; XML from a single-rooted mapping (``{"request": {...}}``).

    XML values that are ``XmlTyped`` carry a ``type=`` attribute, as the documents' requests do.
    """
    if fmt == "json":
        return json.dumps(payload, separators=(",", ":")).encode()
    if len(payload) != 1:
        raise ValueError("an XML body needs exactly one root")
    ((root, value),) = payload.items()
    return ('<?xml version="1.0" encoding="UTF-8"?>' + _xml(root, value)).encode()


class XmlTyped:
    """A request value, with the XML ``type`` attribute the documents show (JSON sends the value)."""

    __slots__ = ("type", "value")

    def __init__(self, value: Any, type: str | None = None) -> None:
        self.value = value
        self.type = type

    def __eq__(self, other: object) -> bool:
        return isinstance(other, XmlTyped) and (self.value, self.type) == (
            other.value,
            other.type,
        )

    def __repr__(self) -> str:
        return f"XmlTyped({self.value!r}, {self.type!r})"


def plain(payload: Any) -> Any:
    """The JSON form of a payload: ``XmlTyped`` wrappers replaced by their values."""
    if isinstance(payload, XmlTyped):
        return payload.value
    if isinstance(payload, Mapping):
        return {key: plain(value) for key, value in payload.items()}
    if isinstance(payload, list | tuple):
        return [plain(value) for value in payload]
    return payload


def _xml(tag: str, value: Any) -> str:
    attrs = ""
    if isinstance(value, XmlTyped):
        attrs = f' type="{value.type}"' if value.type else ""
        value = value.value
    if value is None:
        return f'<{tag} nil="true"/>'
    if isinstance(value, Mapping):
        inner = "".join(_xml(key, item) for key, item in value.items())
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    elif isinstance(value, float):
        inner = format_decimal(value)
    else:
        inner = _escape(str(value))
    return f"<{tag}{attrs}>{inner}</{tag}>"


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old Rails apps sometimes answered in Latin-1; no byte sequence fails in it.
        return body.decode("latin-1")


def _snip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SNIPPET else flat[:_SNIPPET] + "..."
