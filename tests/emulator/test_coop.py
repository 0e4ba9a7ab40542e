"""Co-op groups over real HTTP: list, create, update, change owner, delete, memberships, and who
may do what (the demo group "Fawlty Towers": basil owns it, sybil and polly are members, manuel
is not). Statuses are in test_coop_statuses.py."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from defusedxml import ElementTree

from emulator.runner import RunningEmulator
from tests.emulator.conftest import Api

COOP_JSON_TIME = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \+0000$")
XML_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
GROUP_TAGS = ["id", "name", "timezone", "updated-at", "created-at"]
MEMBERSHIP_KEYS = ["id", "group_id", "user_id", "email", "name", "state", "owner", "created_at"]


def _group(emulator: RunningEmulator) -> int:
    return emulator.info.ids["group:Fawlty Towers"]


def _uid(emulator: RunningEmulator, who: str) -> int:
    return emulator.info.logins[who].user_id


def _email(emulator: RunningEmulator, who: str) -> str:
    return emulator.info.logins[who].email


def _xml(response: httpx.Response) -> Any:
    return ElementTree.fromstring(response.content)


def _snapshot(emulator: RunningEmulator) -> list[list[dict[str, Any]]]:
    return [emulator.store.all(f"SELECT * FROM {table} ORDER BY id")
            for table in ("groups", "memberships", "statuses")]


def _membership_id(emulator: RunningEmulator, group_id: int, who: str) -> int:
    return emulator.store.scalar("SELECT id FROM memberships WHERE group_id = ? AND user_id = ?",
                                 group_id, _uid(emulator, who))


# -- GET /groups -------------------------------------------------------------------------------


def test_groups_json_is_a_plain_array_of_the_callers_groups(api: Api, emulator: RunningEmulator) -> None:
    response = api("polly", coop=True).get("/groups")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    [group] = response.json()
    assert list(group) == ["id", "name", "timezone", "updated_at", "created_at"]
    assert group["id"] == _group(emulator)
    assert (group["name"], group["timezone"]) == ("Fawlty Towers", "London")
    assert COOP_JSON_TIME.match(group["updated_at"]) and COOP_JSON_TIME.match(group["created_at"])
    assert api("manuel", coop=True).get("/groups").json() == []


def test_groups_xml_is_a_typed_array(api: Api, emulator: RunningEmulator) -> None:
    response = api("basil", "xml", coop=True).get("/groups")
    assert response.status_code == 200
    root = _xml(response)
    assert (root.tag, root.get("type")) == ("groups", "array")
    [group] = root.findall("group")
    assert [child.tag for child in group] == GROUP_TAGS
    assert group.find("id").get("type") == "integer" and int(group.find("id").text) == _group(emulator)
    for tag in ("updated-at", "created-at"):
        assert group.find(tag).get("type") == "datetime" and XML_TIME.match(group.find(tag).text)


def test_coop_needs_harvest_credentials(emulator: RunningEmulator) -> None:
    assert httpx.get(emulator.coop_url + "/groups").status_code == 401
    wrong = httpx.get(emulator.coop_url + "/groups", auth=(_email(emulator, "polly"), "nope"))
    assert wrong.status_code == 401


# -- POST /groups ------------------------------------------------------------------------------


def _create_kwargs(form: str, fields: dict[str, str]) -> dict[str, Any]:
    if form == "json-wrapped":
        return {"json": {"group": fields}}
    if form == "json-flat":
        return {"json": fields}
    if form == "xml":
        inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
        return {"content": f"<group>{inner}</group>"}
    return {"data": {f"group[{k}]": v for k, v in fields.items()},
            "headers": {"Content-Type": "application/x-www-form-urlencoded"}}


@pytest.mark.parametrize("form", ["json-wrapped", "json-flat", "xml", "form"])
def test_create_group_makes_the_caller_owner_and_invites(api: Api, emulator: RunningEmulator,
                                                         form: str) -> None:
    fmt = "xml" if form == "xml" else "json"
    fields = {"name": "Kitchen", "timezone": "Madrid",
              "member_emails": f"{_email(emulator, 'manuel')}, terry@chef.example"}
    response = api("polly", fmt, coop=True).post("/groups", **_create_kwargs(form, fields))
    assert response.status_code == 201, response.text
    group = emulator.store.one("SELECT * FROM groups WHERE name = 'Kitchen'")
    assert group is not None and group["owner_id"] == _uid(emulator, "polly")
    assert group["timezone"] == "Madrid"
    assert response.headers["Location"] == f"/groups/{group['id']}"
    if fmt == "xml":
        root = _xml(response)
        assert root.tag == "group" and [child.tag for child in root] == GROUP_TAGS
        assert int(root.find("id").text) == group["id"]
    else:
        assert response.json()["id"] == group["id"] and response.json()["name"] == "Kitchen"
    members = emulator.store.all(
        "SELECT email, user_id, state FROM memberships WHERE group_id = ? ORDER BY id", group["id"])
    assert members == [
        {"email": _email(emulator, "polly"), "user_id": _uid(emulator, "polly"), "state": "active"},
        {"email": _email(emulator, "manuel"), "user_id": _uid(emulator, "manuel"), "state": "active"},
        {"email": "terry@chef.example", "user_id": None, "state": "invited"},
    ]
    assert [g["name"] for g in api("manuel", coop=True).get("/groups").json()] == ["Kitchen"]


def test_create_group_without_timezone_takes_the_creators(api: Api, emulator: RunningEmulator) -> None:
    response = api("manuel", coop=True).post("/groups", json={"group": {"name": "Solo"}})
    assert response.status_code == 201
    assert response.json()["timezone"] == "Madrid"  # manuel's Harvest zone


@pytest.mark.parametrize("fields,hint", [
    ({"name": "Kitchen", "timezone": "Mars/Olympus Mons"}, "Rails time zone name"),
    ({"name": "Kitchen", "timezone": "Europe/London"}, "London"),  # IANA names are not accepted
    ({"name": "Kitchen", "member_emails": "manuel@fawltytowers.example, not-an-email"},
     "not-an-email"),
    ({"name": "  ", "timezone": "London"}, "Name can't be blank"),
    ({"name": "x" * 256, "timezone": "London"}, "too long"),
])
def test_create_group_refusals_write_nothing(api: Api, emulator: RunningEmulator,
                                             fields: dict[str, str], hint: str) -> None:
    before = _snapshot(emulator)
    response = api("polly", coop=True).post("/groups", json={"group": fields})
    assert response.status_code == 400
    assert hint in response.headers["Hint"]
    assert _snapshot(emulator) == before


# -- PUT /groups/{id} --------------------------------------------------------------------------


def test_owner_updates_name_and_timezone(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    response = api("basil", coop=True).put(
        f"/groups/{gid}", json={"group": {"name": "Fawlty Towers Hotel", "timezone": "Madrid"}})
    assert response.status_code == 200
    assert response.headers["Location"] == f"/groups/{gid}"
    assert (response.json()["name"], response.json()["timezone"]) == ("Fawlty Towers Hotel", "Madrid")
    row = emulator.store.one("SELECT name, timezone FROM groups WHERE id = ?", gid)
    assert row == {"name": "Fawlty Towers Hotel", "timezone": "Madrid"}
    xml = api("basil", "xml", coop=True).put(
        f"/groups/{gid}", content="<group><name>Fawlty Towers</name></group>")
    assert xml.status_code == 200 and _xml(xml).find("name").text == "Fawlty Towers"
    assert _xml(xml).find("timezone").text == "Madrid"  # untouched fields stay


def test_update_refusals(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    before = _snapshot(emulator)
    body = {"group": {"name": "Polly's Place"}}
    assert api("polly", coop=True).put(f"/groups/{gid}", json=body).status_code == 403
    assert api("manuel", coop=True).put(f"/groups/{gid}", json=body).status_code == 404
    bad_zone = api("basil", coop=True).put(f"/groups/{gid}", json={"group": {"timezone": "Nowhere"}})
    assert bad_zone.status_code == 400 and "Nowhere" in bad_zone.headers["Hint"]
    invite = api("basil", coop=True).put(f"/groups/{gid}", json={"group": {"member_emails": "a@b.example"}})
    assert invite.status_code == 400 and "memberships" in invite.headers["Hint"]
    assert _snapshot(emulator) == before


# -- PUT /groups/{id}/change_owner -------------------------------------------------------------


def test_change_owner_hands_the_group_over(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    polly, basil = _uid(emulator, "polly"), _uid(emulator, "basil")
    assert api("polly", coop=True).put(f"/groups/{gid}/change_owner",
                                       json={"new_group_owner_id": polly}).status_code == 403
    response = api("basil", "xml", coop=True).put(
        f"/groups/{gid}/change_owner", content=f"<new_group_owner_id>{polly}</new_group_owner_id>")
    assert response.status_code == 200
    assert response.headers["Location"] == f"/groups/{gid}"
    assert emulator.store.scalar("SELECT owner_id FROM groups WHERE id = ?", gid) == polly
    owners = [m["user_id"] for m in api("basil", coop=True).get(f"/groups/{gid}/memberships").json()
              if m["owner"]]
    assert owners == [polly]
    # Basil is a plain member now; Polly holds the owner's rights and hands them back (JSON, as text).
    assert api("basil", coop=True).put(f"/groups/{gid}", json={"name": "Mine"}).status_code == 403
    back = api("polly", coop=True).put(f"/groups/{gid}/change_owner",
                                       json={"new_group_owner_id": str(basil)})
    assert back.status_code == 200
    assert emulator.store.scalar("SELECT owner_id FROM groups WHERE id = ?", gid) == basil


def test_new_owner_must_be_an_active_member(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    basil = api("basil", coop=True)
    basil.post(f"/groups/{gid}/memberships", json={"membership": {"email": "new@chef.example"}})
    before = _snapshot(emulator)
    for body in ({"new_group_owner_id": _uid(emulator, "manuel")},  # not a member
                 {"new_group_owner_id": 999999},  # nobody
                 {},  # missing
                 {"new_group_owner_id": "five"}):  # not a number
        response = basil.put(f"/groups/{gid}/change_owner", json=body)
        assert response.status_code == 400, body
        assert response.headers["Hint"]
    assert _snapshot(emulator) == before


# -- DELETE /groups/{id} -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_delete_group_destroys_notes_but_keeps_time_entries(api: Api, emulator: RunningEmulator,
                                                            fmt: str) -> None:
    gid = _group(emulator)
    entries_before = emulator.store.all("SELECT * FROM day_entries ORDER BY id")
    assert emulator.store.scalar("SELECT COUNT(*) FROM statuses WHERE group_id = ?", gid) == 3
    assert api("polly", coop=True).delete(f"/groups/{gid}").status_code == 403
    assert api("manuel", coop=True).delete(f"/groups/{gid}").status_code == 404
    response = api("basil", fmt, coop=True).delete(f"/groups/{gid}")
    assert response.status_code == 200 and response.content == b""
    assert emulator.store.one("SELECT * FROM groups WHERE id = ?", gid) is None
    assert emulator.store.scalar("SELECT COUNT(*) FROM statuses WHERE group_id = ?", gid) == 0
    assert emulator.store.scalar("SELECT COUNT(*) FROM memberships WHERE group_id = ?", gid) == 0
    assert emulator.store.all("SELECT * FROM day_entries ORDER BY id") == entries_before
    assert api("basil", coop=True).get(f"/groups/{gid}/statuses").status_code == 404
    assert api("polly", coop=True).get("/groups").json() == []


# -- memberships -------------------------------------------------------------------------------


def test_memberships_json_and_xml(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    body = api("polly", coop=True).get(f"/groups/{gid}/memberships").json()
    assert [list(m) for m in body] == [MEMBERSHIP_KEYS] * 3
    assert [(m["user_id"], m["state"], m["owner"]) for m in body] == [
        (_uid(emulator, "basil"), "active", True), (_uid(emulator, "sybil"), "active", False),
        (_uid(emulator, "polly"), "active", False)]
    assert body[0]["name"] == "Basil Fawlty" and body[0]["group_id"] == gid
    root = _xml(api("polly", "xml", coop=True).get(f"/groups/{gid}/memberships"))
    assert (root.tag, root.get("type")) == ("memberships", "array")
    first = root.find("membership")
    assert [c.tag for c in first] == [k.replace("_", "-") for k in MEMBERSHIP_KEYS]
    assert {c.tag: c.get("type") for c in first if c.get("type")} == {
        "id": "integer", "group-id": "integer", "user-id": "integer", "owner": "boolean",
        "created-at": "datetime"}
    assert first.find("owner").text == "true"


def test_any_member_invites_by_email(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    polly = api("polly", coop=True)
    one = polly.post(f"/groups/{gid}/memberships",
                     json={"membership": {"email": _email(emulator, "manuel")}})
    assert one.status_code == 201
    mid = _membership_id(emulator, gid, "manuel")
    assert one.headers["Location"] == f"/groups/{gid}/memberships/{mid}"
    assert (one.json()["user_id"], one.json()["state"]) == (_uid(emulator, "manuel"), "active")
    assert api("manuel", coop=True).get(f"/groups/{gid}/statuses").status_code == 200
    many = api("polly", "xml", coop=True).post(
        f"/groups/{gid}/memberships",
        content="<membership><member_emails>a@chef.example, b@chef.example</member_emails></membership>")
    assert many.status_code == 201
    root = _xml(many)
    assert root.tag == "memberships" and [m.find("state").text for m in root] == ["invited"] * 2
    assert root.find("membership/user-id").get("nil") == "true"
    again = polly.post(f"/groups/{gid}/memberships", data={"member_emails": "a@chef.example"},
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert again.status_code == 200 and len(again.json()) == 1
    assert emulator.store.scalar("SELECT COUNT(*) FROM memberships WHERE group_id = ?", gid) == 6
    listed = api("polly", coop=True).get(f"/groups/{gid}/memberships").json()
    assert [m["state"] for m in listed].count("invited") == 2
    bad = polly.post(f"/groups/{gid}/memberships", json={"membership": {"email": "nope"}})
    assert bad.status_code == 400 and "nope" in bad.headers["Hint"]
    assert polly.post(f"/groups/{gid}/memberships", json={}).status_code == 400


def test_removing_members(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    sybil, polly, basil = (_membership_id(emulator, gid, who) for who in ("sybil", "polly", "basil"))
    assert api("polly", coop=True).delete(f"/groups/{gid}/memberships/{sybil}").status_code == 403
    assert api("polly", coop=True).delete(f"/groups/{gid}/memberships/{basil}").status_code == 403
    owner_leaving = api("basil", coop=True).delete(f"/groups/{gid}/memberships/{basil}")
    assert owner_leaving.status_code == 400 and "change the owner" in owner_leaving.headers["Hint"]
    assert api("basil", coop=True).delete(f"/groups/{gid}/memberships/99999").status_code == 404
    # Polly leaves; the group is gone from her view at once.
    assert api("polly", coop=True).delete(f"/groups/{gid}/memberships/{polly}").status_code == 200
    assert api("polly", coop=True).get("/groups").json() == []
    assert api("polly", coop=True).get(f"/groups/{gid}/statuses").status_code == 404
    # The owner removes Sybil (XML this time).
    removed = api("basil", "xml", coop=True).delete(f"/groups/{gid}/memberships/{sybil}")
    assert removed.status_code == 200 and removed.content == b""
    left = emulator.store.all("SELECT user_id FROM memberships WHERE group_id = ?", gid)
    assert left == [{"user_id": _uid(emulator, "basil")}]


# -- who may do what ---------------------------------------------------------------------------


def _every_call(gid: int, sid: int, mid: int, manuel: int) -> list[tuple[str, str, Any]]:
    return [
        ("GET", f"/groups/{gid}/statuses", None),
        ("GET", f"/groups/{gid}", None),
        ("GET", f"/groups/{gid}/20261125", None),
        ("GET", f"/groups/{gid}/not-a-date", None),
        ("GET", f"/groups/{gid}/statuses/{sid}", None),
        ("POST", f"/groups/{gid}/statuses", {"text": "Hola"}),
        ("PUT", f"/groups/{gid}", {"group": {"name": "Manuel's"}}),
        ("PUT", f"/groups/{gid}/change_owner", {"new_group_owner_id": manuel}),
        ("DELETE", f"/groups/{gid}", None),
        ("GET", f"/groups/{gid}/memberships", None),
        ("POST", f"/groups/{gid}/memberships", {"membership": {"email": "x@y.example"}}),
        ("DELETE", f"/groups/{gid}/memberships/{mid}", None),
    ]


def test_a_non_member_gets_404_for_every_call_and_no_data(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    sid = emulator.store.scalar("SELECT MIN(id) FROM statuses WHERE group_id = ?", gid)
    mid = _membership_id(emulator, gid, "polly")
    before = _snapshot(emulator)
    for fmt in ("json", "xml"):
        manuel = api("manuel", fmt, coop=True)
        for method, path, body in _every_call(gid, sid, mid, _uid(emulator, "manuel")):
            content = None if body is None else json.dumps(body) if fmt == "json" else None
            response = manuel.request(method, path, content=content)
            assert response.status_code == 404, (fmt, method, path)
            assert "Fawlty" not in response.text and "Hola" not in response.text
    assert _snapshot(emulator) == before


def test_owner_only_calls_answer_403_to_a_member(api: Api, emulator: RunningEmulator) -> None:
    gid = _group(emulator)
    before = _snapshot(emulator)
    polly = api("polly", coop=True)
    assert polly.put(f"/groups/{gid}", json={"group": {"name": "x"}}).status_code == 403
    assert polly.put(f"/groups/{gid}/change_owner",
                     json={"new_group_owner_id": _uid(emulator, "polly")}).status_code == 403
    assert polly.delete(f"/groups/{gid}").status_code == 403
    assert _snapshot(emulator) == before


def test_unknown_and_non_numeric_group_ids_are_404(api: Api) -> None:
    basil = api("basil", coop=True)
    assert basil.get("/groups/999999/statuses").status_code == 404
    assert basil.get("/groups/abc/statuses").status_code == 404
