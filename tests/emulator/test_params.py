"""Parameters as real v1 clients sent them, parsed without a server."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.errors import ApiError, BadRequest
from emulator.params import (
    Params,
    merge,
    nest,
    parse_body,
    parse_clock_time,
    parse_date,
    parse_report_date,
)


def test_form_keys_nest_rails_style() -> None:
    pairs = [("project[name]", "Site"), ("project[client_id]", "7"), ("ids[]", "1"),
             ("ids[]", "2"), ("notes", "x")]
    assert nest(pairs) == {"project": {"name": "Site", "client_id": "7"}, "ids": ["1", "2"],
                           "notes": "x"}


def test_body_wins_over_query_and_nested_hashes_merge() -> None:
    query = {"of_user": "5", "project": {"name": "old", "code": "Q"}}
    body = {"project": {"name": "new"}}
    assert merge(query, body) == {"of_user": "5", "project": {"name": "new", "code": "Q"}}


@pytest.mark.parametrize("body", [b"", b"  ", b"null", b"{}"])
def test_empty_bodies_are_no_body(body: bytes) -> None:
    assert parse_body(body, "application/json") == {}


def test_xml_body_keeps_its_root_and_types() -> None:
    xml = (b'<request><notes>Test API support</notes><hours>3</hours>'
           b'<project_id type="integer">5198193</project_id><budget nil="true"/>'
           b'<spent_at type="date">Sun, Jan 24 2015</spent_at></request>')
    assert parse_body(xml, "application/xml") == {"request": {
        "notes": "Test API support", "hours": "3", "project_id": 5198193, "budget": None,
        "spent_at": "Sun, Jan 24 2015"}}


def test_xml_dashes_become_underscores() -> None:
    assert parse_body(b"<project><client-id>2</client-id></project>", "text/xml") == {
        "project": {"client_id": "2"}}


def test_bare_element_body_is_a_single_parameter() -> None:
    assert parse_body(b"<new_group_owner_id>5</new_group_owner_id>", "application/xml") == {
        "new_group_owner_id": "5"}


@pytest.mark.parametrize("body,kind", [
    (b"{not json", "application/json"), (b"[1, 2]", "application/json"),
    (b"<request><unclosed>", "application/xml"),
    (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "application/xml"),
])
def test_malformed_bodies_are_refused_with_400(body: bytes, kind: str) -> None:
    with pytest.raises(BadRequest):
        parse_body(body, kind)


def test_huge_body_is_refused_with_413() -> None:
    with pytest.raises(ApiError) as caught:
        parse_body(b"x" * (1024 * 1024 + 1), "application/json")
    assert caught.value.status == 413


def test_body_without_content_type_is_sniffed() -> None:
    assert parse_body(b'{"hours": 1}', None) == {"hours": 1}
    assert parse_body(b"hours=1&notes=a", None) == {"hours": "1", "notes": "a"}
    assert parse_body(b"<request><hours>1</hours></request>", None) == {"request": {"hours": "1"}}


@pytest.mark.parametrize("text,expected", [
    ("2026-11-25", date(2026, 11, 25)), ("2016-1-24", date(2016, 1, 24)),
    ("Wed, 25 Nov 2026", date(2026, 11, 25)), ("Sun, Jan 24 2015", date(2015, 1, 24)),
    ("Tue, 17 Oct 2015", date(2015, 10, 17)), ("20261125", date(2026, 11, 25)),
    ("2026/11/25", date(2026, 11, 25)),
])
def test_every_spent_at_spelling(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "yesterday", "25/11/2026x", ""])
def test_impossible_or_unknown_dates_are_refused(text: str) -> None:
    with pytest.raises(BadRequest):
        parse_date(text)


def test_report_bounds_are_required_and_strict() -> None:
    assert parse_report_date("20261101", "from") == date(2026, 11, 1)
    for bad in (None, "", "2026110", "20261301", "Nov 1"):
        with pytest.raises(BadRequest) as caught:
            parse_report_date(bad, "from")
        assert "from" in caught.value.message


@pytest.mark.parametrize("text,expected", [
    ("8:00am", time(8)), ("9:10am", time(9, 10)), ("12:15pm", time(12, 15)),
    ("12:00am", time(0)), ("14:30", time(14, 30)), ("9am", time(9)), ("5:45 PM", time(17, 45)),
])
def test_clock_times(text: str, expected: time) -> None:
    assert parse_clock_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "13:00pm", "8:60am", "noon", "0am"])
def test_bad_clock_times(text: str) -> None:
    with pytest.raises(BadRequest):
        parse_clock_time(text)


def test_numbers_and_booleans_arrive_as_strings() -> None:
    params = Params({"hours": "1.5", "id": "101", "billable": "true", "off": "false",
                     "colon": "1:30", "blank": "  "})
    assert params.float("hours") == 1.5
    assert params.int("id") == 101
    assert params.bool("billable") is True and params.bool("off") is False
    assert params.float("colon") == 1.5
    assert params.float("blank") is None and params.blank("blank")


@pytest.mark.parametrize("name,value,reader", [
    ("hours", "abc", "float"), ("hours", "nan", "float"), ("id", "1.5", "int"),
    ("id", True, "int"), ("flag", "maybe", "bool"), ("when", 20261125, "date"),
    ("id", {"a": 1}, "int"),
])
def test_wrong_types_name_the_field(name: str, value: object, reader: str) -> None:
    with pytest.raises(BadRequest) as caught:
        getattr(Params({name: value}), reader)(name)
    assert name in caught.value.message


def test_scope_unwraps_the_first_wrapper_present() -> None:
    params = Params({"request": {"hours": "2"}, "of_user": "9"})
    scoped = params.scope("request", "day_entry")
    assert scoped.float("hours") == 2.0 and scoped.int("of_user") == 9
    assert Params({"hours": "2"}).scope("request").float("hours") == 2.0


@given(st.binary(max_size=300), st.sampled_from(
    ["application/json", "application/xml", "application/x-www-form-urlencoded", None]))
def test_any_body_parses_or_is_refused_cleanly(body: bytes, kind: str | None) -> None:
    try:
        result = parse_body(body, kind)
    except ApiError as exc:
        assert 400 <= exc.status < 500
    except UnicodeDecodeError:
        pass  # the server answers these with 400 (tested over HTTP)
    else:
        assert isinstance(result, dict)
