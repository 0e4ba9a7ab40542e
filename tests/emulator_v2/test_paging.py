"""v2 pagination: page-based and cursor-based envelopes, followed link by link over many pages."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from emulator.runner import RunningEmulator
from tests.emulator_v2.conftest import V2, all_pages, message

ENVELOPE = ["per_page", "total_pages", "total_entries", "next_page", "previous_page", "page",
            "links"]


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_time_entries_page_by_page_keep_their_filters(v2: V2, emulator: RunningEmulator) -> None:
    client = v2()
    polly = emulator.info.logins["polly"].user_id
    everything = client.get("/time_entries", params={"user_id": polly}).json()
    assert list(everything) == ["time_entries", *ENVELOPE]
    total = everything["total_entries"]
    assert total == len(everything["time_entries"]) > 4
    assert (everything["per_page"], everything["total_pages"], everything["page"]) == (2000, 1, 1)

    first = client.get("/time_entries", params={"user_id": polly, "per_page": 2}).json()
    assert (first["page"], first["next_page"], first["previous_page"]) == (1, 2, None)
    assert first["total_pages"] == (total + 1) // 2 and first["total_entries"] == total
    links = first["links"]
    assert links["first"] == f"{emulator.v2_url}/time_entries?user_id={polly}&page=1&per_page=2"
    assert links["next"] == f"{emulator.v2_url}/time_entries?user_id={polly}&page=2&per_page=2"
    assert links["previous"] is None
    assert _query(links["last"])["page"] == [str(first["total_pages"])]

    second = client.get(links["next"]).json()
    assert (second["page"], second["next_page"], second["previous_page"]) == (2, 3, 1)
    assert second["links"]["previous"] == links["first"]

    followed = all_pages(client, "/time_entries", "time_entries", user_id=polly, per_page=2)
    assert [e["id"] for e in followed] == [e["id"] for e in everything["time_entries"]]
    assert {e["user"]["id"] for e in followed} == {polly}

    last = client.get(links["last"]).json()
    assert last["next_page"] is None and last["links"]["next"] is None
    past = client.get("/time_entries", params={"user_id": polly, "per_page": 2,
                                               "page": first["total_pages"] + 1}).json()
    assert past["time_entries"] == []


def test_cursor_lists_link_by_cursor(v2: V2, emulator: RunningEmulator) -> None:
    client = v2()
    first = client.get("/users", params={"per_page": 1}).json()
    assert list(first) == ["users", *ENVELOPE]
    assert (first["page"], first["next_page"], first["previous_page"], first["total_pages"]) == \
        (1, 2, None, 4)
    links = first["links"]
    assert links["first"] == f"{emulator.v2_url}/users?page=1&per_page=1&ref=first"
    assert links["last"] == f"{emulator.v2_url}/users?page=4&per_page=1&ref=last"
    query = _query(links["next"])
    assert query["ref"] == ["next_cursor"] and query["per_page"] == ["1"] and "page" not in query
    cursor = query["cursor"][0]
    decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert decoded == {"after": {"id": first["users"][0]["id"]}}

    middle = client.get(links["next"]).json()
    assert (middle["page"], middle["next_page"], middle["previous_page"]) == (None, None, None)
    assert _query(middle["links"]["previous"])["ref"] == ["previous_cursor"]
    back = client.get(middle["links"]["previous"]).json()
    assert back["users"] == first["users"] and back["page"] == 1

    last = client.get(links["last"]).json()
    assert (last["page"], last["next_page"], last["previous_page"]) == (4, None, 3)

    people = all_pages(client, "/users", "users", per_page=1)
    ids = [person["id"] for person in people]
    assert ids == sorted(ids, reverse=True)  # newest first
    assert {p["email"].split("@")[0] for p in people} == {"sybil", "basil", "polly", "manuel"}


@pytest.mark.parametrize("path,key", [
    ("/clients", "clients"), ("/projects", "projects"), ("/tasks", "tasks"),
    ("/task_assignments", "task_assignments"), ("/user_assignments", "user_assignments"),
])
def test_every_cursor_list_pages_through_everything(v2: V2, path: str, key: str) -> None:
    client = v2()
    whole = client.get(path).json()[key]
    paged = all_pages(client, path, key, per_page=2)
    assert [item["id"] for item in paged] == [item["id"] for item in whole]
    assert len(whole) > 2


def test_a_cursor_survives_a_deletion_between_pages(v2: V2, emulator: RunningEmulator) -> None:
    for name in ("Sirius Cybernetics", "Megadodo"):
        emulator.store.insert("clients", name=name, created_at="2026-01-01T00:00:00.000000Z",
                              updated_at="2026-01-01T00:00:00.000000Z")
    client = v2()
    before = [c["id"] for c in client.get("/clients").json()["clients"]]
    first = client.get("/clients", params={"per_page": 2}).json()
    anchor = first["clients"][1]["id"]  # the id the next cursor points after
    emulator.store.execute("DELETE FROM clients WHERE id = ?", anchor)
    rest = client.get(first["links"]["next"]).json()["clients"]
    assert [c["id"] for c in rest] == before[2:4]


@pytest.mark.parametrize("params", [{"per_page": 0}, {"per_page": 2001}, {"per_page": "many"},
                                    {"page": 0}, {"page": "first"}])
def test_bad_paging_is_a_422(v2: V2, params: dict) -> None:
    message(v2().get("/time_entries", params=params), 422)
    message(v2().get("/clients", params=params), 422)


def test_a_malformed_cursor_is_a_422(v2: V2) -> None:
    for cursor in ("garbage!", base64.urlsafe_b64encode(b'{"sideways": {"id": 1}}').decode()):
        message(v2().get("/clients", params={"cursor": cursor}), 422)


def test_project_assignments_are_page_based(v2: V2, emulator: RunningEmulator) -> None:
    client = v2("polly")
    first = client.get("/users/me/project_assignments", params={"per_page": 2}).json()
    assert (first["page"], first["next_page"]) == (1, 2)
    assert _query(first["links"]["next"]) == {"page": ["2"], "per_page": ["2"]}
    assigned = all_pages(client, "/users/me/project_assignments", "project_assignments",
                         per_page=2)
    assert len(assigned) == 5  # the five active projects; Legacy Portal is archived
