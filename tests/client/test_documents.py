"""XML and JSON bodies decode to one tree shape; XML is parsed safely; garbage is Unavailable."""

from __future__ import annotations

import json

import pytest

from bot.harvest.documents import XmlTyped, decode, encode, looks_like, plain
from bot.harvest.errors import Unavailable


def test_xml_tags_dashed_or_underscored_become_one_key() -> None:
    tree = decode(b"<e><project-id>1</project-id><created_at>x</created_at></e>", "xml")
    assert tree == {"e": {"project_id": "1", "created_at": "x"}}


def test_xml_leaves_are_stripped_text_and_nil_is_none() -> None:
    body = b"""<e><a type="integer"> 5 </a><b></b><c nil="true"/><d type="datetime" nil="true"></d>
    <url>
        http://coopapp.com/x.png
    </url></e>"""
    assert decode(body, "xml") == {
        "e": {
            "a": "5",
            "b": "",
            "c": None,
            "d": None,
            "url": "http://coopapp.com/x.png",
        }
    }


def test_repeated_siblings_become_a_list_and_single_ones_stay_a_record() -> None:
    two = decode(b"<l><i><id>1</id></i><i><id>2</id></i></l>", "xml")
    one = decode(b"<l><i><id>1</id></i></l>", "xml")
    assert two == {"l": {"i": [{"id": "1"}, {"id": "2"}]}}
    assert one == {"l": {"i": {"id": "1"}}}


def test_type_array_is_a_list_even_with_one_or_no_child() -> None:
    assert decode(b'<l type="array"><i><id>1</id></i></l>', "xml") == {"l": [{"id": "1"}]}
    assert decode(b'<l type="array"></l>', "xml") == {"l": []}


def test_a_broken_xml_declaration_is_ignored() -> None:
    # reporting.txt's own example starts like this.
    body = b'<?xml version="1.0\\" encoding="UTF-8\\"?>\n<a><b>1</b></a>'
    assert decode(body, "xml") == {"a": {"b": "1"}}


def test_empty_bodies_decode_to_none() -> None:
    assert decode(b"", "json") is None
    assert decode(b"  \n", "xml") is None


def test_entity_expansion_is_refused() -> None:
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<lolz>&lol2;</lolz>"""
    with pytest.raises(Unavailable, match="forbidden constructs"):
        decode(bomb, "xml")


def test_external_entities_are_refused() -> None:
    body = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"""
    with pytest.raises(Unavailable):
        decode(body, "xml")


@pytest.mark.parametrize(
    ("body", "fmt"),
    [
        (b"<a><b></a>", "xml"),
        (b"{not json", "json"),
        (b"<html>Oops", "xml"),
        (b"\x00\xff", "json"),
    ],
)
def test_garbage_is_unavailable_with_a_clear_message(body: bytes, fmt: str) -> None:
    with pytest.raises(Unavailable, match="does not parse"):
        decode(body, fmt)  # type: ignore[arg-type]


def test_format_is_recognised_by_content_type_then_by_first_character() -> None:
    assert looks_like(b"<a/>", "application/json; charset=utf-8") == "json"
    assert looks_like(b"{}", "application/xml") == "xml"
    assert looks_like(b'  [{"a": 1}]', None) == "json"
    assert looks_like(b"<a/>", "text/plain") == "xml"
    assert looks_like(b"Internal error", "text/plain") is None


def test_encode_json_drops_xml_types() -> None:
    payload = {"project": {"client_id": XmlTyped(2, "integer"), "name": "SuprGlu"}}
    assert json.loads(encode(plain(payload), "json")) == {
        "project": {"client_id": 2, "name": "SuprGlu"}
    }


def test_encode_xml_with_types_escaping_nil_and_booleans() -> None:
    body = encode(
        {
            "request": {
                "notes": 'a < b & "c"',
                "project_id": XmlTyped(5, "integer"),
                "active": XmlTyped(True, "boolean"),
                "hours": XmlTyped(1.5),
                "gone": None,
            }
        },
        "xml",
    )
    assert body == (
        b'<?xml version="1.0" encoding="UTF-8"?><request>'
        b"<notes>a &lt; b &amp; &quot;c&quot;</notes>"
        b'<project_id type="integer">5</project_id>'
        b'<active type="boolean">true</active>'
        b"<hours>1.5</hours>"
        b'<gone nil="true"/></request>'
    )
    # What we write, we read back.
    assert decode(body, "xml")["request"]["notes"] == 'a < b & "c"'


def test_encode_xml_needs_one_root() -> None:
    with pytest.raises(ValueError, match="one root"):
        encode({"a": 1, "b": 2}, "xml")
